/* The dashboard WebSocket: handshake policy, connection tracking, per-client writes. */
#ifndef LINEAGED_SERVER_WS_H
#define LINEAGED_SERVER_WS_H

#include "server/server.h"
#include "server/session.h"

#define WS_DASHBOARD_PATH "/admin/ws/dashboard"

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 lets the upgrade go on; otherwise the refusal was written. */
int ws_confirm_upgrade(server_t *srv, struct lws *wsi);
/* Handles the WebSocket callback reasons; returns what the lws callback must return. */
int ws_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in,
                size_t len);
/* Shutdown: every client gets a close frame with 1001 (going away). */
void ws_close_all(server_t *srv);

#endif
