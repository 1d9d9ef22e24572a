/* Parser and splitter: statements of each dialect, their reads and writes, errors, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/lexer.h"
#include "sql/lineage.h"
#include "sql/parser.h"
#include "sql/splitter.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "reads;writes" over all statements, each a sorted comma list without duplicates. */
static void rw(const sql_lineage_t *l, char *out, size_t cap)
{
    const char *r[128], *w[128];
    size_t nr = 0, nw = 0;
    for(size_t i = 0; i < l->nstatements; i++) {
        for(size_t k = 0; k < l->statements[i].reads.n && nr < 128; k++)
            r[nr++] = l->statements[i].reads.items[k];
        for(size_t k = 0; k < l->statements[i].writes.n && nw < 128; k++)
            w[nw++] = l->statements[i].writes.items[k];
    }
    qsort(r, nr, sizeof *r, cmp_str);
    qsort(w, nw, sizeof *w, cmp_str);
    size_t o = 0;
    out[0] = '\0';
    for(size_t i = 0; i < nr; i++)
        if(i == 0 || strcmp(r[i], r[i - 1]))
            o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", r[i]);
    o += (size_t)snprintf(out + o, cap - o, ";");
    for(size_t i = 0; i < nw; i++)
        if(i == 0 || strcmp(w[i], w[i - 1]))
            o += (size_t)snprintf(out + o, cap - o, "%s%s", out[o - 1] == ';' ? "" : ",", w[i]);
}

static sql_lineage_t *run(const char *sql, sql_dialect_t d)
{
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_parse(sql, strlen(sql), d, &l), 0);
    assert_non_null(l);
    return l;
}

static void expect_rw(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[2048];
    rw(l, got, sizeof got);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

/* As expect_rw, and the input parses without an error. */
static void expect_clean(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    if(l->nerrors)
        fail_msg("%s\n  error at %u:%u: %s", sql, l->errors[0].line, l->errors[0].column, l->errors[0].message);
    sql_lineage_free(l);
    expect_rw(sql, d, want);
}

/* "target<-s1|s2 .." over all statements. */
static void expect_cols_of(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[2048] = "";
    size_t o = 0;
    for(size_t i = 0; i < l->nstatements; i++) {
        for(size_t k = 0; k < l->statements[i].ncolumns; k++) {
            const sql_column_lineage_t *c = &l->statements[i].columns[k];
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%s<-", o ? " " : "", c->target);
            for(size_t m = 0; m < c->sources.n; m++)
                o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", m ? "|" : "", c->sources.items[m]);
        }
    }
    if(strcmp(got, want) != 0 || l->nerrors)
        fail_msg("%s\n  want %s\n  got  %s (%zu errors)", sql, want, got, l->nerrors);
    sql_lineage_free(l);
}

static void expect_kinds(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[1024] = "";
    size_t o = 0;
    for(size_t i = 0; i < l->nstatements; i++)
        o += (size_t)snprintf(got + o, sizeof got - o, "%s%s@%u", i ? "," : "", l->statements[i].kind,
                              l->statements[i].line);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

static void test_select_shapes(void **state)
{
    (void)state;
    expect_rw("SELECT * FROM a JOIN b USING (id) LEFT JOIN (SELECT * FROM c) x ON x.id = a.id", SQL_DIALECT_ANSI,
              "a,b,c;");
    expect_rw("WITH RECURSIVE r AS (SELECT 1 n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
              SQL_DIALECT_POSTGRES, ";");
    expect_rw("WITH x AS (SELECT * FROM x) SELECT * FROM x", SQL_DIALECT_ANSI, "x;");
    expect_rw("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) AND b IN (SELECT b FROM v)",
              SQL_DIALECT_ANSI, "t,u,v;");
    expect_rw("SELECT * FROM t1 INTERSECT SELECT * FROM t2 EXCEPT SELECT * FROM t3 MINUS SELECT * FROM t4",
              SQL_DIALECT_ORACLE, "t1,t2,t3,t4;");
    expect_rw("SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.k = t.k) s, UNNEST(t.arr) AS e(x)",
              SQL_DIALECT_POSTGRES, "t,u;");
    expect_rw("SELECT TOP 5 a FROM dbo.t WITH (NOLOCK) CROSS APPLY dbo.fn(t.a) f OUTER APPLY (SELECT * FROM u) o",
              SQL_DIALECT_TSQL, "dbo.t,u;");
    expect_rw("SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c) rn FROM t QUALIFY rn = 1", SQL_DIALECT_SNOWFLAKE,
              "t;");
    expect_rw("SELECT * EXCEPT (a) FROM `proj-1.ds.t` WHERE d > DATE '2020-01-01'", SQL_DIALECT_BIGQUERY,
              "proj-1.ds.t;");
    expect_rw("SELECT f.value FROM t, LATERAL FLATTEN(input => t.j) f", SQL_DIALECT_SNOWFLAKE, "t;");
    expect_rw("SELECT * FROM t PIVOT (SUM(v) FOR k IN ('a', 'b')) AS p", SQL_DIALECT_SNOWFLAKE, "t;");
    expect_rw("SELECT * FROM {{ ref('orders') }} o JOIN {{ source('raw', 'users') }} u ON o.u = u.id", SQL_DIALECT_ANSI,
              "orders,raw.users;");
    expect_rw("SELECT a FROM t WHERE x = 'FROM u' -- FROM v\n/* FROM w */", SQL_DIALECT_ANSI, "t;");
    expect_rw("SELECT a FROM @tv t JOIN #tmp x ON 1 = 1", SQL_DIALECT_TSQL, "#tmp;");
    expect_rw("SELECT CAST(a AS INT), EXTRACT(YEAR FROM d), TRIM(BOTH ' ' FROM s) FROM \"Sch\".\"Tab\"",
              SQL_DIALECT_ANSI, "Sch.Tab;");
    expect_rw("SELECT * FROM a.b.c AS t TABLESAMPLE SYSTEM (10)", SQL_DIALECT_ANSI, "a.b.c;");
    expect_rw("(SELECT * FROM a) UNION (SELECT * FROM b) ORDER BY 1 LIMIT 10", SQL_DIALECT_ANSI, "a,b;");
    expect_rw("SELECT item FROM ds.t1 t, t.items AS item", SQL_DIALECT_BIGQUERY, "ds.t1;");
    expect_rw("DECLARE d DATE DEFAULT (SELECT MAX(dt) FROM ds.e); SET d = (SELECT MIN(dt) FROM ds.f)",
              SQL_DIALECT_BIGQUERY, "ds.e,ds.f;");
}

/* Syntax that used to cost the whole statement (issue 12). */
static void test_dropped_syntax(void **state)
{
    (void)state;
    expect_clean("CREATE TABLE db.s.t1 WITH TAG (gov.pii = 'yes') AS SELECT a FROM db.s.src", SQL_DIALECT_SNOWFLAKE,
                 "db.s.src;db.s.t1");
    expect_clean("CREATE OR REPLACE VIEW v1 WITH TAG (a = 'x', b = 'y') AS SELECT a FROM s", SQL_DIALECT_SNOWFLAKE,
                 "s;v1");
    expect_clean("SELECT * FROM SEMANTIC_VIEW(db.sv DIMENSIONS c.name METRICS o.total) AS x", SQL_DIALECT_SNOWFLAKE,
                 "db.sv;");
    expect_clean("SELECT a AS :name FROM s", SQL_DIALECT_SNOWFLAKE, "s;");
    expect_clean("SELECT IF(x > 0, t, NULL).* REPLACE (1 AS c) FROM ds.tab", SQL_DIALECT_BIGQUERY, "ds.tab;");
    expect_clean("SELECT s.* EXCEPT (a) FROM ds.s1 s", SQL_DIALECT_BIGQUERY, "ds.s1;");
    expect_clean("SELECT * FROM ML.PREDICT(MODEL `p.ds.m`, TABLE `p.ds.input`)", SQL_DIALECT_BIGQUERY,
                 "p.ds.input,p.ds.m;");
    expect_clean("SELECT * FROM ML.PREDICT(MODEL ds.m, (SELECT a FROM ds.i))", SQL_DIALECT_BIGQUERY, "ds.i,ds.m;");
    expect_clean("CREATE TABLE #tmp AS SELECT a FROM src; INSERT INTO tgt SELECT a FROM #tmp", SQL_DIALECT_REDSHIFT,
                 "#tmp,src;#tmp,tgt");
    expect_clean("SELECT a, b INTO #t FROM s", SQL_DIALECT_TSQL, "s;#t");
}

/* A template placeholder never costs the rest of the statement. */
static void test_templates(void **state)
{
    (void)state;
    expect_clean("INSERT OVERWRITE TABLE ${db}.tgt SELECT a FROM ${hiveconf:src_db}.src WHERE dt = '${hiveconf:dt}'",
                 SQL_DIALECT_HIVE, "${hiveconf:src_db}.src;${db}.tgt");
    expect_clean("INSERT INTO {{ ref('model_a') }} SELECT x FROM {{ source('raw', 'orders') }} o", SQL_DIALECT_ANSI,
                 "raw.orders;model_a");
    expect_clean("{{ config(materialized='table') }}\nSELECT id FROM {{ ref('stg_users') }} WHERE d > {{ var('x') }}",
                 SQL_DIALECT_ANSI, "stg_users;");
    expect_clean("INSERT INTO IDENTIFIER($tgt) SELECT a FROM IDENTIFIER('DB.S.Src')", SQL_DIALECT_SNOWFLAKE,
                 "db.s.src;$tgt");
    expect_clean("SELECT a FROM s WHERE d > ${start} AND e = ${end}", SQL_DIALECT_SPARKSQL, "s;");
    /* Jinja control blocks anywhere: the SQL around them is read, both branches of an if */
    expect_clean("{{ config(materialized='incremental') }}\nwith src as (\n"
                 "  select id, amount, {% if target.name == 'prod' %} region, {% endif %} updated_at\n"
                 "  from {{ source('raw', 'payments') }}\n"
                 "  {% if is_incremental() %} where updated_at > (select max(updated_at) from {{ this }})"
                 " {% endif %} {# late rows #}\n"
                 ")\nselect id, sum(amount) as total from src group by id",
                 SQL_DIALECT_ANSI, "raw.payments;");
    expect_cols_of(
        "{% set cols = ['a', 'b'] %}\nINSERT INTO t SELECT {% for c in cols %} {{ c }}, {% endfor %} x FROM s",
        SQL_DIALECT_ANSI, "t.x<-s.x");
    expect_clean("CREATE TABLE t_${env} AS SELECT a FROM src_${env}_raw", SQL_DIALECT_HIVE, "src_${env}_raw;t_${env}");
    expect_cols_of("INSERT INTO ${db}.t SELECT a, ${x} + b AS c FROM s", SQL_DIALECT_HIVE,
                   "${db}.t.a<-s.a ${db}.t.c<-s.b");
}

/* ClickHouse, DuckDB and Trino/Presto/Athena as dialects of their own. */
static void test_dialects(void **state)
{
    (void)state;
    expect_clean("CREATE TABLE db.e (id UInt64, v Nullable(String)) ENGINE = MergeTree() ORDER BY (id) "
                 "SETTINGS index_granularity = 8192",
                 SQL_DIALECT_CLICKHOUSE, ";db.e");
    expect_clean("CREATE MATERIALIZED VIEW db.mv TO db.agg AS SELECT id, count() AS c FROM db.e GROUP BY id",
                 SQL_DIALECT_CLICKHOUSE, "db.e;db.agg");
    expect_cols_of("CREATE MATERIALIZED VIEW db.mv TO db.agg AS SELECT id, sum(v) AS s FROM db.e GROUP BY id",
                   SQL_DIALECT_CLICKHOUSE, "db.agg.id<-db.e.id db.agg.s<-db.e.v");
    expect_clean("INSERT INTO db.o SELECT id, dictGet('db.users', 'name', uid) AS n FROM db.e FINAL WHERE x > 1 "
                 "SETTINGS max_threads = 4",
                 SQL_DIALECT_CLICKHOUSE, "db.e,db.users;db.o");
    expect_cols_of("SELECT id, tag FROM db.e ARRAY JOIN tags AS tag LIMIT 1 BY id", SQL_DIALECT_CLICKHOUSE,
                   "id<-db.e.id tag<-db.e.tags");
    expect_clean("SELECT a.id FROM db.t1 AS a GLOBAL ANY LEFT JOIN db.t2 AS b ON a.id = b.id "
                 "WHERE a.x GLOBAL IN (SELECT x FROM db.t3) FORMAT JSONEachRow",
                 SQL_DIALECT_CLICKHOUSE, "db.t1,db.t2,db.t3;");
    expect_clean("WITH toDate('2024-01-01') AS start, (SELECT max(d) FROM db.m) AS top SELECT count() FROM db.e "
                 "SAMPLE 1/10 PREWHERE ts >= start",
                 SQL_DIALECT_CLICKHOUSE, "db.e,db.m;");
    expect_clean("CREATE TABLE t1 AS SELECT * FROM read_parquet('data/*.parquet'); CREATE TABLE t2 AS FROM t1",
                 SQL_DIALECT_DUCKDB, "t1;t1,t2");
    expect_cols_of("FROM t1 SELECT a, b WHERE a > 1", SQL_DIALECT_DUCKDB, "a<-t1.a b<-t1.b");
    expect_clean("INSERT OR REPLACE INTO t3 SELECT a FROM t1 USING SAMPLE 10%; PIVOT t4 ON b USING sum(a)",
                 SQL_DIALECT_DUCKDB, "t1,t4;t3");
    expect_clean("FROM src INSERT INTO a SELECT x INSERT INTO b SELECT y", SQL_DIALECT_HIVE, "src;a,b");
    expect_clean("CREATE TABLE h.s.t WITH (format = 'ORC') AS SELECT a FROM h.s.src WITH NO DATA", SQL_DIALECT_TRINO,
                 "h.s.src;h.s.t");
    expect_clean("UNLOAD (SELECT a FROM s.src2) TO 's3://b/x/' WITH (format = 'PARQUET')", SQL_DIALECT_TRINO,
                 "s.src2;");
    expect_cols_of("INSERT INTO s.t2 SELECT u.x, transform(arr, v -> v + 1) AS y FROM s.src CROSS JOIN UNNEST(items) "
                   "AS u(x)",
                   SQL_DIALECT_TRINO, "s.t2.x<-s.src.items s.t2.y<-s.src.arr");
}

static void test_dml(void **state)
{
    (void)state;
    expect_rw("INSERT INTO t (a, b) VALUES (1, 2), (3, (SELECT max(x) FROM s))", SQL_DIALECT_ANSI, "s;t");
    expect_rw("INSERT OVERWRITE TABLE t PARTITION (d='1') SELECT * FROM s", SQL_DIALECT_HIVE, "s;t");
    expect_rw("REPLACE INTO t (a) SELECT a FROM s", SQL_DIALECT_MYSQL, "s;t");
    expect_rw("INSERT ALL INTO t1 (a) VALUES (x) INTO t2 (b) VALUES (y) SELECT x, y FROM s", SQL_DIALECT_ORACLE,
              "s;t1,t2");
    expect_rw("INSERT FIRST WHEN x > 1 THEN INTO t1 VALUES (x) ELSE INTO t2 VALUES (x) SELECT x FROM s",
              SQL_DIALECT_ORACLE, "s;t1,t2");
    expect_rw("INSERT INTO t SELECT * FROM s ON CONFLICT (id) DO UPDATE SET v = excluded.v", SQL_DIALECT_POSTGRES,
              "s;t");
    expect_rw("INSERT INTO t EXEC dbo.load_rows", SQL_DIALECT_TSQL, ";t");
    expect_rw("INSERT INTO t EXEC ('SELECT * FROM s')", SQL_DIALECT_TSQL, "s;t");
    expect_rw("INSERT INTO t EXEC sp_executesql N'SELECT * FROM s WHERE k = @k', N'@k int', @k = 1", SQL_DIALECT_TSQL,
              "s;t");
    expect_rw("EXEC sp_executesql @sql", SQL_DIALECT_TSQL, ";"); /* not a constant: nothing to read */
    expect_rw("UPDATE t SET a = s.a FROM s WHERE s.id = t.id", SQL_DIALECT_POSTGRES, "s;t");
    expect_rw("UPDATE t SET a = s.a FROM dbo.t t JOIN dbo.s s ON s.id = t.id", SQL_DIALECT_TSQL, "dbo.s;dbo.t");
    expect_rw("UPDATE t1 a INNER JOIN t2 b ON a.k = b.k SET a.v = b.v", SQL_DIALECT_MYSQL, "t2;t1");
    expect_rw("UPDATE t SET a = (SELECT max(b) FROM s)", SQL_DIALECT_ANSI, "s;t");
    expect_rw("DELETE FROM t USING s AS x WHERE x.id = t.id", SQL_DIALECT_POSTGRES, "s;t");
    expect_rw("DELETE FROM films f USING producers p WHERE f.producer_id = p.id", SQL_DIALECT_POSTGRES,
              "producers;films");
    expect_rw("DELETE t FROM dbo.t t JOIN dbo.s s ON s.id = t.id", SQL_DIALECT_TSQL, "dbo.s;dbo.t");
    expect_rw("DELETE FROM t WHERE id IN (SELECT id FROM s)", SQL_DIALECT_ANSI, "s;t");
    expect_rw("DELETE FROM t WHERE id = 1", SQL_DIALECT_ANSI, ";");
    expect_rw("MERGE INTO t USING (SELECT * FROM s) x ON t.id = x.id WHEN MATCHED THEN DELETE "
              "WHEN NOT MATCHED THEN INSERT (id) VALUES (x.id)",
              SQL_DIALECT_ANSI, "s;t");
    expect_rw("SELECT * INTO new_t FROM old_t", SQL_DIALECT_TSQL, "old_t;new_t");
    expect_rw("FROM src INSERT OVERWRITE TABLE a SELECT x INSERT OVERWRITE TABLE b SELECT y", SQL_DIALECT_HIVE,
              "src;a,b");
}

static void test_ddl(void **state)
{
    (void)state;
    expect_rw("CREATE OR REPLACE TEMP TABLE t AS WITH c AS (SELECT * FROM s) SELECT * FROM c", SQL_DIALECT_SNOWFLAKE,
              "s;t");
    expect_rw(
        "CREATE TABLE t (a INT PRIMARY KEY, b INT REFERENCES u(id), CONSTRAINT fk FOREIGN KEY (b) REFERENCES u(id))",
        SQL_DIALECT_ANSI, ";t");
    expect_rw("CREATE MATERIALIZED VIEW v AS SELECT * FROM s", SQL_DIALECT_POSTGRES, "s;v");
    expect_rw("CREATE VIEW v (a COMMENT 'x') COMMENT = 'y' AS SELECT a FROM s", SQL_DIALECT_SNOWFLAKE, "s;v");
    expect_rw("CREATE TABLE t CLONE s", SQL_DIALECT_SNOWFLAKE, "s;t");
    expect_rw("ALTER TABLE t SWAP WITH s", SQL_DIALECT_SNOWFLAKE, "s;t");
    /* an ALTER TABLE that changes the table writes it (DataHub, OpenLineage); ALTER VIEW .. SET does not */
    expect_rw("ALTER TABLE s.t ADD COLUMN b INT", SQL_DIALECT_POSTGRES, ";s.t");
    expect_rw("ALTER TABLE t DROP COLUMN b", SQL_DIALECT_BIGQUERY, ";t");
    expect_rw("ALTER VIEW v SET SECURE", SQL_DIALECT_SNOWFLAKE, ";");
    expect_rw("CREATE TABLE t (a INT) USING parquet CLUSTERED BY (a) SORTED BY (a) INTO 8 BUCKETS AS SELECT a FROM s",
              SQL_DIALECT_SPARKSQL, "s;t");
    expect_rw("CREATE TABLE t STORED AS ORC TBLPROPERTIES ('x'='y') AS SELECT * FROM s", SQL_DIALECT_HIVE, "s;t");
    expect_rw("COPY INTO t FROM @stage/path FILE_FORMAT = (TYPE = CSV)", SQL_DIALECT_SNOWFLAKE, ";t");
    expect_rw("COPY INTO @stage/out FROM (SELECT * FROM s)", SQL_DIALECT_SNOWFLAKE, "s;");
    expect_rw("COPY t TO '/tmp/x.csv'", SQL_DIALECT_POSTGRES, "t;");
    expect_rw("DROP TABLE IF EXISTS a, b CASCADE", SQL_DIALECT_POSTGRES, ";");
    expect_rw("TRUNCATE TABLE t", SQL_DIALECT_ANSI, ";");
    expect_rw("LOAD DATA INPATH '/x' OVERWRITE INTO TABLE t", SQL_DIALECT_HIVE, ";t");
}

static void test_routines(void **state)
{
    (void)state;
    const char *pg = "CREATE FUNCTION f() RETURNS void AS $$\nBEGIN\n  INSERT INTO a SELECT * FROM b;\n"
                     "  UPDATE c SET x = 1 FROM d WHERE c.id = d.id;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT * FROM e;";
    expect_kinds(pg, SQL_DIALECT_POSTGRES, "create_function@1,select@7");
    expect_rw(pg, SQL_DIALECT_POSTGRES, "b,d,e;a,c");
    const char *js = "CREATE PROCEDURE p() RETURNS STRING LANGUAGE JAVASCRIPT AS $$ var s = 'SELECT * FROM x'; $$;";
    expect_rw(js, SQL_DIALECT_SNOWFLAKE, ";");
    const char *ora = "CREATE OR REPLACE PROCEDURE p IS\n  v NUMBER;\nBEGIN\n  SELECT count(*) INTO v FROM s;\n"
                      "  IF v > 0 THEN\n    INSERT INTO t SELECT * FROM s;\n  END IF;\nEND;\n/\nSELECT * FROM u;";
    expect_kinds(ora, SQL_DIALECT_ORACLE, "create_procedure@1,select@10");
    expect_rw(ora, SQL_DIALECT_ORACLE, "s,u;t");
    const char *tsql = "CREATE PROCEDURE dbo.p @x INT AS\nSET NOCOUNT ON;\nINSERT INTO t SELECT * FROM s;\n"
                       "DELETE FROM u WHERE id IN (SELECT id FROM v)\nGO\nEXEC dbo.p 1\nGO";
    expect_kinds(tsql, SQL_DIALECT_TSQL, "create_procedure@1,exec@6");
    expect_rw(tsql, SQL_DIALECT_TSQL, "s,v;t,u");
    const char *mysql =
        "CREATE PROCEDURE p() BEGIN DECLARE x INT; SELECT a INTO x FROM s; REPLACE INTO t SELECT * FROM s; END;"
        "CALL p();";
    expect_kinds(mysql, SQL_DIALECT_MYSQL, "create_procedure@1,call@1");
    const char *delim =
        "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  INSERT INTO a SELECT * FROM b;\n  UPDATE c SET x = 1;\n"
        "END //\nDELIMITER ;\nINSERT INTO d SELECT * FROM e;\nDELIMITER $$\n"
        "CREATE FUNCTION f() RETURNS INT BEGIN RETURN (SELECT max(x) FROM g); END$$\nDELIMITER ;\n";
    expect_kinds(delim, SQL_DIALECT_MYSQL, "create_procedure@2,insert@8,create_function@10");
    expect_rw(delim, SQL_DIALECT_MYSQL, "b,e,g;a,c,d");
    expect_rw("DECLARE v NUMBER; BEGIN INSERT INTO t SELECT * FROM s; END;", SQL_DIALECT_ORACLE, "s;t");
    expect_rw("EXECUTE IMMEDIATE 'INSERT INTO t SELECT * FROM s'", SQL_DIALECT_ORACLE, "s;t");
    expect_rw("UNLOAD ('select * from venue where x = ''y''') TO 's3://b/p' IAM_ROLE 'r'", SQL_DIALECT_POSTGRES,
              "venue;");
}

/* "from>to,.." per statement, statements separated by '|'. */
static void expect_flows(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[2048] = "";
    size_t o = 0;
    for(size_t i = 0; i < l->nstatements; i++) {
        o += (size_t)snprintf(got + o, sizeof got - o, "%s", i ? "|" : "");
        for(size_t k = 0; k < l->statements[i].nflows; k++)
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%s>%s", k ? "," : "", l->statements[i].flows[k].from,
                                  l->statements[i].flows[k].to);
    }
    if(strcmp(got, want) != 0 || l->nerrors)
        fail_msg("%s\n  want %s\n  got  %s (%zu errors)", sql, want, got, l->nerrors);
    sql_lineage_free(l);
}

static void test_routine_flows(void **state)
{
    (void)state;
    /* the routine reads and writes all four tables, but only a feeds b and c feeds d */
    const char *two = "CREATE PROCEDURE dbo.load_all AS\nBEGIN\n  INSERT INTO dbo.b SELECT x FROM dbo.a;\n"
                      "  INSERT INTO dbo.d SELECT y FROM dbo.c;\nEND;\n";
    expect_rw(two, SQL_DIALECT_TSQL, "dbo.a,dbo.c;dbo.b,dbo.d");
    expect_flows(two, SQL_DIALECT_TSQL, "dbo.a>dbo.b,dbo.c>dbo.d");
    /* nested control flow: each statement flushes its own pairs; repeats are kept once */
    const char *nested = "CREATE PROCEDURE p AS\nBEGIN\n  IF @x = 1\n  BEGIN\n    INSERT INTO t SELECT * FROM s;\n"
                         "    IF @y = 1 BEGIN INSERT INTO u SELECT * FROM v; END\n  END\n"
                         "  ELSE\n    INSERT INTO w SELECT * FROM s;\n  INSERT INTO t SELECT * FROM s;\nEND;\n";
    expect_flows(nested, SQL_DIALECT_TSQL, "s>t,v>u,s>w");
    /* dynamic SQL in a constant string: INSERT .. EXEC('..') reads what the string reads */
    const char *dynamic = "CREATE PROCEDURE p AS\nBEGIN\n  INSERT INTO t EXEC('SELECT * FROM s');\n"
                          "  EXEC sp_executesql N'INSERT INTO u SELECT a FROM v';\n"
                          "  INSERT INTO w EXECUTE sys.sp_executesql N'SELECT b FROM x', N'@k int', @k = 1;\nEND;\n";
    expect_rw(dynamic, SQL_DIALECT_TSQL, "s,v,x;t,u,w");
    expect_flows(dynamic, SQL_DIALECT_TSQL, "s>t,v>u,x>w");
    /* a top-level block is no object: its statements are statements of their own, without flows */
    expect_flows("IF 1 = 1 BEGIN INSERT INTO b SELECT * FROM a; INSERT INTO d SELECT * FROM c; END", SQL_DIALECT_TSQL,
                 "|");
    const char *pg = "CREATE FUNCTION f() RETURNS void AS $$\nBEGIN\n  INSERT INTO a SELECT * FROM b;\n"
                     "  IF true THEN\n    UPDATE c SET x = 1 FROM d WHERE c.id = d.id;\n  END IF;\nEND;\n$$ "
                     "LANGUAGE plpgsql;\nSELECT * FROM e;";
    expect_flows(pg, SQL_DIALECT_POSTGRES, "b>a,d>c|");
    const char *ora = "CREATE OR REPLACE PROCEDURE p IS\n  v NUMBER;\nBEGIN\n  SELECT count(*) INTO v FROM s;\n"
                      "  IF v > 0 THEN\n    INSERT INTO t SELECT * FROM s;\n  END IF;\nEND;\n/\n";
    expect_flows(ora, SQL_DIALECT_ORACLE, "s>t");
    /* a statement reading the table it writes */
    expect_flows("CREATE PROCEDURE p AS BEGIN INSERT INTO t SELECT * FROM t JOIN s ON t.id = s.id; END;",
                 SQL_DIALECT_TSQL, "t>t,s>t");
    /* plain statements: their reads x writes already are their flows */
    expect_flows("INSERT INTO b SELECT * FROM a; INSERT INTO d SELECT * FROM c JOIN a ON c.id = a.id;",
                 SQL_DIALECT_ANSI, "|");

    sql_lineage_t *l = run(two, SQL_DIALECT_TSQL);
    json_t *j = sql_statement_to_json(&l->statements[0]);
    assert_int_equal(json_array_size(json_object_get(j, "flows")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "flows"), 1), "from")),
                        "dbo.c");
    json_decref(j);
    sql_lineage_free(l);
    l = run("INSERT INTO b SELECT * FROM a", SQL_DIALECT_ANSI);
    j = sql_statement_to_json(&l->statements[0]);
    assert_null(json_object_get(j, "flows"));
    json_decref(j);
    sql_lineage_free(l);
}

/* More flows than SQL_MAX_FLOWS in one routine: a warning, and the ones kept are real pairs. */
static void test_flow_limit(void **state)
{
    (void)state;
    enum { READS = 100, WRITES = 90 };
    size_t cap = 64 * 1024, o = 0;
    char *sql = util_malloc(cap);
    assert_non_null(sql);
    o += (size_t)snprintf(sql + o, cap - o, "CREATE PROCEDURE p AS BEGIN\n");
    for(int w = 0; w < WRITES; w++) {
        o += (size_t)snprintf(sql + o, cap - o, "INSERT INTO t%d SELECT * FROM s0", w);
        for(int r = 1; r < READS; r++)
            o += (size_t)snprintf(sql + o, cap - o, ", s%d", r);
        o += (size_t)snprintf(sql + o, cap - o, ";\n");
    }
    snprintf(sql + o, cap - o, "END;\n");
    assert_true(o < cap - 16);
    sql_lineage_t *l = run(sql, SQL_DIALECT_TSQL);
    assert_int_equal(l->nstatements, 1);
    assert_int_equal(l->statements[0].reads.n, READS);
    assert_int_equal(l->statements[0].writes.n, WRITES);
    assert_int_equal(l->statements[0].nflows, SQL_MAX_FLOWS);
    /* the statement parsed: a warning naming the limit and where the cut began, not an error */
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->nwarnings, 1);
    assert_non_null(
        strstr(l->warnings[0].message, "more than 8192 table flows in one statement: the first 8192 are kept"));
    assert_int_equal(l->warnings[0].line, 83); /* the 82nd body statement: 81 x 100 flows before it */
    sql_lineage_free(l);
    util_free(sql);
}

/* An UPDATE's target leaves its statement's reads, so each body statement names it anew: its
 * flows are still each pair once (a procedure of such statements hit SQL_MAX_FLOWS with copies). */
static void test_flows_once(void **state)
{
    (void)state;
    enum { SOURCES = 20 };
    size_t cap = 16384, o = 0;
    char *sql = util_malloc(cap);
    assert_non_null(sql);
    o += (size_t)snprintf(sql + o, cap - o, "CREATE PROCEDURE p AS BEGIN\n");
    for(int round = 0; round < 3; round++)
        for(int i = 0; i < SOURCES; i++)
            o += (size_t)snprintf(
                sql + o, cap - o,
                "UPDATE t SET t.total = t.total + s.v FROM dbo.tot t JOIN dbo.src%d s ON s.id = t.id;\n", i);
    snprintf(sql + o, cap - o, "END;\n");
    sql_lineage_t *l = run(sql, SQL_DIALECT_TSQL);
    assert_int_equal(l->nerrors, 0);
    const sql_statement_t *st = &l->statements[0];
    assert_int_equal(st->nflows, SOURCES + 1);
    for(size_t i = 0; i < st->nflows; i++) {
        assert_string_equal(st->flows[i].to, "dbo.tot");
        for(size_t k = 0; k < i; k++)
            if(strcmp(st->flows[k].from, st->flows[i].from) == 0)
                fail_msg("flow from %s twice", st->flows[i].from);
    }
    sql_lineage_free(l);
    util_free(sql);
}

/* Strictly ascending: sorted, each name once. */
static void assert_unique_sorted(const sql_strlist_t *l)
{
    for(size_t i = 1; i < l->n; i++)
        if(strcmp(l->items[i - 1], l->items[i]) >= 0)
            fail_msg("'%s' before '%s'", l->items[i - 1], l->items[i]);
}

/* Lists past SQL_INDEX_FROM names are looked up through a hash index: the same names, each once. */
/* Names are lower-cased a step (16 bytes with SSE2, else 8) at a time, the last step read past the
 * name when the statement goes on that far: names of every length up to three steps, inside a
 * statement and at its end, the end of an input long enough that the engine's buffer ends there too
 * (ASan: no read past). Only A-Z change: '@' and '[' (next to them), '_', '$', digits and UTF-8 do not. */
static void test_name_case(void **state)
{
    (void)state;
    expect_cols_of("INSERT INTO Sch.Tgt_ABCDEFGH (Col_ABCDEFGHIJKLM, B, Ab) "
                   "SELECT X.AbCdEfGhIjKlMnOpQ, X.Q, X.ABCDEFG FROM Src_TABLE_NAME_XY X",
                   SQL_DIALECT_ANSI,
                   "sch.tgt_abcdefgh.ab<-src_table_name_xy.abcdefg sch.tgt_abcdefgh.b<-src_table_name_xy.q "
                   "sch.tgt_abcdefgh.col_abcdefghijklm<-src_table_name_xy.abcdefghijklmnopq");
    char sql[512], want[256];
    const char *name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_Z9$AZBYCXDWEV";
    for(int n = 1; n <= 40; n++) {
        snprintf(sql, sizeof sql, "/* %300s */ INSERT INTO T (C) SELECT %.*s FROM S_%.*s", "", n, name, n, name);
        char lower[48];
        for(int i = 0; i < n; i++)
            lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
        lower[n] = '\0';
        snprintf(want, sizeof want, "t.c<-s_%s.%s", lower, lower);
        expect_cols_of(sql, SQL_DIALECT_ANSI, want);
    }
    expect_cols_of("INSERT INTO T (C) SELECT L.A FROM Sch.T@Remote_LINK_ABCDEFGHIJ L", SQL_DIALECT_ORACLE,
                   "t.c<-sch.t@remote_link_abcdefghij.a");
    expect_cols_of("INSERT INTO T (C) SELECT \xc3\x89t\xc3\x89_ABCDEFGHIJKLMNOPQRSTUV.X FROM "
                   "\xc3\x89t\xc3\x89_ABCDEFGHIJKLMNOPQRSTUV",
                   SQL_DIALECT_ANSI, "t.c<-\xc3\x89t\xc3\x89_abcdefghijklmnopqrstuv.x");
}

static void test_many_names(void **state)
{
    (void)state;
    enum { COLS = 24, SOURCES = 30, JOINS = 20 };
    size_t cap = 8192, o = 0;
    char *sql = util_malloc(cap);
    assert_non_null(sql);
    /* the UPDATE's targets, then the INSERT's again: one edge each with both sources */
    o += (size_t)snprintf(sql + o, cap - o, "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET ");
    for(int i = 0; i < COLS; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%sc%d = s.a%d + s.a%d", i ? ", " : "", i, i, i);
    o += (size_t)snprintf(sql + o, cap - o, " WHEN NOT MATCHED THEN INSERT (");
    for(int i = 0; i < COLS; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%sc%d", i ? ", " : "", i);
    o += (size_t)snprintf(sql + o, cap - o, ") VALUES (");
    for(int i = 0; i < COLS; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%ss.b%d", i ? ", " : "", i);
    snprintf(sql + o, cap - o, ")");
    sql_lineage_t *l = run(sql, SQL_DIALECT_TSQL);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->statements[0].ncolumns, COLS);
    for(size_t i = 0; i < COLS; i++) {
        const sql_column_lineage_t *c = &l->statements[0].columns[i];
        char a[16], b[16];
        snprintf(a, sizeof a, "s.a%s", c->target + strlen("t.c"));
        snprintf(b, sizeof b, "s.b%s", c->target + strlen("t.c"));
        assert_int_equal(c->sources.n, 2);
        assert_string_equal(c->sources.items[0], a);
        assert_string_equal(c->sources.items[1], b);
    }
    sql_lineage_free(l);

    /* one column from 30 sources, two of them twice */
    o = (size_t)snprintf(sql, cap, "INSERT INTO t (x) SELECT s.a0");
    for(int i = 1; i < SOURCES; i++)
        o += (size_t)snprintf(sql + o, cap - o, " + s.a%d", i);
    snprintf(sql + o, cap - o, " + s.a7 + s.a%d FROM s", SOURCES - 1);
    l = run(sql, SQL_DIALECT_ANSI);
    assert_int_equal(l->statements[0].ncolumns, 1);
    assert_int_equal(l->statements[0].columns[0].sources.n, SOURCES);
    assert_unique_sorted(&l->statements[0].columns[0].sources);
    assert_int_equal(l->statements[0].columns[0].ntransformations, SOURCES);
    sql_lineage_free(l);

    /* the target, read second, leaves the reads once its alias names it (the names after it move);
     * reads after that, one a repeat, are kept once */
    o = (size_t)snprintf(sql, cap, "UPDATE u SET x = r0.v FROM r0 JOIN tgt ON 1 = 1");
    for(int i = 1; i < JOINS - 1; i++)
        o += (size_t)snprintf(sql + o, cap - o, " JOIN r%d ON 1 = 1", i);
    snprintf(sql + o, cap - o, " JOIN tgt u ON u.id = r0.id JOIN r%d ON 1 = 1 JOIN r3 ON 1 = 1 JOIN r%d ON 1 = 1",
             JOINS - 1, JOINS);
    l = run(sql, SQL_DIALECT_TSQL);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->statements[0].reads.n, JOINS + 1);
    assert_unique_sorted(&l->statements[0].reads);
    assert_int_equal(l->statements[0].writes.n, 1);
    assert_string_equal(l->statements[0].writes.items[0], "tgt");
    sql_lineage_free(l);
    util_free(sql);
}

static void test_splitting(void **state)
{
    (void)state;
    expect_kinds("insert into a select * from b\ninsert into c select * from d\nupdate e set x = 1\n"
                 "select 1\ndelete from f where x in (select x from g)",
                 SQL_DIALECT_TSQL, "insert@1,insert@2,update@3,select@4,delete@5");
    expect_kinds("SELECT 1 FROM a\nGO\nSELECT 2 FROM b\ngo\n", SQL_DIALECT_TSQL, "select@1,select@3");
    expect_kinds(
        "SET NOCOUNT ON\nSELECT * FROM t\nSET @x = (SELECT 1 FROM u)\nINSERT INTO a SELECT * FROM b\nEXEC p\nSELECT 2",
        SQL_DIALECT_TSQL, "set@1,select@2,set@3,insert@4,exec@5,select@6");
    expect_kinds("SELECT ';' FROM a; SELECT $$;$$ FROM b;\nSELECT 3 -- ;\n FROM c", SQL_DIALECT_POSTGRES,
                 "select@1,select@1,select@2");
    expect_kinds("BEGIN;\nINSERT INTO a SELECT * FROM b;\nCOMMIT;", SQL_DIALECT_POSTGRES,
                 "begin_transaction@1,insert@2,commit@3");
    expect_kinds("IF @x = 1\nBEGIN\n  INSERT INTO a SELECT * FROM b;\n  INSERT INTO c SELECT * FROM d;\nEND\nELSE\n"
                 "  DELETE FROM e WHERE k IN (SELECT k FROM f);\nSELECT 1 FROM g;",
                 SQL_DIALECT_TSQL, "insert@3,insert@4,delete@7,select@8");
    /* T-SQL control flow without semicolons keeps statement boundaries */
    const char *flow = "IF @x = 1\n  INSERT INTO a SELECT * FROM b\nELSE\n  INSERT INTO c SELECT * FROM d\n"
                       "INSERT INTO e SELECT * FROM f\nWHILE @i < 3\nBEGIN\n  SET @i = @i + 1\n  UPDATE g SET x = 1\n"
                       "END\nSELECT * FROM h";
    expect_kinds(flow, SQL_DIALECT_TSQL, "insert@2,insert@4,insert@5,update@9,select@11");
    expect_rw(flow, SQL_DIALECT_TSQL, "b,d,f,h;a,c,e,g");
    /* the splitter alone: `;` inside BEGIN..END of a routine does not split */
    const char *s = "CREATE PROCEDURE p() BEGIN SELECT 1; CASE WHEN 1 THEN SELECT 2; END CASE; END; SELECT 3;";
    sql_lexer_t lx;
    sql_lexer_init(&lx, s, strlen(s), SQL_DIALECT_MYSQL, 1);
    sql_splitter_t sp;
    sql_splitter_init(&sp, SQL_DIALECT_MYSQL);
    int splits = 0;
    for(;;) {
        sql_token_t t;
        assert_int_equal(sql_lexer_next(&lx, &t), 0);
        if(t.type == SQL_TOK_EOF)
            break;
        if(sql_splitter_feed(&sp, &t, s, strlen(s)) != SQL_SPLIT_NONE)
            splits++;
    }
    assert_int_equal(splits, 2);
}

/* "line:message|.." of every error. */
static void expect_errors(const char *sql, size_t len, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_parse(sql, len, d, &l), 0);
    char got[1024] = "";
    size_t o = 0;
    for(size_t i = 0; i < l->nerrors; i++)
        o +=
            (size_t)snprintf(got + o, sizeof got - o, "%s%u:%s", i ? "|" : "", l->errors[i].line, l->errors[i].message);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

/* A `(` left open costs its own statement, not the rest of the file: `;` ends the statement all the
 * same, and so does a line that starts another statement; the error is where the `(` is. Statements
 * that hold others in parentheses (Postgres rules, Teradata macros) and the statements that start
 * inside parentheses (data-modifying CTEs, T-SQL's lists) stay whole. */
static void test_unclosed_paren(void **state)
{
    (void)state;
    const char *semi = "SELECT (a FROM t;\nINSERT INTO x SELECT c FROM y;\n";
    expect_kinds(semi, SQL_DIALECT_POSTGRES, "select@1,insert@2");
    expect_rw(semi, SQL_DIALECT_POSTGRES, "y;x");
    expect_errors(semi, strlen(semi), SQL_DIALECT_POSTGRES, "1:'(' not closed (expected ')' at end of statement)");
    sql_lineage_t *l = run(semi, SQL_DIALECT_POSTGRES);
    assert_int_equal(l->errors[0].column, 8);
    sql_lineage_free(l);
    const char *line = "SELECT count(*\nFROM t\nWHERE x = 1\nINSERT INTO c SELECT z FROM d\nUPDATE e SET f = 1\n";
    expect_kinds(line, SQL_DIALECT_TSQL, "select@1,insert@4,update@5");
    expect_errors(line, strlen(line), SQL_DIALECT_TSQL,
                  "1:'(' not closed (expected ')' after function arguments at end of statement)");
    expect_kinds("INSERT INTO a (x, y\nSELECT x, y FROM b;\nINSERT INTO c SELECT z FROM d;", SQL_DIALECT_ANSI,
                 "insert@1,insert@3");
    expect_kinds("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a SELECT x FROM b;\n"
                 "DELETE FROM c WHERE k IN (SELECT k FROM d));\nSELECT 1 FROM e;",
                 SQL_DIALECT_POSTGRES, "create_rule@1,select@3");
    expect_kinds("CREATE MACRO m AS (\nINSERT INTO a SELECT x FROM b;\nUPDATE c SET y = 1;\n);\nSELECT 1 FROM e;",
                 SQL_DIALECT_TERADATA, "create_macro@1,select@5");
    expect_clean("WITH t AS (\n  INSERT INTO y\n  SELECT a FROM z RETURNING *\n), u AS (\n  DELETE FROM w\n"
                 "  RETURNING *\n)\nSELECT * FROM t, u;",
                 SQL_DIALECT_POSTGRES, "w,z;w,y");
    expect_kinds("ALTER SERVICE [s]\n  (ADD CONTRACT [a],\n   DROP CONTRACT [b]);\nSELECT 1;", SQL_DIALECT_TSQL,
                 "alter@1,select@4");
}

/* Scripts as clients run them: each client command ends with its line and costs nothing after it. */
static void test_client_scripts(void **state)
{
    (void)state;
    /* psql: \copy is COPY, \i is reported, other meta-commands are skipped */
    const char *psql = "\\set ON_ERROR_STOP on\n\\i setup.sql\n\\copy t FROM 'in.csv' CSV\n"
                       "INSERT INTO a SELECT x FROM b;\n\\echo done\nINSERT INTO c SELECT y FROM d;\n";
    expect_kinds(psql, SQL_DIALECT_POSTGRES, "copy@3,insert@4,insert@6");
    expect_rw(psql, SQL_DIALECT_POSTGRES, "b,d;a,c,t");
    expect_errors(psql, strlen(psql), SQL_DIALECT_POSTGRES, "2:script included by \\i not parsed (a client command)");
    assert_int_equal(sql_dialect_guess(psql, strlen(psql)), SQL_DIALECT_POSTGRES);
    /* SQL*Plus: line commands without `;`, `/` runs the buffer, @file is reported */
    const char *plus = "SET ECHO ON\nPROMPT Loading the facts...\nWHENEVER SQLERROR EXIT SQL.SQLCODE\n"
                       "INSERT INTO a SELECT x FROM b\n/\nSPOOL load.log\n@@more.sql\nREM done\n"
                       "EXEC dbms_stats.gather_table_stats('S', 'A')\nINSERT INTO c SELECT y FROM d;\nEXIT\n";
    expect_kinds(plus, SQL_DIALECT_ORACLE, "set@1,insert@4,exec@9,insert@10");
    expect_rw(plus, SQL_DIALECT_ORACLE, "b,d;a,c");
    expect_errors(plus, strlen(plus), SQL_DIALECT_ORACLE, "7:script included by @@ not parsed (a client command)");
    assert_int_equal(sql_dialect_guess(plus, strlen(plus)), SQL_DIALECT_ORACLE);
    /* sqlcmd and T-SQL batches: GO with a count, :setvar skipped, :r reported; CRLF line ends */
    const char *cmd = ":setvar db prod\r\n:r .\\tables.sql\r\nINSERT INTO a SELECT x FROM b\r\nGO 5\r\n"
                      "INSERT INTO c SELECT y FROM d\r\ngo\r\n";
    expect_kinds(cmd, SQL_DIALECT_TSQL, "insert@3,insert@5");
    expect_errors(cmd, strlen(cmd), SQL_DIALECT_TSQL, "2:script included by :r not parsed (a client command)");
    assert_int_equal(sql_dialect_guess(cmd, strlen(cmd)), SQL_DIALECT_TSQL);
    /* MySQL: a delimiter glued to the word before it (`$` is a name character) */
    expect_kinds("DELIMITER $$\r\nCREATE PROCEDURE p() BEGIN INSERT INTO a SELECT x FROM b; END$$\r\n"
                 "DELIMITER ;\r\nINSERT INTO c SELECT y FROM d;\r\n",
                 SQL_DIALECT_MYSQL, "create_procedure@2,insert@4");
    /* Oracle `/` after a PL/SQL body, CRLF */
    expect_kinds("CREATE OR REPLACE PROCEDURE p IS\r\nBEGIN\r\n  INSERT INTO a SELECT x FROM b;\r\nEND;\r\n/\r\n"
                 "PROMPT next\r\nINSERT INTO c SELECT y FROM d;\r\n",
                 SQL_DIALECT_ORACLE, "create_procedure@1,insert@7");
    /* a byte order mark is not part of the first statement; UTF-16 is refused with a reason */
    const char *bom = "\xEF\xBB\xBFINSERT INTO a SELECT x FROM b;";
    expect_clean(bom, SQL_DIALECT_ANSI, "b;a");
    sql_lineage_t *l = run(bom, SQL_DIALECT_ANSI);
    assert_int_equal(l->statements[0].column, 1);
    sql_lineage_free(l);
    expect_errors("\xFF\xFEI\0N\0", 6, SQL_DIALECT_AUTO,
                  "1:UTF-16 text (byte order mark): not parsed; save the file as UTF-8");
    /* Latin-1 names are read as Latin-1: distinct and valid UTF-8 */
    expect_cols_of("INSERT INTO c SELECT \xE9t\xE9, \xFCt\xFC, \"\xC4\" FROM d", SQL_DIALECT_ANSI,
                   "c.\xC3\x84<-d.\xC3\x84 c.\xC3\xA9t\xC3\xA9<-d.\xC3\xA9t\xC3\xA9 "
                   "c.\xC3\xBCt\xC3\xBC<-d.\xC3\xBCt\xC3\xBC");
    expect_cols_of("INSERT INTO c SELECT \xC3\xA9t\xC3\xA9 FROM d", SQL_DIALECT_ANSI,
                   "c.\xC3\xA9t\xC3\xA9<-d.\xC3\xA9t\xC3\xA9");
    /* an unclosed quote or template costs its line, not the rest of the file */
    const char *stray = "select 'abc from x;\ninsert into t3 select q from t4;\n"
                        "select {{ oops from y;\ninsert into t5 select q from t6;\n";
    expect_rw(stray, SQL_DIALECT_ANSI, "t4,t6;t3,t5");
    expect_errors(stray, strlen(stray), SQL_DIALECT_ANSI, "1:unterminated string|3:unterminated template");
}

/* PIVOT/UNPIVOT output columns come from what the operator consumed (sqlglot's lineage tests). */
static void test_pivot_columns(void **state)
{
    (void)state;
    expect_cols_of("CREATE TABLE s (id INT, jan INT, feb INT);\n"
                   "SELECT id, m, v FROM s UNPIVOT (v FOR m IN (jan, feb))",
                   SQL_DIALECT_SNOWFLAKE, "id<-s.id m<-s.feb|s.jan v<-s.feb|s.jan");
    /* multi-value form, and AS t(..) renaming the output in order: id, label, value */
    expect_cols_of("CREATE TABLE p (id INT, q1 INT, q2 INT, q3 INT, q4 INT);\n"
                   "SELECT a, b FROM p UNPIVOT ((a, b) FOR h IN ((q1, q2) AS 'h1', (q3, q4) AS 'h2'))",
                   SQL_DIALECT_BIGQUERY, "a<-p.q1|p.q3 b<-p.q2|p.q4");
    expect_cols_of("CREATE TABLE s (id INT, jan INT, feb INT);\n"
                   "SELECT k, x FROM s UNPIVOT (v FOR m IN (jan, feb)) AS t(k, l, x)",
                   SQL_DIALECT_SNOWFLAKE, "k<-s.id x<-s.feb|s.jan");
    /* PIVOT: one column per value, from the aggregate's column; the others pass through */
    expect_cols_of("SELECT empid, a AS qa FROM sales PIVOT (SUM(amount) FOR quarter IN ('a', 'b'))",
                   SQL_DIALECT_SNOWFLAKE, "empid<-sales.empid qa<-sales.amount");
    expect_cols_of("SELECT x_s FROM t PIVOT (SUM(v) AS s FOR c IN ('a' AS x))", SQL_DIALECT_DUCKDB, "x_s<-t.v");
    /* a shape we cannot name columns for is skipped as before */
    expect_cols_of("SELECT a FROM t PIVOT (SUM(v) FOR c IN (ANY ORDER BY c))", SQL_DIALECT_SNOWFLAKE, "a<-t.a");
    /* a name before `=>` names an argument, not a column */
    expect_cols_of("SELECT f.value AS v FROM t, LATERAL FLATTEN(INPUT => t.c, OUTER => TRUE) f", SQL_DIALECT_SNOWFLAKE,
                   "v<-t.c");
}

static void test_errors_keep_going(void **state)
{
    (void)state;
    const char *sql = "INSERT INTO a SELECT * FROM b;\nFROBNICATE the widgets;\nSELECT * FROM (SELECT FROM;\nINSERT "
                      "INTO c SELECT * FROM d;";
    sql_lineage_t *l = run(sql, SQL_DIALECT_ANSI);
    assert_int_equal(l->nerrors, 2);
    assert_int_equal(l->errors[0].line, 2);
    assert_int_equal(l->errors[0].column, 1);
    assert_int_equal(l->errors[1].line, 3);
    assert_non_null(strstr(l->errors[0].message, "FROBNICATE"));
    char got[256];
    rw(l, got, sizeof got);
    assert_string_equal(got, "b,d;a,c");
    sql_lineage_free(l);
    l = run("SELECT 'never closed FROM t", SQL_DIALECT_ANSI);
    assert_true(l->nerrors >= 1);
    assert_non_null(strstr(l->errors[0].message, "unterminated"));
    sql_lineage_free(l);
}

/* A word that only goes on with a block or an expression, after a statement without `;`, starts no
 * statement: once it began a block that reported nothing, and the rest of the statement was lost
 * without an error (`SELECT x case FROM t` outside Oracle, which does not reserve CASE). */
static void test_no_silent_drop(void **state)
{
    (void)state;
    const char *sql =
        "SELECT x case FROM t;\nSELECT y when FROM u;\nSELECT z\n  end FROM v;\nINSERT INTO a SELECT * FROM b;";
    sql_lineage_t *l = run(sql, SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nerrors, 3);
    const unsigned where[3][2] = {{1, 10}, {2, 10}, {4, 3}};
    for(size_t i = 0; i < 3; i++) {
        assert_int_equal(l->errors[i].line, where[i][0]);
        assert_int_equal(l->errors[i].column, where[i][1]);
        assert_non_null(strstr(l->errors[i].message, "unexpected token"));
    }
    char got[256];
    rw(l, got, sizeof got);
    assert_string_equal(got, "b;a");
    sql_lineage_free(l);
    /* T-SQL needs no `;`: its control flow still follows a statement */
    l = run("SELECT a FROM t\nIF @x = 1 SELECT b FROM u\nELSE SELECT c FROM v", SQL_DIALECT_TSQL);
    assert_int_equal(l->nerrors, 0);
    rw(l, got, sizeof got);
    assert_string_equal(got, "t,u,v;");
    sql_lineage_free(l);
}

/* Statement accounting (test_sql_accounting.c) found these lost without a word on main: a
 * transaction's BEGIN and T-SQL's Service Broker statements were taken as blocks that reported
 * nothing (a dialog's block swallowed the SEND after it), psql's `\copy t FROM stdin` kept its first
 * data line for the next statement, which then swallowed the statement after the data, and an
 * unterminated string's token ran to the end of the input though its statement ended with the line
 * (its value held the statements after it). */
static void test_accounting_finds(void **state)
{
    (void)state;
    expect_kinds("BEGIN TRANSACTION;\nUPDATE t SET a = 1;\nCOMMIT;", SQL_DIALECT_SNOWFLAKE,
                 "begin_transaction@1,update@2,commit@3");
    expect_kinds("BEGIN WORK;\nBEGIN NAME t1;\nCOMMIT;", SQL_DIALECT_SNOWFLAKE,
                 "begin_transaction@1,begin_transaction@2,commit@3");
    expect_kinds("BEGIN TRAN\nDELETE FROM t\nCOMMIT TRAN", SQL_DIALECT_TSQL, "begin_transaction@1,delete@2,commit@3");
    expect_kinds("BEGIN DISTRIBUTED TRANSACTION;\nDELETE FROM t;", SQL_DIALECT_TSQL, "begin_transaction@1,delete@2");
    expect_kinds("BEGIN DIALOG @h FROM SERVICE [a] TO SERVICE 'b' ON CONTRACT [c];\n"
                 "SEND ON CONVERSATION @h MESSAGE TYPE [m] (@x);\nEND CONVERSATION @h;\nINSERT INTO a SELECT * FROM b;",
                 SQL_DIALECT_TSQL, "begin_dialog@1,send@2,end_conversation@3,insert@4");
    /* a T-SQL BEGIN; still opens a block, and END IF or NULL alone is no statement */
    expect_kinds("BEGIN;\nSELECT 1;\nEND;", SQL_DIALECT_TSQL, "select@2");
    expect_kinds("BEGIN\n  NULL;\nEND;", SQL_DIALECT_ORACLE, "");
    sql_lineage_t *l = run("\\copy t FROM stdin\n1\t2\n\\.\nINSERT INTO a SELECT x FROM b;\n", SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nerrors, 0);
    char got[256];
    rw(l, got, sizeof got);
    assert_string_equal(got, "b;a,t");
    sql_lineage_free(l);
    /* the unterminated string's value took in the next line: the EXECUTE read b and wrote a too */
    l = run("EXECUTE IMMEDIATE 'INSERT INTO x SELECT * FROM y\nINSERT INTO a SELECT * FROM b;\n",
            SQL_DIALECT_SNOWFLAKE);
    assert_int_equal(l->nerrors, 1);
    assert_int_equal(l->nstatements, 2);
    assert_int_equal(l->statements[0].reads.n, 1);
    assert_string_equal(l->statements[0].reads.items[0], "y");
    assert_int_equal(l->statements[0].writes.n, 1);
    assert_string_equal(l->statements[0].writes.items[0], "x");
    sql_lineage_free(l);
}

/* T-SQL's composable DML: FROM (MERGE .. OUTPUT ..) AS x read a table named merge and stopped at
 * INTO; the MERGE's lineage joins the INSERT around it, and its OUTPUT rows are what it wrote
 * (inserted.c) or the target's rows as they were (deleted.c). */
static void test_dml_in_from(void **state)
{
    (void)state;
    const char *sql = "INSERT INTO audit (a, b)\nSELECT a, b FROM (MERGE INTO tgt AS t USING src AS s ON t.id = s.id\n"
                      "WHEN MATCHED THEN UPDATE SET t.a = s.a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)\n"
                      "OUTPUT $action AS a, inserted.id AS b) AS x (a, b) WHERE a = 'UPDATE';";
    expect_clean(sql, SQL_DIALECT_TSQL, "src;audit,tgt");
    expect_cols_of(sql, SQL_DIALECT_TSQL, "audit.b<-src.id tgt.a<-src.a tgt.id<-src.id");
    expect_cols_of("INSERT INTO log SELECT x.id FROM (DELETE FROM t OUTPUT deleted.id WHERE t.k = 1) AS x;",
                   SQL_DIALECT_TSQL, "log.id<-t.id");
    /* OUTPUT .. INTO returns no rows to the query around it (a DELETE writes no table of ours) */
    expect_rw("SELECT * FROM (DELETE FROM t OUTPUT deleted.id INTO arch WHERE k = 1) AS x;", SQL_DIALECT_TSQL,
              "t;arch");
}

/* The most common errors of Postgres' regression files (tests/corpus/postgres_regress.json). */
/* WITH x AS (INSERT|UPDATE|DELETE|MERGE .. RETURNING ..): the statement writes its target; the
 * rows it returns are what it wrote, or the target's as they were (which reads it). */
/* The message of the first error, "" without one. */
static void expect_error(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    const char *got = l->nerrors ? l->errors[0].message : "";
    if(!strstr(got, want) || (!*want && l->nerrors))
        fail_msg("%s\n  want error %s\n  got  %s", sql, *want ? want : "(none)", got);
    sql_lineage_free(l);
}

/* An INSERT's ON CONFLICT .. DO UPDATE SET and ON DUPLICATE KEY UPDATE set columns from the row
 * offered or the target's values; anything else after ON is an error, never skipped text. */
static void test_upserts(void **state)
{
    (void)state;
    const char *pg = "INSERT INTO t (a, b) SELECT x, y FROM s ON CONFLICT (a) DO UPDATE SET b = excluded.b + t.c,\n"
                     "d = (SELECT z FROM o WHERE o.k = excluded.a) WHERE t.b < excluded.b;";
    expect_clean(pg, SQL_DIALECT_POSTGRES, "o,s,t;t");
    expect_cols_of(pg, SQL_DIALECT_POSTGRES, "t.a<-s.x t.b<-s.y|t.c t.d<-o.z");
    /* sqlfluff's postgres/insert.sql: the target by its alias */
    expect_cols_of("INSERT INTO foo AS f (bar, baz) VALUES (1, 'var')\n"
                   "ON CONFLICT (bar) DO UPDATE SET baz = EXCLUDED.baz || ' (formerly ' || f.baz || ')'\n"
                   "WHERE f.zipcode != '21201';",
                   SQL_DIALECT_POSTGRES, "foo.baz<-foo.baz");
    expect_clean("INSERT INTO t (a) VALUES (1) ON CONFLICT ON CONSTRAINT pk DO NOTHING;", SQL_DIALECT_POSTGRES, ";t");
    const char *my = "INSERT INTO t (a, b) SELECT x, y FROM s ON DUPLICATE KEY UPDATE b = VALUES(b), c = c + 1;";
    expect_clean(my, SQL_DIALECT_MYSQL, "s,t;t");
    expect_cols_of(my, SQL_DIALECT_MYSQL, "t.a<-s.x t.b<-s.y t.c<-t.c");
    /* sqlfluff's mysql/insert.sql: a column of the query, and a row alias after SET */
    expect_cols_of("INSERT INTO t1 (a, b, c) SELECT * FROM (SELECT c, c + d AS e FROM t2) AS dt\n"
                   "ON DUPLICATE KEY UPDATE b = e;",
                   SQL_DIALECT_MYSQL, "t1.a<-t2.c t1.b<-t2.c|t2.d");
    expect_clean("INSERT INTO t1 SET a=1,b=2,c=3 AS t2\nON DUPLICATE KEY UPDATE c = t2.a+t2.b;", SQL_DIALECT_MYSQL,
                 ";t1");
    expect_cols_of("INSERT INTO t SET a = (SELECT max(q) FROM r), b = 2;", SQL_DIALECT_MYSQL, "t.a<-r.q");
    expect_cols_of("INSERT INTO t1 (a, b, c) VALUES ((SELECT x FROM s), 2, 3) AS t2(m, n, p)\n"
                   "ON DUPLICATE KEY UPDATE c = m + t2.n;",
                   SQL_DIALECT_MYSQL, "t1.a<-s.x t1.c<-s.x");
    /* MySQL: the query's tables are in scope of ON DUPLICATE KEY UPDATE (sql28: src.amount was
     * agg.amount, s.ts was dropped); a name the upsert sets is the target's; after GROUP BY the
     * query's tables are hidden, so a name no output has is the target's */
    expect_cols_of("CREATE TABLE src (k INT, v INT, amount INT, ts DATETIME);\n"
                   "INSERT INTO agg (k, total) SELECT k, v FROM src s\n"
                   "ON DUPLICATE KEY UPDATE total = total + amount, seen = s.ts, n = agg.n + 1;",
                   SQL_DIALECT_MYSQL, "agg.k<-src.k agg.n<-agg.n agg.seen<-src.ts agg.total<-agg.total|src.amount|src.v");
    expect_cols_of("INSERT INTO agg (k, total) SELECT k, v FROM src JOIN dim USING (k)\n"
                   "ON DUPLICATE KEY UPDATE total = total + amount;",
                   SQL_DIALECT_MYSQL, "agg.k<-k agg.total<-agg.total|amount|v");
    expect_cols_of("INSERT INTO agg (k, total) SELECT k, SUM(v) FROM src GROUP BY k\n"
                   "ON DUPLICATE KEY UPDATE total = total + amount;",
                   SQL_DIALECT_MYSQL, "agg.k<-src.k agg.total<-agg.amount|agg.total|src.v");
    expect_error("INSERT INTO t (a) VALUES (1) ON CLUSTER c;", SQL_DIALECT_POSTGRES,
                 "expected CONFLICT or DUPLICATE KEY UPDATE after INSERT .. ON");
    /* a tuple set from ROW(..) (Postgres' update.sql, insert_conflict.sql) */
    expect_clean("UPDATE t SET (a, b) = ROW(v.*) FROM (VALUES (21, 100)) AS v(i, j);", SQL_DIALECT_POSTGRES, ";t");
    /* sql28: FLATTEN, OPENJSON (without WITH) give fixed columns, so a name none of them is belongs
     * to the other FROM item (OpenMetadata's test_snowflake_lateral_flatten_json: v was left bare) */
    expect_cols_of("CREATE TABLE o AS SELECT v:a::VARCHAR AS a, x, value AS val FROM raw, LATERAL FLATTEN(INPUT => raw.v) f;",
                   SQL_DIALECT_SNOWFLAKE, "o.a<-raw.v o.val<-raw.v o.x<-raw.x");
    expect_cols_of("INSERT INTO o (k, v, i) SELECT [key], value, id FROM c CROSS APPLY OPENJSON(c.payload) j;",
                   SQL_DIALECT_TSQL, "o.i<-c.id o.k<-c.payload o.v<-c.payload");
    /* StarRocks' INSERT .. WITH LABEL l (OpenMetadata's test_starrocks_insert_with_label: the
     * error `expected a CTE name`) */
    expect_cols_of("INSERT INTO analytics.t WITH LABEL lbl1 SELECT a, b FROM analytics.src;", SQL_DIALECT_MYSQL,
                   "analytics.t.a<-analytics.src.a analytics.t.b<-analytics.src.b");
    /* CONVERT(x USING charset): a character set, not a column */
    expect_cols_of("SELECT CONVERT(c USING utf8mb4) AS x FROM t;", SQL_DIALECT_MYSQL, "x<-t.c");
}

/* Syntax of one dialect that cost its statement (sqlglot's dialect tests), read now. */
static void test_dialect_clauses(void **state)
{
    (void)state;
    /* ClickHouse: ORDER BY .. WITH FILL, INTERPOLATE; APPLY(f) after a column or * */
    expect_clean("SELECT n, source FROM (SELECT toFloat32(number % 10) AS n, 'original' AS source FROM numbers(10)\n"
                 "WHERE number % 3 = 1) ORDER BY n WITH FILL FROM 0 TO 5.51 STEP 0.5;",
                 SQL_DIALECT_CLICKHOUSE, ";");
    expect_cols_of("SELECT a, b FROM t ORDER BY a WITH FILL STEP 1, b INTERPOLATE (b AS b + 1);", SQL_DIALECT_CLICKHOUSE,
                   "a<-t.a b<-t.b");
    expect_clean("SELECT * APPLY(sum) FROM columns_transformers;", SQL_DIALECT_CLICKHOUSE, "columns_transformers;");
    expect_cols_of("SELECT a APPLY(toString) APPLY(length) AS n FROM t;", SQL_DIALECT_CLICKHOUSE, "n<-t.a");
    /* Oracle: KEEP (DENSE_RANK ..), ORDER SIBLINGS BY */
    expect_clean("SELECT MIN(column_name) KEEP (DENSE_RANK FIRST ORDER BY column_name DESC) FROM table_name;",
                 SQL_DIALECT_ORACLE, "table_name;");
    expect_cols_of("SELECT MAX(salary) KEEP (DENSE_RANK LAST ORDER BY hired NULLS LAST) OVER (PARTITION BY dept) AS w\n"
                   "FROM employees;",
                   SQL_DIALECT_ORACLE, "w<-employees.dept|employees.hired|employees.salary");
    expect_clean("SELECT last_name FROM employees START WITH employee_id = 100 CONNECT BY PRIOR employee_id = manager_id\n"
                 "ORDER SIBLINGS BY last_name;",
                 SQL_DIALECT_ORACLE, "employees;");
    /* Postgres: postfix ISNULL, NOTNULL */
    expect_clean("SELECT id, email, CAST(deleted AS TEXT) FROM users WHERE NOT deleted ISNULL;", SQL_DIALECT_POSTGRES,
                 "users;");
    expect_cols_of("SELECT a NOTNULL AS b FROM t;", SQL_DIALECT_POSTGRES, "b<-t.a");
    /* DuckDB: prefix aliases, PIVOT and UNPIVOT as queries, LIMIT n PERCENT */
    expect_clean("SELECT * FROM foo /* bla */: /* baz */ bar /* boo */;", SQL_DIALECT_DUCKDB, "bar;");
    expect_cols_of("SELECT x: a, y:b, f.c FROM f: t;", SQL_DIALECT_DUCKDB, "c<-t.c x<-t.a y<-t.b");
    expect_cols_of("WITH p AS (PIVOT cities ON year USING SUM(population) GROUP BY country) SELECT * FROM p;",
                   SQL_DIALECT_DUCKDB, "country<-cities.country");
    expect_cols_of("CREATE TABLE s (id INT, jan INT, feb INT);\n"
                   "CREATE TABLE u AS SELECT * FROM (UNPIVOT s ON jan, feb INTO NAME month VALUE amount);\n"
                   "CREATE TABLE v AS PIVOT s ON jan USING sum(feb);",
                   SQL_DIALECT_DUCKDB, "u.amount<-s.feb|s.jan u.id<-s.id u.month<-s.feb|s.jan v.id<-s.id");
    expect_clean("SELECT * FROM t LIMIT 10 PERCENT OFFSET 1;", SQL_DIALECT_DUCKDB, "t;");
    /* operators called as functions (Snowflake, ClickHouse), Redshift's APPROXIMATE, MySQL's modifiers */
    expect_cols_of("SELECT ILIKE(col, 'pattern') AS b FROM log_source;", SQL_DIALECT_SNOWFLAKE, "b<-log_source.col");
    expect_cols_of("SELECT and(a, b) AS x FROM t;", SQL_DIALECT_CLICKHOUSE, "x<-t.a|t.b");
    expect_cols_of("SELECT APPROXIMATE COUNT(DISTINCT y) AS n FROM t;", SQL_DIALECT_REDSHIFT, "n<-t.y");
    expect_clean("SELECT SQL_BUFFER_RESULT SQL_CACHE a FROM t;", SQL_DIALECT_MYSQL, "t;");
    /* Hive's DISTRIBUTE|SORT|CLUSTER BY after a query in parentheses (CLUSTER BY was a statement) */
    expect_kinds("(SELECT 1 UNION SELECT 2) CLUSTER BY y;\n(SELECT a FROM t) DISTRIBUTE BY z SORT BY x;", SQL_DIALECT_HIVE,
                 "select@1,select@2");
}

/* A routine's parameters and declared variables are no columns (they were read as columns of the
 * statement's table: customers.v_total, orders.p_id); AS RETURN expr ends a routine at its ';'. */
static void test_routine_variables(void **state)
{
    (void)state;
    const char *ora = "CREATE OR REPLACE PROCEDURE upd(p_id IN NUMBER) AS\n"
                      "  v_total NUMBER;\n"
                      "BEGIN\n"
                      "  SELECT SUM(amount) INTO v_total FROM orders WHERE customer_id = p_id;\n"
                      "  UPDATE customers SET total = v_total WHERE id = p_id;\n"
                      "  INSERT INTO audit2 (cid, total) SELECT id, v_total FROM customers WHERE id = p_id;\n"
                      "END;\n";
    expect_cols_of(ora, SQL_DIALECT_ORACLE, "audit2.cid<-customers.id");
    sql_lineage_t *l = run(ora, SQL_DIALECT_ORACLE);
    assert_int_equal(l->nstatements, 1);
    for(size_t i = 0; i < l->statements[0].nindirect; i++)
        assert_null(strstr(l->statements[0].indirect[i].source, "p_id"));
    sql_lineage_free(l);
    expect_cols_of("CREATE FUNCTION refresh(p_day date, integer) RETURNS void LANGUAGE plpgsql AS $$\n"
                   "DECLARE\n  v_cnt bigint := 0;\nBEGIN\n"
                   "  UPDATE stats SET last_cnt = v_cnt, total = total + v_cnt WHERE day = p_day;\n"
                   "END;\n$$;",
                   SQL_DIALECT_POSTGRES, "stats.total<-stats.total");
    expect_cols_of("CREATE PROCEDURE fill(IN p_limit INT)\nBEGIN\n  DECLARE i, n INT DEFAULT 0;\n"
                   "  INSERT INTO dst (k, name) SELECT id, n FROM src WHERE id = i AND id < p_limit;\nEND;",
                   SQL_DIALECT_MYSQL, "dst.k<-src.id");
    /* sqlfluff's bigquery/create_table_function.sql: y is the function's parameter */
    expect_cols_of("CREATE TABLE FUNCTION d.names_by_year(y INT64) AS SELECT year, name FROM t WHERE year = y;",
                   SQL_DIALECT_BIGQUERY, "");
    expect_kinds("CREATE FUNCTION a.b(x INT) RETURNS INT AS RETURN x + 1;\nINSERT INTO t SELECT x FROM y;",
                 SQL_DIALECT_ANSI, "create_function@1,insert@2");
}

/* sql28: a name both a variable and a column follows the dialect. Oracle (BigQuery, Spark) reads
 * the column where the input shows the name is one: a select item read INTO its namesake
 * (sqlfluff's execute_immediate_patterns.sql), a qualified use or %TYPE anchor, earlier DDL;
 * MySQL's variable wins; PL/pgSQL's too unless #variable_conflict use_column; Snowflake's SQL
 * names variables :x only. A script's top-level DECLARE is seen by the statements after it. */
static void test_variable_shadowing(void **state)
{
    (void)state;
    expect_cols_of("CREATE PROCEDURE p AS\n  constraint_name VARCHAR2(255);\n  ename emp.ename%TYPE;\n  v_x NUMBER;\n"
                   "BEGIN\n  SELECT constraint_name INTO constraint_name FROM user_constraints;\n"
                   "  INSERT INTO log_t (c, e, x) SELECT constraint_name, ename, v_x FROM emp;\nEND;",
                   SQL_DIALECT_ORACLE, "log_t.c<-emp.constraint_name log_t.e<-emp.ename");
    expect_cols_of("CREATE TABLE employees2 (last_name VARCHAR2(30));\n"
                   "DECLARE\n  last_name VARCHAR2(10) := 'King';\nBEGIN\n"
                   "  INSERT INTO names (n) SELECT last_name FROM staff;\nEND;",
                   SQL_DIALECT_ORACLE, "names.n<-staff.last_name");
    const char *my = "CREATE PROCEDURE p()\nBEGIN\n  DECLARE name VARCHAR(10);\n"
                     "  INSERT INTO log_t (who, k) SELECT name, f.k FROM foo f WHERE f.name > '';\nEND;";
    expect_cols_of(my, SQL_DIALECT_MYSQL, "log_t.k<-foo.k");
#define PG_FN(conflict)                                                                                  \
    "CREATE FUNCTION f(name text) RETURNS int LANGUAGE plpgsql AS $$\n" conflict                          \
    "BEGIN\n  INSERT INTO log_t (who) SELECT name FROM foo f WHERE f.name > '';\n  RETURN 1;\nEND;\n$$;"
    expect_cols_of(PG_FN(""), SQL_DIALECT_POSTGRES, "");
    expect_cols_of(PG_FN("#variable_conflict use_column\n"), SQL_DIALECT_POSTGRES, "log_t.who<-foo.name");
#undef PG_FN
    expect_cols_of("DECLARE\n  x INT DEFAULT 1;\nBEGIN\n  INSERT INTO t2 (a, b) SELECT x, y FROM t1 WHERE id = :x;\nEND;",
                   SQL_DIALECT_SNOWFLAKE, "t2.a<-t1.x t2.b<-t1.y");
    const char *bq = "DECLARE x INT64 DEFAULT 5;\nDECLARE d, e DATE DEFAULT CURRENT_DATE();\n"
                     "DECLARE c CURSOR FOR SELECT 1;\n"
                     "INSERT INTO ds.out (a, b, c) SELECT col, x, c FROM ds.t WHERE day = d;";
    expect_cols_of(bq, SQL_DIALECT_BIGQUERY, "ds.out.a<-ds.t.col ds.out.c<-ds.t.c");
    sql_lineage_t *l = run(bq, SQL_DIALECT_BIGQUERY);
    const sql_statement_t *ins = &l->statements[l->nstatements - 1];
    assert_int_equal(ins->nindirect, 1);
    assert_string_equal(ins->indirect[0].source, "ds.t.day");
    sql_lineage_free(l);
    expect_cols_of("DECLARE OR REPLACE VARIABLE v INT DEFAULT 1;\nINSERT INTO o (a, b) SELECT a, v FROM t;",
                   SQL_DIALECT_DATABRICKS, "o.a<-t.a");
}

static void test_writable_ctes(void **state)
{
    (void)state;
    const char *del = "WITH moved AS (DELETE FROM orders WHERE ts < now() RETURNING id, amount)\n"
                      "INSERT INTO archive (id, amount) SELECT id, amount FROM moved;";
    expect_clean(del, SQL_DIALECT_POSTGRES, "orders;archive,orders");
    expect_cols_of(del, SQL_DIALECT_POSTGRES, "archive.amount<-orders.amount archive.id<-orders.id");
    const char *ins = "WITH n AS (INSERT INTO y (a, b) SELECT x, z FROM s RETURNING id, a, new.b AS bb)\n"
                      "INSERT INTO log (id, a, bb) SELECT id, a, bb FROM n;";
    expect_clean(ins, SQL_DIALECT_POSTGRES, "s;log,y");
    expect_cols_of(ins, SQL_DIALECT_POSTGRES, "log.a<-s.x log.bb<-s.z y.a<-s.x y.b<-s.z");
    const char *upd = "WITH u AS (UPDATE t SET x = s.y FROM s WHERE t.k = s.k RETURNING t.k, x, s.w)\n"
                      "INSERT INTO log SELECT * FROM u;";
    expect_clean(upd, SQL_DIALECT_POSTGRES, "s,t;log,t");
    expect_cols_of(upd, SQL_DIALECT_POSTGRES, "log.k<-t.k log.w<-s.w log.x<-s.y t.x<-s.y");
    expect_clean("WITH u AS (UPDATE t SET x = 1 RETURNING x) INSERT INTO log SELECT x FROM u;", SQL_DIALECT_POSTGRES,
                 ";log,t");
    expect_cols_of("WITH d AS (DELETE FROM t USING s WHERE t.k = s.k RETURNING t.*, s.v) INSERT INTO log SELECT * FROM d;",
                   SQL_DIALECT_POSTGRES, "log.*<-t.* log.v<-s.v");
    expect_clean("WITH n AS (INSERT INTO y AS o (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = o.a + 1\n"
                 "RETURNING o.a) INSERT INTO log SELECT a FROM n;",
                 SQL_DIALECT_POSTGRES, "y;log,y");
    expect_clean("WITH m AS (MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v\n"
                 "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v) RETURNING merge_action(), v)\n"
                 "INSERT INTO log SELECT * FROM m;",
                 SQL_DIALECT_POSTGRES, "s;log,t");
    /* without RETURNING no rows go on: a DELETE deciding nothing by another table has no lineage */
    expect_clean("WITH d AS (DELETE FROM t WHERE k = 1) SELECT 1;", SQL_DIALECT_POSTGRES, ";");
    expect_errors("WITH d AS (INSERT INTO t VALUES (1) RETURNING) SELECT 1", 55, SQL_DIALECT_POSTGRES,
                  "1:expected a RETURNING item near ')'");
    /* outside a CTE the returned rows go to the client */
    expect_clean("DELETE FROM t WHERE k = 1 RETURNING *;", SQL_DIALECT_POSTGRES, ";");
    /* Postgres 18's RETURNING WITH (OLD AS o, NEW AS n): the rows before and after under names of their own */
    const char *named = "WITH u AS (UPDATE t SET x = s.y FROM s WHERE t.k = s.k\n"
                        "RETURNING WITH (OLD AS o, NEW AS n) o.x AS was, n.x AS now, n.z)\n"
                        "INSERT INTO log SELECT * FROM u;";
    expect_clean(named, SQL_DIALECT_POSTGRES, "s,t;log,t");
    expect_cols_of(named, SQL_DIALECT_POSTGRES, "log.now<-s.y log.was<-t.x log.z<-t.z t.x<-s.y");
    expect_cols_of("WITH d AS (DELETE FROM t USING s WHERE t.k = s.k RETURNING WITH (OLD AS gone) gone.*) "
                   "INSERT INTO log SELECT * FROM d;",
                   SQL_DIALECT_POSTGRES, "log.*<-t.*");
    expect_cols_of("WITH n AS (INSERT INTO y (a) SELECT x FROM s RETURNING WITH (NEW AS added) added.a, added.id) "
                   "INSERT INTO log (a, id) SELECT a, id FROM n;",
                   SQL_DIALECT_POSTGRES, "log.a<-s.x y.a<-s.x");
    expect_errors("WITH u AS (UPDATE t SET x = 1 RETURNING WITH (OLDER AS o) o.x) SELECT 1", 71, SQL_DIALECT_POSTGRES,
                  "1:expected OLD AS name or NEW AS name in RETURNING WITH near 'OLDER'");
}

/* WITH before a data-modifying CTE's statement, COPY's or a DML statement in FROM: the CTEs are
 * that statement's own. */
static void test_nested_with_dml(void **state)
{
    (void)state;
    const char *ins =
        "WITH a AS (\n  WITH b AS (SELECT x FROM s WHERE ok)\n  INSERT INTO t SELECT x FROM b RETURNING x\n)\n"
        "INSERT INTO log SELECT x FROM a;";
    expect_clean(ins, SQL_DIALECT_POSTGRES, "s;log,t");
    expect_cols_of(ins, SQL_DIALECT_POSTGRES, "log.x<-s.x t.x<-s.x");
    expect_clean("WITH a AS (WITH RECURSIVE b (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM b WHERE n < 9), c AS "
                 "(SELECT k FROM s)\nUPDATE t SET v = b.n FROM b, c WHERE t.k = c.k RETURNING t.k) SELECT * FROM a;",
                 SQL_DIALECT_POSTGRES, "s,t;t");
    expect_clean("WITH a AS (WITH b AS (SELECT k FROM s) DELETE FROM t USING b WHERE t.k = b.k RETURNING t.v)\n"
                 "INSERT INTO log SELECT v FROM a;",
                 SQL_DIALECT_POSTGRES, "s,t;log,t");
    expect_clean("WITH a AS (WITH b AS (SELECT k, v FROM s) MERGE INTO t USING b ON t.k = b.k\n"
                 "WHEN MATCHED THEN UPDATE SET v = b.v RETURNING t.v) SELECT count(*) FROM a;",
                 SQL_DIALECT_POSTGRES, "s;t");
    expect_clean("COPY (WITH b AS (SELECT k FROM s) DELETE FROM t USING b WHERE t.k = b.k RETURNING t.v) TO stdout;",
                 SQL_DIALECT_POSTGRES, "s,t;t");
    expect_clean("INSERT INTO log SELECT x.k FROM (WITH b AS (SELECT k FROM s) MERGE t USING b ON t.k = b.k\n"
                 "WHEN MATCHED THEN DELETE OUTPUT deleted.k) AS x (k);",
                 SQL_DIALECT_TSQL, "s,t;log,t");
    /* a nested WITH before a query is a query still */
    expect_clean("WITH a AS (WITH b AS (SELECT x FROM s) SELECT x FROM b) INSERT INTO t SELECT x FROM a;",
                 SQL_DIALECT_POSTGRES, "s;t");
}

/* What sqlglot's optimizer fixtures (tests/corpus/sqlglot_fixtures.json) found: joins whose ON or
 * USING follows a later join's, BigQuery's set operations by name, Postgres' ROWS FROM. */
static void test_sqlglot_fixtures_finds(void **state)
{
    (void)state;
    const char *nested =
        "CREATE VIEW o AS SELECT a.id, c.v FROM a LEFT JOIN b INNER JOIN c ON c.id = b.id ON b.id = a.id;";
    expect_clean(nested, SQL_DIALECT_ANSI, "a,b,c;o");
    expect_cols_of(nested, SQL_DIALECT_ANSI, "o.id<-a.id o.v<-c.v");
    expect_clean("SELECT * FROM a JOIN b JOIN c USING (id) USING (id);", SQL_DIALECT_ANSI, "a,b,c;");
    /* a join that has its ON leaves the next ON to the MERGE; CROSS JOIN wants none */
    expect_clean("MERGE INTO t USING a JOIN b ON a.k = b.k ON t.k = a.k WHEN MATCHED THEN DELETE;",
                 SQL_DIALECT_POSTGRES, "a,b;t");
    expect_clean("MERGE INTO t USING a CROSS JOIN b ON t.k = a.k WHEN MATCHED THEN DELETE;", SQL_DIALECT_POSTGRES,
                 "a,b;t");
    /* by name: each column from the operands' columns of its name, not by position */
    const char *by_name = "INSERT INTO o SELECT * FROM (SELECT a AS foo, b AS bar FROM s\n"
                          "FULL OUTER UNION ALL BY NAME SELECT c AS bar, d AS baz FROM t);";
    expect_clean(by_name, SQL_DIALECT_BIGQUERY, "s,t;o");
    expect_cols_of(by_name, SQL_DIALECT_BIGQUERY, "o.bar<-s.b|t.c o.baz<-t.d o.foo<-s.a");
    expect_cols_of("INSERT INTO o SELECT * FROM (SELECT a AS foo, b AS bar FROM s LEFT UNION ALL BY NAME\n"
                   "SELECT c AS bar, d AS baz FROM t);",
                   SQL_DIALECT_BIGQUERY, "o.bar<-s.b|t.c o.foo<-s.a");
    expect_cols_of("INSERT INTO o SELECT * FROM (SELECT a AS foo, b AS bar FROM s INNER UNION ALL BY NAME\n"
                   "SELECT c AS bar, d AS baz FROM t);",
                   SQL_DIALECT_BIGQUERY, "o.bar<-s.b|t.c");
    expect_cols_of("INSERT INTO o SELECT * FROM ((SELECT a AS foo, b AS bar FROM s) UNION ALL CORRESPONDING\n"
                   "(SELECT c AS bar, d AS baz FROM t));",
                   SQL_DIALECT_BIGQUERY, "o.bar<-s.b|t.c");
    expect_cols_of(
        "INSERT INTO o SELECT * FROM (SELECT a AS foo, b AS bar FROM s FULL UNION ALL BY NAME ON (foo, baz)\n"
        "SELECT c AS bar, d AS baz FROM t);",
        SQL_DIALECT_BIGQUERY, "o.baz<-t.d o.foo<-s.a");
    expect_cols_of("CREATE TABLE o AS SELECT a AS foo, b AS bar FROM s UNION BY NAME SELECT c AS bar, d AS foo FROM t;",
                   SQL_DIALECT_DUCKDB, "o.bar<-s.b|t.c o.foo<-s.a|t.d");
    expect_cols_of(
        "CREATE TABLE o AS FROM s |> SELECT a AS foo, b AS bar |> UNION ALL BY NAME (SELECT c AS bar FROM t);",
        SQL_DIALECT_BIGQUERY, "o.bar<-s.b|t.c o.foo<-s.a");
    expect_clean("SELECT * FROM (SELECT * FROM s FULL OUTER UNION ALL BY NAME SELECT * FROM t);", SQL_DIALECT_BIGQUERY,
                 "s,t;");
    expect_clean("INSERT INTO o SELECT t.a, t.b FROM ROWS FROM (generate_series(1, 3), json_to_recordset(s.j))\n"
                 "WITH ORDINALITY AS t (a, b, n), s;",
                 SQL_DIALECT_POSTGRES, "s;o");
}

/* The first read path of statement `i`, "" when none. */
static void expect_read_path(const char *sql, sql_dialect_t d, size_t i, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    const char *got = i < l->nstatements && l->statements[i].read_paths.n ? l->statements[i].read_paths.items[0] : "";
    if(strcmp(got, want) != 0 || l->nerrors)
        fail_msg("%s\n  want %s\n  got  %s (%zu errors)", sql, want, got, l->nerrors);
    sql_lineage_free(l);
}

/* What the statements of sqlglot's dialect tests (tests/corpus/sqlglot_fixtures.json) found. */
static void test_sqlglot_dialect_tests_finds(void **state)
{
    (void)state;
    /* Oracle's INSERT INTO t alias: the alias was taken for the start of the query */
    expect_cols_of("INSERT /*+ APPEND(d) */ INTO dest d (i, v) SELECT x, y FROM src;", SQL_DIALECT_ORACLE,
                   "dest.i<-src.x dest.v<-src.y");
    /* ClickHouse's parametric aggregates: the second list holds the columns */
    expect_cols_of(
        "INSERT INTO o SELECT k, quantiles(0.5, 0.9)(v) AS q, groupConcat(', ')(name) AS n FROM t GROUP BY k;",
        SQL_DIALECT_CLICKHOUSE, "o.k<-t.k o.n<-t.name o.q<-t.v");
    /* Trino's WITH FUNCTION with a BEGIN .. END body: its ';' end neither the statement nor the function */
    const char *fn =
        "WITH FUNCTION f(a INTEGER) RETURNS INTEGER BEGIN DECLARE r INTEGER DEFAULT 0; CASE WHEN a > 0 THEN\n"
        "IF a > 10 THEN SET r = 1; END IF; ELSE SET r = CASE WHEN a < 0 THEN -1 END; END CASE;\n"
        "WHILE r < 3 DO SET r = r + 1; END WHILE; RETURN r; END\n"
        "SELECT f(x) FROM t;\nINSERT INTO o SELECT 1;";
    expect_clean(fn, SQL_DIALECT_TRINO, "t;o");
    expect_kinds(fn, SQL_DIALECT_TRINO, "select@1,insert@5");
    /* MATCH_RECOGNIZE is no alias: the table's rows go on */
    expect_clean("INSERT INTO o SELECT * FROM tbl MATCH_RECOGNIZE (PARTITION BY id ORDER BY c MEASURES FIRST(c) AS c1\n"
                 "PATTERN (B* A) DEFINE A AS c = 1) AS m;",
                 SQL_DIALECT_TRINO, "tbl;o");
    /* Snowflake: staged files read in FROM, the stage named without its path */
    expect_read_path("INSERT INTO o SELECT $1 FROM @\"my_DB\".\"schEMA1\".mystage/file.gz (FILE_FORMAT => f) AS s;",
                     SQL_DIALECT_SNOWFLAKE, 0, "@\"my_DB\".\"schEMA1\".mystage");
    expect_read_path("SELECT * FROM @ns.%tbl/path/to/file.json.gz;", SQL_DIALECT_SNOWFLAKE, 0, "@ns.%tbl");
    expect_read_path("COPY INTO t FROM @ns.%tbl/p;", SQL_DIALECT_SNOWFLAKE, 0, "@ns.%tbl");
    /* DuckDB's MERGE .. USING (cols) and its bare UPDATE (SET *) */
    expect_cols_of("MERGE INTO people USING upd AS u USING (id) WHEN MATCHED THEN UPDATE;", SQL_DIALECT_DUCKDB,
                   "people.*<-upd.*");
    /* NTH_VALUE(x, n) FROM LAST: no table named last */
    expect_clean("INSERT INTO o SELECT NTH_VALUE(x, 2) FROM LAST IGNORE NULLS OVER (ORDER BY y) AS c FROM t;",
                 SQL_DIALECT_ORACLE, "t;o");
    expect_clean("SELECT 1 AS x UNION ALL STRICT CORRESPONDING SELECT 2 AS x;", SQL_DIALECT_BIGQUERY, ";");
    /* routine headers that take no body in: Hive's CREATE FUNCTION f AS class, Snowflake's EXECUTE AS
     * CALLER before the body's AS, BigQuery's table function AS query */
    expect_kinds("CREATE FUNCTION a AS b;\nINSERT INTO o SELECT x FROM t;", SQL_DIALECT_DATABRICKS,
                 "create_function@1,insert@2");
    expect_kinds("CREATE PROCEDURE p() RETURNS OBJECT EXECUTE AS CALLER AS 'BEGIN SELECT 1; END;';\n"
                 "INSERT INTO o SELECT x FROM t;",
                 SQL_DIALECT_SNOWFLAKE, "create_procedure@1,insert@2");
    expect_kinds("CREATE TABLE FUNCTION a(x INT64) RETURNS TABLE <q STRING> AS SELECT s FROM t;\n"
                 "INSERT INTO o SELECT x FROM t;",
                 SQL_DIALECT_BIGQUERY, "create_function@1,insert@2");
    /* BigQuery triple-quoted strings: a quote after a backslash ends none, raw or not */
    expect_cols_of("INSERT INTO o SELECT \"\"\"ends with \\\"word\\\"\"\"\" AS a, r\"\"\"a\\\"b\"\"\" AS b, x FROM t;",
                   SQL_DIALECT_BIGQUERY, "o.x<-t.x");
}

/* A Postgres rule's commands and a macro's body: their lineage, attributed to the rule or macro. */
static void test_rules_and_macros(void **state)
{
    (void)state;
    const char *rule = "CREATE RULE log_ins AS ON INSERT TO shoelace WHERE NEW.qty > 0 DO ALSO (\n"
                       "  INSERT INTO shoelace_log (name, qty) VALUES (NEW.name, NEW.qty);\n"
                       "  UPDATE stock SET qty = stock.qty - NEW.qty FROM orders o WHERE o.item = stock.item\n);";
    expect_kinds(rule, SQL_DIALECT_POSTGRES, "create_rule@1");
    expect_clean(rule, SQL_DIALECT_POSTGRES, "orders,stock;shoelace_log,stock");
    expect_flows(rule, SQL_DIALECT_POSTGRES, "orders>stock,stock>stock");
    expect_clean("CREATE OR REPLACE RULE r AS ON DELETE TO v DO INSTEAD DELETE FROM base b USING keep k\n"
                 "WHERE b.id = OLD.id AND k.id = b.id;",
                 SQL_DIALECT_POSTGRES, "keep;base");
    expect_clean("CREATE RULE r AS ON UPDATE TO t DO INSTEAD NOTHING;", SQL_DIALECT_POSTGRES, ";");
    expect_rw("CREATE RULE r AS ON SELECT TO v DO INSTEAD", SQL_DIALECT_POSTGRES, ";");
    /* ON SELECT: the table becomes a view over the query */
    const char *view = "CREATE RULE \"_RETURN\" AS ON SELECT TO v DO INSTEAD SELECT a.id, b.x FROM a JOIN b ON a.id = b.id;";
    expect_kinds(view, SQL_DIALECT_POSTGRES, "create_view@1");
    expect_cols_of(view, SQL_DIALECT_POSTGRES, "v.id<-a.id v.x<-b.x");
    /* T-SQL's rules check values */
    expect_clean("CREATE RULE range_rule AS @range >= 1000 AND @range < 20000;", SQL_DIALECT_TSQL, ";");
    expect_kinds("CREATE MACRO total(k) AS (SELECT sum(v) FROM sales WHERE key = k);", SQL_DIALECT_DUCKDB,
                 "create_macro@1");
    expect_clean("CREATE MACRO total(k) AS (SELECT sum(v) FROM sales WHERE key = k);", SQL_DIALECT_DUCKDB, "sales;");
    expect_clean("CREATE OR REPLACE TEMP MACRO recent(n := 7) AS TABLE SELECT * FROM events e JOIN users u ON\n"
                 "e.uid = u.id WHERE e.ts > now() - n;",
                 SQL_DIALECT_DUCKDB, "events,users;");
    expect_clean("CREATE MACRO add(a, b) AS a + b;", SQL_DIALECT_DUCKDB, ";");
    const char *td = "CREATE MACRO new_emp (n VARCHAR(30), d INTEGER) AS (\n"
                     "  INSERT INTO employee (name, dept) VALUES (:n, :d);\n"
                     "  UPDATE dept_count SET c = (SELECT count(*) FROM employee WHERE dept = :d);\n);";
    expect_kinds(td, SQL_DIALECT_TERADATA, "create_macro@1");
    expect_clean(td, SQL_DIALECT_TERADATA, "employee;dept_count,employee");
    expect_flows(td, SQL_DIALECT_TERADATA, "employee>dept_count");
}

static void test_postgres_regress_finds(void **state)
{
    (void)state;
    /* a function body in a psql variable opened a block that took in the rest of create_view.sql */
    expect_kinds("CREATE FUNCTION interpt_pp(path, path) RETURNS point AS :'regresslib' LANGUAGE C STRICT;\n"
                 "CREATE TABLE t (a int);\nINSERT INTO t SELECT * FROM s;",
                 SQL_DIALECT_POSTGRES, "create_function@1,create_table@2,insert@3");
    /* the returned rows are those written, as a data-modifying CTE's: an id the INSERT gives no
     * value reads no table */
    expect_clean("COPY (INSERT INTO t (a) VALUES ('f') RETURNING id) TO stdout;", SQL_DIALECT_POSTGRES, ";t");
    expect_clean("COPY (UPDATE t SET a = s.a FROM s WHERE s.id = t.id RETURNING t.id) TO stdout;", SQL_DIALECT_POSTGRES,
                 "s,t;t");
    expect_clean("SELECT * FROM j1 JOIN j2 USING (i) AS x WHERE x.i = 1;", SQL_DIALECT_POSTGRES, "j1,j2;");
    expect_clean(
        "WITH RECURSIVE sg(f, t) AS (SELECT f, t FROM g UNION ALL SELECT g.f, g.t FROM g, sg WHERE g.f = sg.t)\n"
        "SEARCH DEPTH FIRST BY f, t SET seq\nCYCLE f, t SET is_cycle TO true DEFAULT false USING path\n"
        "INSERT INTO out SELECT * FROM sg;",
        SQL_DIALECT_POSTGRES, "g;out");
    expect_clean("MERGE INTO t USING s1 INNER JOIN s2 ON s1.k = s2.k ON t.k = s1.k\n"
                 "WHEN MATCHED THEN UPDATE SET v = s2.v RETURNING merge_action(), t.*;",
                 SQL_DIALECT_POSTGRES, "s1,s2;t");
    expect_clean("SELECT p.name FROM person* p ORDER BY age USING >, name USING <;", SQL_DIALECT_POSTGRES, "person;");
    expect_clean("CREATE VIEW v AS SELECT a FROM t ORDER BY a FETCH FIRST (5::bigint) ROWS WITH TIES;",
                 SQL_DIALECT_POSTGRES, "t;v");
    expect_clean("WITH c(x) AS (SELECT x FROM t) VALUES ((SELECT x FROM c));", SQL_DIALECT_POSTGRES, "t;");
    /* a statement in a psql variable is the client's: an error that says so, and the next one goes on */
    sql_lineage_t *l = run("\\set q 'INSERT INTO t SELECT 1'\n:q;\nSELECT 1 FROM a;", SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nerrors, 1);
    assert_int_equal(l->errors[0].line, 2);
    assert_non_null(strstr(l->errors[0].message, "psql variable"));
    char got[256];
    rw(l, got, sizeof got);
    assert_string_equal(got, "a;");
    sql_lineage_free(l);
}

/* Spark's own sql-tests (tests/corpus/spark_sql_tests.json): TABLE t as a query, alone, in
 * parentheses and before a pipe; |> right after an expression; a FROM-first subquery; a view over
 * VALUES with a table alias; a CTE's MAX RECURSION LEVEL. */
static void test_spark_sql_tests_finds(void **state)
{
    (void)state;
    expect_clean("TABLE t;\ntable s.u\n|> where x > 1\n|> select x;", SQL_DIALECT_SPARKSQL, "s.u,t;");
    expect_cols_of("CREATE TABLE c AS TABLE t;", SQL_DIALECT_SPARKSQL, "c.*<-t.*");
    expect_cols_of("WITH w AS (SELECT a FROM t) INSERT INTO c TABLE w;", SQL_DIALECT_SPARKSQL, "c.a<-t.a");
    expect_clean("FROM t\n|> WHERE EXISTS (TABLE u |> EXTEND t.x |> SELECT * EXCEPT (a, b))\n|> SELECT x;",
                 SQL_DIALECT_SPARKSQL, "t,u;");
    expect_clean("TABLE t;", SQL_DIALECT_POSTGRES, "t;");
    /* `|` then `>` was read as an operator: the ON and WHERE conditions took the pipe */
    expect_clean("FROM t JOIN u ON (t.x = u.a)\n|> SELECT t.x + u.a AS z;", SQL_DIALECT_SPARKSQL, "t,u;");
    expect_clean("SELECT * FROM t WHERE true |> INNER JOIN e;", SQL_DIALECT_SPARKSQL, "e,t;");
    expect_clean("FROM s |> WHERE a > 0.9 * (FROM t |> SELECT a) |> JOIN (FROM u x |> WHERE k = 4) |> SELECT a;",
                 SQL_DIALECT_SPARKSQL, "s,t,u;");
    expect_cols_of("CREATE OR REPLACE TEMPORARY VIEW v AS VALUES (1, 'a'), (2, 'b') tbl(c1, c2);\n"
                   "CREATE VIEW w AS VALUES (1, 2) AS t(x, y);\nINSERT INTO o SELECT c2 FROM v;",
                   SQL_DIALECT_SPARKSQL, "v.c1<- v.c2<- w.x<- w.y<- o.c2<-v.c2");
    expect_clean("SELECT * FROM (VALUES (0, 1) AS t(a, b));\nCREATE VIEW v AS VALUES 1 T(col);", SQL_DIALECT_SPARKSQL,
                 ";v");
    expect_clean(
        "WITH RECURSIVE r(level) MAX RECURSION LEVEL 35 AS (SELECT 1 FROM s UNION ALL SELECT level + 1 FROM r)\n"
        "SELECT * FROM r;\nWITH t MAX RECURSION LEVEL 100 AS (SELECT n FROM u) SELECT * FROM t;",
        SQL_DIALECT_SPARKSQL, "s,u;");
    /* Spark's bracketed comments nest (comments.sql), Hive's end at the first close */
    expect_clean("/* a\n/* b */\nSELECT x FROM hidden;\n*/\nINSERT INTO o SELECT x FROM t;", SQL_DIALECT_SPARKSQL,
                 "t;o");
    expect_clean("/* a /* b */ INSERT INTO o SELECT x FROM t;", SQL_DIALECT_HIVE, "t;o");
}

/* Real-world scripts (tests/corpus/realworld_files.json) use these; each was an error before. */
/* SQL:2011 temporal DML (pagila-temporal-setup.sql, Postgres 19; DB2, MariaDB) */
static void test_for_portion_of(void **state)
{
    (void)state;
    expect_clean("UPDATE h\nFOR PORTION OF valid_at FROM '2024-07-01' TO '2024-08-01'\nSET r = 0.49 WHERE id = 1;",
                 SQL_DIALECT_POSTGRES, ";h");
    expect_clean("DELETE FROM h FOR PORTION OF valid_at FROM '2023-06-01' TO '2023-07-01' WHERE id = 2;\n"
                 "UPDATE h FOR PORTION OF valid_at (daterange('2024-01-01', NULL)) SET r = s.r FROM s;",
                 SQL_DIALECT_POSTGRES, "s;h");
}

/* psql's variables interpolated as a literal or a name, and \gset sending the statement
 * (pagila's scripts/add_monthly_data.sql) */
static void test_psql_variables(void **state)
{
    (void)state;
    expect_clean("SELECT :'month'::date AS m, :\"col\" FROM t\n\\gset\nINSERT INTO o SELECT x FROM u;",
                 SQL_DIALECT_POSTGRES, "t,u;o");
    expect_kinds("SELECT 1 AS a\n\\gset\nSELECT :'a' FROM t\n\\gx\n\\getenv h HOME\nSELECT 2;", SQL_DIALECT_POSTGRES,
                 "select@1,select@3,select@6");
}

/* psql's \g family, and mysql's \g and \G, after a statement on its line: the statement ends there,
 * the rest of the line is the command's */
static void test_psql_send_mid_line(void **state)
{
    (void)state;
    const char *sql = "SELECT 1 AS x \\g\nINSERT INTO a SELECT b FROM c \\gset p_\n"
                      "SELECT 2 FROM d \\g out.txt\nINSERT INTO e SELECT f FROM g;\n";
    expect_kinds(sql, SQL_DIALECT_POSTGRES, "select@1,insert@2,select@3,insert@4");
    expect_clean(sql, SQL_DIALECT_POSTGRES, "c,d,g;a,e");
    expect_cols_of("INSERT INTO a SELECT b FROM c \\G\nINSERT INTO e SELECT f FROM g;", SQL_DIALECT_MYSQL,
                   "a.b<-c.b e.f<-g.f");
}

/* Spark: intervals of several units, the unsigned shift >>> (a `>>` then `>` to the lexer) */
static void test_spark_intervals_and_shift(void **state)
{
    (void)state;
    expect_cols_of(
        "INSERT INTO o SELECT a + INTERVAL 1 YEAR 2 MONTHS AS x, b - interval 3 hours 4 minutes AS y, "
        "c + INTERVAL '1' DAY TO SECOND AS z, d >>> 2 AS w, e - interval -1 month 1 day -1 second AS v FROM t",
        SQL_DIALECT_SPARKSQL, "o.v<-t.e o.w<-t.d o.x<-t.a o.y<-t.b o.z<-t.c");
    expect_clean("CREATE TABLE n (a ARRAY<ARRAY<INT>>, b MAP<STRING, ARRAY<INT>>) USING parquet", SQL_DIALECT_SPARKSQL,
                 ";n");
}

/* Spark's IDENTIFIER(): a table named by a string, and a function so named with its arguments after it
 * (identifier-clause.sql's IDENTIFIER('abs')(c1), which was 'unexpected token') */
static void test_spark_identifier_clause(void **state)
{
    (void)state;
    expect_cols_of("INSERT INTO IDENTIFIER('s.o') SELECT IDENTIFIER('abs')(c1) AS a, IDENTIFIER('max')(c2) AS m "
                   "FROM IDENTIFIER('db.t')",
                   SQL_DIALECT_SPARKSQL, "s.o.a<-db.t.c1 s.o.m<-db.t.c2");
}

/* Pipe syntax: each operator takes the table so far and gives the next; the query's columns are
 * the last one's (they were those before the first pipe) */
static void test_pipe_columns(void **state)
{
    (void)state;
    expect_cols_of("INSERT INTO o FROM t |> WHERE x > 1 |> EXTEND x + 1 AS z |> SELECT z, y", SQL_DIALECT_BIGQUERY,
                   "o.y<-t.y o.z<-t.x");
    expect_cols_of("CREATE TABLE o AS FROM t |> AGGREGATE SUM(x) AS s GROUP BY y", SQL_DIALECT_BIGQUERY,
                   "o.s<-t.x o.y<-t.y");
    expect_cols_of("CREATE TABLE o AS FROM t |> AS a |> JOIN u ON a.x = u.a |> SELECT a.y, u.b", SQL_DIALECT_SPARKSQL,
                   "o.b<-u.b o.y<-t.y");
    expect_cols_of("CREATE TABLE t (x INT, y INT);\nCREATE TABLE o AS FROM t |> SET x = y * 2 |> RENAME y AS w",
                   SQL_DIALECT_BIGQUERY, "o.w<-t.y o.x<-t.y");
    expect_cols_of("CREATE TABLE t (x INT, y INT);\nCREATE TABLE o AS FROM t |> DROP x", SQL_DIALECT_BIGQUERY,
                   "o.y<-t.y");
    expect_cols_of("CREATE TABLE o AS FROM t |> SELECT x AS k |> UNION ALL (SELECT a FROM u)", SQL_DIALECT_BIGQUERY,
                   "o.k<-t.x|u.a");
    expect_cols_of("INSERT INTO o SELECT q2 FROM (FROM t |> SELECT x AS q |> EXTEND q + 1 AS q2) s",
                   SQL_DIALECT_SPARKSQL, "o.q2<-t.x");
    expect_clean("FROM s |> WHERE a > 0.9 * (FROM t |> SELECT a) |> LEFT JOIN (FROM u x |> WHERE k = 4) |> SELECT a",
                 SQL_DIALECT_SPARKSQL, "s,t,u;");
}

/* Snowflake: the user stage @~, a table stage @%t, session variables $name (sf-samples' dcdf) */
static void test_snowflake_stages_and_variables(void **state)
{
    (void)state;
    expect_clean("COPY INTO @~/orders FROM (SELECT o.k FROM orders o) FILE_FORMAT = (TYPE = CSV);\n"
                 "COPY INTO s.stg FROM (SELECT s.$1, metadata$filename FROM @~ s) PATTERN = '.*csv';\n"
                 "COPY INTO t FROM @%t;",
                 SQL_DIALECT_SNOWFLAKE, "orders;s.stg,t");
    expect_clean("INSERT INTO d SELECT dateadd(day, seq4(), $l_start_dt) AS cal_dt FROM t UNION ALL SELECT $l_null_dt;",
                 SQL_DIALECT_SNOWFLAKE, "t;d");
}

/* Oracle: an object type's body (oc_cre.sql) holds member routines as a package body does */
static void test_oracle_type_body(void **state)
{
    (void)state;
    expect_kinds("CREATE TYPE BODY c AS\n  OVERRIDING MEMBER FUNCTION d RETURN varchar2 IS\n  BEGIN\n    RETURN 'c';\n"
                 "  END;\n  MEMBER FUNCTION g RETURN varchar2 IS\n  BEGIN\n    INSERT INTO a SELECT x FROM b;\n"
                 "    RETURN self.n;\n  END;\nEND;\n/\nSELECT 1 FROM dual;",
                 SQL_DIALECT_ORACLE, "create_function@2,create_function@6,create_type_body@1,select@13");
    expect_clean("CREATE OR REPLACE TYPE BODY c AS\n  STATIC FUNCTION f RETURN number IS\n  BEGIN\n"
                 "    INSERT INTO a SELECT x FROM b;\n    RETURN 1;\n  END;\nEND;\n/",
                 SQL_DIALECT_ORACLE, "b;a");
}

/* T-SQL: a method of a variable (instawdbdw.sql's DDL trigger; hierarchyid) */
static void test_tsql_variable_methods(void **state)
{
    (void)state;
    expect_clean("INSERT INTO log (t, x) VALUES (GETDATE(), @data.value('(/EVENT_INSTANCE/TSQLCommand)[1]', "
                 "'nvarchar(max)'));\nSELECT @h.GetAncestor(1), n FROM t;",
                 SQL_DIALECT_TSQL, "t;log");
}

/* Hive's and Spark's script transforms (Spark's transform.sql): every output column comes from
 * every column the script is given; `key` and `value` when the AS list is left out; TRANSFORM(..)
 * without USING stays Spark's array function. */
static void test_script_transform(void **state)
{
    (void)state;
    expect_cols_of("INSERT INTO o SELECT TRANSFORM(a, b) USING 'cat' AS (x, y string) FROM t;", SQL_DIALECT_SPARKSQL,
                   "o.x<-t.a|t.b o.y<-t.a|t.b");
    expect_cols_of("INSERT INTO o SELECT TRANSFORM(a, b + c)\n  ROW FORMAT DELIMITED FIELDS TERMINATED BY '@'\n"
                   "  NULL DEFINED AS 'NULL'\nUSING 'cat'\n  ROW FORMAT SERDE 'x' WITH SERDEPROPERTIES ('k' = 'v')\n"
                   "  RECORDREADER 'r'\nFROM t;",
                   SQL_DIALECT_SPARKSQL, "o.key<-t.a|t.b|t.c o.value<-t.a|t.b|t.c");
    expect_cols_of(
        "INSERT INTO o SELECT TRANSFORM(a) USING 'cat' AS (d ARRAY<INT>, e MAP<STRING, INT>, f DECIMAL(38, 18)) "
        "FROM t;",
        SQL_DIALECT_SPARKSQL, "o.d<-t.a o.e<-t.a o.f<-t.a");
    expect_cols_of(
        "INSERT INTO o MAP a, b USING 'cat' AS c, d FROM t;\nINSERT INTO o2 REDUCE a USING 'cat' AS (e) FROM t;",
        SQL_DIALECT_HIVE, "o.c<-t.a|t.b o.d<-t.a|t.b o2.e<-t.a");
    expect_cols_of("FROM (SELECT k AS key, v FROM s) src INSERT INTO o MAP src.key, src.v USING 'cat' AS k, w;",
                   SQL_DIALECT_HIVE, "o.k<-s.k|s.v o.w<-s.k|s.v");
    expect_cols_of("WITH tmp AS (SELECT TRANSFORM(a) USING 'cat' AS (b string) FROM t)\n"
                   "INSERT INTO o SELECT t1.b FROM tmp t1 JOIN tmp t2 ON t1.b = t2.b;",
                   SQL_DIALECT_SPARKSQL, "o.b<-t.a");
    expect_cols_of("INSERT INTO o SELECT transform(ys, y -> y * 2) AS v FROM n;", SQL_DIALECT_SPARKSQL, "o.v<-n.ys");
}

/* grammars-v4's PL/SQL examples run together: an empty package took in the statements after it,
 * and a statement it could not read left the error set, so its loop never moved again (two
 * REVOKEs after `CREATE PACKAGE p AS END;` never returned). */
static void test_package_recovery(void **state)
{
    (void)state;
    sql_lineage_t *l = run("CREATE OR REPLACE PACKAGE p AS\nEND;\nREVOKE SELECT ON x FROM oe;\n"
                           "REVOKE SELECT ON y FROM oe;\nINSERT INTO o SELECT * FROM s;",
                           SQL_DIALECT_ORACLE);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->nstatements, 4);
    assert_string_equal(l->statements[0].kind, "create_package");
    assert_int_equal(l->statements[0].reads.n + l->statements[0].writes.n, 0);
    assert_string_equal(l->statements[3].writes.items[0], "o");
    sql_lineage_free(l);
    /* statements of a package's own that cannot be read: each an error, the members after them kept */
    l = run("CREATE OR REPLACE PACKAGE BODY p AS\n  v NUMBER;\n  INSERT INTO;\n  INSERT INTO;\n"
            "  PROCEDURE a IS BEGIN INSERT INTO t SELECT * FROM u; END;\nEND p;\n/\n",
            SQL_DIALECT_ORACLE);
    assert_int_equal(l->nerrors, 2);
    assert_int_equal(l->errors[0].line, 3);
    assert_int_equal(l->errors[1].line, 4);
    assert_int_equal(l->errors[1].column, 14);
    int member = 0;
    for(size_t i = 0; i < l->nstatements; i++)
        member |= l->statements[i].name && strcmp(l->statements[i].name, "p.a") == 0 &&
                  l->statements[i].writes.n == 1 && strcmp(l->statements[i].writes.items[0], "t") == 0;
    assert_true(member);
    sql_lineage_free(l);
}

static char *repeat(const char *a, size_t n, const char *mid, const char *b)
{
    size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
    char *s = malloc(n * (la + lb) + lm + 1);
    size_t o = 0;
    for(size_t i = 0; i < n; i++, o += la)
        memcpy(s + o, a, la);
    memcpy(s + o, mid, lm);
    o += lm;
    for(size_t i = 0; i < n; i++, o += lb)
        memcpy(s + o, b, lb);
    s[o] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* 10,000 nested parentheses: an error, never a stack overflow */
    const char *heads[] = {"SELECT ", "SELECT * FROM ", "SELECT * FROM t WHERE a IN ", "SELECT f"};
    const char *opens[] = {"(", "(", "(SELECT a FROM t WHERE a IN ", "(g"};
    const char *mids[] = {"1", "SELECT 1", "(1", "(1"};
    const char *closes[] = {")", ")", ")", ")"};
    for(size_t k = 0; k < 4; k++) {
        char *body = repeat(opens[k], 10000, mids[k], closes[k]);
        size_t len = strlen(heads[k]) + strlen(body) + 32;
        char *sql = malloc(len);
        snprintf(sql, len, "%s%s; INSERT INTO x SELECT * FROM y", heads[k], body);
        sql_lineage_t *l = run(sql, SQL_DIALECT_ANSI);
        assert_true(l->nerrors >= 1);
        assert_non_null(strstr(l->errors[0].message, "too deep"));
        /* the statement after it is still processed */
        assert_string_equal(l->statements[l->nstatements - 1].writes.items[0], "x");
        sql_lineage_free(l);
        free(sql);
        free(body);
    }
    /* DuckDB's prefix aliases and PIVOT over PIVOT recurse too (sql27) */
    const char *ducks[][3] = {{"a: ", "t", ""}, {"(PIVOT ", "t", ")"}};
    for(size_t k = 0; k < 2; k++) {
        char *body = repeat(ducks[k][0], 10000, ducks[k][1], ducks[k][2]);
        size_t len = strlen(body) + 64;
        char *sql = malloc(len);
        snprintf(sql, len, "SELECT * FROM %s; INSERT INTO x SELECT * FROM y", body);
        sql_lineage_t *l = run(sql, SQL_DIALECT_DUCKDB);
        assert_non_null(strstr(l->errors[0].message, "too deep"));
        assert_string_equal(l->statements[l->nstatements - 1].writes.items[0], "x");
        sql_lineage_free(l);
        free(sql);
        free(body);
    }
    /* CASE nesting is iterative: no limit needed */
    char *cases = repeat("CASE WHEN a = 1 THEN ", 10000, "1", " END");
    size_t clen = strlen(cases) + 64;
    char *csql = malloc(clen);
    snprintf(csql, clen, "INSERT INTO x SELECT %s AS c FROM y", cases);
    sql_lineage_t *cl = run(csql, SQL_DIALECT_ANSI);
    assert_int_equal(cl->nerrors, 0);
    assert_string_equal(cl->statements[0].columns[0].target, "x.c");
    sql_lineage_free(cl);
    free(csql);
    free(cases);
    /* moderate nesting is fine */
    char *ok = repeat("(", 100, "SELECT * FROM t", ")");
    sql_lineage_t *l = run(ok, SQL_DIALECT_ANSI);
    assert_int_equal(l->nerrors, 0);
    assert_string_equal(l->sources.items[0], "t");
    sql_lineage_free(l);
    free(ok);
}

/* Edge inputs, and the place for crashers found by tests/fuzz/fuzz_sql.c; first byte = dialect. */
static const char *const crashers[] = {
    "\x03SELECT [",
    "\x02$a",
    "\x01SELECT CASE WHEN END END END",
    "\x07CREATE PROCEDURE p IS BEGIN END END END; /",
    "\x01WITH a AS (SELECT 1) , ",
    "\x05SELECT * FROM a-",
    "\x01SELECT \"",
    "\x01INSERT INTO t (a, b VALUES",
    "\x0aSELECT * FROM parquet.`x",
    "\x01UPDATE t SET",
    "\x01MERGE INTO t USING s ON 1 WHEN",
};

static void test_crashers(void **state)
{
    (void)state;
    for(size_t i = 0; i < sizeof crashers / sizeof crashers[0]; i++) {
        const char *s = crashers[i];
        sql_lineage_t *l = NULL;
        assert_int_equal(
            sql_lineage_parse(s + 1, strlen(s + 1), (sql_dialect_t)(s[0] % (SQL_DIALECT_DATABRICKS + 1)), &l), 0);
        json_t *j = sql_lineage_to_json(l, "x");
        assert_non_null(j);
        json_decref(j);
        sql_lineage_free(l);
    }
}

/* Findings of tests/fuzz/fuzz_sql.c, one test each. A hang would stop ctest only after its
 * timeout, so an alarm ends the process at a bound no correct run comes near. */
static void test_fuzz_identifier_in_column_list(void **state)
{
    (void)state;
    /* IDENTIFIER( without a well-formed argument list in an INSERT column list: the column
     * list loop waited for a name that the name parser refused to consume, for ever */
    const char *cases[] = {
        "INSERT INTO t (IDENTIFIER() ) VALUES (1)",
        "INSERT INTO t (a, IDENTIFIER(x y z w v u t s r) ) VALUES (1)",
    };
    alarm(30);
    for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sql_lineage_t *l = run(cases[i], SQL_DIALECT_SNOWFLAKE);
        assert_int_equal(l->nstatements, 1);
        assert_string_equal(l->statements[0].writes.items[0], "t");
        sql_lineage_free(l);
    }
    alarm(0);
}

/* The schema keeps a table's columns in one block behind their pointers: names whole and in order,
 * NULL as "", a put of the table's own columns (ALTER TABLE's) read before the old block goes,
 * a table without columns, and tables beyond the buckets' count each with its own. */
static void test_schema_blocks(void **state)
{
    (void)state;
    sql_schema_t *s = sql_schema_new();
    assert_non_null(s);
    char *cols[] = {"id", NULL, "a_column_name_longer_than_sixteen_bytes"};
    assert_int_equal(sql_schema_put(s, "t", cols, 3), 0);
    size_t n = 9;
    char *const *got = sql_schema_get(s, "t", &n);
    assert_int_equal(n, 3);
    assert_string_equal(got[0], "id");
    assert_string_equal(got[1], "");
    assert_string_equal(got[2], "a_column_name_longer_than_sixteen_bytes");
    char *own[] = {got[2], got[0]};
    assert_int_equal(sql_schema_put(s, "t", own, 2), 0);
    got = sql_schema_get(s, "t", &n);
    assert_int_equal(n, 2);
    assert_string_equal(got[0], "a_column_name_longer_than_sixteen_bytes");
    assert_string_equal(got[1], "id");
    assert_int_equal(sql_schema_put(s, "empty", NULL, 0), 0);
    assert_non_null(sql_schema_get(s, "empty", &n));
    assert_int_equal(n, 0);
    char table[32], col[32];
    for(int i = 0; i < 10000; i++) {
        snprintf(table, sizeof table, "s.t%d", i);
        snprintf(col, sizeof col, "c%d", i);
        char *one[] = {col};
        assert_int_equal(sql_schema_put(s, table, one, 1), 0);
    }
    for(int i = 0; i < 10000; i++) {
        snprintf(table, sizeof table, "s.t%d", i);
        snprintf(col, sizeof col, "c%d", i);
        got = sql_schema_get(s, table, &n);
        assert_non_null(got);
        assert_int_equal(n, 1);
        assert_string_equal(got[0], col);
    }
    assert_null(sql_schema_get(s, "s.t10000", &n));
    assert_int_equal(n, 0);
    sql_schema_free(s);
}

static void test_fuzz_star_of_redefined_table(void **state)
{
    (void)state;
    /* SELECT * over a table the schema knows took the schema's own column strings as output
     * names; the CREATE TABLE .. AS that redefines that table replaced them and then read
     * them (heap use after free under ASan) */
    sql_lineage_t *l = run("CREATE TABLE t (a INT, b INT);\nCREATE TABLE t AS SELECT * FROM t;", SQL_DIALECT_ANSI);
    assert_int_equal(l->nstatements, 2);
    const sql_statement_t *st = &l->statements[1];
    assert_int_equal(st->defines.n, 2);
    assert_string_equal(st->defines.items[0], "t.a");
    assert_string_equal(st->defines.items[1], "t.b");
    assert_int_equal(st->ncolumns, 2);
    assert_string_equal(st->columns[0].target, "t.a");
    assert_string_equal(st->columns[0].sources.items[0], "t.a");
    sql_lineage_free(l);
}

/* Out of memory at every allocation point: an error code, no leak, no crash. */
/* Found through the sql-metadata and JSqlParser corpora (tests/corpus/SOURCE.md). */
static void test_corpus_finds(void **state)
{
    (void)state;
    /* OpenLineage's second round: a URL in double quotes is a location, not a table; Postgres'
     * INSERT needs INTO (MySQL's does not) */
    expect_clean("COPY INTO my_company.emp_basic FROM \"s3://mybucket/./../a.csv\"", SQL_DIALECT_SNOWFLAKE,
                 ";my_company.emp_basic");
    expect_rw("INSERT ALSO FAILING", SQL_DIALECT_POSTGRES, ";");
    expect_errors("INSERT ALSO FAILING", 19, SQL_DIALECT_POSTGRES, "1:expected INTO after INSERT near 'ALSO'");
    expect_clean("INSERT t VALUES (1)", SQL_DIALECT_MYSQL, ";t");
    /* a DELETE filtered through a CTE over a table has a source; MySQL's DELETE of two joined
     * tables writes both, each filtered by the other */
    expect_clean("WITH c AS (SELECT id FROM t2) DELETE FROM t1 WHERE id IN (SELECT id FROM c)", SQL_DIALECT_ANSI,
                 "t2;t1");
    expect_clean("WITH c AS (SELECT 1 AS id) DELETE FROM t1 WHERE id IN (SELECT id FROM c)", SQL_DIALECT_ANSI, ";");
    expect_clean("DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id", SQL_DIALECT_MYSQL, "t1,t2;t1,t2");
    expect_clean("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id", SQL_DIALECT_MYSQL, "t2;t1");
    expect_clean("DELETE t1 FROM t1 WHERE a = 1", SQL_DIALECT_TSQL, ";");
    /* SELECT .. INTO a, b assigns variables: no statement creates two tables */
    expect_clean("SELECT c1, c2 INTO var1, var2 FROM t", SQL_DIALECT_ANSI, "t;");
    expect_clean("SELECT c1 INTO t2 FROM t", SQL_DIALECT_ANSI, "t;t2");
    /* Redshift APPEND FROM moves rows; REFRESH MATERIALIZED VIEW computes a view's rows again */
    expect_clean("ALTER TABLE x APPEND FROM s.y IGNOREEXTRA", SQL_DIALECT_REDSHIFT, "s.y;x");
    expect_clean("REFRESH MATERIALIZED VIEW CONCURRENTLY s.v WITH DATA", SQL_DIALECT_POSTGRES, ";s.v");
    /* Postgres data-modifying CTEs: the rows a DELETE returns go on into the INSERT */
    expect_clean("WITH d AS (DELETE FROM a WHERE ts < now() RETURNING *) INSERT INTO b SELECT * FROM d",
                 SQL_DIALECT_POSTGRES, "a;a,b");
    expect_cols_of("WITH d AS (DELETE FROM a RETURNING id) INSERT INTO b (id) SELECT id FROM d", SQL_DIALECT_POSTGRES,
                   "b.id<-a.id");
    expect_clean("WITH u AS (UPDATE t SET x = s.y FROM s WHERE t.k = s.k RETURNING t.k) SELECT count(*) FROM u",
                 SQL_DIALECT_POSTGRES, "s,t;t");
    /* Trino inline functions before the query; CONNECT_BY_ROOT is an operator */
    expect_clean("WITH FUNCTION f(a INT) RETURNS INT RETURN a + 1, c AS (SELECT x FROM t1) SELECT f(x) FROM c",
                 SQL_DIALECT_TRINO, "t1;");
    expect_clean("SELECT CONNECT_BY_ROOT last_name AS n FROM emp CONNECT BY PRIOR id = mgr", SQL_DIALECT_ANSI, "emp;");
    /* a glued @: a database link outside Oracle too; a Delta version in Databricks */
    expect_clean("SELECT * FROM t1@remote", SQL_DIALECT_ANSI, "t1@remote;");
    expect_clean("SELECT * FROM t1@v12", SQL_DIALECT_DATABRICKS, "t1;");
    /* ((SELECT ..) x JOIN (SELECT ..) y ON ..) is a join, ((SELECT ..) UNION (SELECT ..)) a query */
    expect_clean("SELECT * FROM ((SELECT a FROM t1) x LEFT JOIN (SELECT b FROM t2) y ON x.a = y.b) z", SQL_DIALECT_ANSI,
                 "t1,t2;");
    expect_clean("SELECT * FROM ((SELECT a FROM t1) UNION (SELECT a FROM t2)) z", SQL_DIALECT_ANSI, "t1,t2;");
    /* names that start with digits (MySQL, Hive), also after a qualifier; Spark's 10L stays a number */
    expect_clean("SELECT t.val FROM 0020_big_table AS t JOIN db.2023_sales s ON t.id = s.id", SQL_DIALECT_ANSI,
                 "0020_big_table,db.2023_sales;");
    expect_cols_of("SELECT 10L AS n, 1st_col FROM t", SQL_DIALECT_SPARKSQL, "1st_col<-t.1st_col");
    /* generic SQL: MySQL's '# ' comments, iBATIS #p# and MyBatis #{p} parameters */
    expect_clean("SELECT * # all\nFROM foo # the table\nWHERE a = #p# AND b = #{q}", SQL_DIALECT_ANSI, "foo;");
    /* UNNEST(a, b) WITH ORDINALITY AS u(x, y, n): x from a, y from b, n from nothing (Trino) */
    expect_cols_of("SELECT x, y, n FROM t CROSS JOIN UNNEST(t.a, t.b) WITH ORDINALITY AS u(x, y, n)", SQL_DIALECT_TRINO,
                   "x<-t.a y<-t.b");
    expect_cols_of("SELECT x, y FROM t CROSS JOIN UNNEST(t.rows) AS u(x, y)", SQL_DIALECT_TRINO, "x<-t.rows y<-t.rows");
    /* a recursive CTE's SEARCH .. SET col and CYCLE .. SET col name columns, not statements */
    expect_clean("WITH RECURSIVE s(id) AS (SELECT id FROM t UNION ALL SELECT t.id FROM t, s WHERE t.p = s.id) "
                 "SEARCH DEPTH FIRST BY id SET ord SELECT * FROM s",
                 SQL_DIALECT_POSTGRES, "t;");
    /* BigQuery pipe syntax: the tables of its joins and subqueries are read */
    expect_clean("FROM t1 |> WHERE id IN (SELECT id FROM t2) |> LEFT JOIN (SELECT id FROM t3) AS x USING (id) "
                 "|> UNION ALL (SELECT * FROM t4) |> SELECT id",
                 SQL_DIALECT_BIGQUERY, "t1,t2,t3,t4;");
    expect_clean("INSERT INTO o SELECT a FROM t |> WHERE (b IN (SELECT b FROM u)) |> JOIN v USING (k)",
                 SQL_DIALECT_BIGQUERY, "t,u,v;o");
    /* a qualified CTE name (sql-metadata's WITH db.x AS (..)) is no table */
    expect_clean("WITH db.x AS (SELECT * FROM t3) SELECT * FROM db.x JOIN t4 ON db.x.a = t4.a", SQL_DIALECT_ANSI,
                 "t3,t4;");
}

static void test_out_of_memory(void **state)
{
    (void)state;
    const char *sql = "WITH c AS (SELECT a, b FROM s) INSERT INTO t (x, y) SELECT a, b FROM c JOIN u ON c.a = u.a;"
                      "CREATE TABLE d (p INT, q INT); INSERT INTO e SELECT * FROM d; ALTER TABLE e RENAME TO f;";
    int failures = 0;
    for(long n = 0; n < 400; n++) {
        util_alloc_fail_after(n);
        sql_lineage_t *l = NULL;
        int rc = sql_lineage_parse(sql, strlen(sql), SQL_DIALECT_ANSI, &l);
        util_alloc_fail_after(-1);
        if(rc == 0) {
            sql_lineage_free(l);
            break;
        }
        assert_int_equal(rc, SQL_ERR_NOMEM);
        assert_null(l);
        failures++;
    }
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_shapes),
        cmocka_unit_test(test_dropped_syntax),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_dml),
        cmocka_unit_test(test_ddl),
        cmocka_unit_test(test_routines),
        cmocka_unit_test(test_routine_flows),
        cmocka_unit_test(test_flow_limit),
        cmocka_unit_test(test_splitting),
        cmocka_unit_test(test_unclosed_paren),
        cmocka_unit_test(test_errors_keep_going),
        cmocka_unit_test(test_no_silent_drop),
        cmocka_unit_test(test_accounting_finds),
        cmocka_unit_test(test_dml_in_from),
        cmocka_unit_test(test_writable_ctes),
        cmocka_unit_test(test_upserts),
        cmocka_unit_test(test_dialect_clauses),
        cmocka_unit_test(test_routine_variables),
        cmocka_unit_test(test_variable_shadowing),
        cmocka_unit_test(test_nested_with_dml),
        cmocka_unit_test(test_sqlglot_fixtures_finds),
        cmocka_unit_test(test_sqlglot_dialect_tests_finds),
        cmocka_unit_test(test_rules_and_macros),
        cmocka_unit_test(test_postgres_regress_finds),
        cmocka_unit_test(test_spark_sql_tests_finds),
        cmocka_unit_test(test_for_portion_of),
        cmocka_unit_test(test_psql_variables),
        cmocka_unit_test(test_pipe_columns),
        cmocka_unit_test(test_spark_identifier_clause),
        cmocka_unit_test(test_psql_send_mid_line),
        cmocka_unit_test(test_spark_intervals_and_shift),
        cmocka_unit_test(test_snowflake_stages_and_variables),
        cmocka_unit_test(test_oracle_type_body),
        cmocka_unit_test(test_tsql_variable_methods),
        cmocka_unit_test(test_script_transform),
        cmocka_unit_test(test_package_recovery),
        cmocka_unit_test(test_client_scripts),
        cmocka_unit_test(test_pivot_columns),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_crashers),
        cmocka_unit_test(test_fuzz_identifier_in_column_list),
        cmocka_unit_test(test_fuzz_star_of_redefined_table),
        cmocka_unit_test(test_corpus_finds),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_name_case),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_flows_once),
        cmocka_unit_test(test_schema_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
