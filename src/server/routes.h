/* The transport's own endpoints, and which handler answers which method and path. */
#ifndef LINEAGED_SERVER_ROUTES_H
#define LINEAGED_SERVER_ROUTES_H

#include "server/router.h"
#include "server/server.h"

/* Registers health, metrics, stats, the WebSocket config and the debug endpoints. */
int routes_init(server_t *srv);
/* The route for `path` (parameters added to `args`), or NULL. */
const route_t *routes_find(server_t *srv, const char *path, http_args_t *args);
/* Fills `resp` for the request; no route → 404, another method → 405, else the handler. */
void routes_dispatch(const route_t *r, const http_request_t *req, http_response_t *resp);
/* Fills `out` with the methods `path` answers (for Allow/CORS); 0 when there is no such path. */
int routes_allow(server_t *srv, const char *path, char *out, size_t outlen);
/* Whether `method` on route `r` takes a request body, so the transport reads one (0: none). */
int routes_body_limit(const route_t *r, enum http_method method, int64_t *max_bytes);

#endif
