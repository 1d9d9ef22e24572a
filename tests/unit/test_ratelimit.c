/* The broadcast rate-limit policy, driven with explicit time. */
#include "events/ratelimit.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

struct out {
    int n;
    enum event_type type[64];
    int done[64];
    int critical[64];
};

static void collect(void *ctx, enum event_type type, json_t *data, int critical)
{
    struct out *o = ctx;
    o->type[o->n] = type;
    o->done[o->n] = (int)json_integer_value(json_object_get(data, "files_processed"));
    o->critical[o->n] = critical;
    o->n++;
    json_decref(data);
}

/* The producer marks the last progress of an ingestion; here that is the one whose files are all done. */
static json_t *progress(const char *id, int done, int total)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:b}", "ingestion_id", id, "files_processed", done, "total_files", total,
                     "status", "parsing", "final", done == total);
}

static ratelimit_t *limiter(void)
{
    ratelimit_config_t cfg = {.progress_per_sec = 4, .queries_per_sec = 2, .stats_interval_s = 5};
    return ratelimit_new(&cfg);
}

static void progress_latest_wins_and_final_goes_at_once(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    for(int i = 1; i <= 5; i++)
        ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("a", i, 10), 1000 + i, collect, &o);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.done[0], 1);
    ratelimit_due(rl, 1200, collect, &o); /* 250 ms slot not over */
    assert_int_equal(o.n, 1);
    ratelimit_due(rl, 1251, collect, &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.done[1], 5);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("a", 6, 10), 1260, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("a", 10, 10), 1270, collect, &o);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.done[2], 10);
    assert_true(o.critical[2]);
    assert_int_equal(ratelimit_throttled(rl, EV_INGESTION_PROGRESS), 3 + 1);
    uint64_t recent[EV_N_TYPES];
    assert_int_equal(ratelimit_take_recent(rl, recent), 4);
    assert_int_equal(ratelimit_take_recent(rl, recent), 0);
    ratelimit_free(rl);
}

/*
 * Only the producer's mark makes a progress final. A clone's notes carry 0 of 0 files before the
 * selection is known, and a file may finish all the files known so far: counts that meet are not the end.
 */
static void final_is_the_producers_mark_not_the_counts(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    for(int i = 0; i < 8; i++) {
        json_t *note = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:b}", "ingestion_id", "g", "files_processed", 0,
                                 "files_failed", 0, "files_skipped", 0, "total_files", 0, "status", "cloning", "note",
                                 "cloning acme/x", "final", 0);
        assert_false(ratelimit_progress_is_final(note));
        ratelimit_offer(rl, EV_INGESTION_PROGRESS, note, 1000 + 50 * i, collect, &o);
    }
    assert_int_equal(o.n, 2); /* at 1000 and at 1250: one per 250 ms slot */
    assert_false(o.critical[0]);
    assert_int_equal(ratelimit_throttled(rl, EV_INGESTION_PROGRESS), 5);
    json_t *last = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:b}", "ingestion_id", "g", "files_processed", 1,
                             "files_failed", 2, "files_skipped", 1, "total_files", 4, "status", "error", "final", 1);
    assert_true(ratelimit_progress_is_final(last));
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, last, 1360, collect, &o);
    assert_int_equal(o.n, 3);
    assert_true(o.critical[2]);
    ratelimit_free(rl);
}

static void completion_flushes_held_progress_first(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("b", 1, 10), 0, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("b", 4, 10), 10, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_COMPLETE, json_pack("{s:s}", "ingestion_id", "b"), 20, collect, &o);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.type[1], EV_INGESTION_PROGRESS);
    assert_int_equal(o.done[1], 4);
    assert_int_equal(o.type[2], EV_INGESTION_COMPLETE);
    ratelimit_free(rl);
}

static void queries_capped_critical_untouched_stats_per_tick(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    for(int i = 0; i < 5; i++)
        ratelimit_offer(rl, EV_QUERY_COMPLETE, json_object(), 0, collect, &o);
    assert_int_equal(o.n, 2);
    ratelimit_offer(rl, EV_QUERY_COMPLETE, json_object(), 500, collect, &o); /* one token back */
    assert_int_equal(o.n, 3);
    for(int i = 0; i < 20; i++)
        ratelimit_offer(rl, EV_ERROR, json_object(), 500, collect, &o);
    assert_int_equal(o.n, 23);
    ratelimit_note_stats(rl, 1000);
    ratelimit_offer(rl, EV_STATS_UPDATE, json_object(), 2000, collect, &o);
    assert_int_equal(o.n, 23);
    ratelimit_offer(rl, EV_STATS_UPDATE, json_object(), 6000, collect, &o);
    assert_int_equal(o.n, 24);
    assert_int_equal(ratelimit_throttled(rl, EV_QUERY_COMPLETE), 3);
    assert_int_equal(ratelimit_throttled(rl, EV_STATS_UPDATE), 1);
    assert_int_equal(ratelimit_throttled(rl, EV_ERROR), 0);
    ratelimit_free(rl);
}

static void many_ingestions_recycle_slots_without_losing_held(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    char id[16];
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("first", 1, 10), 0, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("first", 2, 10), 1, collect, &o);
    assert_int_equal(o.n, 1);
    for(int i = 0; i < RATELIMIT_MAX_INGESTIONS; i++) {
        snprintf(id, sizeof(id), "i%d", i);
        struct out sink = {0};
        void *ctx = i == RATELIMIT_MAX_INGESTIONS - 1 ? (void *)&o : (void *)&sink;
        ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress(id, 1, 10), 10 + i, collect, ctx);
    }
    /* "first" was the quietest slot: its held progress went out when the slot was taken */
    assert_int_equal(o.n, 3);
    assert_int_equal(o.done[1], 2);
    ratelimit_free(rl);
}

static void ids_sharing_a_long_prefix_are_separate_ingestions(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    char a[200], b[200];
    memset(a, 'x', 150);
    memcpy(b, a, 150);
    snprintf(a + 150, sizeof(a) - 150, "-a");
    snprintf(b + 150, sizeof(b) - 150, "-b");
    struct out o = {0};
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress(a, 1, 10), 0, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress(b, 1, 10), 10, collect, &o);
    /* each is the first progress of its own ingestion: both go out at once */
    assert_int_equal(o.n, 2);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress(a, 2, 10), 20, collect, &o);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress(b, 2, 10), 30, collect, &o);
    assert_int_equal(o.n, 2);
    ratelimit_due(rl, 300, collect, &o);
    assert_int_equal(o.n, 4);
    assert_int_equal(ratelimit_throttled(rl, EV_INGESTION_PROGRESS), 0);
    ratelimit_free(rl);
}

static void a_progress_is_never_lost_when_memory_runs_out(void **state)
{
    (void)state;
    ratelimit_t *rl = limiter();
    struct out o = {0};
    util_alloc_fail_after(0);
    ratelimit_offer(rl, EV_INGESTION_PROGRESS, progress("oom", 1, 10), 0, collect, &o);
    util_alloc_fail_after(-1);
    assert_int_equal(o.n, 1);
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(progress_latest_wins_and_final_goes_at_once),
        cmocka_unit_test(final_is_the_producers_mark_not_the_counts),
        cmocka_unit_test(completion_flushes_held_progress_first),
        cmocka_unit_test(queries_capped_critical_untouched_stats_per_tick),
        cmocka_unit_test(many_ingestions_recycle_slots_without_losing_held),
        cmocka_unit_test(ids_sharing_a_long_prefix_are_separate_ingestions),
        cmocka_unit_test(a_progress_is_never_lost_when_memory_runs_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
