WCREATE TABLE t1 AS SELECT * FROM read_parquet('data/*.parquet');
CREATE TABLE t2 AS FROM t1;
FROM t1 SELECT a, b WHERE a > 1;
INSERT OR REPLACE INTO t3 SELECT a FROM t1;
COPY (SELECT a FROM t1) TO 'out.parquet' (FORMAT PARQUET);
SELECT * FROM 'file.csv';
SELECT a FROM t1 USING SAMPLE 10%;
CREATE TABLE t4 AS SELECT x FROM read_csv_auto('in.csv', header = true);
PIVOT t1 ON b USING sum(a);
