/* Bump allocator for one statement's parse: everything is released at once. */
#ifndef LINEAGED_SQL_ARENA_H
#define LINEAGED_SQL_ARENA_H

#include <stddef.h>

typedef struct sql_arena_block sql_arena_block_t;

typedef struct sql_arena {
    sql_arena_block_t *head;
    char *cur; /* free space of the head block: [cur, end) */
    char *end;
    size_t total; /* bytes held in blocks */
    size_t max;   /* allocation fails beyond this */
} sql_arena_t;

void sql_arena_init(sql_arena_t *a, size_t max);
/* The out-of-line part of sql_arena_alloc: a new block. */
void *sql_arena_alloc_block(sql_arena_t *a, size_t size);

/* NULL when out of memory or over the arena's maximum. Inline: the parser allocates a lot. */
static inline void *sql_arena_alloc(sql_arena_t *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if(size == 0)
        size = 16;
    if(size <= (size_t)(a->end - a->cur)) {
        void *p = a->cur;
        a->cur += size;
        return p;
    }
    return sql_arena_alloc_block(a, size);
}

char *sql_arena_strndup(sql_arena_t *a, const char *s, size_t n);
/* Free all blocks but the first, which is kept for the next statement. */
void sql_arena_reset(sql_arena_t *a);
void sql_arena_free(sql_arena_t *a);

#endif
