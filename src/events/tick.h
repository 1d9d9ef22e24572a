/*
 * A fixed-rate schedule for periodic events (the stats_update tick). Each deadline is the previous one
 * plus the period, not "now plus the period" after the work is done, so the rate does not sag by the
 * time the work takes. A deadline that passed less than half a period ago fires at once; older ones are
 * skipped rather than fired late in a burst, and so is one less than half a period after the tick that
 * just fired, so clients never get two ticks close together. Times are microseconds on one monotonic
 * clock, supplied by the caller.
 */
#ifndef LINEAGED_EVENTS_TICK_H
#define LINEAGED_EVENTS_TICK_H

#include <stdint.h>

typedef struct tick {
    int64_t next_us, period_us;
    uint64_t skipped; /* deadlines passed over because an earlier tick ran too late */
} tick_t;

/* The first deadline is one period after `now_us`; `period_us` must be positive. */
void tick_start(tick_t *t, int64_t now_us, int64_t period_us);
/* After the tick due at t->next_us fired at `fired_us` and its work ended at `now_us`: moves to the next
 * deadline not before half a period after `fired_us` nor more than half a period before `now_us`, returns
 * the delay from `now_us` to it (0 when it is due now or just passed). */
int64_t tick_advance(tick_t *t, int64_t fired_us, int64_t now_us);

#endif
