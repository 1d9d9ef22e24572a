#include "server/http.h"

#include "server/defer.h"
#include "server/listener.h"
#include "server/mpname.h"
#include "server/reqguard.h"
#include "server/txwait.h"
#include "server/routes.h"
#include "util/alloc.h"
#include "util/jsontext.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_HEADER_ROOM 1024
#define HTTP_SMALL_BODY  2048
#define HTTP_RETRY_AFTER_S "2" /* seconds a 503 asks the client to wait */
#define JSON_FLAGS       (JSON_COMPACT | JSON_REAL_PRECISION(10))

const char *http_status_text(int status)
{
    switch(status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    }
    return "Unknown";
}

void http_response_drop_body(http_response_t *r)
{
    if(r->unref)
        r->unref(r->owner);
    else if(!r->borrowed)
        util_free(r->body);
    r->body = NULL;
    r->borrowed = 0;
    r->unref = NULL;
    r->owner = NULL;
}

/* Moves the body of `from` (any kind) into `to`, whose own is dropped. */
static void move_body(http_response_t *to, http_response_t *from)
{
    http_response_drop_body(to);
    to->body = from->body;
    to->len = from->len;
    to->borrowed = from->borrowed;
    to->unref = from->unref;
    to->owner = from->owner;
    from->body = NULL;
    from->borrowed = 0;
    from->unref = NULL;
    from->owner = NULL;
}

void http_respond(http_response_t *r, int status, const char *content_type, char *body, size_t len)
{
    http_response_drop_body(r);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->len = body ? len : 0;
}

void http_respond_static(http_response_t *r, int status, const char *content_type, const void *body, size_t len)
{
    http_respond(r, status, content_type, NULL, 0);
    r->body = (char *)body;
    r->len = len;
    r->borrowed = 1;
}

void http_respond_shared(http_response_t *r, int status, const char *content_type, const char *body, size_t len,
                         void (*unref)(void *owner), void *owner)
{
    http_respond(r, status, content_type, NULL, 0);
    r->body = (char *)body;
    r->len = body ? len : 0;
    r->unref = unref;
    r->owner = owner;
}

void http_respond_json(http_response_t *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_FLAGS) : NULL;
    json_decref(body);
    if(!text) {
        static const char oom[] = "{\"error\":\"internal\",\"detail\":\"out of memory\"}";
        http_respond(r, 500, "application/json", util_strdup(oom), sizeof(oom) - 1);
        return;
    }
    /* jansson allocates with malloc; hand the caller a util_ buffer it can free uniformly, C1 escaped */
    size_t len = strlen(text), extra = jsontext_extra(text, len);
    char *copy = util_malloc(len + extra + 1);
    if(copy) {
        memcpy(copy, text, len);
        jsontext_escape(copy, len, extra);
        copy[len + extra] = '\0';
    }
    free(text);
    http_respond(r, copy ? status : 500, "application/json", copy, copy ? len + extra : 0);
}

void http_respond_cached(http_response_t *r, http_json_cache_t *c, int status, const void *key, size_t key_len,
                         json_t *(*build)(const void *arg), const void *arg)
{
    int keyed = key_len > 0 && key_len <= sizeof(c->key);
    if(!keyed || c->key_len != key_len || memcmp(c->key, key, key_len) != 0) {
        c->key_len = 0;
        json_t *body = build(arg);
        size_t len = body ? json_dumpb(body, c->text, sizeof(c->text) - 1, JSON_FLAGS) : 0;
        size_t extra = len && len < sizeof(c->text) ? jsontext_extra(c->text, len) : 0;
        if(!keyed || !len || len + extra >= sizeof(c->text)) {
            http_respond_json(r, status, body); /* answered, just not kept */
            return;
        }
        json_decref(body);
        jsontext_escape(c->text, len, extra);
        len += extra;
        c->text[len] = '\0';
        c->len = len;
        memcpy(c->key, key, key_len);
        c->key_len = key_len;
    }
    /* a copy: a response waiting for WRITEABLE must not change when the cache does */
    char *copy = util_strndup(c->text, c->len);
    if(copy)
        http_respond(r, status, "application/json", copy, c->len);
    else
        http_respond_error(r, 500, "internal", "out of memory");
}

void http_respond_error(http_response_t *r, int status, const char *error, const char *detail)
{
    http_respond_json(r, status, json_pack("{s:s, s:s}", "error", error, "detail", detail));
}

/* The header block, written straight into the output (HTTP/1.1 only: this server speaks no h2). */
typedef struct head {
    unsigned char *p, *end;
    int full; /* something did not fit */
} head_t;

static void put(head_t *h, const char *s, size_t n)
{
    if(h->full || (size_t)(h->end - h->p) < n) {
        h->full = 1;
        return;
    }
    memcpy(h->p, s, n);
    h->p += n;
}

#define PUT_LITERAL(h, s) put((h), (s), sizeof(s) - 1)

static void put_uint(head_t *h, size_t v)
{
    char digits[24], *d = digits + sizeof(digits);
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while(v);
    put(h, d, (size_t)(digits + sizeof(digits) - d));
}

static void put_header(head_t *h, const char *name, const char *value)
{
    put(h, name, strlen(name));
    PUT_LITERAL(h, ": ");
    put(h, value, strlen(value));
    PUT_LITERAL(h, "\r\n");
}

/* The head and the first `body` bytes of the body. */
static size_t render(const http_response_t *r, unsigned char *start, size_t cap, size_t body)
{
    head_t h = {start, start + (cap < HTTP_HEADER_ROOM ? cap : HTTP_HEADER_ROOM), 0};
    /* Our own status line: lws writes HTTP/1.0 on requests whose version it did not parse (upgrades). */
    PUT_LITERAL(&h, "HTTP/1.1 ");
    put_uint(&h, (size_t)r->status);
    PUT_LITERAL(&h, " ");
    put(&h, http_status_text(r->status), strlen(http_status_text(r->status)));
    PUT_LITERAL(&h, "\r\n");
    if(r->status != 204) { /* RFC 9110 8.6: a 204 has no Content-Length */
        put_header(&h, "content-type", r->content_type);
        PUT_LITERAL(&h, "content-length: ");
        put_uint(&h, r->len);
        PUT_LITERAL(&h, "\r\n");
    }
    PUT_LITERAL(&h, "cache-control: no-store\r\nx-content-type-options: nosniff\r\n");
    if(r->csp) {
        put_header(&h, "content-security-policy", r->csp);
        PUT_LITERAL(&h, "x-frame-options: DENY\r\nreferrer-policy: no-referrer\r\n");
    }
    if(r->allow[0])
        put_header(&h, "allow", r->allow);
    if(r->cors_origin[0]) {
        put_header(&h, "access-control-allow-origin", r->cors_origin);
        put_header(&h, "vary", "Origin");
    }
    if(r->preflight) {
        put_header(&h, "access-control-allow-methods", r->allow);
        put_header(&h, "access-control-allow-headers", "Content-Type");
        put_header(&h, "access-control-max-age", "600");
    }
    if(r->retry_after > 0) {
        PUT_LITERAL(&h, "retry-after: ");
        put_uint(&h, (size_t)r->retry_after);
        PUT_LITERAL(&h, "\r\n");
    } else if(r->status == 503) { /* every 503 here is a passing state: busy, loading, a limit, a restart */
        put_header(&h, "retry-after", HTTP_RETRY_AFTER_S);
    }
    if(r->ws_version > 0) {
        PUT_LITERAL(&h, "sec-websocket-version: ");
        put_uint(&h, (size_t)r->ws_version);
        PUT_LITERAL(&h, "\r\n");
    }
    if(r->status == 426) /* RFC 9110 15.5.22: say which protocol, as a hop-by-hop header */
        put_header(&h, "upgrade", "websocket");
    if(r->close || r->status == 426)
        put_header(&h, "connection", r->status != 426 ? "close" : r->close ? "close, upgrade" : "upgrade");
    PUT_LITERAL(&h, "\r\n");
    if(h.full || body > cap - (size_t)(h.p - start))
        return 0;
    if(body)
        memcpy(h.p, r->body, body);
    return (size_t)(h.p - start) + body;
}

static size_t body_bytes(const http_response_t *r)
{
    return r->len && !r->omit_body ? r->len : 0;
}

size_t http_render_response(const http_response_t *r, unsigned char *start, size_t cap)
{
    return render(r, start, cap, body_bytes(r));
}

/* The head and the first `body` bytes of the body in one write. */
static int write_head(struct lws *wsi, const http_response_t *r, size_t body)
{
    /* Most answers are small: built on the stack, the heap only for large bodies. */
    unsigned char small[LWS_PRE + HTTP_HEADER_ROOM + HTTP_SMALL_BODY];
    size_t total = LWS_PRE + HTTP_HEADER_ROOM + body;
    unsigned char *out = total <= sizeof(small) ? small : util_malloc(total);
    if(!out)
        return -1;
    unsigned char *start = out + LWS_PRE;
    size_t bytes = render(r, start, total - LWS_PRE, body);
    if(!bytes) {
        if(out != small)
            util_free(out);
        return -1;
    }
    int n = lws_write(wsi, start, bytes, LWS_WRITE_HTTP_HEADERS);
    if(out != small)
        util_free(out);
    if(n < 0)
        return -1;
    server_t *srv = lws_context_user(lws_get_context(wsi));
    if(srv) {
        metrics_http_response(&srv->metrics, r->status);
        /*
         * What the socket did not take waits inside lws with no deadline of its own: a client that
         * never reads gets --header-timeout plus the time --min-rate allows for the bytes.
         */
        if(lws_partial_buffered(wsi))
            lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
                            srv->cfg->header_timeout + (int)(bytes / (size_t)srv->cfg->min_rate));
    }
    return 0;
}

int http_write_response(struct lws *wsi, const http_response_t *r)
{
    return write_head(wsi, r, body_bytes(r));
}

/* HTTP/1.1 methods a client may send that this server never serves; anything else is not HTTP. */
static int method_token(const unsigned char *in, size_t len)
{
    size_t i = 0;
    while(i < len && i < 16 && in[i] >= 'A' && in[i] <= 'Z')
        i++;
    return i > 0 && i < len && in[i] == ' ';
}

int http_refuse_raw(server_t *srv, struct lws *wsi, const void *in, size_t len)
{
    static const char allow[] = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    int is_method = method_token(in, len) && !(len >= 4 && memcmp(in, "PRI ", 4) == 0);
    int status = is_method ? 405 : 400;
    const char *body = is_method
                           ? "{\"error\":\"method_not_allowed\",\"detail\":\"this server does not serve that method\"}"
                           : "{\"error\":\"bad_request\",\"detail\":\"not an HTTP/1.1 request\"}";
    unsigned char out[LWS_PRE + 512];
    int n = snprintf((char *)out + LWS_PRE, sizeof(out) - LWS_PRE,
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n%s%s%s"
                     "connection: close\r\n\r\n%s",
                     status, http_status_text(status), strlen(body), is_method ? "allow: " : "", is_method ? allow : "",
                     is_method ? "\r\n" : "", body);
    if(n > 0 && (size_t)n < sizeof(out) - LWS_PRE && lws_write(wsi, out + LWS_PRE, (size_t)n, LWS_WRITE_RAW) >= 0)
        metrics_http_response(&srv->metrics, status);
    char method[17];
    size_t m = 0;
    for(const unsigned char *c = in; m < len && m < sizeof(method) - 1 && c[m] != ' '; m++)
        method[m] = (char)c[m];
    method[m] = '\0';
    log_limited(LOG_WARN, "http.rejected", "reason=method method=%s status=%d", LOG_Q(method), status);
    return -1;
}

static enum http_method request_method(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes token;
        enum http_method method;
    } methods[] = {
        {WSI_TOKEN_GET_URI, HTTP_GET},     {WSI_TOKEN_POST_URI, HTTP_POST},     {WSI_TOKEN_PUT_URI, HTTP_PUT},
        {WSI_TOKEN_PATCH_URI, HTTP_PATCH}, {WSI_TOKEN_DELETE_URI, HTTP_DELETE}, {WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS},
        {WSI_TOKEN_HEAD_URI, HTTP_HEAD},
    };
    for(size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if(lws_hdr_total_length(wsi, methods[i].token) > 0)
            return methods[i].method;
    }
    return 0;
}

static void txn_link(http_txn_t **head, http_txn_t *t, enum txn_list l)
{
    txn_link_t *k = &t->on[l];
    k->head = head;
    k->prev = NULL;
    k->next = *head;
    if(*head)
        (*head)->on[l].prev = t;
    *head = t;
}

static void txn_unlink(http_txn_t *t, enum txn_list l)
{
    txn_link_t *k = &t->on[l];
    if(!k->head)
        return;
    if(k->prev)
        k->prev->on[l].next = k->next;
    else
        *k->head = k->next;
    if(k->next)
        k->next->on[l].prev = k->prev;
    k->prev = k->next = NULL;
    k->head = NULL;
}

static void defer_unlink(http_txn_t *t)
{
    txn_unlink(t, TXN_DEFERRED);
    t->defer_id = 0;
}

static void txn_reset(http_txn_t *t)
{
    defer_unlink(t);
    txn_unlink(t, TXN_RECEIVING);
    if(t->spa)
        lws_spa_destroy(t->spa);
    mpname_free(t->mpname);
    if(t->upload)
        t->upload_ops->release(t->upload);
    buf_free(&t->body);
    http_response_drop_body(&t->resp);
    http_claim_release(t->claim);
    memset(t, 0, sizeof(*t));
}

/* Request states are reused: a keep-alive request allocates nothing. A few are kept, zeroed. */
#define TXN_SPARES_MAX 32

static http_txn_t *txn_new(server_t *srv)
{
    http_txn_t *t = srv->txn_spares;
    if(!t)
        return util_calloc(1, sizeof(*t));
    srv->txn_spares = t->next_spare;
    srv->n_txn_spares--;
    t->next_spare = NULL;
    return t;
}

static void release_held(server_t *srv, http_txn_t *t);

void http_session_release(session_t *s)
{
    if(s->kind != SESSION_HTTP)
        return;
    http_txn_t *t = s->http;
    if(t) {
        server_t *srv = lws_context_user(lws_get_context(t->wsi));
        if(srv)
            release_held(srv, t);
        txn_reset(t);
        if(srv && srv->n_txn_spares < TXN_SPARES_MAX) {
            t->next_spare = srv->txn_spares;
            srv->txn_spares = t;
            srv->n_txn_spares++;
        } else {
            util_free(t);
        }
        s->http = NULL;
    }
    s->kind = SESSION_NONE;
}

void http_free_spares(server_t *srv)
{
    while(srv->txn_spares) {
        http_txn_t *t = srv->txn_spares;
        srv->txn_spares = t->next_spare;
        util_free(t);
    }
    srv->n_txn_spares = 0;
}

/*
 * The response waits for WRITEABLE, which never comes while a client that stopped reading keeps
 * the socket full (pipelined requests): that wait gets --header-timeout.
 */
static int finish(struct lws *wsi, http_txn_t *t)
{
    server_t *srv = lws_context_user(lws_get_context(wsi));
    if(t->rx_paused) { /* lws writes nothing while its reads are paused: they resume, held back */
        t->rx_paused = 0;
        t->rx_held_back = 1;
        reqguard_hold_back(lws_get_socket_fd(wsi), 1);
        lws_rx_flow_control(wsi, 1);
    }
    t->ready = 1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, srv->cfg->header_timeout);
    lws_callback_on_writable(wsi);
    txwait_check(wsi);
    return 0;
}

/* The response is out: on to the next request on the connection, or -1 to close it. */
static int complete(struct lws *wsi, session_t *s, http_txn_t *t)
{
    int close = t->resp.close;
    if(t->rx_held_back)
        reqguard_hold_back(lws_get_socket_fd(wsi), 0);
    http_session_release(s);
    if(close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/*
 * A large body goes out a piece each WRITEABLE, never all at once: handed to lws whole, what the
 * socket did not take waited in lws's own copy for as long as the whole body's time at --min-rate
 * (hours for an export), a copy per client that stopped reading. Now each piece gets
 * --header-timeout plus its own time at --min-rate, as a whole small response does.
 */
#define HTTP_PIECE (64 * 1024)

static int send_piece(struct lws *wsi, session_t *s, http_txn_t *t)
{
    server_t *srv = lws_context_user(lws_get_context(wsi));
    size_t n = t->resp.len - t->sent < HTTP_PIECE ? t->resp.len - t->sent : HTTP_PIECE;
    unsigned char *out = util_malloc(LWS_PRE + n);
    if(!out)
        return -1;
    memcpy(out + LWS_PRE, t->resp.body + t->sent, n);
    int rc = lws_write(wsi, out + LWS_PRE, n, LWS_WRITE_HTTP);
    util_free(out);
    if(rc < 0)
        return -1;
    t->sent += n;
    if(t->sent == t->resp.len)
        return complete(wsi, s, t);
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
                    srv->cfg->header_timeout + (int)(n / (size_t)srv->cfg->min_rate));
    lws_callback_on_writable(wsi);
    return 0;
}

/* Writes a ready response (or its first piece) and ends the transaction; -1 closes the connection. */
static int respond(struct lws *wsi, session_t *s, http_txn_t *t)
{
    if(t->sent)
        return send_piece(wsi, s, t);
    size_t body = body_bytes(&t->resp), now = body > HTTP_PIECE ? HTTP_PIECE : body;
    if(write_head(wsi, &t->resp, now)) {
        log_debug("http.write_failed", "path=%s", LOG_Q(t->path));
        return -1;
    }
    log_debug("http.response", "path=%s status=%d", LOG_Q(t->path), t->resp.status);
    if(now == body)
        return complete(wsi, s, t);
    t->sent = now;
    t->ready = 1; /* the rest goes out on WRITEABLE */
    lws_callback_on_writable(wsi);
    return 0;
}

/* Content-Length other than 0, or any Transfer-Encoding: bytes follow the headers. */
static int declares_body(struct lws *wsi)
{
    char cl[32];
    if(lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return 1;
    return lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) != 0 && strcmp(cl, "0") != 0;
}

/*
 * A response decided before a declared body was read. lws would first read (or wait for) the whole
 * body before WRITEABLE, for as long as the client keeps sending; so it is written from inside this
 * callback and the connection closed.
 */
static int answer_now(struct lws *wsi, http_txn_t *t)
{
    t->resp.close = 1;
    t->resp.omit_body = t->method == HTTP_HEAD;
    if(http_write_response(wsi, &t->resp))
        log_debug("http.write_failed", "path=%s", LOG_Q(t->path));
    return -1;
}

/* An answer given while the request is still arriving: the rest of it is never read. */
static int reply_early(struct lws *wsi, http_txn_t *t)
{
    t->resp.close = 1;
    return declares_body(wsi) ? answer_now(wsi, t) : finish(wsi, t);
}

static http_request_t request_of(struct lws *wsi, http_txn_t *t)
{
    http_request_t req = {
        .wsi = wsi,
        .method = t->method,
        .path = t->path,
        .args = &t->args,
        .body = t->body.data,
        .body_len = t->body.len,
        .txn = t,
    };
    return req;
}

int http_defer(const http_request_t *req, http_ticket_t *out)
{
    http_txn_t *t = req->txn;
    server_t *srv = lws_context_user(lws_get_context(t->wsi));
    if(t->on[TXN_DEFERRED].head)
        return -1;
    t->defer_id = ++srv->next_defer_id;
    t->deferred_ms = time_mono_ms();
    txn_link(&srv->deferred, t, TXN_DEFERRED);
    /* The request guard hands lws one request a read and leaves a pipelined one in the socket: lws
       reads nothing while a transaction is open, and its level-triggered poll woke the service thread
       without end (a core, for as long as the work took). The reads wait for the answer instead. */
    lws_rx_flow_control(t->wsi, 0);
    t->rx_paused = 1;
    out->q = &srv->completions;
    out->id = t->defer_id;
    out->claim = NULL;
    return 0;
}

int http_defer_queued(const http_request_t *req, http_ticket_t *out)
{
    http_txn_t *t = req->txn;
    http_claim_t *c = t->claim ? NULL : http_claim_new();
    if(!c || http_defer(req, out)) {
        if(c) {
            http_claim_release(c);
            http_claim_release(c);
        }
        return -1;
    }
    t->claim = c;
    out->claim = c;
    return 0;
}

int http_defer_recorded(const http_request_t *req, http_ticket_t *out)
{
    if(http_defer_queued(req, out))
        return -1;
    ((http_txn_t *)req->txn)->recorded = 1;
    return 0;
}

/* Returns 1 when the handler deferred its answer (the response comes through http_drain_completions). */
static int dispatch(struct lws *wsi, http_txn_t *t)
{
    http_request_t req = request_of(wsi, t);
    routes_dispatch(t->route, &req, &t->resp);
    if(t->defer_id && !t->resp.status)
        return 1;
    /* Answered after all (a full queue): a late completion for this id finds nothing pending. */
    defer_unlink(t);
    if(!t->resp.status)
        http_respond_error(&t->resp, 500, "internal", "the handler gave no answer");
    return 0;
}

/* The slot of a shared body already held, else a free one; -1 for a body of its own, or none free. */
static int shared_slot(server_t *srv, const http_response_t *r)
{
    int free_slot = -1;
    for(int i = 0; r->unref && i < HTTP_SHARED_HELD_MAX; i++) {
        if(srv->shared_held[i].answers && srv->shared_held[i].owner == r->owner)
            return i;
        if(!srv->shared_held[i].answers && free_slot < 0)
            free_slot = i;
    }
    return free_slot;
}

/*
 * A large answer stays in memory until its client has taken it all. Together they hold at most
 * --response-buffer-mb (one is always let through when none is held); past it the answer is 503.
 * A body several answers share (a cached export) is in memory once: counted once while any of them
 * holds it (its owner, which they keep alive, is the key).
 */
static int hold(server_t *srv, http_txn_t *t)
{
    size_t len = body_bytes(&t->resp);
    if(len <= HTTP_PIECE)
        return 0;
    int slot = shared_slot(srv, &t->resp);
    if(slot >= 0 && srv->shared_held[slot].answers) {
        srv->shared_held[slot].answers++;
        t->shared_slot = slot + 1;
        return 0;
    }
    if(srv->resp_held && srv->resp_held + len > (size_t)srv->cfg->response_buffer_mb << 20) {
        log_limited(LOG_WARN, "http.rejected", "reason=response_buffer path=%s bytes=%zu held=%zu status=503",
                    LOG_Q(t->path), len, srv->resp_held);
        return -1;
    }
    srv->resp_held += len;
    if(slot >= 0) {
        srv->shared_held[slot] = (struct http_shared_held){t->resp.owner, len, 1};
        t->shared_slot = slot + 1;
    } else {
        t->held = len;
    }
    return 0;
}

/* The answer no longer holds its body: its bytes leave resp_held (a shared body's with its last answer). */
static void release_held(server_t *srv, http_txn_t *t)
{
    struct http_shared_held *s = t->shared_slot ? &srv->shared_held[t->shared_slot - 1] : NULL;
    if(s && --s->answers == 0)
        srv->resp_held -= s->len;
    srv->resp_held -= t->held;
    t->shared_slot = 0;
    t->held = 0;
}

/* hold(), or the answer becomes 503 when the budget has no room for it. */
static void hold_or_busy(server_t *srv, http_txn_t *t)
{
    if(hold(srv, t))
        http_respond_error(&t->resp, 503, "busy",
                           "large responses still being sent to other clients fill the server's "
                           "--response-buffer-mb; try again shortly");
}

void http_drain_completions(server_t *srv)
{
    http_completion_t *list = http_completions_take(&srv->completions);
    while(list) {
        http_completion_t *c = list;
        list = c->next;
        http_txn_t *t = srv->deferred;
        while(t && t->defer_id != c->id)
            t = t->on[TXN_DEFERRED].next;
        if(t) {
            defer_unlink(t);
            t->resp.status = c->resp.status;
            t->resp.content_type = c->resp.content_type;
            move_body(&t->resp, &c->resp);
            t->resp.omit_body = t->method == HTTP_HEAD;
            hold_or_busy(srv, t);
            finish(t->wsi, t);
        } else {
            log_debug("http.deferred_dropped", "id=%llu reason=\"the client left\"", (unsigned long long)c->id);
        }
        http_completion_free(c);
    }
}

#define UPLOAD_FIELD_STORAGE (4 * 1024)

/* lws_spa hands file parts over here; -1 stops its parser (the answer is in t->resp). */
static int upload_part(void *data, const char *name, const char *filename, char *buf, int len,
                       enum lws_spa_fileupload_states state)
{
    http_txn_t *t = data;
    const route_upload_ops_t *ops = t->upload_ops;
    int rc = 0;
    if(!t->upload || t->ready)
        return state == LWS_UFS_CLOSE ? 0 : -1;
    switch(state) {
    case LWS_UFS_OPEN:
        /* lws_spa opens the part at the CR that ends its Content-Disposition: the name read there is whole */
        if(t->at_disposition && mpname_filename(t->mpname))
            filename = mpname_filename(t->mpname);
        t->part_opened = 1;
        rc = ops->file_open(t->upload, name, filename, &t->resp);
        break;
    case LWS_UFS_CONTENT:
    case LWS_UFS_FINAL_CONTENT:
        rc = ops->file_data(t->upload, buf, len > 0 ? (size_t)len : 0, state == LWS_UFS_FINAL_CONTENT, &t->resp);
        break;
    case LWS_UFS_CLOSE: return 0;
    }
    return rc || t->resp.status ? -1 : 0;
}

/*
 * A multipart upload streams through lws_spa as it arrives; only the form's small fields are kept
 * in memory. The declared length is checked against the route's limit before any of it is read.
 */
static void end_upload(struct lws *wsi, http_txn_t *t);

/* lws_spa copies the Content-Type into 205 bytes; a longer one it would read as a url-encoded form */
#define SPA_TYPE_MAX 204

/*
 * lws_spa takes the first boundary= it finds, up to a space or ';': an empty one made "\r\n--" the
 * delimiter (any SQL line comment in a file ended its part), and of two the first won, where another
 * reader of the same request may take the last.
 */
static int one_boundary(const char *type)
{
    const char *first = strstr(type, "boundary=");
    if(!first || strstr(first + 1, "boundary="))
        return 0;
    char c = first[9];
    return c && c != ';' && c != ' ' && c != '\t';
}

static int begin_upload(struct lws *wsi, http_txn_t *t, int64_t length)
{
    /* lws_spa reads the header as written: the request guard lower-cased its media type and
     * parameter names (reqscan.c), so an exact comparison is the one lws_spa will make */
    char type[SPA_TYPE_MAX + 1];
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    if(len <= 0 || len > SPA_TYPE_MAX || len != lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, 0) ||
       lws_hdr_copy(wsi, type, sizeof(type), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0 ||
       strncmp(type, "multipart/form-data", 19) != 0 || !strstr(type, "boundary=")) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 415, "unsupported_media_type",
                           "send the files as multipart/form-data (with a boundary), in one Content-Type "
                           "header of at most 204 bytes");
        return reply_early(wsi, t);
    }
    if(!one_boundary(type)) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 415, "unsupported_media_type",
                           "the multipart/form-data Content-Type needs exactly one boundary parameter, and not an"
                           " empty one (RFC 2046 section 5.1.1)");
        return reply_early(wsi, t);
    }
    const route_upload_ops_t *ops = t->upload_ops;
    http_request_t req = request_of(wsi, t);
    t->upload = ops->begin(t->route->ctx, &req, length, &t->resp);
    if(!t->upload) {
        t->resp.close = 1;
        if(!t->resp.status)
            http_respond_error(&t->resp, 500, "internal", "the upload could not start");
        return reply_early(wsi, t);
    }
    lws_spa_create_info_t info;
    memset(&info, 0, sizeof(info));
    info.param_names = ops->fields;
    info.count_params = ops->n_fields;
    info.max_storage = UPLOAD_FIELD_STORAGE;
    info.opt_cb = upload_part;
    info.opt_data = t;
    t->spa = lws_spa_create_via_info(wsi, &info);
    t->mpname = mpname_new(type);
    if(!t->spa || !t->mpname) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 500, "internal", "out of memory");
        return reply_early(wsi, t);
    }
    t->content_length = length;
    if(length == 0)
        end_upload(wsi, t);
    return 0;
}

static void end_upload(struct lws *wsi, http_txn_t *t)
{
    const route_upload_ops_t *ops = t->upload_ops;
    if(t->ended) {
        log_debug("http.upload_end_again", "path=%s", LOG_Q(t->path));
        return;
    }
    t->ended = 1;
    lws_spa_finalize(t->spa);
    if(!t->resp.status && mpname_in_headers(t->mpname)) /* lws_spa drops that part without a word */
        http_respond_error(&t->resp, 400, "bad_upload", "the upload ended in the middle of a part's headers");
    if(!t->resp.status) {
        const char *values[16] = {0};
        for(int i = 0; i < ops->n_fields && i < 16; i++) {
            values[i] = lws_spa_get_string(t->spa, i);
            if(!values[i] && (t->fields_seen & (1u << i)))
                values[i] = ""; /* lws_spa keeps no string for an empty field: it was sent, so not absent */
        }
        http_request_t req = request_of(wsi, t);
        ops->end(t->upload, &req, values, &t->resp);
        if(t->defer_id && !t->resp.status)
            return; /* answered through http_drain_completions */
        defer_unlink(t);
        if(!t->resp.status)
            http_respond_error(&t->resp, 500, "internal", "the upload gave no answer");
    }
    if(t->resp.status >= 400)
        t->resp.close = 1;
    finish(wsi, t);
}

/*
 * A part that names a file lws_spa did not open: its content would be dropped as an unknown field.
 * An empty name is a form's file input left empty, and is left alone. 1 with the answer in t->resp.
 */
static int unread_file_part(http_txn_t *t)
{
    const char *name = mpname_filename(t->mpname);
    if(!mpname_is_file(t->mpname) || (name && !*name))
        return 0;
    http_respond_error(&t->resp, 400, "bad_multipart",
                       name ? "a file part could not be read by the form parser (a file name that begins with ';', "
                              "or a part header it does not know, such as Content-Transfer-Encoding): send "
                              "Content-Disposition: form-data; name=\"files\"; filename=\"...\""
                            : "a file part named only by filename*= (RFC 5987), which multipart/form-data does "
                              "not use (RFC 7578 section 4.2): name the file with filename=\"...\"");
    return 1;
}

/*
 * A part header other than Content-Disposition and Content-Type (RFC 7578 section 4.8 allows no
 * other): lws_spa loses its place in the body after one, so an upload with `X-Pad:` after a file
 * part's Content-Disposition was answered "the upload ended in the middle of file". 1 with the
 * answer in t->resp.
 */
static int unknown_part_header(http_txn_t *t)
{
    const char *name = mpname_unknown_header(t->mpname);
    if(!name)
        return 0;
    char msg[200];
    snprintf(msg, sizeof(msg),
             "a part header this server cannot read ('%s'): a part of multipart/form-data carries only"
             " Content-Disposition and Content-Type (RFC 7578 section 4.8)",
             name);
    http_respond_error(&t->resp, 400, "bad_multipart", msg);
    return 1;
}

/*
 * A form field given twice (`dialect` as ansi, then as tsql): lws_spa would keep the first and drop
 * the other without a word, so the request is refused instead. 1 with the answer in t->resp.
 */
static int repeated_field(http_txn_t *t)
{
    const route_upload_ops_t *ops = t->upload_ops;
    const char *field = mpname_field(t->mpname);
    for(int i = 0; i < ops->n_fields && i < 16; i++) {
        if(strcmp(field, ops->fields[i]) != 0)
            continue;
        if(!(t->fields_seen & (1u << i))) {
            t->fields_seen |= 1u << i;
            return 0;
        }
        char msg[160];
        snprintf(msg, sizeof(msg), "the form field '%s' is given more than once: send each of them at most once",
                 ops->fields[i]);
        http_respond_error(&t->resp, 400, "bad_multipart", msg);
        return 1;
    }
    return 0;
}

/* A piece of an upload's body: 0, or -1 with the answer in t->resp (the rest is never read). */
static int upload_body(http_txn_t *t, const char *in, size_t len)
{
    t->received += (int64_t)len;
    if(t->received > t->content_length) {
        http_respond_error(&t->resp, 413, "payload_too_large", "the request body exceeds its Content-Length");
        return -1;
    }
    while(len) {
        size_t n = mpname_feed(t->mpname, in, len, &t->at_disposition);
        t->part_opened = 0;
        int rc = lws_spa_process(t->spa, in, (int)n);
        if(rc < 0 || t->resp.status) {
            if(!t->resp.status)
                http_respond_error(
                    &t->resp, 400, "bad_multipart",
                    "the multipart body is malformed (a form field too long, or a part without a file name)");
            return -1;
        }
        if(unknown_part_header(t) || (t->at_disposition && !t->part_opened && unread_file_part(t)))
            return -1;
        if(t->at_disposition && !mpname_is_file(t->mpname) && repeated_field(t))
            return -1;
        t->at_disposition = 0;
        in += n;
        len -= n;
    }
    return 0;
}

/*
 * libwebsockets has already percent-decoded the query string and split it at '&' (an escape it
 * cannot decode never reaches us: lws refuses it, see lws_status.c); each fragment is one "name=value".
 */
static int read_query(struct lws *wsi, http_args_t *args, char *why, size_t whylen)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if(total > QUERY_MAX_BYTES + QUERY_MAX_PARAMS) {
        snprintf(why, whylen, "the query string is longer than %d bytes", QUERY_MAX_BYTES);
        return -1;
    }
    char pair[QUERY_MAX_BYTES + QUERY_MAX_PARAMS + 1];
    for(int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(wsi, pair, (int)sizeof(pair), WSI_TOKEN_HTTP_URI_ARGS, i);
        if(n < 0)
            return 0;
        if(n > 0 && http_args_add_query(args, pair, (size_t)n, why, whylen))
            return -1;
    }
}

/*
 * After a grace of --header-timeout a body must have averaged --min-rate bytes a second: checked as
 * bytes arrive (answered 408) and on the hub timer (a body that stopped: dropped).
 */
static int body_too_slow(const server_t *srv, const http_txn_t *t, int64_t now)
{
    int64_t late_ms = now - t->begun_ms - (int64_t)srv->cfg->header_timeout * 1000;
    int64_t got = t->spa ? t->received : (int64_t)t->body.len;
    return late_ms > 0 && got * 1000 < (int64_t)srv->cfg->min_rate * late_ms;
}

void http_check_bodies(server_t *srv, int64_t now)
{
    for(http_txn_t *t = srv->receiving, *next; t; t = next) {
        next = t->on[TXN_RECEIVING].next;
        if(!body_too_slow(srv, t, now))
            continue;
        log_limited(LOG_WARN, "http.rejected", "reason=slow_body path=%s bytes=%lld of=%lld status=dropped",
                    LOG_Q(t->path), (long long)(t->spa ? t->received : (int64_t)t->body.len),
                    (long long)t->content_length);
        txn_unlink(t, TXN_RECEIVING);
        /* lws would not offer WRITEABLE before the body is in: no answer, the connection goes */
        lws_set_timeout(t->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

/*
 * The hub's own 503 for a deferred request. An API request still queued at --api-queue-wait is
 * `busy` (the worker will skip it); one started yet unanswered at --api-timeout is `timeout`. An
 * upload waits for the writer to record it (http_defer_recorded), which a long start-up read or a
 * long commit can hold up: at --api-timeout, not started, it never will be and nothing of it was
 * kept; started, the answer its starter left names what is under way (the ingestion, which GET
 * /api/v1/ingestion/{id} shows once recorded).
 */
static void answer_late(server_t *srv, http_txn_t *t, int expired, int64_t waited)
{
    static const char *const reasons[2][2] = {{"api_timeout", "queue_wait"}, {"record_timeout", "record_wait"}};
    const config_t *cfg = srv->cfg;
    int busy = expired && !t->recorded;
    log_limited(LOG_WARN, "http.rejected", "reason=%s path=%s waited_ms=%lld status=503",
                reasons[t->recorded != 0][expired != 0], LOG_Q(t->path), (long long)waited);
    if(busy)
        metrics_inc(&srv->metrics.api_expired);
    t->resp.retry_after = busy ? cfg->api_queue_wait : cfg->api_timeout;
    t->resp.omit_body = t->method == HTTP_HEAD;
    json_t *late = t->recorded && !expired ? http_claim_take_late(t->claim) : NULL;
    if(late) {
        http_respond_json(&t->resp, 503, late);
        return;
    }
    char detail[200];
    snprintf(detail, sizeof(detail),
             busy      ? "no API worker was free within %d s (--api-queue-wait): the server is busy; try again later"
             : expired ? "the server did not get to this request within %d s (--api-timeout): it is busy; nothing of "
                         "it was done or kept; send it again later"
                       : "the answer took longer than %d s (--api-timeout): the server is busy; try again later",
             busy ? cfg->api_queue_wait : cfg->api_timeout);
    http_respond_error(&t->resp, 503, busy ? "busy" : "timeout", detail);
}

/*
 * A request whose work waits for an API worker or the writer: lws's own content timeout (30 s from
 * the request, set after its callback returned) closed it without a word, so the hub answers first
 * (answer_late), the claim taken from the work when it had not started. lws's timeout is moved past
 * --api-timeout, and the connection stays open for the next request.
 */
/*
 * With its reads paused lws does not see a deferred request's peer reset the connection: looked at
 * here, it is closed at once and the late answer dropped (http_drain_completions), as before.
 */
static int peer_gone(http_txn_t *t)
{
    struct pollfd p = {.fd = t->rx_paused ? lws_get_socket_fd(t->wsi) : -1, .events = 0};
    if(p.fd < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & (POLLERR | POLLHUP)))
        return 0;
    defer_unlink(t);
    lws_set_timeout(t->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    return 1;
}

void http_check_deferred(server_t *srv, int64_t now)
{
    const config_t *cfg = srv->cfg;
    for(http_txn_t *t = srv->deferred, *next; t; t = next) {
        next = t->on[TXN_DEFERRED].next;
        if(peer_gone(t))
            continue;
        if(!t->claim)
            continue;
        int64_t waited = now - t->deferred_ms;
        int64_t start_ms = (int64_t)(t->recorded ? cfg->api_timeout : cfg->api_queue_wait) * 1000;
        int expired = waited >= start_ms && http_claim_expire(t->claim);
        if(!expired && waited < (int64_t)cfg->api_timeout * 1000) {
            if(!t->timeout_moved) {
                lws_set_timeout(t->wsi, PENDING_TIMEOUT_HTTP_CONTENT, cfg->api_timeout + cfg->header_timeout);
                t->timeout_moved = 1;
            }
            continue;
        }
        defer_unlink(t);
        answer_late(srv, t, expired, waited);
        finish(t->wsi, t);
    }
}

int request_host_allowed(server_t *srv, struct lws *wsi, http_response_t *resp)
{
    char host[256];
    return http_host_allowed(srv, host_from_request(wsi, host, sizeof(host)), host, resp);
}

int http_host_allowed(server_t *srv, int has, const char *host, http_response_t *resp)
{
    if(has == 0 || (has > 0 && host_allowed(&srv->origins, host)))
        return 1; /* no Host: HTTP/1.0 (1.1 without one is refused first), not a browser's */
    log_limited(LOG_WARN, "http.rejected", "reason=host host=%s status=421", LOG_Q(has > 0 ? host : "(too long)"));
    char detail[320];
    snprintf(detail, sizeof(detail), "Host %.200s does not name this server (see --allowed-host)",
             has > 0 ? host : "(too long)");
    resp->close = 1;
    http_respond_error(resp, 421, "misdirected_request", detail);
    return 0;
}

/*
 * lws serves any request line's last word as HTTP/1.0 (`HTTP/2.0`, `FOO/1.1`, none at all). RFC
 * 9112 §2.3: HTTP/1.x is answered as 1.1, another major version 505, anything else is no version: 400.
 */
static int version_supported(struct lws *wsi, http_response_t *resp)
{
    char v[16];
    int n = lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP);
    int digits = n == 8 && strncmp(v, "HTTP/", 5) == 0 && isdigit((unsigned char)v[5]) && v[6] == '.' &&
                 isdigit((unsigned char)v[7]);
    if(digits && v[5] == '1')
        return 1;
    log_limited(LOG_WARN, "http.rejected", "reason=version version=%s status=%d", LOG_Q(n > 0 ? v : ""),
                digits ? 505 : 400);
    resp->close = 1;
    if(digits)
        http_respond_error(resp, 505, "http_version_not_supported", "this server speaks HTTP/1.1");
    else
        http_respond_error(resp, 400, "bad_request", "the request line must end with the version, HTTP/1.1");
    return 0;
}

void http_client_key(const http_request_t *req, char *out, size_t outlen)
{
    struct lws *wsi = req->wsi;
    server_t *srv = lws_context_user(lws_get_context(wsi));
    char raw[64], peer[48], addr[48], xff[256], key[IPLIMIT_ADDR_MAX];
    const char *accepted = listener_peer(srv, wsi);
    if(!accepted) {
        lws_get_peer_simple(wsi, raw, sizeof(raw));
        iplimit_normalize(raw, peer, sizeof(peer));
        accepted = peer;
    }
    int has_xff = srv->cfg->trusted_proxy && lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR) > 0;
    iplimit_client(srv->cfg->trusted_proxy, accepted, has_xff ? xff : NULL, addr, sizeof(addr));
    iplimit_key(srv->per_ip, addr, key);
    snprintf(out, outlen, "%s", key);
}

/*
 * A body read into memory is JSON (uploads stream multipart): a Content-Type that says otherwise is
 * refused. One that is absent is taken, as scripts and the contract's clients send JSON without it.
 * "application/json" in any case, with parameters ("; charset=utf-8") allowed.
 */
static int content_type_json(struct lws *wsi)
{
    if(lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 1;
    char ct[256];
    if(lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    const char *p = ct;
    while(*p == ' ' || *p == '\t')
        p++;
    if(strncasecmp(p, "application/json", 16) != 0)
        return 0;
    p += 16;
    while(*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == ';';
}

/*
 * A client that sent `Expect: 100-continue` waits for an interim 100 before its body (RFC 9110
 * section 10.1.1); lws never sends one, so curl, which asks for it on uploads over 1 KiB, waited its
 * full second on each. Sent once the headers are accepted: a refused request gets its final answer
 * instead. An HTTP/1.0 request's expectation is ignored, as the RFC says. 0, or -1 to drop the
 * connection when the socket does not take it.
 */
static int continue_if_expected(struct lws *wsi, long long length)
{
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char v[16], version[16];
    if(length <= 0 || lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_EXPECT) <= 0 || strcasecmp(v, "100-continue") ||
       lws_hdr_copy(wsi, version, sizeof(version), WSI_TOKEN_HTTP) <= 0 || strcmp(version, "HTTP/1.0") == 0)
        return 0;
    unsigned char out[LWS_PRE + sizeof(interim)];
    memcpy(out + LWS_PRE, interim, sizeof(interim) - 1);
    return lws_write(wsi, out + LWS_PRE, sizeof(interim) - 1, LWS_WRITE_RAW) == (int)sizeof(interim) - 1 ? 0 : -1;
}

/*
 * RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header, or
 * with more than one. lws served the first (it passed the rebinding check as "not from a browser")
 * and joined the second's values with ',' (then 421). An HTTP/1.0 request may still come without one.
 */
static int host_given(struct lws *wsi, http_response_t *resp)
{
    char v[16];
    int several = lws_hdr_fragment_length(wsi, WSI_TOKEN_HOST, 1) > 0;
    int none = lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0 &&
               !(lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP) > 0 && strcmp(v, "HTTP/1.0") == 0);
    if(!several && !none)
        return 1;
    log_limited(LOG_WARN, "http.rejected", "reason=host_count hosts=%s status=400", several ? "several" : "none");
    resp->close = 1;
    http_respond_error(resp, 400, "bad_request",
                       several ? "a request carries one Host header, not several (RFC 9112 section 3.2)"
                               : "an HTTP/1.1 request must carry a Host header (RFC 9112 section 3.2)");
    return 0;
}

static int begin(server_t *srv, struct lws *wsi, session_t *s, const char *uri, size_t len)
{
    http_session_release(s);
    http_txn_t *t = txn_new(srv);
    if(!t) {
        log_error("http.out_of_memory", "what=request");
        return -1;
    }
    s->kind = SESSION_HTTP;
    s->http = t;
    t->wsi = wsi;
    txwait_bind(wsi);
    t->method = request_method(wsi);
    if(!version_supported(wsi, &t->resp) || !host_given(wsi, &t->resp))
        return reply_early(wsi, t);
    if(!request_host_allowed(srv, wsi, &t->resp))
        return reply_early(wsi, t);
    if(len >= sizeof(t->path)) {
        t->resp.close = 1;
        char detail[64];
        snprintf(detail, sizeof(detail), "the request path is longer than %d bytes", HTTP_MAX_PATH - 1);
        http_respond_error(&t->resp, 414, "uri_too_long", detail);
        return reply_early(wsi, t);
    }
    memcpy(t->path, uri, len);
    t->path[len] = '\0';
    if(!utf8_valid(t->path, len)) { /* as a query parameter's (read_query): a name in it was 404 without its name */
        t->resp.close = 1;
        http_respond_error(&t->resp, 400, "bad_request", "the request path is not valid UTF-8 text");
        return reply_early(wsi, t);
    }
    http_args_init(&t->args);
    t->route = routes_find(srv, t->path, &t->args);
    t->upload_ops = router_upload(&srv->router, t->route);
    char why[96];
    if(read_query(wsi, &t->args, why, sizeof(why))) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 400, "bad_query", why);
        return reply_early(wsi, t);
    }

    /* One Origin policy for REST and WebSocket: browsers elsewhere may read, never change. */
    char origin[sizeof(t->resp.cors_origin)];
    int has_origin = origin_from_request(wsi, origin, sizeof(origin));
    if(has_origin < 0)
        snprintf(origin, sizeof(origin), "(longer than %zu bytes)", sizeof(origin) - 1);
    if(has_origin && (has_origin < 0 || !origin_allowed(&srv->origins, origin))) {
        if(t->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE | HTTP_OPTIONS)) {
            char detail[sizeof(origin) + 32];
            snprintf(detail, sizeof(detail), "Origin %s is not allowed", origin);
            log_limited(LOG_WARN, "http.rejected", "reason=origin origin=%s path=%s status=403", LOG_Q(origin),
                        LOG_Q(t->path));
            t->resp.close = 1;
            http_respond_error(&t->resp, 403, "forbidden_origin", detail);
            return reply_early(wsi, t);
        }
    } else if(origin[0]) {
        memcpy(t->resp.cors_origin, origin, sizeof(origin));
    }
    /* OPTIONS names the methods a path takes (RFC 9110 9.3.7); from an allowed Origin, as a CORS preflight */
    if(t->method == HTTP_OPTIONS && routes_allow(srv, t->path, t->resp.allow, sizeof(t->resp.allow))) {
        t->resp.preflight = origin[0] != '\0';
        http_respond(&t->resp, 204, "text/plain", NULL, 0);
        return finish(wsi, t);
    }

    int64_t max_body = 0;
    if(!routes_body_limit(t->route, t->method, &max_body)) {
        if(declares_body(wsi)) {
            /* 404 and 405 run no handler; a route that takes no body is not given one */
            if(t->route && (t->route->methods & (int)t->method))
                http_respond_error(&t->resp, 413, "payload_too_large", "this endpoint takes no request body");
            else
                routes_dispatch(t->route, &(http_request_t){.wsi = wsi, .method = t->method, .path = t->path},
                                &t->resp);
            return answer_now(wsi, t);
        }
        if(dispatch(wsi, t))
            return 0;
        t->resp.omit_body = t->method == HTTP_HEAD;
        hold_or_busy(srv, t); /* a large answer straight from memory (a cached export) */
        /*
         * Answered while the request is handled: written now. Waiting for WRITEABLE cost two
         * epoll_ctl calls a request (POLLOUT on, then off), a quarter of the server's CPU under
         * wrk. What the socket does not take lws sends later, and it completes the transaction
         * (reads a pipelined request) only once that is out.
         */
        return respond(wsi, s, t);
    }
    /*
     * Bodies must announce their size: lws does not de-chunk requests. A Transfer-Encoding next to
     * a Content-Length is refused too: a proxy in front would frame the body by the one, we by the
     * other (request smuggling).
     */
    char cl[32];
    if(lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 ||
       lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 411, "length_required",
                           "send the request body with a Content-Length header and no Transfer-Encoding");
        return reply_early(wsi, t);
    }
    char *endp = NULL;
    long long n = cl[0] >= '0' && cl[0] <= '9' ? strtoll(cl, &endp, 10) : -1; /* digits only: no sign, no space */
    if((endp && *endp) || n < 0) {
        t->resp.close = 1;
        /* lws joins repeated headers with ',' */
        http_respond_error(&t->resp, 400, "bad_request",
                           strchr(cl, ',') ? "more than one Content-Length value; send one"
                                           : "Content-Length is not a number");
        return reply_early(wsi, t);
    }
    if(n > max_body) {
        char detail[128];
        snprintf(detail, sizeof(detail), "the request body is %lld bytes; the limit is %lld", n, (long long)max_body);
        t->resp.close = 1;
        http_respond_error(&t->resp, 413, "payload_too_large", detail);
        return reply_early(wsi, t);
    }
    if(!t->upload_ops && !content_type_json(wsi)) {
        t->resp.close = 1;
        http_respond_error(&t->resp, 415, "unsupported_media_type",
                           "send the request body as JSON, with Content-Type: application/json");
        return reply_early(wsi, t);
    }
    if(t->upload_ops && t->method == HTTP_POST) {
        t->begun_ms = time_mono_ms();
        int rc = begin_upload(wsi, t, n);
        if(!rc && !t->ready) {
            txn_link(&srv->receiving, t, TXN_RECEIVING);
            return continue_if_expected(wsi, n);
        }
        return rc;
    }
    t->content_length = n;
    t->begun_ms = time_mono_ms();
    buf_init(&t->body, (size_t)n);
    if(n == 0)
        return dispatch(wsi, t) ? 0 : finish(wsi, t);
    txn_link(&srv->receiving, t, TXN_RECEIVING);
    return continue_if_expected(wsi, n); /* body follows in LWS_CALLBACK_HTTP_BODY */
}

int http_callback(server_t *srv, struct lws *wsi, enum lws_callback_reasons reason, session_t *s, void *in, size_t len)
{
    if(reason == LWS_CALLBACK_HTTP)
        return begin(srv, wsi, s, in, strlen(in));
    http_txn_t *t = s->kind == SESSION_HTTP ? s->http : NULL;
    if(!t)
        return 0;
    switch(reason) {
    case LWS_CALLBACK_HTTP_BODY:
        if(t->ready)
            return 0;
        if(t->spa) {
            if(upload_body(t, in, len))
                return answer_now(wsi, t);
        } else if(buf_add(&t->body, in, len)) {
            http_respond_error(&t->resp, 413, "payload_too_large", "the request body exceeds its Content-Length");
            return reply_early(wsi, t);
        }
        if(body_too_slow(srv, t, time_mono_ms())) {
            log_limited(LOG_WARN, "http.rejected", "reason=slow_body path=%s bytes=%lld of=%lld status=408",
                        LOG_Q(t->path), (long long)(t->spa ? t->received : (int64_t)t->body.len),
                        (long long)t->content_length);
            http_respond_error(&t->resp, 408, "request_timeout", "the request body arrives too slowly");
            return answer_now(wsi, t);
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        txn_unlink(t, TXN_RECEIVING);
        if(t->spa) {
            if(!t->ready)
                end_upload(wsi, t);
            return 0;
        }
        if(!t->ready && !t->defer_id && !dispatch(wsi, t))
            finish(wsi, t);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: return t->ready ? respond(wsi, s, t) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: http_session_release(s); return 0;
    default: return 0;
    }
}
