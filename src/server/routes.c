#include "server/routes.h"

#include "server/http.h"
#include "server/web.h"
#include "server/ws.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>

#define METRICS_MAX_BYTES     (256 * 1024)
#define DEBUG_EVENTS_MAX_BODY (1024 * 1024)

/* What /health shows; all of it is the cache key, uptime to the millisecond as it is shown. */
typedef struct health {
    int64_t uptime_ms, schema_version, connections, queued, db_write_failures, db_failing;
} health_t;

/* "degraded" while the database refuses the ingest writer's writes (the last one failed), with why. */
static json_t *health_json(const void *arg)
{
    const health_t *h = arg;
    json_t *db = json_pack("{s:s, s:I, s:I}", "status", h->db_failing ? "failing" : "ok", "schema_version",
                           (json_int_t)h->schema_version, "write_failures", (json_int_t)h->db_write_failures);
    if(db && h->db_failing)
        json_object_set_new(db, "detail",
                            json_string("the last write to the database failed, so new files are not stored; "
                                        "the log's ingest.* error lines say why"));
    return json_pack("{s:s, s:s, s:f, s:o, s:{s:I, s:I}}", "status", h->db_failing ? "degraded" : "healthy", "version",
                     LINEAGED_VERSION, "uptime_seconds", (double)h->uptime_ms / 1000.0, "database", db, "websocket",
                     "connections", (json_int_t)h->connections, "queued_messages", (json_int_t)h->queued);
}

static void get_health(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    (void)req;
    health_t h = {time_mono_ms() - srv->started_mono_ms,
                  store_schema_version(srv->store),
                  ws_open_count(srv),
                  (int64_t)bcast_len(&srv->queue),
                  atomic_load(&srv->stats.db_write_failures),
                  atomic_load(&srv->stats.db_failing)};
    http_respond_cached(resp, &srv->health_body, 200, &h, sizeof(h), health_json, &h);
}

static void get_dashboard(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    (void)srv;
    (void)req;
    http_respond_static(resp, 200, "text/html; charset=utf-8", web_index_html, web_index_html_len);
    resp->csp = web_index_csp();
}

static json_t *stats_json(const void *arg)
{
    return stats_values_json(arg);
}

/* Counters move on every commit and query: read each time, serialised again only when one moved. */
static void get_stats(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    (void)req;
    stats_values_t v;
    stats_read(&srv->stats, time_mono_ms(), &v);
    http_respond_cached(resp, &srv->stats_body, 200, &v, sizeof(v), stats_json, &v);
}

static void get_metrics(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    (void)req;
    metrics_gauges_t g = {
        .ws_connections = ws_open_count(srv),
        .active_queries = atomic_load(&srv->stats.active_queries),
        .active_ingestions = atomic_load(&srv->stats.active_ingestions),
        .response_bytes_held = srv->resp_held,
        .uptime_seconds = (double)(time_mono_ms() - srv->started_mono_ms) / 1000.0,
    };
    buf_t out;
    buf_init(&out, METRICS_MAX_BYTES);
    if(metrics_format(&srv->metrics, &g, &out)) {
        buf_free(&out);
        http_respond_error(resp, 500, "internal", "metrics could not be rendered");
        return;
    }
    size_t len = 0;
    char *text = buf_take(&out, &len);
    http_respond(resp, text ? 200 : 500, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

/*
 * The URL the page should open: the Host the client used (the Host check let it through, so it names
 * this server), else this server's address.
 */
static void get_websocket_config(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    const char *host = srv->cfg->host;
    char url[512], hosthdr[256];
    if(lws_hdr_copy(req->wsi, hosthdr, sizeof(hosthdr), WSI_TOKEN_HOST) > 0 && !strpbrk(hosthdr, "/\\ \"@?#"))
        snprintf(url, sizeof(url), "ws://%s%s", hosthdr, WS_DASHBOARD_PATH);
    else
        snprintf(url, sizeof(url), "ws://%s%s%s:%d%s", strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
                 srv->cfg->port, WS_DASHBOARD_PATH);
    http_respond_json(resp, 200, json_pack("{s:s}", "websocket_url", url));
}

static int publish_one(server_t *srv, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *data = json_object_get(ev, "data");
    if(!type)
        return -1;
    return bus_publish(srv->bus, type, json_incref(data));
}

/*
 * Test-only (--debug-events): publishes the given events through the same bus, validation and rate
 * limits as real producers. Body: {"type": T, "data": {...}} or {"events": [{"type","data"}, ...]}.
 */
static void post_debug_events(void *ctx, const http_request_t *req, http_response_t *resp)
{
    server_t *srv = ctx;
    json_error_t err;
    json_t *body = json_loadb(req->body ? req->body : "", req->body_len, 0, &err);
    if(!json_is_object(body)) {
        json_decref(body);
        http_respond_error(resp, 400, "bad_json", "send {\"type\": ..., \"data\": {...}} or {\"events\": [...]}");
        return;
    }
    json_t *events = json_object_get(body, "events");
    int published = 0, refused = 0;
    if(json_is_array(events)) {
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev)
        {
            if(publish_one(srv, ev))
                refused++;
            else
                published++;
        }
    } else if(publish_one(srv, body)) {
        refused++;
    } else {
        published++;
    }
    json_decref(body);
    log_debug("debug.events", "published=%d refused=%d", published, refused);
    http_respond_json(resp, 202, json_pack("{s:i, s:i}", "published", published, "refused", refused));
}

/* The dashboard's WebSocket asked for without an upgrade (a browser tab, curl): say what it speaks. */
static void get_websocket_plain(void *ctx, const http_request_t *req, http_response_t *resp)
{
    (void)ctx;
    (void)req;
    http_respond_error(resp, 426, "upgrade_required",
                       "this is the dashboard's WebSocket: connect with a WebSocket client (Upgrade: websocket)");
}

int routes_init(server_t *srv)
{
    const route_t routes[] = {
        {"/", HTTP_GET | HTTP_HEAD, get_dashboard, srv, 0, 0},
        {"/health", HTTP_GET | HTTP_HEAD, get_health, srv, 0, 0},
        {"/metrics", HTTP_GET | HTTP_HEAD, get_metrics, srv, 0, 0},
        {"/api/v1/stats", HTTP_GET | HTTP_HEAD, get_stats, srv, 0, 0},
        {"/api/v1/config/websocket", HTTP_GET | HTTP_HEAD, get_websocket_config, srv, 0, 0},
        {WS_DASHBOARD_PATH, HTTP_GET | HTTP_HEAD, get_websocket_plain, srv, 0, 0},
        {"/api/v1/debug/events", HTTP_POST, post_debug_events, srv, DEBUG_EVENTS_MAX_BODY, 1},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if(router_add(&srv->router, &routes[i]))
            return -1;
    }
    return 0;
}

const route_t *routes_find(server_t *srv, const char *path, http_args_t *args)
{
    return router_match(&srv->router, path, srv->cfg->debug_events, args);
}

static void allow_header(int methods, char *out, size_t outlen)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {{HTTP_GET, "GET"},     {HTTP_HEAD, "HEAD"},     {HTTP_POST, "POST"},      {HTTP_PUT, "PUT"},
                 {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}, {HTTP_OPTIONS, "OPTIONS"}};
    size_t n = 0;
    out[0] = '\0';
    for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if(!(methods & names[i].bit))
            continue;
        int w = snprintf(out + n, outlen - n, "%s%s", n ? ", " : "", names[i].name);
        if(w < 0 || (size_t)w >= outlen - n) {
            out[n] = '\0'; /* never a method name cut in half */
            return;
        }
        n += (size_t)w;
    }
}

int routes_allow(server_t *srv, const char *path, char *out, size_t outlen)
{
    http_args_t scratch;
    http_args_init(&scratch);
    const route_t *r = routes_find(srv, path, &scratch);
    if(!r)
        return 0;
    allow_header(r->methods | HTTP_OPTIONS, out, outlen);
    return 1;
}

void routes_dispatch(const route_t *r, const http_request_t *req, http_response_t *resp)
{
    if(!r) {
        http_respond_error(resp, 404, "not_found", "no such endpoint");
        return;
    }
    if(!(r->methods & (int)req->method) || !r->fn) {
        allow_header(r->methods | HTTP_OPTIONS, resp->allow, sizeof(resp->allow));
        http_respond_error(resp, 405, "method_not_allowed", "this endpoint does not accept that method");
        return;
    }
    r->fn(r->ctx, req, resp);
}

int routes_body_limit(const route_t *r, enum http_method method, int64_t *max_bytes)
{
    if(!r || !(r->methods & (int)method) || r->max_body <= 0)
        return 0;
    *max_bytes = r->max_body;
    return 1;
}
