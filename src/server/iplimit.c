#include "server/iplimit.h"

#include "util/alloc.h"

#include <arpa/inet.h>
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
    int ipv6_prefix;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for(; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

iplimit_t *iplimit_new(int ipv6_prefix)
{
    iplimit_t *l = util_calloc(1, sizeof(iplimit_t));
    if(l)
        l->ipv6_prefix = ipv6_prefix < 1 ? 1 : ipv6_prefix > 128 ? 128 : ipv6_prefix;
    return l;
}

void iplimit_key(const iplimit_t *l, const char *addr, char out[IPLIMIT_ADDR_MAX])
{
    unsigned char a[16];
    char net[INET6_ADDRSTRLEN];
    if(inet_pton(AF_INET6, addr, a) != 1) {
        snprintf(out, IPLIMIT_ADDR_MAX, "%s", addr);
        return;
    }
    int bits = l->ipv6_prefix;
    for(int i = 0; i < 16; i++) {
        int keep = bits >= 8 ? 8 : bits > 0 ? bits : 0;
        a[i] &= (unsigned char)(0xff00u >> keep);
        bits -= keep;
    }
    inet_ntop(AF_INET6, a, net, sizeof(net));
    snprintf(out, IPLIMIT_ADDR_MAX, "%s/%d", net, l->ipv6_prefix);
}

void iplimit_client(const char *trusted_proxy, const char *peer, const char *xff, char *addr, size_t addrlen)
{
    snprintf(addr, addrlen, "%s", peer);
    if(!trusted_proxy || !xff)
        return;
    char proxy[64];
    iplimit_normalize(trusted_proxy, proxy, sizeof(proxy));
    if(strcmp(proxy, peer) != 0)
        return;
    /* The proxy appends the address it saw: the last entry is the only one it vouches for. */
    const char *last = strrchr(xff, ',');
    char candidate[48]; /* INET6_ADDRSTRLEN fits, like the session's fields */
    iplimit_normalize(last ? last + 1 : xff, candidate, sizeof(candidate));
    unsigned char bin[16];
    if(inet_pton(AF_INET, candidate, bin) == 1 || inet_pton(AF_INET6, candidate, bin) == 1)
        snprintf(addr, addrlen, "%s", candidate);
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
    char key[IPLIMIT_ADDR_MAX];
    iplimit_key(l, addr, key);
    struct ip_entry *e = *find(l, key);
    return e ? e->count : 0;
}

int iplimit_add(iplimit_t *l, const char *addr)
{
    char key[IPLIMIT_ADDR_MAX];
    iplimit_key(l, addr, key);
    struct ip_entry **p = find(l, key);
    if(!*p) {
        struct ip_entry *e = util_calloc(1, sizeof(*e));
        if(!e)
            return -1;
        memcpy(e->addr, key, sizeof(e->addr));
        *p = e;
        l->size++;
    }
    return ++(*p)->count;
}

void iplimit_remove(iplimit_t *l, const char *addr)
{
    char key[IPLIMIT_ADDR_MAX];
    iplimit_key(l, addr, key);
    struct ip_entry **p = find(l, key);
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
