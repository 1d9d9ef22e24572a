#include "server/netpoll.h"

#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EVENTS_PER_WAIT 256
#define WAITS_PER_TURN  4 /* then back to the loop, so timers and lws get their turn under a flood */

static void on_ready(uv_poll_t *h, int status, int events)
{
    netpoll_t *np = h->data;
    (void)events;
    if(status < 0)
        return;
    struct epoll_event ev[EVENTS_PER_WAIT];
    for(int round = 0; round < WAITS_PER_TURN; round++) {
        int n = epoll_wait(np->epfd, ev, EVENTS_PER_WAIT, 0);
        for(int i = 0; i < n; i++) {
            /* a descriptor closed earlier in this batch may be back under a new owner: its events are then
             * spurious for that owner, which reads or writes until EAGAIN like for any other */
            int fd = (int)ev[i].data.u32;
            if((size_t)fd < np->n_slots && np->slots[fd].fn)
                np->slots[fd].fn(np->slots[fd].owner, fd, ev[i].events);
        }
        if(n < EVENTS_PER_WAIT)
            break;
    }
}

int netpoll_init(netpoll_t *np, uv_loop_t *loop)
{
    memset(np, 0, sizeof(*np));
    np->epfd = epoll_create1(EPOLL_CLOEXEC);
    if(np->epfd < 0 || uv_poll_init(loop, &np->handle, np->epfd)) {
        log_error("server.init_failed", "reason=\"cannot create an epoll set: %s\"", strerror(errno));
        if(np->epfd >= 0)
            close(np->epfd);
        np->epfd = -1;
        return -1;
    }
    np->handle_init = 1;
    np->handle.data = np;
    if(uv_poll_start(&np->handle, UV_READABLE, on_ready))
        return -1;
    return 0;
}

static void closed_handle(uv_handle_t *h)
{
    (void)h;
}

void netpoll_close(netpoll_t *np)
{
    if(np->handle_init) {
        uv_poll_stop(&np->handle);
        uv_close((uv_handle_t *)&np->handle, closed_handle);
        np->handle_init = 0;
    }
    if(np->epfd >= 0)
        close(np->epfd);
    np->epfd = -1;
}

void netpoll_free(netpoll_t *np)
{
    util_free(np->slots);
    np->slots = NULL;
    np->n_slots = 0;
}

int netpoll_add(netpoll_t *np, int fd, netpoll_fn fn, void *owner)
{
    if(fd < 0 || np->epfd < 0)
        return -1;
    if((size_t)fd >= np->n_slots) {
        size_t n = np->n_slots ? np->n_slots : 1024;
        while(n <= (size_t)fd)
            n *= 2;
        netpoll_slot_t *grown = util_realloc(np->slots, n * sizeof(*grown));
        if(!grown)
            return -1;
        memset(grown + np->n_slots, 0, (n - np->n_slots) * sizeof(*grown));
        np->slots = grown;
        np->n_slots = n;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)fd};
    if(epoll_ctl(np->epfd, EPOLL_CTL_ADD, fd, &ev))
        return -1;
    np->slots[fd].fn = fn;
    np->slots[fd].owner = owner;
    return 0;
}

void netpoll_set(netpoll_t *np, int fd, netpoll_fn fn, void *owner)
{
    if(fd >= 0 && (size_t)fd < np->n_slots) {
        np->slots[fd].fn = fn;
        np->slots[fd].owner = owner;
    }
}

void netpoll_forget(netpoll_t *np, int fd)
{
    netpoll_set(np, fd, NULL, NULL);
}

void netpoll_del(netpoll_t *np, int fd)
{
    netpoll_forget(np, fd);
    if(np->epfd >= 0 && epoll_ctl(np->epfd, EPOLL_CTL_DEL, fd, NULL))
        log_debug("server.epoll_del_failed", "errno=%d", errno);
}
