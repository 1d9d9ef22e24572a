/*
 * Routing for the HTTP API: path patterns with parameters ("/api/v1/ingestion/{id}"), decoded query
 * parameters, and deferred responses completed later from any thread. This header is the surface
 * resource handlers (src/api/) use; they never call libwebsockets themselves.
 */
#ifndef LINEAGED_SERVER_ROUTER_H
#define LINEAGED_SERVER_ROUTER_H

#include "server/session.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTER_MAX_ROUTES 64

typedef struct http_request {
    struct lws *wsi; /* the transport's own handlers only (src/server/) */
    enum http_method method;
    const char *path;
    const http_args_t *args;
    const char *body;
    size_t body_len;
    void *txn; /* for http_defer */
} http_request_t;

typedef void (*route_fn)(void *ctx, const http_request_t *req, http_response_t *resp);

/*
 * A multipart/form-data body parsed as it streams in (libwebsockets' lws_spa): file parts are handed
 * over piece by piece, never held whole. Each callback returns 0, or fills `resp` (the request ends
 * with that answer and the connection closes).
 */
typedef struct route_upload_ops {
    const char *const *fields; /* plain form fields to keep (values up to 4 KiB together) */
    int n_fields;
    /* Headers read, before any of the body: the upload's state, or NULL with `resp` filled. */
    void *(*begin)(void *ctx, const http_request_t *req, int64_t content_length, http_response_t *resp);
    /* A file part starts; `field` and `filename` are as the client sent them (hostile). */
    int (*file_open)(void *state, const char *field, const char *filename, http_response_t *resp);
    /* File bytes; `final` at the end of the part. */
    int (*file_data)(void *state, const char *data, size_t len, int final, http_response_t *resp);
    /* The body is complete: values[i] belongs to fields[i] (NULL when absent, "" when sent empty). Fill `resp`, or
     * http_defer. */
    void (*end)(void *state, const http_request_t *req, const char *const *values, http_response_t *resp);
    /* Always called last, also when the client left mid-body: frees the state. */
    void (*release)(void *state);
} route_upload_ops_t;

typedef struct route {
    /* literal segments and "{name}" segments; a last "{name*}" takes the rest of the path, '/'s and all */
    const char *pattern;
    int methods; /* enum http_method bits */
    route_fn fn;
    void *ctx;
    /* > 0: the body is read into memory (or streamed to `upload`), at most this many bytes; one read into memory
     * is JSON: a Content-Type other than application/json gets 415 */
    int64_t max_body;
    int debug_only;   /* exists only with --debug-events */
} route_t;

typedef struct router {
    route_t routes[ROUTER_MAX_ROUTES];
    const route_upload_ops_t *uploads[ROUTER_MAX_ROUTES]; /* POST bodies of that route are streamed uploads */
    char *patterns[ROUTER_MAX_ROUTES];
    int n;
} router_t;

void router_init(router_t *r);
void router_free(router_t *r);
/* Copies `spec` (and its pattern). Returns 0, or -1 when full, malformed or out of memory. */
int router_add(router_t *r, const route_t *spec);
/* A route whose POST body is a multipart upload handed to `ops` as it streams in (max_body: the cap). */
int router_add_upload(router_t *r, const route_t *spec, const route_upload_ops_t *ops);
/* The upload ops of a matched route, or NULL. */
const route_upload_ops_t *router_upload(const router_t *r, const route_t *route);
/*
 * The route for `path` (literal routes win over ones with parameters), with its parameters added to
 * `args`; NULL when no pattern matches. `debug` includes debug-only routes.
 */
const route_t *router_match(const router_t *r, const char *path, int debug, http_args_t *args);

void http_args_init(http_args_t *a);
/*
 * Adds one query pair as libwebsockets hands it over ("name=value", already percent-decoded).
 * Returns 0, or -1 with a sentence in `why` (too many, too long, no name, not UTF-8).
 */
int http_args_add_query(http_args_t *a, const char *pair, size_t len, char *why, size_t whylen);

const char *http_param(const http_request_t *req, const char *name);
/* The value of query parameter `name`, or NULL. */
const char *http_query(const http_request_t *req, const char *name);
/*
 * An integer query parameter in [min, max]; `def` when absent. Returns 0, or -1 with `resp` filled
 * with a 400 that names the parameter.
 */
int http_query_int(const http_request_t *req, const char *name, long long def, long long min, long long max,
                   long long *out, http_response_t *resp);

#define HTTP_CACHE_KEY_BYTES 96
#define HTTP_CACHE_BYTES     1024

/*
 * A small JSON body kept serialised while the values it is built from stay the same: endpoints
 * polled many times a second (stats, health) skip jansson's build and dump when nothing changed.
 * Service thread only.
 */
typedef struct http_json_cache {
    unsigned char key[HTTP_CACHE_KEY_BYTES];
    size_t key_len; /* 0: empty */
    size_t len;
    char text[HTTP_CACHE_BYTES];
} http_json_cache_t;

/*
 * Answers `status` with the text cached for `key` (key_len bytes, at most HTTP_CACHE_KEY_BYTES, no
 * padding) when it was built from exactly those bytes; otherwise with build(arg), serialised and kept
 * for the next call. The key must hold every value the body shows: the body is never older than they.
 */
void http_respond_cached(http_response_t *r, http_json_cache_t *c, int status, const void *key, size_t key_len,
                         json_t *(*build)(const void *arg), const void *arg);

/*
 * A deferred response: completed exactly once, from any thread, with http_ticket_complete (or
 * given up with http_ticket_drop).
 */
typedef struct http_ticket {
    struct http_completions *q;
    uint64_t id;
    struct http_claim *claim; /* http_defer_queued: whether the work started before its deadline */
} http_ticket_t;

/*
 * Inside a handler, on the service thread: the response will come later. The handler then leaves
 * `resp` untouched; if it fills `resp` after all (e.g. 503 because a queue was full), that answer
 * goes out and the ticket must be dropped (http_ticket_drop), not completed.
 */
int http_defer(const http_request_t *req, http_ticket_t *out);
/*
 * http_defer for work queued for a worker: the transport answers the request itself, 503 with
 * Retry-After, when the work has not started (http_ticket_start) within --api-queue-wait seconds,
 * or its answer has not come within --api-timeout; a late answer is then dropped.
 */
int http_defer_queued(const http_request_t *req, http_ticket_t *out);
/*
 * Worker thread, before the work of an http_defer_queued ticket: 0 to go on; -1 when the request
 * was already answered for want of a worker in time (then skip the work and drop the ticket).
 * Never waits. Always 0 for an http_defer ticket.
 */
int http_ticket_start(http_ticket_t *t);
/*
 * http_defer_recorded: like http_defer_queued, but the work (an upload's recording) may start until
 * --api-timeout; at that deadline the transport answers 503 `timeout` itself. When it has not
 * started, nothing of it was done; when it has, the transport sends `late` (reference stolen), which
 * says what is under way. http_ticket_start_late starts the work with that answer left for the
 * deadline: 0 to go on, -1 when the request was already answered (skip the work, drop the ticket).
 */
int http_defer_recorded(const http_request_t *req, http_ticket_t *out);
int http_ticket_start_late(http_ticket_t *t, json_t *late);
/* Any thread: 1 once the request was answered for want of a start in time (the work may be skipped). */
int http_ticket_expired(const http_ticket_t *t);
/* Any thread: the deferred response (body ownership taken). If the client left, it is dropped. */
void http_ticket_complete(http_ticket_t *t, int status, const char *content_type, char *body, size_t len);
/*
 * The same with a body that `owner` keeps (shared by several responses): unref(owner) once this
 * response no longer needs it, also when it is dropped. Ownership of one reference is taken.
 */
void http_ticket_complete_shared(http_ticket_t *t, int status, const char *content_type, const char *body, size_t len,
                                 void (*unref)(void *owner), void *owner);
/* Any thread: serialises `body` (reference stolen). */
void http_ticket_complete_json(http_ticket_t *t, int status, json_t *body);
/* Any thread: gives the ticket up without an answer (the transport's own, if any, stands). */
void http_ticket_drop(http_ticket_t *t);

#endif
