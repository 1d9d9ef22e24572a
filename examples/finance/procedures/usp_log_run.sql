-- Procedure: one audit row per load step (T-SQL).
CREATE PROCEDURE finance.usp_log_run
    @step VARCHAR(50),
    @period CHAR(7)
AS
BEGIN
    INSERT INTO audit.load_runs (step, period, finished_at)
    VALUES (@step, @period, SYSUTCDATETIME());
END
GO
