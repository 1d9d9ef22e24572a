-- Mart: budget against posted actuals per account and period (BigQuery).
CREATE OR REPLACE TABLE `marts.budget_vs_actual` AS
SELECT
  b.account_id,
  b.period,
  b.budget_amount,
  COALESCE(g.closing_balance, 0) AS actual_amount,
  COALESCE(g.closing_balance, 0) - b.budget_amount AS variance
FROM `core.fct_budget` AS b
LEFT JOIN `core.gl_balances` AS g
  ON g.account_id = b.account_id AND g.period = b.period;
