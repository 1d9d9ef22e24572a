#include "events/stats.h"

#include <stdio.h>
#include <string.h>

static void add_sample(stats_t *st, int64_t now_mono_ms)
{
    stats_sample_t s = {now_mono_ms, atomic_load(&st->nodes), atomic_load(&st->files_processed)};
    if(st->history_len < STATS_HISTORY) {
        st->history[st->history_len++] = s;
        return;
    }
    st->history[st->history_head] = s;
    st->history_head = (st->history_head + 1) % STATS_HISTORY;
}

static const stats_sample_t *sample_at(const stats_t *st, int i)
{
    return &st->history[(st->history_head + i) % STATS_HISTORY];
}

void stats_init(stats_t *st, const store_counts_t *initial, double window_s, int64_t now_mono_ms)
{
    memset(st, 0, sizeof(*st));
    atomic_init(&st->nodes, initial->nodes);
    atomic_init(&st->edges, initial->edges);
    atomic_init(&st->table_nodes, initial->table_nodes);
    atomic_init(&st->files_processed, initial->files_processed);
    atomic_init(&st->active_queries, 0);
    atomic_init(&st->active_ingestions, 0);
    st->window_ms = (int64_t)(window_s * 1000.0);
    if(st->window_ms < 1000)
        st->window_ms = 1000;
    add_sample(st, now_mono_ms);
}

void stats_set_counts(stats_t *st, const store_counts_t *now)
{
    atomic_store(&st->nodes, now->nodes);
    atomic_store(&st->edges, now->edges);
    atomic_store(&st->table_nodes, now->table_nodes);
    atomic_store(&st->files_processed, now->files_processed);
}

void stats_ingest_committed(stats_t *st, const store_counts_t *delta)
{
    atomic_fetch_add(&st->nodes, delta->nodes);
    atomic_fetch_add(&st->edges, delta->edges);
    atomic_fetch_add(&st->table_nodes, delta->table_nodes);
    atomic_fetch_add(&st->files_processed, delta->files_processed);
}

void stats_query_begin(stats_t *st)
{
    atomic_fetch_add(&st->active_queries, 1);
}

void stats_query_end(stats_t *st)
{
    atomic_fetch_sub(&st->active_queries, 1);
}

void stats_ingestion_begin(stats_t *st)
{
    atomic_fetch_add(&st->active_ingestions, 1);
}

void stats_ingestion_end(stats_t *st)
{
    atomic_fetch_sub(&st->active_ingestions, 1);
}

void stats_db_write(stats_t *st, int ok)
{
    if(!ok)
        atomic_fetch_add(&st->db_write_failures, 1);
    atomic_store(&st->db_failing, !ok);
}

void stats_restore_history(stats_t *st, const stats_sample_t *past, int n)
{
    stats_sample_t now[STATS_HISTORY];
    int kept = st->history_len;
    for(int i = 0; i < kept; i++)
        now[i] = *sample_at(st, i);
    /* `past` is oldest first: those before this run's first sample */
    int64_t before = kept ? sample_at(st, 0)->mono_ms : INT64_MAX;
    int usable = 0;
    while(usable < n && past[usable].mono_ms < before)
        usable++;
    int room = STATS_HISTORY - kept;
    int first = usable > room ? usable - room : 0; /* keep the newest */
    st->history_len = st->history_head = 0;
    for(int i = first; i < usable; i++)
        st->history[st->history_len++] = past[i];
    for(int i = 0; i < kept; i++)
        st->history[st->history_len++] = now[i];
}

int stats_load_history(stats_t *st, duckdb_connection conn, int64_t now_wall_ms, int64_t now_mono_ms)
{
    /* Those within the window, and the newest one before it: the baseline trends compare with. */
    char sql[320];
    long long bound_us = (long long)(now_wall_ms - st->window_ms) * 1000;
    snprintf(sql, sizeof(sql),
             "SELECT epoch_ms(taken_at), nodes, files FROM stats_snapshots WHERE taken_at >="
             " (SELECT coalesce(max(taken_at), make_timestamp(%lld)) FROM stats_snapshots"
             "  WHERE taken_at < make_timestamp(%lld)) ORDER BY taken_at",
             bound_us, bound_us);
    duckdb_result res;
    if(duckdb_query(conn, sql, &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return -1;
    }
    stats_sample_t past[STATS_HISTORY];
    idx_t rows = duckdb_row_count(&res), from = rows > STATS_HISTORY ? rows - STATS_HISTORY : 0;
    int n = 0;
    for(idx_t r = from; r < rows; r++) {
        int64_t age = now_wall_ms - duckdb_value_int64(&res, 0, r);
        past[n].mono_ms = now_mono_ms - (age > 0 ? age : 0) - 1;
        past[n].nodes = duckdb_value_int64(&res, 1, r);
        past[n++].files = duckdb_value_int64(&res, 2, r);
    }
    duckdb_destroy_result(&res);
    stats_restore_history(st, past, n);
    return 0;
}

/* Keeps about 60 samples per window, so the ring always reaches back past it. */
void stats_sample(stats_t *st, int64_t now_mono_ms)
{
    const stats_sample_t *last = sample_at(st, st->history_len - 1);
    if(now_mono_ms - last->mono_ms >= st->window_ms / 60)
        add_sample(st, now_mono_ms);
}

/* The newest sample at least one window old, else the oldest one there is. */
static const stats_sample_t *baseline(const stats_t *st, int64_t now_mono_ms)
{
    const stats_sample_t *base = sample_at(st, 0);
    for(int i = 1; i < st->history_len; i++) {
        const stats_sample_t *s = sample_at(st, i);
        if(now_mono_ms - s->mono_ms < st->window_ms)
            break;
        base = s;
    }
    return base;
}

static json_t *trend(int64_t now, int64_t then)
{
    int64_t d = now - then;
    return json_pack("{s:I, s:b}", "value", (json_int_t)(d < 0 ? -d : d), "isPositive", d >= 0);
}

void stats_read(stats_t *st, int64_t now_mono_ms, stats_values_t *out)
{
    int64_t queries = atomic_load(&st->active_queries), ingestions = atomic_load(&st->active_ingestions);
    const stats_sample_t *base = baseline(st, now_mono_ms);
    *out = (stats_values_t){
        .nodes = atomic_load(&st->nodes),
        .edges = atomic_load(&st->edges),
        .files = atomic_load(&st->files_processed),
        .tables = atomic_load(&st->table_nodes),
        .queries = queries < 0 ? 0 : queries,
        .ingestions = ingestions < 0 ? 0 : ingestions,
        .db_failing = atomic_load(&st->db_failing),
        .db_write_failures = atomic_load(&st->db_write_failures),
        .base_nodes = base->nodes,
        .base_files = base->files,
        .window_s = st->window_ms / 1000,
    };
}

json_t *stats_values_json(const stats_values_t *v)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:{s:o, s:o}, s:I, s:s, s:I}", "totalNodes", (json_int_t)v->nodes,
                     "totalEdges", (json_int_t)v->edges, "filesProcessed", (json_int_t)v->files, "databaseTables",
                     (json_int_t)v->tables, "activeQueries", (json_int_t)v->queries, "activeIngestions",
                     (json_int_t)v->ingestions, "trends", "nodes", trend(v->nodes, v->base_nodes), "files",
                     trend(v->files, v->base_files), "trendWindowSeconds", (json_int_t)v->window_s, "health",
                     v->db_failing ? "degraded" : "healthy", "databaseWriteFailures", (json_int_t)v->db_write_failures);
}

json_t *stats_snapshot(stats_t *st, int64_t now_mono_ms)
{
    stats_values_t v;
    stats_read(st, now_mono_ms, &v);
    return stats_values_json(&v);
}
