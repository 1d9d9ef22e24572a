-- Staging: budget lines by account and month (PostgreSQL).
CREATE TABLE staging.stg_budgets AS
SELECT
    b.budget_version,
    b.account_id,
    b.period,
    b.amount
FROM raw.fpna_budgets b
WHERE b.budget_version = 'FY-approved';
