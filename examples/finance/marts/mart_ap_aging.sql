-- Mart: accounts payable by vendor and due week (BigQuery).
CREATE OR REPLACE TABLE `marts.ap_aging` AS
SELECT
  v.vendor_name,
  DATE_TRUNC(b.due_on, WEEK) AS due_week,
  SUM(b.amount) AS amount_due
FROM `core.fct_vendor_bills` AS b
JOIN `core.dim_vendor` AS v ON v.vendor_id = b.vendor_id
GROUP BY v.vendor_name, due_week;
