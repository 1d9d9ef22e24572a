/* The in-memory lineage index: names, traversals, paths, temp collapse, loading and publishing. */
#include "graph/graph.h"
#include "graph/index.h"
#include "ingest/parsed.h"
#include "ingest/writer.h"
#include "store/store.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "graph_example.h"

static int node(const graph_snap_t *s, const char *name)
{
    int v = graph_find(s, name);
    assert_int_not_equal(v, GRAPH_NONE);
    return v;
}

/* The result's node names joined with ',' in result order. */
static void names_of(const graph_snap_t *s, const graph_result_t *r, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for(int i = 0; i < r->nnodes; i++) {
        int w = snprintf(out + len, cap - len, "%s%s:%d", i ? "," : "", graph_node_name(s, r->nodes[i].node),
                         r->nodes[i].depth);
        assert_true(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
    }
}

static void lookup_with_and_without_schema(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    assert_int_equal(graph_node_count(s), 13);
    assert_int_equal(graph_edge_count(s), 16);
    int v, cand[8], n;
    assert_int_equal(graph_lookup(s, "RAW.Orders", GRAPH_MASK_ALL, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "raw.orders");
    assert_int_equal(graph_lookup(s, "\"raw\".\"orders\"", GRAPH_MASK_ALL, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "raw.orders");
    assert_int_equal(graph_lookup(s, "customers", GRAPH_MASK_TABLES, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "raw.customers");
    assert_int_equal(graph_lookup(s, "orders", GRAPH_MASK_TABLES, &v, cand, 8, &n), GRAPH_ERR_AMBIGUOUS);
    assert_int_equal(n, 2);
    assert_int_equal(graph_lookup(s, "orders_clean.amount", GRAPH_MASK_ALL, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "sales.orders_clean.amount");
    /* `amount` names two columns; among tables it names nothing */
    assert_int_equal(graph_lookup(s, "amount", GRAPH_MASK_ALL, &v, cand, 8, &n), GRAPH_ERR_AMBIGUOUS);
    assert_int_equal(graph_lookup(s, "amount", GRAPH_MASK_TABLES, &v, cand, 8, &n), GRAPH_ERR_NOT_FOUND);
    assert_int_equal(graph_lookup(s, "nothing.here", GRAPH_MASK_ALL, &v, cand, 8, &n), GRAPH_ERR_NOT_FOUND);
    assert_int_equal(graph_lookup(s, "   ", GRAPH_MASK_ALL, &v, cand, 8, &n), GRAPH_ERR_NOT_FOUND);
    assert_int_equal(graph_lookup(s, "load.sql", GRAPH_MASK(GRAPH_FILE), &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "etl/load.sql");
    assert_int_equal(graph_column_table(s, node(s, "raw.orders.amount")), node(s, "raw.orders"));
    int cols[4];
    assert_int_equal(graph_columns(s, node(s, "raw.orders"), cols, 4), 2);
    graph_snap_release(s);
}

/* Columns come in the order they were first seen (their ids), whatever order the edges were read in. */
static void columns_in_the_order_first_seen(void **state)
{
    (void)state;
    graph_builder_t *b = graph_builder_new();
    assert_non_null(b);
    assert_int_equal(graph_builder_add_node(b, 1, GRAPH_TABLE, "s.t", 0), 0);
    const char *names[] = {"s.t.id", "s.t.customer_id", "s.t.amount", "s.t.placed_at"};
    for(int i = 0; i < 4; i++)
        assert_int_equal(graph_builder_add_node(b, 10 + i, GRAPH_COLUMN, names[i], 0), 0);
    for(int i = 3; i >= 0; i--) /* the store returned them last first, twice for two files */
        for(int f = 0; f < 2; f++)
            assert_int_equal(graph_builder_add_edge(b, 1, 10 + i, GRAPH_CONTAINS, 0, NULL), 0);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    int cols[4];
    assert_int_equal(graph_columns(s, node(s, "s.t"), cols, 4), 4);
    for(int i = 0; i < 4; i++)
        assert_string_equal(graph_node_name(s, cols[i]), names[i]);
    assert_int_equal(graph_columns(s, node(s, "s.t"), cols, 2), 4); /* the first two, by id */
    assert_string_equal(graph_node_name(s, cols[0]), "s.t.id");
    assert_string_equal(graph_node_name(s, cols[1]), "s.t.customer_id");
    graph_snap_release(s);

    /* A DDL's columns first, in the order it wrote them, then the others by id. */
    b = graph_builder_new();
    assert_non_null(b);
    assert_int_equal(graph_builder_add_node(b, 1, GRAPH_TABLE, "s.t", 0), 0);
    for(int i = 0; i < 4; i++)
        assert_int_equal(graph_builder_add_node(b, 10 + i, GRAPH_COLUMN, names[i], 0), 0);
    for(int i = 3; i >= 0; i--)
        assert_int_equal(graph_builder_add_edge(b, 1, 10 + i, GRAPH_CONTAINS, 0, NULL), 0);
    assert_int_equal(graph_builder_add_edge(b, 1, 12, GRAPH_CONTAINS, 0, "DEFINED"), 0);
    assert_int_equal(graph_builder_add_edge(b, 1, 10, GRAPH_CONTAINS, 0, "DEFINED"), 0);
    assert_int_equal(graph_builder_finish(b, &s), 0);
    assert_int_equal(graph_columns(s, node(s, "s.t"), cols, 4), 4);
    const char *want[] = {"s.t.amount", "s.t.id", "s.t.customer_id", "s.t.placed_at"};
    for(int i = 0; i < 4; i++)
        assert_string_equal(graph_node_name(s, cols[i]), want[i]);
    assert_int_equal(graph_columns(s, node(s, "s.t"), cols, 1), 4);
    assert_string_equal(graph_node_name(s, cols[0]), "s.t.amount");
    graph_snap_release(s);
}

/* One tail named by thousands of columns (every table has an `id`) is one key with all of them. */
static void a_tail_shared_by_many_columns(void **state)
{
    (void)state;
    enum { TABLES = 5000 };
    graph_builder_t *b = graph_builder_new();
    assert_non_null(b);
    char name[64];
    for(int i = 0; i < TABLES; i++) {
        snprintf(name, sizeof(name), "s.t%d", i);
        assert_int_equal(graph_builder_add_node(b, 2 * i + 1, GRAPH_TABLE, name, 0), 0);
        snprintf(name, sizeof(name), "s.t%d.id", i);
        assert_int_equal(graph_builder_add_node(b, 2 * i + 2, GRAPH_COLUMN, name, 0), 0);
    }
    assert_int_equal(graph_builder_add_node(b, 2 * TABLES + 1, GRAPH_TABLE, "ID", 0), 0);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    int v, cand[8], n;
    /* the whole name wins over the 5,000 tails */
    assert_int_equal(graph_lookup(s, "id", GRAPH_MASK_ALL, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "ID");
    assert_int_equal(graph_lookup(s, "id", GRAPH_MASK(GRAPH_COLUMN), &v, cand, 8, &n), GRAPH_ERR_AMBIGUOUS);
    assert_int_equal(n, TABLES);
    assert_string_equal(graph_node_name(s, cand[0]), "s.t0.id");
    assert_string_equal(graph_node_name(s, cand[7]), "s.t7.id");
    assert_int_equal(graph_lookup(s, "T4999.Id", GRAPH_MASK_ALL, &v, cand, 8, &n), 0);
    assert_string_equal(graph_node_name(s, v), "s.t4999.id");
    assert_string_equal(graph_node_name(s, node(s, "s.t123")), "s.t123");
    assert_int_equal(graph_find(s, "t123"), GRAPH_NONE);
    graph_snap_release(s);
}

static void downstream_depth_and_edges(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    char got[512];
    graph_result_t r;
    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .depth = 3, .limit = 1000};
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "raw.orders:0,#stage:1,sales.orders_clean:2,sales.summary:3");
    assert_int_equal(r.nedges, 3);
    assert_false(r.truncated);
    /* a statement travels with each edge */
    graph_stmt_info_t st;
    assert_int_equal(graph_edge_statement(s, r.hop[r.edges[0].hop_off], &st), 0);
    assert_string_equal(st.file, "etl/load.sql");
    assert_int_equal(st.line, 5);
    assert_string_equal(st.routine, "etl.load_proc");
    graph_result_free(&r);

    q.depth = 4;
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), 0);
    assert_int_equal(r.nnodes, 5);
    graph_result_free(&r);

    q.direction = GRAPH_UPSTREAM;
    q.depth = 50;
    assert_int_equal(graph_lineage(s, node(s, "mart.report"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got,
                        "mart.report:0,sales.summary:1,sales.orders_clean:2,#stage:3,raw.customers:3,raw.orders:4");
    assert_int_equal(r.nedges, 5);
    graph_result_free(&r);

    q.direction = GRAPH_BOTH;
    q.depth = 1;
    assert_int_equal(graph_lineage(s, node(s, "sales.orders_clean"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "sales.orders_clean:0,#stage:1,raw.customers:1,sales.summary:1");
    assert_int_equal(r.nedges, 3);
    graph_result_free(&r);
    q.depth = 51;
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), GRAPH_ERR_ARG);
    graph_snap_release(s);
}

static void limit_truncates_with_counts(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    graph_result_t r;
    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .depth = 50, .limit = 3};
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), 0);
    assert_true(r.truncated);
    assert_int_equal(r.nnodes, 3);
    assert_int_equal(r.total_nodes, 5);
    assert_int_equal(r.total_edges, -1);
    assert_int_equal(r.nedges, 2); /* only edges between kept nodes */
    for(int i = 0; i < r.nedges; i++)
        assert_int_not_equal(r.edges[i].target, node(s, "sales.summary"));
    graph_result_free(&r);
    graph_snap_release(s);
}

static void temp_tables_collapse_keeping_the_statement(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    char got[512];
    graph_result_t r;
    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .depth = 3, .limit = 1000, .collapse_temp = 1};
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "raw.orders:0,sales.orders_clean:1,sales.summary:2,mart.report:3");
    assert_int_equal(r.edges[0].source, node(s, "raw.orders"));
    assert_int_equal(r.edges[0].target, node(s, "sales.orders_clean"));
    assert_int_equal(r.edges[0].hops, 2);
    graph_stmt_info_t st;
    assert_int_equal(graph_edge_statement(s, r.hop[r.edges[0].hop_off + 1], &st), 0);
    assert_int_equal(st.line, 9);
    assert_string_equal(st.routine, "etl.load_proc");
    graph_result_free(&r);

    q.direction = GRAPH_UPSTREAM;
    assert_int_equal(graph_lineage(s, node(s, "sales.orders_clean"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "sales.orders_clean:0,raw.orders:1,raw.customers:1");
    graph_result_free(&r);
    graph_snap_release(s);
}

static void roots_of_columns_procedures_and_files(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    char got[512];
    graph_result_t r;
    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .level = GRAPH_LEVEL_COLUMN, .depth = 3, .limit = 1000};
    assert_int_equal(graph_lineage(s, node(s, "raw.orders"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "raw.orders.id:0,raw.orders.amount:0,sales.orders_clean.amount:1,sales.summary.total:2");
    assert_int_equal(r.nroots, 2);
    assert_string_equal(graph_edge_transformation(s, r.hop[r.edges[1].hop_off]), "AGGREGATION");
    graph_result_free(&r);
    /* a procedure's lineage starts with what it reads */
    q.direction = GRAPH_UPSTREAM;
    q.level = GRAPH_LEVEL_TABLE;
    assert_int_equal(graph_lineage(s, node(s, "etl.load_proc"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "etl.load_proc:0,raw.orders:1");
    graph_result_free(&r);
    /* a file whose statements are all inside a procedure: the procedure is a root too, joined by DEFINED_IN */
    q.direction = GRAPH_BOTH;
    q.depth = 1;
    assert_int_equal(graph_lineage(s, node(s, "etl/load.sql"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "etl/load.sql:0,etl.load_proc:0,raw.orders:1,#stage:1");
    assert_int_equal(r.nroots, 2);
    assert_int_equal(r.nedges, 3);
    assert_int_equal(r.edges[0].source, node(s, "etl.load_proc"));
    assert_int_equal(r.edges[0].target, node(s, "etl/load.sql"));
    assert_int_equal(graph_edge_kind(s, r.hop[r.edges[0].hop_off]), GRAPH_DEFINED_IN);
    assert_false(r.truncated);
    graph_result_free(&r);
    /* at a limit of one node the procedure is cut and counted */
    q.limit = 1;
    assert_int_equal(graph_lineage(s, node(s, "etl/load.sql"), &q, &r), 0);
    names_of(s, &r, got, sizeof(got));
    assert_string_equal(got, "etl/load.sql:0");
    assert_int_equal(r.nedges, 0);
    assert_true(r.truncated);
    assert_int_equal(r.total_nodes, 2);
    graph_result_free(&r);
    graph_snap_release(s);
}

/* Names of a table's columns (CONTAINS), sorted, joined with ','. */
static void columns_of(const graph_snap_t *s, const char *table, char *out, size_t cap)
{
    int cols[16], n = graph_columns(s, node(s, table), cols, 16);
    assert_true(n <= 16);
    const char *names[16];
    for(int i = 0; i < n; i++)
        names[i] = graph_node_name(s, cols[i]);
    for(int i = 1; i < n; i++)
        for(int k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            const char *x = names[k];
            names[k] = names[k - 1];
            names[k - 1] = x;
        }
    out[0] = '\0';
    for(int i = 0, len = 0; i < n; i++)
        len += snprintf(out + len, cap - (size_t)len, "%s%s", i ? "," : "", names[i]);
}

/* Sources of a column's DERIVES edges, joined with ',' in edge order. */
static void sources_of(const graph_snap_t *s, const char *column, char *out, size_t cap)
{
    const int *in;
    int n = graph_in_edges(s, node(s, column), &in), len = 0;
    out[0] = '\0';
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(s, in[i]) == GRAPH_DERIVES)
            len += snprintf(out + len, cap - (size_t)len, "%s%s", len ? "," : "",
                            graph_node_name(s, graph_edge_source(s, in[i])));
}

/*
 * For the catalog across files: DDL columns of s.t (CONTAINS marked DEFINED) expand `s.t.* -> v.*`,
 * then `v.* -> w.*` through v's new columns and y, the other output of v's `SELECT *, a + 1 AS y`
 * (listed first, so order does not matter); z, which DDL
 * defines, takes only its own columns; u, which no DDL defines, keeps its star into x.
 */
static int star_graph(graph_builder_t *b)
{
    enum { T = 1, V, W, Z, U, X, TA, TB, TSTAR, VSTAR, WSTAR, ZA, ZSTAR, USTAR, XSTAR, VY, F };
    static const struct {
        int id;
        graph_kind_t kind;
        const char *name;
    } nodes[] = {{T, GRAPH_TABLE, "s.t"},      {V, GRAPH_VIEW, "v"},         {W, GRAPH_VIEW, "w"},
                 {Z, GRAPH_TABLE, "z"},        {U, GRAPH_TABLE, "u"},        {X, GRAPH_VIEW, "x"},
                 {TA, GRAPH_COLUMN, "s.t.a"},  {TB, GRAPH_COLUMN, "s.t.B"},  {TSTAR, GRAPH_COLUMN, "s.t.*"},
                 {VSTAR, GRAPH_COLUMN, "v.*"}, {WSTAR, GRAPH_COLUMN, "w.*"}, {ZA, GRAPH_COLUMN, "z.A"},
                 {ZSTAR, GRAPH_COLUMN, "z.*"}, {USTAR, GRAPH_COLUMN, "u.*"}, {XSTAR, GRAPH_COLUMN, "x.*"},
                 {VY, GRAPH_COLUMN, "v.y"},    {F, GRAPH_FILE, "a.sql"}};
    static const struct {
        int64_t a, z;
        graph_edge_kind_t kind;
        int64_t st;
        const char *trans;
    } edges[] = {
        {V, VSTAR, GRAPH_CONTAINS, 102, NULL},
        {W, WSTAR, GRAPH_CONTAINS, 102, NULL},
        {VSTAR, WSTAR, GRAPH_DERIVES, 102, "IDENTITY"},
        {T, TSTAR, GRAPH_CONTAINS, 101, NULL},
        {TSTAR, VSTAR, GRAPH_DERIVES, 101, "IDENTITY"},
        {T, TA, GRAPH_CONTAINS, 100, "DEFINED"},
        {T, TB, GRAPH_CONTAINS, 100, "DEFINED"},
        {Z, ZA, GRAPH_CONTAINS, 103, "DEFINED"},
        {Z, ZSTAR, GRAPH_CONTAINS, 104, NULL},
        {TSTAR, ZSTAR, GRAPH_DERIVES, 104, "IDENTITY"},
        {U, USTAR, GRAPH_CONTAINS, 105, NULL},
        {X, XSTAR, GRAPH_CONTAINS, 105, NULL},
        {USTAR, XSTAR, GRAPH_DERIVES, 105, "IDENTITY"},
        {T, V, GRAPH_DERIVES, 101, NULL},
        {V, VY, GRAPH_CONTAINS, 101, NULL},
        {TA, VY, GRAPH_DERIVES, 101, "TRANSFORMATION"},
    };
    int rc = 0;
    for(size_t i = 0; i < sizeof nodes / sizeof nodes[0] && !rc; i++)
        rc = graph_builder_add_node(b, nodes[i].id, nodes[i].kind, nodes[i].name, 0);
    graph_file_row_t file = {.path = "a.sql"};
    rc = rc ? rc : graph_builder_add_file(b, 1, &file);
    for(int st = 100; st <= 105 && !rc; st++)
        rc = graph_builder_add_statement(b, st, 1, st - 99, "create_view", NULL, NULL);
    for(size_t i = 0; i < sizeof edges / sizeof edges[0] && !rc; i++)
        rc = graph_builder_add_edge(b, edges[i].a, edges[i].z, edges[i].kind, edges[i].st, edges[i].trans);
    return rc;
}

static void stars_expand_from_defined_columns(void **state)
{
    (void)state;
    graph_builder_t *b = graph_builder_new();
    assert_int_equal(star_graph(b), 0);
    graph_snap_t *s;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    char got[512];
    columns_of(s, "s.t", got, sizeof got);
    assert_string_equal(got, "s.t.B,s.t.a");
    columns_of(s, "v", got, sizeof got);
    assert_string_equal(got, "v.B,v.a,v.y");
    columns_of(s, "w", got, sizeof got);
    assert_string_equal(got, "w.B,w.a,w.y");
    columns_of(s, "z", got, sizeof got);
    assert_string_equal(got, "z.A");
    columns_of(s, "x", got, sizeof got);
    assert_string_equal(got, "x.*");
    sources_of(s, "w.a", got, sizeof got);
    assert_string_equal(got, "v.a");
    sources_of(s, "v.b", got, sizeof got);
    assert_string_equal(got, "s.t.B");
    sources_of(s, "z.a", got, sizeof got);
    assert_string_equal(got, "s.t.a");
    sources_of(s, "x.*", got, sizeof got);
    assert_string_equal(got, "u.*");
    assert_int_equal(graph_find(s, "s.t.*"), GRAPH_NONE);
    assert_int_equal(graph_find(s, "v.*"), GRAPH_NONE);
    assert_true(graph_node_db_id(s, node(s, "v.a")) < 0);
    /* the new edges belong to the statement of the star, as exports read them */
    graph_result_t r;
    graph_query_t q = {.direction = GRAPH_UPSTREAM, .level = GRAPH_LEVEL_COLUMN, .depth = 5, .limit = 100};
    assert_int_equal(graph_lineage(s, node(s, "w.a"), &q, &r), 0);
    names_of(s, &r, got, sizeof got);
    assert_string_equal(got, "w.a:0,v.a:1,s.t.a:2");
    graph_stmt_info_t info;
    assert_int_equal(graph_edge_statement(s, r.hop[r.edges[0].hop_off], &info), 0);
    assert_int_equal(info.line, 3);
    assert_string_equal(graph_edge_transformation(s, r.hop[r.edges[0].hop_off]), "IDENTITY");
    graph_result_free(&r);
    graph_snap_release(s);
}

/* A chain of views, each `SELECT *` of the previous one, listed last to first, expands whole. */
static void a_chain_of_stars_expands_in_any_order(void **state)
{
    (void)state;
    enum { N = 2000 };
    graph_builder_t *b = graph_builder_new();
    char name[32], col[40];
    /* node ids: view i = 3i+1, its star 3i+2; column a of view 0: 3 */
    for(int i = N - 1; i >= 0; i--) {
        snprintf(name, sizeof name, "v%d", i);
        snprintf(col, sizeof col, "v%d.*", i);
        assert_int_equal(graph_builder_add_node(b, 3 * i + 1, i ? GRAPH_VIEW : GRAPH_TABLE, name, 0), 0);
        assert_int_equal(graph_builder_add_node(b, 3 * i + 2, GRAPH_COLUMN, col, 0), 0);
        assert_int_equal(graph_builder_add_edge(b, 3 * i + 1, 3 * i + 2, GRAPH_CONTAINS, i, NULL), 0);
        if(i)
            assert_int_equal(graph_builder_add_edge(b, 3 * (i - 1) + 2, 3 * i + 2, GRAPH_DERIVES, i, "IDENTITY"), 0);
    }
    assert_int_equal(graph_builder_add_node(b, 3, GRAPH_COLUMN, "v0.a", 0), 0);
    assert_int_equal(graph_builder_add_edge(b, 1, 3, GRAPH_CONTAINS, 0, "DEFINED"), 0);
    graph_snap_t *s;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    char got[64];
    snprintf(col, sizeof col, "v%d.a", N - 1);
    sources_of(s, col, got, sizeof got);
    snprintf(name, sizeof name, "v%d.a", N - 2);
    assert_string_equal(got, name);
    assert_int_equal(graph_node_count(s), 2 * N); /* N views, each with its a; the stars are gone */
    graph_snap_release(s);
}

/*
 * A bare source (stored under its bare name) goes to the one table its statement reads that has
 * the column, DDL-defined or given by an expanded star; none or several: the edge is left out.
 */
static void bare_columns_go_to_the_one_table_that_has_them(void **state)
{
    (void)state;
    enum { T = 1, U, V, W, T2, TA, TID, UID, UC, T2X, T2STAR, VSTAR, BA, BC, BID, BZZ, BV, WA, WC, WID, WZZ, WV, F };
    graph_builder_t *b = graph_builder_new();
    struct {
        int id;
        graph_kind_t kind;
        const char *name;
    } nodes[] = {{T, GRAPH_TABLE, "t"},        {U, GRAPH_TABLE, "u"},       {V, GRAPH_VIEW, "v"},
                 {W, GRAPH_VIEW, "w"},         {TA, GRAPH_COLUMN, "t.a"},   {TID, GRAPH_COLUMN, "t.id"},
                 {UID, GRAPH_COLUMN, "u.id"},  {UC, GRAPH_COLUMN, "u.c"},   {T2STAR, GRAPH_COLUMN, "t2.*"},
                 {VSTAR, GRAPH_COLUMN, "v.*"}, {T2, GRAPH_TABLE, "t2"},     {T2X, GRAPH_COLUMN, "t2.X"},
                 {BA, GRAPH_COLUMN, "A"},      {BC, GRAPH_COLUMN, "c"},     {BID, GRAPH_COLUMN, "id"},
                 {BZZ, GRAPH_COLUMN, "zz"},    {BV, GRAPH_COLUMN, "x"},     {WA, GRAPH_COLUMN, "w.a"},
                 {WC, GRAPH_COLUMN, "w.c"},    {WID, GRAPH_COLUMN, "w.id"}, {WZZ, GRAPH_COLUMN, "w.zz"},
                 {WV, GRAPH_COLUMN, "w.x"},    {F, GRAPH_FILE, "a.sql"}};
    for(size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        assert_int_equal(graph_builder_add_node(b, nodes[i].id, nodes[i].kind, nodes[i].name, 0), 0);
    struct {
        int64_t a, z;
        graph_edge_kind_t kind;
        int64_t st;
        const char *trans;
    } edges[] = {
        {W, WA, GRAPH_CONTAINS, 300, NULL},         {W, WC, GRAPH_CONTAINS, 300, NULL},
        {W, WID, GRAPH_CONTAINS, 300, NULL},        {W, WZZ, GRAPH_CONTAINS, 300, NULL},
        {W, WV, GRAPH_CONTAINS, 300, NULL},         {BA, WA, GRAPH_DERIVES, 300, "IDENTITY"},
        {BC, WC, GRAPH_DERIVES, 300, "IDENTITY"},   {BID, WID, GRAPH_DERIVES, 300, "IDENTITY"},
        {BZZ, WZZ, GRAPH_DERIVES, 300, "IDENTITY"}, {BV, WV, GRAPH_DERIVES, 300, "TRANSFORMATION"},
        {F, T, GRAPH_READS_FROM, 300, NULL},        {F, U, GRAPH_READS_FROM, 300, NULL},
        {F, V, GRAPH_READS_FROM, 300, NULL},        {T, TA, GRAPH_CONTAINS, 100, "DEFINED"},
        {T, TID, GRAPH_CONTAINS, 100, "DEFINED"},   {U, UID, GRAPH_CONTAINS, 101, "DEFINED"},
        {U, UC, GRAPH_CONTAINS, 101, "DEFINED"},    {F, U, GRAPH_READS_FROM, 101, NULL},
        {BC, TA, GRAPH_DERIVES, 102, NULL},         {T2, T2STAR, GRAPH_CONTAINS, 103, NULL},
        {V, VSTAR, GRAPH_CONTAINS, 103, NULL},      {T2STAR, VSTAR, GRAPH_DERIVES, 103, "IDENTITY"},
        {T2, T2X, GRAPH_CONTAINS, 104, "DEFINED"},
    };
    for(size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        assert_int_equal(graph_builder_add_edge(b, edges[i].a, edges[i].z, edges[i].kind, edges[i].st, edges[i].trans),
                         0);
    graph_snap_t *s;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    char got[256];
    sources_of(s, "w.a", got, sizeof got);
    assert_string_equal(got, "t.a");       /* names compare case-insensitively */
    sources_of(s, "w.x", got, sizeof got); /* v has x from the star over t2 */
    assert_string_equal(got, "v.X");
    sources_of(s, "w.c", got, sizeof got);
    assert_string_equal(got, "u.c");
    sources_of(s, "w.id", got, sizeof got); /* t and u both have id */
    assert_string_equal(got, "");
    sources_of(s, "w.zz", got, sizeof got);
    assert_string_equal(got, "");
    sources_of(s, "t.a", got, sizeof got); /* statement 102 reads nothing */
    assert_string_equal(got, "");
    for(const char *bare[] = {"A", "c", "id", "zz", "x"}, **p = bare; p < bare + 5; p++)
        assert_int_equal(graph_find(s, *p), GRAPH_NONE);
    graph_snap_release(s);
}

static void shortest_paths_both_ways(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    graph_result_t r;
    int paths[4 * GRAPH_MAX_DEPTH], len[4], np, rev;
    assert_int_equal(graph_paths(s, node(s, "raw.orders"), node(s, "mart.report"), 4, &r, paths, len, &np, &rev), 0);
    assert_int_equal(np, 1);
    assert_int_equal(len[0], 4);
    assert_false(rev);
    assert_int_equal(r.edges[paths[0]].source, node(s, "raw.orders"));
    assert_int_equal(r.edges[paths[3]].target, node(s, "mart.report"));
    graph_result_free(&r);
    assert_int_equal(graph_paths(s, node(s, "mart.report"), node(s, "raw.customers"), 4, &r, paths, len, &np, &rev), 0);
    assert_int_equal(np, 1);
    assert_true(rev);
    assert_int_equal(len[0], 3);
    graph_result_free(&r);
    assert_int_equal(graph_paths(s, node(s, "raw.orders"), node(s, "other.orders"), 4, &r, paths, len, &np, &rev), 0);
    assert_int_equal(np, 0);
    graph_result_free(&r);
    graph_snap_release(s);

    /* a diamond has two shortest paths */
    graph_builder_t *b = graph_builder_new();
    const char *nm[] = {"a", "b", "c", "d"};
    for(int i = 0; i < 4; i++)
        assert_int_equal(graph_builder_add_node(b, i + 1, GRAPH_TABLE, nm[i], 0), 0);
    int64_t e[][2] = {{1, 2}, {1, 3}, {2, 4}, {3, 4}};
    for(int i = 0; i < 4; i++)
        assert_int_equal(graph_builder_add_edge(b, e[i][0], e[i][1], GRAPH_DERIVES, -1, NULL), 0);
    assert_int_equal(graph_builder_finish(b, &s), 0);
    assert_int_equal(graph_paths(s, graph_find(s, "a"), graph_find(s, "d"), 4, &r, paths, len, &np, &rev), 0);
    assert_int_equal(np, 2);
    assert_int_equal(r.nnodes, 4);
    assert_int_equal(r.nedges, 4);
    graph_result_free(&r);
    assert_int_equal(graph_paths(s, graph_find(s, "a"), graph_find(s, "d"), 1, &r, paths, len, &np, &rev), 0);
    assert_int_equal(np, 1);
    graph_result_free(&r);
    graph_snap_release(s);
}

static void search_ranks_exact_prefix_substring_typo(void **state)
{
    (void)state;
    graph_snap_t *s = example();
    graph_hit_t h[8];
    int n = graph_search(s, "orders", GRAPH_MASK_TABLES, h, 8);
    assert_true(n >= 3);
    /* exact tails first (shorter name first on a tie), then the prefix match */
    assert_string_equal(graph_node_name(s, h[0].node), "raw.orders");
    assert_string_equal(graph_node_name(s, h[1].node), "other.orders");
    assert_string_equal(graph_node_name(s, h[2].node), "sales.orders_clean");
    assert_true(h[1].score > h[2].score);
    n = graph_search(s, "sales.orders_clean", GRAPH_MASK_ALL, h, 8);
    assert_string_equal(graph_node_name(s, h[0].node), "sales.orders_clean");
    assert_true(h[0].score == 1.0);
    n = graph_search(s, "lean", GRAPH_MASK_TABLES, h, 8);
    assert_int_equal(n, 1);
    assert_string_equal(graph_node_name(s, h[0].node), "sales.orders_clean");
    n = graph_search(s, "custmers", GRAPH_MASK_ALL, h, 8);
    assert_int_equal(n, 1);
    assert_string_equal(graph_node_name(s, h[0].node), "raw.customers");
    assert_true(h[0].score < 0.5);
    assert_int_equal(graph_search(s, "zzzzzzzz", GRAPH_MASK_ALL, h, 8), 0);
    assert_int_equal(graph_search(s, "", GRAPH_MASK_ALL, h, 8), GRAPH_ERR_ARG);
    graph_snap_release(s);
}

static void edit_distance_is_bounded(void **state)
{
    (void)state;
    assert_int_equal(graph_edit_distance("kitten", 6, "sitting", 7, 3), 3);
    assert_int_equal(graph_edit_distance("kitten", 6, "sitting", 7, 2), 3);
    assert_int_equal(graph_edit_distance("orders", 6, "ordres", 6, 2), 1);
    assert_int_equal(graph_edit_distance("ABC", 3, "abc", 3, 1), 0);
    assert_int_equal(graph_edit_distance("a", 1, "abcdef", 6, 2), 3);
}

static void allocation_failures_are_clean(void **state)
{
    (void)state;
    /* every allocation in building and walking fails once in turn; nothing leaks, nothing crashes */
    for(long k = 0; k < 200; k++) {
        graph_builder_t *b = graph_builder_new();
        util_alloc_fail_after(k);
        int rc = b ? 0 : GRAPH_ERR_NOMEM;
        for(int i = 1; i <= 20 && !rc && b; i++) {
            char name[16];
            snprintf(name, sizeof(name), "t%d", i);
            rc = graph_builder_add_node(b, i, GRAPH_TABLE, name, i % 5 == 0);
            if(!rc && i > 1)
                rc = graph_builder_add_edge(b, i - 1, i, GRAPH_DERIVES, -1, NULL);
        }
        graph_snap_t *s = NULL;
        if(b)
            rc = graph_builder_finish(b, &s);
        if(!rc) {
            graph_result_t r;
            graph_query_t q = {.direction = GRAPH_BOTH, .depth = 50, .limit = 1000, .collapse_temp = 1};
            if(graph_lineage(s, 3, &q, &r) == 0)
                graph_result_free(&r);
            graph_snap_release(s);
        }
        util_alloc_fail_after(-1);
    }
}

/* The catalog's expansion fails whole or not at all: a snapshot that builds has every column. */
static void catalog_allocation_failures_are_clean(void **state)
{
    (void)state;
    int built = 0;
    for(long k = 0; k < 400; k++) {
        graph_builder_t *b = graph_builder_new();
        util_alloc_fail_after(k);
        int rc = b ? star_graph(b) : GRAPH_ERR_NOMEM;
        graph_snap_t *s = NULL;
        if(b)
            rc = graph_builder_finish(b, &s);
        util_alloc_fail_after(-1);
        if(!rc) {
            assert_int_not_equal(graph_find(s, "w.a"), GRAPH_NONE);
            assert_int_equal(graph_find(s, "v.*"), GRAPH_NONE);
            graph_snap_release(s);
            built++;
        }
    }
    assert_true(built > 0);
}

static void exec_sql(duckdb_connection conn, const char *sql)
{
    duckdb_result res;
    duckdb_state st = duckdb_query(conn, sql, &res);
    if(st != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&res));
    duckdb_destroy_result(&res);
}

/* The docs/graph.md tables, whatever the migrations of this build created. */
static void graph_tables(duckdb_connection conn)
{
    exec_sql(conn, "DROP TABLE IF EXISTS edges; DROP TABLE IF EXISTS nodes; DROP TABLE IF EXISTS statements;"
                   "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS ingestions;"
                   "CREATE TABLE ingestions (id VARCHAR, commit_sha VARCHAR, branch VARCHAR);"
                   "CREATE TABLE files (id BIGINT PRIMARY KEY, path VARCHAR, repository VARCHAR, project_id VARCHAR,"
                   " dialect VARCHAR, is_current BOOLEAN, disk_path VARCHAR, ingestion_id VARCHAR);"
                   "CREATE TABLE statements (id BIGINT PRIMARY KEY, file_id BIGINT, ordinal INTEGER, kind VARCHAR,"
                   " name VARCHAR, line_start INTEGER, column_start INTEGER, error VARCHAR);"
                   "CREATE TABLE nodes (id BIGINT PRIMARY KEY, kind VARCHAR, name VARCHAR, project_id VARCHAR,"
                   " temporary BOOLEAN);"
                   "CREATE TABLE edges (source BIGINT, target BIGINT, kind VARCHAR, statement_id BIGINT,"
                   " transformation VARCHAR);");
}

/* An in-memory store with the graph's tables, and a connection to it. */
static store_t *graph_store(duckdb_connection *conn)
{
    store_t *store = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &store, err, sizeof(err)), 0);
    assert_int_equal(store_connect(store, conn), 0);
    graph_tables(*conn);
    return store;
}

static void loads_from_duckdb(void **state)
{
    (void)state;
    duckdb_connection conn;
    store_t *store = graph_store(&conn);
    exec_sql(conn,
             "INSERT INTO ingestions VALUES ('ing_1', 'abc123', 'main');"
             "INSERT INTO files VALUES (1, 'a.sql', 'acme/wh', 'p', 'postgres', true, '/tmp/a.sql', 'ing_1'),"
             " (2, 'old.sql', NULL, 'p', NULL, false, NULL, NULL);"
             "INSERT INTO statements VALUES (7, 1, 1, 'insert', NULL, 3, 1, NULL), (8, 2, 1, 'insert', NULL,"
             " 1, 1, NULL);"
             "INSERT INTO nodes VALUES (1, 'table', 's.a', 'p', false), (2, 'table', 's.b', 'p', NULL),"
             " (3, 'table', 'tmp_x', 'p', true), (4, 'mystery', 'x', 'p', false);"
             "INSERT INTO edges VALUES (1, 3, 'DERIVES', 7, NULL), (3, 2, 'DERIVES', 7, 'IDENTITY'),"
             " (1, 4, 'DERIVES', 8, NULL), (1, 2, 'SOMETHING', 7, NULL);");
    graph_snap_t *s = NULL;
    assert_int_equal(graph_load(conn, &s), 0);
    assert_int_equal(graph_node_count(s), 3); /* an unknown kind is left out */
    assert_int_equal(graph_edge_count(s), 2);
    assert_true(graph_node_temporary(s, graph_find(s, "tmp_x")));
    graph_stmt_info_t st;
    const int *out;
    assert_int_equal(graph_out_edges(s, graph_find(s, "tmp_x"), &out), 1);
    assert_int_equal(graph_edge_statement(s, out[0], &st), 0);
    assert_string_equal(st.file, "a.sql");
    assert_string_equal(st.repository, "acme/wh");
    assert_string_equal(st.dialect, "postgres");
    assert_string_equal(st.disk_path, "/tmp/a.sql");
    assert_string_equal(st.commit, "abc123");
    assert_string_equal(st.branch, "main");
    assert_int_equal(st.line, 3);
    assert_string_equal(graph_edge_transformation(s, out[0]), "IDENTITY");
    assert_int_equal(graph_statement_count(s), 1); /* only current files' statements */
    graph_snap_release(s);
    exec_sql(conn, "DROP TABLE nodes");
    assert_int_equal(graph_load(conn, &s), GRAPH_ERR_STORE);
    assert_null(s);
    duckdb_disconnect(&conn);
    store_close(store);
}

typedef struct reader_arg {
    graph_index_t *ix;
    atomic_int *stop;
    long reads;
} reader_arg_t;

static void *reader(void *p)
{
    reader_arg_t *a = p;
    while(!atomic_load(a->stop)) {
        graph_snap_t *s = graph_index_acquire(a->ix);
        int n = graph_node_count(s);
        for(int v = 0; v < n; v++)
            (void)graph_node_name(s, v);
        graph_snap_release(s);
        a->reads++;
    }
    return NULL;
}

static void wait_generation(graph_index_t *ix, unsigned long above)
{
    /* generous: a rebuild of a few rows takes milliseconds, the machine may be loaded */
    for(int i = 0; i < 2000 && graph_index_generation(ix) <= above; i++)
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    assert_true(graph_index_generation(ix) > above);
}

static void index_publishes_new_snapshots_to_concurrent_readers(void **state)
{
    (void)state;
    duckdb_connection conn;
    store_t *store = graph_store(&conn);
    exec_sql(conn, "INSERT INTO nodes VALUES (1, 'table', 's.a', 'p', false)");
    graph_index_t *ix = NULL;
    assert_int_equal(graph_index_open(store, &ix), 0);
    assert_true(graph_index_wait_loaded(ix, 60000)); /* generous: the machine may be loaded */
    assert_true(graph_index_loaded(ix));
    graph_snap_t *first = graph_index_acquire(ix);
    assert_int_equal(graph_node_count(first), 1);

    atomic_int stop;
    atomic_init(&stop, 0);
    reader_arg_t args[2] = {{.ix = ix, .stop = &stop}, {.ix = ix, .stop = &stop}};
    pthread_t th[2];
    for(int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    for(int round = 2; round <= 6; round++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "INSERT INTO nodes VALUES (%d, 'table', 's.t%d', 'p', false)", round, round);
        exec_sql(conn, sql);
        unsigned long g = graph_index_generation(ix);
        graph_index_request_rebuild(ix);
        wait_generation(ix, g);
        graph_snap_t *s = graph_index_acquire(ix);
        assert_int_equal(graph_node_count(s), round);
        graph_snap_release(s);
    }
    atomic_store(&stop, 1);
    for(int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    /* a snapshot taken before stays valid and unchanged */
    assert_int_equal(graph_node_count(first), 1);
    assert_string_equal(graph_node_name(first, 0), "s.a");
    graph_snap_release(first);
    graph_index_close(ix);
    duckdb_disconnect(&conn);
    store_close(store);
}

typedef struct visible {
    graph_index_t *ix;
    atomic_int calls;
    atomic_int nodes; /* of the snapshot published when the waiter was called */
} visible_t;

static void seen(void *arg)
{
    visible_t *v = arg;
    graph_snap_t *s = graph_index_acquire(v->ix);
    atomic_store(&v->nodes, graph_node_count(s));
    graph_snap_release(s);
    atomic_fetch_add(&v->calls, 1);
}

static void wait_called(visible_t *v)
{
    for(int i = 0; i < 2000 && !atomic_load(&v->calls); i++)
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    assert_int_equal(atomic_load(&v->calls), 1);
}

/*
 * graph_index_when_current: a waiter is called once the published snapshot holds what had committed
 * before it asked (what ingestion_complete waits for), at once when nothing is outstanding, and at
 * close when no snapshot will come.
 */
static void index_tells_when_a_commit_is_visible(void **state)
{
    (void)state;
    duckdb_connection conn;
    store_t *store = graph_store(&conn);
    exec_sql(conn, "INSERT INTO nodes VALUES (1, 'table', 's.a', 'p', false)");
    graph_index_t *ix = NULL;
    assert_int_equal(graph_index_open(store, &ix), 0);
    assert_true(graph_index_wait_loaded(ix, 60000));
    visible_t now = {.ix = ix};
    graph_index_when_current(ix, seen, &now); /* nothing requested: called before it returns */
    assert_int_equal(atomic_load(&now.calls), 1);
    assert_int_equal(atomic_load(&now.nodes), 1);
    for(int round = 2; round <= 8; round++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "INSERT INTO nodes VALUES (%d, 'table', 's.t%d', 'p', false)", round, round);
        exec_sql(conn, sql);
        graph_index_request_rebuild(ix); /* as the writer's on_commit does */
        visible_t v = {.ix = ix}, w = {.ix = ix};
        graph_index_when_current(ix, seen, &v);
        graph_index_when_current(ix, seen, &w);
        wait_called(&v);
        wait_called(&w);
        assert_int_equal(atomic_load(&v.nodes), round);
        assert_int_equal(atomic_load(&w.nodes), round);
    }
    /* closing right after a request: the waiter is called, by the rebuild or by the stop, once */
    exec_sql(conn, "INSERT INTO nodes VALUES (9, 'table', 's.t9', 'p', false)");
    graph_index_request_rebuild(ix);
    visible_t last = {.ix = ix};
    graph_index_when_current(ix, seen, &last);
    graph_index_stop(ix);
    visible_t after = {.ix = ix};
    graph_index_when_current(ix, seen, &after); /* stopped: at once */
    assert_int_equal(atomic_load(&after.calls), 1);
    graph_index_close(ix); /* joins the rebuild thread, which may be the one calling `last` */
    assert_int_equal(atomic_load(&last.calls), 1);
    duckdb_disconnect(&conn);
    store_close(store);
}

/* Stopping while the first read may still run: it is cut short or finishes; either way nothing leaks
 * or hangs, and a waiter is released. */
static void index_closes_during_its_first_read(void **state)
{
    (void)state;
    duckdb_connection conn;
    store_t *store = graph_store(&conn);
    exec_sql(conn, "INSERT INTO nodes SELECT i, 'table', 's.t' || i, 'p', false FROM range(1, 20001) r(i)");
    for(int round = 0; round < 3; round++) {
        graph_index_t *ix = NULL;
        assert_int_equal(graph_index_open(store, &ix), 0);
        graph_snap_t *s = graph_index_acquire(ix);
        assert_non_null(s); /* never NULL, even before the first read ends */
        graph_snap_release(s);
        if(round == 2) {
            assert_true(graph_index_wait_loaded(ix, 60000));
            s = graph_index_acquire(ix);
            assert_int_equal(graph_node_count(s), 20000);
            graph_snap_release(s);
        }
        graph_index_close(ix);
    }
    duckdb_disconnect(&conn);
    store_close(store);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every node, file, statement and edge of a snapshot as sorted lines: equal graphs, equal text. */
static char *dump(const graph_snap_t *s)
{
    int n = graph_node_count(s), m = graph_edge_count(s), ns = graph_statement_count(s), nf = graph_file_count(s);
    size_t total = (size_t)(n + m + ns + nf), k = 0, bytes = 1;
    char **lines = calloc(total + 1, sizeof(char *));
    assert_non_null(lines);
    for(int v = 0; v < n; v++) {
        lines[k] = malloc(GRAPH_MAX_NAME + 64);
        snprintf(lines[k++], GRAPH_MAX_NAME + 64, "N %s %s %d %lld", graph_kind_name(graph_node_kind(s, v)),
                 graph_node_name(s, v), graph_node_temporary(s, v), (long long)graph_node_db_id(s, v));
    }
    for(int e = 0; e < m; e++) {
        graph_stmt_info_t st = {0};
        graph_edge_statement(s, e, &st);
        const char *t = graph_edge_transformation(s, e);
        lines[k] = malloc(3 * GRAPH_MAX_NAME + 64);
        snprintf(lines[k++], 3 * GRAPH_MAX_NAME + 64, "E %s %s %s %lld %s", graph_node_name(s, graph_edge_source(s, e)),
                 graph_node_name(s, graph_edge_target(s, e)), graph_edge_kind_name(graph_edge_kind(s, e)),
                 (long long)st.id, t ? t : "-");
    }
    for(int i = 0; i < ns; i++) {
        graph_stmt_info_t st;
        assert_int_equal(graph_statement_at(s, i, &st), 0);
        lines[k] = malloc(3 * GRAPH_MAX_NAME);
        snprintf(lines[k++], 3 * GRAPH_MAX_NAME, "S %lld %s %d %s %s %s", (long long)st.id, st.file ? st.file : "-",
                 st.line, st.kind ? st.kind : "-", st.routine ? st.routine : "-", st.error ? st.error : "-");
    }
    for(int i = 0; i < nf; i++) {
        const char *path, *disk;
        assert_int_equal(graph_file_at(s, i, &path, &disk), 0);
        lines[k] = malloc(GRAPH_MAX_NAME + 8);
        snprintf(lines[k++], GRAPH_MAX_NAME + 8, "F %s", path ? path : "-");
    }
    qsort(lines, k, sizeof(char *), cmp_line);
    for(size_t i = 0; i < k; i++)
        bytes += strlen(lines[i]) + 1;
    char *out = malloc(bytes), *p = out;
    for(size_t i = 0; i < k; i++) {
        size_t l = strlen(lines[i]);
        memcpy(p, lines[i], l);
        p[l] = '\n';
        p += l + 1;
        free(lines[i]);
    }
    *p = '\0';
    free(lines);
    return out;
}

typedef struct store_fixture {
    char dir[64];
    store_t *store;
    writer_t *w;
    duckdb_connection conn;
    int files;
} store_fixture_t;

/* `sql` parsed and stored through the writer as a version of `name`, as an ingestion does. */
static void store_file(store_fixture_t *f, const char *name, const char *sql)
{
    char disk[128];
    snprintf(disk, sizeof(disk), "%s/%d.sql", f->dir, f->files++);
    FILE *fp = fopen(disk, "w");
    assert_non_null(fp);
    fputs(sql, fp);
    fclose(fp);
    writer_file_t wf = {.ingestion_id = "ing_00", .project = "default", .path = name, .disk_path = disk};
    assert_int_equal(writer_begin(f->w), 0);
    assert_int_equal(writer_file_add(f->w, &wf, NULL), 0);
    assert_int_equal(writer_commit(f->w), 0);
    parsed_file_t *p = parsed_file_load(disk, SQL_DIALECT_TSQL, 1 << 20, NULL);
    assert_non_null(p);
    writer_result_t res;
    assert_int_equal(writer_store_file(f->w, &wf, p, &res), 0);
    util_free(res.error);
    parsed_file_free(p);
}

/* The base brought up to date file by file gives the graph a full read gives. */
static void assert_update_matches_full_read(store_fixture_t *f, graph_builder_t *base, int want_changed)
{
    int changed = -1;
    assert_int_equal(graph_base_update(f->conn, NULL, base, &changed), 0);
    assert_int_equal(changed, want_changed);
    graph_snap_t *updated = NULL, *full = NULL;
    graph_builder_t *copy = graph_builder_clone(base);
    assert_non_null(copy);
    assert_int_equal(graph_builder_finish(copy, &updated), 0);
    assert_int_equal(graph_load(f->conn, &full), 0);
    char *a = dump(updated), *b = dump(full);
    assert_string_equal(a, b);
    free(a);
    free(b);
    graph_snap_release(updated);
    graph_snap_release(full);
}

/* An in-memory store with a writer, and a folder for the files it stores. */
static void fixture_open(store_fixture_t *f)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/lineaged-graph-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char err[256];
    assert_int_equal(store_open(":memory:", &f->store, err, sizeof(err)), 0);
    assert_int_equal(writer_open(f->store, &f->w, err, sizeof(err)), 0);
    assert_int_equal(writer_load(f->w, NULL), 0);
    assert_int_equal(store_connect(f->store, &f->conn), 0);
}

static void fixture_close(store_fixture_t *f)
{
    duckdb_disconnect(&f->conn);
    writer_close(f->w);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
}

static void updates_file_by_file_match_a_full_read(void **state)
{
    (void)state;
    store_fixture_t f = {.files = 0};
    fixture_open(&f);
    store_file(&f, "ddl.sql", "CREATE TABLE raw.orders (id INT, amount INT);\nCREATE TABLE raw.gone (x INT);\n");
    store_file(&f, "etl.sql",
               "INSERT INTO sales.clean (id, amount) SELECT o.id, o.amount FROM raw.orders o;\n"
               "INSERT INTO sales.side (x) SELECT g.x FROM raw.gone g;\n");
    graph_builder_t *base = NULL;
    assert_int_equal(graph_base_load(f.conn, NULL, &base), 0);

    /* a new file; a new version that drops a table (its nodes go) and makes a table a view */
    store_file(&f, "more.sql", "INSERT INTO mart.report SELECT * FROM sales.clean;\n");
    store_file(&f, "ddl.sql", "CREATE TABLE raw.orders (id INT, amount INT, note VARCHAR(10));\n");
    store_file(&f, "views.sql", "CREATE VIEW sales.side AS SELECT o.id AS x FROM raw.orders o;\n");
    assert_update_matches_full_read(&f, base, 1);
    /* nothing new: nothing to build */
    assert_update_matches_full_read(&f, base, 0);
    /* the same content again is a duplicate; a version with a parse error still counts */
    store_file(&f, "more.sql", "INSERT INTO mart.report SELECT * FROM sales.clean;\n");
    store_file(&f, "etl.sql", "INSERT INTO sales.clean (id) SELECT o.id FROM raw.orders o;\nSELECT FROM WHERE;\n");
    assert_update_matches_full_read(&f, base, 1);

    /* a change outside the writer's rules: the counts disagree, the whole graph is read instead */
    exec_sql(f.conn, "INSERT INTO nodes (id, kind, name, project, temporary, first_seen) "
                     "VALUES (999999, 'table', 'odd.one', 1, false, current_timestamp)");
    int changed = 0;
    assert_int_equal(graph_base_update(f.conn, NULL, base, &changed), 1);

    graph_builder_free(base);
    fixture_close(&f);
}

/* A stop set by another thread ends a read between chunks: duckdb_interrupt alone does not stop the
 * reading of a result DuckDB has already produced (a 1,000,000-node graph read on for seconds). */
static void a_stop_ends_the_read(void **state)
{
    (void)state;
    store_fixture_t f = {.files = 0};
    fixture_open(&f);
    store_file(&f, "ddl.sql", "CREATE TABLE raw.orders (id INT, amount INT);\n");
    atomic_int stop = 1, go = 0;
    graph_builder_t *base = NULL;
    assert_int_equal(graph_base_load(f.conn, &stop, &base), GRAPH_ERR_STOPPED);
    assert_null(base);
    assert_int_equal(graph_base_load(f.conn, &go, &base), 0);
    store_file(&f, "etl.sql", "INSERT INTO sales.clean (id) SELECT o.id FROM raw.orders o;\n");
    int changed = 0;
    assert_int_equal(graph_base_update(f.conn, &stop, base, &changed), GRAPH_ERR_STOPPED);
    graph_builder_free(base);
    /* a base keeps its stop: a build from it (a clone, as the index makes) stops between its steps */
    assert_int_equal(graph_base_load(f.conn, &go, &base), 0);
    atomic_store(&go, 1);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(graph_builder_clone(base), &s), GRAPH_ERR_STOPPED);
    assert_null(s);

    graph_builder_free(base);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_with_and_without_schema),
        cmocka_unit_test(a_tail_shared_by_many_columns),
        cmocka_unit_test(downstream_depth_and_edges),
        cmocka_unit_test(limit_truncates_with_counts),
        cmocka_unit_test(temp_tables_collapse_keeping_the_statement),
        cmocka_unit_test(roots_of_columns_procedures_and_files),
        cmocka_unit_test(stars_expand_from_defined_columns),
        cmocka_unit_test(a_chain_of_stars_expands_in_any_order),
        cmocka_unit_test(bare_columns_go_to_the_one_table_that_has_them),
        cmocka_unit_test(shortest_paths_both_ways),
        cmocka_unit_test(search_ranks_exact_prefix_substring_typo),
        cmocka_unit_test(edit_distance_is_bounded),
        cmocka_unit_test(allocation_failures_are_clean),
        cmocka_unit_test(catalog_allocation_failures_are_clean),
        cmocka_unit_test(loads_from_duckdb),
        cmocka_unit_test(index_publishes_new_snapshots_to_concurrent_readers),
        cmocka_unit_test(index_tells_when_a_commit_is_visible),
        cmocka_unit_test(index_closes_during_its_first_read),
        cmocka_unit_test(columns_in_the_order_first_seen),
        cmocka_unit_test(updates_file_by_file_match_a_full_read),
        cmocka_unit_test(a_stop_ends_the_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
