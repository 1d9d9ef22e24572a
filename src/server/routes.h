/* The HTTP API: which handler answers which method and path. */
#ifndef LINEAGED_SERVER_ROUTES_H
#define LINEAGED_SERVER_ROUTES_H

#include "server/server.h"
#include "server/session.h"

typedef struct http_request {
    struct lws *wsi;
    enum http_method method;
    const char *path;
    const char *body;
    size_t body_len;
} http_request_t;

/* Fills `resp` for the request; unknown path → 404, known path with another method → 405. */
void routes_dispatch(server_t *srv, const http_request_t *req, http_response_t *resp);
/* Fills `out` with the methods `path` answers (for Allow/CORS); 0 when there is no such path. */
int routes_allow(server_t *srv, const char *path, char *out, size_t outlen);
/* Methods that take a request body on the given path, so the transport reads one (0: none). */
int routes_body_limit(server_t *srv, enum http_method method, const char *path, int64_t *max_bytes);

#endif
