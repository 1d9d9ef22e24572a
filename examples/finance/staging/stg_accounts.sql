-- Staging: chart of accounts (PostgreSQL).
CREATE TABLE staging.stg_accounts AS
SELECT
    a.account_id,
    a.account_number,
    a.account_name,
    a.account_type,
    a.parent_account_id,
    coalesce(a.currency_code, 'USD') AS currency_code
FROM raw.erp_accounts a;
