/*
 * WebSocket fan-out benchmark. For each level of N clients and each server, it starts the server,
 * opens N dashboard connections from several 127.x source addresses with one epoll loop, then
 * publishes one broadcast every BENCH_INTERVAL_MS through POST /api/v1/debug/events (lineaged's
 * normal bus path with --debug-events; the peers serve the same route) and measures:
 *   clients accepted, deliveries/s, server CPU-seconds per million deliveries (time on a CPU from
 *   /proc/PID/task/TID/schedstat, with ksoftirqd of its CPU), p50/p99 latency (publish -> frame read by each client),
 * server RSS per connection, and connects/s (handshakes completed, welcome frames read). A table per level gives the
 * ratios to raw. Servers (BENCH_SERVER, a comma list; default raw,node,fastapi,lineaged): raw bench/raw/raw_broadcast
 * (RAW_BIN, default next to this binary): the floor node      bench/peers/node/server.js on npm ws (NODE_BIN, default
 * node) fastapi bench/peers/fastapi/server.py on FastAPI + uvicorn (/usr/bin/python3) lineaged  LINEAGED_BIN serve
 * --debug-events usage: bench_ws [N...]   (default 1000 5000; a level <= 0 is skipped) env BENCH_ROUNDS (40),
 * BENCH_INTERVAL_MS (50): broadcasts per level and their period; a round whose deliveries are not all read by the next
 * deadline starts as soon as they are. env BENCH_STATS_CLIENTS (0 = off), BENCH_STATS_SECONDS (3): afterwards, lineaged
 * with
 *   --stats-interval 0.05 and that many clients; prints stats_update messages per second per client.
 * env BENCH_BURSTS (5, 0 = off): after each level's rounds and closes, that many bursts of BURST
 *   handshakes queued while the server is stopped; prints the median server-bound connects/s and the
 *   server's CPU per connect (burst_connects()).
 * env BENCH_PEERS: the folder holding node/ and fastapi/ (default the source tree's bench/peers).
 * env BENCH_PIN=0: do not pin. Otherwise, with >= 2 CPUs allowed, the server runs on the first
 *   allowed CPU and this client on the second (the method of shared/docs/stack.md's figures).
 */
#define _GNU_SOURCE /* memmem, CPU_SET */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOURCES        8
#define CONN_BUF       8192
#define MAX_SERVERS    4
#define MAX_LEVELS     16
#define WAIT_MS        5000  /* a round gives up after this long without any frame */
#define CONNECT_MS     30000 /* the connect phase, after this long without a welcome (a peer may accept all first) */
#define START_MS       20000
#define ROOM           8   /* clients closed when the server refused some, to leave it descriptors for publishing */
#define BURST          400 /* handshakes queued at a stopped server: within node's 511-deep listen queue */
#define BURST_RUNS_MAX 15

enum kind { RAW, NODE, FASTAPI, LINEAGED };
static const char *const kind_names[] = {"raw", "node", "fastapi", "lineaged"};

struct server {
    enum kind kind;
    const char *bin;
};

struct result {
    int ran;
    int accepted;
    double connects_per_s, deliveries_per_s, cpu_per_million, p50_ms, p99_ms, kb_per_conn;
    double connect_cpu_us;            /* server CPU per connect over the connect phase */
    double burst_per_s, burst_cpu_us; /* burst_connects(): the server-bound rate and its CPU per connect */
};

static int bursts = 5; /* BENCH_BURSTS */

static int pinned;
static cpu_set_t server_cpus;
static const char *peers_dir;

enum { HANDSHAKE, OPEN, GONE };

struct conn {
    int fd;
    int state;
    int texts; /* text frames read */
    long stats;
    size_t len;
    char buf[CONN_BUF];
};

struct samples {
    int64_t *v;
    size_t n, cap;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns)
{
    int64_t d = t_ns - now_ns();
    if(d > 0) {
        struct timespec ts = {(time_t)(d / 1000000000), (long)(d % 1000000000)};
        nanosleep(&ts, NULL);
    }
}

static int port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static int tcp_connect(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if(fd < 0)
        return -1;
    struct sockaddr_in s = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &s.sin_addr);
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if(bind(fd, (struct sockaddr *)&s, sizeof(s)) || connect(fd, (struct sockaddr *)&d, sizeof(d))) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends one HTTP request on a fresh connection; returns the socket to read the answer from, or -1. */
static int http_send(int port, const char *method, const char *path, const char *body)
{
    int fd = tcp_connect("127.0.0.1", port);
    if(fd < 0)
        return -1;
    struct timeval tv = {5, 0}; /* a server that never answers costs one bounded wait */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char req[4096];
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     method, path, body ? strlen(body) : 0, body ? body : "");
    if(write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads the answer to http_send and closes the socket; returns the status code or -1. */
static int http_status(int fd)
{
    if(fd < 0)
        return -1;
    char resp[2048];
    ssize_t r = read(fd, resp, sizeof(resp) - 1);
    close(fd);
    if(r < 12)
        return -1;
    resp[r] = '\0';
    return (int)strtol(resp + 9, NULL, 10);
}

static void stop_server(pid_t pid)
{
    kill(pid, SIGTERM);
    for(int i = 0; i < 200; i++) {
        if(waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void exec_server(const struct server *srv, const char *port, const char *stats_interval)
{
    char script[4096];
    switch(srv->kind) {
    case RAW: execl(srv->bin, srv->bin, port, (char *)NULL); break;
    case NODE:
        snprintf(script, sizeof(script), "%s/node/server.js", peers_dir);
        execlp(srv->bin, srv->bin, script, port, (char *)NULL);
        break;
    case FASTAPI:
        snprintf(script, sizeof(script), "%s/fastapi/server.py", peers_dir);
        execl(srv->bin, srv->bin, "-B", script, port, (char *)NULL);
        break;
    case LINEAGED:
        execl(srv->bin, srv->bin, "serve", "--host", "127.0.0.1", "--port", port, "--db", ":memory:", "--debug-events",
              "--max-conn-per-ip", "100000", "--max-connections", "100000", "--stats-interval", stats_interval,
              "--ws-ping-interval", "3600", "--ws-idle-timeout", "7200", "--ws-backlog", "4096", "--log-level", "warn",
              (char *)NULL);
        break;
    }
}

static pid_t start_server(const struct server *srv, int port, const char *stats_interval)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    pid_t pid = fork();
    if(pid == 0) {
        if(pinned && sched_setaffinity(0, sizeof(server_cpus), &server_cpus))
            _exit(126);
        exec_server(srv, portstr, stats_interval);
        _exit(127);
    }
    for(int waited = 0; pid > 0 && waited < START_MS; waited += 25) {
        if(http_status(http_send(port, "GET", "/health", NULL)) == 200)
            return pid;
        if(waitpid(pid, NULL, WNOHANG) == pid)
            return -1;
        usleep(25000);
    }
    if(pid > 0)
        stop_server(pid);
    return -1;
}

static int pick_port(void)
{
    for(int tries = 0; tries < 100; tries++) {
        int p = 20000 + rand() % 12000;
        if(port_free(p))
            return p;
    }
    return 0;
}

/*
 * The server's CPU time in seconds: the sum over its threads of /proc/PID/task/TID/schedstat's first
 * field (nanoseconds on a CPU), which resolves a connect phase that utime+stime's 10 ms ticks do not.
 * Threads that exited between two readings are not counted; the servers here keep theirs.
 */
static double proc_cpu_s(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if(!d)
        return 0;
    unsigned long long ns = 0;
    for(struct dirent *e; (e = readdir(d));) {
        if(e->d_name[0] == '.')
            continue;
        char file[128];
        snprintf(file, sizeof(file), "/proc/%d/task/%.32s/schedstat", (int)pid, e->d_name);
        FILE *f = fopen(file, "r");
        unsigned long long on_cpu = 0;
        if(f && fscanf(f, "%llu", &on_cpu) == 1)
            ns += on_cpu;
        if(f)
            fclose(f);
    }
    closedir(d);
    return (double)ns / 1e9;
}

/*
 * ksoftirqd of the server's CPU: network receive work that a burst of sends leaves pending runs there,
 * off the server's own threads (measured with io_uring-batched sends: 0.5-0.8 us per delivery), so
 * it is counted with the server. 0 when unpinned or not found.
 */
static pid_t softirqd_pid(void)
{
    int cpu = -1;
    for(int i = 0; pinned && i < CPU_SETSIZE && cpu < 0; i++)
        if(CPU_ISSET(i, &server_cpus))
            cpu = i;
    char want[32], comm[64], path[300];
    snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
    DIR *d = cpu >= 0 ? opendir("/proc") : NULL;
    pid_t found = 0;
    for(struct dirent *e; d && !found && (e = readdir(d));) {
        if(e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%.32s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if(f && fgets(comm, sizeof(comm), f) && strcmp(comm, want) == 0)
            found = (pid_t)strtol(e->d_name, NULL, 10);
        if(f)
            fclose(f);
    }
    if(d)
        closedir(d);
    return found;
}

static long proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while(f && fgets(line, sizeof(line), f)) {
        if(strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    }
    if(f)
        fclose(f);
    return kb;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void conn_gone(struct conn *c)
{
    close(c->fd);
    c->state = GONE;
    c->len = 0;
}

/*
 * Consumes the handshake answer and complete frames; counts text frames (and stats_update ones) and
 * records the latency of each bench broadcast. Returns the text frames seen.
 */
static int parse_frames(struct conn *c, struct samples *lat)
{
    int texts = 0;
    size_t off = 0;
    if(c->state == HANDSHAKE) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if(!end || strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
            if(end || c->len == CONN_BUF)
                conn_gone(c); /* refused (e.g. 503 at a connection cap) */
            return 0;
        }
        c->state = OPEN;
        off = (size_t)(end - c->buf) + 4;
    }
    for(;;) {
        if(c->len - off < 2)
            break;
        const unsigned char *p = (const unsigned char *)c->buf + off;
        size_t plen = p[1] & 0x7f, hdr = 2;
        if(plen == 126) {
            if(c->len - off < 4)
                break;
            plen = ((size_t)p[2] << 8) | p[3];
            hdr = 4;
        } else if(plen == 127) {
            conn_gone(c); /* no server sends this benchmark 64 KiB frames */
            return texts;
        }
        if(c->len - off < hdr + plen)
            break;
        const char *payload = (const char *)p + hdr;
        if((p[0] & 0x0f) == 1) {
            texts++;
            const char *t = memmem(payload, plen, "\"bench_t\":", 10);
            if(t && lat && lat->n < lat->cap)
                lat->v[lat->n++] = now_ns() - strtoll(t + 10, NULL, 10);
            if(memmem(payload, plen < 40 ? plen : 40, "stats_update", 12))
                c->stats++;
        }
        off += hdr + plen;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    if(c->len == CONN_BUF)
        conn_gone(c);
    return texts;
}

/* One read per ready connection; returns the text frames read, or -1 when epoll_wait timed out. */
static long pump(int ep, int timeout_ms, struct samples *lat)
{
    struct epoll_event evs[512];
    int k = epoll_wait(ep, evs, 512, timeout_ms);
    if(k <= 0)
        return k < 0 && errno == EINTR ? 0 : -1;
    long texts = 0;
    for(int i = 0; i < k; i++) {
        struct conn *c = evs[i].data.ptr;
        if(c->state == GONE)
            continue;
        ssize_t r = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
        if(r > 0) {
            c->len += (size_t)r;
            texts += parse_frames(c, lat);
        } else if(r == 0 || (errno != EAGAIN && errno != EINTR)) {
            conn_gone(c);
        }
    }
    return texts;
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct clients {
    struct conn *conns;
    int n, accepted, ep;
    int receivers; /* accepted, less the one closed to make room for the publish connection */
    double connect_s;
    double issue_s;      /* until the last handshake request was written */
    double client_cpu_s; /* this process's CPU over the connect phase */
};

/* Writes a dashboard handshake on n new connections, from SOURCES addresses in turn. */
static int clients_issue(struct clients *cl, int port, int n)
{
    cl->conns = calloc((size_t)n, sizeof(*cl->conns));
    cl->ep = epoll_create1(0);
    cl->n = 0;
    cl->accepted = cl->receivers = 0;
    if(!cl->conns || cl->ep < 0)
        return -1;
    char req[512];
    int reqlen = snprintf(req, sizeof(req),
                          "GET /admin/ws/dashboard HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n",
                          port);
    for(int i = 0; i < n; i++) {
        char src[16];
        snprintf(src, sizeof(src), "127.0.0.%d", 1 + i % SOURCES);
        struct conn *c = &cl->conns[i];
        c->fd = tcp_connect(src, port);
        if(c->fd < 0 || write(c->fd, req, (size_t)reqlen) != reqlen) {
            fprintf(stderr, "bench_ws: connect %d failed: %s\n", i, strerror(errno));
            if(c->fd >= 0)
                close(c->fd);
            break;
        }
        cl->n++;
        fcntl(c->fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    return 0;
}

/*
 * Reads until every issued connection has its two welcome frames or was refused, or nothing arrives
 * for CONNECT_MS; counts the accepted ones. Returns when the last welcome was read.
 */
static int64_t clients_welcome(struct clients *cl, int64_t t_last)
{
    for(int pending = cl->n; pending > 0;) {
        struct epoll_event evs[512];
        int k = epoll_wait(cl->ep, evs, 512, CONNECT_MS);
        if(k <= 0)
            break;
        for(int i = 0; i < k; i++) {
            struct conn *c = evs[i].data.ptr;
            if(c->state == GONE)
                continue;
            int was_done = c->texts >= 2;
            ssize_t r = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
            if(r > 0) {
                c->len += (size_t)r;
                c->texts += parse_frames(c, NULL);
            } else if(r == 0 || (errno != EAGAIN && errno != EINTR)) {
                conn_gone(c);
            }
            if(!was_done && c->texts >= 2)
                t_last = now_ns();
            pending -= !was_done && (c->texts >= 2 || c->state == GONE);
        }
    }
    for(int i = 0; i < cl->n; i++)
        cl->accepted += cl->conns[i].state == OPEN && cl->conns[i].texts >= 2;
    return t_last;
}

/* Opens n dashboard connections and reads every welcome (connection_ack + stats_update). */
static int clients_open(struct clients *cl, int port, int n)
{
    double cpu0 = self_cpu_s();
    int64_t t0 = now_ns();
    if(clients_issue(cl, port, n))
        return -1;
    cl->issue_s = (double)(now_ns() - t0) / 1e9;
    int64_t t_last = clients_welcome(cl, t0);
    /* A server that refused some is at its connection cap or out of descriptors: a few clients leave, so
     * the publish connections fit (the server may close the previous one after the next arrives). */
    cl->receivers = cl->accepted;
    for(int i = cl->n, room = cl->accepted < n ? ROOM : 0; i-- > 0 && room > 0 && cl->receivers > 1;) {
        if(cl->conns[i].state == OPEN && cl->conns[i].texts >= 2) {
            conn_gone(&cl->conns[i]);
            cl->receivers--;
            room--;
        }
    }
    cl->connect_s = (double)(t_last - t0) / 1e9;
    cl->client_cpu_s = self_cpu_s() - cpu0;
    return 0;
}

static void clients_close(struct clients *cl)
{
    for(int i = 0; i < cl->n; i++)
        if(cl->conns[i].state != GONE)
            close(cl->conns[i].fd);
    free(cl->conns);
    if(cl->ep >= 0)
        close(cl->ep);
}

/* The state letter of /proc/PID/stat ('T' once SIGSTOP took effect), or 0. */
static char proc_state(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    char state = 0;
    if(f && fgets(line, sizeof(line), f)) {
        const char *p = strrchr(line, ')'); /* the command name may hold spaces */
        if(p && p[1] == ' ')
            state = p[2];
    }
    if(f)
        fclose(f);
    return state;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Waits (at most 10 s) until the server's CPU stops moving: the closes before are handled. */
static void settle(pid_t pid)
{
    double last = proc_cpu_s(pid);
    for(int i = 0; i < 100; i++) {
        usleep(100000);
        double now = proc_cpu_s(pid);
        if(now - last < 0.002)
            return;
        last = now;
    }
}

/*
 * Connects per second when the server is the limit: the server is stopped (SIGSTOP) while n
 * handshakes queue in its listen backlog, then resumed; timed from SIGCONT to the last welcome read,
 * with the server's CPU over the same window. The load client's own connect() and write() are
 * outside the window, so the figure is the server's, not this client's. Median of `runs`.
 */
static void burst_connects(pid_t pid, int port, int n, int runs, double *per_s, double *cpu_us)
{
    double rate[BURST_RUNS_MAX], cpu[BURST_RUNS_MAX];
    int done = 0;
    for(int r = 0; r < runs && r < BURST_RUNS_MAX; r++) {
        kill(pid, SIGSTOP);
        for(int i = 0; i < 400 && proc_state(pid) != 'T'; i++)
            usleep(5000);
        struct clients cl = {0};
        int issued = clients_issue(&cl, port, n) == 0 && cl.n == n;
        double cpu0 = proc_cpu_s(pid);
        int64_t t0 = now_ns();
        kill(pid, SIGCONT);
        int64_t t_last = issued ? clients_welcome(&cl, t0) : t0;
        double cpu_s = proc_cpu_s(pid) - cpu0;
        if(issued && cl.accepted == n && t_last > t0) {
            rate[done] = n / ((double)(t_last - t0) / 1e9);
            cpu[done] = cpu_s / n * 1e6;
            done++;
        }
        clients_close(&cl);
        settle(pid); /* the server handles these closes before the next burst is queued */
    }
    qsort(rate, (size_t)done, sizeof(double), cmp_double);
    qsort(cpu, (size_t)done, sizeof(double), cmp_double);
    *per_s = done ? rate[done / 2] : 0;
    *cpu_us = done ? cpu[done / 2] : 0;
}

static struct result run_level(const struct server *srv, int n, int rounds, int interval_ms)
{
    struct result res = {0};
    const char *name = kind_names[srv->kind];
    int port = pick_port();
    pid_t pid = port ? start_server(srv, port, "3600") : -1;
    if(pid < 0) {
        fprintf(stderr, "bench_ws: %s server (%s) did not start\n", name, srv->bin);
        return res;
    }
    usleep(200000);
    long rss0 = proc_rss_kb(pid);
    double connect_cpu0 = proc_cpu_s(pid);
    struct clients cl;
    if(clients_open(&cl, port, n)) {
        clients_close(&cl);
        stop_server(pid);
        return res;
    }
    double connect_cpu = proc_cpu_s(pid) - connect_cpu0; /* the server's share, whatever the machine's load */
    usleep(300000);
    long rss1 = proc_rss_kb(pid);
    struct samples lat = {malloc((size_t)(cl.receivers ? cl.receivers : 1) * (size_t)rounds * sizeof(int64_t)), 0,
                          (size_t)cl.receivers * (size_t)rounds};
    pid_t sirq_pid = softirqd_pid();
    double cpu0 = proc_cpu_s(pid), sirq0 = sirq_pid ? proc_cpu_s(sirq_pid) : 0;
    int64_t t0 = now_ns();
    int complete = 1;
    for(int r = 0; r < rounds && lat.v && cl.receivers; r++) {
        sleep_until(t0 + (int64_t)r * interval_ms * 1000000);
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"type\":\"error\",\"data\":{\"error_type\":\"bench\",\"severity\":\"warning\","
                 "\"message\":\"Benchmark broadcast.\",\"bench_t\":%lld}}",
                 (long long)now_ns());
        size_t want = lat.n + (size_t)cl.receivers;
        /* The answer is read after the round: a server may broadcast before it answers. */
        int pub = http_send(port, "POST", "/api/v1/debug/events", body);
        while(lat.n < want) {
            if(pump(cl.ep, WAIT_MS, &lat) < 0) {
                fprintf(stderr, "bench_ws: %s round %d: %zu of %d deliveries\n", name, r,
                        lat.n - (want - (size_t)cl.receivers), cl.receivers);
                complete = 0;
                break;
            }
        }
        if(http_status(pub) != 202)
            fprintf(stderr, "bench_ws: %s: publish failed\n", name);
        if(!complete)
            break;
    }
    double wall = (double)(now_ns() - t0) / 1e9;
    double sirq = sirq_pid ? proc_cpu_s(sirq_pid) - sirq0 : 0;
    double cpu = proc_cpu_s(pid) - cpu0 + sirq;
    qsort(lat.v, lat.n, sizeof(*lat.v), cmp_i64);
    res.ran = complete && cl.receivers > 0 && lat.n == (size_t)cl.receivers * (size_t)rounds;
    res.accepted = cl.accepted;
    res.connects_per_s = cl.connect_s > 0 ? cl.accepted / cl.connect_s : 0;
    res.deliveries_per_s = wall > 0 ? (double)lat.n / wall : 0;
    res.cpu_per_million = lat.n ? cpu / ((double)lat.n / 1e6) : 0;
    res.p50_ms = lat.n ? (double)lat.v[lat.n / 2] / 1e6 : 0;
    res.p99_ms = lat.n ? (double)lat.v[lat.n * 99 / 100] / 1e6 : 0;
    res.kb_per_conn = cl.accepted ? (double)(rss1 - rss0) / cl.accepted : 0;
    res.connect_cpu_us = cl.accepted ? connect_cpu / cl.accepted * 1e6 : 0;
    /* connects_per_s: handshakes completed (connection_ack and welcome stats read) per second */
    printf(
        "bench_ws server=%s clients=%d accepted=%d connect_s=%.2f connects_per_s=%.0f connect_server_cpu_s=%.2f "
        "connect_issue_s=%.2f connect_client_cpu_s=%.2f rounds=%d interval_ms=%d deliveries=%zu wall_s=%.2f "
        "deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f "
        "server_cpu_s=%.2f softirqd_cpu_s=%.3f cpu_s_per_million=%.2f rss_base_kb=%ld rss_per_conn_kb=%.2f pinned=%d\n",
        name, n, cl.accepted, cl.connect_s, res.connects_per_s, connect_cpu, cl.issue_s, cl.client_cpu_s, rounds,
        interval_ms, lat.n, wall, res.deliveries_per_s, res.p50_ms, res.p99_ms, cpu, sirq, res.cpu_per_million, rss0,
        res.kb_per_conn, pinned);
    free(lat.v);
    double close_cpu0 = proc_cpu_s(pid);
    clients_close(&cl);
    settle(pid);
    double close_cpu = proc_cpu_s(pid) - close_cpu0; /* the server taking every client's close */
    if(bursts > 0) {
        burst_connects(pid, port, n < BURST ? n : BURST, bursts, &res.burst_per_s, &res.burst_cpu_us);
    }
    printf("bench_ws_burst server=%s clients=%d runs=%d connects_per_s=%.0f server_cpu_us_per_connect=%.1f "
           "close_server_cpu_s=%.2f close_server_cpu_us_per_client=%.1f\n",
           name, n < BURST ? n : BURST, bursts, res.burst_per_s, res.burst_cpu_us, close_cpu,
           cl.n ? close_cpu / cl.n * 1e6 : 0);
    fflush(stdout);
    stop_server(pid);
    return res;
}

/* A counter from lineaged's GET /metrics (the whole sample name, labels included), or -1. */
static double metric_value(int port, const char *sample)
{
    int fd = http_send(port, "GET", "/metrics", NULL);
    if(fd < 0)
        return -1;
    static char text[1 << 16];
    size_t len = 0;
    for(ssize_t r; len < sizeof(text) - 1 && (r = read(fd, text + len, sizeof(text) - 1 - len)) > 0;)
        len += (size_t)r;
    close(fd);
    text[len] = '\0';
    size_t n = strlen(sample);
    for(const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if(strncmp(line, sample, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    return -1;
}

/*
 * lineaged with --stats-interval 0.05 and n clients: stats_update messages per second per client as
 * read, beside what the server wrote (its messages_sent counter) and the two sides' CPU, which tell
 * whether the server or this client is the limit.
 */
static int run_stats(const struct server *srv, int n, int seconds)
{
    int port = pick_port();
    pid_t pid = port ? start_server(srv, port, "0.05") : -1;
    if(pid < 0) {
        fprintf(stderr, "bench_ws: lineaged (%s) did not start\n", srv->bin);
        return -1;
    }
    struct clients cl;
    int rc = clients_open(&cl, port, n);
    for(int i = 0; i < cl.n; i++)
        cl.conns[i].stats = 0; /* the window's updates only, not the welcome's */
    static const char sent_metric[] = "lineaged_ws_messages_sent_total{type=\"stats_update\"}";
    double sent0 = metric_value(port, sent_metric);
    double cpu0 = proc_cpu_s(pid), self0 = self_cpu_s();
    int64_t t0 = now_ns(), end = t0 + (int64_t)seconds * 1000000000;
    while(!rc && now_ns() < end)
        if(pump(cl.ep, 1000, NULL) < 0)
            rc = -1;
    double wall = (double)(now_ns() - t0) / 1e9, cpu = proc_cpu_s(pid) - cpu0, self = self_cpu_s() - self0;
    double sent1 = metric_value(port, sent_metric);
    long least = -1, total = 0;
    for(int i = 0; i < cl.n; i++) {
        struct conn *c = &cl.conns[i];
        if(c->state != OPEN)
            continue;
        total += c->stats;
        if(least < 0 || c->stats < least)
            least = c->stats;
    }
    double per_s = cl.receivers && wall > 0 ? (double)total / cl.receivers / wall : 0;
    /* written per client per second over the same window (the two /metrics reads bracket it) */
    double sent_per_s =
        sent0 >= 0 && sent1 >= sent0 && cl.receivers && wall > 0 ? (sent1 - sent0) / cl.receivers / wall : -1;
    printf("bench_ws_stats server=lineaged clients=%d accepted=%d stats_interval_s=0.05 window_s=%.2f "
           "updates_per_s=%.2f server_sent_per_s=%.2f target_per_s=20 least_updates_in_window=%ld server_cpu_s=%.2f "
           "client_cpu_s=%.2f pinned=%d\n",
           n, cl.accepted, wall, per_s, sent_per_s, least, cpu, self, pinned);
    fflush(stdout);
    clients_close(&cl);
    stop_server(pid);
    return rc;
}

/* raw_broadcast beside this executable, unless RAW_BIN names it. */
static const char *raw_bin(void)
{
    static char path[4096];
    const char *env = getenv("RAW_BIN");
    if(env)
        return env;
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if(n <= 0)
        return "raw_broadcast";
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    const char name[] = "raw_broadcast";
    size_t dir = slash ? (size_t)(slash + 1 - path) : 0;
    if(dir + sizeof(name) > sizeof(path))
        return "raw_broadcast";
    memcpy(path + dir, name, sizeof(name));
    return path;
}

/* Parses BENCH_SERVER; returns how many servers, or -1 after printing why. */
static int parse_servers(struct server *out)
{
    const char *env = getenv("BENCH_SERVER");
    const char *p = env && *env ? env : "raw,node,fastapi,lineaged";
    int n = 0;
    for(; *p; p += *p == ',') {
        size_t len = strcspn(p, ",");
        char tok[32];
        snprintf(tok, sizeof(tok), "%.*s", (int)len, p);
        p += len;
        if(n == MAX_SERVERS) {
            fprintf(stderr, "bench_ws: at most %d servers in BENCH_SERVER\n", MAX_SERVERS);
            return -1;
        }
        const char *node = getenv("NODE_BIN");
        if(strcmp(tok, "raw") == 0) {
            out[n++] = (struct server){RAW, raw_bin()};
        } else if(strcmp(tok, "node") == 0) {
            out[n++] = (struct server){NODE, node ? node : "node"};
        } else if(strcmp(tok, "fastapi") == 0) {
            out[n++] = (struct server){FASTAPI, "/usr/bin/python3"};
        } else if(strcmp(tok, "lineaged") == 0) {
            const char *bin = getenv("LINEAGED_BIN");
            if(!bin) {
                fprintf(stderr, "bench_ws: set LINEAGED_BIN to the lineaged binary\n");
                return -1;
            }
            out[n++] = (struct server){LINEAGED, bin};
        } else {
            fprintf(stderr, "bench_ws: BENCH_SERVER takes raw, node, fastapi, lineaged or a comma list, not %s\n", tok);
            return -1;
        }
    }
    return n;
}

/* Server on the first allowed CPU, this process on the second, when there are two. */
static void pin(void)
{
    const char *env = getenv("BENCH_PIN");
    cpu_set_t allowed, client;
    if((env && strcmp(env, "0") == 0) || sched_getaffinity(0, sizeof(allowed), &allowed) || CPU_COUNT(&allowed) < 2)
        return;
    CPU_ZERO(&server_cpus);
    CPU_ZERO(&client);
    int found = 0;
    for(int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
        if(!CPU_ISSET(cpu, &allowed))
            continue;
        CPU_SET(cpu, found++ ? &client : &server_cpus);
    }
    pinned = sched_setaffinity(0, sizeof(client), &client) == 0;
}

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    if(!v || !*v)
        return def;
    char *end;
    long x = strtol(v, &end, 10);
    if(*end || x < lo || x > hi) {
        fprintf(stderr, "bench_ws: %s must be an integer in [%d, %d]; using %d\n", name, lo, hi, def);
        return def;
    }
    return (int)x;
}

/* One table per level: each server's figures and its ratios to raw measured in the same run. */
static void print_table(int n, const struct server *servers, const struct result *res, int n_servers)
{
    const struct result *raw = NULL, *node = NULL, *fastapi = NULL, *lin = NULL;
    for(int j = 0; j < n_servers; j++) {
        const struct result *r = res[j].ran ? &res[j] : NULL;
        switch(servers[j].kind) {
        case RAW: raw = r; break;
        case NODE: node = r; break;
        case FASTAPI: fastapi = r; break;
        case LINEAGED: lin = r; break;
        }
    }
    printf("\nfan-out, %d clients\n%-9s %9s %11s %9s %11s %8s %8s %8s %10s %9s %9s %8s %9s\n", n, "server", "accepted",
           "deliv/s", "CPU-s/M", "deliv/CPU-s", "p50 ms", "p99 ms", "KB/conn", "storm c/s", "burst c/s", "CPU us/c",
           "CPU/raw", "burst/raw");
    for(int j = 0; j < n_servers; j++) {
        const struct result *r = &res[j];
        if(!r->ran) {
            printf("%-9s (incomplete: see above)\n", kind_names[servers[j].kind]);
            continue;
        }
        printf("%-9s %9d %11.0f %9.2f %11.0f %8.2f %8.2f %8.2f %10.0f %9.0f %9.1f", kind_names[servers[j].kind],
               r->accepted, r->deliveries_per_s, r->cpu_per_million,
               r->cpu_per_million > 0 ? 1e6 / r->cpu_per_million : 0, r->p50_ms, r->p99_ms, r->kb_per_conn,
               r->connects_per_s, r->burst_per_s, r->connect_cpu_us);
        if(raw && raw->cpu_per_million > 0)
            printf(" %8.2f", r->cpu_per_million / raw->cpu_per_million);
        else
            printf(" %8s", "-");
        if(raw && raw->burst_per_s > 0 && r->burst_per_s > 0)
            printf(" %9.2f\n", r->burst_per_s / raw->burst_per_s);
        else
            printf(" %9s\n", "-");
    }
    /* Deliveries per CPU-second of lineaged over each peer's: the issue's targets are >= 1.3 (node), >= 3 (fastapi). */
    if(lin && lin->cpu_per_million > 0 && (node || fastapi || raw)) {
        printf("lineaged deliveries per CPU-s:");
        if(node)
            printf(" %.2fx node", node->cpu_per_million / lin->cpu_per_million);
        if(fastapi)
            printf(" %.2fx fastapi", fastapi->cpu_per_million / lin->cpu_per_million);
        if(raw)
            printf(" %.2fx raw", raw->cpu_per_million / lin->cpu_per_million);
        printf("\n");
    }
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct server servers[MAX_SERVERS];
    int n_servers = parse_servers(servers);
    if(n_servers < 0)
        return 2;
    static char default_peers[] = LINEAGED_BENCH_DIR "/peers";
    peers_dir = getenv("BENCH_PEERS") ? getenv("BENCH_PEERS") : default_peers;
    pin();
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);
    int rounds = env_int("BENCH_ROUNDS", 40, 1, 100000);
    int interval_ms = env_int("BENCH_INTERVAL_MS", 50, 0, 60000);
    int stats_clients = env_int("BENCH_STATS_CLIENTS", 0, 0, 1000000);
    int stats_seconds = env_int("BENCH_STATS_SECONDS", 3, 1, 600);
    bursts = env_int("BENCH_BURSTS", 5, 0, BURST_RUNS_MAX);
    int levels[MAX_LEVELS] = {1000, 5000}, n_levels = 2;
    if(argc > 1) {
        n_levels = 0;
        for(int i = 1; i < argc && n_levels < MAX_LEVELS; i++)
            levels[n_levels++] = (int)strtol(argv[i], NULL, 10);
    }
    srand((unsigned)getpid());
    int rc = 0;
    for(int i = 0; i < n_levels; i++) {
        if(levels[i] <= 0)
            continue;
        struct result res[MAX_SERVERS];
        for(int j = 0; j < n_servers; j++) {
            res[j] = run_level(&servers[j], levels[i], rounds, interval_ms);
            rc |= !res[j].ran;
        }
        print_table(levels[i], servers, res, n_servers);
    }
    for(int j = 0; j < n_servers && stats_clients > 0; j++)
        if(servers[j].kind == LINEAGED)
            rc |= run_stats(&servers[j], stats_clients, stats_seconds) != 0;
    return rc ? 1 : 0;
}
