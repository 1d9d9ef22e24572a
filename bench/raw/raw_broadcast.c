/*
 * Raw baseline for bench_ws: the cheapest broadcast server we know how to write, so lineaged's
 * cost per delivery has a floor to be compared with. One epoll loop, non-blocking sockets, no
 * library. It serves just what bench_ws uses:
 *   GET /health                  -> 200
 *   GET /admin/ws/dashboard      -> 101 (Sec-WebSocket-Accept computed per RFC 6455, SHA-1 below),
 *                                   then two welcome text frames (connection_ack, stats_update)
 *   POST /api/v1/debug/events    -> 202, then one text frame {"type":..,"data":..,"timestamp":..}
 *                                   built once, with the body's "type" and "data" copied as bytes,
 *                                   and written with exactly one send() per client
 * Incoming client frames are discarded. A client whose socket is full gets the rest queued (up to
 * OUT_MAX bytes, then it is dropped) and flushed on EPOLLOUT.
 * usage: raw_broadcast PORT   (listens on 127.0.0.1; SIGTERM or SIGINT exits 0)
 */
#define _GNU_SOURCE /* accept4, memmem, strncasecmp */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX (64 * 1024)   /* request line + headers + body */
#define OUT_MAX (1024 * 1024) /* queued bytes per client before it is dropped */
#define MSG_MAX (REQ_MAX + 128)

struct conn {
    int fd;
    int is_ws;
    int dead;
    size_t set_idx; /* position in the broadcast set when is_ws */
    char *in;       /* partial request; NULL once it is complete or never partial */
    size_t in_len;
    char *out; /* bytes a full socket did not take */
    size_t out_len, out_off;
    struct conn *next_dead;
};

static int ep;
static struct conn **set;
static size_t set_len, set_cap;
static struct conn *graveyard;
static char scratch[REQ_MAX];

/* ---- SHA-1 (FIPS 180-4) and base64, only for Sec-WebSocket-Accept ---- */

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
    uint32_t w[80];
    for(int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for(int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for(int i = 0; i < 80; i++) {
        uint32_t f, k;
        if(i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if(i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if(i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

static void sha1(const unsigned char *msg, size_t len, unsigned char out[20])
{
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    size_t done = 0;
    for(; len - done >= 64; done += 64)
        sha1_block(h, msg + done);
    unsigned char tail[128] = {0};
    size_t rest = len - done;
    memcpy(tail, msg + done, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for(int i = 0; i < 8; i++)
        tail[tail_len - 1 - (size_t)i] = (unsigned char)(bits >> (8 * i));
    for(size_t off = 0; off < tail_len; off += 64)
        sha1_block(h, tail + off);
    for(int i = 0; i < 20; i++)
        out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* out must hold 4 * ((len + 2) / 3) + 1 bytes. */
static void base64(const unsigned char *in, size_t len, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for(size_t i = 0; i < len; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}

/* ---- just enough JSON to find a top-level member's value span ---- */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while(i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* Index just past the string starting at s[i] == '"', or 0 if unterminated. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
    for(i++; i < n; i++) {
        if(s[i] == '\\')
            i++;
        else if(s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index just past the value starting at s[i], or 0 if it is malformed. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
    if(i >= n)
        return 0;
    if(s[i] == '"')
        return skip_string(s, i, n);
    if(s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while(i < n) {
            if(s[i] == '"') {
                i = skip_string(s, i, n);
                if(!i)
                    return 0;
                continue;
            }
            if(s[i] == '{' || s[i] == '[')
                depth++;
            else if(s[i] == '}' || s[i] == ']')
                depth--;
            i++;
            if(depth == 0)
                return i;
        }
        return 0;
    }
    size_t start = i;
    while(i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
          s[i] != '\n')
        i++;
    return i > start ? i : 0;
}

/* Finds top-level member `key` of the object in s; 0 and its span on success. */
static int json_member(const char *s, size_t n, const char *key, const char **val, size_t *val_len)
{
    size_t klen = strlen(key), i = skip_ws(s, 0, n);
    if(i >= n || s[i] != '{')
        return -1;
    i = skip_ws(s, i + 1, n);
    while(i < n && s[i] == '"') {
        size_t kend = skip_string(s, i, n);
        if(!kend)
            return -1;
        int match = kend - i - 2 == klen && memcmp(s + i + 1, key, klen) == 0;
        i = skip_ws(s, kend, n);
        if(i >= n || s[i] != ':')
            return -1;
        i = skip_ws(s, i + 1, n);
        size_t vend = skip_value(s, i, n);
        if(!vend)
            return -1;
        if(match) {
            *val = s + i;
            *val_len = vend - i;
            return 0;
        }
        i = skip_ws(s, vend, n);
        if(i < n && s[i] == ',')
            i = skip_ws(s, i + 1, n);
    }
    return -1;
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
    if(c->dead)
        return;
    c->dead = 1;
    close(c->fd);
    if(c->is_ws) {
        struct conn *last = set[--set_len];
        set[c->set_idx] = last;
        last->set_idx = c->set_idx;
    }
    /* Freed after the current epoll batch, which may still name it (and a request being handled
     * may still point into its input buffer). */
    c->next_dead = graveyard;
    graveyard = c;
}

static void bury(void)
{
    while(graveyard) {
        struct conn *c = graveyard;
        graveyard = c->next_dead;
        free(c->in);
        free(c->out);
        free(c);
    }
}

static void want_out(struct conn *c, int on)
{
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* One send(); whatever the socket does not take is queued behind earlier leftovers. */
static void conn_send(struct conn *c, const char *p, size_t len)
{
    if(c->dead)
        return;
    if(c->out_len == 0) {
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if(w == (ssize_t)len)
            return;
        if(w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            conn_close(c);
            return;
        }
        if(w > 0) {
            p += w;
            len -= (size_t)w;
        }
        want_out(c, 1);
    }
    if(c->out_len - c->out_off + len > OUT_MAX) {
        conn_close(c);
        return;
    }
    if(c->out_off) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    char *grown = realloc(c->out, c->out_len + len);
    if(!grown) {
        conn_close(c);
        return;
    }
    c->out = grown;
    memcpy(c->out + c->out_len, p, len);
    c->out_len += len;
}

static void conn_flush(struct conn *c)
{
    while(c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if(w < 0) {
            if(errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            return;
        }
        c->out_off += (size_t)w;
    }
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    want_out(c, 0);
}

/* ---- HTTP and WebSocket ---- */

static size_t frame(char *out, const char *payload, size_t len)
{
    size_t h = 0;
    out[h++] = (char)0x81; /* FIN + text; servers never mask */
    if(len < 126) {
        out[h++] = (char)len;
    } else if(len <= 0xffff) {
        out[h++] = 126;
        out[h++] = (char)(len >> 8);
        out[h++] = (char)(len & 0xff);
    } else {
        out[h++] = 127;
        for(int i = 7; i >= 0; i--)
            out[h++] = (char)((uint64_t)len >> (8 * i));
    }
    memcpy(out + h, payload, len);
    return h + len;
}

#define ISO_LEN 80 /* room for any int fields, as the compiler cannot know tm's ranges */

static void iso_now(char out[ISO_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
}

static void reply(struct conn *c, const char *status, const char *body)
{
    char resp[512];
    int n =
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 status, strlen(body), body);
    if(n > 0 && (size_t)n < sizeof(resp))
        send(c->fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    conn_close(c);
}

/* Value of header `name` within the header block, trimmed; 0 on success. */
static int header(const char *hdrs, size_t n, const char *name, const char **val, size_t *val_len)
{
    size_t nlen = strlen(name);
    const char *p = hdrs, *end = hdrs + n;
    while(p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if(!eol)
            eol = end;
        if((size_t)(eol - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            while(v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while(ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *val = v;
            *val_len = (size_t)(ve - v);
            return 0;
        }
        p = eol + 2;
    }
    return -1;
}

static void upgrade(struct conn *c, const char *key, size_t key_len)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char cat[128], digest[20];
    char accept_b64[32];
    if(key_len == 0 || key_len + sizeof(guid) > sizeof(cat)) {
        reply(c, "400 Bad Request", "{\"error\":\"bad_upgrade\"}");
        return;
    }
    memcpy(cat, key, key_len);
    memcpy(cat + key_len, guid, sizeof(guid) - 1);
    sha1(cat, key_len + sizeof(guid) - 1, digest);
    base64(digest, sizeof(digest), accept_b64);

    char ts[ISO_LEN], ack[192], stats[256], out[1024];
    iso_now(ts);
    int ack_len =
        snprintf(ack, sizeof(ack),
                 "{\"type\":\"connection_ack\",\"data\":{\"server\":\"raw_broadcast\"},\"timestamp\":\"%s\"}", ts);
    int stats_len =
        snprintf(stats, sizeof(stats),
                 "{\"type\":\"stats_update\",\"data\":{\"connections\":%zu},\"timestamp\":\"%s\"}", set_len + 1, ts);
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n",
                     accept_b64);
    size_t len = (size_t)n;
    len += frame(out + len, ack, (size_t)ack_len);
    len += frame(out + len, stats, (size_t)stats_len);

    if(set_len == set_cap) {
        size_t cap = set_cap ? set_cap * 2 : 1024;
        struct conn **grown = realloc(set, cap * sizeof(*set));
        if(!grown) {
            conn_close(c);
            return;
        }
        set = grown;
        set_cap = cap;
    }
    c->is_ws = 1;
    c->set_idx = set_len;
    set[set_len++] = c;
    conn_send(c, out, len);
}

static void broadcast(const char *body, size_t body_len)
{
    static char payload[MSG_MAX], msg[MSG_MAX + 16];
    const char *type = "\"error\"", *data;
    size_t type_len = strlen(type), data_len;
    if(json_member(body, body_len, "type", &type, &type_len) || type[0] != '"') {
        type = "\"error\"";
        type_len = strlen(type);
    }
    if(json_member(body, body_len, "data", &data, &data_len) || data[0] != '{') {
        data = "{}";
        data_len = 2;
    }
    char ts[ISO_LEN];
    iso_now(ts);
    size_t n = 0;
#define PUT(p, l) (memcpy(payload + n, (p), (l)), n += (l))
    PUT("{\"type\":", 8);
    PUT(type, type_len);
    PUT(",\"data\":", 8);
    PUT(data, data_len);
    PUT(",\"timestamp\":\"", 14);
    PUT(ts, strlen(ts));
    PUT("\"}", 2);
#undef PUT
    size_t len = frame(msg, payload, n);
    /* Backwards, so a client dropped mid-loop (swapped with the last) is never skipped. */
    for(size_t i = set_len; i-- > 0;)
        conn_send(set[i], msg, len);
}

/* Handles one complete request in buf; returns 0 if it needs more bytes. */
static int handle_request(struct conn *c, const char *buf, size_t len)
{
    const char *hend = memmem(buf, len, "\r\n\r\n", 4);
    if(!hend)
        return 0;
    size_t hdr_len = (size_t)(hend - buf) + 4;
    const char *sp1 = memchr(buf, ' ', hdr_len),
               *sp2 = sp1 ? memchr(sp1 + 1, ' ', hdr_len - (size_t)(sp1 + 1 - buf)) : NULL;
    if(!sp2) {
        reply(c, "400 Bad Request", "{\"error\":\"bad_request\"}");
        return 1;
    }
    size_t mlen = (size_t)(sp1 - buf), plen = (size_t)(sp2 - sp1 - 1);
    const char *path = sp1 + 1, *v;
    size_t vlen;
#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && memcmp((s), lit, sizeof(lit) - 1) == 0)
    if(IS(buf, mlen, "GET") && IS(path, plen, "/health")) {
        reply(c, "200 OK", "{\"status\":\"ok\"}");
    } else if(IS(buf, mlen, "GET") && IS(path, plen, "/admin/ws/dashboard")) {
        if(header(buf, hdr_len, "Sec-WebSocket-Key", &v, &vlen))
            reply(c, "400 Bad Request", "{\"error\":\"bad_upgrade\"}");
        else
            upgrade(c, v, vlen);
    } else if(IS(buf, mlen, "POST") && IS(path, plen, "/api/v1/debug/events")) {
        size_t body_len = 0;
        if(!header(buf, hdr_len, "Content-Length", &v, &vlen)) {
            char num[24] = {0};
            memcpy(num, v, vlen < sizeof(num) - 1 ? vlen : sizeof(num) - 1);
            body_len = (size_t)strtoull(num, NULL, 10);
        }
        if(body_len > REQ_MAX - hdr_len) {
            reply(c, "413 Payload Too Large", "{\"error\":\"too_large\"}");
            return 1;
        }
        if(len < hdr_len + body_len)
            return 0;
        reply(c, "202 Accepted", "{\"published\":1,\"refused\":0}");
        broadcast(buf + hdr_len, body_len);
    } else {
        reply(c, "404 Not Found", "{\"error\":\"not_found\"}");
    }
#undef IS
    return 1;
}

static void on_readable(struct conn *c)
{
    ssize_t r = read(c->fd, scratch, sizeof(scratch));
    if(r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c);
        return;
    }
    if(r < 0 || c->is_ws)
        return; /* client frames (pings, close) are not needed by the benchmark */
    const char *buf = scratch;
    size_t len = (size_t)r;
    if(c->in) {
        if(c->in_len + len > REQ_MAX) {
            reply(c, "413 Payload Too Large", "{\"error\":\"too_large\"}");
            return;
        }
        memcpy(c->in + c->in_len, scratch, len);
        c->in_len += len;
        buf = c->in;
        len = c->in_len;
    }
    if(handle_request(c, buf, len)) {
        free(c->in);
        c->in = NULL;
        c->in_len = 0;
    } else if(!c->in && !c->dead) {
        c->in = malloc(REQ_MAX);
        if(!c->in) {
            conn_close(c);
            return;
        }
        memcpy(c->in, scratch, len);
        c->in_len = len;
    }
}

static void on_accept(int lfd)
{
    for(;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if(fd < 0)
            return; /* EAGAIN, or out of descriptors: retried on the next wakeup */
        struct conn *c = calloc(1, sizeof(*c));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if(!c || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
    }
}

int main(int argc, char **argv)
{
    long port = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if(port <= 0 || port > 65535) {
        fprintf(stderr, "usage: raw_broadcast PORT\n");
        return 2;
    }
    struct rlimit rl;
    if(getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if(sfd < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 65535)) {
        perror("raw_broadcast");
        return 1;
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    /* The listener and the signalfd are told apart from clients by these two addresses. */
    static char listener_tag, signal_tag;
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener_tag};
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &signal_tag};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);

    struct epoll_event evs[512];
    for(int running = 1; running;) {
        int k = epoll_wait(ep, evs, 512, -1);
        if(k < 0 && errno != EINTR) {
            perror("raw_broadcast: epoll_wait");
            return 1;
        }
        for(int i = 0; i < k; i++) {
            void *tag = evs[i].data.ptr;
            if(tag == &listener_tag) {
                on_accept(lfd);
                continue;
            }
            if(tag == &signal_tag) {
                running = 0;
                continue;
            }
            struct conn *c = tag;
            if(!c->dead && (evs[i].events & EPOLLOUT))
                conn_flush(c);
            if(!c->dead && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                on_readable(c);
        }
        bury();
    }
    while(set_len)
        conn_close(set[set_len - 1]);
    bury();
    free(set);
    close(lfd);
    close(sfd);
    close(ep);
    return 0;
}
