#include "util/log.h"

#include "util/timefmt.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int min_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    atomic_store(&min_level, (int)level);
}

int log_level_from_name(const char *name, enum log_level *level)
{
    for(int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if(strcmp(name, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_enabled(enum log_level level)
{
    return (int)level >= atomic_load(&min_level);
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if(!log_enabled(level))
        return;
    char line[2048];
    char now[TIMEFMT_ISO_LEN];
    time_iso8601(time_now_ms(), now);
    int n = snprintf(line, sizeof(line), "%s %-5s %s", now, level_names[level], event);
    if(n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if(fmt && *fmt && len < sizeof(line) - 2) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
        va_end(ap);
        if(n > 0)
            len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
    }
    for(size_t i = 0; i < len; i++) {
        if(line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
