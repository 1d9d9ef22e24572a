/* GET /api/v1/export/openlineage (NDJSON) and /api/v1/export/csv: the whole graph for other tools. */
#include "api/graphq.h"

#include "graph/index.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <string.h>
#include <time.h>

#define EXPORT_MAX (64u << 20) /* larger graphs: `lineaged export` streams without a bound */

typedef struct export_job {
    api_t *api;
    http_ticket_t ticket;
    int csv;
} export_job_t;

static int collect(void *ud, const char *data, size_t len)
{
    return buf_add(ud, data, len);
}

static void run_export(duckdb_connection conn, void *arg)
{
    export_job_t *job = arg;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    graph_snap_t *s = graph_index_acquire(job->api->graph);
    buf_t out;
    buf_init(&out, EXPORT_MAX);
    char now[TIMEFMT_ISO_LEN];
    time_iso8601(time_now_ms(), now);
    int loaded = graph_index_loaded(job->api->graph); /* else the snapshot is empty for want of time */
    int rc = !loaded    ? -1
             : job->csv ? query_export_csv(s, collect, &out)
                        : query_export_openlineage(conn, s, now, job->api->cfg->github_url, collect, &out);
    int nodes = graph_node_count(s), edges = graph_edge_count(s);
    graph_snap_release(s);
    int status = 200;
    if(rc) {
        buf_free(&out);
        status = !loaded ? 503 : rc == BUF_ERR_TOO_BIG ? 507 : 500;
        const char *msg = !loaded
                              ? "{\"error\":\"loading\",\"detail\":\"the lineage graph is still being read from the "
                                "database; try again shortly\"}"
                          : rc == BUF_ERR_TOO_BIG
                              ? "{\"error\":\"too_large\",\"detail\":\"the export is larger than 64 MiB; use lineaged "
                                "export on the command line\"}"
                              : "{\"error\":\"internal\",\"detail\":\"the export failed\"}";
        buf_init(&out, 256);
        buf_adds(&out, msg);
    }
    size_t len = 0;
    char *body = buf_take(&out, &len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    graphq_report(job->api, job->csv ? "export_csv" : "export_openlineage",
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, status, nodes,
                  edges);
    http_ticket_complete(&job->ticket, status,
                         status != 200 ? "application/json"
                         : job->csv    ? "text/csv; charset=utf-8"
                                       : "application/x-ndjson",
                         body, body ? len : 0);
    stats_query_end(&job->api->srv->stats);
    util_free(job);
}

static void get_export(api_t *api, const http_request_t *req, http_response_t *resp, int csv)
{
    export_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    job->api = api;
    job->csv = csv;
    if(http_defer(req, &job->ticket)) {
        util_free(job);
        http_respond_error(resp, 500, "internal", "the response could not be deferred");
        return;
    }
    stats_query_begin(&api->srv->stats);
    int rc = store_pool_submit(api->pool, run_export, job);
    if(rc) {
        stats_query_end(&api->srv->stats);
        util_free(job);
        http_respond_error(resp, rc == STORE_POOL_ERR_FULL ? 503 : 500, rc == STORE_POOL_ERR_FULL ? "busy" : "internal",
                           rc == STORE_POOL_ERR_FULL ? "the server is busy; try again shortly"
                                                     : store_pool_strerror(rc));
    }
}

static void get_openlineage(void *ctx, const http_request_t *req, http_response_t *resp)
{
    get_export(ctx, req, resp, 0);
}

static void get_csv(void *ctx, const http_request_t *req, http_response_t *resp)
{
    get_export(ctx, req, resp, 1);
}

int api_export_routes(api_t *api)
{
    const route_t routes[] = {
        {"/api/v1/export/openlineage", HTTP_GET | HTTP_HEAD, get_openlineage, api, 0, 0},
        {"/api/v1/export/csv", HTTP_GET | HTTP_HEAD, get_csv, api, 0, 0},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if(server_route(api->srv, &routes[i]))
            return -1;
    return 0;
}
