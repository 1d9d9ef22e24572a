/*
 * WebSocket broadcast benchmark: starts `lineaged serve --debug-events` (LINEAGED_BIN), opens N
 * dashboard connections from several 127.x source addresses with one epoll loop, then publishes
 * broadcasts one at a time through the normal bus and measures, per level of N:
 *   delivery latency p50/p99 (publish -> frame read by each client), server CPU-seconds per
 *   million deliveries (utime+stime from /proc), server RSS per connection.
 * usage: bench_ws [N...]   (default 1000 5000 10000); env BENCH_ROUNDS (default 40)
 * env BENCH_SERVER: lineaged (default), raw (the baseline bench/raw/raw_broadcast, RAW_BIN, default
 *   next to this binary), or a comma list such as raw,lineaged to measure each server at each level.
 * env BENCH_PIN=0: do not pin. Otherwise, with >= 2 CPUs allowed, the server runs on the first
 *   allowed CPU and this client on the second (the method of shared/docs/stack.md's figures).
 */
#define _GNU_SOURCE /* memmem, CPU_SET */
#include <arpa/inet.h>
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

#define SOURCES     8
#define CONN_BUF    8192
#define MAX_SERVERS 4

struct server {
    const char *name; /* "lineaged" or "raw" */
    const char *bin;
};

static int pinned;
static cpu_set_t server_cpus;

struct conn {
    int fd;
    int upgraded;
    size_t len;
    int64_t last_seq;
    char buf[CONN_BUF];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

/* One HTTP request on a fresh connection; returns the status code (or -1). */
/* Sends one HTTP request on a fresh connection; returns the socket to read the answer from, or -1. */
static int http_send(int port, const char *method, const char *path, const char *body)
{
    int fd = tcp_connect("127.0.0.1", port);
    if(fd < 0)
        return -1;
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

/* Reads the answer to http_send (blocking) and closes the socket; returns the status code or -1. */
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

static int http(int port, const char *method, const char *path, const char *body)
{
    return http_status(http_send(port, method, path, body));
}

static pid_t start_server(const struct server *srv, int port)
{
    const char *bin = srv->bin;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    pid_t pid = fork();
    if(pid == 0) {
        if(pinned && sched_setaffinity(0, sizeof(server_cpus), &server_cpus))
            _exit(126);
        if(strcmp(srv->name, "raw") == 0) {
            execl(bin, bin, portstr, (char *)NULL);
            _exit(127);
        }
        execl(bin, bin, "serve", "--host", "127.0.0.1", "--port", portstr, "--db", ":memory:", "--debug-events",
              "--max-conn-per-ip", "100000", "--max-connections", "100000", "--stats-interval", "3600",
              "--ws-ping-interval", "3600", "--ws-idle-timeout", "7200", "--ws-backlog", "4096", "--log-level", "warn",
              (char *)NULL);
        _exit(127);
    }
    for(int i = 0; i < 200; i++) {
        if(http(port, "GET", "/health", NULL) == 200)
            return pid;
        usleep(25000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static double proc_cpu_s(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if(!f || !fgets(line, sizeof(line), f)) {
        if(f)
            fclose(f);
        return 0;
    }
    fclose(f);
    char *p = strrchr(line, ')');
    unsigned long utime = 0, stime = 0;
    /* fields after the command: state(3) ... utime(14) stime(15) */
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
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

/* Consumes complete frames; records the latency of each bench broadcast. Returns frames seen. */
static int parse_frames(struct conn *c, int64_t *lat, size_t *n_lat, size_t max_lat)
{
    int frames = 0;
    size_t off = 0;
    if(!c->upgraded) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if(!end)
            return 0;
        c->upgraded = strncmp(c->buf, "HTTP/1.1 101", 12) == 0 ? 1 : -1;
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
            break; /* never sent by this benchmark's server traffic */
        }
        if(c->len - off < hdr + plen)
            break;
        const char *payload = (const char *)p + hdr;
        const char *t = memmem(payload, plen, "\"bench_t\":", 10);
        if(t && *n_lat < max_lat) {
            int64_t sent = strtoll(t + 10, NULL, 10);
            lat[(*n_lat)++] = now_ns() - sent;
        }
        frames++;
        off += hdr + plen;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return frames;
}

static int run_level(const struct server *srv, int n, int rounds)
{
    int port = 0;
    for(int tries = 0; tries < 100 && !port; tries++) {
        int p = 20000 + rand() % 12000;
        if(port_free(p))
            port = p;
    }
    pid_t pid = start_server(srv, port);
    if(pid < 0) {
        fprintf(stderr, "bench_ws: %s server (%s) did not start\n", srv->name, srv->bin);
        return -1;
    }
    usleep(200000);
    long rss0 = proc_rss_kb(pid);
    struct conn *conns = calloc((size_t)n, sizeof(*conns));
    int ep = epoll_create1(0);
    char req[512];
    int reqlen = snprintf(req, sizeof(req),
                          "GET /admin/ws/dashboard HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n",
                          port);
    int64_t t_conn = now_ns();
    double connect_cpu0 = proc_cpu_s(pid);
    for(int i = 0; i < n; i++) {
        char src[16];
        snprintf(src, sizeof(src), "127.0.0.%d", 1 + i % SOURCES);
        conns[i].fd = tcp_connect(src, port);
        if(conns[i].fd < 0 || write(conns[i].fd, req, (size_t)reqlen) != reqlen) {
            fprintf(stderr, "bench_ws: connect %d failed: %s\n", i, strerror(errno));
            for(int j = 0; j <= i; j++)
                if(conns[j].fd >= 0)
                    close(conns[j].fd);
            free(conns);
            close(ep);
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            return -1;
        }
        fcntl(conns[i].fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    size_t max_lat = (size_t)n * (size_t)rounds;
    int64_t *lat = malloc(max_lat * sizeof(*lat));
    size_t n_lat = 0;
    struct epoll_event evs[512];
    /* Until every client has its connection_ack and welcome stats. */
    long frames = 0;
    while(frames < 2L * n) {
        int k = epoll_wait(ep, evs, 512, 5000);
        if(k <= 0) {
            fprintf(stderr, "bench_ws: only %ld of %d welcome frames\n", frames, 2 * n);
            break;
        }
        for(int i = 0; i < k; i++) {
            struct conn *c = evs[i].data.ptr;
            ssize_t r = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
            if(r > 0) {
                c->len += (size_t)r;
                frames += parse_frames(c, lat, &n_lat, max_lat);
            }
        }
    }
    double connect_s = (double)(now_ns() - t_conn) / 1e9;
    double connect_cpu = proc_cpu_s(pid) - connect_cpu0; /* the server's share, whatever the machine's load */
    usleep(300000);
    long rss1 = proc_rss_kb(pid);
    double cpu0 = proc_cpu_s(pid);
    n_lat = 0;
    int64_t t0 = now_ns();
    for(int r = 0; r < rounds; r++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"type\":\"error\",\"data\":{\"error_type\":\"bench\",\"severity\":\"warning\","
                 "\"message\":\"Benchmark broadcast.\",\"bench_t\":%lld}}",
                 (long long)now_ns());
        size_t want = n_lat + (size_t)n;
        /* The answer is read after the round: a server may broadcast before it answers. */
        int pub = http_send(port, "POST", "/api/v1/debug/events", body);
        while(n_lat < want) {
            int k = epoll_wait(ep, evs, 512, 5000);
            if(k <= 0) {
                fprintf(stderr, "bench_ws: round %d: %zu of %d deliveries\n", r, n_lat - (want - (size_t)n), n);
                break;
            }
            for(int i = 0; i < k; i++) {
                struct conn *c = evs[i].data.ptr;
                ssize_t rd = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
                if(rd > 0) {
                    c->len += (size_t)rd;
                    parse_frames(c, lat, &n_lat, max_lat);
                }
            }
        }
        if(http_status(pub) != 202)
            fprintf(stderr, "bench_ws: publish failed\n");
    }
    double wall = (double)(now_ns() - t0) / 1e9;
    double cpu = proc_cpu_s(pid) - cpu0;
    qsort(lat, n_lat, sizeof(*lat), cmp_i64);
    double p50 = n_lat ? (double)lat[n_lat / 2] / 1e6 : 0, p99 = n_lat ? (double)lat[n_lat * 99 / 100] / 1e6 : 0;
    /* connects_per_s: handshakes completed (connection_ack and welcome stats read) per second */
    printf("bench_ws clients=%d connect_s=%.2f connects_per_s=%.0f connect_server_cpu_s=%.2f rounds=%d "
           "deliveries=%zu wall_s=%.2f p50_ms=%.2f p99_ms=%.2f server_cpu_s=%.2f cpu_s_per_million=%.2f "
           "rss_base_kb=%ld rss_per_conn_kb=%.2f server=%s pinned=%d\n",
           n, connect_s, connect_s > 0 ? n / connect_s : 0, connect_cpu, rounds, n_lat, wall, p50, p99, cpu,
           n_lat ? cpu / ((double)n_lat / 1e6) : 0, rss0, (double)(rss1 - rss0) / n, srv->name, pinned);
    fflush(stdout);
    for(int i = 0; i < n; i++)
        close(conns[i].fd);
    free(conns);
    free(lat);
    close(ep);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return n_lat == (size_t)n * (size_t)rounds ? 0 : -1;
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
    const char *p = env && *env ? env : "lineaged";
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
        if(strcmp(tok, "raw") == 0) {
            out[n++] = (struct server){"raw", raw_bin()};
        } else if(strcmp(tok, "lineaged") == 0) {
            const char *bin = getenv("LINEAGED_BIN");
            if(!bin) {
                fprintf(stderr, "bench_ws: set LINEAGED_BIN to the lineaged binary\n");
                return -1;
            }
            out[n++] = (struct server){"lineaged", bin};
        } else {
            fprintf(stderr, "bench_ws: BENCH_SERVER takes raw, lineaged or a comma list of them, not %s\n", tok);
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

int main(int argc, char **argv)
{
    struct server servers[MAX_SERVERS];
    int n_servers = parse_servers(servers);
    if(n_servers < 0)
        return 2;
    pin();
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);
    const char *env_rounds = getenv("BENCH_ROUNDS");
    int rounds = env_rounds ? (int)strtol(env_rounds, NULL, 10) : 40;
    int levels[16] = {1000, 5000, 10000}, n_levels = 3;
    if(argc > 1) {
        n_levels = 0;
        for(int i = 1; i < argc && n_levels < 16; i++)
            levels[n_levels++] = (int)strtol(argv[i], NULL, 10);
    }
    srand((unsigned)getpid());
    int rc = 0;
    for(int i = 0; i < n_levels; i++)
        for(int j = 0; j < n_servers; j++)
            rc |= run_level(&servers[j], levels[i], rounds);
    return rc ? 1 : 0;
}
