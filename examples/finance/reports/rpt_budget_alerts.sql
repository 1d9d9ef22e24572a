-- Report: accounts more than 10% over budget (PostgreSQL view).
CREATE OR REPLACE VIEW reports.budget_alerts AS
SELECT
    v.account_id,
    a.account_name,
    v.period,
    v.variance,
    v.variance / nullif(v.budget_amount, 0) AS variance_ratio
FROM marts.budget_vs_actual v
JOIN core.dim_account a ON a.account_id = v.account_id
WHERE v.variance > 0.1 * v.budget_amount;
