#include "ingest/map.h"

#include "util/alloc.h"

#include <string.h>
#include <sys/random.h>

#define MIN_CAP 1024

void map_init(map_t *m, map_key_fn key_of, map_item_fn item_of, const void *ctx)
{
    memset(m, 0, sizeof(*m));
    m->key_of = key_of;
    m->item_of = item_of;
    m->ctx = ctx;
    /* without randomness the table still works, only with a guessable seed */
    if(getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != (ssize_t)sizeof(m->seed))
        m->seed = (uint64_t)(uintptr_t)m ^ 0x9E3779B97F4A7C15ull;
}

void map_free(map_t *m, void (*free_item)(void *))
{
    for(size_t i = 0; free_item && i < m->cap; i++) {
        if(m->slots[i].ref)
            free_item(map_item(m, m->slots[i].ref));
    }
    util_free(m->slots);
    util_free(m->own);
    m->slots = NULL;
    m->own = NULL;
    m->cap = m->n = m->own_n = m->own_cap = 0;
}

/* The 128-bit product of two words, its halves folded: every bit of either word reaches most bits. */
static inline uint64_t fold(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t load32(const unsigned char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/*
 * One multiply per 16 bytes: names are tens of bytes, and a chain of two multiplies per 8 bytes made
 * each lookup wait on its hash. The seed enters both operands of every product, so keys whose product
 * collapses to zero cannot be chosen without it. Keys of up to 16 bytes are read as two words that may
 * overlap; longer ones end with their last 16 bytes, overlapping the blocks before.
 */
uint64_t map_hash(const map_t *m, const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t s = m->seed, h = s ^ (len * 0xBF58476D1CE4E5B9ull), a = 0, b = 0;
    if(len > 16) {
        size_t n = len;
        for(; n > 16; p += 16, n -= 16)
            h = fold(load64(p) ^ h, load64(p + 8) ^ s ^ 0x94D049BB133111EBull);
        a = load64(p + n - 16);
        b = load64(p + n - 8);
    } else if(len >= 8) {
        a = load64(p);
        b = load64(p + len - 8);
    } else if(len >= 4) {
        a = load32(p);
        b = load32(p + len - 4);
    } else if(len) {
        a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
    }
    h = fold(a ^ h, b ^ s ^ 0x9E3779B97F4A7C15ull);
    return fold(h ^ 0xD6E8FEB86659FD93ull, len ^ s);
}

static int same_key(const map_t *m, uint32_t ref, const void *key, size_t len)
{
    size_t ilen;
    const void *ikey = m->key_of(map_item(m, ref), &ilen);
    return ilen == len && memcmp(ikey, key, len) == 0;
}

void *map_find(const map_t *m, uint64_t h, const void *key, size_t len)
{
    if(!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    uint32_t tag = (uint32_t)h;
    for(size_t i = tag & mask;; i = (i + 1) & mask) {
        const map_slot_t *s = &m->slots[i];
        if(!s->ref)
            return NULL;
        if(s->tag == tag && same_key(m, s->ref, key, len))
            return map_item(m, s->ref);
    }
}

void *map_get(const map_t *m, const void *key, size_t len)
{
    return map_find(m, map_hash(m, key, len), key, len);
}

static void place(map_slot_t *slots, size_t mask, uint32_t tag, uint32_t ref)
{
    size_t i = tag & mask;
    while(slots[i].ref)
        i = (i + 1) & mask;
    slots[i].tag = tag;
    slots[i].ref = ref;
}

/* At most three quarters full: linear probes stay short. */
static int grow(map_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : MIN_CAP;
    if(cap > MAP_MAX_CAP)
        return -1;
    map_slot_t *slots = util_calloc(cap, sizeof(*slots));
    if(!slots)
        return -1;
    for(size_t i = 0; i < m->cap; i++) {
        if(m->slots[i].ref)
            place(slots, cap - 1, m->slots[i].tag, m->slots[i].ref);
    }
    util_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int map_insert(map_t *m, uint64_t h, uint32_t ref)
{
    if(!ref || ((m->n + 1) * 4 > m->cap * 3 && grow(m)))
        return -1;
    place(m->slots, m->cap - 1, (uint32_t)h, ref);
    m->n++;
    return 0;
}

int map_add(map_t *m, uint32_t ref)
{
    size_t len;
    const void *key = m->key_of(map_item(m, ref), &len);
    return map_insert(m, map_hash(m, key, len), ref);
}

int map_put(map_t *m, void *item)
{
    if(m->own_n == m->own_cap) {
        size_t cap = m->own_cap ? m->own_cap * 2 : 64;
        if(cap > UINT32_MAX)
            cap = UINT32_MAX;
        void **own = cap > m->own_n ? util_realloc(m->own, cap * sizeof(*own)) : NULL;
        if(!own)
            return -1;
        m->own = own;
        m->own_cap = cap;
    }
    m->own[m->own_n] = item;
    if(map_add(m, (uint32_t)(m->own_n + 1)))
        return -1;
    m->own_n++;
    return 0;
}

uint32_t map_remove(map_t *m, const void *item)
{
    if(!m->cap)
        return 0;
    size_t len, mask = m->cap - 1;
    const void *key = m->key_of(item, &len);
    size_t i = (uint32_t)map_hash(m, key, len) & mask;
    while(m->slots[i].ref && map_item(m, m->slots[i].ref) != item)
        i = (i + 1) & mask;
    uint32_t ref = m->slots[i].ref;
    if(!ref)
        return 0;
    if(!m->item_of)
        m->own[m->slots[i].ref - 1] = NULL;
    /* Backward shift: later items of the run move up unless their home lies cyclically in (i, j]. */
    for(size_t j = i;;) {
        j = (j + 1) & mask;
        if(!m->slots[j].ref)
            break;
        size_t home = m->slots[j].tag & mask;
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if(!stays) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].ref = 0;
    m->slots[i].tag = 0;
    m->n--;
    return ref;
}

size_t map_bytes(const map_t *m)
{
    return m->cap * sizeof(map_slot_t) + m->own_cap * sizeof(void *);
}
