/* UTF-8 checks for text that arrives from clients and files. */
#ifndef LINEAGED_UTIL_UTF8_H
#define LINEAGED_UTIL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at `s` (at most `avail` bytes), or 0 (invalid, overlong, surrogate). */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
/* 1 when all `len` bytes are valid UTF-8 without NUL. */
int utf8_valid(const char *s, size_t len);
/*
 * Copies `len` bytes of `s` to `out` (room for len + 1) with each invalid byte and NUL made '?';
 * `out` may be `s` (cleans in place, as ingest does with a whole file).
 */
void utf8_clean_copy(char *out, const char *s, size_t len);
/* The same into a new string (util_free), or NULL when out of memory. */
char *utf8_clean_dup(const char *s);

#endif
