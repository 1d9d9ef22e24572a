-- Staging: payments received against invoices (PostgreSQL).
CREATE TABLE staging.stg_payments AS
SELECT
    p.payment_id,
    p.invoice_id,
    p.customer_id,
    p.paid_on,
    p.amount,
    p.currency_code,
    p.method
FROM raw.erp_payments p;
