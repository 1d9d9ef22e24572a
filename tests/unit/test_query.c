/* The queries behind the lineage, node, search, chat and export endpoints, on the example graph. */
#include "graph/graph.h"
#include "query/query.h"
#include "query/source.h"
#include "store/store.h"
#include "util/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph_example.h"

/* etl/load.sql as ingested: statements at lines 5, 9, 20 and 30 (and an error at 40, past the end). */
static const char load_sql[] = "-- load orders through a staging table\n"
                               "CREATE PROCEDURE etl.load_proc AS\n"
                               "BEGIN\n"
                               "  -- stage\n"
                               "  INSERT INTO #stage SELECT id, amount FROM raw.orders;\n"
                               "\n"
                               "\n"
                               "\n"
                               "  INSERT INTO sales.orders_clean SELECT s.amount FROM #stage s JOIN raw.customers c\n"
                               "    ON c.id = s.id;\n"
                               "END;\n"
                               "\n\n\n\n\n\n\n\n"
                               "CREATE VIEW sales.summary AS SELECT sum(amount) AS total FROM sales.orders_clean;\n"
                               "\n\n\n\n\n\n\n\n\n"
                               "INSERT INTO mart.report SELECT * FROM sales.summary;\n";

static char db_path[64];
static store_t *store;
static duckdb_connection conn;

/* Lines [from, to) of load_sql (to 0: to the end), as the writer stores a statement's text. */
static char *lines_of(int from, int to)
{
    const char *p = load_sql;
    for(int line = 1; line < from && *p; p++)
        line += *p == '\n';
    const char *e = p;
    for(int line = from; *e && (to == 0 || line < to); e++)
        line += *e == '\n';
    return strndup(p, (size_t)(e - p));
}

/* The statements of the example graph, stored with their text as the writer does (no file on disk). */
static int setup(void **state)
{
    (void)state;
    char err[256];
    snprintf(db_path, sizeof(db_path), "/tmp/lineaged-test-query-%d.duckdb", (int)getpid());
    unlink(db_path);
    if(store_open(db_path, &store, err, sizeof(err)) || store_connect(store, &conn))
        return -1;
    if(duckdb_query(conn,
                    "INSERT INTO files (id, ingestion_id, project_id, repository, path, status, is_current, "
                    "created_at, updated_at) VALUES (100, 'ing_0', 'default', 'acme/warehouse', 'etl/load.sql', "
                    "'processed', true, now(), now())",
                    NULL) != DuckDBSuccess)
        return -1;
    /* statement id, line, where its stored text starts and ends (the next statement's line) */
    const int rows[][4] = {{11, 5, 1, 9}, {12, 9, 9, 20}, {13, 20, 20, 30}, {14, 30, 30, 0}, {15, 40, 40, 40}};
    for(size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        /* each statement with its own text, as migrations 4-5 stored it (statement_sql since 14) */
        duckdb_prepared_statement st, own;
        if(duckdb_prepare(conn,
                          "INSERT INTO statements (id, file_id, ordinal, kind, line_start, column_start, "
                          "sql_line, sql_column) VALUES ($1, 100, $2, 'insert', $3, 1, $4, 1)",
                          &st) != DuckDBSuccess)
            return -1;
        if(duckdb_prepare(conn, "INSERT INTO statement_sql VALUES ($1, $2, 0)", &own) != DuckDBSuccess) {
            duckdb_destroy_prepare(&st);
            return -1;
        }
        char *text = rows[i][2] == rows[i][3] ? strdup("") : lines_of(rows[i][2], rows[i][3]);
        duckdb_bind_int64(st, 1, rows[i][0]);
        duckdb_bind_int32(st, 2, (int32_t)i);
        duckdb_bind_int32(st, 3, rows[i][1]);
        duckdb_bind_int32(st, 4, rows[i][2]);
        duckdb_bind_int64(own, 1, rows[i][0]);
        duckdb_bind_varchar(own, 2, text);
        int rc = duckdb_execute_prepared(st, NULL) == DuckDBSuccess && duckdb_execute_prepared(own, NULL) == DuckDBSuccess
                     ? 0
                     : -1;
        duckdb_destroy_prepare(&st);
        duckdb_destroy_prepare(&own);
        free(text);
        if(rc)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    duckdb_disconnect(&conn);
    store_close(store);
    char wal[80];
    snprintf(wal, sizeof(wal), "%s.wal", db_path);
    unlink(wal);
    return unlink(db_path);
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void run_lineage(const graph_snap_t *s, const char *name, const char *dir, const char *depth,
                        const char *collapse, query_result_t *r)
{
    query_lineage_t p = {.name = name};
    memset(r, 0, sizeof(*r));
    assert_int_equal(query_lineage_params(dir, NULL, depth, NULL, collapse, &p, r), 0);
    query_lineage(s, &p, r);
}

static void lineage_parameters_are_checked(void **state)
{
    (void)state;
    query_lineage_t p;
    query_result_t r = {0};
    assert_int_equal(query_lineage_params(NULL, NULL, NULL, NULL, NULL, &p, &r), 0);
    assert_int_equal(p.q.depth, 3);
    assert_int_equal(p.q.limit, 1000);
    assert_int_equal(p.q.direction, GRAPH_BOTH);
    const char *bad[][5] = {{"sideways", NULL, NULL, NULL, NULL}, {NULL, "row", NULL, NULL, NULL},
                            {NULL, NULL, "51", NULL, NULL},       {NULL, NULL, "-1", NULL, NULL},
                            {NULL, NULL, "3x", NULL, NULL},       {NULL, NULL, NULL, "0", NULL},
                            {NULL, NULL, " 3", NULL, NULL},       {NULL, NULL, "+3", NULL, NULL},
                            {NULL, NULL, NULL, "100001", NULL},   {NULL, NULL, NULL, NULL, "all"}};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(query_lineage_params(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], &p, &r), -1);
        assert_int_equal(r.status, 400);
        assert_string_equal(str(r.body, "error"), "bad_request");
        query_result_clear(&r);
    }
}

static void lineage_answers_and_names(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    query_result_t r;
    run_lineage(s, "Raw.Orders", "downstream", "50", "temp", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.query_type, "lineage_downstream");
    json_t *nodes = json_object_get(r.body, "nodes"), *edges = json_object_get(r.body, "edges");
    assert_int_equal(json_array_size(nodes), 4);
    assert_string_equal(str(json_array_get(nodes, 1), "name"), "sales.orders_clean");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(nodes, 1), "depth")), 1);
    json_t *e0 = json_array_get(edges, 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e0, "via"), 0)), "#stage");
    assert_int_equal(json_array_size(json_object_get(e0, "statements")), 2);
    assert_string_equal(str(e0, "procedure"), "etl.load_proc");
    assert_int_equal(json_integer_value(json_object_get(e0, "line")), 9);
    assert_false(json_is_true(json_object_get(r.body, "truncated")));
    query_result_clear(&r);

    run_lineage(s, "orders", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 409);
    assert_int_equal(json_array_size(json_object_get(r.body, "candidates")), 2);
    query_result_clear(&r);

    run_lineage(s, "custmers", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "suggestions"), 0)), "raw.customers");
    query_result_clear(&r);
    graph_snap_release(s);
}

static void path_node_and_search(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    query_result_t r = {0};
    query_path(s, "raw.orders", "mart.report", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *p0 = json_array_get(json_object_get(r.body, "paths"), 0);
    assert_int_equal(json_array_size(p0), 5);
    assert_string_equal(json_string_value(json_array_get(p0, 1)), "#stage");
    assert_true(json_is_true(json_object_get(r.body, "found")));
    query_result_clear(&r);
    query_path(s, "raw.orders", NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);

    query_node(s, "orders_clean", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.body, "kind"), "table");
    assert_int_equal(json_array_size(json_object_get(r.body, "columns")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "written_by_procedures"), 0)),
                        "etl.load_proc");
    json_t *used = json_object_get(r.body, "used");
    int wrote_at_9 = 0;
    for(size_t i = 0; i < json_array_size(used); i++)
        wrote_at_9 |= json_integer_value(json_object_get(json_array_get(used, i), "line")) == 9 &&
                      strcmp(str(json_array_get(used, i), "role"), "write") == 0;
    assert_true(wrote_at_9);
    query_result_clear(&r);

    query_search(s, "ordrs", "table", 10, &r);
    assert_int_equal(r.status, 200);
    json_t *res = json_object_get(r.body, "results");
    assert_int_equal(json_array_size(res), 2);
    assert_string_equal(str(json_array_get(res, 0), "name"), "raw.orders");
    query_result_clear(&r);
    query_search(s, "x", "tables", 10, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    query_search(s, "x", NULL, 101, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    graph_snap_release(s);
}

static void chat(const graph_snap_t *s, const char *mode, const char *question, query_result_t *r)
{
    json_t *body = json_pack("{s:s}", "query", question);
    char *text = json_dumps(body, 0);
    json_decref(body);
    memset(r, 0, sizeof(*r));
    query_chat(conn, s, mode, text, strlen(text), r);
    free(text);
}

static int has_source(json_t *body, const char *file, int line)
{
    json_t *src = json_object_get(body, "sources");
    for(size_t i = 0; i < json_array_size(src); i++)
        if(strcmp(str(json_array_get(src, i), "file"), file) == 0 &&
           json_integer_value(json_object_get(json_array_get(src, i), "line")) == line)
            return 1;
    return 0;
}

static void chat_intents(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    struct {
        const char *q, *type, *says;
        int line; /* a source line of etl/load.sql the answer cites, or 0 */
    } cases[] = {
        {"What feeds sales.summary?", "lineage_upstream", "sales.orders_clean", 20},
        {"Where does the summary come from", "lineage_upstream", "raw.customers", 9},
        {"What breaks if I change raw.orders?", "impact", "raw.orders → sales.orders_clean → sales.summary", 9},
        {"what depends on RAW.ORDERS", "impact", "mart.report", 30},
        {"What does mart.report depend on?", "lineage_upstream", "sales.summary", 30},
        {"Where is mart.report defined?", "definition", "written at etl/load.sql:30", 30},
        {"Where is raw.customers used?", "where_used", "etl/load.sql:9", 9},
        {"Which columns does raw.orders have?", "columns", "id, amount", 0},
        {"How does raw.orders reach mart.report?", "path", "raw.orders → #stage → sales.orders_clean", 5},
        {"What did load.sql create?", "file_outputs", "defines etl.load_proc (which writes #stage).", 5},
        {"what did etl/load.sql create", "file_outputs", "line 40: expected a table name", 40},
        {"Which procedures write #stage?", "procedures", "etl.load_proc", 5},
        {"what feeds custmers", "lineage_upstream", "Nothing feeds raw.customers", 0},
        {"what feeds orders", "clarify", "other.orders", 0},
        {"tell me about zebras", "unknown", "could not find", 0},
        {"how does raw.orders reach mart.reprt_x", "clarify", "recognised only raw.orders", 0},
        {"sales.orders_clean", "search", "1 direct consumer", 0},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        query_result_t r;
        chat(s, "graph", cases[i].q, &r);
        assert_int_equal(r.status, 200);
        const char *resp = str(r.body, "response");
        if(strcmp(str(r.body, "query_type"), cases[i].type) != 0 || !strstr(resp, cases[i].says))
            fail_msg("%s -> %s: %s", cases[i].q, str(r.body, "query_type"), resp);
        if(cases[i].line && !has_source(r.body, "etl/load.sql", cases[i].line))
            fail_msg("%s: no source at line %d", cases[i].q, cases[i].line);
        assert_non_null(json_object_get(json_object_get(r.body, "graph_data"), "nodes"));
        assert_true(json_is_number(json_object_get(r.body, "latency_ms")));
        query_result_clear(&r);
    }
    graph_snap_release(s);
}

static void chat_limits_and_modes(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    query_result_t r = {0};
    chat(s, "semantic", "what feeds x", &r);
    assert_int_equal(r.status, 501);
    query_result_clear(&r);
    chat(s, "deep", "what feeds x", &r);
    assert_int_equal(r.status, 501);
    query_result_clear(&r);
    chat(s, "poetry", "what feeds x", &r);
    assert_int_equal(r.status, 404);
    query_result_clear(&r);
    chat(s, "graph", "   ", &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    char long_q[QUERY_QUESTION_MAX + 2];
    memset(long_q, 'a', sizeof(long_q) - 1);
    long_q[sizeof(long_q) - 1] = '\0';
    chat(s, "graph", long_q, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    query_chat(conn, s, "graph", "{\"query\": 3}", 12, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    query_chat(conn, s, "graph", "not json", 8, &r);
    assert_int_equal(r.status, 400);
    query_result_clear(&r);
    graph_snap_release(s);
}

static void chat_text_finds_lines(void **state)
{
    (void)state;
    graph_snap_t *s = example(); /* no file on disk: the text comes from DuckDB */
    query_result_t r;
    chat(s, "text", "customers JOIN", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.body, "query_type"), "text_search");
    json_t *first = json_array_get(json_object_get(r.body, "sources"), 0);
    assert_string_equal(str(first, "file"), "etl/load.sql");
    assert_int_equal(json_integer_value(json_object_get(first, "line")), 9);
    assert_non_null(strstr(str(first, "snippet"), "JOIN raw.customers"));
    query_result_clear(&r);
    /* the file's first text starts at line 1, so its header comment is found too */
    chat(s, "text", "staging", &r);
    first = json_array_get(json_object_get(r.body, "sources"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "line")), 1);
    query_result_clear(&r);
    chat(s, "text", "nowhere_to_be_found", &r);
    assert_int_equal(json_array_size(json_object_get(r.body, "sources")), 0);
    query_result_clear(&r);
    /* statements stored before texts were kept are counted and said to be missing; the texts are read
     * once per snapshot, so a change shows in the next snapshot's answers and not before */
    assert_int_equal(duckdb_query(conn, "DELETE FROM statement_sql WHERE statement_id = 15", NULL), DuckDBSuccess);
    chat(s, "text", "orders", &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(str(r.body, "response"), "no stored text"));
    query_result_clear(&r);
    graph_snap_release(s);
    s = example();
    chat(s, "text", "orders", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(str(r.body, "response"), "1 ingested file has no stored text"));
    query_result_clear(&r);
    assert_int_equal(duckdb_query(conn, "INSERT INTO statement_sql VALUES (15, '', 0)", NULL), DuckDBSuccess);
    graph_snap_release(s);
}

/* Since migration 6 a file's text is stored once and statements keep their byte range of it. */
static void chat_text_slices_file_texts(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    assert_int_equal(
        duckdb_query(conn,
                     "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current, "
                     "created_at, updated_at) VALUES (101, 'ing_1', 'default', 'once.sql', 'processed', "
                     "true, now(), now());"
                     "INSERT INTO file_texts VALUES (101, '-- once\nINSERT INTO x SELECT needle_one "
                     "FROM y;\nINSERT INTO z SELECT needle_two FROM y;\n');"
                     /* the second range is cut short of needle_two; the third points past the text */
                     "INSERT INTO statements (id, file_id, ordinal, kind, line_start, column_start, "
                     "sql_line, sql_column, sql_offset, sql_length) VALUES "
                     "(21, 101, 0, 'insert', 2, 1, 1, 1, 0, 48), (22, 101, 1, 'insert', 3, 1, 3, 1, 48, 20),"
                     " (23, 101, 2, 'insert', 4, 1, 4, 1, 80, 4000)",
                     NULL),
        DuckDBSuccess);
    query_result_t r;
    chat(s, "text", "needle_one", &r);
    assert_int_equal(r.status, 200);
    json_t *first = json_array_get(json_object_get(r.body, "sources"), 0);
    assert_string_equal(str(first, "file"), "once.sql");
    assert_int_equal(json_integer_value(json_object_get(first, "line")), 2);
    assert_non_null(strstr(str(first, "snippet"), "SELECT needle_one FROM y;"));
    query_result_clear(&r);
    chat(s, "text", "needle_two", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "sources")), 0);
    query_result_clear(&r);
    assert_int_equal(duckdb_query(conn,
                                  "DELETE FROM statements WHERE file_id = 101; DELETE FROM file_texts;"
                                  "DELETE FROM files WHERE id = 101",
                                  NULL),
                     DuckDBSuccess);
    graph_snap_release(s);
}

typedef struct seen {
    int n, in_order;
    int64_t last;
} seen_t;

static int see(void *ud, const source_text_t *t)
{
    seen_t *s = ud;
    if(t->statement_id < 1000)
        return 0; /* the example's own */
    char path[64], text[64];
    snprintf(path, sizeof(path), "b%03lld.sql", (long long)(t->statement_id - 1000));
    snprintf(text, sizeof(text), "SELECT %lld;", (long long)(t->statement_id - 1000));
    if(t->statement_id != s->last + 1 || strcmp(t->path, path) != 0 || t->len != strlen(text) ||
       memcmp(t->text, text, t->len) != 0)
        s->in_order = 0;
    s->last = t->statement_id;
    s->n++;
    return 0;
}

/* Texts are read for many files at a time: across batches each statement still comes with its own file. */
static void source_texts_across_batches(void **state)
{
    (void)state;
    buf_t sql;
    buf_init(&sql, 1 << 20);
    for(int i = 0; i < 150; i++)
        buf_printf(&sql,
                   "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current, created_at, updated_at)"
                   " VALUES (%d, 'ing_b', 'default', 'b%03d.sql', 'processed', true, now(), now());"
                   "INSERT INTO file_texts VALUES (%d, 'SELECT %d;');"
                   "INSERT INTO statements (id, file_id, ordinal, kind, line_start, column_start, sql_line,"
                   " sql_column, sql_offset, sql_length) VALUES (%d, %d, 0, 'select', 1, 1, 1, 1, 0, %d);",
                   2000 + i, i, 2000 + i, i, 1000 + i, 2000 + i, i < 10 ? 9 : i < 100 ? 10 : 11);
    assert_int_equal(duckdb_query(conn, sql.data, NULL), DuckDBSuccess);
    seen_t s = {.in_order = 1, .last = 999};
    assert_int_equal(source_each(conn, see, &s), 0);
    assert_true(s.in_order);
    assert_int_equal(s.n, 150);
    assert_int_equal(duckdb_query(conn,
                                  "DELETE FROM statements WHERE file_id >= 2000; DELETE FROM file_texts WHERE "
                                  "file_id >= 2000; DELETE FROM files WHERE id >= 2000",
                                  NULL),
                     DuckDBSuccess);
    buf_free(&sql);
}

/* Names and words in other scripts are found whatever their case, by graph and text chat and search. */
static void chat_folds_case_in_any_script(void **state)
{
    (void)state;
    graph_builder_t *b = graph_builder_new();
    assert_non_null(b);
    assert_int_equal(graph_builder_add_node(b, 1, GRAPH_TABLE, "продажи.сырьё", 0), 0);
    assert_int_equal(graph_builder_add_node(b, 2, GRAPH_TABLE, "продажи.Итог", 0), 0);
    assert_int_equal(graph_builder_add_edge(b, 1, 2, GRAPH_DERIVES, -1, NULL), 0);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    query_result_t r;
    chat(s, "graph", "What feeds ПРОДАЖИ.ИТОГ?", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.body, "query_type"), "lineage_upstream");
    assert_non_null(strstr(str(r.body, "response"), "продажи.сырьё"));
    query_result_clear(&r);
    query_search(s, "ИТОГ", NULL, 10, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(json_array_get(json_object_get(r.body, "results"), 0), "name"), "продажи.Итог");
    query_result_clear(&r);
    assert_int_equal(duckdb_query(conn,
                                  "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current, "
                                  "created_at, updated_at) VALUES (102, 'ing_2', 'default', 'z.sql', 'processed', "
                                  "true, now(), now());"
                                  "INSERT INTO file_texts VALUES (102, 'INSERT INTO продажи.Итог SELECT * FROM "
                                  "продажи.сырьё;\n');"
                                  "INSERT INTO statements (id, file_id, ordinal, kind, line_start, column_start, "
                                  "sql_line, sql_column, sql_offset, sql_length) VALUES "
                                  "(31, 102, 0, 'insert', 1, 1, 1, 1, 0, 77)",
                                  NULL),
                     DuckDBSuccess);
    chat(s, "text", "СЫРЬЁ", &r);
    assert_int_equal(r.status, 200);
    json_t *first = json_array_get(json_object_get(r.body, "sources"), 0);
    assert_non_null(first);
    assert_string_equal(str(first, "file"), "z.sql");
    query_result_clear(&r);
    assert_int_equal(duckdb_query(conn,
                                  "DELETE FROM statements WHERE file_id = 102; DELETE FROM file_texts;"
                                  "DELETE FROM files WHERE id = 102",
                                  NULL),
                     DuckDBSuccess);
    graph_snap_release(s);
}

static int collect(void *ud, const char *data, size_t len)
{
    return buf_add(ud, data, len);
}

static void openlineage_export_fields(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    buf_t out;
    buf_init(&out, 1 << 20);
    assert_int_equal(
        query_export_openlineage(conn, s, "2026-12-01T00:00:00.000Z", "https://git.example/", collect, &out), 0);
    int events = 0, seen_clean = 0;
    for(char *line = out.data, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t err;
        json_t *ev = json_loadb(line, (size_t)(nl - line), 0, &err);
        assert_non_null(ev);
        events++;
        assert_string_equal(str(ev, "eventTime"), "2026-12-01T00:00:00.000Z");
        assert_non_null(str(ev, "producer"));
        assert_string_equal(str(ev, "schemaURL"), "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent");
        json_t *job = json_object_get(ev, "job");
        assert_string_equal(str(job, "namespace"), "acme/warehouse");
        const char *key;
        json_t *f;
        json_object_foreach(json_object_get(job, "facets"), key, f)
        {
            assert_non_null(str(f, "_producer"));
            assert_non_null(str(f, "_schemaURL"));
        }
        if(strcmp(str(job, "name"), "etl/load.sql:9") == 0) {
            seen_clean = 1;
            json_t *facets = json_object_get(job, "facets");
            const char *q = str(json_object_get(facets, "sql"), "query");
            assert_non_null(q);
            assert_non_null(strstr(q, "INSERT INTO sales.orders_clean"));
            assert_null(strstr(q, "END;")); /* cut at the next statement */
            assert_string_equal(str(json_object_get(facets, "sql"), "dialect"), "tsql");
            json_t *loc = json_object_get(facets, "sourceCodeLocation");
            assert_string_equal(str(loc, "repoUrl"), "https://git.example/acme/warehouse");
            assert_string_equal(str(loc, "url"), "https://git.example/acme/warehouse/blob/"
                                                 "0123456789abcdef0123456789abcdef01234567/etl/load.sql");
            assert_string_equal(str(loc, "version"), "0123456789abcdef0123456789abcdef01234567");
            assert_string_equal(str(loc, "branch"), "main");
            assert_string_equal(str(loc, "path"), "etl/load.sql");
            assert_int_equal(json_array_size(json_object_get(ev, "inputs")), 2);
            json_t *o = json_array_get(json_object_get(ev, "outputs"), 0);
            assert_string_equal(str(o, "name"), "sales.orders_clean");
            json_t *cl = json_object_get(json_object_get(o, "facets"), "columnLineage");
            assert_non_null(str(cl, "_producer"));
            assert_non_null(str(cl, "_schemaURL"));
            json_t *in = json_array_get(
                json_object_get(json_object_get(json_object_get(cl, "fields"), "amount"), "inputFields"), 0);
            assert_string_equal(str(in, "name"), "raw.orders");
            assert_string_equal(str(in, "field"), "amount");
            json_t *t = json_array_get(json_object_get(in, "transformations"), 0);
            assert_string_equal(str(t, "type"), "DIRECT");
            assert_string_equal(str(t, "subtype"), "IDENTITY");
        }
        json_decref(ev);
    }
    assert_int_equal(events, 4); /* statements at lines 5, 9, 20, 30 all write */
    assert_true(seen_clean);
    buf_free(&out);
    graph_snap_release(s);
}

/*
 * An upload names a repository (repository_name) but no commit: nothing under the git base locates it,
 * so its location is a name, with the path percent-encoded.
 */
/*
 * The writer's own error comes back unchanged, also from inside the walk over stored texts: a full
 * buffer is how the server tells an export over its 64 MiB (507) from a failure (500), and the
 * walk's own -2 for a failed query made every over-large export of a graph with texts a 500.
 */
static void openlineage_export_over_its_bound(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    buf_t out;
    buf_init(&out, 64);
    assert_int_equal(
        query_export_openlineage(conn, s, "2026-12-01T00:00:00.000Z", "https://git.example/", collect, &out),
        BUF_ERR_TOO_BIG);
    buf_free(&out);
    graph_snap_release(s);
}

static void openlineage_source_location_of_an_upload_is_a_name(void **state)
{
    (void)state;
    graph_builder_t *b = graph_builder_new();
    assert_non_null(b);
    assert_int_equal(graph_builder_add_node(b, 1, GRAPH_TABLE, "raw.a", 0), 0);
    assert_int_equal(graph_builder_add_node(b, 2, GRAPH_TABLE, "core.b", 0), 0);
    graph_file_row_t file = {.path = "my loads/load_b.sql", .repository = "examples", .project = "examples"};
    assert_int_equal(graph_builder_add_file(b, 200, &file), 0);
    assert_int_equal(graph_builder_add_statement(b, 51, 200, 3, "insert", NULL, NULL), 0);
    assert_int_equal(graph_builder_add_edge(b, 1, 2, GRAPH_DERIVES, 51, NULL), 0);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    buf_t out;
    buf_init(&out, 1 << 16);
    assert_int_equal(query_export_openlineage(conn, s, "2026-12-01T00:00:00.000Z", "https://github.com", collect, &out),
                     0);
    json_error_t err;
    json_t *ev = json_loadb(out.data, out.len, JSON_DISABLE_EOF_CHECK, &err);
    assert_non_null(ev);
    json_t *job = json_object_get(ev, "job");
    assert_string_equal(str(job, "name"), "my loads/load_b.sql:3");
    assert_string_equal(str(job, "namespace"), "examples");
    assert_non_null(json_object_get(json_object_get(job, "facets"), "jobType"));
    json_t *loc = json_object_get(json_object_get(job, "facets"), "sourceCodeLocation");
    assert_string_equal(str(loc, "type"), "file");
    assert_string_equal(str(loc, "url"), "urn:lineaged:file:examples/my%20loads/load_b.sql");
    assert_string_equal(str(loc, "path"), "my loads/load_b.sql");
    assert_null(json_object_get(loc, "version"));
    json_decref(ev);
    buf_free(&out);
    graph_snap_release(s);
}

static void csv_export_lines(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    buf_t out;
    buf_init(&out, 1 << 20);
    assert_int_equal(query_export_csv(s, collect, &out), 0);
    assert_string_equal(out.data,
                        "source_table,source_column,target_table,target_column,transformation,file,line,procedure\n"
                        "raw.orders,amount,sales.orders_clean,amount,IDENTITY,etl/load.sql,9,etl.load_proc\n"
                        "sales.orders_clean,amount,sales.summary,total,AGGREGATION,etl/load.sql,20,\n");
    buf_free(&out);
    graph_snap_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lineage_parameters_are_checked),
        cmocka_unit_test(lineage_answers_and_names),
        cmocka_unit_test(path_node_and_search),
        cmocka_unit_test(chat_intents),
        cmocka_unit_test(chat_limits_and_modes),
        cmocka_unit_test(chat_text_finds_lines),
        cmocka_unit_test(openlineage_export_fields),
        cmocka_unit_test(openlineage_export_over_its_bound),
        cmocka_unit_test(openlineage_source_location_of_an_upload_is_a_name),
        cmocka_unit_test(csv_export_lines),
        cmocka_unit_test(chat_text_slices_file_texts),
        cmocka_unit_test(source_texts_across_batches),
        cmocka_unit_test(chat_folds_case_in_any_script),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
