/* Growable byte buffer with a hard maximum fixed at creation (after curl's dynbuf). */
#ifndef LINEAGED_UTIL_BUF_H
#define LINEAGED_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* len never exceeds this */
} buf_t;

#define BUF_ERR_NOMEM   (-1)
#define BUF_ERR_TOO_BIG (-2)

void buf_init(buf_t *b, size_t max);
void buf_free(buf_t *b);
void buf_reset(buf_t *b);
/* Room for `extra` more bytes in one allocation (a known size grows no copy by copy); BUF_ERR_TOO_BIG
 * past the maximum. */
int buf_reserve(buf_t *b, size_t extra);
int buf_add(buf_t *b, const void *data, size_t len);
int buf_adds(buf_t *b, const char *s);
int buf_addc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hand the bytes to the caller (who frees them with util_free); the buffer is left empty. */
char *buf_take(buf_t *b, size_t *len);

#endif
