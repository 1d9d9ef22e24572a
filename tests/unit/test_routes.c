/*
 * Routing details that the black-box tests cannot reach: the Allow list under a short buffer, the
 * serialised bodies /api/v1/stats and /health keep between requests, and the head of a 503.
 */
#include "server/http.h"
#include "server/router.h"
#include "server/routes.h"
#include "util/timefmt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void allow_lists_every_method_of_the_route(void **state)
{
    (void)state;
    config_t cfg = {0};
    server_t srv = {.cfg = &cfg};
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    char out[64];
    assert_int_equal(routes_allow(&srv, "/health", out, sizeof(out)), 1);
    assert_string_equal(out, "GET, HEAD, OPTIONS");
    assert_int_equal(routes_allow(&srv, "/no-such-path", out, sizeof(out)), 0);
    router_free(&srv.router);
}

/* A list longer than the buffer stops before the name that does not fit, never writes past it. */
static void allow_truncates_at_a_whole_method(void **state)
{
    (void)state;
    config_t cfg = {0};
    server_t srv = {.cfg = &cfg};
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    char out[5];
    assert_int_equal(routes_allow(&srv, "/health", out, sizeof(out)), 1);
    assert_string_equal(out, "GET");
    char tiny[2];
    assert_int_equal(routes_allow(&srv, "/health", tiny, sizeof(tiny)), 1);
    assert_string_equal(tiny, "");
    router_free(&srv.router);
}

/* One GET through the real route; the body as a string the caller frees. */
static char *get_body(server_t *srv, const char *path)
{
    http_args_t args;
    http_args_init(&args);
    const route_t *r = routes_find(srv, path, &args);
    assert_non_null(r);
    http_request_t req = {.method = HTTP_GET, .path = path, .args = &args};
    http_response_t resp = {0};
    routes_dispatch(r, &req, &resp);
    assert_int_equal(resp.status, 200);
    char *text = strndup(resp.body, resp.len);
    http_respond(&resp, 0, NULL, NULL, 0); /* frees the body */
    return text;
}

static char *dump(json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Every counter the body shows moves it at once: the cached text is never older than the counters. */
static void stats_body_follows_every_counter(void **state)
{
    (void)state;
    config_t cfg = {0};
    static server_t srv;
    memset(&srv, 0, sizeof(srv));
    srv.cfg = &cfg;
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    store_counts_t start = {.nodes = 10, .edges = 5, .table_nodes = 2, .files_processed = 4};
    int64_t t0 = time_mono_ms();
    stats_init(&srv.stats, &start, 1, t0 - 5000); /* a one-second window: the baseline moves below */
    store_counts_t one_file = {.nodes = 3, .edges = 2, .table_nodes = 1, .files_processed = 1};
    store_counts_t edge_only = {.edges = 1};
    store_counts_t table_only = {.table_nodes = 1};
    for(int step = 0; step < 9; step++) {
        switch(step) {
        case 1: stats_query_begin(&srv.stats); break;
        case 2: stats_ingestion_begin(&srv.stats); break;
        case 3: stats_ingest_committed(&srv.stats, &one_file); break;
        case 4: stats_ingest_committed(&srv.stats, &edge_only); break;
        case 5: stats_ingest_committed(&srv.stats, &table_only); break;
        case 6: stats_query_end(&srv.stats); break;
        case 7: stats_ingestion_end(&srv.stats); break;
        case 8: stats_sample(&srv.stats, time_mono_ms() - 2000); break; /* a newer baseline for the trends */
        }
        char *first = get_body(&srv, "/api/v1/stats"), *again = get_body(&srv, "/api/v1/stats");
        char *want = dump(stats_snapshot(&srv.stats, time_mono_ms()));
        assert_string_equal(first, want);
        assert_string_equal(again, want);
        free(first);
        free(again);
        free(want);
    }
    router_free(&srv.router);
}

/* Uptime (to the millisecond shown), connections, queued messages and the database's writes each give a new body. */
static void health_body_follows_uptime_connections_and_database(void **state)
{
    (void)state;
    config_t cfg = {0};
    static server_t srv;
    memset(&srv, 0, sizeof(srv));
    srv.cfg = &cfg;
    store_t *store = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", &store, err, sizeof(err)), 0);
    srv.store = store;
    srv.started_mono_ms = time_mono_ms();
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    char *a = get_body(&srv, "/health");
    srv.n_clients = 3;
    char *b = get_body(&srv, "/health");
    assert_string_not_equal(a, b);
    json_t *doc = json_loads(b, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "websocket"), "connections")), 3);
    json_decref(doc);
    srv.started_mono_ms -= 1500; /* 1.5 s more uptime */
    char *c = get_body(&srv, "/health");
    doc = json_loads(c, 0, NULL);
    assert_true(json_real_value(json_object_get(doc, "uptime_seconds")) >= 1.5);
    json_decref(doc);
    /* a failed write to the database: "degraded" until a write succeeds again; the count stays */
    stats_db_write(&srv.stats, 0);
    char *d = get_body(&srv, "/health");
    doc = json_loads(d, 0, NULL);
    json_t *db = json_object_get(doc, "database");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "degraded");
    assert_string_equal(json_string_value(json_object_get(db, "status")), "failing");
    assert_int_equal(json_integer_value(json_object_get(db, "write_failures")), 1);
    assert_non_null(json_object_get(db, "detail"));
    json_decref(doc);
    stats_db_write(&srv.stats, 1);
    char *e = get_body(&srv, "/health");
    doc = json_loads(e, 0, NULL);
    db = json_object_get(doc, "database");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "healthy");
    assert_string_equal(json_string_value(json_object_get(db, "status")), "ok");
    assert_int_equal(json_integer_value(json_object_get(db, "write_failures")), 1);
    assert_null(json_object_get(db, "detail"));
    json_decref(doc);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    router_free(&srv.router);
    store_close(store);
}

static char *rendered(int status, const char *error)
{
    http_response_t resp = {0};
    http_respond_error(&resp, status, error, "try again shortly");
    static unsigned char out[4096];
    size_t n = http_render_response(&resp, out, sizeof(out) - 1);
    assert_true(n > 0);
    out[n] = '\0';
    http_respond(&resp, 0, NULL, NULL, 0);
    return (char *)out;
}

/* A 503 (the graph still loading, a full queue) is a state that passes: it says when to ask again. */
static void unavailable_says_when_to_retry(void **state)
{
    (void)state;
    const char *head = rendered(503, "loading");
    assert_non_null(strstr(head, "\r\nretry-after: 2\r\n"));
    assert_non_null(strstr(head, "{\"error\":\"loading\",\"detail\":\"try again shortly\"}"));
    assert_null(strstr(rendered(500, "internal"), "retry-after"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allow_lists_every_method_of_the_route),
        cmocka_unit_test(allow_truncates_at_a_whole_method),
        cmocka_unit_test(stats_body_follows_every_counter),
        cmocka_unit_test(health_body_follows_uptime_connections_and_database),
        cmocka_unit_test(unavailable_says_when_to_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
