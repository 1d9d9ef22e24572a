/*
 * Flat open-addressing hash table of caller-owned items (linear probing, backward-shift removal):
 * the writer's node and current-file indexes. A slot is 8 bytes, 32 bits of the item's hash beside a
 * 32-bit reference to it, so a probe compares hash fragments in one cache line and reads an item only
 * on a match; items keep their own key, so the table allocates nothing per item. Keys may hold any
 * bytes. References come from the caller (`item_of` turns one into the item: the writer's nodes are
 * addressed by their place in its pool) or, without `item_of`, from the table's own list of items.
 */
#ifndef LINEAGED_INGEST_MAP_H
#define LINEAGED_INGEST_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct map_slot {
    uint32_t tag; /* the hash's low 32 bits: the slot's home too, so growing reads no item */
    uint32_t ref; /* 0: empty */
} map_slot_t;

/* Where an item's key is, and its length. */
typedef const void *(*map_key_fn)(const void *item, size_t *len);
/* The item a reference (not 0) names. */
typedef void *(*map_item_fn)(const void *ctx, uint32_t ref);

/* The most slots a table has: a tag names a home only below it. */
#define MAP_MAX_CAP ((size_t)1 << 32)

typedef struct map {
    map_slot_t *slots;
    size_t cap, n; /* cap: 0 or a power of two */
    uint64_t seed; /* per table, so names chosen to collide cannot be chosen in advance */
    map_key_fn key_of;
    map_item_fn item_of; /* NULL: references index `own` */
    const void *ctx;
    void **own; /* without item_of, the items put, in order (ref i + 1); removing one leaves NULL */
    size_t own_n, own_cap;
} map_t;

/* item_of NULL: items are added with map_put and the table keeps their list. */
void map_init(map_t *m, map_key_fn key_of, map_item_fn item_of, const void *ctx);
/* Empties the table; `free_item` (may be NULL) is called on each item. */
void map_free(map_t *m, void (*free_item)(void *));
uint64_t map_hash(const map_t *m, const void *key, size_t len);
/* The item with this key (h = map_hash of it), or NULL. */
void *map_find(const map_t *m, uint64_t h, const void *key, size_t len);
void *map_get(const map_t *m, const void *key, size_t len);
/* With item_of: adds the item `ref` names, its key absent (the caller checked); h = map_hash of its key.
 * -1 out of memory, or the table at MAP_MAX_CAP. */
int map_insert(map_t *m, uint64_t h, uint32_t ref);
int map_add(map_t *m, uint32_t ref);
/* Without item_of: adds an item whose key is absent. -1 out of memory, or 2^32 - 1 items put. */
int map_put(map_t *m, void *item);
/* Removes the item (not freed) and returns its reference; 0 when it is not in the table. */
uint32_t map_remove(map_t *m, const void *item);
/* The reference in slot i (0: empty), for walking every item. */
static inline uint32_t map_ref_at(const map_t *m, size_t i)
{
    return m->slots[i].ref;
}
static inline void *map_item(const map_t *m, uint32_t ref)
{
    return m->item_of ? m->item_of(m->ctx, ref) : m->own[ref - 1];
}
/* Bytes of the slot array and the list of items (the items are the caller's). */
size_t map_bytes(const map_t *m);

#endif
