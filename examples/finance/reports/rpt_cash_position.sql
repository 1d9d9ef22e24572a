-- Report: running cash position (PostgreSQL view).
CREATE OR REPLACE VIEW reports.cash_position AS
SELECT
    c.booking_date,
    sum(c.cash_in_usd - c.cash_out_usd) OVER (ORDER BY c.booking_date) AS cash_position_usd
FROM marts.cash_flow_daily c;
