-- Core: bank transactions in USD (Snowflake).
CREATE OR REPLACE TABLE core.fct_transactions AS
SELECT
    t.transaction_id,
    t.account_id,
    t.booking_date,
    t.amount,
    t.currency_code,
    t.amount * coalesce(fx.usd_rate, 1) AS amount_usd
FROM staging.stg_transactions t
LEFT JOIN staging.stg_fx_rates fx
    ON fx.currency_code = t.currency_code AND fx.rate_date = t.booking_date;
