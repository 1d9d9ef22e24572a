/* The example graph the graph and query tests share (included by one test file each). */
#ifndef LINEAGED_TESTS_GRAPH_EXAMPLE_H
#define LINEAGED_TESTS_GRAPH_EXAMPLE_H

/*
 *   raw.orders ─► #stage ─► sales.orders_clean ─► sales.summary (view) ─► mart.report
 *   raw.customers ─────────────┘
 *   other.orders (same short name as raw.orders)
 * columns: raw.orders.{id,amount} ; raw.orders.amount ─► sales.orders_clean.amount ─► sales.summary.total
 * load_proc (in etl/load.sql) holds the statements that move raw.orders through #stage.
 */
enum {
    RAW_ORDERS = 1,
    RAW_CUSTOMERS,
    STAGE,
    CLEAN,
    SUMMARY,
    REPORT,
    OTHER_ORDERS,
    C_ID,
    C_AMOUNT,
    C_CLEAN_AMOUNT,
    C_TOTAL,
    PROC,
    FILE_NODE
};

/* `disk_path`: where etl/load.sql can be read back, or NULL. */
static graph_snap_t *example_with(const char *disk_path)
{
    graph_builder_t *b = graph_builder_new();
    assert_non_null(b);
    assert_int_equal(graph_builder_add_node(b, RAW_ORDERS, GRAPH_TABLE, "raw.orders", 0), 0);
    assert_int_equal(graph_builder_add_node(b, RAW_CUSTOMERS, GRAPH_TABLE, "raw.customers", 0), 0);
    assert_int_equal(graph_builder_add_node(b, STAGE, GRAPH_TABLE, "#stage", 1), 0);
    assert_int_equal(graph_builder_add_node(b, CLEAN, GRAPH_TABLE, "sales.orders_clean", 0), 0);
    assert_int_equal(graph_builder_add_node(b, SUMMARY, GRAPH_VIEW, "sales.summary", 0), 0);
    assert_int_equal(graph_builder_add_node(b, REPORT, GRAPH_TABLE, "mart.report", 0), 0);
    assert_int_equal(graph_builder_add_node(b, OTHER_ORDERS, GRAPH_TABLE, "other.orders", 0), 0);
    assert_int_equal(graph_builder_add_node(b, C_ID, GRAPH_COLUMN, "raw.orders.id", 0), 0);
    assert_int_equal(graph_builder_add_node(b, C_AMOUNT, GRAPH_COLUMN, "raw.orders.amount", 0), 0);
    assert_int_equal(graph_builder_add_node(b, C_CLEAN_AMOUNT, GRAPH_COLUMN, "sales.orders_clean.amount", 0), 0);
    assert_int_equal(graph_builder_add_node(b, C_TOTAL, GRAPH_COLUMN, "sales.summary.total", 0), 0);
    assert_int_equal(graph_builder_add_node(b, PROC, GRAPH_PROCEDURE, "etl.load_proc", 0), 0);
    assert_int_equal(graph_builder_add_node(b, FILE_NODE, GRAPH_FILE, "etl/load.sql", 0), 0);
    graph_file_row_t file = {.path = "etl/load.sql",
                             .disk_path = disk_path,
                             .repository = "acme/warehouse",
                             .project = "default",
                             .dialect = "tsql",
                             .commit = "0123456789abcdef0123456789abcdef01234567",
                             .branch = "main"};
    assert_int_equal(graph_builder_add_file(b, 100, &file), 0);
    assert_int_equal(graph_builder_add_statement(b, 11, 100, 5, "insert", "etl.load_proc", NULL), 0);
    assert_int_equal(graph_builder_add_statement(b, 12, 100, 9, "insert", "etl.load_proc", NULL), 0);
    assert_int_equal(graph_builder_add_statement(b, 13, 100, 20, "create_view", NULL, NULL), 0);
    assert_int_equal(graph_builder_add_statement(b, 14, 100, 30, "insert", NULL, NULL), 0);
    assert_int_equal(graph_builder_add_statement(b, 15, 100, 40, "error", NULL, "expected a table name"), 0);
    struct {
        int64_t a, z;
        graph_edge_kind_t k;
        int64_t stmt;
        const char *t;
    } edges[] = {
        {RAW_ORDERS, STAGE, GRAPH_DERIVES, 11, NULL},
        {STAGE, CLEAN, GRAPH_DERIVES, 12, NULL},
        {RAW_CUSTOMERS, CLEAN, GRAPH_DERIVES, 12, NULL},
        {CLEAN, SUMMARY, GRAPH_DERIVES, 13, NULL},
        {SUMMARY, REPORT, GRAPH_DERIVES, 14, NULL},
        {RAW_ORDERS, C_ID, GRAPH_CONTAINS, -1, NULL},
        {RAW_ORDERS, C_AMOUNT, GRAPH_CONTAINS, -1, NULL},
        {CLEAN, C_CLEAN_AMOUNT, GRAPH_CONTAINS, -1, NULL},
        {SUMMARY, C_TOTAL, GRAPH_CONTAINS, -1, NULL},
        {C_AMOUNT, C_CLEAN_AMOUNT, GRAPH_DERIVES, 12, "IDENTITY"},
        {C_CLEAN_AMOUNT, C_TOTAL, GRAPH_DERIVES, 13, "AGGREGATION"},
        {PROC, RAW_ORDERS, GRAPH_READS_FROM, 11, NULL},
        {PROC, STAGE, GRAPH_WRITES_TO, 11, NULL},
        {PROC, FILE_NODE, GRAPH_DEFINED_IN, -1, NULL},
        {CLEAN, 999, GRAPH_DERIVES, 12, NULL}, /* unknown end: dropped */
        /* the same pair stored again (the writer keeps an edge per statement and file) */
        {RAW_ORDERS, C_ID, GRAPH_CONTAINS, -1, NULL},
        {CLEAN, SUMMARY, GRAPH_DERIVES, 13, NULL},
    };
    for(size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        assert_int_equal(graph_builder_add_edge(b, edges[i].a, edges[i].z, edges[i].k, edges[i].stmt, edges[i].t), 0);
    graph_snap_t *s = NULL;
    assert_int_equal(graph_builder_finish(b, &s), 0);
    return s;
}

static graph_snap_t *example(void)
{
    return example_with(NULL);
}

#endif
