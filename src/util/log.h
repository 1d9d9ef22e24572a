/* One event a line on stderr: "<UTC time> <level> <event> key=value ...". Thread-safe. */
#ifndef LINEAGED_UTIL_LOG_H
#define LINEAGED_UTIL_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Returns 0, or -1 when `name` is not debug|info|warn|error. */
int log_level_from_name(const char *name, enum log_level *level);
int log_enabled(enum log_level level);
/* Control bytes anywhere in the line are written as \xNN; a line never spans two. */
void log_event(enum log_level level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Bytes of a client-controlled value that are logged; the rest is cut and marked "...". */
#define LOG_VALUE_MAX   200
#define LOG_QUOTED_SIZE (2 + 4 * LOG_VALUE_MAX + 3 + 1)
/*
 * Writes `value` into `out` as a double-quoted string in which only printable ASCII other than
 * `"` and `\` stands for itself (`\"`, `\\`, other bytes `\xNN`), so a client cannot forge fields or
 * terminal escapes. NULL becomes "-". Returns `out`.
 */
const char *log_quote(char *out, size_t outlen, const char *value);
/* Every value a client controls goes through this: log_warn("x", "origin=%s", LOG_Q(origin)). */
#define LOG_Q(value) log_quote((char[LOG_QUOTED_SIZE]){0}, LOG_QUOTED_SIZE, (value))

/*
 * For lines a client can trigger: per event name, LOG_BURST lines per LOG_WINDOW_MS are written; the
 * rest are counted and reported once the window is over as
 * "log.suppressed event=E more=N last_s=M" (N more like this in the last M seconds).
 */
#define LOG_BURST     20
#define LOG_WINDOW_MS 10000
void log_limited(enum log_level level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes the summaries of windows that are over (all pending ones when `all`); on a timer, and at exit. */
void log_limited_flush(int all);
/* Monotonic milliseconds for log_limited; NULL restores the real clock (tests drive time with it). */
void log_set_clock(int64_t (*mono_ms)(void));

#define log_debug(...) log_event(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_event(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_event(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_event(LOG_ERROR, __VA_ARGS__)

#endif
