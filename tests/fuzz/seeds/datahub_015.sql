UPDATE snowflake_sample_data.tpch_sf1.orders
SET orderkey = orderkey + 1