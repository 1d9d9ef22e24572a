/*
 * Built exports kept for repeated requests (the GET /api/v1/export endpoints): one slot per format, each holding
 * the body built from one version of the graph (the lineage index's generation, which changes when
 * an ingestion's commit is published). Bounded in bytes: a body larger than the bound is not kept,
 * and keeping one first evicts the other format's body. Bodies are refcounted, so a response still
 * being sent keeps its body after the cache let it go. Requests for a body that another worker is
 * building wait for it on their own worker (a condition variable), never on the service thread.
 */
#ifndef LINEAGED_API_EXCACHE_H
#define LINEAGED_API_EXCACHE_H

#include <stdatomic.h>
#include <stddef.h>

enum excache_format { EXCACHE_CSV, EXCACHE_OPENLINEAGE, EXCACHE_FORMATS };

typedef struct excache_body {
    atomic_int refs;
    int status;       /* 200, or 507 (too large to answer over HTTP) */
    int nodes, edges; /* of the graph it was built from (for query_complete) */
    size_t len;
    char *bytes;
} excache_body_t;

typedef struct excache excache_t;

/* `max_bytes` 0: nothing is kept (concurrent requests still share a build). */
excache_t *excache_new(size_t max_bytes);
void excache_free(excache_t *c);
/* Any thread, never waits on a build: the kept body of that format and generation (a reference), or NULL. */
excache_body_t *excache_get(excache_t *c, enum excache_format f, unsigned long generation);
/*
 * Worker thread: the kept body (a reference), after waiting while another worker builds it; or NULL,
 * and then the caller builds it and must end with excache_put or excache_abandon.
 */
excache_body_t *excache_claim(excache_t *c, enum excache_format f, unsigned long generation);
/*
 * The body the caller built (`bytes`, util_malloc'd, taken): kept when it fits and its generation is
 * not retired. Returns a reference for the caller's response; NULL when out of memory (bytes freed).
 */
excache_body_t *excache_put(excache_t *c, enum excache_format f, unsigned long generation, int status, char *bytes,
                            size_t len, int nodes, int edges);
/* The build failed: those waiting for it build for themselves. */
void excache_abandon(excache_t *c, enum excache_format f, unsigned long generation);
/* The graph reached `generation`: bodies of older ones are dropped and never kept again. */
void excache_retire(excache_t *c, unsigned long generation);
/* Any thread: lets go of a reference (http_respond_shared's unref). */
void excache_body_unref(void *body);
/* Bytes kept now. */
size_t excache_bytes(excache_t *c);

#endif
