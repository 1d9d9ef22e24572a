/*
 * A deadline for the blocking socket calls of one thread that is not ours to rewrite: libgit2 1.5
 * connects, sends and receives on blocking sockets with no timeout, so a remote that accepts and
 * never answers held the clone thread for ever (and with it shutdown). While a thread has a
 * deadline, the process's connect(), recv() and send() (defined here, in reqguard.c and in
 * lws_status.c) wait for their socket in slices, and fail with ETIMEDOUT past the deadline or
 * ECANCELED once `cancel` is set. Other threads pass straight through.
 */
#ifndef LINEAGED_SERVER_SOCKWAIT_H
#define LINEAGED_SERVER_SOCKWAIT_H

#include <stdatomic.h>
#include <stdint.h>

void sockwait_begin(int64_t deadline_mono_ms, const atomic_int *cancel);
void sockwait_end(void);
/* ETIMEDOUT or ECANCELED when a call of this thread was cut since sockwait_begin, else 0. */
int sockwait_cut(void);
/* Called by the interposed recv() and send(): 0 once `fd` is ready for `events` (at once without a
 * deadline, or on a non-blocking socket), else -1 with errno set as above. */
int sockwait_ready(int fd, short events);

#endif
