#include "server/metrics.h"

#include <inttypes.h>
#include <string.h>

void metrics_init(metrics_t *m)
{
    memset(m, 0, sizeof(*m));
}

void metrics_inc(metrics_counter_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void metrics_add(metrics_counter_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void metrics_set(metrics_counter_t *c, uint64_t v)
{
    atomic_store_explicit(c, v, memory_order_relaxed);
}

uint64_t metrics_get(const metrics_counter_t *c)
{
    return atomic_load_explicit((metrics_counter_t *)c, memory_order_relaxed);
}

void metrics_http_response(metrics_t *m, int status)
{
    if(status >= METRICS_HTTP_MIN && status <= METRICS_HTTP_MAX)
        metrics_inc(&m->http_requests[status - METRICS_HTTP_MIN]);
}

void metrics_ingest_file(metrics_t *m, enum metrics_file_status status)
{
    if((unsigned)status < METRICS_N_FILE)
        metrics_inc(&m->ingest_files[status]);
}

static int header(buf_t *out, const char *name, const char *type, const char *help)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int counter(buf_t *out, const char *name, const char *help, const metrics_counter_t *c)
{
    int rc = header(out, name, "counter", help);
    return rc ? rc : buf_printf(out, "%s %" PRIu64 "\n", name, metrics_get(c));
}

static int labelled(buf_t *out, const char *name, const char *help, const char *label, const char *const *values,
                    const metrics_counter_t *c, int n)
{
    int rc = header(out, name, "counter", help);
    for(int i = 0; !rc && i < n; i++)
        rc = buf_printf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, values[i], metrics_get(&c[i]));
    return rc;
}

int metrics_format(const metrics_t *m, const metrics_gauges_t *g, buf_t *out)
{
    static const char *const rejects[METRICS_N_REJECT] = {"origin", "ip_limit"};
    static const char *const client_results[METRICS_N_CLIENT] = {"ok", "junk", "oversize", "over_budget", "trickled"};
    static const char *const file_statuses[METRICS_N_FILE] = {"processed", "failed", "skipped"};
    const char *types[EV_N_TYPES];
    for(int i = 0; i < EV_N_TYPES; i++)
        types[i] = event_type_name((enum event_type)i);

    const struct {
        const char *name, *help;
        const metrics_counter_t *c;
    } plain[] = {
        {"lineaged_ws_connections_total", "Dashboard WebSocket connections accepted.", &m->ws_connections_total},
        {"lineaged_ws_evicted_total", "Idle connections closed to admit a newcomer at capacity.", &m->ws_evicted},
        {"lineaged_ws_slow_consumers_closed_total",
         "Connections closed because a critical message could not be kept for them.", &m->ws_slow_closed},
        {"lineaged_ws_messages_throttled_total", "Broadcast events dropped or coalesced by the rate limits.",
         &m->ws_throttled},
        {"lineaged_ws_messages_invalid_total", "Events that failed their schema and were skipped.", &m->ws_invalid},
        {"lineaged_ws_messages_dropped_total", "Non-critical messages a lagging client skipped (per client).",
         &m->ws_slow_dropped},
        {"lineaged_events_dropped_total", "Events refused because the bus inbox was full.", &m->events_dropped},
        {"lineaged_api_queue_expired_total",
         "API requests answered 503 because no worker was free within --api-queue-wait.", &m->api_expired},
        {"lineaged_export_builds_total", "Exports built from the lineage graph.", &m->export_builds},
        {"lineaged_export_cache_hits_total", "Exports answered with a body built before for the same graph.",
         &m->export_hits},
    };
    const struct {
        const char *name, *help, *label;
        const char *const *values;
        const metrics_counter_t *c;
        int n;
    } by_label[] = {
        {"lineaged_ws_rejected_total", "WebSocket handshakes refused.", "reason", rejects, m->ws_rejected,
         METRICS_N_REJECT},
        {"lineaged_ws_messages_sent_total", "WebSocket messages written to clients.", "type", types, m->ws_sent,
         EV_N_TYPES},
        {"lineaged_ws_client_messages_total", "Messages received from dashboard clients.", "result", client_results,
         m->ws_client_messages, METRICS_N_CLIENT},
        {"lineaged_ingest_files_total", "Files ingested, by outcome.", "status", file_statuses, m->ingest_files,
         METRICS_N_FILE},
    };

    int rc = header(out, "lineaged_ws_connections", "gauge",
                    "Open dashboard WebSocket connections, not counting those being closed.");
    rc = rc ? rc : buf_printf(out, "lineaged_ws_connections %d\n", g->ws_connections);
    for(size_t i = 0; !rc && i < sizeof(plain) / sizeof(plain[0]); i++)
        rc = counter(out, plain[i].name, plain[i].help, plain[i].c);
    for(size_t i = 0; !rc && i < sizeof(by_label) / sizeof(by_label[0]); i++)
        rc = labelled(out, by_label[i].name, by_label[i].help, by_label[i].label, by_label[i].values, by_label[i].c,
                      by_label[i].n);
    rc = rc ? rc : header(out, "lineaged_http_requests_total", "counter", "HTTP responses sent, by status code.");
    for(int code = METRICS_HTTP_MIN; !rc && code <= METRICS_HTTP_MAX; code++) {
        uint64_t v = metrics_get(&m->http_requests[code - METRICS_HTTP_MIN]);
        if(v)
            rc = buf_printf(out, "lineaged_http_requests_total{code=\"%d\"} %" PRIu64 "\n", code, v);
    }
    rc = rc ? rc : header(out, "lineaged_active_queries", "gauge", "Chat and lineage queries in flight.");
    rc = rc ? rc : buf_printf(out, "lineaged_active_queries %" PRId64 "\n", g->active_queries);
    rc = rc ? rc : header(out, "lineaged_active_ingestions", "gauge", "Ingestions in progress.");
    rc = rc ? rc : buf_printf(out, "lineaged_active_ingestions %" PRId64 "\n", g->active_ingestions);
    rc = rc ? rc
            : header(out, "lineaged_http_response_bytes_held", "gauge",
                     "Bytes of large responses not yet all sent (at most --response-buffer-mb).");
    rc = rc ? rc : buf_printf(out, "lineaged_http_response_bytes_held %zu\n", g->response_bytes_held);
    rc = rc ? rc : header(out, "lineaged_uptime_seconds", "gauge", "Seconds since the server started.");
    rc = rc ? rc : buf_printf(out, "lineaged_uptime_seconds %.3f\n", g->uptime_seconds);
    return rc;
}
