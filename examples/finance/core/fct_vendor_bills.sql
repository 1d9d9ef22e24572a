-- Core: vendor bills (Snowflake).
CREATE OR REPLACE TABLE core.fct_vendor_bills AS
SELECT
    b.bill_id,
    b.vendor_id,
    b.received_on,
    b.due_on,
    b.amount
FROM staging.stg_vendor_bills b;
