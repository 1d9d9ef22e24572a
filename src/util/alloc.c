#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1;

static int should_fail(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if(n < 0)
        return 0;
    if(n == 0)
        return 1;
    atomic_fetch_sub_explicit(&fail_after, 1, memory_order_relaxed);
    return 0;
}

void util_alloc_fail_after(long n)
{
    atomic_store(&fail_after, n);
}

void *util_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size ? size : 1);
}

void *util_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *util_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

char *util_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = util_malloc(len + 1);
    if(!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *util_strdup(const char *s)
{
    return util_strndup(s, strlen(s));
}

void util_free(void *ptr)
{
    free(ptr);
}
