XCREATE TABLE hive.s.t WITH (format = 'ORC') AS SELECT a, b FROM hive.s.src WITH NO DATA;
UNLOAD (SELECT a FROM s.src2) TO 's3://bucket/x/' WITH (format = 'PARQUET');
INSERT INTO s.t2 SELECT u.x, cardinality(arr) FROM s.src3 CROSS JOIN UNNEST(items) AS u(x);
SELECT transform(arr, x -> x + 1) AS y, try_cast(c AS bigint) AS z FROM s.src4;
