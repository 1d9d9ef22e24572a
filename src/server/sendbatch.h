/*
 * Many non-blocking sends, each to its own socket, in few system calls: a broadcast writes one frame
 * to each of thousands of sockets. Through io_uring when the kernel offers it (one io_uring_enter per
 * SENDBATCH_DEPTH sends), else one send() each; the results are the same either way. Every send is
 * MSG_DONTWAIT and completes before sendbatch_run returns: a full socket gives -EAGAIN, never a wait.
 * Cost measured in BENCHMARKS.md ("Why a loopback send costs ~8 us here"). One thread per batch.
 * Registered files, IOSQE_CQE_SKIP_SUCCESS and a SINGLE_ISSUER/DEFER_TASKRUN ring were measured
 * against this plain ring (bench/bench_sendpath.c): no gain, so none is used.
 */
#ifndef LINEAGED_SERVER_SENDBATCH_H
#define LINEAGED_SERVER_SENDBATCH_H

#include <stddef.h>
#include <sys/types.h>

/* Sends per system call. Deeper batches saved no more CPU and left more of the receivers' softirq
 * work to ksoftirqd, with p99 spikes: BENCHMARKS.md "Why a loopback send costs ~8 us here". */
#define SENDBATCH_DEPTH 64

typedef struct sendbatch sendbatch_t;

typedef struct sendbatch_item {
    int fd;
    const void *buf;
    size_t len;
    ssize_t result; /* out: bytes the socket took (possibly fewer than len), or -errno */
} sendbatch_item_t;

/* use_uring 0: plain send() (also what is used when io_uring is unavailable). NULL when out of memory. */
sendbatch_t *sendbatch_new(int use_uring);
void sendbatch_free(sendbatch_t *sb);
/* 1 when sends go through io_uring. */
int sendbatch_uses_uring(const sendbatch_t *sb);
/* Sends every item, in order; each item's result is set. */
void sendbatch_run(sendbatch_t *sb, sendbatch_item_t *items, size_t n);

#endif
