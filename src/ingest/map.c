#include "ingest/map.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>

static size_t hash_key(const char *key, size_t klen)
{
    uint64_t h = 1469598103934665603ull;
    for(size_t i = 0; i < klen; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
    return (size_t)h;
}

/* Keys hold no NUL, so the stored NUL ends the comparison. */
static int same_key(const map_entry_t *e, const char *key, size_t klen)
{
    return memcmp(e->key, key, klen) == 0 && e->key[klen] == '\0';
}

void map_init(map_t *m)
{
    memset(m, 0, sizeof(*m));
}

void map_free(map_t *m, void (*free_value)(void *))
{
    for(size_t i = 0; i < m->nbuckets; i++) {
        map_entry_t *e = m->buckets[i];
        while(e) {
            map_entry_t *next = e->next;
            if(free_value)
                free_value(e->value);
            util_free(e);
            e = next;
        }
    }
    util_free(m->buckets);
    map_init(m);
}

map_entry_t *map_get(const map_t *m, const char *key, size_t klen)
{
    if(!m->nbuckets)
        return NULL;
    size_t h = hash_key(key, klen);
    for(map_entry_t *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next) {
        if(e->hash == h && same_key(e, key, klen))
            return e;
    }
    return NULL;
}

static int grow(map_t *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 1024;
    map_entry_t **b = util_calloc(n, sizeof(*b));
    if(!b)
        return -1;
    for(size_t i = 0; i < m->nbuckets; i++) {
        map_entry_t *e = m->buckets[i];
        while(e) {
            map_entry_t *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    util_free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return 0;
}

map_entry_t *map_put(map_t *m, const char *key, size_t klen, void *value)
{
    if(m->n >= m->nbuckets && grow(m))
        return NULL;
    map_entry_t *e = util_malloc(sizeof(*e) + klen + 1);
    if(!e)
        return NULL;
    memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    e->hash = hash_key(key, klen);
    e->value = value;
    size_t i = e->hash & (m->nbuckets - 1);
    e->next = m->buckets[i];
    m->buckets[i] = e;
    m->n++;
    return e;
}

void map_remove(map_t *m, map_entry_t *e)
{
    map_entry_t **pp = &m->buckets[e->hash & (m->nbuckets - 1)];
    while(*pp && *pp != e)
        pp = &(*pp)->next;
    if(*pp) {
        *pp = e->next;
        m->n--;
        util_free(e);
    }
}
