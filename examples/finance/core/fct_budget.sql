-- Core: approved budget by account and period (Snowflake).
CREATE OR REPLACE TABLE core.fct_budget AS
SELECT
    b.account_id,
    b.period,
    sum(b.amount) AS budget_amount
FROM staging.stg_budgets b
GROUP BY b.account_id, b.period;
