/* The network service: one libwebsockets context, HTTP API and the dashboard WebSocket. */
#ifndef LINEAGED_SERVER_SERVER_H
#define LINEAGED_SERVER_SERVER_H

#include "cli/config.h"
#include "events/bus.h"
#include "events/ratelimit.h"
#include "events/stats.h"
#include "events/tick.h"
#include "server/bcast.h"
#include "server/defer.h"
#include "server/iplimit.h"
#include "server/metrics.h"
#include "server/netpoll.h"
#include "server/origin.h"
#include "server/router.h"
#include "store/store.h"

#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdint.h>

struct ws_client;
struct http_txn;

#define HTTP_SHARED_HELD_MAX 16 /* more shared bodies at once are counted once per answer */

typedef struct server {
    const config_t *cfg;
    store_t *store;
    struct lws_context *ctx;
    atomic_int stop_requested; /* set by the signal thread */
    int stopping;              /* service thread: shutdown in progress */
    int64_t started_mono_ms;
    struct listener *listener;                /* accept and connection caps, service thread only */
    struct ws_client *clients, *clients_tail; /* idle order, service thread only */
    struct ws_client *closing, *closing_tail; /* clients closing, by deadline */
    struct ws_client *ws_dead;                /* failed clients not yet freed (ws.c reap) */
    netpoll_t np;                             /* the sockets lineaged reads itself (netpoll.h) */
    int n_clients;
    int n_closing;     /* clients we are closing (eviction, slow consumer) */
    size_t ws_rx_held; /* bytes allocated for unfinished client messages, at most WS_RX_BUDGET */
    uint64_t next_client_id;
    lws_sorted_usec_list_t tick; /* keeps the loop turning for deadlines */

    /* Shared with producer threads. */
    bus_t *bus;
    stats_t stats;
    metrics_t metrics;

    http_completions_t completions; /* deferred responses from workers */

    /* Service thread only. */
    router_t router;
    struct http_txn *deferred;  /* requests waiting for a deferred response */
    struct http_txn *receiving; /* requests whose body is arriving: their rate is checked on a timer */
    size_t resp_held;           /* bytes of large response bodies not yet all sent (--response-buffer-mb) */
    /* bodies shared by several answers (a cached export): counted once in resp_held while any holds it */
    struct http_shared_held {
        const void *owner;
        size_t len;
        int answers; /* 0: a free slot */
    } shared_held[HTTP_SHARED_HELD_MAX];
    uint64_t next_defer_id;
    origin_policy_t origins;
    iplimit_t *per_ip;
    bcast_queue_t queue;
    unsigned char *wbuf;         /* several frames gathered for one write */
    unsigned char *rbuf;         /* one read from a WebSocket client */
    struct sendbatch *sendbatch; /* a broadcast's sends, many per system call */
    struct wshand_sha1 *sha1;    /* handshake accept keys */
    ratelimit_t *rl;
    lws_sorted_usec_list_t stats_timer, hub_timer;
    tick_t stats_period;   /* fixed-rate deadlines of stats_timer */
    int64_t last_stamp_ms; /* message timestamps never go backwards */
    int64_t last_throttle_log_ms;
    bcast_msg_t *welcome_stats; /* stats_update for newcomers, rebuilt at most once a millisecond */
    int64_t welcome_stats_ms;
    bcast_msg_t *ack; /* a connection_ack with client_id 0, for splicing ids into within its millisecond */
    int64_t ack_ms;
    size_t ack_id_at;                          /* where its client_id's digit is; 0: not found, encode each one */
    http_json_cache_t stats_body, health_body; /* GET /api/v1/stats and /health, kept while unchanged */
    struct http_txn *txn_spares;               /* finished request states kept for the next request */
    int n_txn_spares;
} server_t;

/*
 * Blocks SIGINT/SIGTERM in the calling thread and every thread it starts later (DuckDB's
 * workers too), so only the server's signal thread takes them. Call first thing.
 */
void server_block_signals(void);
/*
 * What the server serves besides its own endpoints (src/api/ registers itself here, so the transport
 * never includes resource handlers).
 */
typedef struct server_app {
    /* Service thread, before serving: register routes (server_route), start worker threads; on failure it
     * logs the reason (the server adds no line of its own) and returns nonzero. */
    int (*start)(void *ud, server_t *srv);
    /* After the loop ended, before the context goes: stop every thread that completes deferred responses. */
    void (*stop)(void *ud);
    void *ud;
} server_app_t;

/* Adds a route (see server/router.h); at start only. */
int server_route(server_t *srv, const route_t *route);
/* Adds a route whose POST body is a streamed multipart upload; at start only. */
int server_route_upload(server_t *srv, const route_t *route, const route_upload_ops_t *ops);
/* Serves until SIGINT/SIGTERM; returns 0 on a clean shutdown. `app` may be NULL. */
int server_run(const config_t *cfg, store_t *store, const server_app_t *app);

#endif
