-- Staging: daily FX rates to USD (PostgreSQL).
CREATE TABLE staging.stg_fx_rates AS
SELECT
    r.rate_date,
    r.from_currency AS currency_code,
    r.rate          AS usd_rate
FROM raw.fx_rates r
WHERE r.to_currency = 'USD';
