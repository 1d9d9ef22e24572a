#define _GNU_SOURCE /* RTLD_NEXT */

#include "server/sockwait.h"

#include "util/timefmt.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#define SLICE_MS 100 /* how soon a cancel is seen */

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

static connect_fn real_connect;
static pthread_once_t found = PTHREAD_ONCE_INIT;
static _Thread_local int64_t deadline_ms; /* 0: this thread has none */
static _Thread_local const atomic_int *cancelled;
static _Thread_local int cut;

static void find_connect(void)
{
    real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
}

void sockwait_begin(int64_t deadline_mono_ms, const atomic_int *cancel)
{
    deadline_ms = deadline_mono_ms;
    cancelled = cancel;
    cut = 0;
}

void sockwait_end(void)
{
    deadline_ms = 0;
    cancelled = NULL;
}

int sockwait_cut(void)
{
    return cut;
}

static int blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && !(fl & O_NONBLOCK);
}

static int wait_for(int fd, short events)
{
    for(;;) {
        int64_t left = deadline_ms - time_mono_ms();
        if(cancelled && atomic_load(cancelled))
            cut = ECANCELED;
        else if(left <= 0)
            cut = ETIMEDOUT;
        if(cut) {
            errno = cut;
            return -1;
        }
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, left < SLICE_MS ? (int)left : SLICE_MS);
        if(n > 0)
            return 0; /* ready, or an error the call itself will report */
        if(n < 0 && errno != EINTR)
            return -1;
    }
}

int sockwait_ready(int fd, short events)
{
    if(!deadline_ms || fd < 0 || !blocking(fd))
        return 0;
    return wait_for(fd, events);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    pthread_once(&found, find_connect);
    if(!real_connect) {
        errno = ENOSYS;
        return -1;
    }
    if(!deadline_ms || fd < 0 || !blocking(fd))
        return real_connect(fd, addr, len);
    int fl = fcntl(fd, F_GETFL);
    if(fcntl(fd, F_SETFL, fl | O_NONBLOCK))
        return real_connect(fd, addr, len);
    int rc = real_connect(fd, addr, len);
    if(rc && errno == EINPROGRESS) {
        rc = wait_for(fd, POLLOUT);
        int err = 0;
        socklen_t errlen = sizeof(err);
        if(!rc && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) || err)) {
            errno = err ? err : errno;
            rc = -1;
        }
    }
    int saved = errno;
    fcntl(fd, F_SETFL, fl);
    errno = saved;
    return rc;
}
