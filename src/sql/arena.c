#include "sql/arena.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>

#define ARENA_BLOCK 65536

/* cur and end always point into one object, so end - cur is defined even with no block */
static char no_space[1];

struct sql_arena_block {
    sql_arena_block_t *next;
    size_t cap;
    max_align_t data[];
};

void sql_arena_init(sql_arena_t *a, size_t max)
{
    a->head = NULL;
    a->cur = a->end = no_space;
    a->total = 0;
    a->max = max;
}

void *sql_arena_alloc_block(sql_arena_t *a, size_t size)
{
    size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
    if(cap > a->max || a->total > a->max - cap)
        return NULL;
    sql_arena_block_t *b = util_malloc(sizeof *b + cap);
    if(!b)
        return NULL;
    b->cap = cap;
    a->total += cap;
    if(a->head && cap > ARENA_BLOCK) {
        /* a big one-off block goes behind the current one so its free space stays usable */
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
    b->next = a->head;
    a->head = b;
    a->cur = (char *)b->data + size;
    a->end = (char *)b->data + cap;
    return b->data;
}

char *sql_arena_strndup(sql_arena_t *a, const char *s, size_t n)
{
    char *p = sql_arena_alloc(a, n + 1);
    if(!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sql_arena_reset(sql_arena_t *a)
{
    sql_arena_block_t *keep = NULL;
    sql_arena_block_t *b = a->head;
    while(b) {
        sql_arena_block_t *next = b->next;
        if(!keep && b->cap == ARENA_BLOCK)
            keep = b;
        else
            util_free(b);
        b = next;
    }
    a->head = keep;
    a->total = 0;
    a->cur = a->end = no_space;
    if(keep) {
        keep->next = NULL;
        a->total = keep->cap;
        a->cur = (char *)keep->data;
        a->end = (char *)keep->data + keep->cap;
    }
}

void sql_arena_free(sql_arena_t *a)
{
    sql_arena_block_t *b = a->head;
    while(b) {
        sql_arena_block_t *next = b->next;
        util_free(b);
        b = next;
    }
    sql_arena_init(a, a->max);
}
