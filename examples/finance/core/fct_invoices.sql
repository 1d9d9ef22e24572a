-- Core: invoices with USD amounts and what is still open (Snowflake).
CREATE OR REPLACE TABLE core.fct_invoices AS
SELECT
    i.invoice_id,
    i.customer_id,
    i.issued_on,
    i.due_on,
    i.gross_amount,
    i.gross_amount * coalesce(fx.usd_rate, 1) AS gross_amount_usd,
    i.gross_amount - coalesce(p.paid_amount, 0) AS open_amount
FROM staging.stg_invoices i
LEFT JOIN (
    SELECT invoice_id, sum(amount) AS paid_amount
    FROM staging.stg_payments
    GROUP BY invoice_id
) p ON p.invoice_id = i.invoice_id
LEFT JOIN staging.stg_fx_rates fx
    ON fx.currency_code = i.currency_code AND fx.rate_date = i.issued_on;
