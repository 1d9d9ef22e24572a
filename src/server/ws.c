#include "server/ws.h"

#include "server/http.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <string.h>

int ws_confirm_upgrade(server_t *srv, struct lws *wsi)
{
    char path[HTTP_MAX_PATH];
    if(lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) < 0)
        path[0] = '\0';
    http_response_t resp = {0};
    resp.close = 1;
    if(srv->stopping) {
        http_respond_error(&resp, 503, "shutting_down", "the server is shutting down");
    } else if(strcmp(path, WS_DASHBOARD_PATH) != 0) {
        http_respond_error(&resp, 404, "not_found", "WebSocket endpoint is " WS_DASHBOARD_PATH);
    } else {
        return 0;
    }
    http_write_response(wsi, &resp);
    http_respond(&resp, 0, NULL, NULL, 0); /* frees the body */
    return -1;
}

static void peer_address(struct lws *wsi, char *out, size_t outlen)
{
    lws_get_peer_simple(wsi, out, outlen);
    /* IPv4 peers may arrive IPv6-mapped; keep one spelling per address. */
    if(strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.'))
        memmove(out, out + 7, strlen(out + 7) + 1);
}

static void track(server_t *srv, ws_client_t *c)
{
    c->prev = NULL;
    c->next = srv->clients;
    if(srv->clients)
        srv->clients->prev = c;
    srv->clients = c;
    srv->n_clients++;
}

static void untrack(server_t *srv, ws_client_t *c)
{
    if(c->prev)
        c->prev->next = c->next;
    else
        srv->clients = c->next;
    if(c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    srv->n_clients--;
}

static int on_established(server_t *srv, struct lws *wsi, session_t *s)
{
    ws_client_t *c = &s->ws;
    memset(c, 0, sizeof(*c));
    s->kind = SESSION_WS;
    c->wsi = wsi;
    c->id = ++srv->next_client_id;
    c->connected_mono_ms = time_mono_ms();
    peer_address(wsi, c->peer, sizeof(c->peer));
    if(lws_hdr_copy(wsi, c->origin, sizeof(c->origin), WSI_TOKEN_ORIGIN) < 0)
        c->origin[0] = '\0';
    track(srv, c);
    log_info("ws.connected", "id=%llu peer=%s origin=%s clients=%d", (unsigned long long)c->id, c->peer,
             c->origin[0] ? c->origin : "-", srv->n_clients);
    return 0;
}

static void on_closed(server_t *srv, session_t *s, int code)
{
    ws_client_t *c = &s->ws;
    if(s->kind != SESSION_WS)
        return;
    untrack(srv, c);
    s->kind = SESSION_NONE;
    log_info("ws.disconnected", "id=%llu peer=%s origin=%s duration_s=%.3f messages_sent=%llu close_code=%d clients=%d",
             (unsigned long long)c->id, c->peer, c->origin[0] ? c->origin : "-",
             (double)(time_mono_ms() - c->connected_mono_ms) / 1000.0, (unsigned long long)c->messages_sent, code,
             srv->n_clients);
}

int ws_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in,
                size_t len)
{
    switch(reason) {
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(srv, wsi, s);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if(len >= 2 && s->kind == SESSION_WS) {
            const unsigned char *p = in;
            s->ws.closing = (p[0] << 8) | p[1];
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if(s->kind == SESSION_WS && srv->stopping) {
            static const char why[] = "server shutting down";
            lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)why, sizeof(why) - 1);
            s->ws.closing = LWS_CLOSE_STATUS_GOINGAWAY;
            return -1;
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        on_closed(srv, s, s->ws.closing ? s->ws.closing : LWS_CLOSE_STATUS_NO_STATUS);
        return 0;
    default:
        return 0;
    }
}

void ws_close_all(server_t *srv)
{
    for(ws_client_t *c = srv->clients; c; c = c->next)
        lws_callback_on_writable(c->wsi);
}
