#ifndef LINEAGED_UTIL_TIMEFMT_H
#define LINEAGED_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIMEFMT_ISO_LEN 25 /* "2026-01-02T03:04:05.678Z" plus NUL */

/* Milliseconds since the Unix epoch (wall clock). */
int64_t time_now_ms(void);
/* Monotonic milliseconds, for durations and deadlines. */
int64_t time_mono_ms(void);
/* The time on `clock` `ns` nanoseconds from now: a deadline for pthread_cond_timedwait. */
struct timespec time_after_ns(clockid_t clock, int64_t ns);
/* ISO 8601 UTC with milliseconds and 'Z'; `out` holds at least TIMEFMT_ISO_LEN bytes. */
void time_iso8601(int64_t epoch_ms, char *out);

#endif
