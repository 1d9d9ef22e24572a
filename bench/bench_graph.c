/*
 * Lineage query speed: a generated graph of BENCH_NODES nodes and BENCH_EDGES DERIVES edges in
 * DuckDB (the docs/graph.md tables), loaded into the in-memory index; p50/p99 of a downstream
 * traversal (depth 3, limit 1000) from random roots against a DuckDB recursive CTE over the same
 * tables, checked to find the same nodes; then chat questions per second on one thread.
 * Then index rebuilds after a commit (bench_updates). Environment: BENCH_NODES (100000), BENCH_EDGES
 * (200000), BENCH_ROOTS (2000), BENCH_CTE_ROOTS (200), BENCH_UPDATE_TABLES (25000: 100,000 nodes),
 * BENCH_UPDATE_ROUNDS (20).
 */
#include "graph/index.h"
#include "query/query.h"
#include "util/alloc.h"

#include <duckdb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    char *end;
    long n = v ? strtol(v, &end, 10) : def;
    return v && (*end || n <= 0) ? def : n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *lat, int n)
{
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    printf("%-44s p50 %9.1f us   p99 %9.1f us   (n=%d)\n", what, lat[n / 2], lat[(int)((double)n * 0.99)], n);
}

static int exec(duckdb_connection c, const char *sql)
{
    duckdb_result r;
    int rc = duckdb_query(c, sql, &r) == DuckDBSuccess ? 0 : -1;
    if(rc)
        fprintf(stderr, "bench_graph: %s: %s\n", sql, duckdb_result_error(&r));
    duckdb_destroy_result(&r);
    return rc;
}

/* Tables of docs/graph.md with what the index reads; names "s<k>.t<i>" so chat has something to find. */
static int generate(duckdb_connection c, long nodes, long edges)
{
    if(exec(c, "CREATE TABLE ingestions (id VARCHAR, commit_sha VARCHAR, branch VARCHAR);"
               "CREATE TABLE files (id BIGINT, path VARCHAR, repository VARCHAR, project_id VARCHAR, dialect VARCHAR,"
               " is_current BOOLEAN, disk_path VARCHAR, ingestion_id VARCHAR);"
               "CREATE TABLE statements (id BIGINT, file_id BIGINT, ordinal INTEGER, kind VARCHAR, name VARCHAR,"
               " line_start INTEGER, column_start INTEGER, routine VARCHAR, error VARCHAR);"
               "CREATE TABLE nodes (id BIGINT, kind VARCHAR, name VARCHAR, project_id VARCHAR, temporary BOOLEAN);"
               "CREATE TABLE edges (source BIGINT, target BIGINT, kind VARCHAR, statement_id BIGINT,"
               " transformation VARCHAR);"))
        return -1;
    duckdb_appender app;
    if(duckdb_appender_create(c, NULL, "nodes", &app) != DuckDBSuccess)
        return -1;
    char name[64];
    for(long i = 1; i <= nodes; i++) {
        snprintf(name, sizeof(name), "s%ld.t%ld", i % 50, i);
        duckdb_append_int64(app, i);
        duckdb_append_varchar(app, "table");
        duckdb_append_varchar(app, name);
        duckdb_append_varchar(app, "bench");
        duckdb_append_bool(app, false);
        duckdb_appender_end_row(app);
    }
    duckdb_appender_destroy(&app);
    if(duckdb_appender_create(c, NULL, "edges", &app) != DuckDBSuccess)
        return -1;
    /* Edges mostly point forward and stay near (pipelines have locality), a few jump far. */
    for(long k = 0; k < edges; k++) {
        long a = 1 + (long)(next_rand() % (uint64_t)nodes);
        long span = next_rand() % 16 == 0 ? nodes : 2000;
        long b = 1 + (a + 1 + (long)(next_rand() % (uint64_t)span) - 1) % nodes;
        duckdb_append_int64(app, a);
        duckdb_append_int64(app, b);
        duckdb_append_varchar(app, "DERIVES");
        duckdb_append_int64(app, k + 1);
        duckdb_append_null(app);
        duckdb_appender_end_row(app);
    }
    duckdb_appender_destroy(&app);
    return 0;
}

static long cte_count(duckdb_prepared_statement ps, int64_t root)
{
    duckdb_bind_int64(ps, 1, root);
    duckdb_result r;
    if(duckdb_execute_prepared(ps, &r) != DuckDBSuccess) {
        fprintf(stderr, "bench_graph: %s\n", duckdb_result_error(&r));
        duckdb_destroy_result(&r);
        return -1;
    }
    long n = (long)duckdb_value_int64(&r, 0, 0);
    duckdb_destroy_result(&r);
    return n;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Index rebuilds after a commit, on a graph shaped like ingested SQL: `tables` tables with three
 * columns each (every column's tail shared by thousands), one statement per table writing it from
 * the one before (table and column DERIVES, CONTAINS), ten statements per file. Each round makes a
 * new version of one file (its rows moved to a new file id, as the writer does) and times, in CPU
 * of this thread (DuckDB on one thread, as the server's store), the update the index does (read the
 * changed file's rows, build a snapshot from a copy of the base) against a full read and build of
 * the same state, alternately.
 */
static int bench_updates(long tables, int rounds)
{
    duckdb_database db;
    duckdb_connection c;
    if(duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &c) != DuckDBSuccess)
        return -1;
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "SET threads = 1;"
             "CREATE TABLE ingestions (id VARCHAR, commit_sha VARCHAR, branch VARCHAR);"
             "CREATE TABLE files AS SELECT i AS id, 'etl/f' || i || '.sql' AS path, NULL::VARCHAR AS repository,"
             " 'bench' AS project_id, 'postgres' AS dialect, true AS is_current, NULL::VARCHAR AS disk_path,"
             " NULL::VARCHAR AS ingestion_id FROM range(1, %ld + 1) r(i);"
             "CREATE TABLE statements AS SELECT i AS id, (i - 1) // 10 + 1 AS file_id, (i - 1) %% 10 AS ordinal,"
             " 'insert' AS kind, NULL::VARCHAR AS name, ((i - 1) %% 10) * 4 + 1 AS line_start, 1 AS column_start,"
             " NULL::VARCHAR AS routine, NULL::VARCHAR AS error FROM range(1, %ld + 1) r(i);"
             "CREATE TABLE nodes AS SELECT i AS id, 'table' AS kind, 's' || (i %% 50) || '.t' || i AS name,"
             " 'bench' AS project_id, false AS temporary FROM range(1, %ld + 1) r(i)"
             " UNION ALL SELECT %ld + 3 * (i - 1) + c, 'column', 's' || (i %% 50) || '.t' || i || '.' ||"
             " ['id', 'amount', 'name'][c], 'bench', false FROM range(1, %ld + 1) r(i), range(1, 4) k(c);"
             "CREATE TABLE edges AS"
             " SELECT i - 1 AS source, i AS target, 'DERIVES' AS kind, i AS statement_id,"
             "  NULL::VARCHAR AS transformation FROM range(2, %ld + 1) r(i)"
             " UNION ALL SELECT i, %ld + 3 * (i - 1) + c, 'CONTAINS', i, NULL"
             "  FROM range(1, %ld + 1) r(i), range(1, 4) k(c)"
             " UNION ALL SELECT %ld + 3 * (i - 2) + c, %ld + 3 * (i - 1) + c, 'DERIVES', i,"
             "  'IDENTITY' FROM range(2, %ld + 1) r(i), range(1, 4) k(c);",
             tables / 10, tables, tables, tables, tables, tables, tables, tables, tables, tables, tables);
    if(exec(c, sql))
        return -1;
    graph_builder_t *base = NULL;
    if(graph_base_load(c, NULL, &base))
        return -1;
    double *upd = util_malloc(sizeof(double) * (size_t)rounds), *full = util_malloc(sizeof(double) * (size_t)rounds);
    if(!upd || !full)
        return -1;
    int nodes = 0, edges = 0, fell_back = 0;
    for(int r = 0; r < rounds; r++) {
        long file = 1 + (long)(next_rand() % (uint64_t)(tables / 10)), fresh = tables / 10 + 1 + r;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO files SELECT %ld, path, repository, project_id, dialect, true, disk_path, ingestion_id"
                 " FROM files WHERE id = %ld; UPDATE files SET is_current = false WHERE id = %ld;"
                 "UPDATE statements SET file_id = %ld WHERE file_id = %ld;",
                 fresh, file, file, fresh, file);
        if(exec(c, sql))
            return -1;
        /* the file may have been renewed before: its newest version is the current one */
        snprintf(sql, sizeof(sql),
                 "UPDATE files SET is_current = false WHERE path = (SELECT path FROM files WHERE id = %ld)"
                 " AND id <> %ld",
                 fresh, fresh);
        if(exec(c, sql))
            return -1;
        double t0 = cpu_ms();
        int changed = 0;
        graph_snap_t *s = NULL;
        graph_builder_t *copy = NULL;
        int urc = graph_base_update(c, NULL, base, &changed);
        if(urc == 1) {
            /* the update asks for a whole read (as the index then does): this round measures that */
            graph_builder_free(base);
            base = NULL;
            fell_back++;
            urc = graph_base_load(c, NULL, &base);
            changed = 1;
        }
        if(urc || !changed || !(copy = graph_builder_clone(base)) || graph_builder_finish(copy, &s)) {
            fprintf(stderr, "bench_graph: round %d: update %d, changed %d\n", r, urc, changed);
            return -1;
        }
        double t1 = cpu_ms();
        graph_snap_t *f = NULL;
        if(graph_load(c, &f))
            return -1;
        double t2 = cpu_ms();
        if(graph_node_count(s) != graph_node_count(f) || graph_edge_count(s) != graph_edge_count(f)) {
            fprintf(stderr, "bench_graph: the update and the full read disagree\n");
            return -1;
        }
        nodes = graph_node_count(s);
        edges = graph_edge_count(s);
        upd[r] = t1 - t0;
        full[r] = t2 - t1;
        graph_snap_release(s);
        graph_snap_release(f);
    }
    qsort(upd, (size_t)rounds, sizeof(double), cmp_ms);
    qsort(full, (size_t)rounds, sizeof(double), cmp_ms);
    printf("index after a commit (%d nodes, %d edges, one file of %ld renewed, %d rounds, CPU ms of this thread):\n"
           "  read the changed file, build from a copy: p50 %.1f  max %.1f\n"
           "  read everything, build:                  p50 %.1f  max %.1f\n",
           nodes, edges, tables / 10, rounds, upd[rounds / 2], upd[rounds - 1], full[rounds / 2], full[rounds - 1]);
    if(fell_back)
        printf("  (%d of %d updates asked for a whole read instead, and were timed doing it)\n", fell_back, rounds);
    util_free(upd);
    util_free(full);
    graph_builder_free(base);
    duckdb_disconnect(&c);
    duckdb_close(&db);
    return 0;
}

int main(void)
{
    long nodes = env_long("BENCH_NODES", 100000), edges = env_long("BENCH_EDGES", 200000);
    int roots = (int)env_long("BENCH_ROOTS", 2000), cte_roots = (int)env_long("BENCH_CTE_ROOTS", 200);
    duckdb_database db;
    duckdb_connection c;
    if(duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &c) != DuckDBSuccess)
        return 1;
    double t0 = now_us();
    if(generate(c, nodes, edges))
        return 1;
    double t1 = now_us();
    graph_snap_t *s = NULL;
    int rc = graph_load(c, &s);
    double t2 = now_us();
    if(rc) {
        fprintf(stderr, "bench_graph: load failed: %s\n", graph_strerror(rc));
        return 1;
    }
    printf("graph: %d nodes, %d edges; generated in %.0f ms, index built from DuckDB in %.0f ms\n", graph_node_count(s),
           graph_edge_count(s), (t1 - t0) / 1e3, (t2 - t1) / 1e3);

    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .depth = 3, .limit = 1000};
    double *lat = util_malloc(sizeof(double) * (size_t)(roots > cte_roots ? roots : cte_roots));
    int64_t *ids = util_malloc(sizeof(int64_t) * (size_t)roots);
    int *dense = util_malloc(sizeof(int) * (size_t)roots);
    if(!lat || !ids || !dense)
        return 1;
    long found = 0;
    for(int i = 0; i < roots; i++) {
        int v = (int)(next_rand() % (uint64_t)graph_node_count(s));
        ids[i] = graph_node_db_id(s, v);
        dense[i] = v;
        graph_result_t r;
        double a = now_us();
        if(graph_lineage(s, v, &q, &r))
            return 1;
        lat[i] = now_us() - a;
        found += r.nnodes;
        graph_result_free(&r);
    }
    report("index: downstream depth 3 (in-memory)", lat, roots);
    printf("  mean nodes per answer: %.1f\n", (double)found / roots);

    duckdb_prepared_statement ps;
    if(duckdb_prepare(c,
                      "WITH RECURSIVE d(id, depth) AS (SELECT $1::BIGINT, 0 UNION SELECT e.target, d.depth + 1 "
                      "FROM edges e JOIN d ON e.source = d.id WHERE d.depth < 3 AND e.kind = 'DERIVES') "
                      "SELECT count(DISTINCT id) FROM d",
                      &ps) != DuckDBSuccess) {
        fprintf(stderr, "bench_graph: %s\n", duckdb_prepare_error(ps));
        return 1;
    }
    int mismatches = 0;
    for(int i = 0; i < cte_roots && i < roots; i++) {
        double a = now_us();
        long n = cte_count(ps, ids[i]);
        lat[i] = now_us() - a;
        /* the same root through the index must find the same set size */
        graph_result_t r;
        graph_lineage(s, dense[i], &q, &r);
        if(!r.truncated && n != r.nnodes)
            mismatches++;
        graph_result_free(&r);
    }
    duckdb_destroy_prepare(&ps);
    report("DuckDB: recursive CTE, same walk", lat, cte_roots < roots ? cte_roots : roots);
    printf("  answers differing from the index: %d\n", mismatches);

    /* Chat: questions naming a random node, several intents, one thread. */
    static const char *const forms[][2] = {
        {"what feeds ", ""}, {"what breaks if I change ", ""}, {"how does ", " reach s1.t1"}, {"where is ", " used"}};
    for(int f = 0; f < 4; f++) {
        int done = 0;
        double start = now_us(), end = start;
        while(end - start < 1e6) {
            char body[256];
            snprintf(body, sizeof(body), "{\"query\":\"%s%s%s\"}", forms[f][0],
                     graph_node_name(s, (int)(next_rand() % (uint64_t)nodes)), forms[f][1]);
            query_result_t r = {0};
            query_chat(c, s, "graph", body, strlen(body), &r);
            if(r.status != 200)
                return 1;
            query_result_clear(&r);
            done++;
            end = now_us();
        }
        printf("chat \"%sX%s\": %.0f questions/s (graph mode, in process, one thread)\n", forms[f][0], forms[f][1],
               done / ((end - start) / 1e6));
    }
    util_free(lat);
    util_free(ids);
    util_free(dense);
    graph_snap_release(s);
    duckdb_disconnect(&c);
    duckdb_close(&db);
    if(bench_updates(env_long("BENCH_UPDATE_TABLES", 25000), (int)env_long("BENCH_UPDATE_ROUNDS", 20))) {
        fprintf(stderr, "bench_graph: the update benchmark failed\n");
        return 1;
    }
    return mismatches ? 1 : 0;
}
