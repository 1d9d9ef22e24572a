/*
 * Request header blocks are checked (reqscan.h) as libwebsockets reads them: this file defines
 * recv() for the process, like lws_status.c does send(), and looks only at the sockets the listener
 * handed to lws as HTTP, on the service thread. A malformed block is answered 400 at once and the
 * connection closed, instead of lws waiting for the header timeout or taking it.
 */
#ifndef LINEAGED_SERVER_REQGUARD_H
#define LINEAGED_SERVER_REQGUARD_H

#include "server/server.h"

/* On the service thread, before the first connection: 0, or -1 when libc's recv() is not found. */
int reqguard_init(server_t *srv);
void reqguard_free(void);
/* A socket about to be handed to lws as HTTP; its header blocks are checked until unwatch. */
void reqguard_watch(int fd);
void reqguard_unwatch(int fd);
/*
 * While on, lws reads nothing of the socket (EAGAIN): an answer is ready but not yet written. lws
 * 4.1.6 took a pipelined request with a body into its own buffer then, and its service thread spun
 * on it for ever (lws_service_do_ripe_rxflow).
 */
void reqguard_hold_back(int fd, int on);

#endif
