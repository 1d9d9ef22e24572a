-- Report: balance sheet by account type at each period end (PostgreSQL view).
CREATE OR REPLACE VIEW reports.balance_sheet AS
SELECT
    g.period,
    a.account_type,
    sum(g.closing_balance) AS balance
FROM core.gl_balances g
JOIN core.dim_account a ON a.account_id = g.account_id
WHERE a.account_type IN ('asset', 'liability', 'equity')
GROUP BY g.period, a.account_type;
