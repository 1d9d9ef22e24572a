/*
 * Flat open-addressing hash table of caller-owned items (linear probing, backward-shift removal):
 * the writer's node and current-file indexes. A slot keeps the item's hash beside its pointer, so a
 * probe compares hashes in one cache line and reads an item only on a hash match; items keep their
 * own key, so the table allocates nothing per item. Keys may hold any bytes.
 */
#ifndef LINEAGED_INGEST_MAP_H
#define LINEAGED_INGEST_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct map_slot {
    uint64_t hash;
    void *item; /* NULL: empty */
} map_slot_t;

/* Where an item's key is, and its length. */
typedef const void *(*map_key_fn)(const void *item, size_t *len);

typedef struct map {
    map_slot_t *slots;
    size_t cap, n; /* cap: 0 or a power of two */
    uint64_t seed; /* per table, so names chosen to collide cannot be chosen in advance */
    map_key_fn key_of;
} map_t;

void map_init(map_t *m, map_key_fn key_of);
/* Empties the table; `free_item` (may be NULL) is called on each item. */
void map_free(map_t *m, void (*free_item)(void *));
uint64_t map_hash(const map_t *m, const void *key, size_t len);
/* The item with this key (h = map_hash of it), or NULL. */
void *map_find(const map_t *m, uint64_t h, const void *key, size_t len);
void *map_get(const map_t *m, const void *key, size_t len);
/* Adds an item whose key is absent (the caller checked); h = map_hash of its key. -1 out of memory. */
int map_insert(map_t *m, uint64_t h, void *item);
int map_put(map_t *m, void *item);
/* Removes the item (not freed); nothing when it is not in the table. */
void map_remove(map_t *m, const void *item);
/* Bytes of the slot array (the items are the caller's). */
size_t map_bytes(const map_t *m);

#endif
