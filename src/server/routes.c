#include "server/routes.h"

#include "server/http.h"
#include "server/web.h"
#include "util/timefmt.h"

#include <string.h>

typedef void (*route_handler)(server_t *srv, const http_request_t *req, http_response_t *resp);

struct route {
    const char *path;
    int methods;
    route_handler handler;
    int64_t max_body; /* > 0: the handler takes a body of at most this many bytes */
};

static void get_health(server_t *srv, const http_request_t *req, http_response_t *resp)
{
    (void)req;
    double uptime = (double)(time_mono_ms() - srv->started_mono_ms) / 1000.0;
    json_t *body = json_pack("{s:s, s:s, s:f, s:{s:s, s:i}, s:{s:i}}", "status", "healthy", "version",
                             LINEAGED_VERSION, "uptime_seconds", uptime, "database", "status", "ok",
                             "schema_version", store_schema_version(srv->store), "websocket", "connections",
                             srv->n_clients);
    http_respond_json(resp, 200, body);
}

static void get_dashboard(server_t *srv, const http_request_t *req, http_response_t *resp)
{
    (void)srv;
    (void)req;
    http_respond_static(resp, 200, "text/html; charset=utf-8", web_index_html, web_index_html_len);
}

static const struct route routes[] = {
    {"/", HTTP_GET | HTTP_HEAD, get_dashboard, 0},
    {"/health", HTTP_GET | HTTP_HEAD, get_health, 0},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const struct route *find(const char *path)
{
    for(size_t i = 0; i < N_ROUTES; i++) {
        if(strcmp(routes[i].path, path) == 0)
            return &routes[i];
    }
    return NULL;
}

static void allow_header(int methods, char *out, size_t outlen)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {{HTTP_GET, "GET"},       {HTTP_HEAD, "HEAD"},     {HTTP_POST, "POST"},      {HTTP_PUT, "PUT"},
                 {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}, {HTTP_OPTIONS, "OPTIONS"}};
    size_t n = 0;
    out[0] = '\0';
    for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if(methods & names[i].bit)
            n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? ", " : "", names[i].name);
    }
}

void routes_dispatch(server_t *srv, const http_request_t *req, http_response_t *resp)
{
    const struct route *r = find(req->path);
    if(!r) {
        http_respond_error(resp, 404, "not_found", "no such endpoint");
        return;
    }
    if(!(r->methods & (int)req->method)) {
        allow_header(r->methods, resp->allow, sizeof(resp->allow));
        http_respond_error(resp, 405, "method_not_allowed", "this endpoint does not accept that method");
        return;
    }
    r->handler(srv, req, resp);
}

int routes_body_limit(server_t *srv, enum http_method method, const char *path, int64_t *max_bytes)
{
    (void)srv;
    const struct route *r = find(path);
    if(!r || !(r->methods & (int)method) || r->max_body <= 0)
        return 0;
    *max_bytes = r->max_body;
    return 1;
}
