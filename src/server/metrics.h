/* Process counters and their Prometheus text rendering (contract §7). Counters are thread-safe. */
#ifndef LINEAGED_SERVER_METRICS_H
#define LINEAGED_SERVER_METRICS_H

#include "events/event.h"
#include "util/buf.h"

#include <stdatomic.h>
#include <stdint.h>

enum metrics_reject { METRICS_REJECT_ORIGIN, METRICS_REJECT_IP_LIMIT, METRICS_N_REJECT };
enum metrics_client_msg {
    METRICS_CLIENT_OK,
    METRICS_CLIENT_JUNK,
    METRICS_CLIENT_OVERSIZE,
    METRICS_CLIENT_OVER_BUDGET,
    METRICS_CLIENT_TRICKLED,
    METRICS_N_CLIENT
};
enum metrics_file_status { METRICS_FILE_PROCESSED, METRICS_FILE_FAILED, METRICS_FILE_SKIPPED, METRICS_N_FILE };

#define METRICS_HTTP_MIN 100
#define METRICS_HTTP_MAX 599

typedef atomic_uint_least64_t metrics_counter_t;

typedef struct metrics {
    metrics_counter_t ws_connections_total;
    metrics_counter_t ws_rejected[METRICS_N_REJECT];
    metrics_counter_t ws_evicted;
    metrics_counter_t ws_slow_closed;
    metrics_counter_t ws_sent[EV_N_TYPES];
    metrics_counter_t ws_throttled;
    metrics_counter_t ws_invalid;
    metrics_counter_t ws_slow_dropped;
    metrics_counter_t ws_client_messages[METRICS_N_CLIENT];
    metrics_counter_t events_dropped;
    metrics_counter_t ingest_files[METRICS_N_FILE];
    metrics_counter_t http_requests[METRICS_HTTP_MAX - METRICS_HTTP_MIN + 1];
    metrics_counter_t api_expired; /* requests answered 503 at --api-queue-wait (the work never started) */
    metrics_counter_t export_builds;
    metrics_counter_t export_hits; /* exports answered from a body built for an earlier request */
} metrics_t;

/* Values sampled at scrape time. */
typedef struct metrics_gauges {
    int ws_connections;
    int64_t active_queries;
    int64_t active_ingestions;
    size_t response_bytes_held;
    double uptime_seconds;
} metrics_gauges_t;

void metrics_init(metrics_t *m);
void metrics_inc(metrics_counter_t *c);
void metrics_add(metrics_counter_t *c, uint64_t n);
void metrics_set(metrics_counter_t *c, uint64_t v);
uint64_t metrics_get(const metrics_counter_t *c);
void metrics_http_response(metrics_t *m, int status);
/* For the ingestion code: one file finished with that outcome. */
void metrics_ingest_file(metrics_t *m, enum metrics_file_status status);
/* Appends the Prometheus text exposition (format 0.0.4) to `out`. */
int metrics_format(const metrics_t *m, const metrics_gauges_t *g, buf_t *out);

#endif
