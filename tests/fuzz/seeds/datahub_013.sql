SELECT
    o.o_orderkey::NUMBER(20,0) as orderkey,
    CAST(o.o_totalprice AS INT) as total_cast_int,
    CAST(o.o_totalprice AS NUMBER(16,4)) as total_cast_float
FROM snowflake_sample_data.tpch_sf1.orders o
LIMIT 10