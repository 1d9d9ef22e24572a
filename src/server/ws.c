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
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLOSE_WAIT_MS  3000 /* a client that does not finish the closing handshake is dropped after this */
#define RX_CHUNK       (WS_MAX_MESSAGE + 16) /* one read: a whole largest message fits, frame header and all */
#define TX_CONTROL_MAX 1024 /* control frames queued behind a refused write; a client that makes more is dropped */
#define TX_OVER_CONTROL_MAX (-2) /* tx_keep's answer when a control frame would pass TX_CONTROL_MAX */
#define HANDSHAKE_ROOM 256  /* the 101's bytes */

/*
 * What lws 4.1.6 checked only after its confirm callback, or not at all (h2c, version 99, short
 * keys), checked first: a handshake that passes here becomes a WebSocket.
 */
static const char *handshake_error(const ws_request_t *req)
{
    if(req->upgrade != 1 || strcasecmp(req->upgrade_v, "websocket") != 0)
        return "only Upgrade: websocket is served";
    if(!req->is_get)
        return "a WebSocket handshake is a GET request";
    /* its bytes after the head are frames: a proxy would send them on as a body */
    if(req->body)
        return "a WebSocket handshake has no body (no Content-Length but 0, no Transfer-Encoding)";
    if(req->version != 1 || strcmp(req->version_v, "13") != 0)
        return "Sec-WebSocket-Version must be 13";
    if(!req->host)
        return "a WebSocket handshake must carry a Host header (RFC 6455 section 4.1)";
    /* the key is 16 random bytes in base64: 24 characters ending in "==" */
    if(req->key != 1 || strlen(req->key_v) != 24 || strcmp(req->key_v + 22, "==") != 0)
        return "Sec-WebSocket-Key must be 16 bytes in base64";
    return NULL;
}

static void refusal(http_response_t *resp, int status, const char *error, const char *detail, int limit)
{
    resp->close = 1;
    if(limit > 0)
        http_respond_json(resp, status, json_pack("{s:s, s:s, s:i}", "error", error, "detail", detail, "limit", limit));
    else
        http_respond_error(resp, status, error, detail);
}

/*
 * The handshake policy (docs/websocket.md). 0: the connection may become a WebSocket, `addr` is its
 * per-IP key; otherwise `resp` holds the refusal.
 */
static int check_handshake(server_t *srv, const ws_request_t *req, const char *peer, char addr[48],
                           http_response_t *resp)
{
    char detail[320];
    const char *bad = handshake_error(req);
    if(bad) {
        refusal(resp, 400, "bad_handshake", bad, 0);
        if(req->version != 1 || strcmp(req->version_v, "13") != 0)
            resp->ws_version = 13; /* the one it speaks, so a client offering another can retry with it */
        return -1;
    }
    if(srv->stopping) {
        refusal(resp, 503, "shutting_down", "the server is shutting down", 0);
        return -1;
    }
    if(!http_host_allowed(srv, req->host, req->host_v, resp))
        return -1;
    if(strcmp(req->path, WS_DASHBOARD_PATH) != 0) {
        refusal(resp, 404, "not_found", "WebSocket endpoint is " WS_DASHBOARD_PATH, 0);
        return -1;
    }
    iplimit_client(srv->cfg->trusted_proxy, peer, req->xff == 1 ? req->xff_v : NULL, addr, 48);
    if(req->origin && (req->origin < 0 || !origin_allowed(&srv->origins, req->origin_v))) {
        char origin[300];
        if(req->origin < 0)
            snprintf(origin, sizeof(origin), "(longer than %zu bytes)", sizeof(req->origin_v) - 1);
        else
            snprintf(origin, sizeof(origin), "%s", req->origin_v);
        metrics_inc(&srv->metrics.ws_rejected[METRICS_REJECT_ORIGIN]);
        log_limited(LOG_WARN, "ws.rejected", "reason=origin origin=%s peer=%s status=403", LOG_Q(origin), addr);
        snprintf(detail, sizeof(detail), "Origin %.200s is not allowed", origin);
        refusal(resp, 403, "forbidden_origin", detail, 0);
        return -1;
    }
    int limit = srv->cfg->max_conn_per_ip;
    if(iplimit_count(srv->per_ip, addr) >= limit) {
        metrics_inc(&srv->metrics.ws_rejected[METRICS_REJECT_IP_LIMIT]);
        log_limited(LOG_WARN, "ws.rejected", "reason=ip_limit peer=%s limit=%d status=503", addr, limit);
        snprintf(detail, sizeof(detail),
                 "connection limit reached: at most %d WebSocket connections per client address", limit);
        refusal(resp, 503, "too_many_connections", detail, limit);
        return -1;
    }
    return 0;
}

static void header_copy(struct lws *wsi, enum lws_token_indexes token, int *has, char *out, size_t outlen)
{
    out[0] = '\0';
    *has = 0;
    if(lws_hdr_total_length(wsi, token) > 0)
        *has = lws_hdr_copy(wsi, out, (int)outlen, token) < 0 ? -1 : 1;
}

int ws_confirm_upgrade(server_t *srv, struct lws *wsi)
{
    ws_request_t req;
    memset(&req, 0, sizeof(req));
    int has = 0;
    header_copy(wsi, WSI_TOKEN_GET_URI, &has, req.path, sizeof(req.path));
    req.is_get = has == 1;
    header_copy(wsi, WSI_TOKEN_UPGRADE, &req.upgrade, req.upgrade_v, sizeof(req.upgrade_v));
    header_copy(wsi, WSI_TOKEN_VERSION, &req.version, req.version_v, sizeof(req.version_v));
    header_copy(wsi, WSI_TOKEN_KEY, &req.key, req.key_v, sizeof(req.key_v));
    header_copy(wsi, WSI_TOKEN_HOST, &req.host, req.host_v, sizeof(req.host_v));
    header_copy(wsi, WSI_TOKEN_ORIGIN, &req.origin, req.origin_v, sizeof(req.origin_v));
    header_copy(wsi, WSI_TOKEN_X_FORWARDED_FOR, &req.xff, req.xff_v, sizeof(req.xff_v));
    char length[24];
    req.body = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 ||
               (lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH) != 0 &&
                strcmp(length, "0") != 0);
    char peer[48], raw[64], addr[48];
    const char *accepted = listener_peer(srv, wsi);
    if(!accepted) {
        lws_get_peer_simple(wsi, raw, sizeof(raw));
        iplimit_normalize(raw, peer, sizeof(peer));
        accepted = peer;
    }
    http_response_t resp = {0};
    /* the dashboard's WebSockets are read by lineaged from their first byte (listener.c): one that
     * reaches lws came after another request on its connection */
    if(!check_handshake(srv, &req, accepted, addr, &resp))
        refusal(&resp, 400, "bad_handshake", "a WebSocket handshake must be the first request on its connection", 0);
    http_write_response(wsi, &resp);
    http_respond(&resp, 0, NULL, NULL, 0); /* frees the body */
    return -1;
}

/* Idle order: appended at the tail on connect and on every read. */
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

static void closing_unlink(server_t *srv, ws_client_t *c)
{
    if(!c->close_by_ms)
        return;
    if(c->cprev)
        c->cprev->cnext = c->cnext;
    else
        srv->closing = c->cnext;
    if(c->cnext)
        c->cnext->cprev = c->cprev;
    else
        srv->closing_tail = c->cprev;
    c->cprev = c->cnext = NULL;
    c->close_by_ms = 0;
}

/* Every closing client waits the same time, so appending keeps the list in deadline order. */
static void closing_link(server_t *srv, ws_client_t *c)
{
    if(c->close_by_ms)
        return;
    c->close_by_ms = time_mono_ms() + CLOSE_WAIT_MS;
    c->cnext = NULL;
    c->cprev = srv->closing_tail;
    if(srv->closing_tail)
        srv->closing_tail->cnext = c;
    else
        srv->closing = c;
    srv->closing_tail = c;
}

static void rx_drop(server_t *srv, ws_client_t *c)
{
    srv->ws_rx_held -= c->rx.cap;
    buf_free(&c->rx);
}

/* The connection is over: it is freed by reap(), when no caller holds it any more. */
static void fail(server_t *srv, ws_client_t *c)
{
    if(c->dead)
        return;
    c->dead = 1;
    c->dead_next = srv->ws_dead;
    srv->ws_dead = c;
}

static void finish(server_t *srv, ws_client_t *c)
{
    int code = c->close_code ? c->close_code : c->peer_close_code ? c->peer_close_code : WS_CLOSE_ABNORMAL;
    netpoll_forget(&srv->np, c->fd);
    close(c->fd); /* also takes it out of the epoll set */
    listener_ws_closed(srv);
    unlink_client(srv, c);
    closing_unlink(srv, c);
    srv->n_clients--;
    if(c->close_code)
        srv->n_closing--;
    else
        bcast_detach(&srv->queue, &c->cursor);
    iplimit_remove(srv->per_ip, c->addr);
    for(int i = 0; i < c->n_priv; i++)
        bcast_msg_unref(c->priv[i]);
    rx_drop(srv, c);
    const char *reason = c->close_reason ? c->close_reason : "";
    log_limited(LOG_INFO, "ws.disconnected",
                "id=%llu peer=%s origin=%s duration_s=%.3f messages_sent=%llu close_code=%d%s%s clients=%d",
                (unsigned long long)c->id, c->peer, LOG_Q(c->origin),
                (double)(time_mono_ms() - c->connected_mono_ms) / 1000.0, (unsigned long long)c->messages_sent, code,
                reason[0] ? " reason=" : "", reason[0] ? LOG_Q(reason) : "", srv->n_clients);
    util_free(c->origin);
    util_free(c->close_reason);
    util_free(c->tx);
    util_free(c);
}

static void reap(server_t *srv)
{
    while(srv->ws_dead) {
        ws_client_t *c = srv->ws_dead;
        srv->ws_dead = c->dead_next;
        finish(srv, c);
    }
}

/* Keeps bytes the socket refused; control frames may queue behind them, within TX_CONTROL_MAX. */
static int tx_keep(ws_client_t *c, const unsigned char *p, size_t n)
{
    size_t have = c->tx_len - c->tx_off;
    if(have) {
        if(c->tx_extra + n > TX_CONTROL_MAX)
            return TX_OVER_CONTROL_MAX;
        c->tx_extra += n;
    }
    unsigned char *t = util_malloc(have + n);
    if(!t)
        return -1;
    if(have)
        memcpy(t, c->tx + c->tx_off, have);
    memcpy(t + have, p, n);
    util_free(c->tx);
    c->tx = t;
    c->tx_len = have + n;
    c->tx_off = 0;
    return 0;
}

/* After a send that took `w` bytes of n (or -errno): the rest is kept. -1 when the connection failed. */
static int tx_result(ws_client_t *c, const unsigned char *p, size_t n, ssize_t w)
{
    if(w < 0) {
        if(w != -EAGAIN && w != -EWOULDBLOCK && w != -EINTR)
            return -1;
        w = 0;
    }
    c->tx_sent += (size_t)w;
    if(w == (ssize_t)n)
        return 0;
    return tx_keep(c, p + w, n - (size_t)w);
}

/*
 * One send(); what the socket refuses is kept and sent first when it has room again (the edge-
 * triggered EPOLLOUT says so). Returns -1 when the connection failed.
 */
static int tx_write(ws_client_t *c, const unsigned char *p, size_t n)
{
    if(c->tx_len)
        return tx_keep(c, p, n);
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    return tx_result(c, p, n, w < 0 ? -errno : w);
}

/* 1: everything kept went out; 0: the socket is full again; -1: failed. */
static int tx_drain(ws_client_t *c)
{
    while(c->tx_off < c->tx_len) {
        ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if(w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EINTR ? 0 : -1;
        c->tx_off += (size_t)w;
        c->tx_sent += (size_t)w;
    }
    util_free(c->tx);
    c->tx = NULL;
    c->tx_len = c->tx_off = c->tx_extra = 0;
    return 1;
}

static int control_frame(ws_client_t *c, int opcode, const unsigned char *p, size_t n)
{
    unsigned char f[2 + 125];
    f[0] = (unsigned char)(0x80 | opcode);
    f[1] = (unsigned char)n;
    if(n)
        memcpy(f + 2, p, n);
    return tx_write(c, f, 2 + n);
}

static void mark_closing(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    if(c->close_code)
        return;
    c->close_code = code;
    c->close_reason = util_strndup(reason, WS_CLOSE_REASON_MAX); /* NULL: the frame goes without one */
    srv->n_closing++;
    bcast_detach(&srv->queue, &c->cursor);
    closing_link(srv, c);
}

/* Our close frame (behind whatever the socket refused); the peer's answering close ends it. */
static void send_close(server_t *srv, ws_client_t *c)
{
    if(c->close_sent)
        return;
    unsigned char payload[2 + WS_CLOSE_REASON_MAX];
    size_t len = c->close_reason ? strlen(c->close_reason) : 0;
    payload[0] = (unsigned char)(c->close_code >> 8);
    payload[1] = (unsigned char)c->close_code;
    if(len)
        memcpy(payload + 2, c->close_reason, len);
    c->close_sent = 1;
    if(control_frame(c, 0x8, payload, 2 + len))
        fail(srv, c);
}

static void request_close(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    if(c->close_code || c->dead)
        return;
    mark_closing(srv, c, code, reason);
    send_close(srv, c);
}

/*
 * Closes after bad input: the close frame, then our side of the stream is shut so the peer sees the
 * end at once; what it still sends is read and ignored until it closes (or CLOSE_WAIT_MS pass).
 */
static void close_for_input(server_t *srv, ws_client_t *c, int code, const char *reason)
{
    c->rx_off = 1;
    request_close(srv, c, code, reason);
    if(!c->dead && !c->tx_len)
        shutdown(c->fd, SHUT_WR);
}

/* At capacity the newcomer is admitted by closing whoever has been silent longest. */
static void evict_idlest(server_t *srv)
{
    ws_client_t *victim = srv->clients;
    while(victim && (victim->close_code || victim->dead))
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
 * Takes what the client lacks, up to WS_BATCH_FRAMES frames and WS_BATCH_BYTES in all behind `lead`
 * bytes (the first frame goes whatever its size when nothing leads it); returns how many.
 */
static int gather(server_t *srv, ws_client_t *c, bcast_msg_t **batch, size_t lead, size_t *bytes)
{
    int n = 0;
    *bytes = lead;
    while(n < WS_BATCH_FRAMES && (n == 0 || *bytes < WS_BATCH_BYTES)) {
        size_t room = n || lead ? (*bytes < WS_BATCH_BYTES ? WS_BATCH_BYTES - *bytes : 0) : SIZE_MAX;
        bcast_msg_t *m = take_next(srv, c, room);
        if(!m)
            break;
        batch[n++] = m;
        *bytes += BCAST_FRAME_LEN(m);
    }
    return n;
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

/*
 * Sends what the client lacks in one write (frames are ready-made, see bcast.h: one goes straight
 * from the shared buffer, several are gathered into srv->wbuf), behind `lead` bytes already in
 * srv->wbuf (the 101 of a new connection). Returns -1 when the connection failed.
 */
static int flush_after(server_t *srv, ws_client_t *c, size_t lead)
{
    bcast_msg_t *batch[WS_BATCH_FRAMES];
    size_t bytes;
    int n = gather(srv, c, batch, lead, &bytes);
    if(!n && !lead)
        return 0;
    unsigned char *out = n == 1 && !lead ? BCAST_FRAME(batch[0]) : srv->wbuf;
    if(out == srv->wbuf) {
        for(size_t off = lead, i = 0; i < (size_t)n; off += BCAST_FRAME_LEN(batch[i]), i++)
            memcpy(out + off, BCAST_FRAME(batch[i]), BCAST_FRAME_LEN(batch[i]));
    }
    return written(srv, c, batch, n, tx_write(c, out, bytes));
}

static int has_pending(const server_t *srv, const ws_client_t *c)
{
    return c->n_priv || c->cursor < srv->queue.tail;
}

/* Neither side has started closing and the socket has not failed: frames may still go out. */
static int open_for_writes(const ws_client_t *c)
{
    return !c->close_code && !c->peer_close_code && !c->dead;
}

/* Writes what the client lacks while its socket takes it all. */
static void write_more(server_t *srv, ws_client_t *c)
{
    while(open_for_writes(c) && !c->tx_len && has_pending(srv, c)) {
        if(flush_after(srv, c, 0)) {
            fail(srv, c);
            return;
        }
    }
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
        write_more(srv, c);
    }
    json_decref(msg);
}

/* Anything from the client proves it alive: it moves to the tail of the idle order. */
static void touch(server_t *srv, ws_client_t *c)
{
    c->last_rx_mono_ms = time_mono_ms();
    c->acked_look_ms = 0;
    unlink_client(srv, c);
    link_tail(srv, c);
}

enum ws_rx_refusal { RX_TAKEN, RX_TOO_BIG, RX_OVER_BUDGET, RX_TOO_FRAGMENTED, RX_TOO_SLOW };

static void end_refused(server_t *srv, ws_client_t *c);

/* How each refusal is logged (ws.error error=...), counted and closed. */
static const struct {
    const char *error;
    int metric, close_code;
} refusals[] = {
    [RX_TOO_BIG] = {"message_too_big", METRICS_CLIENT_OVERSIZE, WS_CLOSE_TOO_BIG},
    [RX_OVER_BUDGET] = {"receive_budget", METRICS_CLIENT_OVER_BUDGET, WS_CLOSE_TRY_AGAIN_LATER},
    [RX_TOO_FRAGMENTED] = {"too_many_fragments", METRICS_CLIENT_TRICKLED, WS_CLOSE_POLICY},
    [RX_TOO_SLOW] = {"message_too_slow", METRICS_CLIENT_TRICKLED, WS_CLOSE_POLICY},
};

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
 * A refused message: logged, counted, its bytes dropped. An oversized one (known from a frame
 * header) is closed at once; the others are read to their end and closed there, as they were under
 * lws (a sender that never ends its message is dropped after CLOSE_WAIT_MS, without a close frame).
 */
static void refuse_message(server_t *srv, ws_client_t *c, enum ws_rx_refusal why, size_t at_least)
{
    metrics_inc(&srv->metrics.ws_client_messages[refusals[why].metric]);
    log_limited(LOG_WARN, "ws.error",
                "id=%llu peer=%s origin=%s error=%s bytes_at_least=%zu held_in_all=%zu fragments=%u close_code=%d",
                (unsigned long long)c->id, c->peer, LOG_Q(c->origin), refusals[why].error, at_least, srv->ws_rx_held,
                (unsigned)c->rx_frames, refusals[why].close_code);
    rx_drop(srv, c);
    c->rx_refused = (uint8_t)why;
    closing_link(srv, c);
    if(why == RX_TOO_BIG)
        end_refused(srv, c);
}

/* The end of a refused message: its close. */
static void end_refused(server_t *srv, ws_client_t *c)
{
    char reason[80];
    enum ws_rx_refusal why = (enum ws_rx_refusal)c->rx_refused;
    refusal_reason(srv, why, reason, sizeof(reason));
    close_for_input(srv, c, refusals[why].close_code, reason);
}

/* One message in ever more frames, or over ever longer (WS_MAX_FRAGMENTS). */
static enum ws_rx_refusal rx_pace(server_t *srv, ws_client_t *c, int first, int new_frame)
{
    if(first) {
        c->rx_frames = 1;
        c->rx_began_ms = c->last_rx_mono_ms;
        return RX_TAKEN;
    }
    if(new_frame && ++c->rx_frames > WS_MAX_FRAGMENTS)
        return RX_TOO_FRAGMENTED;
    return c->last_rx_mono_ms - c->rx_began_ms > (int64_t)srv->cfg->ws_idle_timeout * 1000 ? RX_TOO_SLOW : RX_TAKEN;
}

/* Message bytes (wsframe.h). A message whole in one read is parsed in place and holds nothing. */
static int on_data(void *ud, int binary, int first, int last, const unsigned char *p, size_t len, uint64_t left)
{
    ws_client_t *c = ud;
    server_t *srv = c->srv;
    int new_frame = !c->rx_in_frame;
    c->rx_in_frame = left > 0;
    if(c->close_code)
        return 0; /* closing: messages are no longer read */
    if(first) {
        buf_reset(&c->rx);
        c->rx_binary = (uint8_t)binary;
        c->rx_refused = RX_TAKEN;
    }
    if(!c->rx_refused) {
        enum ws_rx_refusal why = rx_pace(srv, c, first, new_frame);
        if(!why && first && last) {
            client_message(srv, c, (const char *)p, len);
            return c->dead;
        }
        size_t before = c->rx.cap;
        if(!why && buf_add(&c->rx, p, len))
            why = RX_TOO_BIG;
        if(!why) {
            srv->ws_rx_held += c->rx.cap - before;
            if(srv->ws_rx_held > WS_RX_BUDGET)
                why = RX_OVER_BUDGET;
        }
        if(why)
            refuse_message(srv, c, why, c->rx.len + len);
    }
    if(!last)
        return c->dead || c->close_code;
    if(c->rx_refused) {
        end_refused(srv, c);
        return 1;
    }
    client_message(srv, c, c->rx.data, c->rx.len);
    rx_drop(srv, c); /* idle clients hold no receive memory */
    return c->dead;
}

/* RFC 6455 §7.4: codes a peer may send. */
static int close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/*
 * RFC 6455 §5.5.1: the peer's close is answered. An answer the socket does not take at once waits
 * behind the unsent rest of one write: messages not yet written are dropped, further input is
 * ignored, and the connection ends once it is out (or after CLOSE_WAIT_MS, as any closing client).
 */
static void answer_close(server_t *srv, ws_client_t *c, int code, const unsigned char *p, size_t len)
{
    if(control_frame(c, 0x8, p, len) || !c->tx_len) {
        fail(srv, c);
        return;
    }
    mark_closing(srv, c, code, "");
    c->close_sent = 1;
    c->rx_off = 1;
}

static void bad_close(server_t *srv, ws_client_t *c, int code, int answer)
{
    log_limited(LOG_WARN, "ws.error", "id=%llu peer=%s origin=%s error=bad_close_frame peer_code=%d close_code=1002",
                (unsigned long long)c->id, c->peer, LOG_Q(c->origin), code);
    c->peer_close_code = WS_CLOSE_PROTOCOL;
    unsigned char p[2] = {WS_CLOSE_PROTOCOL >> 8, WS_CLOSE_PROTOCOL & 0xFF};
    if(answer)
        answer_close(srv, c, WS_CLOSE_PROTOCOL, p, 2);
    else
        fail(srv, c);
}

/*
 * The peer's close: the answer to ours ends the connection; otherwise its code is echoed and the
 * connection closed. Reserved codes (below 1000, 1004-1006, 1016-2999) are answered with 1002; a
 * one-byte payload, an unassigned code (1015, 5000 and up) or a reason that is not UTF-8 drops the
 * connection without an answer, as under lws.
 */
static void on_peer_close(server_t *srv, ws_client_t *c, const unsigned char *p, size_t len)
{
    if(c->close_code) {
        fail(srv, c); /* the answer to our close (or both closed at once): the handshake is complete */
        return;
    }
    int code = len >= 2 ? (p[0] << 8) | p[1] : len ? -1 : WS_CLOSE_NO_STATUS;
    if(len == 1 || (len >= 2 && (!close_code_valid(code) || !wsframe_utf8_valid(p + 2, len - 2)))) {
        int reserved = code < 1000 || (code >= 1004 && code <= 1006) || (code >= 1016 && code <= 2999);
        bad_close(srv, c, code, len >= 2 && reserved && wsframe_utf8_valid(p + 2, len - 2));
    } else {
        c->peer_close_code = code;
        answer_close(srv, c, code, p, len >= 2 ? 2 : 0);
    }
}

static int on_control(void *ud, int opcode, const unsigned char *p, size_t len)
{
    ws_client_t *c = ud;
    server_t *srv = c->srv;
    if(opcode == WSF_CLOSE) {
        on_peer_close(srv, c, p, len);
        return 1;
    }
    /* Pings between fragments keep a client from idling out, not its unfinished message. */
    if(c->fr.msg_op && !c->rx_refused && !c->close_code && rx_pace(srv, c, 0, 0) == RX_TOO_SLOW) {
        refuse_message(srv, c, RX_TOO_SLOW, c->rx.len);
        end_refused(srv, c);
        return 1;
    }
    int rc = opcode == WSF_PING && !c->close_sent ? control_frame(c, WSF_PONG, p, len) : 0;
    if(rc == TX_OVER_CONTROL_MAX) {
        /* no room left even for a close frame: dropped, and the log says why */
        log_limited(LOG_WARN, "ws.error", "id=%llu peer=%s origin=%s error=ping_flood control_limit=%d close_code=%d",
                    (unsigned long long)c->id, c->peer, LOG_Q(c->origin), TX_CONTROL_MAX, WS_CLOSE_ABNORMAL);
        if(!c->close_reason)
            c->close_reason = util_strndup("unread pongs over the 1 KiB bound on queued control frames", WS_CLOSE_REASON_MAX);
    }
    if(rc)
        fail(srv, c);
    return c->dead;
}

static const wsframe_ops_t frame_ops = {on_data, on_control};

static void bad_input(server_t *srv, ws_client_t *c, enum wsframe_result r)
{
    if(r == WSF_TOO_BIG) {
        refuse_message(srv, c, RX_TOO_BIG, WS_MAX_MESSAGE + 1);
        return;
    }
    if(r == WSF_DROP) {
        c->peer_close_code = WS_CLOSE_PROTOCOL;
        fail(srv, c);
        return;
    }
    int code = r == WSF_BAD_UTF8 ? WS_CLOSE_BAD_DATA : WS_CLOSE_PROTOCOL;
    log_limited(LOG_WARN, "ws.error", "id=%llu peer=%s origin=%s error=%s close_code=%d", (unsigned long long)c->id,
                c->peer, LOG_Q(c->origin), r == WSF_BAD_UTF8 ? "invalid_utf8" : "protocol_error", code);
    close_for_input(srv, c, code, r == WSF_BAD_UTF8 ? "text is not valid UTF-8" : "protocol error");
}

static void on_readable(server_t *srv, ws_client_t *c)
{
    for(;;) {
        ssize_t n = recv(c->fd, srv->rbuf, RX_CHUNK, 0);
        if(n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            fail(srv, c);
            return;
        }
        if(n < 0)
            return;
        if(!c->rx_off) {
            touch(srv, c);
            enum wsframe_result r = wsframe_feed(&c->fr, srv->rbuf, (size_t)n, &frame_ops, c);
            if(r != WSF_OK && r != WSF_STOPPED)
                bad_input(srv, c, r);
            if(r != WSF_OK)
                c->rx_off = 1;
        }
        /* a short read emptied the socket; edge-triggered, the next bytes raise a new event */
        if(c->dead || (size_t)n < RX_CHUNK)
            return;
    }
}

static void on_event(void *owner, int fd, uint32_t events)
{
    ws_client_t *c = owner;
    server_t *srv = c->srv;
    (void)fd;
    if((events & EPOLLOUT) && c->tx_len) {
        int r = tx_drain(c);
        if(r < 0)
            fail(srv, c);
        else if(r > 0 && c->close_code && !c->close_sent)
            send_close(srv, c);
        else if(r > 0 && c->close_sent && c->rx_off)
            shutdown(c->fd, SHUT_WR);
        else if(r > 0)
            write_more(srv, c);
    }
    if(!c->dead && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        on_readable(srv, c);
    reap(srv);
}

/* The 101 and the welcome (connection_ack, stats_update) leave in one write. */
static int handshake_reply(server_t *srv, ws_client_t *c, const char *key)
{
    char accept[29];
    if(wshand_accept(srv->sha1, key, accept))
        return -1;
    int n = snprintf((char *)srv->wbuf, HANDSHAKE_ROOM,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    if(n <= 0 || n >= HANDSHAKE_ROOM)
        return -1;
    return flush_after(srv, c, (size_t)n);
}

int ws_take(server_t *srv, int fd, const char *peer, const ws_request_t *req, size_t head_len, int more)
{
    /* the head was only peeked at: it leaves the socket now, so the frames behind it are read next */
    char head[WSHAND_HEAD_MAX];
    if(recv(fd, head, head_len, 0) != (ssize_t)head_len)
        return -1;
    char addr[48];
    http_response_t resp = {0};
    if(check_handshake(srv, req, peer, addr, &resp)) {
        unsigned char out[1024 + 512];
        size_t n = http_render_response(&resp, out, sizeof(out));
        if(n && send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
            metrics_http_response(&srv->metrics, resp.status);
        http_respond(&resp, 0, NULL, NULL, 0); /* frees the body */
        return -1;
    }
    ws_client_t *c = util_calloc(1, sizeof(*c));
    if(!c) {
        log_error("ws.out_of_memory", "what=connection");
        return -1;
    }
    netpoll_set(&srv->np, fd, on_event, c); /* in the set since it was accepted */
    c->srv = srv;
    c->fd = fd;
    c->id = ++srv->next_client_id;
    c->connected_mono_ms = c->last_rx_mono_ms = time_mono_ms();
    buf_init(&c->rx, WS_MAX_MESSAGE);
    wsframe_init(&c->fr, WS_MAX_MESSAGE);
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    memcpy(c->addr, addr, sizeof(c->addr));
    if(req->origin)
        c->origin = util_strdup(req->origin < 0 ? "(long)" : req->origin_v); /* NULL (logged as -) if out of memory */
    link_tail(srv, c);
    srv->n_clients++;
    iplimit_add(srv->per_ip, c->addr);
    bcast_attach(&srv->queue, &c->cursor);
    metrics_inc(&srv->metrics.ws_connections_total);
    metrics_http_response(&srv->metrics, 101);
    add_private(c, connection_ack(srv, c));
    add_private(c, hub_welcome_stats(srv));
    if(ws_open_count(srv) > srv->cfg->max_connections)
        evict_idlest(srv);
    log_limited(LOG_INFO, "ws.connected", "id=%llu peer=%s addr=%s origin=%s clients=%d", (unsigned long long)c->id,
                c->peer, c->addr, LOG_Q(c->origin), srv->n_clients);
    if(handshake_reply(srv, c, req->key_v))
        fail(srv, c);
    else
        write_more(srv, c);
    /* frames that came with the head raise no new edge: read them now */
    if(more && !c->dead)
        on_readable(srv, c);
    reap(srv);
    return 0;
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

/* The batch's sends in one go (sendbatch.h), then each client's outcome as a send of its own has it. */
static void wake_send(server_t *srv, struct wake_batch *b)
{
    sendbatch_run(srv->sendbatch, b->items, b->n);
    for(size_t i = 0; i < b->n; i++) {
        ws_client_t *c = b->client[i];
        const sendbatch_item_t *it = &b->items[i];
        if(written(srv, c, &b->frame[i], 1, tx_result(c, it->buf, it->len, it->result)))
            fail(srv, c);
        else
            write_more(srv, c);
    }
    b->n = 0;
}

/*
 * After new broadcasts: a client whose socket took everything so far is written to right here, so
 * a delivery costs one send and no poll round trip; a client with refused bytes waits for its
 * socket's EPOLLOUT. Clients with one frame due are sent to SENDBATCH_DEPTH to a system call, in
 * list order; a client with several gets them in one write of its own.
 */
void ws_wake_all(server_t *srv)
{
    struct wake_batch b;
    b.n = 0;
    for(ws_client_t *c = srv->clients; c; c = c->next) {
        if(!open_for_writes(c) || c->tx_len || !has_pending(srv, c))
            continue;
        bcast_msg_t *frames[WS_BATCH_FRAMES];
        size_t bytes;
        int n = gather(srv, c, frames, 0, &bytes);
        if(n == 1) {
            b.items[b.n] = (sendbatch_item_t){c->fd, BCAST_FRAME(frames[0]), bytes, 0};
            b.client[b.n] = c;
            b.frame[b.n++] = frames[0];
            if(b.n == SENDBATCH_DEPTH)
                wake_send(srv, &b);
            continue;
        }
        unsigned char *out = srv->wbuf;
        for(size_t off = 0, i = 0; i < (size_t)n; off += BCAST_FRAME_LEN(frames[i]), i++)
            memcpy(out + off, BCAST_FRAME(frames[i]), BCAST_FRAME_LEN(frames[i]));
        if(n > 1 && written(srv, c, frames, n, tx_write(c, out, bytes)))
            fail(srv, c);
        else if(n > 1)
            write_more(srv, c);
    }
    wake_send(srv, &b);
    reap(srv);
}

/*
 * A client taking a large message on a slow link sends nothing, not even a pong (our ping waits
 * behind the message), yet its TCP acknowledges our bytes: the last time a look (one a second while it
 * is silent, and one more before it would be dropped) found them acknowledged at --min-rate or more
 * since the previous such time (SIOCOUTQ: what the socket holds unacknowledged). A trickle below that
 * rate is silence, as a response's is.
 */
static int64_t last_acked_ms(server_t *srv, ws_client_t *c, int64_t now, int last_chance)
{
    int outq;
    if((c->acked_look_ms && now - c->acked_look_ms < (last_chance ? 1 : 1000)) || ioctl(c->fd, SIOCOUTQ, &outq) != 0)
        return c->acked_moved_ms;
    int64_t acked = (int64_t)c->tx_sent - outq;
    if(!c->acked_look_ms) {
        c->acked = acked;
        c->acked_base_ms = now;
    } else if(acked > c->acked && (acked - c->acked) * 1000 >= (int64_t)srv->cfg->min_rate * (now - c->acked_base_ms)) {
        c->acked = acked;
        c->acked_base_ms = c->acked_moved_ms = now;
    }
    c->acked_look_ms = now;
    return c->acked_moved_ms;
}

/*
 * Ping and idle policy: the idle order makes this walk stop at the first client that spoke
 * recently. Closing clients that did not finish in CLOSE_WAIT_MS are dropped.
 */
void ws_check_idle(server_t *srv, int64_t now)
{
    for(ws_client_t *c = srv->closing; c && c->close_by_ms <= now; c = c->cnext)
        fail(srv, c);
    int64_t ping_ms = (int64_t)srv->cfg->ws_ping_interval * 1000;
    int64_t hangup_ms =
        (int64_t)(srv->cfg->ws_idle_timeout > srv->cfg->ws_ping_interval ? srv->cfg->ws_idle_timeout
                                                                         : srv->cfg->ws_ping_interval + 1) *
        1000;
    for(ws_client_t *c = srv->clients; c && now - c->last_rx_mono_ms >= ping_ms; c = c->next) {
        if(!open_for_writes(c))
            continue;
        int64_t acked_ms = last_acked_ms(srv, c, now, now - c->last_rx_mono_ms >= hangup_ms);
        int64_t idle = now - (acked_ms > c->last_rx_mono_ms ? acked_ms : c->last_rx_mono_ms);
        if(idle >= hangup_ms) {
            char reason[64];
            snprintf(reason, sizeof(reason), "no answer to pings for %lld s", (long long)(idle / 1000));
            log_limited(LOG_INFO, "ws.idle_timeout", "id=%llu peer=%s origin=%s idle_s=%.3f close_code=1001",
                        (unsigned long long)c->id, c->peer, LOG_Q(c->origin), (double)idle / 1000.0);
            request_close(srv, c, WS_CLOSE_GOING_AWAY, reason);
        } else if(c->last_ping_mono_ms <= c->last_rx_mono_ms && !c->tx_len) {
            /* a payload to echo, as under lws (which reported no empty pong) */
            c->last_ping_mono_ms = now;
            if(control_frame(c, WSF_PING, (const unsigned char *)"ping", 4))
                fail(srv, c);
        }
    }
    reap(srv);
}

int ws_open_count(const server_t *srv)
{
    return srv->n_clients - srv->n_closing;
}

int ws_init(server_t *srv)
{
    srv->wbuf = util_malloc(WS_BATCH_BYTES + HANDSHAKE_ROOM);
    srv->rbuf = util_malloc(RX_CHUNK);
    srv->sendbatch = sendbatch_new(1);
    srv->sha1 = wshand_sha1_new();
    return srv->wbuf && srv->rbuf && srv->sendbatch && srv->sha1 ? 0 : -1;
}

void ws_drop_all(server_t *srv)
{
    for(ws_client_t *c = srv->clients; c; c = c->next)
        fail(srv, c);
    reap(srv);
}

void ws_free(server_t *srv)
{
    util_free(srv->wbuf);
    util_free(srv->rbuf);
    srv->wbuf = srv->rbuf = NULL;
    sendbatch_free(srv->sendbatch);
    srv->sendbatch = NULL;
    wshand_sha1_free(srv->sha1);
    srv->sha1 = NULL;
    bcast_msg_unref(srv->ack);
    srv->ack = NULL;
}

void ws_close_all(server_t *srv)
{
    for(ws_client_t *c = srv->clients; c; c = c->next)
        request_close(srv, c, WS_CLOSE_GOING_AWAY, "server shutting down");
    reap(srv);
}
