/* The stats tick's fixed-rate schedule, driven with a simulated clock (no sleeping, no timing windows). */
#include "events/tick.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define MS 1000

/*
 * Runs a timer that fires `late_us` after each deadline it is given and whose work takes `work_us`,
 * for `window_us` of simulated time; returns how many ticks fired.
 */
static int ticks_in_window(tick_t *t, int64_t period_us, int64_t late_us, int64_t work_us, int64_t window_us)
{
    int64_t now = 0, fired = 0;
    tick_start(t, now, period_us);
    int64_t due = t->next_us;
    for(;;) {
        int64_t at = due + late_us;
        if(at > window_us)
            break;
        fired++;
        now = at + work_us;
        due = now + tick_advance(t, at, now);
    }
    return (int)fired;
}

/* The issue: 50 ms ticks whose broadcast takes 30 ms came out at ~12/s; a fixed rate keeps 20/s. */
static void slow_work_keeps_the_rate(void **state)
{
    (void)state;
    tick_t t;
    assert_int_equal(ticks_in_window(&t, 50 * MS, 0, 30 * MS, 10000 * MS), 200);
    assert_int_equal(t.skipped, 0);
}

/* A timer that always fires a little late (lws rounds to its own granularity) does not drift either. */
static void late_timer_does_not_drift(void **state)
{
    (void)state;
    tick_t t;
    assert_int_equal(ticks_in_window(&t, 50 * MS, 1 * MS, 10 * MS, 10000 * MS), 199);
    assert_int_equal(t.skipped, 0);
}

/*
 * Work longer than a period: the deadline that passed less than half a period ago fires at once, older
 * ones are skipped, the schedule stays on the grid, no burst.
 */
static void overrun_skips_instead_of_bursting(void **state)
{
    (void)state;
    tick_t t;
    tick_start(&t, 0, 50 * MS);
    assert_int_equal(t.next_us, 50 * MS);
    assert_int_equal(tick_advance(&t, 50 * MS, 170 * MS), 0); /* 100 passed over, 150 (20 ms ago) now */
    assert_int_equal(t.next_us, 150 * MS);
    assert_int_equal(t.skipped, 1);
    assert_int_equal(tick_advance(&t, 170 * MS, 175 * MS), 25 * MS);
    assert_int_equal(t.next_us, 200 * MS);
    /* 250 passed 50 ms ago: skipped; 300 is due exactly now, not skipped. */
    assert_int_equal(tick_advance(&t, 200 * MS, 300 * MS), 0);
    assert_int_equal(t.next_us, 300 * MS);
    assert_int_equal(t.skipped, 2);
    /* 120 ms of work on every 50 ms tick: 24 ticks in 3 s (the loop is busy 96%), each on the grid. */
    assert_int_equal(ticks_in_window(&t, 50 * MS, 0, 120 * MS, 3000 * MS), 24);
    assert_int_equal(t.next_us % (50 * MS), 0);
}

/* A tick that fired late by most of a period: the next deadline is skipped too, rather than fired just
 * after it (two stats_update a few ms apart). */
static void late_tick_keeps_half_a_period_apart(void **state)
{
    (void)state;
    tick_t t;
    tick_start(&t, 0, 50 * MS);
    assert_int_equal(tick_advance(&t, 90 * MS, 91 * MS), 59 * MS); /* 100 is 10 ms after it: 150 next */
    assert_int_equal(t.skipped, 1);
    assert_int_equal(tick_advance(&t, 150 * MS, 151 * MS), 49 * MS); /* on time again: back on the grid */
    assert_int_equal(t.skipped, 1);
    /* 20 ms late every time: still every deadline (30 ms apart at worst) */
    assert_int_equal(ticks_in_window(&t, 50 * MS, 20 * MS, 1 * MS, 10000 * MS), 199);
    assert_int_equal(t.skipped, 0);
}

/*
 * Work just under a period, sometimes just over (a 5,000-client broadcast: 40-58 ms per 50 ms tick): a
 * deadline that passed during the work fires at once, so no tick is lost while the work keeps up on
 * average. Skipping those deadlines (before) fired 160 of them.
 */
static void work_near_the_period_loses_no_tick(void **state)
{
    (void)state;
    tick_t t;
    tick_start(&t, 0, 50 * MS);
    int64_t due = t.next_us, now = 0;
    int fired = 0;
    for(; due + 2 * MS <= 10000 * MS; fired++) {
        int64_t at = due + 2 * MS; /* the timer is a little late */
        now = at + (fired % 4 == 3 ? 58 : 40) * MS;
        due = now + tick_advance(&t, at, now);
    }
    assert_int_equal(fired, 199); /* the deadline at 10 s fires after the window */
    assert_int_equal(t.skipped, 0);
    /* A tick that started 5 ms late and ran 50 ms: the deadline it overran fires at once. */
    tick_start(&t, 0, 50 * MS);
    assert_int_equal(tick_advance(&t, 55 * MS, 105 * MS), 0);
    assert_int_equal(t.next_us, 100 * MS);
    assert_int_equal(t.skipped, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slow_work_keeps_the_rate),           cmocka_unit_test(late_timer_does_not_drift),
        cmocka_unit_test(overrun_skips_instead_of_bursting),  cmocka_unit_test(late_tick_keeps_half_a_period_apart),
        cmocka_unit_test(work_near_the_period_loses_no_tick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
