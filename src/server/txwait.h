/*
 * A connection lws is writing to while its peer reads nothing. lws 4.1.6 waits for POLLOUT then,
 * in a state where it reads nothing either (an answer being written, or a finished one's writability
 * check), yet leaves POLLIN on: a pipelined request (or the peer's FIN) in the socket woke its
 * level-triggered poll without end and the service thread spun (~31,000 epoll_wait a second) until
 * the send-side timeout. So while the socket is full lws's reads are paused (no POLLIN), and the
 * socket is watched edge-triggered in our own epoll set (netpoll.h) for room, which resumes them:
 * pausing alone would stall the answer, since lws handles no POLLOUT of a paused connection.
 */
#ifndef LINEAGED_SERVER_TXWAIT_H
#define LINEAGED_SERVER_TXWAIT_H

#include "server/server.h"

/* On the service thread, before the first connection. */
void txwait_init(server_t *srv);
void txwait_free(void);
/* lws serves HTTP on this connection (called at every request); until txwait_closed. */
void txwait_bind(struct lws *wsi);
/* The connection on fd is gone (LWS_CALLBACK_WSI_DESTROY: the socket is closed already). */
void txwait_closed(int fd);
/* lws waits for room in the socket (an answer ready, nothing sent): pauses its reads when there is none now. */
void txwait_check(struct lws *wsi);
/*
 * After each send() on fd (any thread: only the service thread's bound ones count): `full` when it
 * met a full socket (EAGAIN, a short write); else the socket is looked at, since lws waits for
 * POLLOUT after each write and a socket can take a write yet not be writable by poll's measure.
 */
void txwait_sent(int fd, int full);

#endif
