/* UTF-8 checks for text that arrives from clients and files. */
#ifndef LINEAGED_UTIL_UTF8_H
#define LINEAGED_UTIL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at `s` (at most `avail` bytes), or 0 (invalid, overlong, surrogate). */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
/* 1 when all `len` bytes are valid UTF-8 without NUL. */
int utf8_valid(const char *s, size_t len);
/* 1 when they are also free of control characters (C0 and DEL): text fit for a name shown or logged. */
int utf8_printable(const char *s, size_t len);
/*
 * Length of the white space character at `s` (at most `avail` bytes): ASCII's (space, \t \n \v \f \r)
 * or another of Unicode's White_Space (U+0085, U+00A0 no-break space, U+1680, U+2000-U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000) or U+FEFF; 0 for any other character.
 */
size_t utf8_space_len(const unsigned char *s, size_t avail);
/* 1 when `len` bytes of `s` are nothing but white space (utf8_space_len), or none. */
int utf8_blank(const char *s, size_t len);
/*
 * Copies `len` bytes of `s` to `out` (room for len + 1) with each invalid byte and NUL made '?';
 * `out` may be `s` (cleans in place, as ingest does with a whole file).
 */
void utf8_clean_copy(char *out, const char *s, size_t len);
/* The same into a new string (util_free), or NULL when out of memory. */
char *utf8_clean_dup(const char *s);
/*
 * Lower case for case-insensitive matching of names and words in any script (Unicode simple mappings,
 * glibc's C.UTF-8 tables; ASCII only if that locale is missing). A character whose lower case is
 * longer or shorter in UTF-8 (a handful, such as U+0130) is left as it is, so every offset into `s`
 * holds in the result. Writes the character at `s` (at most `avail` bytes) to `out` and returns its
 * length; an invalid byte is copied alone.
 */
size_t utf8_lower_char(const unsigned char *s, size_t avail, unsigned char out[4]);
/* `len` bytes of `s` lowered into `out` (room for `len`; may be `s`); no NUL is added. */
void utf8_lower(char *out, const char *s, size_t len);
/* 1 when [s, s+n) holds `w` (wl bytes, already lowered) ignoring case, else 0. */
int utf8_has_lower(const char *s, size_t n, const char *w, size_t wl);

#endif
