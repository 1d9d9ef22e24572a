#include "util/buf.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(buf_t *b)
{
    util_free(b->data);
    buf_init(b, b->max);
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if(b->data)
        b->data[0] = '\0';
}

int buf_reserve(buf_t *b, size_t extra)
{
    if(extra > b->max - b->len)
        return BUF_ERR_TOO_BIG;
    size_t need = b->len + extra + 1;
    if(need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while(cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if(cap > b->max + 1)
        cap = b->max + 1;
    char *data = util_realloc(b->data, cap);
    if(!data)
        return BUF_ERR_NOMEM;
    b->data = data;
    b->cap = cap;
    return 0;
}

int buf_add(buf_t *b, const void *data, size_t len)
{
    int rc = buf_reserve(b, len);
    if(rc)
        return rc;
    if(len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_adds(buf_t *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addc(buf_t *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if(n < 0)
        return BUF_ERR_NOMEM;
    int rc = buf_reserve(b, (size_t)n);
    if(rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_take(buf_t *b, size_t *len)
{
    char *data = b->data;
    if(len)
        *len = b->len;
    if(!data)
        data = util_strdup("");
    buf_init(b, b->max);
    return data;
}
