-- Staging: customer invoices (PostgreSQL).
CREATE TABLE staging.stg_invoices AS
SELECT
    i.invoice_id,
    i.customer_id,
    i.invoice_number,
    i.issued_on,
    i.due_on,
    i.net_amount,
    i.tax_amount,
    i.net_amount + i.tax_amount AS gross_amount,
    i.currency_code,
    i.status
FROM raw.erp_invoices i
WHERE i.status <> 'draft';
