-- Procedure: period balances per account, rebuilt for one period (T-SQL).
CREATE PROCEDURE finance.usp_load_gl_balances
    @period CHAR(7)
AS
BEGIN
    SET NOCOUNT ON;

    DELETE FROM core.gl_balances WHERE period = @period;

    INSERT INTO core.gl_balances (account_id, period, closing_balance)
    SELECT l.account_id, l.period, SUM(l.net_amount)
    FROM core.fct_ledger l
    WHERE l.period <= @period
    GROUP BY l.account_id, l.period;

    EXEC finance.usp_log_run @step = 'gl_balances', @period = @period;
END
GO
