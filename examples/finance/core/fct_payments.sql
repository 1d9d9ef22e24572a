-- Core: payments with the invoice they settle (Snowflake).
CREATE OR REPLACE TABLE core.fct_payments AS
SELECT
    p.payment_id,
    p.invoice_id,
    p.customer_id,
    p.paid_on,
    p.amount,
    datediff('day', i.issued_on, p.paid_on) AS days_to_pay
FROM staging.stg_payments p
JOIN staging.stg_invoices i ON i.invoice_id = p.invoice_id;
