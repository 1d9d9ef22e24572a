/* One allocation wrapper for the whole program, so tests can inject failures. */
#ifndef LINEAGED_UTIL_ALLOC_H
#define LINEAGED_UTIL_ALLOC_H

#include <stddef.h>

void *util_malloc(size_t size);
void *util_calloc(size_t count, size_t size);
void *util_realloc(void *ptr, size_t size);
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);
void util_free(void *ptr);

/* Make the allocation after `n` more successful ones fail (n < 0: never). Test-only. */
void util_alloc_fail_after(long n);

#endif
