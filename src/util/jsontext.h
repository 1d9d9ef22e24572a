/*
 * JSON text for readers that show or evaluate it. jansson writes DEL, U+0080..U+009F and
 * U+2028/U+2029 raw, which is valid JSON, but a terminal takes U+009B as CSI (as it takes ESC [), and JavaScript
 * before ES2019 ends a string literal at U+2028. Names are data and may hold them (a quoted
 * identifier), so answers and events carry them as \u escapes. Outside strings JSON text holds none
 * of these characters: escaping them anywhere in it is escaping them in strings.
 */
#ifndef LINEAGED_UTIL_JSONTEXT_H
#define LINEAGED_UTIL_JSONTEXT_H

#include <stddef.h>

#define JSONTEXT_ESCAPE_LEN 6 /* "\u0085" */

/* Offset of the first character in `len` bytes of `s` to escape (`len` when none); *n says its bytes (1-3). */
size_t jsontext_next(const char *s, size_t len, size_t *n);
/* The escape of that character (its `n` bytes at `c`): JSONTEXT_ESCAPE_LEN bytes, no NUL. */
void jsontext_escape_char(const char *c, size_t n, char *out);
/* Bytes more the escaped text needs; 0 when it needs none. */
size_t jsontext_extra(const char *s, size_t len);
/* Escapes `len` bytes of JSON text in place; `buf` has room for len + jsontext_extra(buf, len). */
void jsontext_escape(char *buf, size_t len, size_t extra);

#endif
