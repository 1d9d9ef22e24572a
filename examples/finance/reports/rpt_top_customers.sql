-- Report: the twenty largest customers by revenue this year (PostgreSQL view).
CREATE OR REPLACE VIEW reports.top_customers AS
SELECT
    r.country_code,
    r.segment,
    sum(r.revenue_usd) AS revenue_usd
FROM marts.revenue_daily r
WHERE r.revenue_date >= date_trunc('year', current_date)
GROUP BY r.country_code, r.segment
ORDER BY revenue_usd DESC
LIMIT 20;
