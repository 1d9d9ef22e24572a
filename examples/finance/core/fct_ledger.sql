-- Core: ledger lines with account attributes (Snowflake).
CREATE OR REPLACE TABLE core.fct_ledger AS
SELECT
    e.journal_id,
    e.line_number,
    e.account_id,
    a.account_type,
    e.period,
    e.posted_on,
    e.net_amount
FROM staging.stg_ledger_entries e
JOIN core.dim_account a ON a.account_id = e.account_id;
