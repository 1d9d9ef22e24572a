-- Core: account dimension with its parent's name (Snowflake).
CREATE OR REPLACE TABLE core.dim_account AS
SELECT
    a.account_id,
    a.account_number,
    a.account_name,
    a.account_type,
    p.account_name AS parent_account_name,
    a.currency_code
FROM staging.stg_accounts a
LEFT JOIN staging.stg_accounts p ON p.account_id = a.parent_account_id;
