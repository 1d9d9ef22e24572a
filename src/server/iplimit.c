#include "server/iplimit.h"

#include "util/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BUCKETS 1024

struct ip_entry {
    struct ip_entry *next;
    int count;
    char addr[IPLIMIT_ADDR_MAX];
};

struct iplimit {
    struct ip_entry *buckets[BUCKETS];
    size_t size;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for(; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

iplimit_t *iplimit_new(void)
{
    return util_calloc(1, sizeof(iplimit_t));
}

void iplimit_free(iplimit_t *l)
{
    if(!l)
        return;
    for(size_t i = 0; i < BUCKETS; i++) {
        struct ip_entry *e = l->buckets[i];
        while(e) {
            struct ip_entry *next = e->next;
            util_free(e);
            e = next;
        }
    }
    util_free(l);
}

static struct ip_entry **find(const iplimit_t *l, const char *addr)
{
    struct ip_entry **p = (struct ip_entry **)&l->buckets[hash(addr)];
    while(*p && strcmp((*p)->addr, addr) != 0)
        p = &(*p)->next;
    return p;
}

int iplimit_count(const iplimit_t *l, const char *addr)
{
    struct ip_entry *e = *find(l, addr);
    return e ? e->count : 0;
}

int iplimit_add(iplimit_t *l, const char *addr)
{
    struct ip_entry **p = find(l, addr);
    if(!*p) {
        struct ip_entry *e = util_calloc(1, sizeof(*e));
        if(!e)
            return -1;
        snprintf(e->addr, sizeof(e->addr), "%s", addr);
        *p = e;
        l->size++;
    }
    return ++(*p)->count;
}

void iplimit_remove(iplimit_t *l, const char *addr)
{
    struct ip_entry **p = find(l, addr);
    struct ip_entry *e = *p;
    if(!e)
        return;
    if(--e->count <= 0) {
        *p = e->next;
        util_free(e);
        l->size--;
    }
}

size_t iplimit_size(const iplimit_t *l)
{
    return l->size;
}

void iplimit_normalize(const char *in, char *out, size_t outlen)
{
    while(*in == ' ' || *in == '\t')
        in++;
    if(strncasecmp(in, "::ffff:", 7) == 0 && strchr(in + 7, '.'))
        in += 7;
    size_t n = 0;
    for(; *in && *in != ' ' && *in != '\t' && n + 1 < outlen; in++)
        out[n++] = (char)tolower((unsigned char)*in);
    out[n] = '\0';
}
