/* Bump allocator for one statement's parse: everything is released at once. */
#ifndef LINEAGED_SQL_ARENA_H
#define LINEAGED_SQL_ARENA_H

#include <stddef.h>

typedef struct sql_arena_block sql_arena_block_t;

typedef struct sql_arena {
    sql_arena_block_t *head;
    size_t total; /* bytes held in blocks */
    size_t max;   /* allocation fails beyond this */
} sql_arena_t;

void sql_arena_init(sql_arena_t *a, size_t max);
/* NULL when out of memory or over the arena's maximum. */
void *sql_arena_alloc(sql_arena_t *a, size_t size);
char *sql_arena_strndup(sql_arena_t *a, const char *s, size_t n);
/* Free all blocks but the first, which is kept for the next statement. */
void sql_arena_reset(sql_arena_t *a);
void sql_arena_free(sql_arena_t *a);

#endif
