/*
 * The dashboard WebSocket: handshake policy, connections owned by lineaged itself (its own
 * handshake, framing and socket I/O on the libuv loop, see docs/websocket.md), per-client delivery.
 */
#ifndef LINEAGED_SERVER_WS_H
#define LINEAGED_SERVER_WS_H

#include "server/server.h"
#include "server/session.h"
#include "server/wshand.h"

#define WS_DASHBOARD_PATH        "/admin/ws/dashboard"
#define WS_MAX_MESSAGE           65536 /* largest client message; larger closes with 1009 */
#define WS_CLOSE_GOING_AWAY      1001
#define WS_CLOSE_PROTOCOL        1002
#define WS_CLOSE_NO_STATUS       1005
#define WS_CLOSE_ABNORMAL        1006
#define WS_CLOSE_BAD_DATA        1007
#define WS_CLOSE_POLICY          1008
#define WS_CLOSE_TOO_BIG         1009
#define WS_CLOSE_TRY_AGAIN_LATER 1013
#define WS_CLOSE_REASON_MAX      95 /* a close frame's payload must stay under 126 bytes */
#define WS_BATCH_FRAMES          32 /* frames coalesced into one write */
/* What the socket refuses of one write is kept for the client, so the batch also bounds that. */
#define WS_BATCH_BYTES 4096 /* and bytes; a larger single frame goes alone */
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

/* Buffers; 0 or -1 when out of memory. */
int ws_init(server_t *srv);
void ws_free(server_t *srv);

/*
 * A connection (in srv->np) whose request head (`head_len` bytes, still unread in the socket) is a
 * WebSocket upgrade on the dashboard path; `more`: bytes follow the head. Reads the head, then either
 * answers the refusal the policy gives (and returns -1: the caller closes fd) or owns fd from then on.
 */
int ws_take(server_t *srv, int fd, const char *peer, const ws_request_t *req, size_t head_len, int more);
/*
 * LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: an upgrade libwebsockets read (not the first request of its
 * connection, or not on the dashboard path): the refusal is written, -1 returned.
 */
int ws_confirm_upgrade(server_t *srv, struct lws *wsi);
/* Appends a message for every client (making room first, see bcast.h); call ws_wake_all after a batch. */
void ws_broadcast(server_t *srv, bcast_msg_t *msg, uint64_t key, int critical);
/* Writes to every client that has something to send and whose socket took everything so far. */
void ws_wake_all(server_t *srv);
/* Connections not being closed: what capacity, /health and the gauge count. */
int ws_open_count(const server_t *srv);
/*
 * Pings clients silent for --ws-ping-interval, closes those silent past --ws-idle-timeout, drops
 * those that did not finish closing in time.
 */
void ws_check_idle(server_t *srv, int64_t now);
/* Shutdown: every client gets a close frame with 1001 (going away). */
void ws_close_all(server_t *srv);
/* Shutdown, after the grace period: the connections still open are dropped. */
void ws_drop_all(server_t *srv);

#endif
