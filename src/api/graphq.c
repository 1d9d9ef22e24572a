#include "api/graphq.h"

#include "events/error_event.h"
#include "graph/index.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/log.h"

#include <time.h>

typedef struct graphq_job {
    api_t *api;
    graphq_fn fn;
    void *arg;
    void (*free_arg)(void *);
} graphq_job_t;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void graphq_report(api_t *api, const char *query_type, double latency_ms, int status, int nodes, int edges)
{
    /* 501: a mode that is not offered, 503: the graph still loading; neither is a failure */
    int failed = status >= 500 && status != 501 && status != 503;
    const char *outcome = status < 300 ? "success" : failed ? "failed" : "rejected";
    /* Timings and counts only: never what was asked or answered. */
    json_t *data = json_pack("{s:s, s:f, s:s, s:i, s:i, s:i}", "query_type", query_type, "latency_ms",
                             (double)(int64_t)(latency_ms * 1000) / 1000, "status", outcome, "http_status", status,
                             "result_nodes", nodes, "result_edges", edges);
    if(data && api->srv->bus)
        bus_publish(api->srv->bus, "query_complete", data);
    else
        json_decref(data);
    if(failed && api->srv->bus)
        error_event_raise(api->srv->bus, "query_failed", ERROR_SEVERITY_ERROR,
                          "A lineage query failed on the server; see the server log.");
}

static json_t *run(duckdb_connection conn, void *p, int *status)
{
    graphq_job_t *job = p;
    double t0 = mono_ms();
    query_result_t r = {.query_type = "query"};
    if(graph_index_loaded(job->api->graph)) {
        graph_snap_t *s = graph_index_acquire(job->api->graph);
        job->fn(conn, s, job->arg, &r);
        graph_snap_release(s);
    } else {
        query_error(&r, 503, "loading", "the lineage graph is still being read from the database; try again shortly");
    }
    if(!r.body)
        query_error(&r, 500, "internal", "the answer could not be built");
    if(r.status >= 500 && r.status != 501 && r.status != 503)
        log_error("query.failed", "type=%s status=%d", r.query_type, r.status);
    graphq_report(job->api, r.query_type, mono_ms() - t0, r.status, r.nodes, r.edges);
    *status = r.status;
    return r.body;
}

static void job_free(void *p)
{
    graphq_job_t *job = p;
    stats_query_end(&job->api->srv->stats);
    if(job->free_arg)
        job->free_arg(job->arg);
    util_free(job);
}

void graphq_defer(api_t *api, const http_request_t *req, http_response_t *resp, graphq_fn fn, void *arg,
                  void (*free_arg)(void *))
{
    graphq_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        if(free_arg)
            free_arg(arg);
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    *job = (graphq_job_t){api, fn, arg, free_arg};
    stats_query_begin(&api->srv->stats); /* ended in job_free, whether the job ran or was refused */
    api_defer(api, req, resp, run, job, job_free);
}
