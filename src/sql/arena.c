#include "sql/arena.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>

#define ARENA_BLOCK 65536

struct sql_arena_block {
    sql_arena_block_t *next;
    size_t cap;
    size_t used;
    max_align_t data[];
};

void sql_arena_init(sql_arena_t *a, size_t max)
{
    a->head = NULL;
    a->total = 0;
    a->max = max;
}

void *sql_arena_alloc(sql_arena_t *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if(size == 0)
        size = align;
    sql_arena_block_t *b = a->head;
    if(!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        if(cap > a->max || a->total > a->max - cap)
            return NULL;
        b = util_malloc(sizeof *b + cap);
        if(!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        /* a big one-off block goes behind the current one so its free space stays usable */
        if(a->head && cap > ARENA_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->total += cap;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    return p;
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
        if(!keep && b->cap == ARENA_BLOCK) {
            keep = b;
        } else {
            util_free(b);
        }
        b = next;
    }
    a->head = keep;
    a->total = 0;
    if(keep) {
        keep->next = NULL;
        keep->used = 0;
        a->total = keep->cap;
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
    a->head = NULL;
    a->total = 0;
}
