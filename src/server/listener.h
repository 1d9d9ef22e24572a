/*
 * The front door: listening sockets bound exactly where told, accept, connection caps, the request
 * head read far enough to tell a dashboard WebSocket (ws.c takes it) from anything else (handed to
 * libwebsockets, its bytes unread). lws 4.1.6 bound the IPv6 wildcard for an IPv4
 * `iface`, spun on EMFILE, and let any one address hold every header table.
 */
#ifndef LINEAGED_SERVER_LISTENER_H
#define LINEAGED_SERVER_LISTENER_H

#include <libwebsockets.h>
#include <uv.h>

struct server;
typedef struct listener listener_t;

#define LISTENER_PEER_MAX 48 /* a normalised peer address: INET6_ADDRSTRLEN fits */

/*
 * Resolves cfg->host (a name: every address it has) and binds and listens on each address, nothing
 * else. Logs the reason and returns -1 when an address cannot be had.
 */
int listener_open(struct server *srv, uv_loop_t *loop);
/* Starts accepting into the lws context's default vhost. */
int listener_start(struct server *srv);
/* Stops accepting, closes the listening sockets and connections not yet handed to lws. */
void listener_stop(struct server *srv);
void listener_free(struct server *srv);

/* A dashboard WebSocket (ws.c) closed its socket. */
void listener_ws_closed(struct server *srv);
/* LWS_CALLBACK_WSI_DESTROY: the connection is gone. */
void listener_conn_closed(struct server *srv, struct lws *wsi);

/* The peer address (normalised) of a connection still on HTTP, as accepted; NULL if not known. */
const char *listener_peer(const struct server *srv, struct lws *wsi);
/* "127.0.0.1:8000 [::1]:8000": the addresses actually listened on. */
const char *listener_addresses(const struct server *srv);
/* Connections open now (HTTP, WebSocket and waiting ones) and the cap on them. */
int listener_open_count(const struct server *srv);
int listener_cap(const struct server *srv);

#endif
