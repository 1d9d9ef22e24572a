#include "events/ratelimit.h"

#include "util/alloc.h"

#include <string.h>

struct ingestion_slot {
    char *id; /* the whole id: ids that share a prefix are different ingestions */
    int used;
    int64_t last_sent_ms;
    int64_t last_seen_ms;
    json_t *held; /* newest progress not yet sent */
};

struct ratelimit {
    ratelimit_config_t cfg;
    struct ingestion_slot slots[RATELIMIT_MAX_INGESTIONS];
    double query_tokens;
    int64_t query_refill_ms;
    int64_t last_stats_ms;
    int stats_sent;
    uint64_t throttled[EV_N_TYPES];
    uint64_t recent[EV_N_TYPES];
};

ratelimit_t *ratelimit_new(const ratelimit_config_t *cfg)
{
    ratelimit_t *rl = util_calloc(1, sizeof(*rl));
    if(!rl)
        return NULL;
    rl->cfg = *cfg;
    rl->query_tokens = cfg->queries_per_sec < 1 ? 1 : cfg->queries_per_sec;
    rl->query_refill_ms = -1;
    return rl;
}

void ratelimit_free(ratelimit_t *rl)
{
    if(!rl)
        return;
    for(size_t i = 0; i < RATELIMIT_MAX_INGESTIONS; i++) {
        json_decref(rl->slots[i].held);
        util_free(rl->slots[i].id);
    }
    util_free(rl);
}

static void count(ratelimit_t *rl, enum event_type type)
{
    rl->throttled[type]++;
    rl->recent[type]++;
}

int ratelimit_progress_is_final(const json_t *data)
{
    return json_is_true(json_object_get(data, "final"));
}

static void slot_forget(struct ingestion_slot *s)
{
    json_decref(s->held);
    util_free(s->id);
    memset(s, 0, sizeof(*s));
}

/*
 * The slot of `id`; a new one takes a free slot or the longest-quiet one (its held progress goes out).
 * NULL when there is none, or no memory for a new one.
 */
static struct ingestion_slot *slot_for(ratelimit_t *rl, const char *id, int create, int64_t now_ms,
                                       ratelimit_emit_fn emit, void *ctx)
{
    struct ingestion_slot *free_slot = NULL, *oldest = NULL;
    for(size_t i = 0; i < RATELIMIT_MAX_INGESTIONS; i++) {
        struct ingestion_slot *s = &rl->slots[i];
        if(!s->used) {
            if(!free_slot)
                free_slot = s;
            continue;
        }
        if(strcmp(s->id, id) == 0)
            return s;
        if(!oldest || s->last_seen_ms < oldest->last_seen_ms)
            oldest = s;
    }
    if(!create)
        return NULL;
    char *copy = util_strdup(id);
    if(!copy)
        return NULL;
    struct ingestion_slot *s = free_slot;
    if(!s) {
        s = oldest;
        if(s->held) {
            emit(ctx, EV_INGESTION_PROGRESS, s->held, 0);
            s->held = NULL;
        }
        slot_forget(s);
    }
    s->used = 1;
    s->id = copy;
    s->last_sent_ms = now_ms - 1000000;
    s->last_seen_ms = now_ms;
    return s;
}

static void offer_progress(ratelimit_t *rl, json_t *data, int64_t now_ms, ratelimit_emit_fn emit, void *ctx)
{
    const char *id = json_string_value(json_object_get(data, "ingestion_id"));
    struct ingestion_slot *s = slot_for(rl, id ? id : "", 1, now_ms, emit, ctx);
    int final = ratelimit_progress_is_final(data);
    if(!s) { /* out of memory: better unthrottled than lost */
        emit(ctx, EV_INGESTION_PROGRESS, data, final);
        return;
    }
    s->last_seen_ms = now_ms;
    double gap_ms = rl->cfg.progress_per_sec > 0 ? 1000.0 / rl->cfg.progress_per_sec : 0;
    if(final || (double)(now_ms - s->last_sent_ms) >= gap_ms) {
        if(s->held) {
            count(rl, EV_INGESTION_PROGRESS); /* superseded by this one */
            json_decref(s->held);
            s->held = NULL;
        }
        s->last_sent_ms = now_ms;
        emit(ctx, EV_INGESTION_PROGRESS, data, final);
        return;
    }
    if(s->held) {
        count(rl, EV_INGESTION_PROGRESS);
        json_decref(s->held);
    }
    s->held = data;
}

static void offer_complete(ratelimit_t *rl, json_t *data, int64_t now_ms, ratelimit_emit_fn emit, void *ctx)
{
    const char *id = json_string_value(json_object_get(data, "ingestion_id"));
    struct ingestion_slot *s = id ? slot_for(rl, id, 0, now_ms, emit, ctx) : NULL;
    if(s) {
        /* The newest progress precedes the completion it led to. */
        if(s->held) {
            emit(ctx, EV_INGESTION_PROGRESS, s->held, 1);
            s->held = NULL;
        }
        slot_forget(s);
    }
    emit(ctx, EV_INGESTION_COMPLETE, data, 1);
}

static int take_query_token(ratelimit_t *rl, int64_t now_ms)
{
    double burst = rl->cfg.queries_per_sec < 1 ? 1 : rl->cfg.queries_per_sec;
    if(rl->query_refill_ms >= 0) {
        rl->query_tokens += (double)(now_ms - rl->query_refill_ms) * rl->cfg.queries_per_sec / 1000.0;
        if(rl->query_tokens > burst)
            rl->query_tokens = burst;
    }
    rl->query_refill_ms = now_ms;
    if(rl->query_tokens < 1)
        return 0;
    rl->query_tokens -= 1;
    return 1;
}

void ratelimit_offer(ratelimit_t *rl, enum event_type type, json_t *data, int64_t now_ms, ratelimit_emit_fn emit,
                     void *ctx)
{
    switch(type) {
    case EV_INGESTION_PROGRESS: offer_progress(rl, data, now_ms, emit, ctx); return;
    case EV_INGESTION_COMPLETE: offer_complete(rl, data, now_ms, emit, ctx); return;
    case EV_QUERY_COMPLETE:
        if(take_query_token(rl, now_ms)) {
            emit(ctx, type, data, 0);
        } else {
            count(rl, type);
            json_decref(data);
        }
        return;
    case EV_STATS_UPDATE:
        if(rl->stats_sent && (double)(now_ms - rl->last_stats_ms) < rl->cfg.stats_interval_s * 1000.0) {
            count(rl, type);
            json_decref(data);
            return;
        }
        ratelimit_note_stats(rl, now_ms);
        emit(ctx, type, data, 0);
        return;
    default: emit(ctx, type, data, 1); return;
    }
}

void ratelimit_due(ratelimit_t *rl, int64_t now_ms, ratelimit_emit_fn emit, void *ctx)
{
    double gap_ms = rl->cfg.progress_per_sec > 0 ? 1000.0 / rl->cfg.progress_per_sec : 0;
    for(size_t i = 0; i < RATELIMIT_MAX_INGESTIONS; i++) {
        struct ingestion_slot *s = &rl->slots[i];
        if(s->used && s->held && (double)(now_ms - s->last_sent_ms) >= gap_ms) {
            json_t *data = s->held;
            s->held = NULL;
            s->last_sent_ms = now_ms;
            emit(ctx, EV_INGESTION_PROGRESS, data, 0);
        }
    }
}

void ratelimit_note_stats(ratelimit_t *rl, int64_t now_ms)
{
    rl->stats_sent = 1;
    rl->last_stats_ms = now_ms;
}

uint64_t ratelimit_throttled(const ratelimit_t *rl, enum event_type type)
{
    return (unsigned)type < EV_N_TYPES ? rl->throttled[type] : 0;
}

uint64_t ratelimit_take_recent(ratelimit_t *rl, uint64_t out[EV_N_TYPES])
{
    uint64_t sum = 0;
    for(int i = 0; i < EV_N_TYPES; i++) {
        out[i] = rl->recent[i];
        sum += out[i];
        rl->recent[i] = 0;
    }
    return sum;
}
