#include "events/tick.h"

void tick_start(tick_t *t, int64_t now_us, int64_t period_us)
{
    t->period_us = period_us;
    t->next_us = now_us + period_us;
    t->skipped = 0;
}

int64_t tick_advance(tick_t *t, int64_t fired_us, int64_t now_us)
{
    int64_t half = t->period_us / 2;
    /* Never within half a period of the tick that just fired. A deadline that passed while the work
     * ran still fires, at once, if it is less than half a period old: with 5,000 clients a broadcast
     * takes most of a 50 ms period, and skipping every deadline it overran by a few ms lost ticks the
     * loop had time for. Older deadlines are skipped, never fired in a burst. */
    int64_t not_before = fired_us + half;
    if(not_before < now_us - half)
        not_before = now_us - half;
    t->next_us += t->period_us;
    if(t->next_us < not_before) {
        int64_t missed = (not_before - t->next_us + t->period_us - 1) / t->period_us;
        t->next_us += missed * t->period_us;
        t->skipped += (uint64_t)missed;
    }
    return t->next_us > now_us ? t->next_us - now_us : 0;
}
