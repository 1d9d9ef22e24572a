/* The network service: one libwebsockets context, HTTP API and the dashboard WebSocket. */
#ifndef LINEAGED_SERVER_SERVER_H
#define LINEAGED_SERVER_SERVER_H

#include "cli/config.h"
#include "store/store.h"

#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdint.h>

struct ws_client;

typedef struct server {
    const config_t *cfg;
    store_t *store;
    struct lws_context *ctx;
    atomic_int stop_requested; /* set by the signal thread */
    int stopping;              /* service thread: shutdown in progress */
    int64_t started_mono_ms;
    struct ws_client *clients; /* intrusive list, service thread only */
    int n_clients;
    uint64_t next_client_id;
    lws_sorted_usec_list_t tick; /* keeps the loop turning for deadlines */
} server_t;

/*
 * Blocks SIGINT/SIGTERM in the calling thread and every thread it starts later (DuckDB's
 * workers too), so only the server's signal thread takes them. Call first thing.
 */
void server_block_signals(void);
/* Serves until SIGINT/SIGTERM; returns 0 on a clean shutdown. */
int server_run(const config_t *cfg, store_t *store);

#endif
