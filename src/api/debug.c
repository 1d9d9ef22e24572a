/* Test-only endpoints (--debug-events) that exercise the deferred-response path end to end. */
#include "api/api.h"

#include "server/http.h"
#include "util/alloc.h"

#include <time.h>

#define SLEEP_MAX_MS 10000

static json_t *sleep_then_query(duckdb_connection conn, void *arg, int *status)
{
    long long ms = *(long long *)arg;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    duckdb_result res;
    if(duckdb_query(conn, "SELECT 40 + 2", &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return NULL;
    }
    json_int_t answer = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    *status = 200;
    return json_pack("{s:I, s:I}", "slept_ms", (json_int_t)ms, "answer", answer);
}

/* GET /api/v1/debug/sleep?ms=N: a worker sleeps N ms, then answers from its DuckDB connection. */
static void get_sleep(void *ctx, const http_request_t *req, http_response_t *resp)
{
    long long ms = 0;
    if(http_query_int(req, "ms", 0, 0, SLEEP_MAX_MS, &ms, resp))
        return;
    long long *arg = util_malloc(sizeof(*arg));
    if(!arg) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    *arg = ms;
    api_defer(ctx, req, resp, sleep_then_query, arg, util_free);
}

int api_debug_routes(api_t *api)
{
    const route_t r = {"/api/v1/debug/sleep", HTTP_GET, get_sleep, api, 0, 1};
    return server_route(api->srv, &r);
}
