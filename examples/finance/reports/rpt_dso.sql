-- Report: days sales outstanding per month (PostgreSQL view).
CREATE OR REPLACE VIEW reports.dso_monthly AS
SELECT
    date_trunc('month', r.revenue_date) AS month,
    sum(a.current_amount + a.overdue_1_30 + a.overdue_31_90 + a.overdue_90_plus) AS receivables,
    sum(r.revenue_usd) AS revenue_usd
FROM marts.revenue_daily r
CROSS JOIN marts.ar_aging a
GROUP BY date_trunc('month', r.revenue_date);
