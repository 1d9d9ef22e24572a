#include "util/log.h"

#include "util/timefmt.h"
#include "util/utf8.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_RAW  2048
#define LIMIT_SLOTS   64
#define LIMIT_NAME    48
#define LIMIT_OVERALL "other" /* the slot shared by event names beyond LIMIT_SLOTS */

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

static const char hex[] = "0123456789abcdef";

const char *log_quote(char *out, size_t outlen, const char *value)
{
    if(outlen < LOG_QUOTED_SIZE) {
        if(outlen)
            out[0] = '\0';
        return out;
    }
    if(!value) {
        memcpy(out, "-", 2);
        return out;
    }
    size_t n = 0, i = 0;
    out[n++] = '"';
    for(; value[i] && i < LOG_VALUE_MAX; i++) {
        unsigned char c = (unsigned char)value[i];
        if(c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if(c < 0x20 || c >= 0x7f) {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    if(value[i]) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

__attribute__((format(printf, 3, 0))) static void vlog(enum log_level level, const char *event, const char *fmt,
                                                       va_list ap)
{
    char raw[LINE_MAX_RAW];
    char now[TIMEFMT_ISO_LEN];
    time_iso8601(time_now_ms(), now);
    int n = snprintf(raw, sizeof(raw), "%s %-5s %s", now, level_names[level], event);
    if(n < 0)
        return;
    size_t len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    if(fmt && *fmt && len < sizeof(raw) - 2) {
        raw[len++] = ' ';
        n = vsnprintf(raw + len, sizeof(raw) - len, fmt, ap);
        if(n > 0)
            len += (size_t)n < sizeof(raw) - len ? (size_t)n : sizeof(raw) - len - 1;
    }
    /*
     * Values that were not quoted still must not break the line, reach a terminal raw or make the
     * log other than UTF-8 (a git ref name may hold any byte above 0x7f).
     */
    char line[LINE_MAX_RAW * 2];
    size_t out = 0;
    for(size_t i = 0; i < len && out + 9 < sizeof(line); i++) {
        unsigned char c = (unsigned char)raw[i];
        size_t seq = c >= 0x80 ? utf8_seq_len((const unsigned char *)raw + i, len - i) : 1;
        int c1 = seq == 2 && c == 0xc2 && (unsigned char)raw[i + 1] < 0xa0; /* U+009B is a terminal's CSI */
        if(seq > 1 && !c1) {
            memcpy(line + out, raw + i, seq);
            out += seq;
            i += seq - 1;
        } else if(c < 0x20 || c == 0x7f || !seq || c1) {
            for(size_t k = 0; k < (c1 ? 2u : 1u); k++) {
                unsigned char b = (unsigned char)raw[i + k];
                line[out++] = '\\';
                line[out++] = 'x';
                line[out++] = hex[b >> 4];
                line[out++] = hex[b & 15];
            }
            i += c1;
        } else {
            line[out++] = (char)c;
        }
    }
    line[out++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(STDERR_FILENO, line, out);
    (void)w;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if(!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, event, fmt, ap);
    va_end(ap);
}

struct limit_slot {
    char event[LIMIT_NAME];
    enum log_level level;
    int64_t start_ms;
    unsigned written;
    unsigned long long suppressed;
};

struct summary {
    char event[LIMIT_NAME];
    enum log_level level;
    unsigned long long count;
    int64_t span_ms;
};

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct limit_slot slots[LIMIT_SLOTS];
static int64_t (*_Atomic clock_fn)(void) = time_mono_ms;

void log_set_clock(int64_t (*mono_ms)(void))
{
    atomic_store(&clock_fn, mono_ms ? mono_ms : time_mono_ms);
}

static struct limit_slot *slot_for(const char *event)
{
    for(size_t i = 0; i < LIMIT_SLOTS; i++) {
        if(!slots[i].event[0]) {
            snprintf(slots[i].event, sizeof(slots[i].event), "%s", i == LIMIT_SLOTS - 1 ? LIMIT_OVERALL : event);
            return &slots[i];
        }
        if(strncmp(slots[i].event, event, LIMIT_NAME) == 0)
            return &slots[i];
    }
    return &slots[LIMIT_SLOTS - 1];
}

/* Ends the slot's window: its summary goes to `s` when lines were held back. Returns 1 then. */
static int close_window(struct limit_slot *slot, int64_t now, struct summary *s)
{
    int has = slot->suppressed > 0;
    if(has) {
        memcpy(s->event, slot->event, sizeof(s->event));
        s->level = slot->level;
        s->count = slot->suppressed;
        s->span_ms = now - slot->start_ms;
    }
    slot->start_ms = now;
    slot->written = 0;
    slot->suppressed = 0;
    return has;
}

static void write_summary(const struct summary *s)
{
    log_event(s->level, "log.suppressed", "event=%s more=%llu last_s=%.1f", s->event, s->count,
              (double)s->span_ms / 1000.0);
}

void log_limited(enum log_level level, const char *event, const char *fmt, ...)
{
    if(!log_enabled(level))
        return;
    struct summary s;
    int64_t now = atomic_load(&clock_fn)();
    pthread_mutex_lock(&limit_lock);
    struct limit_slot *slot = slot_for(event);
    int fresh = slot->written == 0 && slot->suppressed == 0;
    int has_summary = 0;
    if(fresh || now - slot->start_ms >= LOG_WINDOW_MS)
        has_summary = close_window(slot, now, &s);
    slot->level = level;
    int admit = slot->written < LOG_BURST;
    if(admit)
        slot->written++;
    else
        slot->suppressed++;
    pthread_mutex_unlock(&limit_lock);
    if(has_summary)
        write_summary(&s);
    if(!admit)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, event, fmt, ap);
    va_end(ap);
}

void log_limited_flush(int all)
{
    struct summary due[LIMIT_SLOTS];
    size_t n = 0;
    int64_t now = atomic_load(&clock_fn)();
    pthread_mutex_lock(&limit_lock);
    for(size_t i = 0; i < LIMIT_SLOTS && slots[i].event[0]; i++) {
        if(slots[i].suppressed && (all || now - slots[i].start_ms >= LOG_WINDOW_MS))
            n += (size_t)close_window(&slots[i], now, &due[n]);
    }
    pthread_mutex_unlock(&limit_lock);
    for(size_t i = 0; i < n; i++)
        write_summary(&due[i]);
}
