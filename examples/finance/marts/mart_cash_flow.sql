-- Mart: daily cash in and out per account (BigQuery).
CREATE OR REPLACE TABLE `marts.cash_flow_daily` AS
SELECT
  t.booking_date,
  a.account_name,
  SUM(IF(t.amount_usd > 0, t.amount_usd, 0)) AS cash_in_usd,
  SUM(IF(t.amount_usd < 0, -t.amount_usd, 0)) AS cash_out_usd
FROM `core.fct_transactions` AS t
JOIN `core.dim_account` AS a ON a.account_id = t.account_id
GROUP BY t.booking_date, a.account_name;
