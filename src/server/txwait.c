#include "server/txwait.h"

#include "util/alloc.h"

#include <poll.h>
#include <string.h>
#include <sys/epoll.h>

typedef struct conn {
    struct lws *wsi;
    int waiting; /* reads paused, the socket in srv->np */
} conn_t;

static _Thread_local int service_thread; /* libgit2's sends on other threads pass */
static server_t *bound_srv;
static conn_t *conns; /* by descriptor; grows to the highest one bound */
static size_t n_conns;

void txwait_init(server_t *srv)
{
    bound_srv = srv;
    service_thread = 1;
}

void txwait_free(void)
{
    util_free(conns);
    conns = NULL;
    n_conns = 0;
    bound_srv = NULL;
}

static conn_t *conn_of(int fd, struct lws *wsi)
{
    if(!service_thread || fd < 0 || (size_t)fd >= n_conns || !conns[fd].wsi)
        return NULL;
    return !wsi || conns[fd].wsi == wsi ? &conns[fd] : NULL;
}

void txwait_bind(struct lws *wsi)
{
    int fd = lws_get_socket_fd(wsi);
    if(!service_thread || fd < 0 || ((size_t)fd < n_conns && conns[fd].wsi == wsi))
        return;
    if((size_t)fd >= n_conns) {
        size_t n = n_conns ? n_conns : 256;
        while(n <= (size_t)fd)
            n *= 2;
        conn_t *grown = util_realloc(conns, n * sizeof(*grown));
        if(!grown)
            return; /* unwatched: lws may spin on this connection if its peer stops reading */
        memset(grown + n_conns, 0, (n - n_conns) * sizeof(*grown));
        conns = grown;
        n_conns = n;
    }
    conns[fd] = (conn_t){.wsi = wsi};
}

static void resume(int fd, conn_t *c)
{
    netpoll_del(&bound_srv->np, fd);
    c->waiting = 0;
    lws_rx_flow_control(c->wsi, 1);
}

void txwait_closed(int fd)
{
    conn_t *c = conn_of(fd, NULL);
    if(!c)
        return;
    if(c->waiting) /* closed: out of the epoll set already */
        netpoll_forget(&bound_srv->np, fd);
    *c = (conn_t){0};
}

/* Room in the socket, or an error or hang-up lws must see: its reads (and POLLOUT) resume. */
static void on_event(void *owner, int fd, uint32_t events)
{
    conn_t *c = conn_of(fd, owner);
    if(c && c->waiting && (events & ~(uint32_t)EPOLLIN))
        resume(fd, c);
}

static void wait_for_room(int fd, conn_t *c)
{
    if(c->waiting || netpoll_add(&bound_srv->np, fd, on_event, c->wsi))
        return;
    c->waiting = 1;
    lws_rx_flow_control(c->wsi, 0);
}

void txwait_check(struct lws *wsi)
{
    int fd = lws_get_socket_fd(wsi);
    if(conn_of(fd, wsi))
        txwait_sent(fd, 0);
}

void txwait_sent(int fd, int full)
{
    conn_t *c = conn_of(fd, NULL);
    if(!c || c->waiting)
        return;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if(full || poll(&p, 1, 0) == 0)
        wait_for_room(fd, c);
}