#include "util/jsontext.h"

#include <string.h>

/* DEL is 7F (jansson escapes the other C0 controls), C1 is C2 80..C2 9F in UTF-8, U+2028 and U+2029
 * are E2 80 A8 and E2 80 A9. */
static size_t special_len(const unsigned char *p, size_t avail)
{
    if(p[0] == 0x7F)
        return 1;
    if(p[0] == 0xC2 && avail >= 2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    if(p[0] == 0xE2 && avail >= 3 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        return 3;
    return 0;
}

size_t jsontext_next(const char *s, size_t len, size_t *n)
{
    for(size_t i = 0; i < len; i++) {
        const unsigned char *p = (const unsigned char *)s + i;
        if((*p == 0xC2 || *p == 0xE2 || *p == 0x7F) && (*n = special_len(p, len - i)))
            return i;
    }
    *n = 0;
    return len;
}

void jsontext_escape_char(const char *c, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)c;
    unsigned cp = n == 1 ? p[0] : n == 2 ? p[1] : 0x2000u | (p[2] & 0x3Fu) | (unsigned)(p[1] & 0x3F) << 6;
    out[0] = '\\';
    out[1] = 'u';
    for(int k = 0; k < 4; k++)
        out[2 + k] = hex[cp >> (12 - 4 * k) & 15];
}

size_t jsontext_extra(const char *s, size_t len)
{
    size_t extra = 0, n;
    for(size_t at = 0; (at += jsontext_next(s + at, len - at, &n)) < len; at += n)
        extra += JSONTEXT_ESCAPE_LEN - n;
    return extra;
}

void jsontext_escape(char *buf, size_t len, size_t extra)
{
    /* from the back: every byte moves to its place at or after where it was, none is overwritten unread */
    size_t r = len, w = len + extra;
    while(r > 0 && w > r) {
        size_t n = 0;
        if((unsigned char)buf[r - 1] == 0x7F)
            n = 1;
        else if(r >= 2 && special_len((const unsigned char *)buf + r - 2, 2) == 2)
            n = 2;
        else if(r >= 3 && special_len((const unsigned char *)buf + r - 3, 3) == 3)
            n = 3;
        if(n) {
            r -= n;
            w -= JSONTEXT_ESCAPE_LEN;
            jsontext_escape_char(buf + r, n, buf + w);
        } else {
            buf[--w] = buf[--r];
        }
    }
}
