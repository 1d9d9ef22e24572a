#include "server/ws.h"

#include "server/http.h"
#include "server/hub.h"
#include "server/listener.h"
#include "server/sendbatch.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CLOSE_SEND_TIMEOUT_S 3 /* a client too choked to take its close frame is dropped after this */

/* Whom the per-IP limit counts: the socket peer, or X-Forwarded-For's last hop via the trusted proxy. */
static void client_address(server_t *srv, struct lws *wsi, char *peer, size_t peerlen, char *addr, size_t addrlen)
{
    const char *accepted = listener_peer(srv, wsi);
    if(accepted) {
        snprintf(peer, peerlen, "%s", accepted);
    } else {
        char raw[64];
        lws_get_peer_simple(wsi, raw, sizeof(raw));
        iplimit_normalize(raw, peer, peerlen);
    }
    snprintf(addr, addrlen, "%s", peer);
    if(!srv->cfg->trusted_proxy)
        return;
    char proxy[64];
    iplimit_normalize(srv->cfg->trusted_proxy, proxy, sizeof(proxy));
    char xff[256];
    if(strcmp(proxy, peer) != 0 || lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR) <= 0)
        return;
    /* The proxy appends the address it saw: the last entry is the only one it vouches for. */
    const char *last = strrchr(xff, ',');
    char candidate[48]; /* INET6_ADDRSTRLEN fits, like the session's fields */
    iplimit_normalize(last ? last + 1 : xff, candidate, sizeof(candidate));
    unsigned char bin[16];
    if(inet_pton(AF_INET, candidate, bin) == 1 || inet_pton(AF_INET6, candidate, bin) == 1)
        snprintf(addr, addrlen, "%s", candidate);
}

/*
 * Corked from the accepted upgrade until the welcome is written: lws's 101 and our two welcome
 * frames leave as one segment, so a connect costs the loopback path once, not twice. Uncorking
 * pushes whatever is queued; a connection closed before that sends it on close.
 */
static void cork(struct lws *wsi, int on)
{
    int fd = (int)lws_get_socket_fd(wsi);
    if(fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
        log_debug("ws.cork_failed", "on=%d", on);
}

static void header_copy(struct lws *wsi, enum lws_token_indexes token, char *out, size_t outlen)
{
    if(lws_hdr_copy(wsi, out, (int)outlen, token) < 0)
        out[0] = '\0';
}

static int refuse(server_t *srv, struct lws *wsi, int status, const char *error, const char *detail, int limit)
{
    http_response_t resp = {0};
    resp.close = 1;
    if(limit > 0)
        http_respond_json(&resp, status,
                          json_pack("{s:s, s:s, s:i}", "error", error, "detail", detail, "limit", limit));
    else
        http_respond_error(&resp, status, error, detail);
    http_write_response(wsi, &resp);
    http_respond(&resp, 0, NULL, NULL, 0); /* frees the body */
    (void)srv;
    return -1;
}

static void mark_closing(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    if(c->close_code)
        return;
    c->close_code = code;
    c->close_reason = util_strndup(reason, WS_CLOSE_REASON_MAX); /* NULL: the frame goes without one */
    srv->n_closing++;
    bcast_detach(&srv->queue, &c->cursor);
}

static void request_close(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    if(c->close_code)
        return;
    mark_closing(srv, c, code, reason);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, CLOSE_SEND_TIMEOUT_S);
    lws_callback_on_writable(c->wsi);
    c->want_write = 1;
}

/* At capacity the newcomer is admitted by closing whoever has been silent longest. */
static void evict_idlest(server_t *srv)
{
    ws_client_t *victim = srv->clients;
    while(victim && victim->close_code)
        victim = victim->next;
    if(!victim)
        return;
    char reason[96];
    snprintf(reason, sizeof(reason), "server at capacity (max-connections=%d); closing the longest-idle connection",
             srv->cfg->max_connections);
    metrics_inc(&srv->metrics.ws_evicted);
    log_limited(LOG_INFO, "ws.evicted", "id=%llu peer=%s origin=%s idle_s=%.3f max_connections=%d close_code=1013",
                (unsigned long long)victim->id, victim->peer, LOG_Q(victim->origin),
                (double)(time_mono_ms() - victim->last_rx_mono_ms) / 1000.0, srv->cfg->max_connections);
    request_close(srv, victim, WS_CLOSE_TRY_AGAIN_LATER, reason);
}

/*
 * What lws checks only after this callback (and h2c, which it would switch to), checked first, so a
 * handshake that passes here becomes a WebSocket. lws 4.1.6 offers `Upgrade: h2c` to this callback
 * like `websocket` and answers 101 if allowed.
 */
static const char *handshake_error(struct lws *wsi)
{
    char value[64];
    header_copy(wsi, WSI_TOKEN_UPGRADE, value, sizeof(value));
    if(strcasecmp(value, "websocket") != 0)
        return "only Upgrade: websocket is served";
    if(lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
        return "a WebSocket handshake is a GET request";
    header_copy(wsi, WSI_TOKEN_VERSION, value, sizeof(value));
    if(strcmp(value, "13") != 0)
        return "Sec-WebSocket-Version must be 13";
    /* the key is 16 random bytes in base64: 24 characters ending in "==" */
    header_copy(wsi, WSI_TOKEN_KEY, value, sizeof(value));
    if(strlen(value) != 24 || strcmp(value + 22, "==") != 0)
        return "Sec-WebSocket-Key must be 16 bytes in base64";
    return NULL;
}

int ws_confirm_upgrade(server_t *srv, struct lws *wsi)
{
    char path[HTTP_MAX_PATH], origin[256], peer[sizeof(srv->upgrading.peer)], addr[sizeof(srv->upgrading.addr)],
        detail[320];
    const char *bad = handshake_error(wsi);
    if(bad)
        return refuse(srv, wsi, 400, "bad_handshake", bad, 0);
    header_copy(wsi, WSI_TOKEN_GET_URI, path, sizeof(path));
    if(srv->stopping)
        return refuse(srv, wsi, 503, "shutting_down", "the server is shutting down", 0);
    http_response_t misdirected = {0};
    if(!request_host_allowed(srv, wsi, &misdirected)) {
        http_write_response(wsi, &misdirected);
        http_respond(&misdirected, 0, NULL, NULL, 0); /* frees the body */
        return -1;
    }
    if(strcmp(path, WS_DASHBOARD_PATH) != 0)
        return refuse(srv, wsi, 404, "not_found", "WebSocket endpoint is " WS_DASHBOARD_PATH, 0);
    int has_origin = origin_from_request(wsi, origin, sizeof(origin));
    if(has_origin < 0)
        snprintf(origin, sizeof(origin), "(longer than %zu bytes)", sizeof(origin) - 1);
    client_address(srv, wsi, peer, sizeof(peer), addr, sizeof(addr));
    if(has_origin && (has_origin < 0 || !origin_allowed(&srv->origins, origin))) {
        metrics_inc(&srv->metrics.ws_rejected[METRICS_REJECT_ORIGIN]);
        log_limited(LOG_WARN, "ws.rejected", "reason=origin origin=%s peer=%s status=403", LOG_Q(origin), addr);
        snprintf(detail, sizeof(detail), "Origin %.200s is not allowed", origin);
        return refuse(srv, wsi, 403, "forbidden_origin", detail, 0);
    }
    int limit = srv->cfg->max_conn_per_ip;
    if(iplimit_count(srv->per_ip, addr) >= limit) {
        metrics_inc(&srv->metrics.ws_rejected[METRICS_REJECT_IP_LIMIT]);
        log_limited(LOG_WARN, "ws.rejected", "reason=ip_limit peer=%s limit=%d status=503", addr, limit);
        snprintf(detail, sizeof(detail),
                 "connection limit reached: at most %d WebSocket connections per client address", limit);
        return refuse(srv, wsi, 503, "too_many_connections", detail, limit);
    }
    srv->upgrading.wsi = wsi;
    memcpy(srv->upgrading.peer, peer, sizeof(peer));
    memcpy(srv->upgrading.addr, addr, sizeof(addr));
    cork(wsi, 1);
    return 0;
}

/* Idle order: appended at the tail on connect and on every message received. */
static void link_tail(server_t *srv, ws_client_t *c)
{
    c->next = NULL;
    c->prev = srv->clients_tail;
    if(srv->clients_tail)
        srv->clients_tail->next = c;
    else
        srv->clients = c;
    srv->clients_tail = c;
}

static void unlink_client(server_t *srv, ws_client_t *c)
{
    if(c->prev)
        c->prev->next = c->next;
    else
        srv->clients = c->next;
    if(c->next)
        c->next->prev = c->prev;
    else
        srv->clients_tail = c->prev;
    c->prev = c->next = NULL;
}

static void add_private(ws_client_t *c, bcast_msg_t *msg)
{
    if(msg && c->n_priv < WS_PRIVATE_MAX)
        c->priv[c->n_priv++] = msg;
    else
        bcast_msg_unref(msg);
}

static bcast_msg_t *encode_ack(server_t *srv, uint64_t id, int64_t stamp_ms)
{
    json_t *data = json_pack("{s:I, s:s, s:f, s:i}", "client_id", (json_int_t)id, "server_version", LINEAGED_VERSION,
                             "stats_interval_seconds", srv->cfg->stats_interval, "max_message_bytes", WS_MAX_MESSAGE);
    bcast_msg_t *msg = data ? bcast_msg_encode(EV_CONNECTION_ACK, data, stamp_ms) : NULL;
    json_decref(data);
    return msg;
}

/*
 * Clients that connect within one millisecond (one timestamp) get acks that differ only in
 * client_id: jansson serialises one with id 0 and each client's id is spliced in, so a connect burst
 * does not build and dump a JSON tree per connection.
 */
static bcast_msg_t *connection_ack(server_t *srv, const ws_client_t *c)
{
    static const char key[] = "\"client_id\":0,";
    int64_t now = hub_stamp(srv);
    if(!srv->ack || srv->ack_ms != now) {
        bcast_msg_t *msg = encode_ack(srv, 0, now);
        if(!msg)
            return NULL;
        bcast_msg_unref(srv->ack);
        srv->ack = msg;
        srv->ack_ms = now;
        const char *t = (const char *)BCAST_PAYLOAD(msg), *at = strstr(t, key);
        srv->ack_id_at = at ? (size_t)(at - t) + sizeof(key) - 3 : 0;
    }
    const char *t = (const char *)BCAST_PAYLOAD(srv->ack);
    char payload[512];
    int n = srv->ack_id_at ? snprintf(payload, sizeof(payload), "%.*s%llu%s", (int)srv->ack_id_at, t,
                                      (unsigned long long)c->id, t + srv->ack_id_at + 1)
                           : -1;
    if(n < 0 || (size_t)n >= sizeof(payload))
        return encode_ack(srv, c->id, now);
    return bcast_msg_from_payload(EV_CONNECTION_ACK, payload, (size_t)n);
}

static void want_write(ws_client_t *c)
{
    if(!c->want_write) {
        c->want_write = 1;
        lws_callback_on_writable(c->wsi);
    }
}

enum ws_rx_refusal { RX_TAKEN, RX_TOO_BIG, RX_OVER_BUDGET, RX_TOO_FRAGMENTED, RX_TOO_SLOW };

/* How each refusal is logged (ws.error error=...), counted and closed. */
static const struct {
    const char *error;
    int metric, close_code;
} refusals[] = {
    [RX_TOO_BIG] = {"message_too_big", METRICS_CLIENT_OVERSIZE, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE},
    [RX_OVER_BUDGET] = {"receive_budget", METRICS_CLIENT_OVER_BUDGET, WS_CLOSE_TRY_AGAIN_LATER},
    [RX_TOO_FRAGMENTED] = {"too_many_fragments", METRICS_CLIENT_TRICKLED, LWS_CLOSE_STATUS_POLICY_VIOLATION},
    [RX_TOO_SLOW] = {"message_too_slow", METRICS_CLIENT_TRICKLED, LWS_CLOSE_STATUS_POLICY_VIOLATION},
};

static void rx_drop(server_t *srv, ws_client_t *c)
{
    srv->ws_rx_held -= c->rx.cap;
    buf_free(&c->rx);
}

static int flush(server_t *srv, ws_client_t *c);
static void fail_async(ws_client_t *c);
static int has_pending(const server_t *srv, const ws_client_t *c);

static int on_established(server_t *srv, struct lws *wsi, session_t *s)
{
    ws_client_t *c = &s->ws;
    http_session_release(s);
    memset(c, 0, sizeof(*c));
    s->kind = SESSION_WS;
    c->wsi = wsi;
    c->fd = (int)lws_get_socket_fd(wsi);
    c->id = ++srv->next_client_id;
    c->connected_mono_ms = c->last_rx_mono_ms = time_mono_ms();
    buf_init(&c->rx, WS_MAX_MESSAGE);
    /* the addresses the handshake was checked with: no second getpeername per connect */
    if(srv->upgrading.wsi == wsi) {
        memcpy(c->peer, srv->upgrading.peer, sizeof(c->peer));
        memcpy(c->addr, srv->upgrading.addr, sizeof(c->addr));
    } else {
        client_address(srv, wsi, c->peer, sizeof(c->peer), c->addr, sizeof(c->addr));
    }
    srv->upgrading.wsi = NULL;
    char origin[256];
    int has_origin = origin_from_request(wsi, origin, sizeof(origin));
    if(has_origin)
        c->origin = util_strdup(has_origin < 0 ? "(long)" : origin); /* NULL (logged as -) if out of memory */
    link_tail(srv, c);
    srv->n_clients++;
    iplimit_add(srv->per_ip, c->addr);
    bcast_attach(&srv->queue, &c->cursor);
    metrics_inc(&srv->metrics.ws_connections_total);
    metrics_http_response(&srv->metrics, 101);
    add_private(c, connection_ack(srv, c));
    add_private(c, hub_welcome_stats(srv));
    /* Only here is the newcomer certain: a handshake lws refuses after the check must cost no one. */
    if(ws_open_count(srv) > srv->cfg->max_connections)
        evict_idlest(srv);
    log_limited(LOG_INFO, "ws.connected", "id=%llu peer=%s addr=%s origin=%s clients=%d", (unsigned long long)c->id,
                c->peer, c->addr, LOG_Q(c->origin), srv->n_clients);
    /* The welcome goes out behind the 101 when that left whole: no writable round trip per connect. */
    if(lws_partial_buffered(wsi))
        want_write(c);
    else if(flush(srv, c))
        fail_async(c);
    else if(has_pending(srv, c))
        want_write(c);
    cork(wsi, 0);
    return 0;
}

static void on_closed(server_t *srv, session_t *s)
{
    ws_client_t *c = &s->ws;
    if(s->kind != SESSION_WS)
        return;
    int code = c->close_code        ? c->close_code
               : c->peer_close_code ? c->peer_close_code
                                    : LWS_CLOSE_STATUS_ABNORMAL_CLOSE;
    unlink_client(srv, c);
    srv->n_clients--;
    if(c->close_code)
        srv->n_closing--;
    else
        bcast_detach(&srv->queue, &c->cursor);
    iplimit_remove(srv->per_ip, c->addr);
    for(int i = 0; i < c->n_priv; i++)
        bcast_msg_unref(c->priv[i]);
    c->n_priv = 0;
    rx_drop(srv, c);
    s->kind = SESSION_NONE;
    const char *reason = c->close_reason ? c->close_reason : "";
    log_limited(LOG_INFO, "ws.disconnected",
                "id=%llu peer=%s origin=%s duration_s=%.3f messages_sent=%llu close_code=%d%s%s clients=%d",
                (unsigned long long)c->id, c->peer, LOG_Q(c->origin),
                (double)(time_mono_ms() - c->connected_mono_ms) / 1000.0, (unsigned long long)c->messages_sent, code,
                reason[0] ? " reason=" : "", reason[0] ? LOG_Q(reason) : "", srv->n_clients);
    util_free(c->origin);
    util_free(c->close_reason);
    c->origin = c->close_reason = NULL;
}

/* Closes from inside a receive callback: the frame carries code and reason; the caller returns -1. */
static int close_now(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    mark_closing(srv, c, code, reason);
    c->close_sent = 1; /* lws writes this frame; send_close must not write a second */
    const char *why = c->close_reason ? c->close_reason : "";
    lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)why, strlen(why));
    return -1;
}

/* Takes the next message the client lacks: its own first, then the broadcast queue. */
static bcast_msg_t *take_next(server_t *srv, ws_client_t *c, size_t room)
{
    bcast_msg_t *m = c->n_priv ? c->priv[0] : bcast_peek(&srv->queue, &c->cursor);
    if(!m || BCAST_FRAME_LEN(m) > room)
        return NULL;
    if(c->n_priv) {
        memmove(c->priv, c->priv + 1, (size_t)(c->n_priv - 1) * sizeof(c->priv[0]));
        c->n_priv--;
        return m;
    }
    bcast_msg_ref(m);
    bcast_advance(&srv->queue, &c->cursor);
    return m;
}

/*
 * Whole frames straight to the socket: lws_write would only add its bookkeeping to the one send(),
 * and this runs once per client per broadcast. Only done while lws holds none of this connection's
 * bytes, so nothing can come between. `w` is what the socket took (or -errno); the rest goes to
 * lws_write, which keeps it, sends it before anything else and then calls WRITEABLE; until then the
 * client waits (want_write). Returns -1 when the connection failed.
 */
static int finish_write(ws_client_t *c, const unsigned char *out, size_t len, ssize_t w)
{
    if(w == (ssize_t)len)
        return 0;
    if(w < 0) {
        if(w != -EAGAIN && w != -EWOULDBLOCK && w != -EINTR)
            return -1;
        w = 0;
    }
    c->want_write = 1; /* lws asks for POLLOUT itself when it keeps bytes */
    return lws_write(c->wsi, (unsigned char *)out + w, len - (size_t)w, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

/* Takes what the client lacks, up to WS_BATCH_FRAMES frames and WS_BATCH_BYTES; returns how many. */
static int gather(server_t *srv, ws_client_t *c, bcast_msg_t **batch, size_t *bytes)
{
    int n = 0;
    *bytes = 0;
    while(n < WS_BATCH_FRAMES && (n == 0 || *bytes < WS_BATCH_BYTES)) {
        /* the first frame goes whatever its size; later ones only while they fit the buffer */
        bcast_msg_t *m = take_next(srv, c, n ? WS_BATCH_BYTES - *bytes : SIZE_MAX);
        if(!m)
            break;
        batch[n++] = m;
        *bytes += BCAST_FRAME_LEN(m);
    }
    return n;
}

/* The bytes of gathered frames: one frame as it is (ready-made, see bcast.h), several copied together. */
static const unsigned char *frames_bytes(server_t *srv, bcast_msg_t **batch, int n)
{
    if(n == 1)
        return BCAST_FRAME(batch[0]);
    for(size_t off = 0, i = 0; i < (size_t)n; off += BCAST_FRAME_LEN(batch[i]), i++)
        memcpy(srv->wbuf + off, BCAST_FRAME(batch[i]), BCAST_FRAME_LEN(batch[i]));
    return srv->wbuf;
}

/* Counts a write's frames as sent unless it failed (rc < 0), and releases them; returns rc. */
static int written(server_t *srv, ws_client_t *c, bcast_msg_t **batch, int n, int rc)
{
    for(int i = 0; i < n; i++) {
        if(rc >= 0)
            metrics_inc(&srv->metrics.ws_sent[batch[i]->type]);
        bcast_msg_unref(batch[i]);
    }
    if(rc < 0) {
        log_debug("ws.write_failed", "id=%llu peer=%s", (unsigned long long)c->id, c->peer);
        return -1;
    }
    c->messages_sent += (uint64_t)n;
    return 0;
}

/* Gathered frames in one send() now. Returns -1 when the connection failed. */
static int write_now(server_t *srv, ws_client_t *c, bcast_msg_t **batch, int n, size_t bytes)
{
    const unsigned char *out = frames_bytes(srv, batch, n);
    ssize_t w = send(c->fd, out, bytes, MSG_NOSIGNAL | MSG_DONTWAIT);
    return written(srv, c, batch, n, finish_write(c, out, bytes, w < 0 ? -errno : w));
}

/* Sends what the client lacks in one write. Returns -1 when the connection failed. */
static int flush(server_t *srv, ws_client_t *c)
{
    bcast_msg_t *batch[WS_BATCH_FRAMES];
    size_t bytes;
    int n = gather(srv, c, batch, &bytes);
    return n ? write_now(srv, c, batch, n, bytes) : 0;
}

/* Drops a connection whose socket failed, from outside its own callbacks. */
static void fail_async(ws_client_t *c)
{
    c->failed = 1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Neither side has started closing and the socket has not failed: frames may still go out. */
static int open_for_writes(const ws_client_t *c)
{
    return !c->close_code && !c->peer_close_code && !c->failed;
}

static int has_pending(const server_t *srv, const ws_client_t *c)
{
    return c->n_priv || c->cursor < srv->queue.tail;
}

/*
 * Our side of the closing handshake, written by us: lws 4.1.6 as Debian builds it (debug, libuv)
 * closes a connection twice when a WRITEABLE callback returns -1, which drops it before its close
 * frame is sent. The peer's answering close ends the connection (on_peer_close); a peer that never
 * answers is dropped by the timeout.
 */
static int send_close(ws_client_t *c)
{
    if(c->close_sent)
        return 0;
    unsigned char frame[4 + WS_CLOSE_REASON_MAX];
    size_t len = c->close_reason ? strlen(c->close_reason) : 0;
    frame[0] = 0x88; /* FIN + close */
    frame[1] = (unsigned char)(2 + len);
    frame[2] = (unsigned char)(c->close_code >> 8);
    frame[3] = (unsigned char)c->close_code;
    if(len)
        memcpy(frame + 4, c->close_reason, len);
    c->close_sent = 1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_SEND_TIMEOUT_S);
    return lws_write(c->wsi, frame, 4 + len, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

static int on_writeable(server_t *srv, ws_client_t *c)
{
    c->want_write = 0;
    if(srv->stopping && !c->close_code)
        mark_closing(srv, c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
    if(c->close_code)
        return send_close(c);
    if(c->peer_close_code)
        return 0; /* lws is answering the peer's close */
    if(flush(srv, c))
        return -1;
    if(has_pending(srv, c))
        want_write(c);
    return 0;
}

static void client_message(server_t *srv, ws_client_t *c, const char *data, size_t len)
{
    json_error_t err;
    json_t *msg = c->rx_binary ? NULL : json_loadb(data ? data : "", len, JSON_DECODE_ANY, &err);
    if(!msg) {
        metrics_inc(&srv->metrics.ws_client_messages[METRICS_CLIENT_JUNK]);
        log_debug("ws.client_junk", "id=%llu bytes=%zu binary=%d", (unsigned long long)c->id, len, c->rx_binary);
        return;
    }
    metrics_inc(&srv->metrics.ws_client_messages[METRICS_CLIENT_OK]);
    /* {"type":"get_stats"} asks for a stats_update now rather than at the next tick. */
    const char *type = json_string_value(json_object_get(msg, "type"));
    if(type && strcmp(type, "get_stats") == 0 && c->n_priv < WS_PRIVATE_MAX) {
        add_private(c, hub_welcome_stats(srv));
        want_write(c);
    }
    json_decref(msg);
}

/* Anything from the client proves it alive: it moves to the tail of the idle order. */
static void touch(server_t *srv, ws_client_t *c)
{
    c->last_rx_mono_ms = time_mono_ms();
    unlink_client(srv, c);
    link_tail(srv, c);
}

/* Appends to the unfinished message, within its own limit and the budget all of them share. */
static enum ws_rx_refusal rx_add(server_t *srv, ws_client_t *c, const void *in, size_t len, size_t remaining)
{
    /* remaining comes from the frame header (up to 2^64 - 1): compared, never added */
    size_t have = c->rx.len + len;
    if(have > WS_MAX_MESSAGE || remaining > WS_MAX_MESSAGE - have)
        return RX_TOO_BIG;
    size_t before = c->rx.cap;
    if(buf_add(&c->rx, in, len))
        return RX_TOO_BIG;
    srv->ws_rx_held += c->rx.cap - before;
    return srv->ws_rx_held > WS_RX_BUDGET ? RX_OVER_BUDGET : RX_TAKEN;
}

/*
 * One message in ever more frames, or over ever longer: refused (WS_MAX_FRAGMENTS). `new_frame`: this
 * piece starts a frame; `first`: it starts the message.
 */
static enum ws_rx_refusal rx_pace(server_t *srv, ws_client_t *c, int first, int new_frame)
{
    uint32_t now = (uint32_t)(c->last_rx_mono_ms - c->connected_mono_ms); /* differences survive a wrap */
    if(first) {
        c->rx_frames = 1;
        c->rx_began_ms = now;
        return RX_TAKEN;
    }
    if(new_frame && ++c->rx_frames > WS_MAX_FRAGMENTS)
        return RX_TOO_FRAGMENTED;
    return now - c->rx_began_ms > (uint32_t)srv->cfg->ws_idle_timeout * 1000u ? RX_TOO_SLOW : RX_TAKEN;
}

/* The close reason of a refused message. */
static void refusal_reason(const server_t *srv, enum ws_rx_refusal why, char *out, size_t outlen)
{
    switch(why) {
    case RX_TOO_BIG: snprintf(out, outlen, "message larger than %d bytes", WS_MAX_MESSAGE); break;
    case RX_OVER_BUDGET:
        snprintf(out, outlen, "server busy: unfinished messages over %d KiB in all", WS_RX_BUDGET / 1024);
        break;
    case RX_TOO_FRAGMENTED: snprintf(out, outlen, "message in more than %d fragments", WS_MAX_FRAGMENTS); break;
    case RX_TOO_SLOW:
    case RX_TAKEN:
        snprintf(out, outlen, "message unfinished %d s after its first fragment", srv->cfg->ws_idle_timeout);
        break;
    }
}

/*
 * A refused message is read to its end and dropped, then answered with a close: closing while the
 * rest is still arriving makes lws 4.1.6 lose the close frame. A sender that never finishes is cut
 * off by the close-send timeout.
 */
static int on_receive(server_t *srv, ws_client_t *c, const void *in, size_t len)
{
    touch(srv, c);
    if(c->close_code)
        return 0;
    int first = lws_is_first_fragment(c->wsi);
    if(first && !c->rx_refused) {
        buf_reset(&c->rx);
        c->rx_binary = (uint8_t)lws_frame_is_binary(c->wsi);
    }
    size_t remaining = lws_remaining_packet_payload(c->wsi);
    int done = lws_is_final_fragment(c->wsi) && remaining == 0;
    int new_frame = !c->rx_in_frame; /* a frame may arrive in several pieces */
    c->rx_in_frame = remaining > 0;
    enum ws_rx_refusal refused = RX_TAKEN;
    if(!c->rx_refused && !(refused = rx_pace(srv, c, first, new_frame))) {
        /* whole in one piece (the usual case): read in place, nothing held */
        if(first && done && len <= WS_MAX_MESSAGE)
            client_message(srv, c, in, len);
        else
            refused = rx_add(srv, c, in, len, remaining);
    }
    if(refused) {
        c->rx_refused = (uint8_t)refused;
        metrics_inc(&srv->metrics.ws_client_messages[refusals[refused].metric]);
        log_limited(LOG_WARN, "ws.error",
                    "id=%llu peer=%s origin=%s error=%s bytes_at_least=%zu held_in_all=%zu fragments=%u close_code=%d",
                    (unsigned long long)c->id, c->peer, LOG_Q(c->origin), refusals[refused].error,
                    remaining > SIZE_MAX - c->rx.len - len ? SIZE_MAX : c->rx.len + len + remaining, srv->ws_rx_held,
                    (unsigned)c->rx_frames, refusals[refused].close_code);
        rx_drop(srv, c);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, CLOSE_SEND_TIMEOUT_S);
    }
    if(c->rx_refused) {
        if(!done)
            return 0;
        char reason[80];
        refusal_reason(srv, (enum ws_rx_refusal)c->rx_refused, reason, sizeof(reason));
        return close_now(srv, c, refusals[c->rx_refused].close_code, reason);
    }
    if(done && c->rx.data) {
        client_message(srv, c, c->rx.data, c->rx.len);
        rx_drop(srv, c); /* idle clients hold no receive memory */
    }
    return 0;
}

/* RFC 6455 §7.4: codes a peer may send; lws 4.1.6 echoes some others (e.g. 5000) unchecked. */
static int close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* 0: lws echoes the close; non-zero: the connection is failed (dropped) without an echo. */
static int on_peer_close(ws_client_t *c, const unsigned char *in, size_t len)
{
    if(c->close_sent)
        return -1; /* the answer to our close: the handshake is complete */
    if(len == 0) {
        c->peer_close_code = LWS_CLOSE_STATUS_NO_STATUS;
        return 0;
    }
    int code = len >= 2 ? (in[0] << 8) | in[1] : -1;
    c->peer_close_code = code;
    if(len == 1 || !close_code_valid(code)) {
        log_limited(LOG_WARN, "ws.error",
                    "id=%llu peer=%s origin=%s error=bad_close_frame peer_code=%d close_code=1002",
                    (unsigned long long)c->id, c->peer, LOG_Q(c->origin), code);
        c->peer_close_code = LWS_CLOSE_STATUS_PROTOCOL_ERR;
        return -1;
    }
    return 0;
}

int ws_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in, size_t len)
{
    switch(reason) {
    case LWS_CALLBACK_ESTABLISHED: return on_established(srv, wsi, s);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: return s->kind == SESSION_WS ? on_peer_close(&s->ws, in, len) : 0;
    case LWS_CALLBACK_RECEIVE: return s->kind == SESSION_WS ? on_receive(srv, &s->ws, in, len) : 0;
    case LWS_CALLBACK_RECEIVE_PONG:
        if(s->kind == SESSION_WS)
            touch(srv, &s->ws);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: return s->kind == SESSION_WS ? on_writeable(srv, &s->ws) : 0;
    case LWS_CALLBACK_CLOSED: on_closed(srv, s); return 0;
    default: return 0;
    }
}

/*
 * Room for one more entry: clients still behind the oldest eighth of the queue are moved past it.
 * Skipping superseded or non-critical messages is how a slow client sheds load; a client that
 * would lose a critical one is closed with 1013 instead, like a pubsub output-buffer limit.
 */
static void make_room(server_t *srv, size_t len)
{
    bcast_queue_t *q = &srv->queue;
    while(bcast_full(q, len)) {
        uint64_t step = q->cap / 8 ? q->cap / 8 : 1;
        uint64_t new_head = q->head + step < q->tail ? q->head + step : q->tail;
        for(ws_client_t *c = srv->clients; c; c = c->next) {
            if(c->close_code || c->cursor >= new_head)
                continue;
            uint64_t skipped = 0;
            int lost_critical = bcast_catch_up(q, &c->cursor, new_head, &skipped);
            metrics_add(&srv->metrics.ws_slow_dropped, skipped);
            if(lost_critical) {
                char reason[96];
                snprintf(reason, sizeof(reason), "client too slow: more than %d messages behind", srv->cfg->ws_backlog);
                metrics_inc(&srv->metrics.ws_slow_closed);
                log_limited(LOG_WARN, "ws.error",
                            "id=%llu peer=%s origin=%s error=slow_consumer backlog_limit=%d close_code=1013",
                            (unsigned long long)c->id, c->peer, LOG_Q(c->origin), srv->cfg->ws_backlog);
                request_close(srv, c, WS_CLOSE_TRY_AGAIN_LATER, reason);
            }
        }
        bcast_drop_head(q, new_head);
    }
}

void ws_broadcast(server_t *srv, bcast_msg_t *msg, uint64_t key, int critical)
{
    make_room(srv, msg->len);
    bcast_push(&srv->queue, msg, key, critical);
}

/* Clients whose next frame goes out in the coming batch of sends. */
struct wake_batch {
    size_t n;
    sendbatch_item_t items[SENDBATCH_DEPTH];
    ws_client_t *client[SENDBATCH_DEPTH];
    bcast_msg_t *frame[SENDBATCH_DEPTH];
};

/* The batch's sends in one go (sendbatch.h), then each client's outcome as flush() has it. */
static void wake_send(server_t *srv, struct wake_batch *b)
{
    sendbatch_run(srv->sendbatch, b->items, b->n);
    for(size_t i = 0; i < b->n; i++) {
        ws_client_t *c = b->client[i];
        const sendbatch_item_t *it = &b->items[i];
        if(written(srv, c, &b->frame[i], 1, finish_write(c, it->buf, it->len, it->result)))
            fail_async(c);
        else if(has_pending(srv, c))
            want_write(c);
    }
    b->n = 0;
}

/*
 * After new broadcasts: a client whose socket took everything so far is written to right here, so
 * a delivery costs one send and no poll round trip; only a client with unsent bytes waits for
 * WRITEABLE. The sends are batched, SENDBATCH_DEPTH to a system call, in list order; a client
 * with several frames due gets them in one write of its own. A failed write cannot close the
 * connection from outside its own callback, so lws is asked to drop it on its next turn.
 */
void ws_wake_all(server_t *srv)
{
    struct wake_batch b;
    b.n = 0;
    for(ws_client_t *c = srv->clients; c; c = c->next) {
        if(!open_for_writes(c) || c->want_write || !has_pending(srv, c))
            continue;
        if(lws_partial_buffered(c->wsi)) {
            want_write(c);
            continue;
        }
        bcast_msg_t *frames[WS_BATCH_FRAMES];
        size_t bytes;
        int n = gather(srv, c, frames, &bytes);
        if(n == 1) {
            b.items[b.n] = (sendbatch_item_t){c->fd, BCAST_FRAME(frames[0]), bytes, 0};
            b.client[b.n] = c;
            b.frame[b.n++] = frames[0];
            if(b.n == SENDBATCH_DEPTH)
                wake_send(srv, &b);
        } else if(n > 1 && write_now(srv, c, frames, n, bytes)) {
            fail_async(c);
        } else if(n > 1 && has_pending(srv, c)) {
            want_write(c);
        }
    }
    wake_send(srv, &b);
}

/*
 * Ping and idle policy, kept here rather than in lws: lws keeps one timer per connection in a
 * sorted list, so every connect and every message paid a walk over all connections. The idle
 * order makes this walk stop at the first client that spoke recently.
 */
void ws_check_idle(server_t *srv, int64_t now)
{
    int64_t ping_ms = (int64_t)srv->cfg->ws_ping_interval * 1000;
    int64_t hangup_ms =
        (int64_t)(srv->cfg->ws_idle_timeout > srv->cfg->ws_ping_interval ? srv->cfg->ws_idle_timeout
                                                                         : srv->cfg->ws_ping_interval + 1) *
        1000;
    for(ws_client_t *c = srv->clients, *next; c && now - c->last_rx_mono_ms >= ping_ms; c = next) {
        next = c->next;
        if(!open_for_writes(c))
            continue;
        int64_t idle = now - c->last_rx_mono_ms;
        if(idle >= hangup_ms) {
            char reason[64];
            snprintf(reason, sizeof(reason), "no answer to pings for %lld s", (long long)(idle / 1000));
            log_limited(LOG_INFO, "ws.idle_timeout", "id=%llu peer=%s origin=%s idle_s=%.3f close_code=1001",
                        (unsigned long long)c->id, c->peer, LOG_Q(c->origin), (double)idle / 1000.0);
            request_close(srv, c, LWS_CLOSE_STATUS_GOINGAWAY, reason);
        } else if(c->last_ping_mono_ms <= c->last_rx_mono_ms && !lws_partial_buffered(c->wsi)) {
            /* lws 4.1.6 reports no empty pong to us, so the ping carries a payload to echo */
            static const unsigned char ping[6] = {0x89, 0x04, 'p', 'i', 'n', 'g'};
            c->last_ping_mono_ms = now;
            if(lws_write(c->wsi, (unsigned char *)ping, sizeof(ping), LWS_WRITE_RAW) < 0)
                fail_async(c);
        }
    }
}

int ws_open_count(const server_t *srv)
{
    return srv->n_clients - srv->n_closing;
}

int ws_init(server_t *srv)
{
    srv->wbuf = util_malloc(WS_BATCH_BYTES);
    srv->sendbatch = sendbatch_new(1);
    return srv->wbuf && srv->sendbatch ? 0 : -1;
}

void ws_free(server_t *srv)
{
    util_free(srv->wbuf);
    srv->wbuf = NULL;
    sendbatch_free(srv->sendbatch);
    srv->sendbatch = NULL;
    bcast_msg_unref(srv->ack);
    srv->ack = NULL;
}

void ws_close_all(server_t *srv)
{
    for(ws_client_t *c = srv->clients; c; c = c->next)
        lws_callback_on_writable(c->wsi);
}
