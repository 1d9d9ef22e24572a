-- Lake: FX rates from the ECB feed (Spark SQL).
INSERT OVERWRITE TABLE raw.fx_rates
SELECT
  to_date(r.rate_date) AS rate_date,
  r.currency AS from_currency,
  'USD' AS to_currency,
  r.rate / u.rate AS rate
FROM lake.ecb_rates r
JOIN lake.ecb_rates u ON u.rate_date = r.rate_date AND u.currency = 'USD';
