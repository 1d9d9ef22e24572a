/*
 * GET /api/v1/export/openlineage (NDJSON) and /api/v1/export/csv: the whole graph for other tools,
 * built on an API worker once per version of the graph and kept for the requests after it
 * (excache.h; a repeated request is answered from the service thread without a worker).
 */
#include "api/excache.h"
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
    enum excache_format format;
} export_job_t;

static const char *const query_types[EXCACHE_FORMATS] = {"export_csv", "export_openlineage"};

static const char LOADING[] = "{\"error\":\"loading\",\"detail\":\"the lineage graph is still being read from the "
                              "database; try again shortly\"}";
static const char TOO_LARGE[] = "{\"error\":\"too_large\",\"detail\":\"the export is larger than 64 MiB; use lineaged "
                                "export on the command line\"}";
static const char FAILED[] = "{\"error\":\"internal\",\"detail\":\"the export failed\"}";

static const char *content_type(int status, enum excache_format f)
{
    return status != 200 ? "application/json" : f == EXCACHE_CSV ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int collect(void *ud, const char *data, size_t len)
{
    return buf_add(ud, data, len);
}

/* The export of `s` and its status: 200, 507 past EXPORT_MAX, 500; NULL when out of memory. */
static char *build(const export_job_t *job, duckdb_connection conn, const graph_snap_t *s, int *status, size_t *len)
{
    const api_t *api = job->api;
    buf_t out;
    buf_init(&out, EXPORT_MAX);
    char now[TIMEFMT_ISO_LEN];
    time_iso8601(time_now_ms(), now);
    int rc = job->format == EXCACHE_CSV ? query_export_csv(s, collect, &out)
                                        : query_export_openlineage(conn, s, now, api->cfg->github_url, collect, &out);
    if(!rc) {
        *status = 200;
        return buf_take(&out, len);
    }
    buf_free(&out);
    *status = rc == BUF_ERR_TOO_BIG ? 507 : 500;
    const char *msg = rc == BUF_ERR_TOO_BIG ? TOO_LARGE : FAILED;
    *len = strlen(msg);
    return util_strdup(msg);
}

/*
 * The body for the current graph: kept, being built by another worker (waited for), or built here
 * and offered to the cache. NULL when out of memory.
 */
static excache_body_t *export_body(export_job_t *job, duckdb_connection conn)
{
    api_t *api = job->api;
    unsigned long generation;
    graph_snap_t *s = graph_index_acquire_generation(api->graph, &generation);
    excache_body_t *b = excache_claim(api->exports, job->format, generation);
    if(b) {
        metrics_inc(&api->srv->metrics.export_hits); /* kept, or built meanwhile by another worker */
    } else {
        api_debug_slow(api);
        metrics_inc(&api->srv->metrics.export_builds);
        int status = 500;
        size_t len = 0;
        char *bytes = build(job, conn, s, &status, &len);
        if(bytes && status != 500) {
            b = excache_put(api->exports, job->format, generation, status, bytes, len, graph_node_count(s),
                            graph_edge_count(s));
        } else {
            excache_abandon(api->exports, job->format, generation);
            util_free(bytes);
        }
    }
    graph_snap_release(s);
    return b;
}

static void run_export(duckdb_connection conn, void *arg)
{
    export_job_t *job = arg;
    api_t *api = job->api;
    if(http_ticket_start(&job->ticket)) {
        http_ticket_drop(&job->ticket); /* answered 503 already: no worker was free in time */
    } else {
        double t0 = mono_ms();
        int status = 503, nodes = 0, edges = 0;
        /* before the first read of the graph its snapshot is empty for want of time */
        int loaded = graph_index_loaded(api->graph);
        excache_body_t *b = loaded ? export_body(job, conn) : NULL;
        if(b) {
            status = b->status;
            nodes = b->nodes;
            edges = b->edges;
            http_ticket_complete_shared(&job->ticket, status, content_type(status, job->format), b->bytes, b->len,
                                        excache_body_unref, b);
        } else {
            status = loaded ? 500 : 503;
            const char *msg = status == 503 ? LOADING : FAILED;
            http_ticket_complete(&job->ticket, status, "application/json", util_strdup(msg), strlen(msg));
        }
        graphq_report(api, query_types[job->format], mono_ms() - t0, status, nodes, edges);
    }
    stats_query_end(&api->srv->stats);
    util_free(job);
}

static void get_export(api_t *api, const http_request_t *req, http_response_t *resp, enum excache_format format)
{
    /* the same version of the graph exported before: from memory, no worker */
    double t0 = mono_ms();
    excache_body_t *b =
        graph_index_loaded(api->graph) ? excache_get(api->exports, format, graph_index_generation(api->graph)) : NULL;
    if(b) {
        metrics_inc(&api->srv->metrics.export_hits);
        int status = b->status, nodes = b->nodes, edges = b->edges;
        http_respond_shared(resp, status, content_type(status, format), b->bytes, b->len, excache_body_unref, b);
        graphq_report(api, query_types[format], mono_ms() - t0, status, nodes, edges);
        return;
    }
    export_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    job->api = api;
    job->format = format;
    stats_query_begin(&api->srv->stats);
    int rc = api_submit(api, req, &job->ticket, run_export, job);
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
    get_export(ctx, req, resp, EXCACHE_OPENLINEAGE);
}

static void get_csv(void *ctx, const http_request_t *req, http_response_t *resp)
{
    get_export(ctx, req, resp, EXCACHE_CSV);
}

/* Runs once the graph published after an ingestion's commit: older exports will not be asked for again. */
static void retire_exports(void *arg)
{
    api_t *api = arg;
    excache_retire(api->exports, graph_index_generation(api->graph));
}

void api_exports_changed(api_t *api)
{
    if(api->graph && api->exports)
        graph_index_when_current(api->graph, retire_exports, api);
}

int api_export_routes(api_t *api)
{
    api->exports = excache_new((size_t)api->cfg->export_cache_mb << 20);
    if(!api->exports)
        return -1;
    const route_t routes[] = {
        {"/api/v1/export/openlineage", HTTP_GET | HTTP_HEAD, get_openlineage, api, 0, 0},
        {"/api/v1/export/csv", HTTP_GET | HTTP_HEAD, get_csv, api, 0, 0},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if(server_route(api->srv, &routes[i]))
            return -1;
    return 0;
}
