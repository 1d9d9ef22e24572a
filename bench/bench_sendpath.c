/*
 * What one broadcast send costs the sending CPU, by way of sending, with the other ways in the same
 * run: BENCH_PAIRS loopback TCP pairs (5000); every 50 ms one 171-byte message to each pair's server
 * side, the way of that round taken in turn from the list below, so each way's rounds are spread over
 * the same minutes. A reader thread on CPU 1 reads every client side through epoll, as bench_ws's
 * client does; the sender runs on CPU 0 with its sockets in an epoll set (EPOLLIN|EPOLLOUT|EPOLLET), as
 * lineaged's are. Per way: the sending thread's CPU per send (CLOCK_THREAD_CPUTIME_ID over the send
 * loop) and ksoftirqd/0's over the round (receive work the sends left pending runs there).
 *   send        one send() per socket
 *   uring       64 sends per io_uring_enter, MSG_DONTWAIT (src/server/sendbatch.c)
 *   single      the same on a ring set up IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
 *   fixed       the same with every socket a registered file (IOSQE_FIXED_FILE: no fget per send)
 *   fixed-skip  fixed, with IOSQE_CQE_SKIP_SUCCESS and MSG_WAITALL (a completion only for a short or
 *               failed send)
 *   all         fixed-skip on the single-issuer ring
 * BENCH_CC=NAME (e.g. reno) also sets that congestion control on the odd pairs and adds two ways,
 * cc-default and cc-NAME: uring to the even or to the odd half only. BENCH_ROUNDS (40) rounds per way.
 * Figures and what they showed: BENCHMARKS.md, "io_uring's options and the send's kernel work".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEPTH       64
#define MSG_BYTES   171
#define INTERVAL_US 50000

enum way { W_SEND, W_URING, W_SINGLE, W_FIXED, W_FIXED_SKIP, W_ALL, W_CC_DEFAULT, W_CC_OTHER, N_WAYS };
static const char *const way_names[N_WAYS] = {"send", "uring", "single", "fixed", "fixed-skip", "all", "cc-default",
                                              "cc-other"};

static int n_pairs;
static int *srv_fd, *cli_fd;
static volatile int stop;
static struct io_uring plain_ring, single_ring, fixed_ring, all_ring;
static char msg[MSG_BYTES];

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_sendpath: %s: %s\n", what, strerror(err));
    exit(1);
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if(pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
        die("pin", EINVAL);
}

static long long thread_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int ksoftirqd0_pid(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int pid = -1;
    while(d && (e = readdir(d))) {
        char path[300], comm[64];
        snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if(!f)
            continue;
        if(fgets(comm, sizeof(comm), f) && strcmp(comm, "ksoftirqd/0\n") == 0)
            pid = (int)strtol(e->d_name, NULL, 10);
        fclose(f);
    }
    if(d)
        closedir(d);
    return pid;
}

/* Time on a CPU so far, from schedstat (ns); 0 when unreadable. */
static long long task_ns(int pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    long long v = 0;
    if(f && fscanf(f, "%lld", &v) != 1)
        v = 0;
    if(f)
        fclose(f);
    return v;
}

static void *reader(void *arg)
{
    (void)arg;
    pin(1);
    int ep = epoll_create1(0);
    for(int i = 0; i < n_pairs; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = cli_fd[i]};
        if(epoll_ctl(ep, EPOLL_CTL_ADD, cli_fd[i], &ev))
            die("reader epoll_ctl", errno);
    }
    struct epoll_event evs[256];
    char buf[4096];
    while(!stop) {
        int n = epoll_wait(ep, evs, 256, 100);
        for(int i = 0; i < n; i++) {
            if(read(evs[i].data.fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
                die("read", errno);
        }
    }
    close(ep);
    return NULL;
}

/* The sends of one round to pairs first, first + step, ...; every one must take the whole message. */
static void send_round(enum way w, int first, int step)
{
    if(w == W_SEND) {
        for(int i = first; i < n_pairs; i += step) {
            if(send(srv_fd[i], msg, sizeof(msg), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(msg))
                die("send", errno);
        }
        return;
    }
    struct io_uring *ring = w == W_SINGLE ? &single_ring
                            : w == W_FIXED || w == W_FIXED_SKIP ? &fixed_ring
                            : w == W_ALL                        ? &all_ring
                                                                : &plain_ring;
    int fixed = w == W_FIXED || w == W_FIXED_SKIP || w == W_ALL;
    int skip = w == W_FIXED_SKIP || w == W_ALL;
    unsigned queued = 0;
    for(int i = first; i < n_pairs; i += step) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
        io_uring_prep_send(sqe, fixed ? i : srv_fd[i], msg, sizeof(msg),
                           MSG_NOSIGNAL | MSG_DONTWAIT | (skip ? MSG_WAITALL : 0));
        sqe->flags |= (fixed ? IOSQE_FIXED_FILE : 0) | (skip ? IOSQE_CQE_SKIP_SUCCESS : 0);
        if(++queued < DEPTH && i + step < n_pairs)
            continue;
        int rc = io_uring_submit(ring);
        if(rc != (int)queued)
            die("io_uring_submit", rc < 0 ? -rc : EIO);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, cqe)
        {
            if(cqe->res != (int)sizeof(msg))
                die("io_uring send", cqe->res < 0 ? -cqe->res : EIO);
            seen++;
        }
        io_uring_cq_advance(ring, seen);
        if(!skip && seen != queued)
            die("io_uring send not completed at submission", EIO);
        queued = 0;
    }
}

static void ring_init(struct io_uring *ring, unsigned flags, int register_files)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    int rc = io_uring_queue_init_params(DEPTH, ring, &p);
    if(rc)
        die("io_uring_queue_init_params", -rc);
    if(register_files && (rc = io_uring_register_files(ring, srv_fd, (unsigned)n_pairs)))
        die("io_uring_register_files", -rc);
}

static void open_pairs(const char *cc)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), ep = epoll_create1(0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if(l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4096) ||
       getsockname(l, (struct sockaddr *)&a, &alen))
        die("listen", errno);
    for(int i = 0; i < n_pairs; i++) {
        cli_fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if(cli_fd[i] < 0 || connect(cli_fd[i], (struct sockaddr *)&a, sizeof(a)))
            die("connect", errno);
        srv_fd[i] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
        if(srv_fd[i] < 0)
            die("accept4", errno);
        if(cc && (i & 1) && setsockopt(srv_fd[i], IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)))
            die("TCP_CONGESTION", errno);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = srv_fd[i]};
        if(epoll_ctl(ep, EPOLL_CTL_ADD, srv_fd[i], &ev))
            die("epoll_ctl", errno);
    }
    close(l);
    /* ep stays open: the sockets stay in an epoll set for the whole run, as lineaged's do */
}

int main(void)
{
    const char *pairs_env = getenv("BENCH_PAIRS"), *rounds_env = getenv("BENCH_ROUNDS"), *cc = getenv("BENCH_CC");
    n_pairs = pairs_env ? atoi(pairs_env) : 5000;
    int rounds = rounds_env ? atoi(rounds_env) : 40;
    if(n_pairs < 2 || n_pairs > 9000 || rounds < 1 || rounds > 10000) {
        fprintf(stderr, "bench_sendpath: BENCH_PAIRS in [2, 9000], BENCH_ROUNDS in [1, 10000]\n");
        return 2;
    }
    int n_ways = cc ? N_WAYS : W_CC_DEFAULT;
    memset(msg, 'x', sizeof(msg));
    srv_fd = calloc((size_t)n_pairs, sizeof(int));
    cli_fd = calloc((size_t)n_pairs, sizeof(int));
    if(!srv_fd || !cli_fd)
        die("calloc", ENOMEM);
    open_pairs(cc);
    ring_init(&plain_ring, 0, 0);
    ring_init(&single_ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, 0);
    ring_init(&fixed_ring, 0, 1);
    ring_init(&all_ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, 1);
    pin(0);
    pthread_t rt;
    if(pthread_create(&rt, NULL, reader, NULL))
        die("pthread_create", EAGAIN);
    int ksoftirqd = ksoftirqd0_pid();
    long long cpu[N_WAYS] = {0}, soft[N_WAYS] = {0}, sends[N_WAYS] = {0};
    usleep(200000);
    for(int r = 0; r < (rounds + 1) * n_ways; r++) {
        enum way w = (enum way)(r % n_ways);
        int first = w == W_CC_OTHER ? 1 : 0, step = w >= W_CC_DEFAULT ? 2 : 1;
        long long s0 = task_ns(ksoftirqd), t0 = thread_ns();
        send_round(w, first, step);
        long long t1 = thread_ns();
        usleep(INTERVAL_US);
        if(r < n_ways)
            continue; /* the first round of each way warms up */
        cpu[w] += t1 - t0;
        soft[w] += task_ns(ksoftirqd) - s0;
        sends[w] += (n_pairs - first + step - 1) / step;
    }
    stop = 1;
    pthread_join(rt, NULL);
    printf("bench_sendpath pairs=%d rounds=%d cc=%s ksoftirqd0=%s\n", n_pairs, rounds, cc ? cc : "-",
           ksoftirqd > 0 ? "found" : "not found");
    printf("%-12s %14s %16s %12s\n", "way", "sender us/send", "ksoftirqd us/send", "total us");
    for(int w = 0; w < n_ways; w++) {
        double n = (double)sends[w] * 1000.0;
        printf("%-12s %14.3f %16.3f %12.3f\n", w == W_CC_OTHER && cc ? cc : way_names[w], (double)cpu[w] / n,
               (double)soft[w] / n, (double)(cpu[w] + soft[w]) / n);
    }
    io_uring_queue_exit(&plain_ring);
    io_uring_queue_exit(&single_ring);
    io_uring_queue_exit(&fixed_ring);
    io_uring_queue_exit(&all_ring);
    for(int i = 0; i < n_pairs; i++) {
        close(srv_fd[i]);
        close(cli_fd[i]);
    }
    free(srv_fd);
    free(cli_fd);
    return 0;
}
