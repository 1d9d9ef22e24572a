
SELECT * FROM parquet.`examples/src/main/resources/`