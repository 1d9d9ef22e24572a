#include "util/utf8.h"

#include "util/alloc.h"

#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if(!n || n > avail || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
        return 0;
    for(size_t k = 1; k < n; k++) {
        if((s[k] & 0xC0) != 0x80)
            return 0;
    }
    if(n == 3) {
        unsigned cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6);
        if(cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    if(n == 4) {
        unsigned cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12);
        if(cp < 0x10000 || cp > 0x10FFFF)
            return 0;
    }
    return n;
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0; i < len;) {
        size_t n = p[i] ? utf8_seq_len(p + i, len - i) : 0;
        if(!n)
            return 0;
        i += n;
    }
    return 1;
}

void utf8_clean_copy(char *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0; i < len;) {
        /* runs of ASCII (most SQL) are copied whole: this runs over every statement's text */
        size_t run = i;
        while(run < len && p[run] - 1u < 0x7Fu)
            run++;
        if(run > i) {
            if(out != s)
                memcpy(out + i, p + i, run - i);
            i = run;
            continue;
        }
        size_t n = p[i] ? utf8_seq_len(p + i, len - i) : 0;
        if(!n) {
            out[i++] = '?';
            continue;
        }
        if(out != s)
            memcpy(out + i, p + i, n);
        i += n;
    }
    out[len] = '\0';
}

char *utf8_clean_dup(const char *s)
{
    size_t len = strlen(s);
    char *out = util_malloc(len + 1);
    if(out)
        utf8_clean_copy(out, s, len);
    return out;
}
