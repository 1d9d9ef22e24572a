#define _GNU_SOURCE /* RTLD_NEXT, pthread_timedjoin_np */
#include "events/event.h"
#include "events/schema.h"
#include "ingest/ingest.h"
#include "ingest/parsed.h"
#include "ingest/writer.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/sha256.h"
#include "util/utf8.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

typedef struct fixture {
    char dir[64];
    store_t *store;
    writer_t *w;
    duckdb_connection conn;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/lineaged-ingest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char err[256];
    assert_int_equal(store_open(":memory:", &f->store, err, sizeof(err)), STORE_OK);
    assert_int_equal(writer_open(f->store, &f->w, err, sizeof(err)), 0);
    assert_int_equal(writer_load(f->w, NULL), 0);
    assert_int_equal(store_connect(f->store, &f->conn), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    duckdb_disconnect(&f->conn);
    writer_close(f->w);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static const char *write_sql(fixture_t *f, const char *name, const char *sql)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(sql, fp);
    fclose(fp);
    return path;
}

static int64_t count(fixture_t *f, const char *sql)
{
    duckdb_result res;
    assert_int_equal(duckdb_query(f->conn, sql, &res), DuckDBSuccess);
    int64_t n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    return n;
}

/* An ingest pipeline on `opts`, open. */
static ingest_t *opened(const ingest_opts_t *opts)
{
    ingest_t *in = NULL;
    assert_int_equal(ingest_open(opts, &in), INGEST_OK);
    return in;
}

/* An ingest pipeline on `opts` with one ingestion begun as `meta` says; its id in `id`. */
static ingest_t *opened_and_begun(const ingest_opts_t *opts, const ingest_meta_t *meta, char id[INGEST_ID_MAX])
{
    ingest_t *in = opened(opts);
    assert_int_equal(ingest_begin(in, meta, id), INGEST_OK);
    return in;
}

static int64_t edge_count(fixture_t *f, const char *kind, const char *from, const char *to)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM edges e JOIN nodes a ON a.id = e.source JOIN nodes b ON b.id = e.target"
             " WHERE e.kind = '%s' AND a.name = '%s' AND b.name = '%s'",
             kind, from, to);
    return count(f, sql);
}

/* Parses `sql` in `dialect` as file `name` and has the writer store it as one more file row: its result. */
static int try_store_as(fixture_t *f, const char *name, const char *sql, sql_dialect_t dialect, writer_result_t *res)
{
    const char *disk = write_sql(f, "input.sql", sql);
    writer_file_t wf = {.ingestion_id = "ing_00", .project = "default", .path = name, .disk_path = disk};
    assert_int_equal(writer_begin(f->w), 0);
    assert_int_equal(writer_file_add(f->w, &wf, NULL), 0);
    assert_int_equal(writer_commit(f->w), 0);
    parsed_file_t *p = parsed_file_load(disk, dialect, 1 << 20, NULL);
    assert_non_null(p);
    assert_int_equal(p->outcome, PARSED_OK);
    int rc = writer_store_file(f->w, &wf, p, res);
    parsed_file_free(p);
    return rc;
}

static void store_sql_as(fixture_t *f, const char *name, const char *sql, sql_dialect_t dialect, writer_result_t *res)
{
    assert_int_equal(try_store_as(f, name, sql, dialect, res), 0);
}

static int try_store(fixture_t *f, const char *name, const char *sql, writer_result_t *res)
{
    return try_store_as(f, name, sql, SQL_DIALECT_ANSI, res);
}

static void store_sql(fixture_t *f, const char *name, const char *sql, writer_result_t *res)
{
    store_sql_as(f, name, sql, SQL_DIALECT_ANSI, res);
}

static void assert_counts_match(fixture_t *f, const store_counts_t *running)
{
    store_counts_t c;
    assert_int_equal(store_counts(f->conn, &c), STORE_OK);
    assert_int_equal(c.nodes, running->nodes);
    assert_int_equal(c.edges, running->edges);
    assert_int_equal(c.table_nodes, running->table_nodes);
    assert_int_equal(c.files_processed, running->files_processed);
}

/* No edge of a superseded version stays, and no node is left without an edge. */
static void assert_nothing_stale(fixture_t *f)
{
    assert_int_equal(count(f, "SELECT count(*) FROM edges WHERE statement_id NOT IN (SELECT s.id FROM statements s "
                              "JOIN files f ON f.id = s.file_id WHERE f.is_current)"),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE id NOT IN (SELECT source FROM edges UNION SELECT "
                              "target FROM edges)"),
                     0);
}

static void add_delta(store_counts_t *total, const store_counts_t *d)
{
    total->nodes += d->nodes;
    total->edges += d->edges;
    total->table_nodes += d->table_nodes;
    total->files_processed += d->files_processed;
}

static void edges_are_per_statement(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    store_sql(f, "m.sql", "INSERT INTO t1 SELECT a FROM s1;\nINSERT INTO t2 SELECT b FROM s2;\n", &res);
    assert_string_equal(res.status, "processed");
    assert_null(res.error);
    const char *derives = "SELECT count(*) FROM edges e JOIN nodes a ON a.id = e.source JOIN nodes b ON b.id = "
                          "e.target WHERE e.kind = 'DERIVES' AND a.kind = 'table' AND b.kind = 'table'";
    assert_int_equal(count(f, derives), 2);
    assert_int_equal(edge_count(f, "DERIVES", "s1", "t2"), 0);
    /* Each DERIVES edge names the statement it came from. */
    assert_int_equal(count(f, "SELECT count(DISTINCT statement_id) FROM edges WHERE kind = 'DERIVES' AND source IN "
                              "(SELECT id FROM nodes WHERE kind = 'table')"),
                     2);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM edges e JOIN nodes n ON n.id = e.source WHERE n.kind = 'file' "
                              "AND n.name = 'm.sql' AND e.kind = 'READS_FROM'"),
                     2);
    assert_counts_match(f, &res.delta); /* the first file's deltas are the whole graph's counts */
}

/* A plain SELECT's outputs ("COUNT(t.x)", bare names) are no table's columns: nothing invented. */
static void select_outputs_are_not_columns(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    store_sql(f, "q.sql", "SELECT COUNT(t.x), t.y AS y FROM t;\nINSERT INTO u (a) SELECT x FROM t;\n", &res);
    assert_string_equal(res.status, "processed");
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE kind = 'table' AND name <> 't' AND name <> 'u'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name LIKE '%(%'"), 0);
    assert_int_equal(edge_count(f, "DERIVES", "t.x", "u.a"), 1);
}

static void columns_are_nodes(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    store_sql(f, "c.sql", "INSERT INTO core.t (a, b) SELECT s.x, s.y + 1 FROM raw.s s;\n", &res);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE kind = 'column'"), 4);
    /* Column edges carry the engine's transformation type. */
    assert_int_equal(count(f, "SELECT count(*) FROM edges WHERE kind = 'DERIVES' AND transformation = 'IDENTITY'"), 1);
    assert_int_equal(
        count(f, "SELECT count(*) FROM edges WHERE kind = 'DERIVES' AND transformation = 'TRANSFORMATION'"), 1);
    assert_int_equal(edge_count(f, "CONTAINS", "core.t", "core.t.a"), 1);
    assert_int_equal(edge_count(f, "DERIVES", "raw.s.y", "core.t.b"), 1);
    assert_counts_match(f, &res.delta); /* the first file's deltas are the whole graph's counts */
}

static void new_version_supersedes_old(void **state)
{
    fixture_t *f = *state;
    writer_result_t r1, r2;
    store_counts_t total = {0};
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT a FROM old_src;\n", &r1);
    add_delta(&total, &r1.delta);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'old_src'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'v' AND kind = 'view'"), 1);
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT a FROM new_src;\n", &r2);
    add_delta(&total, &r2.delta);
    assert_counts_match(f, &total);
    assert_int_equal(total.files_processed, 1);
    /* The old source and its column left the graph with the old version. */
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name LIKE 'old_src%'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'new_src'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'v.sql' AND is_current"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'v.sql' AND NOT is_current"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM file_texts WHERE contains(text, 'new_src')"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM file_texts"), 1);
    assert_nothing_stale(f);
    /* A name that left comes back as a new node: the dropped one is gone from the writer's map. */
    writer_result_t r3;
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT a FROM old_src;\n", &r3);
    add_delta(&total, &r3.delta);
    assert_counts_match(f, &total);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name LIKE 'old_src%'"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name LIKE 'new_src%'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM edges e JOIN nodes n ON n.id = e.source WHERE n.name = 'old_src'"),
                     2);
}

/* "INSERT INTO t<L x's> SELECT c FROM s<L x's>;" for names of each length in `lens`. */
static char *names_sql(const int *lens, size_t n, char prefix_t, char prefix_s)
{
    buf_t b;
    buf_init(&b, 1u << 20);
    for(size_t i = 0; i < n; i++) {
        char name[1024];
        memset(name, 'x', (size_t)lens[i]);
        name[lens[i]] = '\0';
        assert_int_equal(buf_printf(&b, "INSERT INTO %c%s SELECT c FROM %c%s;\n", prefix_t, name, prefix_s, name), 0);
    }
    return buf_take(&b, NULL);
}

/*
 * Nodes live in the writer's blocks by size class, names over 512 bytes in allocations of their
 * own: names of every size come, leave with a superseded version (their room is reused) and come
 * back, and every name stored stays whole.
 */
static void nodes_of_every_size_come_and_go(void **state)
{
    fixture_t *f = *state;
    static const int lens[] = {1, 7, 8, 15, 16, 17, 40, 63, 64, 100, 200, 440, 455, 456, 470, 500, 600, 900};
    size_t n = sizeof(lens) / sizeof(lens[0]);
    store_counts_t total = {0};
    writer_result_t r;
    char *a = names_sql(lens, n, 't', 's'), *b = names_sql(lens, n, 'u', 'v');
    const char *versions[] = {a, b, a, b};
    for(size_t v = 0; v < 4; v++) {
        store_sql(f, "sizes.sql", versions[v], &r);
        assert_string_equal(r.status, "processed");
        add_delta(&total, &r.delta);
        assert_counts_match(f, &total);
        /* each table, its source and the file; the columns c of each */
        for(size_t i = 0; i < n; i++) {
            char sql[4400], name[1024];
            memset(name, 'x', (size_t)lens[i]);
            name[lens[i]] = '\0';
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM nodes WHERE name IN ('%c%s', '%c%s.c', '%c%s', '%c%s.c')",
                     v % 2 ? 'u' : 't', name, v % 2 ? 'u' : 't', name, v % 2 ? 'v' : 's', name, v % 2 ? 'v' : 's',
                     name);
            assert_int_equal(count(f, sql), 4);
        }
        assert_int_equal(count(f, "SELECT count(*) FROM nodes"), (int64_t)(4 * n + 1));
    }
    util_free(a);
    util_free(b);
}

/*
 * The writer's node maps name a node by 32 bits (its block's number and its place there): past the
 * last number a new name fails its file with nothing stored, the graph as it was, never a reference
 * that wraps onto another node. A limit of 3 numbers stands in for 2^20 (names over 512 bytes take
 * one each).
 */
static void a_full_node_index_fails_the_file_and_keeps_the_graph(void **state)
{
    fixture_t *f = *state;
    writer_result_t r;
    writer_limit_node_blocks(f->w, 3);
    store_sql(f, "small.sql", "INSERT INTO t SELECT c FROM s;", &r);
    int64_t nodes = count(f, "SELECT count(*) FROM nodes"), edges = count(f, "SELECT count(*) FROM edges");
    static const int lens[] = {600, 900};
    char *big = names_sql(lens, 2, 't', 's');
    const char *disk = write_sql(f, "big.sql", big);
    writer_file_t wf = {.ingestion_id = "ing_00", .project = "default", .path = "big.sql", .disk_path = disk};
    assert_int_equal(writer_begin(f->w), 0);
    assert_int_equal(writer_file_add(f->w, &wf, NULL), 0);
    assert_int_equal(writer_commit(f->w), 0);
    parsed_file_t *p = parsed_file_load(disk, SQL_DIALECT_ANSI, 1 << 20, NULL);
    assert_non_null(p);
    assert_int_equal(writer_store_file(f->w, &wf, p, &r), -1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes"), nodes);
    assert_int_equal(count(f, "SELECT count(*) FROM edges"), edges);
    store_sql(f, "small2.sql", "INSERT INTO u SELECT c FROM t;", &r);
    assert_int_equal(edge_count(f, "DERIVES", "t", "u"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes"), nodes + 3); /* u, u.c, the file */
    writer_limit_node_blocks(f->w, 0);
    assert_int_equal(writer_store_file(f->w, &wf, p, &r), 0);
    assert_string_equal(r.status, "processed");
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE length(name) >= 600"), 8);
    parsed_file_free(p);
    util_free(big);
}

static void identical_content_is_a_duplicate(void **state)
{
    fixture_t *f = *state;
    writer_result_t r1, r2;
    store_sql(f, "d.sql", "INSERT INTO t SELECT a FROM s;\n", &r1);
    int64_t edges = count(f, "SELECT count(*) FROM edges");
    store_sql(f, "d.sql", "INSERT INTO t SELECT a FROM s;\n", &r2);
    assert_true(r2.duplicate);
    assert_string_equal(r2.status, "skipped");
    assert_int_equal(count(f, "SELECT count(*) FROM edges"), edges);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'skipped'"), 1);
    /* The same text at another path is another file. */
    store_sql(f, "other.sql", "INSERT INTO t SELECT a FROM s;\n", &r2);
    assert_false(r2.duplicate);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'processed' AND is_current"), 2);
}

static void parse_errors_name_file_line_column(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    store_sql(f, "bad.sql", "INSERT INTO t SELECT a FROM s;\nSELECT * FROM ;\n", &res);
    assert_string_equal(res.status, "error");
    assert_non_null(res.error);
    assert_true(strncmp(res.error, "bad.sql:2:", 10) == 0);
    assert_int_equal(count(f, "SELECT count(*) FROM statements WHERE kind = 'error' AND line_start = 2 AND error IS "
                              "NOT NULL"),
                     1);
    /* The statements that parsed are still in the graph. */
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 't'"), 1);
    assert_int_equal(res.delta.files_processed, 0);
    free(res.error);
}

/*
 * The file's text is stored once; each statement keeps the byte range from where it starts (columns
 * in characters) to the next one.
 */
static void statement_text_is_kept(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    const char *sql = "-- header\nINSERT INTO a SELECT 'é' AS x FROM b; INSERT INTO c SELECT y FROM d;\n"
                      "\nSELECT * FROM ;\n";
    store_sql(f, "t.sql", sql, &res);
    free(res.error);
    assert_int_equal(count(f, "SELECT count(*) FROM file_texts"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statement_sql"), 0);
    duckdb_result r;
    assert_int_equal(duckdb_query(f->conn,
                                  "SELECT t.text, s.sql_offset, s.sql_length, s.sql_line, s.sql_column "
                                  "FROM statements s JOIN file_texts t ON t.file_id = s.file_id "
                                  "ORDER BY s.sql_line, s.sql_column",
                                  &r),
                     DuckDBSuccess);
    idx_t rows = duckdb_row_count(&r);
    assert_true(rows >= 3); /* the two inserts, then what the parser made of the bad line */
    buf_t whole;
    buf_init(&whole, 4096);
    for(idx_t i = 0; i < rows; i++) {
        char *text = duckdb_value_varchar(&r, 0, i);
        assert_string_equal(text, sql);
        int64_t off = duckdb_value_int64(&r, 1, i), len = duckdb_value_int64(&r, 2, i);
        assert_true(off >= 0 && len >= 0 && (size_t)(off + len) <= strlen(sql));
        assert_int_equal((size_t)off, whole.len); /* each range starts where the one before ended */
        assert_int_equal(buf_add(&whole, text + off, (size_t)len), 0);
        if(i == 0) {
            assert_int_equal(len, strlen("-- header\nINSERT INTO a SELECT 'é' AS x FROM b; "));
            assert_memory_equal(text + off, "-- header\nINSERT INTO a SELECT 'é' AS x FROM b; ", (size_t)len);
        }
        if(i == 1) {
            assert_int_equal(len, strlen("INSERT INTO c SELECT y FROM d;\n\n"));
            assert_memory_equal(text + off, "INSERT INTO c SELECT y FROM d;\n\n", (size_t)len);
        }
        duckdb_free(text);
    }
    assert_int_equal(duckdb_value_int64(&r, 3, 0), 1);
    assert_int_equal(duckdb_value_int64(&r, 4, 0), 1);
    assert_int_equal(duckdb_value_int64(&r, 3, 1), 2);
    assert_int_equal(duckdb_value_int64(&r, 4, 1), 39); /* 38 characters (40 bytes) before it */
    duckdb_destroy_result(&r);
    /* together the ranges are the whole file */
    assert_string_equal(whole.data, sql);
    buf_free(&whole);
}

/*
 * Statements of migrations 4-5 keep their own text in statement_sql (migration 14): a new version of
 * their file removes it with them, and leaves other files' texts.
 */
static void a_superseded_version_takes_its_own_texts_along(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    store_sql(f, "v.sql", "INSERT INTO a SELECT x FROM b;\nINSERT INTO c SELECT y FROM d;\n", &res);
    free(res.error);
    duckdb_result r;
    assert_int_equal(duckdb_query(f->conn,
                                  "INSERT INTO statement_sql SELECT id, 'INSERT INTO a SELECT x FROM b;', 0 FROM"
                                  " statements; INSERT INTO statement_sql VALUES (999999, 'SELECT 1;', 0)",
                                  &r),
                     DuckDBSuccess);
    duckdb_destroy_result(&r);
    assert_int_equal(writer_load(f->w, NULL), 0); /* as at a start: the writer sees such texts */
    store_sql(f, "v.sql", "INSERT INTO a SELECT z FROM e;\n", &res);
    free(res.error);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statement_sql"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statement_sql WHERE statement_id = 999999"), 1);
}

static void procedures_and_calls(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    const char *sql = "CREATE PROCEDURE dbo.load AS\nBEGIN\n  INSERT INTO core.o (id) SELECT id FROM stg.o;\n"
                      "  EXEC dbo.other;\nEND;\n";
    store_sql_as(f, "p.sql", sql, SQL_DIALECT_TSQL, &res);
    assert_int_equal(edge_count(f, "WRITES_TO", "dbo.load", "core.o"), 1);
    assert_int_equal(edge_count(f, "CALLS", "dbo.load", "dbo.other"), 1);
    assert_int_equal(edge_count(f, "DEFINED_IN", "dbo.load", "p.sql"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statements WHERE kind = 'create_procedure' AND name = 'dbo.load'"), 1);
}

/* A Postgres rule's commands (as a trigger's, a macro's) write tables they do not define. */
static void rule_writes_define_nothing(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    const char *sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log SELECT a FROM src);\n";
    store_sql_as(f, "r.sql", sql, SQL_DIALECT_POSTGRES, &res);
    assert_int_equal(edge_count(f, "DERIVES", "src", "log"), 1);
    assert_int_equal(edge_count(f, "DEFINED_IN", "log", "r.sql"), 0);
}

/* A procedure's table DERIVES come from each statement inside it, not from all its reads x writes. */
static void procedure_derives_per_inner_statement(void **state)
{
    fixture_t *f = *state;
    writer_result_t res;
    const char *sql = "CREATE PROCEDURE dbo.load_all AS\nBEGIN\n  INSERT INTO dbo.b SELECT x FROM dbo.a;\n"
                      "  INSERT INTO dbo.d SELECT y FROM dbo.c;\nEND;\n";
    store_sql_as(f, "p.sql", sql, SQL_DIALECT_TSQL, &res);
    assert_int_equal(edge_count(f, "DERIVES", "dbo.a", "dbo.b"), 1);
    assert_int_equal(edge_count(f, "DERIVES", "dbo.c", "dbo.d"), 1);
    assert_int_equal(edge_count(f, "DERIVES", "dbo.a", "dbo.d"), 0);
    assert_int_equal(edge_count(f, "DERIVES", "dbo.c", "dbo.b"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM edges e JOIN nodes a ON a.id = e.source JOIN nodes b ON b.id = "
                              "e.target WHERE e.kind = 'DERIVES' AND a.kind = 'table' AND b.kind = 'table'"),
                     2);
    const char *reads[] = {"dbo.a", "dbo.c"}, *writes[] = {"dbo.b", "dbo.d"};
    for(size_t i = 0; i < 2; i++) {
        assert_int_equal(edge_count(f, "READS_FROM", "dbo.load_all", reads[i]), 1);
        assert_int_equal(edge_count(f, "WRITES_TO", "dbo.load_all", writes[i]), 1);
    }
}

static void unusable_files_are_reported(void **state)
{
    fixture_t *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "%s/bin.sql", f->dir);
    FILE *fp = fopen(path, "wb");
    fwrite("SELECT\0\1\2", 1, 9, fp);
    fclose(fp);
    parsed_file_t *p = parsed_file_load(path, SQL_DIALECT_AUTO, 1 << 20, NULL);
    assert_int_equal(p->outcome, PARSED_FAILED);
    assert_non_null(strstr(p->reason, "binary"));
    parsed_file_free(p);
    /* a NUL in the file's second read (each read lands at the end of the text read before) */
    snprintf(path, sizeof(path), "%s/late_bin.sql", f->dir);
    fp = fopen(path, "wb");
    for(int i = 0; i < 10000; i++)
        fputs("INSERT INTO a SELECT x FROM b;\n", fp);
    fwrite("SELECT\0", 1, 7, fp);
    fclose(fp);
    p = parsed_file_load(path, SQL_DIALECT_AUTO, 1 << 20, NULL);
    assert_int_equal(p->outcome, PARSED_FAILED);
    assert_non_null(strstr(p->reason, "binary"));
    assert_int_equal(p->nstmts, 0);
    parsed_file_free(p);
    p = parsed_file_load(write_sql(f, "empty.sql", ""), SQL_DIALECT_AUTO, 1 << 20, NULL);
    assert_int_equal(p->outcome, PARSED_SKIPPED);
    parsed_file_free(p);
    p = parsed_file_load(write_sql(f, "big.sql", "SELECT 1 FROM t;\n"), SQL_DIALECT_AUTO, 4, NULL);
    assert_int_equal(p->outcome, PARSED_FAILED);
    assert_non_null(strstr(p->reason, "limit"));
    parsed_file_free(p);
    snprintf(path, sizeof(path), "%s/none.sql", f->dir);
    p = parsed_file_load(path, SQL_DIALECT_AUTO, 1 << 20, NULL);
    assert_int_equal(p->outcome, PARSED_FAILED);
    parsed_file_free(p);
}

/* The first 256 KiB read are ASCII, the end is not: the names and text after it are cleaned all the
 * same (names are copied without the UTF-8 check only while nothing >= 0x80 has been read). */
static void text_after_an_ascii_start_is_cleaned(void **state)
{
    fixture_t *f = *state;
    static const char stmt[] = "INSERT INTO a SELECT x FROM b;\n";
    static const char tail[] = "-- caf\xe9 \xff\nINSERT INTO \"t\xff\" SELECT y FROM b;\n";
    buf_t sql;
    buf_init(&sql, 1 << 20);
    size_t n = 0;
    for(; sql.len < 300 * 1024; n++)
        assert_int_equal(buf_adds(&sql, stmt), 0);
    assert_int_equal(buf_adds(&sql, tail), 0);
    parsed_file_t *p = parsed_file_load(write_sql(f, "late.sql", sql.data), SQL_DIALECT_ANSI, 1 << 20, NULL);
    assert_int_equal(p->outcome, PARSED_OK);
    assert_int_equal(p->text.len, sql.len);
    /* shorter statements than the first room for them assumes (one per 160 bytes): kept all, in order */
    assert_int_equal(p->nstmts, n + 1);
    assert_int_equal(p->stmts[n - 1].line, n);
    assert_null(memchr(p->text.data, 0xff, p->text.len));
    assert_null(memchr(p->text.data, 0xe9, p->text.len));
    assert_non_null(strstr(p->text.data + p->text.len - sizeof(tail) + 1, "-- caf? ?\n"));
    const parsed_stmt_t *last = &p->stmts[p->nstmts - 1];
    assert_int_equal(last->nwrites, 1);
    assert_true(utf8_valid(last->writes[0], strlen(last->writes[0])));
    assert_string_equal(p->stmts[0].writes[0], "a");
    parsed_file_free(p);
    buf_free(&sql);
}

static void sha256_answers(void)
{
    sha256_t s;
    char hex[SHA256_HEX_LEN];
    sha256_init(&s);
    sha256_final_hex(&s, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_init(&s);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for(size_t i = 0; m[i]; i++) /* byte by byte: the block carry-over */
        sha256_update(&s, m + i, 1);
    sha256_final_hex(&s, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' in uneven pieces: many whole blocks per call, and carried bytes between calls */
    static char a[1000];
    memset(a, 'a', sizeof(a));
    sha256_init(&s);
    for(size_t done = 0, piece = 1; done < 1000000; done += piece, piece = piece % 997 + 61) {
        if(piece > 1000000 - done)
            piece = 1000000 - done;
        if(piece > sizeof(a))
            piece = sizeof(a);
        sha256_update(&s, a, piece);
    }
    sha256_final_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The portable rounds, then the CPU's SHA instructions when it has them. */
static void sha256_known_answers(void **state)
{
    (void)state;
    assert_int_equal(sha256_use_hardware(0), 0);
    sha256_answers();
    if(sha256_use_hardware(1))
        sha256_answers();
    else
        print_message("this CPU has no SHA instructions: only the portable rounds were checked\n");
}

static void supported_names(void **state)
{
    (void)state;
    assert_true(ingest_supported_name("a/b/model.sql"));
    assert_true(ingest_supported_name("X.HQL"));
    assert_true(ingest_supported_name("load.bteq"));
    assert_false(ingest_supported_name("readme.md"));
    assert_false(ingest_supported_name(".sql"));
    assert_false(ingest_supported_name("dir.sql/file"));
    assert_false(ingest_supported_name("noext"));
}

typedef struct seen {
    int processed, error, skipped;
} seen_t;

static void count_file(void *ud, const ingest_file_event_t *ev)
{
    seen_t *s = ud;
    if(strcmp(ev->status, "processed") == 0)
        s->processed++;
    else if(strcmp(ev->status, "error") == 0)
        s->error++;
    else
        s->skipped++;
}

static void pipeline_end_to_end(void **state)
{
    fixture_t *f = *state;
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s", write_sql(f, "a.sql", "INSERT INTO t SELECT a FROM s;\n"));
    snprintf(b, sizeof(b), "%s", write_sql(f, "b.sql", "SELECT * FROM ;\n"));
    seen_t seen = {0};
    stats_t st;
    store_counts_t zero = {0};
    stats_init(&st, &zero, 60, 0);
    ingest_opts_t opts = {.store = f->store, .stats = &st, .workers = 2, .on_file = count_file, .ud = &seen};
    char id[INGEST_ID_MAX];
    ingest_t *in = opened_and_begun(&opts, &(ingest_meta_t){.source = "cli"}, id);
    assert_int_equal(ingest_add_file(in, id, a, "a.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, b, "b.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, a, "notes.txt", "not a SQL file", 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, a, "late.sql", NULL, 0), INGEST_ERR_UNKNOWN);
    ingest_close(in, 1);
    assert_int_equal(seen.processed, 1);
    assert_int_equal(seen.error, 1);
    assert_int_equal(seen.skipped, 1);
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM ingestions WHERE id = '%s' AND status = 'completed_with_errors' AND total_files = 3 "
             "AND files_failed = 1 AND files_skipped = 1",
             id);
    assert_int_equal(count(f, q), 1);
    store_counts_t c;
    assert_int_equal(store_counts(f->conn, &c), STORE_OK);
    assert_int_equal(atomic_load(&st.nodes), c.nodes);
    assert_int_equal(atomic_load(&st.edges), c.edges);
    assert_int_equal(atomic_load(&st.files_processed), c.files_processed);
    assert_int_equal(atomic_load(&st.active_ingestions), 0);
}

static void recovery_requeues_or_interrupts(void **state)
{
    fixture_t *f = *state;
    char a[256], sql[2048];
    snprintf(a, sizeof(a), "%s", write_sql(f, "r.sql", "INSERT INTO t SELECT a FROM s;\n"));
    snprintf(sql, sizeof(sql),
             "INSERT INTO ingestions (id, source, project_id, status, input_complete, started_at) VALUES"
             " ('ing_aa', 'upload', 'default', 'running', true, now()),"
             " ('ing_bb', 'upload', 'default', 'running', false, now());"
             "INSERT INTO files (id, ingestion_id, project_id, path, disk_path, owned, status, created_at, updated_at)"
             " VALUES (100, 'ing_aa', 'default', 'r.sql', '%s', false, 'processing', now(), now()),"
             " (101, 'ing_aa', 'default', 'gone.sql', '%s/gone.sql', false, 'pending', now(), now()),"
             " (102, 'ing_bb', 'default', 'x.sql', '%s', false, 'pending', now(), now())",
             a, f->dir, a);
    assert_int_equal(duckdb_query(f->conn, sql, NULL), DuckDBSuccess);
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    ingest_t *in = opened(&opts);
    ingest_close(in, 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE id = 100 AND status = 'processed'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE id = 101 AND status = 'error'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE id = 102 AND status = 'error'"), 1);
    assert_int_equal(
        count(f, "SELECT count(*) FROM ingestions WHERE id = 'ing_aa' AND status = 'completed_with_errors'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM ingestions WHERE id = 'ing_bb' AND status = 'interrupted'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status IN ('pending', 'processing')"), 0);
}

/*
 * A running ingestion is counted from its files' rows (each changes state in the commit that stores
 * its lineage: what GET /api/v1/ingestion/{id} counts), and one interrupted before its input was
 * complete keeps those counts in its own row.
 */
static void an_interrupted_ingestion_keeps_its_files_counts(void **state)
{
    fixture_t *f = *state;
    char a[256], b[256], q[512];
    snprintf(a, sizeof(a), "%s", write_sql(f, "c1.sql", "INSERT INTO t1 SELECT a FROM s;\n"));
    snprintf(b, sizeof(b), "%s", write_sql(f, "c2.sql", "INSERT INTO t2 SELECT a, b FROM s;\n"));
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    char id[INGEST_ID_MAX];
    ingest_t *in = opened_and_begun(&opts, &(ingest_meta_t){.source = "cli"}, id);
    assert_int_equal(ingest_add_file(in, id, a, "c1.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, b, "c2.sql", NULL, 0), INGEST_OK);
    /* no ingest_end: more input could come, as while `lineaged ingest` walks a tree */
    snprintf(q, sizeof(q),
             "SELECT count(*) = 2 AND sum(f.nodes_created) > 0 FROM files f JOIN ingestions i ON i.id = f.ingestion_id"
             " WHERE i.id = '%s' AND i.status = 'running' AND f.status = 'processed'",
             id);
    int64_t seen = 0;
    for(int i = 0; i < 500 && !seen; i++) { /* 10 s at most */
        seen = count(f, q);
        if(!seen)
            usleep(20000);
    }
    assert_int_equal(seen, 1);
    ingest_close(in, 0); /* its input never completed: interrupted */
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM ingestions WHERE id = '%s' AND status = 'interrupted' AND total_files = 2"
             " AND files_processed = 2 AND files_failed = 0 AND files_skipped = 0 AND nodes_created > 0",
             id);
    assert_int_equal(count(f, q), 1);
}

/* Killed between its last file's commit and its own end: it only needs finishing. */
static void recovery_finishes_what_was_done(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(
        duckdb_query(f->conn,
                     "INSERT INTO ingestions (id, source, project_id, status, input_complete, started_at)"
                     " VALUES ('ing_cc', 'github', 'default', 'running', true, now());"
                     "INSERT INTO files (id, ingestion_id, project_id, path, owned, status, created_at,"
                     " updated_at) VALUES (7, 'ing_cc', 'default', 'y.sql', false, 'processed', now(), now())",
                     NULL),
        DuckDBSuccess);
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    ingest_t *in = opened(&opts);
    ingest_close(in, 1);
    assert_int_equal(count(f, "SELECT count(*) FROM ingestions WHERE id = 'ing_cc' AND status = 'completed' AND "
                              "files_processed = 1 AND total_files = 1"),
                     1);
}

/* A name that is not UTF-8 (a Latin-1 file name) would make DuckDB refuse the whole batch. */
static void names_are_made_utf8(void **state)
{
    fixture_t *f = *state;
    char a[256];
    snprintf(a, sizeof(a), "%s", write_sql(f, "u.sql", "INSERT INTO t SELECT a FROM s;\n"));
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    char id[INGEST_ID_MAX];
    ingest_t *in = opened_and_begun(&opts, &(ingest_meta_t){.source = "cli"}, id);
    assert_int_equal(ingest_add_file(in, id, a, "caf\xe9/\xff.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    ingest_close(in, 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'caf?/?.sql' AND status = 'processed'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE kind = 'file' AND name = 'caf?/?.sql'"), 1);
}

static void no_wake(void *arg)
{
    (void)arg;
}

/* Events of one ingestion, in order, each valid against its contract schema. */
static void events_follow_the_contract(void **state)
{
    fixture_t *f = *state;
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s", write_sql(f, "a.sql", "INSERT INTO t SELECT a FROM s;\n"));
    snprintf(b, sizeof(b), "%s", write_sql(f, "b.sql", "SELECT * FROM ;\n"));
    bus_t *bus = bus_new(1024, no_wake, NULL);
    ingest_opts_t opts = {.store = f->store, .bus = bus, .workers = 1};
    char id[INGEST_ID_MAX];
    ingest_t *in = opened_and_begun(&opts, &(ingest_meta_t){.source = "upload", .project_id = "p1"}, id);
    assert_int_equal(ingest_add_file(in, id, a, "a.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, b, "b.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    ingest_close(in, 1);
    const char *want[] = {"ingestion_started",  "ingestion_progress", "ingestion_progress",
                          "ingestion_progress", "ingestion_progress", "ingestion_complete"};
    size_t n = 0, finals = 0;
    json_t *complete = NULL;
    bus_event_t *head = bus_drain(bus);
    for(bus_event_t *ev = head; ev; ev = ev->next) {
        assert_true(n < sizeof(want) / sizeof(want[0]));
        assert_string_equal(ev->type, want[n]);
        enum event_type type;
        char why[160] = "";
        assert_int_equal(event_type_from_name(ev->type, &type), 0);
        if(schema_validate(type, ev->data, why, sizeof(why)))
            fail_msg("%s: %s", ev->type, why);
        assert_string_equal(json_string_value(json_object_get(ev->data, "ingestion_id")), id);
        const char *st = json_string_value(json_object_get(ev->data, "status"));
        if(type == EV_INGESTION_PROGRESS && strcmp(st, "processing") != 0)
            finals++;
        if(type == EV_INGESTION_STARTED) /* the files known by then: they may still be arriving */
            assert_in_range(json_integer_value(json_object_get(ev->data, "total_files")), 1, 2);
        if(type == EV_INGESTION_COMPLETE)
            complete = json_incref(ev->data);
        n++;
    }
    bus_event_free_list(head);
    assert_int_equal(n, 6);
    assert_int_equal(finals, 2);
    assert_non_null(complete);
    assert_string_equal(json_string_value(json_object_get(complete, "status")), "completed_with_errors");
    assert_int_equal(json_integer_value(json_object_get(complete, "files_failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(complete, "total_files")), 2);
    json_t *errors = json_object_get(complete, "errors");
    assert_int_equal(json_array_size(errors), 1);
    const char *err = json_string_value(json_object_get(json_array_get(errors, 0), "error"));
    assert_true(strncmp(err, "b.sql:1:", 8) == 0);
    json_decref(complete);
    bus_free(bus);
}

/* What ingest_submit's callback saw, from the writer thread. */
typedef struct recorded {
    fixture_t *f;
    int calls, rc;
    int64_t rows; /* the ingestion's file rows committed when it was called */
    char id[INGEST_ID_MAX];
} recorded_t;

static void on_recorded(void *ud, const char *id, int rc)
{
    recorded_t *r = ud;
    r->calls++;
    r->rc = rc;
    snprintf(r->id, sizeof(r->id), "%s", id);
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM files f JOIN ingestions i ON i.id = f.ingestion_id WHERE i.id = '%s' AND"
             " i.input_complete AND i.total_files = 3",
             id);
    r->rows = count(r->f, q); /* another connection: only committed rows are seen */
}

typedef struct grouped {
    ingest_t *in;
    size_t final;
    int64_t groups, grouped_files;
} grouped_t;

static void count_groups(void *ud, const ingest_file_event_t *ev)
{
    grouped_t *g = ud;
    g->final++;
    if(ev->files_done == ev->total_files)
        ingest_group_counts(g->in, &g->groups, &g->grouped_files);
}

/*
 * Small files handed over together share a few commits, not one per max_inflight (16) of them: up
 * to 64 go to the workers at once, and the writer gathers those still being parsed.
 */
static void small_files_share_commits(void **state)
{
    fixture_t *f = *state;
    enum { N = 64 };
    char paths[N][256], names[N][16];
    ingest_file_t files[N];
    for(int i = 0; i < N; i++) {
        char name[16], sql[96];
        snprintf(name, sizeof(name), "s%d.sql", i);
        snprintf(sql, sizeof(sql), "INSERT INTO t%d SELECT a, b FROM s%d;\n", i, i);
        snprintf(paths[i], sizeof(paths[i]), "%s", write_sql(f, name, sql));
        snprintf(names[i], sizeof(names[i]), "%s", name);
        files[i] = (ingest_file_t){paths[i], names[i], NULL, 0, 0};
    }
    grouped_t g = {0};
    ingest_opts_t opts = {.store = f->store, .workers = 2, .on_file = count_groups, .ud = &g};
    g.in = opened(&opts);
    assert_int_equal(ingest_wait_ready(g.in), INGEST_OK);
    char id[INGEST_ID_MAX];
    assert_int_equal(ingest_submit(g.in, &(ingest_meta_t){.source = "upload"}, files, N, NULL, NULL, NULL, id), INGEST_OK);
    ingest_close(g.in, 1);
    assert_int_equal(g.final, N);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'processed'"), N);
    int64_t commits = g.groups + (N - g.grouped_files);
    assert_in_range(commits, 1, 3);
}

typedef struct loads {
    ingest_t *in;
    size_t final, loaded, hashed_only, reparsed;
    /* hold_hashed: a hashed-only file waits in its worker until another file was processed */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int hashed, processed_since;
} loads_t;

static void count_loads(void *ud, const ingest_file_event_t *ev)
{
    loads_t *l = ud;
    l->final++;
    if(ev->files_done == ev->total_files)
        ingest_load_counts(l->in, &l->loaded, &l->hashed_only, &l->reparsed);
    pthread_mutex_lock(&l->mu);
    if(l->hashed && strcmp(ev->status, "processed") == 0) {
        l->processed_since = 1;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
}

/* Waits (l->mu held) until *flag is set, 60 s at most; the flag's value. */
static int wait_flag(loads_t *l, const int *flag)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    while(!*flag && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
        ;
    return *flag;
}

static void hold_hashed(void *ud, const char *name, int hashed_only)
{
    loads_t *l = ud;
    (void)name;
    if(!hashed_only)
        return;
    pthread_mutex_lock(&l->mu);
    l->hashed = 1;
    pthread_cond_broadcast(&l->cv);
    wait_flag(l, &l->processed_since);
    pthread_mutex_unlock(&l->mu);
}

/* `files` through one pipeline on `opts` (its ud a loads_t), drained and closed. */
static void ingest_files(fixture_t *f, ingest_opts_t *opts, ingest_file_t *files, size_t n)
{
    loads_t *l = opts->ud;
    (void)f;
    l->in = opened(opts);
    assert_int_equal(ingest_wait_ready(l->in), INGEST_OK);
    char id[INGEST_ID_MAX];
    assert_int_equal(ingest_submit(l->in, &(ingest_meta_t){.source = "upload"}, files, n, NULL, NULL, NULL, id), INGEST_OK);
    ingest_close(l->in, 1);
}

/* Files whose paths already hold their content are read and hashed, not parsed, and skipped as duplicates. */
static void unchanged_files_are_hashed_not_parsed(void **state)
{
    fixture_t *f = *state;
    static const char *const names[] = {"a.sql", "b.sql", "c.sql"};
    static const char *const sql[] = {"INSERT INTO t1 SELECT a FROM s1;\n", "INSERT INTO t2 SELECT b FROM s2;\n",
                                      "INSERT INTO t3 SELECT c FROM s3;\n"};
    char paths[3][256];
    ingest_file_t files[3];
    for(int i = 0; i < 3; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s", write_sql(f, names[i], sql[i]));
        files[i] = (ingest_file_t){paths[i], names[i], NULL, 0, 0};
    }
    loads_t l = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    ingest_opts_t opts = {.store = f->store, .workers = 2, .on_file = count_loads, .ud = &l};
    ingest_files(f, &opts, files, 3);
    assert_int_equal(l.loaded, 3);
    assert_int_equal(l.hashed_only, 0);
    write_sql(f, "b.sql", "INSERT INTO t2 SELECT b FROM s2_new;\n");
    l.final = 0;
    ingest_files(f, &opts, files, 3);
    assert_int_equal(l.final, 3);
    assert_int_equal(l.loaded, 3);
    assert_int_equal(l.hashed_only, 2);
    assert_int_equal(l.reparsed, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'skipped' AND error LIKE 'duplicate%'"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE is_current AND status = 'processed'"), 3);
    /* b.sql, read whole before its parse, has its new lineage */
    assert_int_equal(edge_count(f, "READS_FROM", "t2", "s2_new") + edge_count(f, "DERIVES", "s2_new", "t2"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 's2'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 's1'"), 1);
}

/*
 * A file hashed only while its path had that content, stored after another version of the path
 * was committed: parsed after all, and stored as the newer version with its whole lineage.
 */
static void a_hashed_file_whose_path_changed_is_parsed(void **state)
{
    fixture_t *f = *state;
    char v1[256], v2[256];
    snprintf(v1, sizeof(v1), "%s", write_sql(f, "v1.sql", "INSERT INTO t SELECT a FROM s_one;\n"));
    snprintf(v2, sizeof(v2), "%s", write_sql(f, "v2.sql", "INSERT INTO t SELECT a FROM s_two;\n"));
    ingest_file_t one = {v1, "a.sql", NULL, 0, 0}, two = {v2, "a.sql", NULL, 0, 0};
    loads_t l = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    ingest_opts_t opts = {.store = f->store, .workers = 2, .on_file = count_loads, .ud = &l};
    ingest_files(f, &opts, &one, 1);

    opts.on_loaded = hold_hashed;
    l.in = opened(&opts);
    assert_int_equal(ingest_wait_ready(l.in), INGEST_OK);
    char id[INGEST_ID_MAX];
    assert_int_equal(ingest_submit(l.in, &(ingest_meta_t){.source = "upload"}, &one, 1, NULL, NULL, NULL, id), INGEST_OK);
    pthread_mutex_lock(&l.mu);
    int hashed = wait_flag(&l, &l.hashed);
    pthread_mutex_unlock(&l.mu);
    assert_true(hashed);
    /* while the unchanged copy waits in its worker, another version of a.sql is committed */
    assert_int_equal(ingest_submit(l.in, &(ingest_meta_t){.source = "upload"}, &two, 1, NULL, NULL, NULL, id), INGEST_OK);
    ingest_close(l.in, 1);
    assert_int_equal(l.hashed_only, 1);
    assert_int_equal(l.reparsed, 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'a.sql' AND status = 'processed'"), 3);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'skipped'"), 0);
    assert_int_equal(edge_count(f, "READS_FROM", "t", "s_one") + edge_count(f, "DERIVES", "s_one", "t"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 's_two'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM statements s JOIN files x ON x.id = s.file_id"
                              " WHERE x.is_current"),
                     1);
}

/* An ingestion whose files are all known: recorded in one transaction, announced with its whole total. */
static void submit_records_then_calls_back(void **state)
{
    fixture_t *f = *state;
    char a[256];
    snprintf(a, sizeof(a), "%s", write_sql(f, "a.sql", "INSERT INTO t SELECT a FROM s;\n"));
    bus_t *bus = bus_new(1024, no_wake, NULL);
    ingest_opts_t opts = {.store = f->store, .bus = bus, .workers = 1};
    ingest_t *in = opened(&opts);
    ingest_file_t files[] = {{a, "a.sql", NULL, 0, 0}, {a, "b.sql", NULL, 0, 0}, {"", "c.txt", "not a SQL file", 0, 0}};
    recorded_t rec = {.f = f};
    char id[INGEST_ID_MAX];
    ingest_meta_t meta = {.source = "upload"};
    ingest_file_t bad[] = {{a, "", NULL, 0, 0}};
    assert_int_equal(ingest_submit(in, &meta, bad, 1, NULL, on_recorded, &rec, id), INGEST_ERR_ARG);
    assert_int_equal(ingest_submit(in, &meta, files, 3, NULL, on_recorded, &rec, id), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, a, "late.sql", NULL, 0), INGEST_ERR_UNKNOWN); /* already ended */
    ingest_close(in, 1);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.rc, INGEST_OK);
    assert_string_equal(rec.id, id);
    assert_int_equal(rec.rows, 3);
    bus_event_t *head = bus_drain(bus);
    assert_non_null(head);
    assert_string_equal(head->type, "ingestion_started");
    assert_int_equal(json_integer_value(json_object_get(head->data, "total_files")), 3);
    bus_event_free_list(head);
    bus_free(bus);
}

static int refuse_claim(void *ud, const char *id)
{
    recorded_t *r = ud;
    snprintf(r->id, sizeof(r->id), "%s", id);
    return -1;
}

/*
 * A submission whose submitter stopped waiting (an upload answered 503 at --api-timeout before the
 * writer got to it): nothing of it is recorded or published, its owned file is removed, and its
 * callback says so. A submission queued beside it is recorded as usual.
 */
static void a_refused_claim_records_nothing(void **state)
{
    fixture_t *f = *state;
    char owned[256], kept[256];
    snprintf(owned, sizeof(owned), "%s", write_sql(f, "owned.sql", "INSERT INTO t SELECT a FROM s;\n"));
    snprintf(kept, sizeof(kept), "%s", write_sql(f, "kept.sql", "INSERT INTO u SELECT a FROM s;\n"));
    bus_t *bus = bus_new(1024, no_wake, NULL);
    ingest_opts_t opts = {.store = f->store, .bus = bus, .workers = 1};
    ingest_t *in = opened(&opts);
    ingest_file_t files[] = {{owned, "owned.sql", NULL, 1, 0}, {"", "c.txt", "not a SQL file", 0, 0}};
    ingest_file_t others[] = {{kept, "kept.sql", NULL, 0, 0}};
    recorded_t gone = {.f = f}, rec = {.f = f};
    char id[INGEST_ID_MAX], other[INGEST_ID_MAX];
    ingest_meta_t meta = {.source = "upload"};
    assert_int_equal(ingest_submit(in, &meta, files, 2, refuse_claim, on_recorded, &gone, id), INGEST_OK);
    assert_int_equal(ingest_submit(in, &meta, others, 1, NULL, on_recorded, &rec, other), INGEST_OK);
    ingest_close(in, 1);
    assert_int_equal(gone.calls, 1);
    assert_int_equal(gone.rc, INGEST_ERR_EXPIRED);
    assert_string_equal(gone.id, id);
    assert_int_equal(access(owned, F_OK), -1);
    assert_int_equal(count(f, "SELECT count(*) FROM ingestions"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path IN ('owned.sql', 'c.txt')"), 0);
    assert_int_equal(rec.rc, INGEST_OK);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'kept.sql' AND status = 'processed'"), 1);
    bus_event_t *head = bus_drain(bus);
    assert_non_null(head); /* the other submission's */
    for(bus_event_t *e = head; e; e = e->next) {
        json_t *ing = json_object_get(e->data, "ingestion_id");
        assert_true(!ing || strcmp(json_string_value(ing), id) != 0);
    }
    bus_event_free_list(head);
    bus_free(bus);
}

/*
 * stat() for the process (the ingest code linked into this test calls it): on a "stat-probe" path,
 * another thread takes the ingest lock (any call that queues does) while this one is in stat. When
 * the caller holds that lock, the other thread cannot have it until stat returns: counted as held.
 */
static ingest_t *probe_in;
static int probe_stats, probe_held;
static pthread_t probe_waiter;
static int probe_waiting;

static void *take_ingest_lock(void *arg)
{
    ingest_note_progress(arg, "ing_none", "probe", 0); /* no such ingestion: it only takes the lock */
    return NULL;
}

int stat(const char *restrict path, struct stat *restrict st)
{
    static int (*real)(const char *restrict, struct stat *restrict);
    if(!real)
        real = (int (*)(const char *restrict, struct stat *restrict))dlsym(RTLD_NEXT, "stat");
    if(probe_in && strstr(path, "stat-probe")) {
        pthread_t t;
        if(pthread_create(&t, NULL, take_ingest_lock, probe_in))
            return -1; /* the test then finds no stat */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 60; /* a lock taken and let go: only a deadlock takes this long */
        probe_stats++;
        if(pthread_timedjoin_np(t, NULL, &until)) {
            probe_held++;
            probe_waiter = t; /* it gets the lock once this caller lets it go; joined by the test */
            probe_waiting = 1;
        }
    }
    return real(path, st);
}

/* The writer reads a file's size off the lock that the service thread's calls (queueing) take. */
static void a_file_is_sized_off_the_ingest_lock(void **state)
{
    fixture_t *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "%s", write_sql(f, "stat-probe.sql", "INSERT INTO t SELECT a FROM s;\n"));
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    ingest_t *in = opened(&opts);
    assert_int_equal(ingest_wait_ready(in), INGEST_OK);
    ingest_file_t files[] = {{path, "stat-probe.sql", NULL, 0, 0}};
    char id[INGEST_ID_MAX];
    probe_in = in;
    assert_int_equal(ingest_submit(in, &(ingest_meta_t){.source = "upload"}, files, 1, NULL, NULL, NULL, id), INGEST_OK);
    ingest_close(in, 1);
    probe_in = NULL;
    if(probe_waiting)
        pthread_join(probe_waiter, NULL);
    probe_waiting = 0;
    assert_true(probe_stats > 0);
    assert_int_equal(probe_held, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'stat-probe.sql' AND status = 'processed'"), 1);
}

/* A graph large enough that reading it takes far longer than a function return (300,000 nodes). */
#define BIG_GRAPH_NODES 300000

static void fill_big_graph(fixture_t *f)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO nodes (id, kind, name, project, temporary, first_seen)"
             " SELECT i, 'table', 'big.t' || i, 1, false, now() FROM range(1, %d + 1) r(i);"
             "INSERT INTO edges (source, target, kind, statement_id)"
             " SELECT i, i + 1, 'DERIVES', 1 FROM range(1, %d) r(i)",
             BIG_GRAPH_NODES, BIG_GRAPH_NODES);
    assert_int_equal(duckdb_query(f->conn, sql, NULL), DuckDBSuccess);
}

/* stderr (the log) into a file while `capture` is set; the file's text once it is over. */
typedef struct captured {
    int saved;
    char path[96];
} captured_t;

static void capture_start(fixture_t *f, captured_t *c)
{
    snprintf(c->path, sizeof(c->path), "%s/stderr.log", f->dir);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(c->saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

static char *capture_end(captured_t *c)
{
    fflush(stderr);
    assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    FILE *fp = fopen(c->path, "r");
    assert_non_null(fp);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, fp);
    text[n] = '\0';
    fclose(fp);
    return text;
}

/* The server's shutdown right after its start: the writer's read of a large graph is cut short. */
static void shutdown_stops_the_startup_read(void **state)
{
    fixture_t *f = *state;
    fill_big_graph(f);
    captured_t cap;
    capture_start(f, &cap);
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    ingest_t *in = NULL;
    int rc = ingest_open(&opts, &in);
    if(!rc)
        ingest_close(in, 0);
    char *log = capture_end(&cap);
    assert_int_equal(rc, INGEST_OK);
    assert_non_null(strstr(log, "ingest.load_stopped"));
    assert_null(strstr(log, "ingest.loaded"));
    assert_int_equal(count(f, "SELECT count(*) FROM nodes"), BIG_GRAPH_NODES);
}

/* Whether the log captured so far holds `what`. */
static int captured_has(const captured_t *c, const char *what)
{
    static char text[1 << 16];
    FILE *fp = fopen(c->path, "r");
    size_t n = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
    if(fp)
        fclose(fp);
    text[n] = '\0';
    return strstr(text, what) != NULL;
}

/*
 * Edges hold node and statement ids in 32 bits (migration 11): a file that would take an id past
 * the limit fails with nothing stored and ingest.id_limit logged, never an id that wraps. A limit
 * of 5 stands in for 2^32 - 1: a.sql makes nodes 1-5 (s, s.c, t, t.c, the file) and statement 1.
 */
static void ids_past_32_bits_fail_the_file_and_keep_the_graph(void **state)
{
    fixture_t *f = *state;
    writer_result_t r;
    store_sql(f, "a.sql", "INSERT INTO t SELECT c FROM s;", &r);
    assert_int_equal(count(f, "SELECT max(id) FROM nodes"), 5);
    int64_t nodes = count(f, "SELECT count(*) FROM nodes"), edges = count(f, "SELECT count(*) FROM edges");
    writer_limit_ids(f->w, 5);
    captured_t cap;
    capture_start(f, &cap);
    /* a new name: node 6 */
    int new_node = try_store(f, "b.sql", "INSERT INTO t SELECT c FROM s;", &r);
    /* only known names, statements 2 to 6 */
    int new_stmts =
        try_store(f, "a.sql",
                  "INSERT INTO t SELECT c FROM s; INSERT INTO t SELECT c FROM s; INSERT INTO t SELECT c FROM "
                  "s; INSERT INTO t SELECT c FROM s; INSERT INTO t SELECT c FROM s;",
                  &r);
    char *log = capture_end(&cap);
    assert_int_equal(new_node, -1);
    assert_int_equal(new_stmts, -1);
    assert_non_null(strstr(log, "ingest.id_limit"));
    assert_int_equal(count(f, "SELECT count(*) FROM nodes"), nodes);
    assert_int_equal(count(f, "SELECT count(*) FROM edges"), edges);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 1);
    /* what fits is stored: a new version of a.sql, statements 2 to 5 */
    assert_int_equal(try_store(f, "a.sql",
                               "INSERT INTO t SELECT c FROM s; INSERT INTO t SELECT c FROM s; INSERT INTO t SELECT c "
                               "FROM s; INSERT INTO t SELECT c FROM s;",
                               &r),
                     0);
    assert_string_equal(r.status, "processed");
    assert_int_equal(count(f, "SELECT max(id) FROM statements"), 5);
    writer_limit_ids(f->w, 0);
    store_sql(f, "b.sql", "INSERT INTO u SELECT c FROM t;", &r);
    assert_int_equal(edge_count(f, "DERIVES", "t", "u"), 1);
    assert_nothing_stale(f);
}

/*
 * A superseded version's edges are found by its statements' ids, one range when they are
 * consecutive (as the writer gives them); a file whose ids are not (moved here by hand, as no
 * writer does) still loses exactly its own edges, not those of a file whose ids fall between.
 */
static void a_version_with_scattered_statement_ids_is_superseded_exactly(void **state)
{
    fixture_t *f = *state;
    writer_result_t r;
    store_sql(f, "a.sql", "INSERT INTO t1 SELECT c FROM s1;\nINSERT INTO t2 SELECT c FROM s2;\n", &r);
    store_sql(f, "b.sql", "INSERT INTO t3 SELECT c FROM s3;\n", &r);
    assert_int_equal(count(f, "SELECT count(*) FROM statements s JOIN files f ON f.id = s.file_id"
                              " WHERE f.path = 'b.sql' AND s.id = 3"),
                     1);
    assert_int_equal(duckdb_query(f->conn,
                                  "UPDATE statements SET id = 100 WHERE id = 2; UPDATE edges SET statement_id = 100"
                                  " WHERE statement_id = 2",
                                  NULL),
                     DuckDBSuccess);
    int64_t b_edges = count(f, "SELECT count(*) FROM edges WHERE statement_id = 3");
    assert_true(b_edges > 0);
    store_sql(f, "a.sql", "INSERT INTO t1 SELECT c FROM s4;\n", &r);
    assert_int_equal(count(f, "SELECT count(*) FROM edges WHERE statement_id = 3"), b_edges);
    assert_int_equal(count(f, "SELECT count(*) FROM edges WHERE statement_id IN (1, 100)"), 0);
    assert_int_equal(edge_count(f, "DERIVES", "s3", "t3"), 1);
    assert_int_equal(edge_count(f, "DERIVES", "s4", "t1"), 1);
    assert_nothing_stale(f);
}

#define RECOVER_INGESTIONS 150

/*
 * A shutdown while the writer recovers unfinished ingestions (after the graph's read): the stop ends
 * the recovery where it is, logged as ingest.load_stopped, never as the error ingest.recover_failed
 * (which it was when the interrupted query failed); what it did not reach is recovered next time.
 */
static void shutdown_during_recovery_is_a_stop(void **state)
{
    fixture_t *f = *state;
    char sql[1024];
    /* each ingestion's file is gone from disk: recovering it costs two queries */
    snprintf(sql, sizeof(sql),
             "INSERT INTO ingestions (id, source, project_id, status, input_complete, started_at)"
             " SELECT printf('ing_%%016x', i), 'upload', 'default', 'running', true, now() FROM range(%d) r(i);"
             "INSERT INTO files (id, ingestion_id, project_id, path, disk_path, owned, status, created_at, updated_at)"
             " SELECT 1000 + i, printf('ing_%%016x', i), 'default', 'f' || i || '.sql', '%s/gone/f' || i || '.sql',"
             " false, 'pending', now(), now() FROM range(%d) r(i)",
             RECOVER_INGESTIONS, f->dir, RECOVER_INGESTIONS);
    assert_int_equal(duckdb_query(f->conn, sql, NULL), DuckDBSuccess);
    captured_t cap;
    capture_start(f, &cap);
    ingest_opts_t opts = {.store = f->store, .workers = 1};
    ingest_t *in = NULL;
    int rc = ingest_open(&opts, &in);
    /* the graph's read is over once it is logged: the recovery runs from there */
    for(int i = 0; rc == INGEST_OK && i < 60000 && !captured_has(&cap, "ingest.loaded"); i++)
        nanosleep(&(struct timespec){.tv_nsec = 1000 * 1000}, NULL);
    if(!rc)
        ingest_close(in, 0);
    char *log = capture_end(&cap);
    assert_int_equal(rc, INGEST_OK);
    assert_non_null(strstr(log, "ingest.loaded"));
    assert_non_null(strstr(log, "ingest.load_stopped"));
    assert_null(strstr(log, "recover_failed"));
    /* stopped part-way: some files were recovered (their input gone), the rest were not reached */
    int lost = count(f, "SELECT count(*) FROM files WHERE status = 'error'");
    assert_true(lost < RECOVER_INGESTIONS);
    assert_int_equal(count(f, "SELECT count(*) FROM ingestions WHERE status = 'running'"), RECOVER_INGESTIONS);
    /* the next start recovers the rest */
    assert_int_equal(ingest_open(&opts, &in), INGEST_OK);
    ingest_close(in, 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'error'"), RECOVER_INGESTIONS);
    assert_int_equal(count(f, "SELECT count(*) FROM ingestions WHERE status = 'failed'"), RECOVER_INGESTIONS);
}

/* Files submitted while the graph is read wait for it, then get ids after the existing ones. */
static void files_sent_during_the_startup_read_wait_for_it(void **state)
{
    fixture_t *f = *state;
    fill_big_graph(f);
    char a[256];
    snprintf(a, sizeof(a), "%s", write_sql(f, "a.sql", "INSERT INTO big.t7 SELECT a FROM fresh.src;\n"));
    captured_t cap;
    capture_start(f, &cap);
    seen_t seen = {0};
    ingest_opts_t opts = {.store = f->store, .workers = 1, .on_file = count_file, .ud = &seen};
    ingest_t *in = NULL;
    int rc = ingest_open(&opts, &in);
    recorded_t rec = {.f = f};
    char id[INGEST_ID_MAX];
    ingest_meta_t meta = {.source = "upload"};
    ingest_file_t files[] = {{a, "a.sql", NULL, 0, 0}};
    int submitted = rc ? rc : ingest_submit(in, &meta, files, 1, NULL, on_recorded, &rec, id);
    if(!rc)
        ingest_close(in, 1);
    char *log = capture_end(&cap);
    assert_int_equal(rc, INGEST_OK);
    assert_int_equal(submitted, INGEST_OK);
    /* queued before the read was over ("ingest.begun" is logged by the submitting thread) */
    const char *begun = strstr(log, "ingest.begun"), *loaded = strstr(log, "ingest.loaded");
    assert_non_null(begun);
    assert_non_null(loaded);
    assert_true(begun < loaded);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.rc, INGEST_OK);
    assert_int_equal(seen.processed, 1);
    /* the existing node is reused, the new ones come after the graph's ids */
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'big.t7'"), 1);
    char q[128];
    snprintf(q, sizeof(q), "SELECT count(*) FROM nodes WHERE name = 'fresh.src' AND id > %d", BIG_GRAPH_NODES);
    assert_int_equal(count(f, q), 1);
}

static int64_t count_in(store_t *store, const char *sql)
{
    duckdb_connection conn;
    duckdb_result res;
    assert_int_equal(store_connect(store, &conn), STORE_OK);
    assert_int_equal(duckdb_query(conn, sql, &res), DuckDBSuccess);
    int64_t n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    return n;
}

/* The memory limit DuckDB reports, as the string current_setting gives. */
static void assert_memory_limit(store_t *store, int mb)
{
    char want[32];
    duckdb_connection conn;
    duckdb_result res;
    assert_int_equal(store_connect(store, &conn), STORE_OK);
    assert_int_equal(duckdb_query(conn, "SELECT current_setting('memory_limit')", &res), DuckDBSuccess);
    char *limit = duckdb_value_varchar(&res, 0, 0);
    snprintf(want, sizeof(want), "%d.0 MiB", mb);
    assert_string_equal(limit, want);
    duckdb_free(limit);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
}

/*
 * Files of 1 MiB into a database with a small cache (`mb`): every file ends processed, and the limit
 * is the same afterwards. The commits fit in the room the limit keeps above the cache
 * (STORE_COMMIT_ROOM_MB), so none changes the limit: each change purges DuckDB's allocator and trims
 * every heap of the process. Without that room, at 16 MiB commits failed before they were written,
 * and at 24 MiB the checkpoint inside one failed after the transaction was in the WAL. `squeeze`
 * takes the room away (another connection sets the limit to the cache alone): then commits run out,
 * and each such file is stored again with the limit raised for it, and the writer's limit put back.
 * `group` files at a time go through writer_store_files (one transaction for them when it fits).
 */
static void fill_under_a_memory_limit(fixture_t *f, int mb, size_t group, int files, int squeeze)
{
    char path[128], err[256];
    snprintf(path, sizeof(path), "%s/limit%d.duckdb", f->dir, mb);
    store_t *store = NULL;
    writer_t *w = NULL;
    assert_int_equal(store_open_with(path, mb, &store, err, sizeof(err)), STORE_OK);
    assert_int_equal(writer_open(store, &w, err, sizeof(err)), 0);
    assert_int_equal(writer_load(w, NULL), 0);
    if(squeeze) {
        char sql[64];
        snprintf(sql, sizeof(sql), "SET memory_limit = '%dMiB'", mb);
        assert_int_equal(duckdb_query(writer_conn(w), sql, NULL), DuckDBSuccess);
    }
    buf_t sql;
    buf_init(&sql, 4u << 20);
    writer_file_t wf[4];
    parsed_file_t *p[4] = {0};
    char names[4][32];
    for(int i = 0; i < files;) {
        size_t n = 0;
        for(; n < group && i < files; n++, i++) {
            buf_reset(&sql);
            for(int k = 0; sql.len < (1u << 20); k++)
                assert_int_equal(buf_printf(&sql, "INSERT INTO mart.t%d_%d (a, b) SELECT a, b FROM raw.s%d_%d;\n", i,
                                            k % 500, i, k % 700),
                                 0);
            snprintf(names[n], sizeof(names[n]), "f%02d.sql", i);
            const char *disk = write_sql(f, "big.sql", sql.data);
            wf[n] =
                (writer_file_t){.ingestion_id = "ing_00", .project = "default", .path = names[n], .disk_path = disk};
            assert_int_equal(writer_begin(w), 0);
            assert_int_equal(writer_file_add(w, &wf[n], NULL), 0);
            assert_int_equal(writer_commit(w), 0);
            p[n] = parsed_file_load(disk, SQL_DIALECT_ANSI, 4u << 20, NULL);
            assert_non_null(p[n]);
        }
        const writer_file_t *fs[4] = {&wf[0], &wf[1], &wf[2], &wf[3]};
        const parsed_file_t *ps[4] = {p[0], p[1], p[2], p[3]};
        writer_result_t res[4];
        int rc[4];
        writer_store_files(w, n, fs, ps, res, rc);
        for(size_t k = 0; k < n; k++) {
            assert_int_equal(rc[k], 0);
            free(res[k].error);
            parsed_file_free(p[k]);
        }
    }
    buf_free(&sql);
    int64_t commits, limit_sets;
    writer_commit_counts(w, &commits, &limit_sets);
    if(squeeze)
        assert_true(limit_sets >= 2); /* raised for a file, and put back */
    else
        assert_int_equal(limit_sets, 0);
    assert_int_equal(count_in(store, "SELECT count(*) FROM files WHERE status = 'processed'"), files);
    assert_memory_limit(store, mb + STORE_COMMIT_ROOM_MB);
    writer_close(w);
    store_close(store);
}

static void out_of_memory_commits_cost_no_file(void **state)
{
    fill_under_a_memory_limit(*state, 16, 1, 24, 0);
}

/* 9 such files in groups (2 MiB of SQL a transaction). */
static void out_of_memory_groups_cost_no_file(void **state)
{
    fill_under_a_memory_limit(*state, 16, 3, 9, 0);
}

static void a_failed_checkpoint_after_the_commit_costs_no_file(void **state)
{
    fill_under_a_memory_limit(*state, 24, 1, 24, 0);
}

/* Without the room, commits run out of the limit: each file is stored again with it raised. */
static void commits_out_of_the_limit_are_stored_again_with_it_raised(void **state)
{
    fill_under_a_memory_limit(*state, 12, 1, 3, 1);
}

/*
 * Stores `sql` as file `name` in a transaction of its own (writer_store_file); returns how many
 * times that changed DuckDB's memory limit, the pending row's batch included.
 */
static int64_t store_counting_limit_sets(fixture_t *f, writer_t *w, const char *name, const char *sql)
{
    int64_t commits, sets, commits_after, sets_after;
    const char *disk = write_sql(f, name, sql);
    writer_file_t wf = {.ingestion_id = "ing_00", .project = "default", .path = name, .disk_path = disk};
    writer_commit_counts(w, &commits, &sets);
    assert_int_equal(writer_begin(w), 0);
    assert_int_equal(writer_file_add(w, &wf, NULL), 0);
    assert_int_equal(writer_commit(w), 0);
    parsed_file_t *p = parsed_file_load(disk, SQL_DIALECT_ANSI, 4u << 20, NULL);
    assert_non_null(p);
    writer_result_t res;
    assert_int_equal(writer_store_file(w, &wf, p, &res), 0);
    assert_string_equal(res.status, "processed");
    free(res.error);
    parsed_file_free(p);
    writer_commit_counts(w, &commits_after, &sets_after);
    assert_int_equal(commits_after - commits, 2);
    return sets_after - sets;
}

/*
 * Changing DuckDB's memory limit purges its allocator and trims every heap of the process, so the
 * pages are faulted in again by the next file: no commit changes it at the default limit, neither
 * for small files nor for 1 MiB files whose commits take the WAL past DuckDB's checkpoint threshold
 * (16 MiB: the WAL holds less than the 12 MiB of file texts at the end, so commits checkpointed).
 */
static void no_commit_changes_the_memory_limit(void **state)
{
    fixture_t *f = *state;
    char path[128], wal[160], err[256], name[32];
    snprintf(path, sizeof(path), "%s/room.duckdb", f->dir);
    store_t *store = NULL;
    writer_t *w = NULL;
    assert_int_equal(store_open_with(path, STORE_MEMORY_MB_DEFAULT, &store, err, sizeof(err)), STORE_OK);
    assert_int_equal(writer_open(store, &w, err, sizeof(err)), 0);
    assert_int_equal(writer_load(w, NULL), 0);
    for(int i = 0; i < 10; i++) {
        char sql[128];
        snprintf(name, sizeof(name), "small%d.sql", i);
        snprintf(sql, sizeof(sql), "INSERT INTO mart.t%d (a) SELECT a FROM raw.s%d;\n", i, i);
        assert_int_equal(store_counting_limit_sets(f, w, name, sql), 0);
    }
    buf_t sql;
    buf_init(&sql, 4u << 20);
    for(int i = 0; i < 12; i++) {
        buf_reset(&sql);
        for(int k = 0; sql.len < (1u << 20); k++)
            assert_int_equal(buf_printf(&sql, "INSERT INTO mart.b%d_%d (a, b) SELECT a, b FROM raw.c%d_%d;\n", i,
                                        k % 500, i, k % 700),
                             0);
        snprintf(name, sizeof(name), "big%d.sql", i);
        assert_int_equal(store_counting_limit_sets(f, w, name, sql.data), 0);
    }
    buf_free(&sql);
    struct stat st;
    snprintf(wal, sizeof(wal), "%s.wal", path);
    assert_true(stat(wal, &st) || st.st_size < (off_t)(12u << 20));
    assert_int_equal(count_in(store, "SELECT count(*) FROM files WHERE status = 'processed'"), 22);
    assert_memory_limit(store, STORE_MEMORY_MB_DEFAULT + STORE_COMMIT_ROOM_MB);
    writer_close(w);
    store_close(store);
}

/* ---- group commit: several files in one transaction ---- */

typedef struct prepared {
    writer_file_t wf;
    parsed_file_t *p;
    writer_result_t res;
    int rc;
    char disk[256];
} prepared_t;

/* A pending file row for `name` in `project` (its text on disk under its own name), parsed. */
static void prepare_file_in(fixture_t *f, writer_t *w, prepared_t *pf, int i, const char *name, const char *sql,
                            const char *project)
{
    char disk_name[32];
    snprintf(disk_name, sizeof(disk_name), "group%d.sql", i);
    snprintf(pf->disk, sizeof(pf->disk), "%s", write_sql(f, disk_name, sql));
    pf->wf = (writer_file_t){.ingestion_id = "ing_00", .project = project, .path = name, .disk_path = pf->disk};
    assert_int_equal(writer_begin(w), 0);
    assert_int_equal(writer_file_add(w, &pf->wf, NULL), 0);
    assert_int_equal(writer_commit(w), 0);
    pf->p = parsed_file_load(pf->disk, SQL_DIALECT_ANSI, 1 << 20, NULL);
    assert_non_null(pf->p);
    assert_int_equal(pf->p->outcome, PARSED_OK);
}

static void prepare_file(fixture_t *f, writer_t *w, prepared_t *pf, int i, const char *name, const char *sql)
{
    prepare_file_in(f, w, pf, i, name, sql, "default");
}

/* writer_store_files over `n` prepared files: one group when nothing fails. */
static void store_group(writer_t *w, prepared_t *pf, size_t n)
{
    const writer_file_t *files[8];
    const parsed_file_t *parsed[8];
    writer_result_t res[8];
    int rc[8];
    assert_true(n <= 8);
    for(size_t i = 0; i < n; i++) {
        files[i] = &pf[i].wf;
        parsed[i] = pf[i].p;
    }
    writer_store_files(w, n, files, parsed, res, rc);
    for(size_t i = 0; i < n; i++) {
        pf[i].res = res[i];
        pf[i].rc = rc[i];
    }
}

static void prepared_free(prepared_t *pf, size_t n)
{
    for(size_t i = 0; i < n; i++) {
        free(pf[i].res.error);
        parsed_file_free(pf[i].p);
    }
}

static const char *const group_sql[] = {
    "INSERT INTO mart.a (x) SELECT x FROM raw.a;\n",
    "CREATE VIEW v AS SELECT y FROM new_src;\n",
    "INSERT INTO mart.b (x, y) SELECT s.x, v.y FROM raw.b s JOIN v ON v.y = s.y;\n",
};

/*
 * A group's file rows get their final state from one UPDATE that DuckDB runs on the rows appended
 * to it (docs/ingest.md, fifteenth round): every column of every row, NULL errors included, one
 * UPDATE a transaction.
 */
static void a_group_commit_writes_its_file_rows_in_one_update(void **state)
{
    fixture_t *f = *state;
    prepared_t pf[4];
    const char *names[] = {"a.sql", "b.sql", "c.sql", "d.sql"};
    for(int i = 0; i < 4; i++)
        prepare_file(f, f->w, &pf[i], i, names[i], group_sql[i % 2 ? 2 : 0]);
    int64_t before = writer_done_flushes(f->w);
    store_group(f->w, pf, 2);
    store_group(f->w, pf + 2, 2);
    assert_int_equal(writer_done_flushes(f->w) - before, 2);
    for(int i = 0; i < 4; i++) {
        assert_int_equal(pf[i].rc, 0);
        assert_string_equal(pf[i].res.status, "processed");
        char sql[512];
        snprintf(
            sql, sizeof(sql),
            "SELECT count(*) FROM files WHERE path = '%s' AND status = 'processed' AND error IS NULL AND is_current"
            " AND statements = 1 AND nodes_created = %" PRId64 " AND sha256 = '%s' AND size_bytes = %" PRId64
            " AND dialect = 'ansi' AND updated_at >= created_at",
            names[i], pf[i].res.nodes_created, pf[i].p->sha256, pf[i].p->size);
        assert_int_equal(count(f, sql), 1);
    }
    prepared_free(pf, 4);
}

/*
 * One file of a group fails inside the transaction (another connection has updated the row of the version
 * it supersedes: DuckDB refuses the update). The group is rolled back and its files stored one by
 * one: the others are stored, that one alone fails, and the graph is that of a clean run of the
 * others. Without the retry the whole group would be lost.
 */
static void a_failed_file_costs_its_group_nothing(void **state)
{
    fixture_t *f = *state;
    writer_result_t first;
    store_counts_t total = {0};
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT y FROM old_src;\n", &first);
    add_delta(&total, &first.delta);
    assert_int_equal(duckdb_query(f->conn, "BEGIN TRANSACTION", NULL), DuckDBSuccess);
    assert_int_equal(duckdb_query(f->conn, "UPDATE files SET updated_at = updated_at WHERE path = 'v.sql'", NULL),
                     DuckDBSuccess);
    prepared_t pf[3];
    const char *names[] = {"a.sql", "v.sql", "b.sql"};
    for(int i = 0; i < 3; i++)
        prepare_file(f, f->w, &pf[i], i, names[i], group_sql[i]);
    store_group(f->w, pf, 3);
    assert_int_equal(duckdb_query(f->conn, "ROLLBACK", NULL), DuckDBSuccess);
    assert_int_equal(pf[0].rc, 0);
    assert_int_equal(pf[1].rc, -1);
    assert_int_equal(pf[2].rc, 0);
    assert_string_equal(pf[0].res.status, "processed");
    assert_string_equal(pf[2].res.status, "processed");
    add_delta(&total, &pf[0].res.delta);
    add_delta(&total, &pf[2].res.delta);
    assert_counts_match(f, &total);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'processed' AND is_current"), 3);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'old_src'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'new_src'"), 0);
    prepared_free(pf, 3);

    /* The same files, each alone, on a database of their own. */
    store_t *store = NULL;
    writer_t *w = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &store, err, sizeof(err)), STORE_OK);
    assert_int_equal(writer_open(store, &w, err, sizeof(err)), 0);
    assert_int_equal(writer_load(w, NULL), 0);
    prepared_t clean[3];
    prepare_file(f, w, &clean[0], 3, "v.sql", "CREATE VIEW v AS SELECT y FROM old_src;\n");
    prepare_file(f, w, &clean[1], 4, "a.sql", group_sql[0]);
    prepare_file(f, w, &clean[2], 5, "b.sql", group_sql[2]);
    for(int i = 0; i < 3; i++)
        assert_int_equal(writer_store_file(w, &clean[i].wf, clean[i].p, &clean[i].res), 0);
    duckdb_connection conn;
    assert_int_equal(store_connect(store, &conn), STORE_OK);
    store_counts_t want;
    assert_int_equal(store_counts(conn, &want), STORE_OK);
    assert_int_equal(total.nodes, want.nodes);
    assert_int_equal(total.edges, want.edges);
    assert_int_equal(total.table_nodes, want.table_nodes);
    assert_int_equal(total.files_processed, want.files_processed);
    duckdb_disconnect(&conn);
    prepared_free(clean, 3);
    writer_close(w);
    store_close(store);
}

/* The project a node row names (migration 12: an id into projects), or "" when it names none. */
static const char *node_project(fixture_t *f, const char *name)
{
    static char project[64];
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(any_value(p.name), '') FROM nodes n LEFT JOIN projects p ON p.id = n.project"
             " WHERE n.name = '%s'",
             name);
    duckdb_result res;
    assert_int_equal(duckdb_query(f->conn, sql, &res), DuckDBSuccess);
    char *v = duckdb_value_varchar(&res, 0, 0);
    snprintf(project, sizeof(project), "%s", v ? v : "");
    duckdb_free(v);
    duckdb_destroy_result(&res);
    return project;
}

/*
 * A node names the project of the file that first named it, by its id in projects. A project first
 * met in a group that is rolled back is added again when its files are stored one by one: the writer
 * must not remember the id of a row the rollback took away (no node may name a missing project).
 */
static void nodes_name_their_first_project(void **state)
{
    fixture_t *f = *state;
    writer_result_t first;
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT y FROM old_src;\n", &first);
    assert_int_equal(duckdb_query(f->conn, "BEGIN TRANSACTION", NULL), DuckDBSuccess);
    assert_int_equal(duckdb_query(f->conn, "UPDATE files SET updated_at = updated_at WHERE path = 'v.sql'", NULL),
                     DuckDBSuccess);
    prepared_t pf[3];
    prepare_file_in(f, f->w, &pf[0], 0, "a.sql", group_sql[0], "px");
    prepare_file_in(f, f->w, &pf[1], 1, "v.sql", group_sql[1], "default");
    prepare_file_in(f, f->w, &pf[2], 2, "b.sql", group_sql[2], "default");
    store_group(f->w, pf, 3);
    assert_int_equal(duckdb_query(f->conn, "ROLLBACK", NULL), DuckDBSuccess);
    assert_int_equal(pf[0].rc, 0);
    assert_int_equal(pf[1].rc, -1);
    assert_int_equal(pf[2].rc, 0);
    prepared_free(pf, 3);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes n LEFT JOIN projects p ON p.id = n.project"
                              " WHERE p.id IS NULL"),
                     0);
    assert_string_equal(node_project(f, "old_src"), "default");
    assert_string_equal(node_project(f, "mart.a"), "px");
    assert_string_equal(node_project(f, "raw.a.x"), "px");
    assert_string_equal(node_project(f, "mart.b"), "default");
    /* a node keeps the project that first named it; each project is one row */
    writer_result_t again;
    store_sql(f, "c.sql", "INSERT INTO mart.a (x) SELECT x FROM raw.c;\n", &again);
    assert_string_equal(node_project(f, "mart.a"), "px");
    assert_string_equal(node_project(f, "raw.c"), "default");
    assert_int_equal(count(f, "SELECT count(*) FROM projects"), 2);
    assert_int_equal(count(f, "SELECT count(DISTINCT name) FROM projects"), 2);
}

/* Two versions of one path in one group: the later supersedes the earlier within the transaction. */
static void a_group_holds_both_versions_of_a_file(void **state)
{
    fixture_t *f = *state;
    prepared_t pf[3];
    prepare_file(f, f->w, &pf[0], 0, "v.sql", "CREATE VIEW v AS SELECT y FROM old_src;\n");
    prepare_file(f, f->w, &pf[1], 1, "a.sql", group_sql[0]);
    prepare_file(f, f->w, &pf[2], 2, "v.sql", group_sql[1]);
    store_group(f->w, pf, 3);
    store_counts_t total = {0};
    for(int i = 0; i < 3; i++) {
        assert_int_equal(pf[i].rc, 0);
        assert_false(pf[i].res.duplicate);
        add_delta(&total, &pf[i].res.delta);
    }
    assert_counts_match(f, &total);
    assert_int_equal(total.files_processed, 2);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'v.sql' AND is_current"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE path = 'v.sql' AND NOT is_current"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name LIKE 'old_src%'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'new_src'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM file_texts"), 2);
    assert_nothing_stale(f);
    prepared_free(pf, 3);
    /* The writer's view after the group matches the database: a new version of a.sql supersedes it. */
    writer_result_t r;
    store_sql(f, "a.sql", "INSERT INTO mart.a (x) SELECT x FROM raw.other;\n", &r);
    add_delta(&total, &r.delta);
    assert_counts_match(f, &total);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'raw.a'"), 0);
}

/* The same content twice at one path in one group: the second is the duplicate. */
static void a_group_holds_a_duplicate(void **state)
{
    fixture_t *f = *state;
    prepared_t pf[3];
    prepare_file(f, f->w, &pf[0], 0, "d.sql", group_sql[0]);
    prepare_file(f, f->w, &pf[1], 1, "d.sql", group_sql[0]);
    prepare_file(f, f->w, &pf[2], 2, "e.sql", group_sql[0]);
    store_group(f->w, pf, 3);
    store_counts_t total = {0};
    for(int i = 0; i < 3; i++) {
        assert_int_equal(pf[i].rc, 0);
        add_delta(&total, &pf[i].res.delta);
    }
    assert_false(pf[0].res.duplicate);
    assert_true(pf[1].res.duplicate);
    assert_string_equal(pf[1].res.status, "skipped");
    assert_false(pf[2].res.duplicate);
    assert_counts_match(f, &total);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'skipped'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM files WHERE status = 'processed' AND is_current"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM statements"), 2);
    prepared_free(pf, 3);
}

/*
 * Through the pipeline: the file whose transaction fails is announced `error`, every other one
 * `processed` only once it is in the database, and the live counters equal the stored graph.
 */
static void a_failed_file_is_the_only_error(void **state)
{
    fixture_t *f = *state;
    writer_result_t first;
    store_sql(f, "v.sql", "CREATE VIEW v AS SELECT y FROM old_src;\n", &first);
    char paths[5][256];
    const char *names[] = {"a.sql", "v.sql", "b.sql", "c.sql", "e.sql"};
    const char *sql[] = {group_sql[0], group_sql[1], group_sql[2], "INSERT INTO mart.c SELECT z FROM raw.c;\n",
                         "INSERT INTO mart.e SELECT z FROM raw.e;\n"};
    for(int i = 0; i < 5; i++) {
        char disk_name[32];
        snprintf(disk_name, sizeof(disk_name), "pipe%d.sql", i);
        snprintf(paths[i], sizeof(paths[i]), "%s", write_sql(f, disk_name, sql[i]));
    }
    store_counts_t start;
    assert_int_equal(store_counts(f->conn, &start), STORE_OK);
    stats_t st;
    stats_init(&st, &start, 60, 0);
    bus_t *bus = bus_new(1024, no_wake, NULL);
    assert_int_equal(duckdb_query(f->conn, "BEGIN TRANSACTION", NULL), DuckDBSuccess);
    assert_int_equal(duckdb_query(f->conn, "UPDATE files SET updated_at = updated_at WHERE path = 'v.sql'", NULL),
                     DuckDBSuccess);
    ingest_opts_t opts = {.store = f->store, .stats = &st, .bus = bus, .workers = 2};
    char id[INGEST_ID_MAX];
    ingest_t *in = opened_and_begun(&opts, &(ingest_meta_t){.source = "cli"}, id);
    for(int i = 0; i < 5; i++)
        assert_int_equal(ingest_add_file(in, id, paths[i], names[i], NULL, 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    ingest_close(in, 1);
    assert_int_equal(duckdb_query(f->conn, "ROLLBACK", NULL), DuckDBSuccess);
    int processed = 0, errors = 0, complete = 0;
    bus_event_t *head = bus_drain(bus);
    for(bus_event_t *ev = head; ev; ev = ev->next) {
        const char *status = json_string_value(json_object_get(ev->data, "status"));
        const char *file = json_string_value(json_object_get(ev->data, "current_file"));
        if(strcmp(ev->type, "ingestion_complete") == 0) {
            complete++;
            assert_string_equal(status, "completed_with_errors");
            assert_int_equal(json_integer_value(json_object_get(ev->data, "files_processed")), 4);
            assert_int_equal(json_integer_value(json_object_get(ev->data, "files_failed")), 1);
        } else if(strcmp(ev->type, "ingestion_progress") == 0 && status && strcmp(status, "processed") == 0) {
            char q[256];
            snprintf(q, sizeof(q), "SELECT count(*) FROM files WHERE path = '%s' AND status = 'processed'", file);
            assert_int_equal(count(f, q), 1);
            assert_true(strcmp(file, "v.sql") != 0);
            processed++;
        } else if(strcmp(ev->type, "ingestion_progress") == 0 && status && strcmp(status, "error") == 0) {
            assert_string_equal(file, "v.sql");
            errors++;
        }
    }
    bus_event_free_list(head);
    bus_free(bus);
    assert_int_equal(processed, 4);
    assert_int_equal(errors, 1);
    assert_int_equal(complete, 1);
    store_counts_t c;
    assert_int_equal(store_counts(f->conn, &c), STORE_OK);
    assert_int_equal(atomic_load(&st.nodes), c.nodes);
    assert_int_equal(atomic_load(&st.edges), c.edges);
    assert_int_equal(atomic_load(&st.table_nodes), c.table_nodes);
    assert_int_equal(atomic_load(&st.files_processed), c.files_processed);
    assert_int_equal(count(f, "SELECT count(*) FROM nodes WHERE name = 'old_src'"), 1);
}

/*
 * The database refusing a COMMIT for real (its write-ahead log may not grow: RLIMIT_FSIZE, EFBIG as
 * SIGXFSZ is ignored). DuckDB has ended the transaction by then: nothing is rolled back a second
 * time ("cannot rollback - no transaction is active" in the log), the failure is counted once in
 * the file's write_failures, and the next file is stored.
 */
static void a_failed_commit_is_counted_once_and_not_rolled_back(void **state)
{
    fixture_t *f = *state;
    char db[128], wal[160];
    snprintf(db, sizeof(db), "%s/fsize.duckdb", f->dir);
    snprintf(wal, sizeof(wal), "%s.wal", db);
    store_t *store = NULL;
    char err[256];
    assert_int_equal(store_open(db, &store, err, sizeof(err)), STORE_OK);
    buf_t big;
    buf_init(&big, 1 << 20);
    for(int k = 0; k < 2000; k++)
        assert_int_equal(buf_printf(&big, "INSERT INTO mart.t%d SELECT a, b, c FROM raw.s%d WHERE a > %d;\n", k, k, k),
                         0);
    char big_path[256];
    snprintf(big_path, sizeof(big_path), "%s", write_sql(f, "big.sql", big.data));
    buf_free(&big);
    char small_path[256];
    snprintf(small_path, sizeof(small_path), "%s",
             write_sql(f, "small.sql", "INSERT INTO mart.s SELECT x FROM raw.s;\n"));
    store_counts_t start;
    duckdb_connection conn;
    assert_int_equal(store_connect(store, &conn), STORE_OK);
    assert_int_equal(store_counts(conn, &start), STORE_OK);
    duckdb_disconnect(&conn);
    stats_t st;
    stats_init(&st, &start, 60, 0);
    ingest_opts_t opts = {.store = store, .stats = &st, .workers = 1};
    ingest_t *in = opened(&opts);
    assert_int_equal(ingest_wait_ready(in), INGEST_OK);
    struct stat sb;
    off_t grown = 0;
    if(stat(db, &sb) == 0)
        grown = sb.st_size;
    if(stat(wal, &sb) == 0 && sb.st_size > grown)
        grown = sb.st_size;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)grown + (64 << 10);
    void (*saved)(int) = signal(SIGXFSZ, SIG_IGN);
    captured_t cap;
    capture_start(f, &cap);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char id[INGEST_ID_MAX];
    ingest_meta_t meta = {.source = "cli"};
    assert_int_equal(ingest_begin(in, &meta, id), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, big_path, "big.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    for(int i = 0; i < 600 && atomic_load(&st.db_write_failures) == 0; i++)
        usleep(50 * 1000);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(ingest_begin(in, &meta, id), INGEST_OK);
    assert_int_equal(ingest_add_file(in, id, small_path, "small.sql", NULL, 0), INGEST_OK);
    assert_int_equal(ingest_end(in, id), INGEST_OK);
    ingest_close(in, 1);
    char *log = capture_end(&cap);
    signal(SIGXFSZ, saved);
    assert_non_null(strstr(log, "File too large"));
    assert_null(strstr(log, "no transaction is active"));
    assert_int_equal(atomic_load(&st.db_write_failures), 1);
    assert_int_equal(count_in(store, "SELECT count(*) FROM files WHERE path = 'big.sql' AND status = 'error'"), 1);
    assert_int_equal(count_in(store, "SELECT count(*) FROM files WHERE path = 'small.sql' AND status = 'processed'"),
                     1);
    store_close(store);
}

/*
 * `test_ingest K/N` runs every N-th test from the K-th (1-based); no argument runs them all. CTest runs
 * three such shards: together they ran near the 600 s bound under ASan at load 16-24.
 */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(edges_are_per_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(columns_are_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(select_outputs_are_not_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(new_version_supersedes_old, setup, teardown),
        cmocka_unit_test_setup_teardown(nodes_of_every_size_come_and_go, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_node_index_fails_the_file_and_keeps_the_graph, setup, teardown),
        cmocka_unit_test_setup_teardown(ids_past_32_bits_fail_the_file_and_keep_the_graph, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_with_scattered_statement_ids_is_superseded_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(identical_content_is_a_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(parse_errors_name_file_line_column, setup, teardown),
        cmocka_unit_test_setup_teardown(statement_text_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(a_superseded_version_takes_its_own_texts_along, setup, teardown),
        cmocka_unit_test_setup_teardown(procedures_and_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(procedure_derives_per_inner_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(rule_writes_define_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(unusable_files_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(text_after_an_ascii_start_is_cleaned, setup, teardown),
        cmocka_unit_test(sha256_known_answers),
        cmocka_unit_test(supported_names),
        cmocka_unit_test_setup_teardown(pipeline_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_requeues_or_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(an_interrupted_ingestion_keeps_its_files_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(events_follow_the_contract, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_claim_records_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_is_sized_off_the_ingest_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(submit_records_then_calls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_finishes_what_was_done, setup, teardown),
        cmocka_unit_test_setup_teardown(names_are_made_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown_stops_the_startup_read, setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown_during_recovery_is_a_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(files_sent_during_the_startup_read_wait_for_it, setup, teardown),
        cmocka_unit_test_setup_teardown(small_files_share_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(unchanged_files_are_hashed_not_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_hashed_file_whose_path_changed_is_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_memory_commits_cost_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_checkpoint_after_the_commit_costs_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_memory_groups_cost_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(commits_out_of_the_limit_are_stored_again_with_it_raised, setup, teardown),
        cmocka_unit_test_setup_teardown(no_commit_changes_the_memory_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_file_costs_its_group_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(nodes_name_their_first_project, setup, teardown),
        cmocka_unit_test_setup_teardown(a_group_holds_both_versions_of_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_group_holds_a_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_file_is_the_only_error, setup, teardown),
        cmocka_unit_test_setup_teardown(a_group_commit_writes_its_file_rows_in_one_update, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_commit_is_counted_once_and_not_rolled_back, setup, teardown),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    unsigned k = 1, of = 1;
    if(argc > 1 && (sscanf(argv[1], "%u/%u", &k, &of) != 2 || of < 1 || k < 1 || k > of)) {
        fprintf(stderr, "usage: %s [K/N]  (the K-th of N shards, 1 <= K <= N)\n", argv[0]);
        return 2;
    }
    struct CMUnitTest shard[sizeof(tests) / sizeof(tests[0])];
    size_t m = 0;
    for(size_t i = k - 1; i < n; i += of)
        shard[m++] = tests[i];
    return _cmocka_run_group_tests("test_ingest", shard, m, NULL, NULL);
}
