#include "events/tick.h"

void tick_start(tick_t *t, int64_t now_us, int64_t period_us)
{
    t->period_us = period_us;
    t->next_us = now_us + period_us;
    t->skipped = 0;
}

int64_t tick_advance(tick_t *t, int64_t fired_us, int64_t now_us)
{
    int64_t not_before = fired_us + t->period_us / 2;
    if(not_before < now_us)
        not_before = now_us;
    t->next_us += t->period_us;
    if(t->next_us < not_before) {
        int64_t missed = (not_before - t->next_us + t->period_us - 1) / t->period_us;
        t->next_us += missed * t->period_us;
        t->skipped += (uint64_t)missed;
    }
    return t->next_us - now_us;
}
