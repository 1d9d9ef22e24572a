#define _GNU_SOURCE /* RTLD_NEXT */

#include "server/reqguard.h"

#include "server/http.h"
#include "server/reqscan.h"
#include "server/sockwait.h"
#include "util/alloc.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* lws's max_http_header_data when the context does not set it (server.c does not) */
#define LWS_HEADER_DATA 4096

typedef ssize_t (*recv_fn)(int, void *, size_t, int);

static recv_fn real_recv;
static pthread_once_t found = PTHREAD_ONCE_INIT;
static _Thread_local int service_thread; /* other threads' recv() (libgit2's) pass straight through */
static server_t *guarded;
/* A request line's first bytes, kept back from lws until they tell the target's form. */
typedef struct watch {
    reqscan_t scan;
    int held_back; /* reqguard_hold_back */
    size_t held;
    unsigned char hold[REQSCAN_HELD_MAX];
} watch_t;

/* A watch by descriptor, only while its connection is HTTP: a WebSocket's is freed at its upgrade, so
 * thousands of dashboards cost a pointer each (the table grows to the highest descriptor watched). */
static watch_t **watches;
static size_t n_watches;

static void find_recv(void)
{
    real_recv = (recv_fn)dlsym(RTLD_NEXT, "recv");
}

static int names_this_server(const char *authority, void *ud)
{
    return host_allowed(&((server_t *)ud)->origins, authority);
}

int reqguard_init(server_t *srv)
{
    pthread_once(&found, find_recv);
    if(!real_recv)
        return -1;
    static const char *names[REQSCAN_KNOWN_MAX];
    size_t n = 0;
    for(int t = 0; t < WSI_TOKEN_COUNT && n < REQSCAN_KNOWN_MAX; t++) {
        const unsigned char *name = lws_token_to_string((enum lws_token_indexes)t);
        if(name)
            names[n++] = (const char *)name;
    }
    reqscan_known_names(names, n);
    reqscan_table(LWS_HEADER_DATA, WSI_TOKEN_COUNT);
    reqscan_hosts(names_this_server, srv);
    guarded = srv;
    service_thread = 1;
    return 0;
}

void reqguard_free(void)
{
    for(size_t i = 0; i < n_watches; i++)
        util_free(watches[i]);
    util_free(watches);
    watches = NULL;
    n_watches = 0;
    guarded = NULL;
}

void reqguard_watch(int fd)
{
    if(fd < 0 || !service_thread)
        return;
    if((size_t)fd >= n_watches) {
        size_t n = n_watches ? n_watches : 256;
        while(n <= (size_t)fd)
            n *= 2;
        watch_t **grown = util_realloc(watches, n * sizeof(*grown));
        if(!grown)
            return; /* unchecked: lws alone parses this connection's requests */
        memset(grown + n_watches, 0, (n - n_watches) * sizeof(*grown));
        watches = grown;
        n_watches = n;
    }
    if(!watches[fd] && !(watches[fd] = util_malloc(sizeof(*watches[fd]))))
        return;
    reqscan_init(&watches[fd]->scan);
    watches[fd]->held = 0;
    watches[fd]->held_back = 0;
}

void reqguard_hold_back(int fd, int on)
{
    if(fd >= 0 && (size_t)fd < n_watches && watches[fd] && service_thread)
        watches[fd]->held_back = on;
}

void reqguard_unwatch(int fd)
{
    if(fd >= 0 && (size_t)fd < n_watches && service_thread) {
        util_free(watches[fd]);
        watches[fd] = NULL;
    }
}

static void refuse(int fd, int status, const char *why)
{
    char body[256], out[512];
    int blen = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"detail\":\"%s%s\"}",
                        status == 400   ? "bad_request"
                        : status == 414 ? "uri_too_long"
                        : status == 421 ? "misdirected_request"
                                        : "request_header_fields_too_large",
                        status == 400 ? "malformed request headers: " : "", why);
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     "connection: close\r\n\r\n%s",
                     status, http_status_text(status), blen, body);
    if(n > 0 && (size_t)n < sizeof(out) && send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        log_debug("http.write_failed", "errno=%d", errno);
    if(guarded)
        metrics_http_response(&guarded->metrics, status);
    log_limited(LOG_WARN, "http.rejected", "reason=%s detail=%s status=%d",
                status == 400   ? "malformed_headers"
                : status == 414 ? "uri_too_long"
                : status == 421 ? "host"
                                : "headers_too_large",
                LOG_Q(why),
                status);
}

/* Takes `n` bytes already peeked at out of the socket. */
static int consume(int fd, size_t n)
{
    char sink[4096]; /* what is taken was read already: discarded */
    while(n) {
        ssize_t got = real_recv(fd, sink, n < sizeof(sink) ? n : sizeof(sink), 0);
        if(got <= 0)
            return -1;
        n -= (size_t)got;
    }
    return 0;
}

/*
 * Called for every recv() of the process; lws reads its sockets with it (flags 0). The bytes are
 * scanned and handed on (a target in absolute form cut to the origin form; a request line's first
 * bytes kept back until they tell which it is, EAGAIN when nothing else came); a malformed header
 * block is answered here and reported to lws as the peer's end of stream, so lws closes the
 * connection without parsing it.
 */
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    pthread_once(&found, find_recv);
    if(!real_recv) {
        errno = ENOSYS;
        return -1;
    }
    if(sockwait_ready(fd, POLLIN))
        return -1;
    watch_t *w = !flags && service_thread && fd >= 0 && (size_t)fd < n_watches ? watches[fd] : NULL;
    if(!w)
        return real_recv(fd, buf, len, flags);
    if(w->held_back) {
        errno = EAGAIN;
        return -1;
    }
    size_t held = w->held;
    if(len <= held) { /* lws reads 4 KiB pages: never seen, but the bytes stay in order, then unchecked */
        memcpy(buf, w->hold, len);
        memmove(w->hold, w->hold + len, held - len);
        w->held -= len;
        w->scan.off = 1;
        return (ssize_t)len;
    }
    /* lws 4.1.6 spins on a request with a body it finds in its own buffer after another: it is handed
       one request a read, the rest left in the socket (peeked at, then taken), unless all is body */
    int peek = reqscan_body_left(&w->scan) < (int64_t)(len - held) && !w->scan.off;
    ssize_t got = real_recv(fd, (char *)buf + held, len - held, peek ? MSG_PEEK : 0);
    if(got <= 0) /* an end of stream with bytes held: a request line cut short, nothing to serve */
        return got;
    memcpy(buf, w->hold, held);
    size_t n = held + (size_t)got, keep = 0, after = 0;
    const char *why = NULL;
    enum reqscan_result r = reqscan_take(&w->scan, buf, &n, &keep, &after, &why);
    if(peek && consume(fd, (size_t)got - after))
        return -1;
    if(r == REQSCAN_OK) {
        memcpy(w->hold, (char *)buf + n, keep);
        w->held = keep;
        if(n)
            return (ssize_t)n;
        errno = EAGAIN;
        return -1;
    }
    reqguard_unwatch(fd);
    if(r == REQSCAN_OFF)
        return (ssize_t)n;
    refuse(fd, r == REQSCAN_TOO_BIG ? 431 : r == REQSCAN_TOO_LONG ? 414 : r == REQSCAN_MISDIRECTED ? 421 : 400, why);
    return 0;
}
