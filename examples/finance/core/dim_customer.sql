-- Core: customer dimension, kept current with a MERGE (Snowflake).
MERGE INTO core.dim_customer d
USING staging.stg_customers s
    ON d.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET
    customer_name = s.customer_name,
    country_code  = s.country_code,
    segment       = s.segment,
    credit_limit  = s.credit_limit
WHEN NOT MATCHED THEN INSERT (customer_id, customer_name, country_code, segment, credit_limit, first_seen_at)
    VALUES (s.customer_id, s.customer_name, s.country_code, s.segment, s.credit_limit, s.created_at);
