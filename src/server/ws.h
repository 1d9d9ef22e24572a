/* The dashboard WebSocket: handshake policy, connection tracking, per-client delivery. */
#ifndef LINEAGED_SERVER_WS_H
#define LINEAGED_SERVER_WS_H

#include "server/server.h"
#include "server/session.h"

#define WS_DASHBOARD_PATH        "/admin/ws/dashboard"
#define WS_MAX_MESSAGE           65536 /* largest client message; larger closes with 1009 */
#define WS_CLOSE_TRY_AGAIN_LATER 1013  /* RFC 6455 registry; lws 4.1.6 has no name for it */
#define WS_CLOSE_REASON_MAX      95    /* a close frame's payload must stay under 126 bytes */
#define WS_BATCH_FRAMES          32    /* frames coalesced into one write */
/* What the socket refuses of one write stays in lws, so the batch also bounds that per client. */
#define WS_BATCH_BYTES 4096  /* and bytes; a larger single frame goes alone */
#define WS_TX_PACKET   65536 /* largest single send lws makes for us */
/*
 * lws's per-connection receive buffer. Client messages are reassembled in our own bounded buffer,
 * so this only has to hold a whole control frame (payload <= 125 bytes): small keeps memory per
 * idle connection low.
 */
#define WS_RX_BUFFER 128
/*
 * What all unfinished client messages may hold at once (allocated bytes): without it a crowd of slow,
 * fragmented senders could hold --max-connections x WS_MAX_MESSAGE. A message whose growth would pass
 * it is refused like an oversized one, with 1013.
 */
#define WS_RX_BUDGET (4 * 1024 * 1024)
/*
 * Frames of one client message. Every frame resets the client's idle time, so a sender trickling
 * one-byte continuations stayed connected and held its buffer forever: a message in more frames than
 * this, or still unfinished --ws-idle-timeout after its first frame, is refused with 1008.
 */
#define WS_MAX_FRAGMENTS 128

/* The write batch buffer; 0 or -1 when out of memory. */
int ws_init(server_t *srv);
void ws_free(server_t *srv);

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 lets the upgrade go on; otherwise the refusal was written. */
int ws_confirm_upgrade(server_t *srv, struct lws *wsi);
/* Handles the WebSocket callback reasons; returns what the lws callback must return. */
int ws_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in, size_t len);
/* Appends a message for every client (making room first, see bcast.h); call ws_wake_all after a batch. */
void ws_broadcast(server_t *srv, bcast_msg_t *msg, uint64_t key, int critical);
/* Asks for WRITEABLE on every client that has something to send and has not asked yet. */
void ws_wake_all(server_t *srv);
/* Connections not being closed: what capacity, /health and the gauge count. */
int ws_open_count(const server_t *srv);
/* Pings clients silent for --ws-ping-interval, closes those silent past --ws-idle-timeout. */
void ws_check_idle(server_t *srv, int64_t now);
/* Shutdown: every client gets a close frame with 1001 (going away). */
void ws_close_all(server_t *srv);

#endif
