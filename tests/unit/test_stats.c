/* Live stats: loaded from the database, moved by commits and queries, trends against real history. */
#include "events/stats.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static int64_t get(json_t *snap, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(snap, key));
}

static void loads_counts_from_the_database(void **state)
{
    (void)state;
    store_t *store = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &store, err, sizeof(err)), 0);
    duckdb_connection conn;
    assert_int_equal(store_connect(store, &conn), 0);
    duckdb_result res;
    assert_int_equal(
        duckdb_query(conn,
                     "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current,"
                     " created_at, updated_at) VALUES (1, 'i', 'p', 'a.sql', 'processed', true, now(), now()),"
                     " (2, 'i', 'p', 'b.sql', 'error', true, now(), now()),"
                     " (3, 'i', 'p', 'c.sql', 'processed', true, now(), now());"
                     "INSERT INTO nodes VALUES (1, 'table', 's.t', 1, false, now()),"
                     " (2, 'view', 's.v', 1, false, now()), (3, 'column', 's.t.c', 1, false, now());"
                     "INSERT INTO edges VALUES (1, 2, 'DERIVES', 1, NULL);",
                     &res),
        DuckDBSuccess);
    duckdb_destroy_result(&res);
    store_counts_t counts;
    assert_int_equal(store_counts(conn, &counts), 0);
    duckdb_disconnect(&conn);
    store_close(store);

    stats_t st;
    stats_init(&st, &counts, 60, 0);
    json_t *snap = stats_snapshot(&st, 10);
    assert_int_equal(get(snap, "totalNodes"), 3);
    assert_int_equal(get(snap, "totalEdges"), 1);
    assert_int_equal(get(snap, "databaseTables"), 2);
    assert_int_equal(get(snap, "filesProcessed"), 2);
    assert_int_equal(get(snap, "activeQueries"), 0);
    json_decref(snap);
}

static void commits_queries_and_trends(void **state)
{
    (void)state;
    store_counts_t start = {.nodes = 10, .edges = 5, .table_nodes = 2, .files_processed = 4};
    stats_t st;
    stats_init(&st, &start, 60, 0); /* one-minute window */
    stats_query_begin(&st);
    stats_query_begin(&st);
    stats_query_end(&st);
    store_counts_t delta = {.nodes = 7, .edges = 3, .table_nodes = 1, .files_processed = 2};
    for(int64_t t = 1000; t <= 30000; t += 1000)
        stats_sample(&st, t);
    stats_ingest_committed(&st, &delta);
    for(int64_t t = 31000; t <= 90000; t += 1000)
        stats_sample(&st, t);
    json_t *snap = stats_snapshot(&st, 90000);
    assert_int_equal(get(snap, "totalNodes"), 17);
    assert_int_equal(get(snap, "activeQueries"), 1);
    assert_int_equal(get(snap, "trendWindowSeconds"), 60);
    /* a minute ago (t=30 s) there were 10 nodes and 4 files */
    json_t *nodes = json_object_get(json_object_get(snap, "trends"), "nodes");
    assert_int_equal(json_integer_value(json_object_get(nodes, "value")), 7);
    assert_true(json_is_true(json_object_get(nodes, "isPositive")));
    json_t *files = json_object_get(json_object_get(snap, "trends"), "files");
    assert_int_equal(json_integer_value(json_object_get(files, "value")), 2);
    assert_true(json_is_true(json_object_get(files, "isPositive")));
    assert_int_equal(get(snap, "filesProcessed"), 6);
    json_decref(snap);
    /* two minutes on, the change is outside the window */
    for(int64_t t = 91000; t <= 200000; t += 1000)
        stats_sample(&st, t);
    store_counts_t now = {.nodes = 15, .edges = 8, .table_nodes = 3, .files_processed = 6};
    stats_set_counts(&st, &now);
    snap = stats_snapshot(&st, 200000);
    nodes = json_object_get(json_object_get(snap, "trends"), "nodes");
    assert_int_equal(json_integer_value(json_object_get(nodes, "value")), 2);
    assert_true(json_is_false(json_object_get(nodes, "isPositive")));
    files = json_object_get(json_object_get(snap, "trends"), "files");
    assert_int_equal(json_integer_value(json_object_get(files, "value")), 0);
    json_decref(snap);
}

/* Trends after a restart compare with the counters the previous run stored. */
static void history_survives_a_restart(void **state)
{
    (void)state;
    store_t *store = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &store, err, sizeof(err)), 0);
    duckdb_connection conn;
    assert_int_equal(store_connect(store, &conn), 0);
    int64_t now_wall = 1800000000000; /* ms */
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO stats_snapshots VALUES (make_timestamp(%lld), 3, 1, 1), (make_timestamp(%lld), 5, 2, 2),"
             " (make_timestamp(%lld), 8, 4, 3)",
             (long long)(now_wall - 3 * 3600 * 1000LL) * 1000, (long long)(now_wall - 2 * 3600 * 1000LL) * 1000,
             (long long)(now_wall - 1800 * 1000LL) * 1000);
    assert_int_equal(duckdb_query(conn, sql, NULL), DuckDBSuccess);
    store_counts_t now = {.nodes = 10, .edges = 6, .files_processed = 4};
    stats_t st;
    stats_init(&st, &now, 3600, 500000);
    assert_int_equal(stats_load_history(&st, conn, now_wall, 500000), 0);
    duckdb_disconnect(&conn);
    store_close(store);
    /* The 2 h old snapshot is the newest one a window old: the baseline; the 3 h old one is not needed. */
    assert_int_equal(st.history_len, 3);
    json_t *snap = stats_snapshot(&st, 500000);
    json_t *trends = json_object_get(snap, "trends");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(trends, "nodes"), "value")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(trends, "files"), "value")), 2);
    json_decref(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(history_survives_a_restart),
        cmocka_unit_test(loads_counts_from_the_database),
        cmocka_unit_test(commits_queries_and_trends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
