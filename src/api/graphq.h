/*
 * Running a lineage query for a request: on an API worker, against the current snapshot of the
 * in-memory index, counted in `activeQueries` while queued or running, and reported as
 * `query_complete` (and `error` when it failed on our side) on the event bus.
 */
#ifndef LINEAGED_API_GRAPHQ_H
#define LINEAGED_API_GRAPHQ_H

#include "api/api.h"
#include "query/query.h"

/* Worker thread: answers from the snapshot (`conn`, the worker's own, for stored SQL text); `arg` is the caller's. */
typedef void (*graphq_fn)(duckdb_connection conn, const graph_snap_t *s, void *arg, query_result_t *out);

/* Service thread: queues the query (503 at once when the queue is full). Owns `arg` from here on. */
void graphq_defer(api_t *api, const http_request_t *req, http_response_t *resp, graphq_fn fn, void *arg,
                  void (*free_arg)(void *));
/* Publishes query_complete for a query answered elsewhere (exports). */
void graphq_report(api_t *api, const char *query_type, double latency_ms, int status, int nodes, int edges);

int api_lineage_routes(api_t *api);
int api_chat_routes(api_t *api);
int api_export_routes(api_t *api);

#endif
