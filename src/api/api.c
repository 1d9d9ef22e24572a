#include "api/api.h"

#include "api/excache.h"
#include "api/graphq.h"
#include "api/room.h"
#include "graph/index.h"
#include "ingest/walk.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define API_WORKERS_MAX 8

typedef struct deferred_job {
    api_t *api;
    http_ticket_t ticket;
    api_job_fn fn;
    void *arg;
    void (*free_arg)(void *);
} deferred_job_t;

void api_debug_slow(const api_t *api)
{
    int ms = api->cfg->debug_slow_ms;
    if(ms > 0) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void run_deferred(duckdb_connection conn, void *arg)
{
    deferred_job_t *job = arg;
    if(http_ticket_start(&job->ticket)) {
        http_ticket_drop(&job->ticket); /* answered 503 already: no worker was free in time */
    } else {
        api_debug_slow(job->api);
        int status = 500;
        json_t *body = job->fn(conn, job->arg, &status);
        if(body)
            http_ticket_complete_json(&job->ticket, status, body);
        else
            http_ticket_complete_json(&job->ticket, 500,
                                      json_pack("{s:s, s:s}", "error", "internal", "detail", "the request failed"));
    }
    if(job->free_arg)
        job->free_arg(job->arg);
    util_free(job);
}

int api_submit(api_t *api, const http_request_t *req, http_ticket_t *ticket, store_job_fn fn, void *job)
{
    if(http_defer_queued(req, ticket))
        return STORE_POOL_ERR_NOMEM;
    int rc = store_pool_submit(api->pool, fn, job);
    if(rc)
        http_ticket_drop(ticket);
    return rc;
}

void api_defer(api_t *api, const http_request_t *req, http_response_t *resp, api_job_fn fn, void *arg,
               void (*free_arg)(void *))
{
    deferred_job_t *job = util_calloc(1, sizeof(*job));
    int rc = job ? STORE_POOL_OK : STORE_POOL_ERR_NOMEM;
    if(job) {
        job->api = api;
        job->fn = fn;
        job->arg = arg;
        job->free_arg = free_arg;
        rc = api_submit(api, req, &job->ticket, run_deferred, job);
    }
    if(rc) {
        util_free(job);
        if(free_arg)
            free_arg(arg);
        if(rc == STORE_POOL_ERR_FULL)
            log_limited(LOG_WARN, "api.busy", "path=%s reason=\"the work queue is full\"", LOG_Q(req->path));
        http_respond_error(
            resp, rc == STORE_POOL_ERR_NOMEM ? 500 : 503, rc == STORE_POOL_ERR_NOMEM ? "internal" : "busy",
            rc == STORE_POOL_ERR_FULL ? "the server is busy; try again shortly" : store_pool_strerror(rc));
    }
}

static void count_ingested_file(void *ud, const ingest_file_event_t *ev)
{
    api_t *api = ud;
    metrics_ingest_file(&api->srv->metrics, strcmp(ev->status, "processed") == 0 ? METRICS_FILE_PROCESSED
                                            : strcmp(ev->status, "skipped") == 0 ? METRICS_FILE_SKIPPED
                                                                                 : METRICS_FILE_FAILED);
}

/*
 * An ingestion ends (stored status, ingestion_complete) once the lineage index shows its commits, so a
 * client that searches or asks for lineage on either finds its files (docs/ingest.md "Events").
 */
static void when_visible(void *ud, void (*done)(void *arg), void *arg)
{
    api_t *api = ud;
    if(api->graph)
        graph_index_when_current(api->graph, done, arg);
    else
        done(arg);
}

/* Ingestion publishes on the server's bus and moves its stats; opening it resumes unfinished work. */
static int start_ingest(api_t *api)
{
    ingest_opts_t opts = {.store = api->store,
                          .bus = api->srv->bus,
                          .stats = &api->srv->stats,
                          .max_file_bytes = INGEST_FILE_MAX_BYTES, /* --seed-dir's files too */
                          .debug_slow_ms = api->cfg->debug_slow_writer_ms,
                          .snapshot_interval_s = api->cfg->trend_window / 60,
                          .on_file = count_ingested_file,
                          .on_commit = api_graph_changed,
                          .when_visible = when_visible,
                          .ud = api};
    int rc = ingest_open(&opts, &api->ingest);
    if(rc)
        log_error("api.start_failed", "reason=\"ingestion could not start: %s\"", ingest_strerror(rc));
    return rc;
}

static void seed_problem(void *ud, const char *path, const char *message)
{
    (void)ud;
    log_warn("ingest.seed_skipped", "path=\"%s\" reason=\"%s\"", path, message);
}

/* --seed-dir: an empty database gets the example warehouse, ingested like any upload. */
static void seed(api_t *api)
{
    const char *dir = api->cfg->seed_dir;
    if(!dir || atomic_load(&api->srv->stats.nodes) > 0 || atomic_load(&api->srv->stats.files_processed) > 0)
        return;
    char id[INGEST_ID_MAX];
    /* the contract's sources are upload and github: a seed is an upload the server makes itself */
    ingest_meta_t meta = {.source = "upload", .project_id = "examples", .repository = "examples", .origin = "seed"};
    if(ingest_begin(api->ingest, &meta, id))
        return;
    ingest_walk_t w = {.in = api->ingest, .id = id, .on_problem = seed_problem};
    int rc = ingest_walk_add(&w, dir);
    ingest_walk_free(&w);
    if(rc)
        ingest_fail(api->ingest, id, "The example folder could not be queued for ingestion.");
    else
        ingest_end(api->ingest, id);
    log_info("ingest.seeding", "ingestion=%s dir=\"%s\" files=%zu", id, dir, w.added);
}

/* mkdir -p, for the data directory's own folders. */
static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for(char *p = buf + 1;; p++) {
        if(*p != '/' && *p)
            continue;
        char saved = *p;
        *p = '\0';
        struct stat st;
        if(mkdir(buf, 0755) && (errno != EEXIST || stat(buf, &st) || !S_ISDIR(st.st_mode))) {
            if(errno == EEXIST)
                errno = ENOTDIR; /* a file where a folder should be */
            return -1;
        }
        *p = saved;
        if(!saved)
            return 0;
    }
}

#define GRAPH_LOAD_WAIT_MS 1500

static int default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 2 ? 2 : n > API_WORKERS_MAX ? API_WORKERS_MAX : (int)n;
}

int api_start(void *ud, server_t *srv)
{
    api_t *api = ud;
    api->srv = srv;
    int workers = api->cfg->api_workers ? api->cfg->api_workers : default_workers();
    int rc = store_pool_new(api->store, workers, (size_t)api->cfg->api_queue, &api->pool);
    if(rc) {
        log_error("api.start_failed", "reason=\"%s\"", store_pool_strerror(rc));
        return -1;
    }
    rc = graph_index_open(api->store, &api->graph);
    if(rc) {
        log_error("api.start_failed", "reason=\"%s\"", graph_strerror(rc));
        return -1;
    }
    /* A small graph is served whole from the first request on; a large one goes on loading behind a
     * listening server that answers lineage queries 503 meanwhile and still stops at once. */
    if(!graph_index_wait_loaded(api->graph, GRAPH_LOAD_WAIT_MS))
        log_info("graph.loading", "waited_ms=%d reason=\"a large graph: lineage queries answer 503 until it is read\"",
                 GRAPH_LOAD_WAIT_MS);
    char dir[4096];
    if(snprintf(dir, sizeof(dir), "%s/uploads", api->cfg->data_dir) >= (int)sizeof(dir) || make_dirs(dir)) {
        log_error("api.start_failed", "dir=%s reason=\"cannot create the upload folder under --data-dir: %s\"",
                  LOG_Q(dir), strerror(errno));
        return -1;
    }
    api->upload_dir = util_strdup(dir);
    api->room = room_new(dir, api->cfg->min_free_mb, api->cfg->upload_inflight_mb);
    if(!api->upload_dir || !api->room || start_ingest(api)) { /* start_ingest logs its reason */
        if(!api->upload_dir || !api->room)
            log_error("api.start_failed", "reason=\"out of memory, or no thread for the free space\"");
        return -1;
    }
    if(api_files_sweep(api)) {
        log_error("api.start_failed", "dir=%s reason=\"cannot sweep the upload folder\"", LOG_Q(dir));
        return -1;
    }
    if(api_debug_routes(api) || api_lineage_routes(api) || api_chat_routes(api) || api_export_routes(api) ||
       api_files_start(api) || api_ingestion_routes(api) || api_github_start(api)) {
        log_error("api.start_failed", "reason=\"cannot register the routes or start the clone thread\"");
        return -1;
    }
    seed(api);
    log_info("api.started", "workers=%d queue=%d", workers, api->cfg->api_queue);
    return 0;
}

void api_stop(void *ud)
{
    api_t *api = ud;
    graph_index_stop(api->graph); /* a long first read must not hold up the rest of the shutdown */
    ingest_stop_loading(api->ingest); /* nor the writer's: a GitHub request waits for its recording */
    /* The clone thread first: its queued jobs end their ingestions before ingestion closes. */
    api_github_stop(api);
    api_files_stop(api); /* uploads being split are answered 503 and removed */
    room_free(api->room);
    api->room = NULL;
    ingest_close(api->ingest, 0);
    api->ingest = NULL;
    store_pool_free(api->pool);
    api->pool = NULL;
    util_free(api->upload_dir);
    api->upload_dir = NULL;
    graph_index_close(api->graph);
    api->graph = NULL;
    excache_free(api->exports); /* after the index: its last waiters retire exports */
    api->exports = NULL;
}

void api_graph_changed(void *ud)
{
    api_t *api = ud;
    if(api->graph) {
        graph_index_request_rebuild(api->graph);
        api_exports_changed(api);
    }
}

int api_claim_recording(http_ticket_t *t, const char *what, const char *id)
{
    char detail[320];
    snprintf(detail, sizeof(detail),
             "the %s was being recorded as ingestion %s when its answer passed the --api-timeout; "
             "GET /api/v1/ingestion/%s says whether it was accepted (404: it was not; send it again)",
             what, id, id);
    return http_ticket_start_late(t, json_pack("{s:s, s:s, s:s}", "error", "timeout", "detail", detail, "ingestion_id",
                                               id));
}

void api_refuse_recording(http_ticket_t *t, const char *what, int rc)
{
    if(rc == INGEST_ERR_EXPIRED) { /* answered 503 at the deadline; the writer logged it */
        http_ticket_drop(t);
        return;
    }
    char detail[96];
    snprintf(detail, sizeof(detail), "the %s could not be recorded", what);
    int closed = rc == INGEST_ERR_CLOSED;
    http_ticket_complete_json(t, closed ? 503 : 500,
                              json_pack("{s:s, s:s}", "error", closed ? "unavailable" : "internal", "detail",
                                        closed ? "the server is shutting down; send it again later" : detail));
}
