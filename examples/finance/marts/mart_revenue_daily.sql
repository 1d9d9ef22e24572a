-- Mart: invoiced revenue per day and segment (BigQuery).
CREATE OR REPLACE TABLE `marts.revenue_daily` AS
SELECT
  i.issued_on AS revenue_date,
  c.segment,
  c.country_code,
  SUM(i.gross_amount_usd) AS revenue_usd,
  COUNT(DISTINCT i.invoice_id) AS invoices
FROM `core.fct_invoices` AS i
JOIN `core.dim_customer` AS c ON c.customer_id = i.customer_id
GROUP BY revenue_date, c.segment, c.country_code;
