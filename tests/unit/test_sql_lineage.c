/* Column lineage, file-level roles, JSON shape and streaming input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/lineage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sql_lineage_t *run(const char *sql, sql_dialect_t d)
{
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_parse(sql, strlen(sql), d, &l), 0);
    return l;
}

/* "target<-s1|s2 target2<-s3" over all statements. */
static void columns(const sql_lineage_t *l, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for(size_t i = 0; i < l->nstatements; i++) {
        const sql_statement_t *st = &l->statements[i];
        for(size_t k = 0; k < st->ncolumns; k++) {
            o += (size_t)snprintf(out + o, cap - o, "%s%s<-", o ? " " : "", st->columns[k].target);
            for(size_t m = 0; m < st->columns[k].sources.n; m++)
                o += (size_t)snprintf(out + o, cap - o, "%s%s", m ? "|" : "", st->columns[k].sources.items[m]);
        }
    }
}

static void expect_cols(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[4096];
    columns(l, got, sizeof got);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

static void list(const sql_strlist_t *s, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for(size_t i = 0; i < s->n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", s->items[i]);
}

static void expect_roles(const char *sql, const char *sources, const char *targets, const char *intermediates)
{
    sql_lineage_t *l = run(sql, SQL_DIALECT_ANSI);
    char s[512], t[512], m[512];
    list(&l->sources, s, sizeof s);
    list(&l->targets, t, sizeof t);
    list(&l->intermediates, m, sizeof m);
    if(strcmp(s, sources) || strcmp(t, targets) || strcmp(m, intermediates))
        fail_msg("%s\n  want %s / %s / %s\n  got  %s / %s / %s", sql, sources, targets, intermediates, s, t, m);
    sql_lineage_free(l);
}

static void test_column_lineage(void **state)
{
    (void)state;
    expect_cols("INSERT INTO t SELECT a.x AS y, b.z, a.x + b.w AS s FROM s1 a JOIN s2 b ON a.k = b.k", SQL_DIALECT_ANSI,
                "t.s<-s1.x|s2.w t.y<-s1.x t.z<-s2.z");
    expect_cols("INSERT INTO t (p, q) WITH c AS (SELECT x, y + 1 AS y FROM s) SELECT x, y FROM (SELECT * FROM c) d",
                SQL_DIALECT_ANSI, "t.p<-s.x t.q<-s.y");
    /* COUNT(*) reads no column */
    expect_cols("CREATE VIEW v AS SELECT COALESCE(a, b) AS c, COUNT(*) AS n, COUNT(x.*) AS m FROM s x GROUP BY 1",
                SQL_DIALECT_ANSI, "v.c<-s.a|s.b v.m<-s.* v.n<-");
    /* a column nothing feeds is still a column of the view or table the query defines */
    expect_cols("CREATE VIEW v AS SELECT k, count(*) AS n FROM t GROUP BY k", SQL_DIALECT_ANSI, "v.k<-t.k v.n<-");
    expect_cols("CREATE VIEW v (a, b, c) AS SELECT k, 1, current_date FROM t", SQL_DIALECT_POSTGRES,
                "v.a<-t.k v.b<- v.c<-");
    expect_cols("CREATE TABLE c AS SELECT k, 'x' AS tag FROM t", SQL_DIALECT_ANSI, "c.k<-t.k c.tag<-");
    expect_cols("ALTER VIEW v AS SELECT now() AS at", SQL_DIALECT_ANSI, "v.at<-");
    /* but an INSERT's constant feeds a column defined elsewhere: no lineage */
    expect_cols("INSERT INTO c SELECT k, 'x' FROM t", SQL_DIALECT_ANSI, "c.k<-t.k");
    expect_cols("INSERT INTO t SELECT * FROM s", SQL_DIALECT_ANSI, "t.*<-s.*");
    /* `*` is expanded when earlier DDL defines the columns */
    expect_cols("CREATE TABLE s (a INT, b TEXT); INSERT INTO t SELECT * FROM s", SQL_DIALECT_ANSI, "t.a<-s.a t.b<-s.b");
    expect_cols("CREATE TABLE t (p INT, q INT); INSERT INTO t SELECT x, y FROM s", SQL_DIALECT_ANSI,
                "t.p<-s.x t.q<-s.y");
    expect_cols("UPDATE t SET a = s.b, c = s.d || t.c FROM s WHERE s.id = t.id", SQL_DIALECT_POSTGRES,
                "t.a<-s.b t.c<-s.d|t.c");
    expect_cols("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v "
                "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v + 1)",
                SQL_DIALECT_ANSI, "t.k<-s.k t.v<-s.v");
    expect_cols("INSERT INTO t SELECT x FROM s1 UNION ALL SELECT y FROM s2", SQL_DIALECT_ANSI, "t.x<-s1.x|s2.y");
    /* an unexpanded * has no position to line up with known columns */
    expect_cols("CREATE TABLE a (x INT, y INT); INSERT INTO t SELECT * FROM a UNION ALL SELECT * FROM b",
                SQL_DIALECT_ANSI, "t.x<-a.x t.y<-a.y");
    expect_cols("INSERT INTO t SELECT \"Mixed\" AS m, col::date, CAST(d AS int) FROM s", SQL_DIALECT_POSTGRES,
                "t.CAST(d as int)<-s.d t.col<-s.col t.m<-s.Mixed");
    expect_cols("INSERT INTO t SELECT total = SUM(amount) FROM s", SQL_DIALECT_TSQL, "t.total<-s.amount");
    expect_cols("INSERT INTO t SELECT (SELECT max(v) FROM u) AS m, k FROM s", SQL_DIALECT_ANSI, "t.k<-s.k t.m<-u.v");
}

/* Every statement that produces rows has column lineage; a plain SELECT's targets have no table. */
static void test_select_columns(void **state)
{
    (void)state;
    expect_cols("SELECT a FROM s", SQL_DIALECT_ANSI, "a<-s.a");
    expect_cols("SELECT x.a AS k, sum(y.v) total FROM s x JOIN t y ON x.id = y.id GROUP BY x.a", SQL_DIALECT_ANSI,
                "k<-s.a total<-t.v");
    expect_cols("WITH c AS (SELECT a, b FROM s) SELECT a + b AS ab, * FROM c", SQL_DIALECT_ANSI,
                "a<-s.a ab<-s.a|s.b b<-s.b");
    expect_cols("SELECT * FROM s", SQL_DIALECT_ANSI, "*<-s.*");
    expect_cols("SELECT 1 AS one", SQL_DIALECT_ANSI, "");
    /* a bind variable names the column, folded like any unquoted name */
    expect_cols("SELECT PARSE_JSON(j) AS :userInfo FROM s", SQL_DIALECT_SNOWFLAKE, "userinfo<-s.j");
    /* T-SQL SELECT .. INTO writes the new table */
    expect_cols("SELECT a, b + 1 AS c INTO #tmp FROM s", SQL_DIALECT_TSQL, "#tmp.a<-s.a #tmp.c<-s.b");
    expect_cols("SELECT a INTO new_t FROM s", SQL_DIALECT_POSTGRES, "new_t.a<-s.a");
    /* inside a routine a SELECT returns rows to the caller: no targets */
    expect_cols("CREATE PROCEDURE p AS BEGIN SELECT a FROM s; END", SQL_DIALECT_TSQL, "");
}

static void expect_sources(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[512];
    list(&l->sources, got, sizeof got);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

/* What the public golden corpora found (tests/corpus/SOURCE.md). */
static void test_golden_fixes(void **state)
{
    (void)state;
    /* struct field paths: through an alias, a full table name, or a column known from DDL */
    expect_cols("SELECT a.widget.color AS c FROM ds.t a", SQL_DIALECT_BIGQUERY, "c<-ds.t.widget.color");
    expect_cols("SELECT db.s.t.f.x AS v, db.s.t.id FROM db.s.t", SQL_DIALECT_SNOWFLAKE, "id<-db.s.t.id v<-db.s.t.f.x");
    expect_cols("CREATE TABLE t (id INT, w INT); SELECT w.a.id AS k FROM t", SQL_DIALECT_BIGQUERY, "k<-t.w.a.id");
    expect_cols("SELECT d.w.x AS v FROM (SELECT w FROM t) d", SQL_DIALECT_BIGQUERY, "v<-t.w");
    /* a table whose columns are all known does not have the others: they belong to the outer
     * query, or to nothing here */
    expect_cols("CREATE TABLE u (k INT); SELECT (SELECT max(k + x) FROM u) AS m FROM s", SQL_DIALECT_ANSI,
                "m<-s.x|u.k");
    expect_cols("CREATE TABLE t (a INT); SELECT greatest(a, b) AS g FROM t", SQL_DIALECT_MYSQL, "g<-b|t.a");
    /* Snowflake SEMANTIC_VIEW(v ..): the outer columns are v's */
    expect_cols("SELECT a, b FROM SEMANTIC_VIEW(db.sv DIMENSIONS a METRICS b) WHERE a > 1", SQL_DIALECT_SNOWFLAKE,
                "a<-db.sv.a b<-db.sv.b");
    /* ClickHouse dictGet with the dictionary named without quotes */
    expect_cols("SELECT dictGet(default.d, 'name', k) AS n FROM e", SQL_DIALECT_CLICKHOUSE, "n<-e.k");
    expect_sources("SELECT dictGetOrDefault(default.d, 'name', k, 'x') AS n, dictGet(d2, 'a', k) FROM e",
                   SQL_DIALECT_CLICKHOUSE, "d2,default.d,e");
    /* Teradata: SEL, EQ/NE/.. operators, MINUS */
    sql_dialect_t td = SQL_DIALECT_ANSI;
    assert_int_equal(sql_dialect_from_name("teradata", &td), 0);
    assert_int_equal(td, SQL_DIALECT_TERADATA);
    assert_string_equal(sql_dialect_name(td), "teradata");
    expect_cols("sel a, b from db.t where a eq 'x' and b ne 2 minus select a, b from db.u", td,
                "a<-db.t.a|db.u.a b<-db.t.b|db.u.b");
    expect_sources("SEL * FROM db.t WHERE x GT 1; INSERT INTO db.o SEL a FROM db.s", td, "db.s,db.t");
    /* `*` with EXCLUDE/EXCEPT, RENAME, REPLACE, ILIKE over known columns */
    expect_cols("WITH d AS (SELECT id, secret, x FROM t) SELECT * EXCLUDE (secret) RENAME (X AS y) FROM d",
                SQL_DIALECT_SNOWFLAKE, "id<-t.id y<-t.x");
    expect_cols("WITH d AS (SELECT id, secret FROM t) SELECT * EXCEPT (secret) FROM d", SQL_DIALECT_BIGQUERY,
                "id<-t.id");
    expect_cols("CREATE TABLE t (id INT, x INT); SELECT * REPLACE (u.v * 2 AS x) FROM t JOIN u ON t.id = u.id",
                SQL_DIALECT_DUCKDB, "*<-u.* id<-t.id x<-u.v");
    expect_cols("WITH d AS (SELECT user_id, name, order_id FROM t) SELECT * ILIKE '%_ID' FROM d", SQL_DIALECT_SNOWFLAKE,
                "order_id<-t.order_id user_id<-t.user_id");
    expect_cols("SELECT * EXCLUDE (a) FROM t", SQL_DIALECT_DUCKDB, "*<-t.*");
    /* a table function over columns: its output columns come from its arguments */
    expect_cols("INSERT INTO o SELECT c.id, j.value FROM c CROSS APPLY OPENJSON(c.payload) AS j", SQL_DIALECT_TSQL,
                "o.id<-c.id o.value<-c.payload");
    expect_cols("INSERT INTO o SELECT a.id, g.n FROM a CROSS JOIN generate_series(1, 3) AS g", SQL_DIALECT_POSTGRES,
                "o.id<-a.id");
    /* ClickHouse CREATE DICTIONARY: written from its SOURCE table or query */
    expect_sources("CREATE DICTIONARY IF NOT EXISTS db.d (k UInt64, v String) PRIMARY KEY k "
                   "SOURCE(CLICKHOUSE(HOST 'h' PORT 9000 TABLE 'users' DB 'db')) LAYOUT(HASHED()) LIFETIME(300); "
                   "CREATE DICTIONARY e (k UInt64) PRIMARY KEY k SOURCE(CLICKHOUSE(QUERY 'SELECT k FROM db.a JOIN b "
                   "USING (k)')) LAYOUT(FLAT()) LIFETIME(0)",
                   SQL_DIALECT_CLICKHOUSE, "b,db.a,db.users");
    sql_lineage_t *dl = run("CREATE DICTIONARY db.d (k UInt64) PRIMARY KEY k SOURCE(MYSQL(db 'shop' table 'items'))",
                            SQL_DIALECT_CLICKHOUSE);
    assert_int_equal(dl->nstatements, 1);
    assert_string_equal(dl->statements[0].kind, "create_dictionary");
    assert_int_equal(dl->statements[0].writes.n, 1);
    assert_string_equal(dl->statements[0].writes.items[0], "db.d");
    assert_string_equal(dl->statements[0].reads.items[0], "shop.items");
    sql_lineage_free(dl);
    /* IDENTIFIER() of a bind parameter names no table; a session variable is kept as written */
    expect_sources("SELECT a FROM identifier(:t); SELECT a FROM identifier(?) JOIN s ON s.k = 1; "
                   "INSERT INTO identifier(:s || '.' || :t) SELECT b FROM u; SELECT a FROM identifier($v)",
                   SQL_DIALECT_SNOWFLAKE, "$v,s,u");
    /* T-SQL table hints without WITH */
    expect_sources("SELECT a.x FROM dbo.a(FASTFIRSTROW) JOIN dbo.b(FORCESCAN) ON a.k = b.k", SQL_DIALECT_TSQL,
                   "dbo.a,dbo.b");
}

/* "target<-source:SUBTYPE|.. ; indirect source:SUBTYPE .." over all statements. */
static void transformations(const sql_lineage_t *l, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for(size_t i = 0; i < l->nstatements; i++) {
        const sql_statement_t *st = &l->statements[i];
        for(size_t k = 0; k < st->ncolumns; k++) {
            const sql_column_lineage_t *c = &st->columns[k];
            o += (size_t)snprintf(out + o, cap - o, "%s%s<-", o ? " " : "", c->target);
            for(size_t m = 0; m < c->ntransformations; m++) {
                const sql_transformation_t *x = &c->transformations[m];
                assert_string_equal(x->type, strcmp(x->subtype, "IDENTITY") == 0 ||
                                                     strcmp(x->subtype, "TRANSFORMATION") == 0 ||
                                                     strcmp(x->subtype, "AGGREGATION") == 0
                                                 ? "DIRECT"
                                                 : "INDIRECT");
                o += (size_t)snprintf(out + o, cap - o, "%s%s:%s", m ? "|" : "", x->source, x->subtype);
            }
        }
        if(st->nindirect)
            o += (size_t)snprintf(out + o, cap - o, "%s;", o ? " " : "");
        for(size_t k = 0; k < st->nindirect; k++)
            o += (size_t)snprintf(out + o, cap - o, " %s:%s", st->indirect[k].source, st->indirect[k].subtype);
    }
}

static void expect_xf(const char *sql, sql_dialect_t d, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[4096];
    transformations(l, got, sizeof got);
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

static void test_transformation_types(void **state)
{
    (void)state;
    expect_xf("INSERT INTO t SELECT a, a + 1 AS b, SUM(c) AS c, CAST(d AS int) AS d FROM s", SQL_DIALECT_ANSI,
              "t.a<-s.a:IDENTITY t.b<-s.a:TRANSFORMATION t.c<-s.c:AGGREGATION t.d<-s.d:TRANSFORMATION");
    /* CASE conditions and IF's first argument decide, the branches transform */
    expect_xf(
        "SELECT CASE WHEN k > 0 THEN v ELSE w END AS x, CASE k WHEN 1 THEN v END AS y, IF(k = 1, v, 0) AS z FROM s",
        SQL_DIALECT_ANSI,
        "x<-s.k:CONDITIONAL|s.v:TRANSFORMATION|s.w:TRANSFORMATION "
        "y<-s.k:CONDITIONAL|s.v:TRANSFORMATION z<-s.k:CONDITIONAL|s.v:TRANSFORMATION");
    /* a column used as a value and as a condition is both */
    expect_xf("SELECT CASE WHEN v > 0 THEN v END AS x FROM s", SQL_DIALECT_ANSI,
              "x<-s.v:TRANSFORMATION|s.v:CONDITIONAL");
    /* window partitions and orders affect the one column */
    expect_xf("SELECT ROW_NUMBER() OVER (PARTITION BY g ORDER BY o) AS rn, SUM(v) OVER (PARTITION BY g) AS sv FROM s",
              SQL_DIALECT_ANSI, "rn<-s.g:WINDOW|s.o:WINDOW sv<-s.g:WINDOW|s.v:AGGREGATION");
    /* joins, filters, grouping and sorting affect every output */
    expect_xf("SELECT a.k, COUNT(*) AS n FROM s a JOIN t b ON a.id = b.id WHERE b.flag = 1 GROUP BY a.k "
              "HAVING MAX(b.v) > 2 ORDER BY n",
              SQL_DIALECT_ANSI, "k<-s.k:IDENTITY ; s.id:JOIN s.k:GROUP_BY t.flag:FILTER t.id:JOIN t.v:FILTER");
    expect_xf("SELECT a FROM s ORDER BY b", SQL_DIALECT_ANSI, "a<-s.a:IDENTITY ; s.b:SORT");
    expect_xf("SELECT a FROM s JOIN t USING (id) WHERE a IN (SELECT x FROM u)", SQL_DIALECT_ANSI,
              "a<-a:IDENTITY ; a:FILTER id:JOIN u.x:FILTER");
    /* through subqueries and CTEs the strongest direct use wins */
    expect_xf("WITH c AS (SELECT k, SUM(v) AS total FROM s GROUP BY k) INSERT INTO t SELECT k, total * 2 AS t2 FROM c",
              SQL_DIALECT_ANSI, "t.k<-s.k:IDENTITY t.t2<-s.v:AGGREGATION ; s.k:GROUP_BY");
    expect_xf("SELECT x FROM (SELECT CASE WHEN f THEN a END AS x FROM s) d", SQL_DIALECT_ANSI,
              "x<-s.a:TRANSFORMATION|s.f:CONDITIONAL");
    expect_xf("SELECT (SELECT MAX(v) FROM u WHERE u.k = s.k) AS m FROM s", SQL_DIALECT_ANSI,
              "m<-u.v:AGGREGATION ; s.k:FILTER u.k:FILTER");
    expect_xf("SELECT a FROM s UNION SELECT b FROM t ORDER BY a", SQL_DIALECT_ANSI,
              "a<-s.a:IDENTITY|t.b:IDENTITY ; s.a:SORT t.b:SORT");
    /* COUNT(*) has no source; FILTER (WHERE ..) decides */
    expect_xf("SELECT COUNT(*) FILTER (WHERE ok) AS n FROM s", SQL_DIALECT_POSTGRES, "n<-s.ok:CONDITIONAL");
    expect_xf("UPDATE t SET a = s.b + 1 FROM s WHERE s.id = t.id", SQL_DIALECT_POSTGRES,
              "t.a<-s.b:TRANSFORMATION ; s.id:FILTER t.id:FILTER");
    /* SET c = s.c and MERGE's INSERT VALUES (s.c) copy a value as is, like a bare select item */
    expect_xf("UPDATE t SET a = s.b, c = (s.c) FROM s WHERE s.id = t.id", SQL_DIALECT_POSTGRES,
              "t.a<-s.b:IDENTITY t.c<-s.c:TRANSFORMATION ; s.id:FILTER t.id:FILTER");
    expect_xf("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v, w = upper(s.w) "
              "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
              SQL_DIALECT_ANSI, "t.id<-s.id:IDENTITY t.v<-s.v:IDENTITY t.w<-s.w:TRANSFORMATION ; s.id:JOIN t.id:JOIN");
    /* MERGE's ON keys decide which target rows change, as an UPDATE's WHERE does; a branch's
     * own conditions filter */
    expect_xf("MERGE INTO t USING (SELECT k, v, ts FROM s WHERE ok) u ON t.k = u.k AND t.region = 'eu'\n"
              "WHEN MATCHED AND u.v IS NULL THEN DELETE\n"
              "WHEN MATCHED AND t.ts < u.ts THEN UPDATE SET v = u.v\n"
              "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (u.k, u.v)",
              SQL_DIALECT_POSTGRES,
              "t.k<-s.k:IDENTITY t.v<-s.v:IDENTITY ; s.k:JOIN s.ok:FILTER s.ts:FILTER s.v:FILTER t.k:JOIN"
              " t.region:JOIN t.ts:FILTER");
    expect_xf("MERGE INTO t USING s ON (t.k = s.k) WHEN MATCHED THEN UPDATE SET t.v = s.v WHERE s.live = 1\n"
              "DELETE WHERE t.gone = 1 WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k) WHERE s.new = 1",
              SQL_DIALECT_ORACLE,
              "t.k<-s.k:IDENTITY t.v<-s.v:IDENTITY ; s.k:JOIN s.live:FILTER s.new:FILTER t.gone:FILTER t.k:JOIN");
    expect_xf("MERGE t USING s ON t.k = s.k WHEN NOT MATCHED BY SOURCE AND t.old = 1 THEN DELETE;", SQL_DIALECT_TSQL,
              "; s.k:JOIN t.k:JOIN t.old:FILTER");
}

static void test_json_transformations(void **state)
{
    (void)state;
    sql_lineage_t *l = run("INSERT INTO t SELECT SUM(v) AS total FROM s WHERE k > 0", SQL_DIALECT_ANSI);
    json_t *st = sql_statement_to_json(&l->statements[0]);
    json_t *col = json_array_get(json_object_get(st, "columns"), 0);
    json_t *x = json_array_get(json_object_get(col, "transformations"), 0);
    assert_string_equal(json_string_value(json_object_get(x, "source")), "s.v");
    assert_string_equal(json_string_value(json_object_get(x, "type")), "DIRECT");
    assert_string_equal(json_string_value(json_object_get(x, "subtype")), "AGGREGATION");
    json_t *ind = json_array_get(json_object_get(st, "indirect"), 0);
    assert_string_equal(json_string_value(json_object_get(ind, "source")), "s.k");
    assert_string_equal(json_string_value(json_object_get(ind, "subtype")), "FILTER");
    json_decref(st);
    sql_lineage_free(l);
}

static void test_roles(void **state)
{
    (void)state;
    expect_roles("INSERT INTO b SELECT * FROM a; INSERT INTO c SELECT * FROM b", "a", "c", "b");
    expect_roles("INSERT INTO a SELECT * FROM a", "a", "a", "");
    expect_roles("CREATE TABLE tmp AS SELECT * FROM a; INSERT INTO c SELECT * FROM tmp; DROP TABLE tmp", "a", "c", "");
    expect_roles("CREATE TABLE x AS SELECT 1; DROP TABLE x", "", "", "");
    expect_roles("DROP TABLE x; CREATE TABLE x AS SELECT * FROM y", "y", "x", "");
    expect_roles("INSERT INTO t1 SELECT * FROM s; ALTER TABLE t1 RENAME TO t2", "s", "t2", "");
    expect_roles("INSERT INTO t1 SELECT * FROM s; RENAME TABLE t1 TO t2, t3 TO t4", "s", "t2", "");
    expect_roles("SELECT * FROM a JOIN \"A\" ON 1 = 1", "A,a", "", "");
    /* an UPDATE reading its target's values (SET x = x + 1, a self-join) counts it in both */
    expect_roles("UPDATE t SET x = x + 1", "t", "t", "");
    expect_roles("UPDATE t SET x = t2.y FROM t t2 WHERE t.id = t2.parent", "t", "t", "");
    expect_roles("UPDATE t SET x = s.y FROM s WHERE t.id = s.id", "s", "t", "");
    /* choosing rows by the target's columns is not a read (sqllineage corpus) */
    expect_roles("UPDATE t SET x = 1 WHERE y = 2", "", "t", "");
}

static void test_json_shape(void **state)
{
    (void)state;
    sql_lineage_t *l = run("INSERT INTO s.t (a) SELECT x FROM s.u;\nDROP TABLE s.v;\nEXEC p;\nBAD;", SQL_DIALECT_TSQL);
    json_t *j = sql_lineage_to_json(l, "f.sql");
    assert_string_equal(json_string_value(json_object_get(j, "file")), "f.sql");
    assert_string_equal(json_string_value(json_object_get(j, "dialect")), "tsql");
    json_t *st = json_object_get(j, "statements");
    assert_int_equal(json_array_size(st), 3);
    json_t *ins = json_array_get(st, 0);
    assert_string_equal(json_string_value(json_object_get(ins, "kind")), "insert");
    assert_int_equal(json_integer_value(json_object_get(ins, "line")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ins, "reads"), 0)), "s.u");
    assert_string_equal(json_string_value(json_array_get(json_object_get(ins, "writes"), 0)), "s.t");
    json_t *col = json_array_get(json_object_get(ins, "columns"), 0);
    assert_string_equal(json_string_value(json_object_get(col, "target")), "s.t.a");
    assert_string_equal(json_string_value(json_array_get(json_object_get(col, "sources"), 0)), "s.u.x");
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(st, 1), "drops"), 0)), "s.v");
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(st, 2), "calls"), 0)), "p");
    json_t *err = json_array_get(json_object_get(j, "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(err, "line")), 4);
    assert_int_equal(json_integer_value(json_object_get(err, "column")), 1);
    assert_non_null(json_object_get(j, "sources"));
    assert_non_null(json_object_get(j, "intermediates"));
    json_decref(j);
    sql_lineage_free(l);
}

/* Columns each statement defines (or with `un`, undefines), "kind:t.a,t.b" per statement, joined by spaces. */
static void expect_defs(const char *sql, sql_dialect_t d, int un, const char *want)
{
    sql_lineage_t *l = run(sql, d);
    char got[2048], one[512];
    size_t o = 0;
    got[0] = '\0';
    for(size_t i = 0; i < l->nstatements; i++) {
        list(un ? &l->statements[i].undefines : &l->statements[i].defines, one, sizeof one);
        o += (size_t)snprintf(got + o, sizeof got - o, "%s%s:%s", i ? " " : "", l->statements[i].kind, one);
    }
    if(strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got);
    sql_lineage_free(l);
}

static void expect_defines(const char *sql, const char *want)
{
    expect_defs(sql, SQL_DIALECT_ANSI, 0, want);
}

/* ALTER TABLE's DROP COLUMN and RENAME COLUMN in each dialect's forms; the rest of the input follows them. */
static void test_undefines(void **state)
{
    (void)state;
    expect_defs("ALTER TABLE t DROP COLUMN a, DROP IF EXISTS b, DROP CONSTRAINT c, ADD d int", SQL_DIALECT_POSTGRES, 1,
                "alter:t.a,t.b");
    expect_defs("ALTER TABLE t DROP COLUMN a, DROP IF EXISTS b, DROP CONSTRAINT c, ADD d int", SQL_DIALECT_POSTGRES, 0,
                "alter:t.d");
    expect_defs("ALTER TABLE t DROP COLUMN a, b\nALTER TABLE t DROP CONSTRAINT pk, COLUMN c", SQL_DIALECT_TSQL, 1,
                "alter:t.a,t.b alter:t.c");
    expect_defs("ALTER TABLE t DROP (a, b)", SQL_DIALECT_ORACLE, 1, "alter:t.a,t.b");
    expect_defs("ALTER TABLE t DROP PRIMARY KEY, DROP INDEX i, DROP FOREIGN KEY f, DROP PARTITION p1",
                SQL_DIALECT_MYSQL, 1, "alter:");
    expect_defs("ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME c TO d", SQL_DIALECT_POSTGRES, 1,
                "alter:t.a alter:t.c");
    expect_defs("ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME c TO d", SQL_DIALECT_POSTGRES, 0,
                "alter:t.b alter:t.d");
    expect_defs("ALTER TABLE t CHANGE COLUMN a b int, RENAME TO u", SQL_DIALECT_MYSQL, 1, "alter:t.a");
    expect_defs("ALTER TABLE t RENAME TO u; ALTER TABLE t RENAME CONSTRAINT x TO y", SQL_DIALECT_POSTGRES, 1,
                "rename: alter:");
    /* within the input: a later SELECT * sees the columns as the ALTERs left them, renamed in place */
    expect_cols("CREATE TABLE t (a int, b int, c int); ALTER TABLE t DROP COLUMN b; ALTER TABLE t RENAME COLUMN a TO z;"
                " INSERT INTO x SELECT * FROM t",
                SQL_DIALECT_ANSI, "x.c<-t.c x.z<-t.z");
}

/* What a definition defines, for the catalog across files; never in the §5 JSON. */
static void test_defines(void **state)
{
    (void)state;
    expect_defines("CREATE TABLE s.t (b int, a text, PRIMARY KEY (a), CONSTRAINT c CHECK (b > 0))",
                   "create_table:s.t.b,s.t.a");
    expect_defines("CREATE TABLE t AS SELECT x AS a, y + 1 AS b FROM u", "create_table:t.a,t.b");
    expect_defines("CREATE TABLE t AS SELECT * FROM u", "create_table:");
    expect_defines("CREATE VIEW v (p, q) AS SELECT * FROM u", "create_view:v.p,v.q");
    expect_defines("CREATE VIEW v AS SELECT a, b AS c FROM u", "create_view:v.a,v.c");
    expect_defines("CREATE VIEW v AS SELECT *, a FROM u", "create_view:");
    expect_defines("ALTER TABLE t ADD COLUMN c int, ADD IF NOT EXISTS d text DEFAULT 'x,y'", "alter:t.c,t.d");
    expect_defines("ALTER TABLE t ADD e int NOT NULL, f numeric(10, 2)", "alter:t.e,t.f");
    expect_defines("ALTER TABLE t ADD (g number, h varchar2(10))", "alter:t.g,t.h");
    expect_defines("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (a); ALTER TABLE t DROP COLUMN a, ADD b int",
                   "alter: alter:t.b");
    expect_defines("ALTER TABLE t ADD PARTITION (dt = '1')", "alter:");
    expect_defines("INSERT INTO t (a) SELECT a FROM u", "insert:");
    sql_lineage_t *ts = run("ALTER TABLE t ADD c int\nINSERT INTO x (c) SELECT a FROM u\n", SQL_DIALECT_TSQL);
    assert_int_equal(ts->nstatements, 2);
    assert_int_equal(ts->statements[0].defines.n, 1);
    assert_string_equal(ts->statements[1].kind, "insert");
    sql_lineage_free(ts);
    /* a later ADD COLUMN extends what the rest of the input knows */
    expect_cols("CREATE TABLE t (a int); ALTER TABLE t ADD b int; INSERT INTO x SELECT * FROM t", SQL_DIALECT_ANSI,
                "x.a<-t.a x.b<-t.b");
    sql_lineage_t *l = run("CREATE TABLE t (a int)", SQL_DIALECT_ANSI);
    json_t *j = sql_lineage_to_json(l, "f.sql");
    json_t *st = json_array_get(json_object_get(j, "statements"), 0);
    const char *key;
    json_t *val;
    json_object_foreach(st, key, val) assert_true(strstr(key, "defin") == NULL);
    json_decref(j);
    sql_lineage_free(l);
}

/* A reader that hands out a generated script a few bytes at a time. */
typedef struct gen {
    size_t stmts; /* statements to produce */
    size_t done;
    char pending[256];
    size_t plen, ppos;
    size_t chunk;
} gen_t;

static int gen_read(void *ud, char *buf, size_t cap, size_t *got)
{
    gen_t *g = ud;
    size_t n = 0;
    while(n < cap && n < g->chunk) {
        if(g->ppos == g->plen) {
            if(g->done == g->stmts)
                break;
            g->plen = (size_t)snprintf(g->pending, sizeof g->pending,
                                       "INSERT INTO t%zu /* ; */ SELECT a, 'x;y' AS b FROM s%zu -- ;\n;\n", g->done % 7,
                                       g->done % 5);
            g->ppos = 0;
            g->done++;
        }
        buf[n++] = g->pending[g->ppos++];
    }
    *got = n;
    return 0;
}

typedef struct counter {
    size_t n;
    size_t bad;
} counter_t;

static int count_stmt(void *ud, const sql_statement_t *st)
{
    counter_t *c = ud;
    c->n++;
    if(st->reads.n != 1 || st->writes.n != 1 || st->ncolumns != 1)
        c->bad++;
    return 0;
}

static void test_streaming(void **state)
{
    (void)state;
    /* odd chunk sizes split every token somewhere */
    size_t chunks[] = {1, 3, 7, 4096};
    for(size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        gen_t g = {.stmts = k < 3 ? 200 : 200000, .chunk = chunks[k]};
        counter_t c = {0};
        sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_ANSI, .on_statement = count_stmt, .ud = &c};
        sql_lineage_t *l = NULL;
        assert_int_equal(sql_lineage_run(gen_read, &g, &opts, &l), 0);
        assert_int_equal(c.n, g.stmts);
        assert_int_equal(c.bad, 0);
        assert_int_equal(l->nstatements, 0);
        assert_int_equal(l->nerrors, 0);
        assert_int_equal(l->sources.n, 5);
        assert_int_equal(l->targets.n, 7);
        sql_lineage_free(l);
    }
    /* a caller that needs the statements only gets the same ones without the file-level roles */
    gen_t g = {.stmts = 200, .chunk = 7};
    counter_t c = {0};
    sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_ANSI, .on_statement = count_stmt, .ud = &c, .statements_only = 1};
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_run(gen_read, &g, &opts, &l), 0);
    assert_int_equal(c.n, g.stmts);
    assert_int_equal(c.bad, 0);
    assert_int_equal(l->sources.n + l->targets.n + l->intermediates.n, 0);
    sql_lineage_free(l);
}

typedef struct slow {
    const char *s;
    size_t pos;
} slow_t;

static int slow_read(void *ud, char *buf, size_t cap, size_t *got)
{
    slow_t *r = ud;
    *got = 0;
    if(r->s[r->pos] && cap) {
        buf[0] = r->s[r->pos++];
        *got = 1;
    }
    return 0;
}

/* Byte-at-a-time input: every token, delimiter and DELIMITER line straddles a refill. */
/* A fixed text handed out `chunk` bytes at a time. */
typedef struct text_reader {
    const char *s;
    size_t len, pos, chunk;
} text_reader_t;

static int text_read(void *ud, char *buf, size_t cap, size_t *got)
{
    text_reader_t *r = ud;
    size_t n = r->len - r->pos;
    if(n > r->chunk)
        n = r->chunk;
    if(n > cap)
        n = cap;
    memcpy(buf, r->s + r->pos, n);
    r->pos += n;
    *got = n;
    return 0;
}

typedef struct seen {
    size_t nindirect, ncolumns, ntransformations;
} seen_t;

static int see_stmt(void *ud, const sql_statement_t *st)
{
    seen_t *s = ud;
    s->nindirect += st->nindirect;
    s->ncolumns += st->ncolumns;
    for(size_t i = 0; i < st->ncolumns; i++)
        s->ntransformations += st->columns[i].ntransformations;
    return 0;
}

/* no_indirect: the statement-level INDIRECT lineage is left out, the columns' lineage is not. */
static void test_no_indirect(void **state)
{
    (void)state;
    const char *sql = "INSERT INTO t (a, b) SELECT x.a, CASE WHEN y.k > 0 THEN y.b END FROM x JOIN y ON x.id = y.id "
                      "WHERE x.d > 1 GROUP BY x.a, y.k, y.b ORDER BY x.a";
    seen_t with = {0}, without = {0};
    for(int no = 0; no < 2; no++) {
        text_reader_t m = {.s = sql, .len = strlen(sql), .chunk = 4096};
        sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_ANSI,
                                   .on_statement = see_stmt,
                                   .ud = no ? &without : &with,
                                   .statements_only = 1,
                                   .no_indirect = no};
        sql_lineage_t *l = NULL;
        assert_int_equal(sql_lineage_run(text_read, &m, &opts, &l), 0);
        sql_lineage_free(l);
    }
    assert_true(with.nindirect >= 4); /* x.id, y.id, x.d and the grouping and sorting columns */
    assert_int_equal(without.nindirect, 0);
    assert_int_equal(without.ncolumns, 2);
    assert_int_equal(without.ncolumns, with.ncolumns);
    assert_int_equal(without.ntransformations, with.ntransformations);
}

typedef struct subtypes_seen {
    char text[1024];
    size_t o, ntransformations;
    int subtypes_only;
} subtypes_seen_t;

/* "target:source=SUBTYPE,..." per column, the subtype as ingest stores it: the first of the
 * source's transformations, its DIRECT one when it has one. */
static int see_subtypes(void *ud, const sql_statement_t *st)
{
    subtypes_seen_t *s = ud;
    for(size_t i = 0; i < st->ncolumns; i++) {
        const sql_column_lineage_t *c = &st->columns[i];
        s->ntransformations += c->ntransformations;
        s->o += (size_t)snprintf(s->text + s->o, sizeof s->text - s->o, " %s:", c->target);
        for(size_t k = 0; k < c->sources.n; k++) {
            const char *sub = NULL;
            if(s->subtypes_only) {
                sub = c->subtypes[k];
            } else {
                for(size_t t = 0; t < c->ntransformations; t++)
                    if(strcmp(c->transformations[t].source, c->sources.items[k]) == 0 &&
                       (!sub || strcmp(c->transformations[t].type, "DIRECT") == 0))
                        sub = c->transformations[t].subtype;
            }
            s->o += (size_t)snprintf(s->text + s->o, sizeof s->text - s->o, "%s=%s,", c->sources.items[k],
                                     sub ? sub : "-");
        }
    }
    return 0;
}

/* subtypes_only: each column source's subtype without the transformations, the same as they give
 * (DIRECT levels, a CASE condition's CONDITIONAL, a window's, a source used both ways). */
static void test_subtypes_only(void **state)
{
    (void)state;
    const char *sql =
        "INSERT INTO t (a, b, c, d) SELECT x.a, CASE WHEN y.k > 0 THEN y.b END, SUM(x.n + y.k), "
        "ROW_NUMBER() OVER (PARTITION BY x.p ORDER BY x.a) FROM x JOIN y ON x.id = y.id GROUP BY x.a, y.k, y.b, x.p;\n"
        "INSERT INTO u (e) SELECT CASE WHEN z.e > 1 THEN z.e ELSE 0 END FROM z;\n";
    subtypes_seen_t with = {.subtypes_only = 1}, without = {0};
    for(int only = 0; only < 2; only++) {
        text_reader_t m = {.s = sql, .len = strlen(sql), .chunk = 4096};
        sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_ANSI,
                                   .on_statement = see_subtypes,
                                   .ud = only ? &with : &without,
                                   .statements_only = 1,
                                   .no_indirect = 1,
                                   .subtypes_only = only};
        sql_lineage_t *l = NULL;
        assert_int_equal(sql_lineage_run(text_read, &m, &opts, &l), 0);
        sql_lineage_free(l);
    }
    assert_int_equal(with.ntransformations, 0);
    assert_true(without.ntransformations > 0);
    assert_string_equal(with.text, without.text);
    assert_non_null(strstr(with.text, "y.k=CONDITIONAL"));
    assert_non_null(strstr(with.text, "x.a=IDENTITY"));
}

typedef struct recorded {
    buf_t out;
} recorded_t;

static int record_stmt(void *ud, const sql_statement_t *st)
{
    recorded_t *r = ud;
    return sql_statement_write_json(&r->out, st) || buf_adds(&r->out, "\n") ? SQL_ERR_NOMEM : 0;
}

static int record_unit(void *ud, const sql_unit_t *u)
{
    recorded_t *r = ud;
    return buf_printf(&r->out, "unit %llu-%llu %s %zu %zu\n", (unsigned long long)u->start,
                      (unsigned long long)u->end, u->kind ? u->kind : "-", u->statements, u->errors)
               ? SQL_ERR_NOMEM
               : 0;
}

/* Everything the engine reports, over `text` read in pieces of `chunk` bytes, or lexed where it is. */
static void record_run(char *text, sql_dialect_t d, size_t chunk, buf_t *out)
{
    recorded_t r;
    buf_init(&r.out, 1 << 20);
    sql_lineage_opts_t opts = {.dialect = d, .on_statement = record_stmt, .on_unit = record_unit, .ud = &r};
    text_reader_t m = {.s = text, .len = strlen(text), .chunk = chunk};
    sql_lineage_t *l = NULL;
    assert_int_equal(chunk ? sql_lineage_run(text_read, &m, &opts, &l) : sql_lineage_run_text(text, m.len, &opts, &l), 0);
    buf_printf(&r.out, "dialect %d\n", (int)l->dialect);
    for(size_t i = 0; i < l->nerrors; i++)
        buf_printf(&r.out, "error %u:%u %s\n", l->errors[i].line, l->errors[i].column, l->errors[i].message);
    sql_lineage_free(l);
    *out = r.out;
}

/* sql_lineage_run_text lexes the caller's text where it is: the same statements, pieces, errors and
 * dialect as the text read in pieces, and the text neither changed nor freed (it is an array here). */
static void test_run_text(void **state)
{
    (void)state;
    char pg[] = "\xEF\xBB\xBFINSERT INTO a SELECT b.x FROM b;\n"
                "COPY t (a) FROM stdin;\n1\n2\n\\.\n"
                "-- a comment\nCREATE VIEW v AS SELECT y.c FROM y;\n"
                "\\set x 1\n"
                "UPDATE t SET a = 1 WHERE b IN (SELECT c FROM d)\n"
                "SELECT 'unterminated";
    char my[] = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN INSERT INTO t SELECT * FROM s; END$$\n"
                "DELIMITER ;\nINSERT INTO u SELECT `q`.`z` FROM `q`;";
    char guessed[] = "SELECT [a] FROM [dbo].[t]\nGO\nINSERT INTO x SELECT * FROM y";
    struct {
        char *text;
        size_t len;
        sql_dialect_t d;
    } cases[] = {{pg, sizeof pg - 1, SQL_DIALECT_POSTGRES},
                 {my, sizeof my - 1, SQL_DIALECT_MYSQL},
                 {guessed, sizeof guessed - 1, SQL_DIALECT_AUTO}};
    for(size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *before = strdup(cases[k].text);
        assert_non_null(before);
        buf_t pieces, whole;
        record_run(cases[k].text, cases[k].d, 5, &pieces);
        record_run(cases[k].text, cases[k].d, 0, &whole);
        assert_true(pieces.len > 100);
        assert_string_equal(whole.data, pieces.data);
        assert_memory_equal(cases[k].text, before, cases[k].len + 1);
        buf_free(&pieces);
        buf_free(&whole);
        free(before);
    }
}

/* Aggregates are found by halves of a sorted list whose steps compare first bytes in line: both
 * ends of the list, names that share a first byte, and names just beside them that are none. */
static void test_aggregate_names(void **state)
{
    (void)state;
    static const char *const names[] = {"any_value", "approx_count_distinct", "ARRAY_AGG", "avg", "count", "count_big",
                                        "max", "max_by", "stddev", "string_agg", "sum", "sumif", "uniqexact",
                                        "var", "varp", "xmlagg", "abs", "any", "avgx", "coalesce", "str", "sum_",
                                        "summ", "upper", "va", "xmlagh", "zz"};
    for(size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO t (c) SELECT %s(s.x) FROM s", names[i]);
        sql_lineage_t *l = run(sql, SQL_DIALECT_ANSI);
        assert_int_equal(l->nstatements, 1);
        assert_int_equal(l->statements[0].ncolumns, 1);
        const sql_column_lineage_t *c = &l->statements[0].columns[0];
        assert_true(c->ntransformations >= 1);
        const char *want = i < 16 ? "AGGREGATION" : "TRANSFORMATION";
        if(strcmp(c->transformations[0].subtype, want) != 0)
            fail_msg("%s: %s, want %s", names[i], c->transformations[0].subtype, want);
        sql_lineage_free(l);
    }
}

/* Quoted names of more than eight bytes (the copy takes eight a step): a doubled quote inside or
 * across a step is one quote, a byte that is not UTF-8 anywhere in the name is read as Latin-1. */
static void test_long_quoted_names(void **state)
{
    (void)state;
    expect_cols("INSERT INTO [dbo].[abcdefghij]]klmnopqrstu] ([abcdefg]]h], [\xe9" "abcdefghijklmnop]) "
                "SELECT s.[abcdefgh]]ijklmnopq]]], s.[abcdefghijklmnopqrstuvw\xe9] FROM [src].[s] s",
                SQL_DIALECT_TSQL,
                "dbo.abcdefghij]klmnopqrstu.abcdefg]h<-src.s.abcdefgh]ijklmnopq] "
                "dbo.abcdefghij]klmnopqrstu.\xc3\xa9" "abcdefghijklmnop<-src.s.abcdefghijklmnopqrstuvw\xc3\xa9");
    expect_cols("INSERT INTO \"Sch\".\"ABCDEFGH\"\"IJKLMNOPQRSTUVWXYZ\" (\"A\") SELECT \"0123456789abcdef\"\"\" FROM s",
                SQL_DIALECT_POSTGRES, "Sch.ABCDEFGH\"IJKLMNOPQRSTUVWXYZ.A<-s.0123456789abcdef\"");
    expect_cols("INSERT INTO `db`.`t` (`a`) SELECT `abcdefgh``ijklmnop` FROM `s`", SQL_DIALECT_MYSQL,
                "db.t.a<-s.abcdefgh`ijklmnop");
}

/* The engine's run of plain tokens (words, , . ( ) in the middle of a statement) and its general
 * path give the same document: read whole, the run takes most tokens; read a few bytes at a time,
 * the general path takes the tokens at each refill. A `;` inside parentheses (the parser ends the
 * statement there, with errors), a GO word that ends a T-SQL batch only first on its line, `.5` a
 * number, tabs and CRs that move columns. */
static void test_streaming_plain_run(void **state)
{
    (void)state;
    static const struct {
        sql_dialect_t d;
        size_t nstatements, nerrors;
        const char *sql;
    } cases[] = {
        {SQL_DIALECT_ANSI, 4, 2,
         "INSERT INTO a.t (x, y) SELECT s.x, f(s.y, (s.z)) FROM s WHERE s.k IN (SELECT k FROM u; "
         "SELECT 1) AND s.v > .5;\nINSERT INTO b SELECT\tq.a ,q.b\r\n FROM q ; SELECT c FROM d"},
        {SQL_DIALECT_TSQL, 3, 0,
         "INSERT INTO t SELECT a FROM s WHERE go = 1\nGO\nINSERT INTO u SELECT (b) FROM v go\n"
         "SELECT x.y FROM x GO"},
        {SQL_DIALECT_POSTGRES, 2, 0,
         "CREATE VIEW v AS SELECT t.a, (t.b + 1) AS c FROM sch.t JOIN sch.u ON t.k = u.k;\n"
         "INSERT INTO w (a) SELECT a FROM v WHERE (a > 1 OR (a < 0)) ;"},
    };
    for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sql_lineage_t *whole = run(cases[i].sql, cases[i].d);
        assert_int_equal(whole->nstatements, cases[i].nstatements);
        assert_int_equal(whole->nerrors, cases[i].nerrors);
        if(i == 0) {
            /* the `;` and the `)` after it, columns counted over the run's words and operators */
            assert_int_equal(whole->errors[0].column, 86);
            assert_int_equal(whole->errors[1].column, 96);
        }
        json_t *want = sql_lineage_to_json(whole, "f");
        for(size_t chunk = 1; chunk <= 9; chunk++) {
            text_reader_t r = {.s = cases[i].sql, .len = strlen(cases[i].sql), .chunk = chunk};
            sql_lineage_opts_t opts = {.dialect = cases[i].d};
            sql_lineage_t *l = NULL;
            assert_int_equal(sql_lineage_run(text_read, &r, &opts, &l), 0);
            json_t *got = sql_lineage_to_json(l, "f");
            if(!json_equal(got, want)) {
                char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
                fail_msg("case %zu, chunk %zu\n  want %s\n  got  %s", i, chunk, a, b);
            }
            json_decref(got);
            sql_lineage_free(l);
        }
        json_decref(want);
        sql_lineage_free(whole);
    }
}

/* `sql` gives `nerrors` errors, the first at line:column, and the columns `cols` (unless NULL). */
static void expect_errors_at(const char *sql, sql_dialect_t d, size_t nerrors, uint32_t line, uint32_t column,
                             const char *cols)
{
    sql_lineage_t *l = run(sql, d);
    char got[512];
    columns(l, got, sizeof got);
    if(l->nerrors != nerrors || !nerrors || l->errors[0].line != line || l->errors[0].column != column ||
       (cols && strcmp(got, cols) != 0))
        fail_msg("%s\n  %zu errors, the first at %u:%u; columns %s", sql, l->nerrors,
                 l->nerrors ? l->errors[0].line : 0, l->nerrors ? l->errors[0].column : 0, got);
    sql_lineage_free(l);
}

/* The plain run takes = < > + * as one-byte operators and digits as a number only before white
 * space or , ( ) ;: two-byte operators stay whole (the error names '*='), 2.5, 1e5, 0x1F and
 * 1st_col are the lexer's, and columns count over them all. */
static void test_plain_run_operators(void **state)
{
    (void)state;
    char got[512];
    sql_lineage_t *n =
        run("INSERT INTO u (a, b, c, d, e) SELECT 10 + t.x, 2.5 * t.y, 1e5 * t.z, 0x1F + t.w, (7) FROM t "
            "WHERE t.k IN (1, 22, 333) GROUP BY 1 , 2 ) ;\nSELECT 1st_col, 10L FROM t\n",
            SQL_DIALECT_HIVE);
    assert_int_equal(n->nerrors, 1);
    assert_int_equal(n->errors[0].column, 134);
    columns(n, got, sizeof got);
    assert_string_equal(got, "u.a<-t.x u.b<-t.y u.c<-t.z u.d<-t.w 1st_col<-t.1st_col");
    sql_lineage_free(n);
    sql_lineage_t *l = run("SELECT a FROM t WHERE a >= 1 AND b <= 2 AND c <> 3 AND d != 4 AND e < 5 AND f > 6 AND "
                           "g = 7 AND h + 1 > 2 * 3 AND i *= 2\n",
                           SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nerrors, 1);
    assert_int_equal(l->errors[0].column, 117);
    assert_string_equal(l->errors[0].message, "unexpected token near '*='");
    sql_lineage_free(l);

    l = run(
        "INSERT INTO u (x, y) SELECT a + b, COUNT(*) FROM t WHERE a >= 1 AND b <= 2 AND c <> 3 GROUP BY a + b ) ;\n",
        SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nerrors, 1);
    assert_int_equal(l->errors[0].column, 102);
    sql_lineage_free(l);

    l = run("INSERT INTO u (x)\nSELECT a\n  * b FROM t WHERE a=1 AND b =2 AND c= 3", SQL_DIALECT_ANSI);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->statements[0].ncolumns, 1);
    assert_int_equal(l->statements[0].columns[0].sources.n, 2);
    sql_lineage_free(l);
}

/* The plain run takes a string only when it is one line of ASCII without a quote or backslash
 * inside: 'it''s', BigQuery's 'a\'b' (ANSI's ends at the backslash's quote), 'é', '' and a string
 * over two lines are the lexer's; lines and columns count over them all. */
static void test_plain_run_strings(void **state)
{
    (void)state;
    static const char sql[] =
        "INSERT INTO u (x) SELECT t.a || 'it''s' || 'a\\'b' || '\xc3\xa9' || '' || 'l1\nl2' || t.b "
        "FROM t WHERE t.s = 'paid' AND t.c = 'x' )\n";
    expect_errors_at(sql, SQL_DIALECT_BIGQUERY, 1, 2, 52, "u.x<-t.a|t.b");
    sql_lineage_t *l = run(sql, SQL_DIALECT_ANSI);
    assert_int_equal(l->nerrors, 2);
    assert_string_equal(l->errors[0].message, "unterminated string");
    assert_int_equal(l->errors[0].line, 2);
    assert_int_equal(l->errors[0].column, 49);
    assert_string_equal(l->errors[1].message, "unexpected token near 'b' || ''");
    assert_int_equal(l->errors[1].column, 48);
    sql_lineage_free(l);

    expect_errors_at("SELECT '\xc3\xa9' || 'x' AS y FROM t )\n", SQL_DIALECT_ANSI, 1, 1, 31, NULL);
    /* MySQL inside a statement: its backslash escape, # comment and "string" are the lexer's */
    expect_errors_at(
        "INSERT INTO u (x) SELECT t.a\n  FROM t WHERE t.s = 'a\\'b' # c 'x\n AND t.k = \"q\" AND t.m = 1 )\n",
        SQL_DIALECT_MYSQL, 1, 3, 28, "u.x<-t.a");
}

/* Quoted names in the plain run: T-SQL's [a]]b] and a non-ASCII [..] are the lexer's, as are
 * MySQL's `a``b`, Postgres's "A""B" and its s.arr[s.i] (a subscript there, reading s.i); "q" is a string in MySQL
 * and BigQuery, a name in Postgres; columns count over them all. */
static void test_plain_run_quoted_names(void **state)
{
    (void)state;
    static const struct {
        sql_dialect_t d;
        const char *sql, *cols;
        uint32_t line, column;
    } cases[] = {
        {SQL_DIALECT_TSQL,
         "INSERT INTO [dbo].[t] ([a]]b], [c])\nSELECT s.[x], s.[y z] FROM [src].[s] s WHERE s.[k] = 1 AND s.[\xc3\xa9] "
         "= 2 )\n",
         "dbo.t.a]b<-src.s.x dbo.t.c<-src.s.y z", 2, 70},
        {SQL_DIALECT_MYSQL,
         "INSERT INTO `db`.`t` (`a``b`, c)\nSELECT s.`x`, s.`y z` FROM `src`.`s` s WHERE s.`k` = \"q\" AND "
         "s.`\xc3\xa9` = 2 )\n",
         "db.t.a`b<-src.s.x db.t.c<-src.s.y z", 2, 72},
        {SQL_DIALECT_BIGQUERY,
         "INSERT INTO `db`.`t` (`a``b`, c)\nSELECT s.`x`, s.`y z` FROM `src`.`s` s WHERE s.`k` = \"q\" AND "
         "s.`\xc3\xa9` = 2 )\n",
         "db.t.a`b<-src.s.x db.t.c<-src.s.y z", 2, 72},
        {SQL_DIALECT_POSTGRES,
         "INSERT INTO \"Sch\".\"T\" (\"A\"\"B\", c)\nSELECT s.\"X\", s.arr[s.i] FROM \"src\".\"s\" s WHERE s.\"k\" = 1 "
         ")\n",
         "Sch.T.A\"B<-src.s.X Sch.T.c<-src.s.arr|src.s.i", 2, 59},
    };
    for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_errors_at(cases[i].sql, cases[i].d, 1, cases[i].line, cases[i].column, cases[i].cols);
}

static int count_separators(void *ud, const sql_unit_t *u)
{
    *(size_t *)ud += u->kind && strcmp(u->kind, "separator") == 0;
    return 0;
}

/* The plain run goes on across new lines inside a statement: the first token on a line keeps its
 * NL_BEFORE (T-SQL reads COMMIT there as a statement, not an alias), GO there still ends the
 * batch, and lines and columns go on counting (CRLF too). */
static void test_plain_run_lines(void **state)
{
    (void)state;
    sql_lineage_t *l = run("DELETE FROM t\nCOMMIT TRAN\n", SQL_DIALECT_TSQL);
    assert_int_equal(l->nstatements, 2);
    assert_string_equal(l->statements[1].kind, "commit");
    assert_int_equal(l->statements[1].line, 2);
    sql_lineage_free(l);

    static const char go[] = "SELECT a\nFROM t\nGO\nSELECT b FROM u\n";
    size_t separators = 0;
    text_reader_t r = {.s = go, .len = sizeof go - 1, .chunk = sizeof go};
    sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_TSQL, .on_unit = count_separators, .ud = &separators};
    assert_int_equal(sql_lineage_run(text_read, &r, &opts, &l), 0);
    assert_int_equal(l->nstatements, 2);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->statements[1].line, 4);
    assert_int_equal(separators, 1);
    sql_lineage_free(l);

    l = run("SELECT a,\n\tb\n  FROM s,\r\n   , u\n", SQL_DIALECT_TSQL);
    assert_int_equal(l->nerrors, 1);
    assert_int_equal(l->errors[0].line, 4);
    assert_int_equal(l->errors[0].column, 4);
    sql_lineage_free(l);

    l = run("INSERT INTO t (a,\n b) SELECT x,\n  y\n  FROM s;\n\n   SELECT q\n FROM r", SQL_DIALECT_POSTGRES);
    assert_int_equal(l->nstatements, 2);
    assert_int_equal(l->statements[1].line, 6);
    assert_int_equal(l->statements[1].column, 4);
    assert_int_equal(l->statements[0].ncolumns, 2);
    sql_lineage_free(l);
}

/* Issue 12's tokens (${..} glued to words, {{ }}) split anywhere by the reader give the same
 * document as the whole text. */
static void test_streaming_templates(void **state)
{
    (void)state;
    static const char sql[] = "INSERT OVERWRITE TABLE ${db}.t_${env} SELECT a, ${x} + b AS c FROM ${hiveconf:src}.s;\n"
                              "INSERT INTO {{ ref('m') }} SELECT CASE WHEN k > 0 THEN v END AS w, COUNT(*) n "
                              "FROM {{ source('raw', 'o') }} GROUP BY 1;\n"
                              "SELECT a.x FROM src_${env}_raw a JOIN u ON a.k = u.k WHERE u.f = 1 ORDER BY 1;\n";
    sql_lineage_t *whole = run(sql, SQL_DIALECT_HIVE);
    assert_int_equal(whole->nerrors, 0);
    json_t *want = sql_lineage_to_json(whole, "f");
    for(size_t chunk = 1; chunk <= 9; chunk++) {
        text_reader_t r = {.s = sql, .len = sizeof sql - 1, .chunk = chunk};
        sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_HIVE};
        sql_lineage_t *l = NULL;
        assert_int_equal(sql_lineage_run(text_read, &r, &opts, &l), 0);
        json_t *got = sql_lineage_to_json(l, "f");
        if(!json_equal(got, want)) {
            char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
            fail_msg("chunk %zu\n  want %s\n  got  %s", chunk, a, b);
        }
        json_decref(got);
        sql_lineage_free(l);
    }
    json_decref(want);
    sql_lineage_free(whole);
}

static void test_streaming_directives(void **state)
{
    (void)state;
    const char *sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN INSERT INTO a SELECT * FROM b; END//\nDELIMITER ;\n"
                      "INSERT INTO c SELECT x AS y FROM d;";
    slow_t r = {.s = sql};
    sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_MYSQL};
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_run(slow_read, &r, &opts, &l), 0);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->nstatements, 2);
    assert_string_equal(l->statements[0].kind, "create_procedure");
    assert_string_equal(l->statements[0].writes.items[0], "a");
    assert_int_equal(l->statements[1].line, 4);
    assert_string_equal(l->statements[1].columns[0].target, "c.y");
    sql_lineage_free(l);

    /* Postgres dump data after COPY .. FROM stdin is not SQL */
    const char *dump = "COPY t (a) FROM stdin;\n1\tx'; DROP TABLE t;\n\\.\nINSERT INTO u SELECT a FROM t;\n";
    slow_t r2 = {.s = dump};
    opts.dialect = SQL_DIALECT_POSTGRES;
    assert_int_equal(sql_lineage_run(slow_read, &r2, &opts, &l), 0);
    assert_int_equal(l->nerrors, 0);
    assert_int_equal(l->nstatements, 2);
    assert_int_equal(l->statements[1].line, 4);
    assert_string_equal(l->intermediates.items[0], "t");
    sql_lineage_free(l);
}

static int stop_early(void *ud, const sql_statement_t *st)
{
    (void)ud;
    (void)st;
    return -42;
}

static void test_callback_stops(void **state)
{
    (void)state;
    gen_t g = {.stmts = 10, .chunk = 100};
    sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_AUTO, .on_statement = stop_early};
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_run(gen_read, &g, &opts, &l), -42);
    assert_null(l);
}

/* The JSON text of a statement, escapes included: quotes, backslashes, controls, characters beyond
 * ASCII as \u (a surrogate pair past U+FFFF), a name that is not UTF-8 with '?' for its high bytes. */
static void test_json_text(void **state)
{
    (void)state;
    char *reads[] = {"a\"b", "c\\d"}, *writes[] = {"t\xc3\xa9\xf0\x9f\x98\x80"}, *sources[] = {"bad\xff\xc3\xa9"};
    char *drops[] = {"x/y"};
    sql_transformation_t x = {.source = "bad\xff\xc3\xa9", .type = "DIRECT", .subtype = "IDENTITY"};
    sql_transformation_t ind = {.source = "s.k", .type = "INDIRECT", .subtype = "JOIN"};
    sql_column_lineage_t col = {
        .target = "x\n\t\x01", .sources = {sources, 1}, .transformations = &x, .ntransformations = 1};
    sql_rename_t rn = {.from = "a", .to = "b"};
    sql_flow_t fl = {.from = "s", .to = "t"};
    sql_statement_t st = {.kind = "insert",
                          .line = 3,
                          .column = 7,
                          .reads = {reads, 2},
                          .writes = {writes, 1},
                          .drops = {drops, 1},
                          .columns = &col,
                          .ncolumns = 1,
                          .indirect = &ind,
                          .nindirect = 1,
                          .renames = &rn,
                          .nrenames = 1,
                          .flows = &fl,
                          .nflows = 1};
    const char *want = "{\"kind\":\"insert\",\"line\":3,\"column\":7,\"reads\":[\"a\\\"b\",\"c\\\\d\"],"
                       "\"writes\":[\"t\\u00E9\\uD83D\\uDE00\"],\"columns\":[{\"target\":\"x\\n\\t\\u0001\","
                       "\"sources\":[\"bad???\"],\"transformations\":[{\"source\":\"bad???\",\"type\":\"DIRECT\","
                       "\"subtype\":\"IDENTITY\"}]}],\"indirect\":[{\"source\":\"s.k\",\"subtype\":\"JOIN\"}],"
                       "\"drops\":[\"x/y\"],\"renames\":[{\"from\":\"a\",\"to\":\"b\"}],"
                       "\"flows\":[{\"from\":\"s\",\"to\":\"t\"}]}";
    buf_t b;
    buf_init(&b, 4096);
    assert_int_equal(sql_statement_write_json(&b, &st), 0);
    assert_string_equal(b.data, want);
    /* the jansson form is the same document */
    json_t *j = sql_statement_to_json(&st), *w = json_loads(want, 0, NULL);
    assert_non_null(j);
    assert_true(json_equal(j, w));
    json_decref(j);
    json_decref(w);
    /* a buffer too small for it says so */
    buf_free(&b);
    buf_init(&b, 64);
    assert_int_equal(sql_statement_write_json(&b, &st), SQL_ERR_TOO_BIG);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_lineage),
        cmocka_unit_test(test_select_columns),
        cmocka_unit_test(test_golden_fixes),
        cmocka_unit_test(test_transformation_types),
        cmocka_unit_test(test_json_transformations),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_defines),
        cmocka_unit_test(test_undefines),
        cmocka_unit_test(test_no_indirect),
        cmocka_unit_test(test_subtypes_only),
        cmocka_unit_test(test_aggregate_names),
        cmocka_unit_test(test_run_text),
        cmocka_unit_test(test_long_quoted_names),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_streaming_directives),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_streaming_templates),
        cmocka_unit_test(test_streaming_plain_run),
        cmocka_unit_test(test_plain_run_lines),
        cmocka_unit_test(test_plain_run_operators),
        cmocka_unit_test(test_plain_run_strings),
        cmocka_unit_test(test_plain_run_quoted_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
