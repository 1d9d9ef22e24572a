-- Core: vendor dimension (Snowflake).
CREATE OR REPLACE TABLE core.dim_vendor AS
SELECT DISTINCT
    b.vendor_id,
    b.vendor_name
FROM staging.stg_vendor_bills b;
