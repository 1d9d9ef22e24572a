/* for accept4 */
#define _GNU_SOURCE

#include "server/listener.h"

#include "server/iplimit.h"
#include "server/reqguard.h"
#include "server/txwait.h"
#include "server/reqscan.h"
#include "server/server.h"
#include "server/ws.h"
#include "server/wshand.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_MAX     8
#define LISTEN_BACKLOG 4096
#define ACCEPT_BATCH   64  /* accepts per loop turn, so a connect flood cannot starve the rest */
#define BACKOFF_MS     250 /* accept paused this long after EMFILE/ENFILE instead of spinning */
#define SWEEP_MS       250 /* waiting connections' deadlines are checked this often */
#define IP_BUCKETS     1024
#define WAITING_PER_IP 256 /* beyond this an address's new connections are refused at once */
#define FD_HEADROOM    64  /* descriptors kept free for DuckDB, ingest files, libgit2, logs and lws's own */

enum refusal { REFUSE_CAPACITY, REFUSE_PER_IP, REFUSE_WAIT_TIMEOUT, REFUSE_NO_FDS, N_REFUSALS };
static const char *const refusal_names[N_REFUSALS] = {"capacity", "per_ip_waiting", "waited_too_long",
                                                      "out_of_descriptors"};

typedef struct ip_slot {
    struct ip_slot *next; /* hash chain */
    int refs;             /* tickets and waiting connections that point here */
    int active;           /* connections handed to lws and not yet upgraded or closed */
    int n_waiting;
    struct waiting *head, *tail; /* this address's waiting connections, oldest first */
    struct ip_slot *ready_next;  /* on the list of addresses that got room (holds a reference) */
    int ready;
    char addr[IPLIMIT_ADDR_MAX];
} ip_slot_t;

/* Accepted but not handed to lws: its address already has its share of HTTP connections. */
typedef struct waiting {
    struct waiting *prev, *next; /* all waiting connections, oldest first */
    struct waiting *slot_next;
    ip_slot_t *slot;
    int fd;
    int64_t since_ms;
    char peer[LISTENER_PEER_MAX];
} waiting_t;

/*
 * A connection on HTTP's per-address slots: while its request head is read (by us, to see whether it
 * is a dashboard WebSocket) and then, as lws's opaque user data, while lws serves it.
 */
typedef struct ticket {
    struct listener *l;
    ip_slot_t *slot;
    int fd;
    struct ticket *hprev, *hnext; /* reading the head: all such, oldest first */
    int64_t since_ms;
    char peer[LISTENER_PEER_MAX]; /* the address accept4 gave, normalised: no getpeername for the handshake */
} ticket_t;

struct listener {
    server_t *srv;
    uv_loop_t *loop;
    struct lws_vhost *vhost;
    int n;
    int fds[LISTEN_MAX];
    uv_poll_t polls[LISTEN_MAX];
    uv_timer_t timer;
    int timer_init, polling;
    int64_t paused_until_ms; /* 0: accepting */
    int cap, open, per_ip;
    int64_t wait_ms;
    char proxy[IPLIMIT_ADDR_MAX];
    ip_slot_t *buckets[IP_BUCKETS];
    waiting_t *wait_head, *wait_tail;
    ip_slot_t *ready;             /* addresses with waiting connections and a slot just freed */
    ticket_t *heads, *heads_tail; /* connections whose request head is being read */
    ticket_t *adopting;           /* set around lws_adopt_*: did lws destroy it already? */
    int adopt_destroyed;
    char addresses[256];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for(; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % IP_BUCKETS;
}

static ip_slot_t *slot_get(listener_t *l, const char *addr)
{
    ip_slot_t **p = &l->buckets[hash(addr)];
    while(*p && strcmp((*p)->addr, addr) != 0)
        p = &(*p)->next;
    if(*p)
        return *p;
    ip_slot_t *s = util_calloc(1, sizeof(*s));
    if(!s)
        return NULL;
    snprintf(s->addr, sizeof(s->addr), "%s", addr);
    *p = s;
    return s;
}

static void slot_unref(listener_t *l, ip_slot_t *s)
{
    if(--s->refs > 0)
        return;
    ip_slot_t **p = &l->buckets[hash(s->addr)];
    while(*p != s)
        p = &(*p)->next;
    *p = s->next;
    util_free(s);
}

/* Clients decide how often these happen: log_limited keeps a flood to a count per window. */
static void note_refusal(listener_t *l, enum refusal why)
{
    log_limited(LOG_WARN, "server.refused", "reason=%s open=%d cap=%d", refusal_names[why], l->open, l->cap);
}

/* Best effort: a short answer the client may or may not read, then the socket is closed. */
static void refuse_fd(int fd, const char *detail)
{
    char msg[320];
    int body = snprintf(msg, sizeof(msg), "{\"error\":\"too_many_connections\",\"detail\":\"%s\"}", detail);
    char out[512];
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: "
                     "%d\r\nconnection: close\r\n\r\n%s",
                     body, msg);
    if(n > 0 && (size_t)n < sizeof(out) && send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        log_debug("server.refuse_write_failed", "errno=%d", errno);
    shutdown(fd, SHUT_WR);
    close(fd);
}

static void release_slot(listener_t *l, ticket_t *t);

/* Hands a connection to lws, which reads its request from the first byte (the head was only peeked at). */
static void to_lws(listener_t *l, ticket_t *t)
{
    int fd = t->fd;
    reqguard_watch(fd);
    lws_adopt_desc_t info;
    memset(&info, 0, sizeof(info));
    info.vh = l->vhost;
    info.type = LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP;
    info.fd.sockfd = fd;
    info.opaque = t;
    l->adopting = t;
    l->adopt_destroyed = 0;
    struct lws *wsi = lws_adopt_descriptor_vhost_via_info(&info);
    l->adopting = NULL;
    if(!wsi && !l->adopt_destroyed) {
        /* refused before lws took the socket: its teardown never ran */
        log_warn("server.adopt_failed", "peer=%s", t->slot->addr);
        close(fd);
        l->open--;
        release_slot(l, t);
    }
}

static void head_unlink(listener_t *l, ticket_t *t)
{
    if(t->hprev)
        t->hprev->hnext = t->hnext;
    else
        l->heads = t->hnext;
    if(t->hnext)
        t->hnext->hprev = t->hprev;
    else
        l->heads_tail = t->hprev;
    t->hprev = t->hnext = NULL;
}

/* A connection that ends while its head is read: closed without an answer, like lws's header timeout. */
static void head_close(listener_t *l, ticket_t *t)
{
    head_unlink(l, t);
    netpoll_forget(&l->srv->np, t->fd);
    close(t->fd);
    l->open--;
    release_slot(l, t);
}

static void head_to_lws(listener_t *l, ticket_t *t)
{
    head_unlink(l, t);
    netpoll_del(&l->srv->np, t->fd);
    to_lws(l, t);
}

/*
 * What the head says so far: HEAD_LWS (not a dashboard WebSocket: lws serves it), HEAD_WAIT (more
 * bytes needed) or HEAD_WS with its length and fields. Only a head that is a WebSocket upgrade on the
 * dashboard path, parses, and passes the request guard's scan becomes ours; anything else odd is
 * lws's to answer as before.
 */
enum head_kind { HEAD_WAIT, HEAD_LWS, HEAD_WS };

static enum head_kind classify(unsigned char *p, size_t n, size_t *head_len, ws_request_t *req)
{
    static const char prefix[] = "GET " WS_DASHBOARD_PATH;
    size_t pl = sizeof(prefix) - 1;
    if(memcmp(p, prefix, n < pl ? n : pl) != 0)
        return HEAD_LWS;
    if(n <= pl)
        return HEAD_WAIT;
    if(p[pl] != ' ' && p[pl] != '?')
        return HEAD_LWS;
    const unsigned char *end = memmem(p, n, "\r\n\r\n", 4), *bare = memmem(p, n, "\n\n", 2);
    if(bare && (!end || bare < end))
        return HEAD_LWS; /* lines ended by LF alone: lws reads those */
    if(!end)
        return n >= WSHAND_HEAD_MAX ? HEAD_LWS : HEAD_WAIT;
    *head_len = (size_t)(end - p) + 4;
    reqscan_t scan;
    reqscan_init(&scan);
    const char *why = NULL;
    enum reqscan_result r = reqscan_feed(&scan, p, *head_len, &why);
    if(r == REQSCAN_BAD || r == REQSCAN_TOO_BIG || r == REQSCAN_TOO_LONG)
        return HEAD_LWS;
    if(wshand_parse((const char *)p, *head_len, req) || !wshand_is_websocket(req))
        return HEAD_LWS;
    return HEAD_WS;
}

/* The head is peeked at, not read: a connection that is not ours goes to lws with its bytes unread. */
static void on_head(void *owner, int fd, uint32_t events)
{
    ticket_t *t = owner;
    listener_t *l = t->l;
    static unsigned char head[WSHAND_HEAD_MAX]; /* service thread only */
    if(!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return; /* writable only (the edge every socket has when it joins the set) */
    ssize_t n = recv(fd, head, sizeof(head), MSG_PEEK);
    if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if(n <= 0) {
        head_close(l, t);
        return;
    }
    size_t head_len = 0;
    ws_request_t req;
    switch(classify(head, (size_t)n, &head_len, &req)) {
    case HEAD_WAIT: return;
    case HEAD_LWS: head_to_lws(l, t); return;
    case HEAD_WS: break;
    }
    head_unlink(l, t);
    if(ws_take(l->srv, fd, t->peer, &req, head_len, (size_t)n > head_len)) {
        netpoll_forget(&l->srv->np, fd);
        close(fd);
        l->open--;
    }
    release_slot(l, t); /* a WebSocket counts against its own limits, not HTTP's per-address slots */
}

static void adopt(listener_t *l, int fd, ip_slot_t *slot, const char *peer)
{
    ticket_t *t = util_calloc(1, sizeof(*t));
    if(!t) {
        log_error("server.out_of_memory", "what=connection");
        close(fd);
        l->open--;
        slot_unref(l, slot);
        return;
    }
    t->l = l;
    t->slot = slot;
    t->fd = fd;
    snprintf(t->peer, sizeof(t->peer), "%s", peer);
    slot->active++;
    if(netpoll_add(&l->srv->np, fd, on_head, t)) {
        to_lws(l, t); /* lws reads it all, as before */
        return;
    }
    t->since_ms = time_mono_ms();
    t->hprev = l->heads_tail;
    if(l->heads_tail)
        l->heads_tail->hnext = t;
    else
        l->heads = t;
    l->heads_tail = t;
}

static void waiting_unlink(listener_t *l, waiting_t *w)
{
    if(w->prev)
        w->prev->next = w->next;
    else
        l->wait_head = w->next;
    if(w->next)
        w->next->prev = w->prev;
    else
        l->wait_tail = w->prev;
    ip_slot_t *s = w->slot;
    /* a slot's list is in the same order as the global one, so w is its head */
    s->head = w->slot_next;
    if(!s->head)
        s->tail = NULL;
    s->n_waiting--;
}

/* Hands waiting connections to lws, oldest first, at the addresses that got room: no walk over all. */
static void admit_waiting(listener_t *l)
{
    while(l->ready) {
        ip_slot_t *s = l->ready;
        l->ready = s->ready_next;
        s->ready = 0;
        while(s->head && s->active < l->per_ip) {
            waiting_t *w = s->head;
            waiting_unlink(l, w);
            adopt(l, w->fd, s, w->peer); /* the slot reference moves from the waiting entry to the ticket */
            util_free(w);
        }
        slot_unref(l, s); /* the ready list's */
    }
}

static void expire_waiting(listener_t *l, int64_t now)
{
    while(l->wait_head && now - l->wait_head->since_ms >= l->wait_ms) {
        waiting_t *w = l->wait_head;
        waiting_unlink(l, w);
        close(w->fd);
        l->open--;
        note_refusal(l, REFUSE_WAIT_TIMEOUT);
        slot_unref(l, w->slot);
        util_free(w);
    }
}

static void wait_for_room(listener_t *l, int fd, ip_slot_t *slot, const char *peer)
{
    waiting_t *w = slot->n_waiting < WAITING_PER_IP ? util_calloc(1, sizeof(*w)) : NULL;
    if(!w) {
        note_refusal(l, REFUSE_PER_IP);
        refuse_fd(fd, "too many connections from this address are waiting");
        l->open--;
        slot_unref(l, slot);
        return;
    }
    w->fd = fd;
    w->slot = slot;
    snprintf(w->peer, sizeof(w->peer), "%s", peer);
    w->since_ms = time_mono_ms();
    w->prev = l->wait_tail;
    if(l->wait_tail)
        l->wait_tail->next = w;
    else
        l->wait_head = w;
    l->wait_tail = w;
    if(slot->tail)
        slot->tail->slot_next = w;
    else
        slot->head = w;
    slot->tail = w;
    slot->n_waiting++;
}

/* The peer as the WebSocket side names it (peer, normalised) and its per-address key. */
static void peer_key(const iplimit_t *per_ip, const struct sockaddr_storage *ss, char peer[LISTENER_PEER_MAX],
                     char out[IPLIMIT_ADDR_MAX])
{
    char raw[INET6_ADDRSTRLEN] = "";
    if(ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, raw, sizeof(raw));
    else if(ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, raw, sizeof(raw));
    iplimit_normalize(raw, peer, LISTENER_PEER_MAX);
    iplimit_key(per_ip, peer, out); /* an IPv6 client is its /64, as for the WebSocket limit */
}

static void take(listener_t *l, int fd, const struct sockaddr_storage *ss)
{
    if(l->srv->stopping) {
        close(fd);
        return;
    }
    if(l->open >= l->cap) {
        note_refusal(l, REFUSE_CAPACITY);
        refuse_fd(fd, "the server is at its connection limit");
        return;
    }
    char peer[LISTENER_PEER_MAX], key[IPLIMIT_ADDR_MAX];
    peer_key(l->srv->per_ip, ss, peer, key);
    ip_slot_t *slot = slot_get(l, key);
    if(!slot) {
        log_error("server.out_of_memory", "what=connection");
        close(fd);
        return;
    }
    slot->refs++;
    l->open++;
    /* a trusted proxy carries many clients: its connections are not held back as one address */
    int exempt = l->proxy[0] && strcmp(key, l->proxy) == 0;
    if(exempt || (slot->active < l->per_ip && !slot->head))
        adopt(l, fd, slot, peer);
    else
        wait_for_room(l, fd, slot, peer);
}

static void pause_accepting(listener_t *l, int64_t now)
{
    for(int i = 0; i < l->n && l->polling; i++)
        uv_poll_stop(&l->polls[i]);
    l->polling = 0;
    l->paused_until_ms = now + BACKOFF_MS;
}

static void on_listen_readable(uv_poll_t *h, int status, int events)
{
    listener_t *l = h->data;
    (void)events;
    if(status < 0)
        return;
    int fd = -1;
    if(uv_fileno((uv_handle_t *)h, &fd))
        return;
    for(int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int c = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if(c >= 0) {
            txwait_closed(c); /* a descriptor used again: a connection that had it is gone */
            take(l, c, &ss);
            continue;
        }
        if(errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if(errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* the pending connection stays in the backlog; trying again at once would spin */
            note_refusal(l, REFUSE_NO_FDS);
            pause_accepting(l, time_mono_ms());
        }
        break;
    }
}

static int resume_accepting(listener_t *l)
{
    for(int i = 0; i < l->n; i++) {
        if(uv_poll_start(&l->polls[i], UV_READABLE, on_listen_readable))
            return -1;
    }
    l->polling = 1;
    l->paused_until_ms = 0;
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    listener_t *l = t->data;
    int64_t now = time_mono_ms();
    expire_waiting(l, now);
    /* the head has --header-timeout in all, as lws's header table had */
    while(l->heads && now - l->heads->since_ms >= l->wait_ms)
        head_close(l, l->heads);
    admit_waiting(l);
    if(l->paused_until_ms && now >= l->paused_until_ms && !l->srv->stopping)
        resume_accepting(l);
}

/* Room for connections below RLIMIT_NOFILE, leaving descriptors for everything else. */
static int connection_cap(void)
{
    struct rlimit rl;
    if(getrlimit(RLIMIT_NOFILE, &rl))
        return 1024 - FD_HEADROOM;
    /* A fixed reserve: what else holds descriptors is bounded (a few for DuckDB, one per worker and
     * clone); an upload's spool file beyond it fails that upload with its error, not the server. */
    rlim_t n = rl.rlim_cur > 1000000 ? 1000000 : rl.rlim_cur;
    return n > FD_HEADROOM + 16 ? (int)(n - FD_HEADROOM) : 16;
}

static void describe(char *out, size_t outlen, const struct sockaddr *sa)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if(sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        port = ntohs(s6->sin6_port);
        snprintf(out, outlen, "[%s]:%d", ip, port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
        snprintf(out, outlen, "%s:%d", ip, port);
    }
}

static const char *bind_error(int err)
{
    return err == EADDRINUSE      ? "the port is in use by another process"
           : err == EADDRNOTAVAIL ? "the address is not one of this machine's"
           : err == EACCES        ? "permission denied (ports below 1024 need privileges)"
                                  : strerror(err);
}

static int bind_one(const struct addrinfo *ai, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if(fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if(bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, LISTEN_BACKLOG)) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

static int is_literal(const char *host)
{
    unsigned char bin[16];
    return inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1;
}

int listener_open(server_t *srv, uv_loop_t *loop)
{
    const config_t *cfg = srv->cfg;
    listener_t *l = util_calloc(1, sizeof(*l));
    if(!l) {
        log_error("server.init_failed", "reason=\"out of memory\"");
        return -1;
    }
    srv->listener = l;
    l->srv = srv;
    l->loop = loop;
    l->cap = connection_cap();
    l->per_ip = cfg->max_http_per_ip;
    l->wait_ms = (int64_t)cfg->header_timeout * 1000;
    if(cfg->trusted_proxy) {
        char proxy[IPLIMIT_ADDR_MAX];
        iplimit_normalize(cfg->trusted_proxy, proxy, sizeof(proxy));
        iplimit_key(srv->per_ip, proxy, l->proxy);
    }

    char service[16];
    snprintf(service, sizeof(service), "%d", cfg->port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(cfg->host, service, &hints, &res);
    if(rc) {
        log_error("server.listen_failed", "host=%s port=%d reason=\"cannot resolve the address: %s\"", cfg->host,
                  cfg->port, gai_strerror(rc));
        return -1;
    }
    int literal = is_literal(cfg->host), failed = 0;
    size_t used = 0;
    for(const struct addrinfo *ai = res; ai && l->n < LISTEN_MAX; ai = ai->ai_next) {
        char where[64];
        describe(where, sizeof(where), ai->ai_addr);
        if(strstr(l->addresses, where))
            continue; /* a name can list one address twice */
        int err = 0, fd = bind_one(ai, &err);
        if(fd < 0) {
            /* a name may resolve to a family this machine lacks (::1 without IPv6): skip that one */
            int skippable = !literal && (err == EAFNOSUPPORT || err == EADDRNOTAVAIL);
            log_event(skippable ? LOG_WARN : LOG_ERROR, "server.listen_failed", "host=%s address=%s reason=\"%s\"",
                      cfg->host, where, bind_error(err));
            if(!skippable)
                failed = 1;
            continue;
        }
        l->fds[l->n] = fd;
        uv_poll_init(loop, &l->polls[l->n], fd);
        l->polls[l->n].data = l;
        l->n++;
        int w = snprintf(l->addresses + used, sizeof(l->addresses) - used, "%s%s", used ? " " : "", where);
        if(w > 0 && (size_t)w < sizeof(l->addresses) - used)
            used += (size_t)w;
    }
    freeaddrinfo(res);
    if(failed || l->n == 0) {
        if(!failed)
            log_error("server.listen_failed", "host=%s port=%d reason=\"no address to listen on\"", cfg->host,
                      cfg->port);
        return -1;
    }
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    l->timer_init = 1;
    return 0;
}

int listener_start(server_t *srv)
{
    listener_t *l = srv->listener;
    l->vhost = lws_get_vhost_by_name(srv->ctx, "default");
    if(!l->vhost || resume_accepting(l) || uv_timer_start(&l->timer, on_timer, SWEEP_MS, SWEEP_MS))
        return -1;
    return 0;
}

static void closed_handle(uv_handle_t *h)
{
    (void)h;
}

void listener_stop(server_t *srv)
{
    listener_t *l = srv->listener;
    if(!l)
        return;
    for(int i = 0; i < l->n; i++) {
        uv_poll_stop(&l->polls[i]);
        uv_close((uv_handle_t *)&l->polls[i], closed_handle);
        close(l->fds[i]);
    }
    l->n = 0;
    l->polling = 0;
    if(l->timer_init) {
        uv_timer_stop(&l->timer);
        uv_close((uv_handle_t *)&l->timer, closed_handle);
        l->timer_init = 0;
    }
    while(l->wait_head) {
        waiting_t *w = l->wait_head;
        waiting_unlink(l, w);
        close(w->fd);
        l->open--;
        slot_unref(l, w->slot);
        util_free(w);
    }
    while(l->heads)
        head_close(l, l->heads);
}

void listener_free(server_t *srv)
{
    listener_t *l = srv->listener;
    if(!l)
        return;
    for(size_t i = 0; i < IP_BUCKETS; i++) {
        for(ip_slot_t *s = l->buckets[i], *next; s; s = next) {
            next = s->next;
            util_free(s);
        }
    }
    util_free(l);
    srv->listener = NULL;
}

static void release_slot(listener_t *l, ticket_t *t)
{
    ip_slot_t *s = t->slot;
    reqguard_unwatch(t->fd);
    s->active--;
    if(s->head && !s->ready && l->timer_init) {
        /* not from inside lws's callback: the next loop turn admits whoever waited */
        s->ready = 1;
        s->refs++;
        s->ready_next = l->ready;
        l->ready = s;
        uv_timer_start(&l->timer, on_timer, 0, SWEEP_MS);
    }
    slot_unref(l, s);
    util_free(t);
}

void listener_ws_closed(server_t *srv)
{
    if(srv->listener)
        srv->listener->open--;
}

void listener_conn_closed(server_t *srv, struct lws *wsi)
{
    listener_t *l = srv->listener;
    void *p = lws_get_opaque_user_data(wsi);
    if(!l || !p)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    txwait_closed(((ticket_t *)p)->fd);
    l->open--;
    if(p == l->adopting)
        l->adopt_destroyed = 1;
    release_slot(l, p);
}

const char *listener_peer(const server_t *srv, struct lws *wsi)
{
    void *p = lws_get_opaque_user_data(wsi);
    if(!srv->listener || !p)
        return NULL;
    return ((const ticket_t *)p)->peer;
}

const char *listener_addresses(const server_t *srv)
{
    return srv->listener ? srv->listener->addresses : "";
}

int listener_open_count(const server_t *srv)
{
    return srv->listener ? srv->listener->open : 0;
}

int listener_cap(const server_t *srv)
{
    return srv->listener ? srv->listener->cap : 0;
}
