/*
 * The sockets lineaged reads and writes itself (connections whose request head is still being read,
 * and dashboard WebSockets): one epoll set of our own, registered with the libuv loop as a single
 * handle. A connection costs one epoll_ctl when it arrives and none when it closes (close() takes
 * it out of the set); it is watched edge-triggered for reading and writing, so a socket that fills
 * up needs no epoll_ctl either. What each descriptor's events go to is a table by descriptor.
 */
#ifndef LINEAGED_SERVER_NETPOLL_H
#define LINEAGED_SERVER_NETPOLL_H

#include <stdint.h>
#include <uv.h>

typedef void (*netpoll_fn)(void *owner, int fd, uint32_t events);

typedef struct netpoll_slot {
    netpoll_fn fn;
    void *owner;
} netpoll_slot_t;

typedef struct netpoll {
    int epfd;
    uv_poll_t handle;
    int handle_init;
    netpoll_slot_t *slots; /* by descriptor */
    size_t n_slots;
} netpoll_t;

/* 0, or -1 (logged) when epoll cannot be had. */
int netpoll_init(netpoll_t *np, uv_loop_t *loop);
/* Closes the set (the sockets in it are their owners' to close). */
void netpoll_close(netpoll_t *np);
void netpoll_free(netpoll_t *np);
/* Watches fd (EPOLLIN | EPOLLOUT, edge-triggered) for fn(owner, ...); 0 or -1. */
int netpoll_add(netpoll_t *np, int fd, netpoll_fn fn, void *owner);
/* Hands fd's events to another owner: no system call. */
void netpoll_set(netpoll_t *np, int fd, netpoll_fn fn, void *owner);
/* Stops watching fd, which stays open (it goes to libwebsockets). */
void netpoll_del(netpoll_t *np, int fd);
/* Forgets fd before the owner closes it (close() removes it from the set). */
void netpoll_forget(netpoll_t *np, int fd);

#endif
