#include "server/sendbatch.h"

#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/socket.h>

/* A send the kernel did not finish at submission (it always does with MSG_DONTWAIT) is waited for
 * this long at most; then the ring is given up for plain send(). */
#define STRAY_WAIT_MS 100

struct sendbatch {
    int ring_open;
    int uring; /* ring_open and trusted */
    struct io_uring ring;
};

sendbatch_t *sendbatch_new(int use_uring)
{
    sendbatch_t *sb = util_calloc(1, sizeof(*sb));
    if(!sb || !use_uring)
        return sb;
    /* Refused where io_uring is off (kernel.io_uring_disabled, seccomp, old kernels): plain send(). */
    int rc = io_uring_queue_init(SENDBATCH_DEPTH, &sb->ring, 0);
    if(rc == 0)
        sb->ring_open = sb->uring = 1;
    else
        log_info("ws.send_path", "io_uring=off reason=\"%s\"", strerror(-rc));
    return sb;
}

void sendbatch_free(sendbatch_t *sb)
{
    if(sb && sb->ring_open)
        io_uring_queue_exit(&sb->ring);
    util_free(sb);
}

int sendbatch_uses_uring(const sendbatch_t *sb)
{
    return sb->uring;
}

static void send_each(sendbatch_item_t *items, size_t n)
{
    for(size_t i = 0; i < n; i++) {
        ssize_t w = send(items[i].fd, items[i].buf, items[i].len, MSG_NOSIGNAL | MSG_DONTWAIT);
        items[i].result = w < 0 ? -errno : w;
    }
}

/* Takes every completion there is; returns how many. */
static unsigned reap(sendbatch_t *sb, sendbatch_item_t *items)
{
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&sb->ring, head, cqe)
    {
        items[cqe->user_data].result = cqe->res;
        seen++;
    }
    io_uring_cq_advance(&sb->ring, seen);
    return seen;
}

/*
 * One io_uring_enter for up to SENDBATCH_DEPTH sends. MSG_DONTWAIT makes io_uring complete each one
 * at submission, EAGAIN included, instead of arming a poll; anything else is a kernel we do not
 * understand, and the ring is dropped (sends still owed fail with -EIO: the caller closes those).
 */
static void run_chunk(sendbatch_t *sb, sendbatch_item_t *items, unsigned n)
{
    for(unsigned i = 0; i < n; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&sb->ring);
        io_uring_prep_send(sqe, items[i].fd, items[i].buf, items[i].len, MSG_NOSIGNAL | MSG_DONTWAIT);
        io_uring_sqe_set_data64(sqe, i);
    }
    int submitted = io_uring_submit(&sb->ring);
    if(submitted < 0 || (unsigned)submitted != n) {
        /* Nothing of a failed submission was consumed: those SQEs would go with the next one. */
        log_error("ws.send_path", "io_uring=off reason=\"submit returned %d of %u\"", submitted, n);
        sb->uring = 0;
        if(submitted <= 0) {
            send_each(items, n);
            return;
        }
        for(unsigned i = (unsigned)submitted; i < n; i++)
            items[i].result = -EIO;
        n = (unsigned)submitted;
    }
    unsigned done = reap(sb, items);
    while(done < n) {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {0, STRAY_WAIT_MS * 1000000L};
        if(io_uring_wait_cqe_timeout(&sb->ring, &cqe, &ts)) {
            log_error("ws.send_path", "io_uring=off reason=\"%u sends not completed at submission\"", n - done);
            sb->uring = 0;
            return; /* their results stay -EIO */
        }
        done += reap(sb, items);
    }
}

void sendbatch_run(sendbatch_t *sb, sendbatch_item_t *items, size_t n)
{
    for(size_t i = 0; i < n; i++)
        items[i].result = -EIO;
    for(size_t off = 0; off < n;) {
        size_t k = n - off < SENDBATCH_DEPTH ? n - off : SENDBATCH_DEPTH;
        if(sb->uring)
            run_chunk(sb, items + off, (unsigned)k);
        else
            send_each(items + off, k);
        off += k;
    }
}
