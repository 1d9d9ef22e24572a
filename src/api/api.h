/*
 * The product API: resource handlers (one file per resource) registered on the transport's router at
 * start. Handlers run on the service thread and must not wait on disk, DuckDB or git: such work goes
 * to the worker pool through api_defer, whose threads each hold their own DuckDB connection.
 */
#ifndef LINEAGED_API_API_H
#define LINEAGED_API_API_H

#include "cli/config.h"
#include "ingest/ingest.h"
#include "server/router.h"
#include "server/server.h"
#include "store/pool.h"

typedef struct github github_t;
typedef struct room room_t;
typedef struct splitter splitter_t;

typedef struct api {
    const config_t *cfg;
    store_t *store;
    server_t *srv;             /* bus, stats: set at start */
    store_pool_t *pool;        /* request work that reads DuckDB */
    ingest_t *ingest;          /* the ingestion engine */
    struct graph_index *graph; /* the in-memory lineage index (src/graph/index.h) */
    char *upload_dir;          /* <data-dir>/uploads */
    room_t *room;              /* its free space and the upload bytes in flight (room.h) */
    github_t *github;          /* the clone thread */
    splitter_t *splitter;      /* the upload split thread (files.c) */
    struct excache *exports;   /* built exports for repeated requests (excache.h) */
} api_t;

/* server_app_t hooks: `ud` is the api_t (cfg and store set by the caller). */
int api_start(void *ud, server_t *srv);
void api_stop(void *ud);

/*
 * Work for a worker thread: returns the response body (NULL: 500) and sets `*status`. `conn` is that
 * thread's own connection.
 */
typedef json_t *(*api_job_fn)(duckdb_connection conn, void *arg, int *status);

/*
 * Runs `fn(conn, arg)` on a worker and answers the request with its result. When the queue is full
 * the request gets 503 at once and `fn` never runs. `free_arg` (may be NULL) releases `arg` after.
 */
void api_defer(api_t *api, const http_request_t *req, http_response_t *resp, api_job_fn fn, void *arg,
               void (*free_arg)(void *));

/*
 * Service thread: defers the request (http_defer_queued) and queues `fn(conn, job)` on a worker,
 * which must begin with http_ticket_start. Returns 0, or a STORE_POOL_ERR_* with nothing queued
 * and the ticket dropped (`job` is still the caller's; the caller answers).
 */
int api_submit(api_t *api, const http_request_t *req, http_ticket_t *ticket, store_job_fn fn, void *job);
/* Worker thread, tests only: sleeps --debug-slow-ms (0 unless --debug-events asked for it). */
void api_debug_slow(const api_t *api);

/* The graph changed (an ingest commit): the lineage index rebuilds in the background. `ud` is the api_t. */
void api_graph_changed(void *ud);
/* Any thread, after a commit: kept exports are dropped once the graph that follows it is published. */
void api_exports_changed(api_t *api);

/*
 * An optional query parameter that must be one of `allowed`, copied to `out` ("" when absent).
 * Returns 0, or -1 with a 400 listing the allowed values in `resp`.
 */
int api_filter(const http_request_t *req, const char *name, const char *const *allowed, size_t n_allowed, char *out,
               size_t outlen, http_response_t *resp);

/* Each resource registers its routes. */
int api_debug_routes(api_t *api);
/* The upload split thread and the files routes; stop joins the thread (before ingestion closes). */
int api_files_start(api_t *api);
void api_files_stop(api_t *api);
/* At start, after ingestion recovered: removes upload files no ingestion holds. */
int api_files_sweep(api_t *api);
int api_ingestion_routes(api_t *api);
/* The GitHub clone thread and its route; stop joins the thread (before ingestion closes). */
/*
 * Writer thread, for a submission answered once recorded (http_defer_recorded): the claim before its
 * rows are written. 0 to record it; -1 when its client was already answered 503 at --api-timeout.
 * `what` names it in the late answer ("upload", "GitHub ingestion").
 */
int api_claim_recording(http_ticket_t *t, const char *what, const char *id);
/*
 * Writer thread: answers a submission the writer did not record (rc from ingest_recorded_fn, not OK); at
 * INGEST_ERR_EXPIRED the transport's 503 stands and the ticket is dropped.
 */
void api_refuse_recording(http_ticket_t *t, const char *what, int rc);

int api_github_start(api_t *api);
void api_github_stop(api_t *api);

#endif
