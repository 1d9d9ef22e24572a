#include "server/server.h"

#include "server/http.h"
#include "server/hub.h"
#include "server/routes.h"
#include "server/listener.h"
#include "server/lws_status.h"
#include "server/reqguard.h"
#include "server/session.h"
#include "server/txwait.h"
#include "server/ws.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#define SHUTDOWN_GRACE_MS 1500
#define TICK_US           (50 * LWS_US_PER_MS) /* shutdown polls its deadline this often */
/*
 * Requests being parsed at once, each holding a 4 KiB header table (1 MiB in all). lws defaults to
 * one per fd, so a burst of thousands of handshakes would leave megabytes of freed, fragmented heap
 * behind. One address holds at most --max-http-per-ip of them (listener.c), so taking them all needs
 * HTTP_HEADER_POOL / 16 addresses at the default.
 */
#define HTTP_HEADER_POOL 256

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    server_t *srv = ctx ? lws_context_user(ctx) : NULL;
    session_t *s = user;
    if(!srv)
        return 0;
    switch(reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        http_drain_completions(srv);
        if(srv->bus)
            hub_drain(srv);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: listener_conn_closed(srv, wsi); return 0;
    /* only CONNECT and unknown methods become raw sockets here (lws_http_to_fallback) */
    case LWS_CALLBACK_RAW_ADOPT: return 0;
    case LWS_CALLBACK_RAW_RX: return http_refuse_raw(srv, wsi, in, len);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return ws_confirm_upgrade(srv, wsi);
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: return s ? http_callback(srv, wsi, reason, s, in, len) : 0;
    default: return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"lineaged", callback, sizeof(session_t), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_emit(int level, const char *line)
{
    char msg[LOG_VALUE_MAX + 2]; /* one byte more than is logged, so a longer line is marked as cut */
    size_t len = strlen(line);
    while(len && (line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    snprintf(msg, sizeof(msg), "%.*s", (int)len, line);
    /* lws logs what clients make it do (failed accepts, bad requests): limited like our own lines */
    log_limited(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "msg=%s", LOG_Q(msg));
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGUSR1);
}

void server_block_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Signals are taken by one thread that only asks the service loop to stop. */
static void *signal_thread(void *arg)
{
    server_t *srv = arg;
    sigset_t set;
    stop_signals(&set);
    int sig = 0;
    if(sigwait(&set, &sig) == 0 && sig != SIGUSR1) {
        atomic_store(&srv->stop_requested, sig);
        lws_cancel_service(srv->ctx);
    }
    return NULL;
}

static void tick(struct lws_sorted_usec_list *sul)
{
    server_t *srv = lws_container_of(sul, server_t, tick);
    lws_sul_schedule(srv->ctx, 0, &srv->tick, tick, TICK_US);
}

static unsigned int raise_fd_limit(void)
{
    struct rlimit rl;
    if(getrlimit(RLIMIT_NOFILE, &rl))
        return 1024;
    if(rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur > 1000000 ? 1000000 : (unsigned int)rl.rlim_cur;
}

/* Counters come from the database once, here; afterwards the code that changes them moves them. */
static int load_stats(server_t *srv)
{
    duckdb_connection conn;
    store_counts_t counts;
    if(store_connect(srv->store, &conn))
        return -1;
    int rc = store_counts(conn, &counts);
    if(!rc) {
        stats_init(&srv->stats, &counts, srv->cfg->trend_window, time_mono_ms());
        stats_load_history(&srv->stats, conn, time_now_ms(), time_mono_ms());
    }
    duckdb_disconnect(&conn);
    if(rc)
        return -1;
    log_info("stats.loaded", "nodes=%lld edges=%lld tables=%lld files_processed=%lld", (long long)counts.nodes,
             (long long)counts.edges, (long long)counts.table_nodes, (long long)counts.files_processed);
    return 0;
}

/*
 * On a libuv loop lws tears its context down in stages, each finished by the loop closing handles:
 * destroy and run the loop again until lws reports the context gone (info.pcontext).
 */
#define DESTROY_STAGES_MAX 8

static void destroy_context(server_t *srv, uv_loop_t *loop)
{
    netpoll_close(&srv->np); /* its handle would keep the loop running */
    for(int i = 0; srv->ctx && i < DESTROY_STAGES_MAX; i++) {
        lws_context_destroy(srv->ctx);
        while(uv_run(loop, UV_RUN_DEFAULT))
            ;
    }
    if(srv->ctx)
        log_warn("server.destroy_incomplete", "reason=\"lws did not finish tearing down its context\"");
    srv->ctx = NULL;
    if(uv_loop_close(loop))
        log_warn("server.loop_close_failed", "reason=\"handles still open at exit\"");
}

static void wake_loop(void *arg)
{
    server_t *srv = arg;
    lws_cancel_service(srv->ctx);
}

int server_route(server_t *srv, const route_t *route)
{
    return router_add(&srv->router, route);
}

int server_route_upload(server_t *srv, const route_t *route, const route_upload_ops_t *ops)
{
    return router_add_upload(&srv->router, route, ops);
}

static void server_free(server_t *srv)
{
    http_completions_free(&srv->completions);
    http_free_spares(srv);
    router_free(&srv->router);
    listener_free(srv);
    hub_free(srv);
    ws_free(srv);
    reqguard_free();
    txwait_free();
    netpoll_free(&srv->np);
    iplimit_free(srv->per_ip);
    srv->per_ip = NULL;
    origin_policy_free(&srv->origins);
}

int server_run(const config_t *cfg, store_t *store, const server_app_t *app)
{
    server_t srv;
    memset(&srv, 0, sizeof(srv));
    srv.cfg = cfg;
    srv.store = store;
    srv.started_mono_ms = time_mono_ms();
    srv.np.epfd = -1;
    metrics_init(&srv.metrics);
    if(load_stats(&srv)) {
        log_error("stats.load_failed", "reason=\"cannot count nodes and files in the database\"");
        return -1;
    }
    if(lws_status_init() || reqguard_init(&srv)) {
        log_error("server.init_failed", "reason=\"cannot find send() or recv() in the C library\"");
        return -1;
    }
    txwait_init(&srv);
    router_init(&srv.router);
    if(http_completions_init(&srv.completions, wake_loop, &srv)) {
        log_error("server.init_failed", "reason=\"cannot create a mutex\"");
        return -1;
    }
    srv.per_ip = iplimit_new(cfg->ipv6_prefix);
    if(!srv.per_ip || ws_init(&srv) || origin_policy_init(&srv.origins, cfg) || routes_init(&srv)) {
        log_error("server.init_failed", "reason=\"out of memory\"");
        server_free(&srv);
        return -1;
    }

    lws_set_log_level(log_enabled(LOG_DEBUG) ? LLL_ERR | LLL_WARN : LLL_ERR, lws_log_emit);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* listener.c accepts and hands sockets over */
    info.protocols = protocols;
    info.user = &srv;
    info.fd_limit_per_thread = raise_fd_limit();
    /* an unknown method goes to RAW_RX, answered by us, instead of lws's HTML 403 */
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG;
    info.timeout_secs = 30;
    /* set once when a header table is taken, not renewed per byte: the deadline for a header block */
    info.timeout_secs_ah_idle = (unsigned int)cfg->header_timeout;
    /*
     * No lws ping/idle timers (ws_check_idle does that): lws keeps them in one sorted list, and its
     * default policy (ping at 300 s) made every connect and every message walk all connections.
     */
    static const lws_retry_bo_t no_idle_timers = {0};
    info.retry_and_idle_policy = &no_idle_timers;
    info.max_http_header_pool = HTTP_HEADER_POOL;
    /* lws's own loop is poll(): every turn walks all connections. On libuv (epoll) it does not. */
    uv_loop_t loop;
    if(uv_loop_init(&loop)) {
        log_error("server.init_failed", "reason=\"cannot create the event loop\"");
        server_free(&srv);
        return -1;
    }
    void *foreign_loops[] = {&loop};
    info.options |= LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign_loops;
    info.pcontext = &srv.ctx;

    if(netpoll_init(&srv.np, &loop) || listener_open(&srv, &loop)) {
        listener_stop(&srv);
        netpoll_close(&srv.np);
        while(uv_run(&loop, UV_RUN_DEFAULT))
            ;
        uv_loop_close(&loop);
        server_free(&srv);
        return -1;
    }
    srv.ctx = lws_create_context(&info);
    if(!srv.ctx) {
        log_error("server.listen_failed",
                  "host=%s port=%d reason=\"libwebsockets could not start (is libwebsockets-evlib-uv installed?)\"",
                  cfg->host, cfg->port);
        listener_stop(&srv);
        destroy_context(&srv, &loop);
        server_free(&srv);
        return -1;
    }
    if(hub_init(&srv) || listener_start(&srv)) {
        log_error("server.init_failed", "reason=\"out of memory\"");
        listener_stop(&srv);
        destroy_context(&srv, &loop);
        server_free(&srv);
        return -1;
    }
    if(app && app->start(app->ud, &srv)) { /* it logged why: one line for the operator */
        if(app->stop)
            app->stop(app->ud);
        http_completions_close(&srv.completions);
        listener_stop(&srv);
        destroy_context(&srv, &loop);
        server_free(&srv);
        return -1;
    }
    pthread_t sig_thread;
    if(pthread_create(&sig_thread, NULL, signal_thread, &srv)) {
        log_error("server.thread_failed", "what=signals");
        if(app && app->stop)
            app->stop(app->ud);
        http_completions_close(&srv.completions);
        listener_stop(&srv);
        destroy_context(&srv, &loop);
        server_free(&srv);
        return -1;
    }
    log_info("server.listening", "url=http://%s:%d/ ws=ws://%s:%d%s addresses=\"%s\"", cfg->host, cfg->port, cfg->host,
             cfg->port, WS_DASHBOARD_PATH, listener_addresses(&srv));
    log_info("server.limits",
             "fd_limit=%u connection_cap=%d header_timeout_s=%d max_http_per_ip=%d header_tables=%d "
             "max_connections=%d max_conn_per_ip=%d",
             info.fd_limit_per_thread, listener_cap(&srv), cfg->header_timeout, cfg->max_http_per_ip, HTTP_HEADER_POOL,
             cfg->max_connections, cfg->max_conn_per_ip);

    int rc = 0;
    while(!atomic_load(&srv.stop_requested)) {
        if(!uv_run(&loop, UV_RUN_ONCE)) {
            log_error("server.loop_failed", "reason=\"the event loop has nothing left to watch\"");
            rc = -1;
            break;
        }
    }

    int sig = atomic_load(&srv.stop_requested);
    log_info("server.stopping", "signal=%s clients=%d",
             sig == SIGINT    ? "SIGINT"
             : sig == SIGTERM ? "SIGTERM"
                              : "-",
             srv.n_clients);
    srv.stopping = 1;
    listener_stop(&srv);
    ws_close_all(&srv);
    lws_sul_schedule(srv.ctx, 0, &srv.tick, tick, TICK_US);
    int64_t deadline = time_mono_ms() + SHUTDOWN_GRACE_MS;
    while(srv.n_clients > 0 && time_mono_ms() < deadline) {
        if(!uv_run(&loop, UV_RUN_ONCE))
            break;
    }
    int dropped = srv.n_clients; /* clients that did not answer the close within the grace */
    ws_drop_all(&srv);
    if(!sig)
        pthread_kill(sig_thread, SIGUSR1);
    pthread_join(sig_thread, NULL);
    /* Workers finish what they hold; their late responses are dropped with the queue. */
    if(app && app->stop)
        app->stop(app->ud);
    http_completions_close(&srv.completions);
    lws_sul_cancel(&srv.tick);
    lws_sul_cancel(&srv.stats_timer);
    lws_sul_cancel(&srv.hub_timer);
    destroy_context(&srv, &loop);
    server_free(&srv);
    log_limited_flush(1);
    log_info("server.stopped", "clients_left=%d clients_dropped=%d", srv.n_clients, dropped);
    return rc;
}
