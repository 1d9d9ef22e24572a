-- Mart: accounts receivable aging buckets (BigQuery).
CREATE OR REPLACE TABLE `marts.ar_aging` AS
SELECT
  i.customer_id,
  c.customer_name,
  SUM(IF(DATE_DIFF(CURRENT_DATE(), i.due_on, DAY) <= 0, i.open_amount, 0)) AS current_amount,
  SUM(IF(DATE_DIFF(CURRENT_DATE(), i.due_on, DAY) BETWEEN 1 AND 30, i.open_amount, 0)) AS overdue_1_30,
  SUM(IF(DATE_DIFF(CURRENT_DATE(), i.due_on, DAY) BETWEEN 31 AND 90, i.open_amount, 0)) AS overdue_31_90,
  SUM(IF(DATE_DIFF(CURRENT_DATE(), i.due_on, DAY) > 90, i.open_amount, 0)) AS overdue_90_plus
FROM `core.fct_invoices` AS i
JOIN `core.dim_customer` AS c ON c.customer_id = i.customer_id
WHERE i.open_amount > 0
GROUP BY i.customer_id, c.customer_name;
