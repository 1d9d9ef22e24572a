/*
 * Worker threads for work that reads or writes DuckDB on behalf of a request: each thread holds its
 * own connection (one per thread, never shared), jobs wait in a bounded queue, and a full queue is
 * refused at once (the caller answers 503) rather than growing.
 */
#ifndef LINEAGED_STORE_POOL_H
#define LINEAGED_STORE_POOL_H

#include "store/store.h"

#include <stddef.h>

enum store_pool_error {
    STORE_POOL_OK = 0,
    STORE_POOL_ERR_NOMEM = -1,
    STORE_POOL_ERR_FULL = -2,   /* the queue is at its bound */
    STORE_POOL_ERR_CLOSED = -3, /* shutting down */
    STORE_POOL_ERR_STORE = -4,  /* a connection could not be opened */
    STORE_POOL_ERR_ARG = -5,
};

typedef struct store_pool store_pool_t;

/* Runs on a worker thread with that thread's connection; owns `arg` from here on. */
typedef void (*store_job_fn)(duckdb_connection conn, void *arg);

/* `threads` workers (> 0), at most `queue_max` jobs waiting. */
int store_pool_new(store_t *store, int threads, size_t queue_max, store_pool_t **out);
/*
 * Queues a job; on an error the job was not queued and `arg` is still the caller's. Safe from any
 * thread; never waits for a worker.
 */
int store_pool_submit(store_pool_t *p, store_job_fn fn, void *arg);
/* Jobs waiting now (for /metrics and tests). */
size_t store_pool_queued(store_pool_t *p);
/* Refuses new jobs, runs the queued ones, joins the threads, closes their connections. */
void store_pool_free(store_pool_t *p);
const char *store_pool_strerror(int code);

#endif
