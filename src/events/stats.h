/*
 * Live dashboard statistics (contract §4): counters in memory, loaded from the database at start and
 * moved by the code that changes what they count, so a snapshot costs microseconds and never touches
 * DuckDB. Counter updates are thread-safe; sampling and snapshots belong to one thread.
 */
#ifndef LINEAGED_EVENTS_STATS_H
#define LINEAGED_EVENTS_STATS_H

#include "store/store.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#define STATS_HISTORY 64

typedef struct stats_sample {
    int64_t mono_ms;
    int64_t nodes, files;
} stats_sample_t;

typedef struct stats {
    atomic_int_least64_t nodes, edges, table_nodes, files_processed;
    atomic_int_least64_t active_queries, active_ingestions;
    /* Writes to the database: failures in all, and whether the last one failed (/health's "degraded"). */
    atomic_int_least64_t db_write_failures;
    atomic_int db_failing;
    int64_t window_ms;
    stats_sample_t history[STATS_HISTORY]; /* ring, oldest at history_head once full */
    int history_len, history_head;
} stats_t;

/* `window_s`: the span trends compare over. */
void stats_init(stats_t *st, const store_counts_t *initial, double window_s, int64_t now_mono_ms);
/* After an ingest commits: the new totals (e.g. from store_counts on the worker's connection). */
void stats_set_counts(stats_t *st, const store_counts_t *now);
/* After an ingest commits: what it added (negative for removals). */
void stats_ingest_committed(stats_t *st, const store_counts_t *delta);
void stats_query_begin(stats_t *st);
void stats_query_end(stats_t *st);
void stats_ingestion_begin(stats_t *st);
void stats_ingestion_end(stats_t *st);
/* The ingest writer's outcome of one write (a file's or a batch's commit): 1 stored, 0 failed. */
void stats_db_write(stats_t *st, int ok);
/*
 * At start: samples stored by an earlier run (oldest first, mono_ms on this run's clock, so in the
 * past), placed before what was sampled since stats_init. Extra ones beyond the ring are dropped.
 */
void stats_restore_history(stats_t *st, const stats_sample_t *past, int n);
/* At start: stats_restore_history with the snapshots the ingest writer stored within the window. */
int stats_load_history(stats_t *st, duckdb_connection conn, int64_t now_wall_ms, int64_t now_mono_ms);
/* Owner thread: records history for trends (cheap; call every tick). */
void stats_sample(stats_t *st, int64_t now_mono_ms);
/* The values of one §4 object, read once from the counters (all int64_t: usable as a cache key). */
typedef struct stats_values {
    int64_t nodes, edges, files, tables, queries, ingestions;
    int64_t db_failing, db_write_failures; /* as /health shows them */
    int64_t base_nodes, base_files; /* the trends' baseline sample */
    int64_t window_s;
} stats_values_t;

/* Owner thread: the counters now and the trends' baseline. */
void stats_read(stats_t *st, int64_t now_mono_ms, stats_values_t *out);
/* The §4 object of `v` (new reference). */
json_t *stats_values_json(const stats_values_t *v);
/* Owner thread: the §4 object (new reference). */
json_t *stats_snapshot(stats_t *st, int64_t now_mono_ms);

#endif
