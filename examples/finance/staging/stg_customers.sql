-- Staging: customers from the CRM export, cleaned and typed (PostgreSQL).
CREATE TABLE staging.stg_customers AS
SELECT
    c.customer_id::bigint            AS customer_id,
    trim(c.customer_name)            AS customer_name,
    upper(c.country_code)            AS country_code,
    lower(c.segment)                 AS segment,
    c.credit_limit::numeric(18, 2)   AS credit_limit,
    c.created_at::timestamp          AS created_at
FROM raw.crm_customers c
WHERE c.is_deleted = false;
