/* String-keyed hash map (chained, grows by doubling): the writer's node and current-file indexes. */
#ifndef LINEAGED_INGEST_MAP_H
#define LINEAGED_INGEST_MAP_H

#include <stddef.h>

typedef struct map_entry {
    struct map_entry *next;
    size_t hash;
    void *value;
    char key[]; /* NUL-terminated, no inner NULs */
} map_entry_t;

typedef struct map {
    map_entry_t **buckets;
    size_t nbuckets, n;
} map_t;

void map_init(map_t *m);
/* Frees entries; `free_value` (may be NULL) is called on each value. */
void map_free(map_t *m, void (*free_value)(void *));
map_entry_t *map_get(const map_t *m, const char *key, size_t klen);
/* Inserts a new key (the caller checked it is absent); NULL when out of memory. */
map_entry_t *map_put(map_t *m, const char *key, size_t klen, void *value);
/* Removes and frees the entry (not its value). */
void map_remove(map_t *m, map_entry_t *e);

#endif
