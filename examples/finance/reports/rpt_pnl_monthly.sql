-- Report: monthly profit and loss (PostgreSQL view).
CREATE OR REPLACE VIEW reports.pnl_monthly AS
SELECT
    l.period,
    sum(CASE WHEN l.account_type = 'revenue' THEN -l.net_amount ELSE 0 END) AS revenue,
    sum(CASE WHEN l.account_type = 'expense' THEN l.net_amount ELSE 0 END)  AS expenses,
    sum(CASE WHEN l.account_type IN ('revenue', 'expense') THEN -l.net_amount ELSE 0 END) AS net_income
FROM core.fct_ledger l
GROUP BY l.period;
