-- Procedure: month-end close, snapshotting open receivables (T-SQL).
CREATE PROCEDURE finance.usp_close_period
    @period CHAR(7)
AS
BEGIN
    EXEC finance.usp_load_gl_balances @period = @period;

    INSERT INTO core.ar_snapshots (period, customer_id, open_amount)
    SELECT @period, i.customer_id, SUM(i.open_amount)
    FROM core.fct_invoices i
    WHERE i.open_amount > 0
    GROUP BY i.customer_id;
END
GO
