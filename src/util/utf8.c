#define _GNU_SOURCE /* newlocale, towlower_l */

#include "util/utf8.h"

#include "util/alloc.h"

#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <wctype.h>

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

int utf8_printable(const char *s, size_t len)
{
    for(size_t i = 0; i < len; i++) {
        if((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    }
    return utf8_valid(s, len);
}

size_t utf8_space_len(const unsigned char *s, size_t avail)
{
    if(!avail)
        return 0;
    if(s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return 1;
    size_t n = s[0] >= 0xC2 ? utf8_seq_len(s, avail) : 0;
    unsigned cp = n == 2   ? ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu)
                  : n == 3 ? ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu)
                           : 0;
    int space = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
    return space ? n : 0;
}

int utf8_blank(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0, n; i < len; i += n)
        if(!(n = utf8_space_len(p + i, len - i)))
            return 0;
    return 1;
}

void utf8_clean_copy(char *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0; i < len;) {
        /* runs of ASCII (most SQL) are copied whole: this runs over every statement's text */
        size_t run = i;
        /* eight bytes a step while none is NUL or >= 0x80 (the has-zero-byte test of each word) */
        for(uint64_t w; run + 8 <= len; run += 8) {
            memcpy(&w, p + run, 8);
            if(((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) | (w & 0x8080808080808080ull))
                break;
        }
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

static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void open_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static size_t encode(unsigned cp, unsigned char out[4])
{
    if(cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if(cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if(cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_lower_char(const unsigned char *s, size_t avail, unsigned char out[4])
{
    if(s[0] < 0x80) {
        out[0] = s[0] >= 'A' && s[0] <= 'Z' ? (unsigned char)(s[0] + 32) : s[0];
        return 1;
    }
    size_t n = utf8_seq_len(s, avail);
    if(!n) {
        out[0] = s[0];
        return 1;
    }
    memcpy(out, s, n);
    pthread_once(&utf8_locale_once, open_utf8_locale);
    if(!utf8_locale)
        return n;
    unsigned cp = n == 2 ? (s[0] & 0x1Fu) << 6 : n == 3 ? (s[0] & 0x0Fu) << 12 : (s[0] & 0x07u) << 18;
    for(size_t k = 1; k < n; k++)
        cp |= (s[k] & 0x3Fu) << (6 * (n - 1 - k));
    wint_t low = towlower_l((wint_t)cp, utf8_locale);
    unsigned char enc[4];
    if(low != (wint_t)cp && low <= 0x10FFFF && encode((unsigned)low, enc) == n)
        memcpy(out, enc, n);
    return n;
}

void utf8_lower(char *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0; i < len;) {
        unsigned char c[4];
        size_t n = utf8_lower_char(p + i, len - i, c);
        memcpy(out + i, c, n);
        i += n;
    }
}

int utf8_has_lower(const char *s, size_t n, const char *w, size_t wl)
{
    const unsigned char *p = (const unsigned char *)s;
    for(size_t i = 0; wl && i + wl <= n; i++) {
        size_t k = 0;
        while(k < wl) {
            unsigned char c[4];
            size_t m = utf8_lower_char(p + i + k, n - i - k, c);
            if(k + m > wl || memcmp(c, w + k, m) != 0)
                break;
            k += m;
        }
        if(k == wl)
            return 1;
    }
    return 0;
}
