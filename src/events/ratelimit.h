/*
 * The broadcast rate-limit policy, applied on the consumer thread to validated events:
 * ingestion_progress is coalesced per ingestion (at most N a second, the latest wins, the final one
 * always goes out), query_complete is capped per second (excess dropped), stats_update goes out once
 * per tick; connection_ack, ingestion_started, ingestion_complete and error pass untouched.
 * Time is an argument so tests drive it.
 */
#ifndef LINEAGED_EVENTS_RATELIMIT_H
#define LINEAGED_EVENTS_RATELIMIT_H

#include "events/event.h"

#include <jansson.h>
#include <stdint.h>

#define RATELIMIT_MAX_INGESTIONS 256

typedef struct ratelimit_config {
    double progress_per_sec; /* per ingestion */
    double queries_per_sec;
    double stats_interval_s;
} ratelimit_config_t;

/* Receives each event allowed through (data reference passed on); `critical` marks a must-deliver. */
typedef void (*ratelimit_emit_fn)(void *ctx, enum event_type type, json_t *data, int critical);

typedef struct ratelimit ratelimit_t;

ratelimit_t *ratelimit_new(const ratelimit_config_t *cfg);
void ratelimit_free(ratelimit_t *rl);
/* Offers one event (data stolen); emits 0..n events in order through `emit`. */
void ratelimit_offer(ratelimit_t *rl, enum event_type type, json_t *data, int64_t now_ms, ratelimit_emit_fn emit,
                     void *ctx);
/* Emits held progress whose interval has passed. */
void ratelimit_due(ratelimit_t *rl, int64_t now_ms, ratelimit_emit_fn emit, void *ctx);
/* Records that the stats tick sent a stats_update, so extra ones within the interval are dropped. */
void ratelimit_note_stats(ratelimit_t *rl, int64_t now_ms);
/* Throttled (dropped or superseded) events of `type` since start. */
uint64_t ratelimit_throttled(const ratelimit_t *rl, enum event_type type);
/* Copies the per-type counts throttled since the last call and resets them; returns their sum. */
uint64_t ratelimit_take_recent(ratelimit_t *rl, uint64_t out[EV_N_TYPES]);
/* 1 when `data` is the last progress of its ingestion: its producer says so ("final": true). */
int ratelimit_progress_is_final(const json_t *data);

#endif
