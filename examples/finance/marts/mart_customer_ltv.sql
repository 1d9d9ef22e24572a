-- Mart: lifetime value and payment behaviour per customer (BigQuery).
CREATE OR REPLACE TABLE `marts.customer_ltv` AS
SELECT
  c.customer_id,
  c.segment,
  SUM(p.amount) AS lifetime_paid,
  AVG(p.days_to_pay) AS avg_days_to_pay,
  MIN(p.paid_on) AS first_payment_on
FROM `core.dim_customer` AS c
JOIN `core.fct_payments` AS p ON p.customer_id = c.customer_id
GROUP BY c.customer_id, c.segment;
