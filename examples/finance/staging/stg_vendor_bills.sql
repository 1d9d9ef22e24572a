-- Staging: vendor bills for accounts payable (PostgreSQL).
CREATE TABLE staging.stg_vendor_bills AS
SELECT
    b.bill_id,
    b.vendor_id,
    v.vendor_name,
    b.received_on,
    b.due_on,
    b.amount,
    b.currency_code
FROM raw.erp_bills b
JOIN raw.erp_vendors v ON v.vendor_id = b.vendor_id;
