/* One event a line on stderr: "<UTC time> <level> <event> key=value ...". Thread-safe. */
#ifndef LINEAGED_UTIL_LOG_H
#define LINEAGED_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Returns 0, or -1 when `name` is not debug|info|warn|error. */
int log_level_from_name(const char *name, enum log_level *level);
int log_enabled(enum log_level level);
void log_event(enum log_level level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...) log_event(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_event(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_event(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_event(LOG_ERROR, __VA_ARGS__)

#endif
