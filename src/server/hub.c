#include "server/hub.h"

#include "events/schema.h"
#include "server/http.h"
#include "server/ws.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <string.h>

#define HUB_TICK_US     (50 * LWS_US_PER_MS) /* held progress goes out within this of its slot */
#define THROTTLE_LOG_MS 5000
#define INBOX_MAX       65536
#define QUEUE_MAX_BYTES (32u << 20)
#define STATS_KEY       1

int64_t hub_stamp(server_t *srv)
{
    int64_t now = time_now_ms();
    if(now < srv->last_stamp_ms)
        now = srv->last_stamp_ms;
    srv->last_stamp_ms = now;
    return now;
}

json_t *hub_stats(server_t *srv)
{
    return stats_snapshot(&srv->stats, time_mono_ms());
}

/* Coalescing key: one stream for stats, one per ingestion for its progress; 0 for the final progress. */
static uint64_t coalesce_key(enum event_type type, const json_t *data, int critical)
{
    if(type == EV_STATS_UPDATE)
        return STATS_KEY;
    if(type != EV_INGESTION_PROGRESS || critical)
        return 0;
    uint64_t h = 1469598103934665603ull;
    const char *id = json_string_value(json_object_get(data, "ingestion_id"));
    for(; id && *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211ull;
    return h < 2 ? h + 2 : h;
}

static void emit(void *ctx, enum event_type type, json_t *data, int critical)
{
    server_t *srv = ctx;
    bcast_msg_t *msg = bcast_msg_encode(type, data, hub_stamp(srv));
    if(!msg) {
        log_error("ws.encode_failed", "type=%s", event_type_name(type));
    } else {
        ws_broadcast(srv, msg, coalesce_key(type, data, critical), critical);
        bcast_msg_unref(msg);
    }
    json_decref(data);
}

static void sync_throttled(server_t *srv)
{
    uint64_t sum = 0;
    for(int i = 0; i < EV_N_TYPES; i++)
        sum += ratelimit_throttled(srv->rl, (enum event_type)i);
    metrics_set(&srv->metrics.ws_throttled, sum);
}

static void reject(server_t *srv, const bus_event_t *ev, const char *why)
{
    metrics_inc(&srv->metrics.ws_invalid);
    log_warn("ws.event_invalid", "type=%s reason=\"%s\"", LOG_Q(ev->type), why);
}

void hub_drain(server_t *srv)
{
    bus_event_t *list = bus_drain(srv->bus);
    if(!list)
        return;
    int64_t now = time_mono_ms();
    for(bus_event_t *ev = list; ev; ev = ev->next) {
        enum event_type type;
        char why[160];
        if(event_type_from_name(ev->type, &type)) {
            reject(srv, ev, "unknown event type");
        } else if(type == EV_CONNECTION_ACK) {
            reject(srv, ev, "connection_ack is sent by the server to each client itself");
        } else if(schema_validate(type, ev->data, why, sizeof(why))) {
            reject(srv, ev, why);
        } else {
            ratelimit_offer(srv->rl, type, ev->data, now, emit, srv);
            ev->data = NULL;
        }
    }
    bus_event_free_list(list);
    metrics_set(&srv->metrics.events_dropped, bus_dropped(srv->bus));
    sync_throttled(srv);
    ws_wake_all(srv);
}

static void stats_tick(struct lws_sorted_usec_list *sul)
{
    server_t *srv = lws_container_of(sul, server_t, stats_timer);
    lws_usec_t fired = lws_now_usecs();
    int64_t now = time_mono_ms();
    stats_sample(&srv->stats, now);
    json_t *data = stats_snapshot(&srv->stats, now);
    char why[160];
    if(!data || schema_validate(EV_STATS_UPDATE, data, why, sizeof(why))) {
        metrics_inc(&srv->metrics.ws_invalid);
        log_error("ws.stats_invalid", "reason=\"%s\"", data ? why : "out of memory");
        json_decref(data);
    } else {
        ratelimit_note_stats(srv->rl, now);
        emit(srv, EV_STATS_UPDATE, data, 0);
        ws_wake_all(srv);
    }
    /* From the deadline, not from now: the broadcast above takes tens of ms at thousands of clients. */
    lws_sul_schedule(srv->ctx, 0, &srv->stats_timer, stats_tick,
                     tick_advance(&srv->stats_period, fired, lws_now_usecs()));
}

static void log_throttled(server_t *srv, int64_t now)
{
    uint64_t recent[EV_N_TYPES];
    if(!ratelimit_take_recent(srv->rl, recent))
        return;
    log_info("ws.throttled", "window_s=%.1f ingestion_progress=%llu query_complete=%llu stats_update=%llu",
             (double)(now - srv->last_throttle_log_ms) / 1000.0, (unsigned long long)recent[EV_INGESTION_PROGRESS],
             (unsigned long long)recent[EV_QUERY_COMPLETE], (unsigned long long)recent[EV_STATS_UPDATE]);
    srv->last_throttle_log_ms = now;
}

static void hub_tick(struct lws_sorted_usec_list *sul)
{
    server_t *srv = lws_container_of(sul, server_t, hub_timer);
    int64_t now = time_mono_ms();
    size_t before = bcast_len(&srv->queue);
    uint64_t tail = srv->queue.tail;
    ratelimit_due(srv->rl, now, emit, srv);
    if(srv->queue.tail != tail || bcast_len(&srv->queue) != before)
        ws_wake_all(srv);
    if(now - srv->last_throttle_log_ms >= THROTTLE_LOG_MS)
        log_throttled(srv, now);
    log_limited_flush(0);
    ws_check_idle(srv, now);
    http_check_bodies(srv, now);
    http_check_deferred(srv, now);
    lws_sul_schedule(srv->ctx, 0, &srv->hub_timer, hub_tick, HUB_TICK_US);
}

static void wake(void *arg)
{
    server_t *srv = arg;
    lws_cancel_service(srv->ctx);
}

bcast_msg_t *hub_welcome_stats(server_t *srv)
{
    int64_t now = hub_stamp(srv);
    if(!srv->welcome_stats || srv->welcome_stats_ms != now) {
        json_t *data = hub_stats(srv);
        bcast_msg_t *msg = data ? bcast_msg_encode(EV_STATS_UPDATE, data, now) : NULL;
        json_decref(data);
        if(!msg)
            return NULL;
        bcast_msg_unref(srv->welcome_stats);
        srv->welcome_stats = msg;
        srv->welcome_stats_ms = now;
    }
    return bcast_msg_ref(srv->welcome_stats);
}

int hub_init(server_t *srv)
{
    const config_t *cfg = srv->cfg;
    ratelimit_config_t rc = {cfg->progress_rate, cfg->query_event_rate, cfg->stats_interval};
    srv->rl = ratelimit_new(&rc);
    srv->bus = bus_new(INBOX_MAX, wake, srv);
    if(!srv->rl || !srv->bus || bcast_init(&srv->queue, (size_t)cfg->ws_backlog, QUEUE_MAX_BYTES))
        return -1;
    srv->last_throttle_log_ms = time_mono_ms();
    tick_start(&srv->stats_period, lws_now_usecs(), (int64_t)(cfg->stats_interval * LWS_US_PER_SEC));
    lws_sul_schedule(srv->ctx, 0, &srv->stats_timer, stats_tick, srv->stats_period.period_us);
    lws_sul_schedule(srv->ctx, 0, &srv->hub_timer, hub_tick, HUB_TICK_US);
    return 0;
}

void hub_free(server_t *srv)
{
    if(srv->ctx) {
        lws_sul_cancel(&srv->stats_timer);
        lws_sul_cancel(&srv->hub_timer);
    }
    bus_free(srv->bus);
    srv->bus = NULL;
    ratelimit_free(srv->rl);
    srv->rl = NULL;
    bcast_msg_unref(srv->welcome_stats);
    srv->welcome_stats = NULL;
    if(srv->queue.ring)
        bcast_free(&srv->queue);
}
