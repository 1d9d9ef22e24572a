#include "server/origin.h"

#include "util/alloc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int add(origin_policy_t *p, const char *origin)
{
    if(p->n == ORIGIN_MAX)
        return 0; /* config caps its list well below this */
    char *copy = util_strdup(origin);
    if(!copy)
        return -1;
    size_t len = strlen(copy);
    while(len && copy[len - 1] == '/')
        copy[--len] = '\0';
    p->allowed[p->n++] = copy;
    return 0;
}

static int is_loopback_or_any(const char *host)
{
    static const char *const hosts[] = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", NULL};
    for(const char *const *h = hosts; *h; h++) {
        if(strcasecmp(host, *h) == 0)
            return 1;
    }
    return strncmp(host, "127.", 4) == 0;
}

int origin_policy_init(origin_policy_t *p, const config_t *cfg)
{
    memset(p, 0, sizeof(*p));
    p->cfg = cfg;
    char own[300];
    int v6 = strchr(cfg->host, ':') != NULL;
    snprintf(own, sizeof(own), "http://%s%s%s:%d", v6 ? "[" : "", cfg->host, v6 ? "]" : "", cfg->port);
    if(add(p, own))
        return -1;
    /* A page served on loopback is reached under any of its loopback names. */
    if(is_loopback_or_any(cfg->host)) {
        static const char *const aliases[] = {"localhost", "127.0.0.1", "[::1]"};
        for(size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
            snprintf(own, sizeof(own), "http://%s:%d", aliases[i], cfg->port);
            if(add(p, own))
                return -1;
        }
    }
    for(int i = 0; i < cfg->n_allowed_origins; i++) {
        if(add(p, cfg->allowed_origins[i]))
            return -1;
    }
    return 0;
}

void origin_policy_free(origin_policy_t *p)
{
    for(int i = 0; i < p->n; i++)
        util_free(p->allowed[i]);
    p->n = 0;
}

int origin_allowed(const origin_policy_t *p, const char *origin)
{
    if(!origin || !*origin)
        return 1;
    size_t len = strlen(origin);
    while(len && origin[len - 1] == '/')
        len--;
    for(int i = 0; i < p->n; i++) {
        if(strlen(p->allowed[i]) == len && strncasecmp(p->allowed[i], origin, len) == 0)
            return 1;
    }
    return 0;
}

int origin_from_request(struct lws *wsi, char *out, size_t outlen)
{
    out[0] = '\0';
    if(lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return 0;
    return lws_hdr_copy(wsi, out, (int)outlen, WSI_TOKEN_ORIGIN) < 0 ? -1 : 1;
}

int host_from_request(struct lws *wsi, char *out, size_t outlen)
{
    out[0] = '\0';
    if(lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0)
        return 0;
    return lws_hdr_copy(wsi, out, (int)outlen, WSI_TOKEN_HOST) < 0 ? -1 : 1;
}

/* Binary form of an IP literal: 4 or 16 bytes, 0 when `s` is a name. */
static int ip_literal(const char *s, unsigned char bin[16])
{
    if(inet_pton(AF_INET, s, bin) == 1)
        return 4;
    return inet_pton(AF_INET6, s, bin) == 1 ? 16 : 0;
}

static int is_loopback_ip(const unsigned char *bin, int len)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return len == 4 ? bin[0] == 127 : memcmp(bin, v6_loopback, 16) == 0;
}

/* After a Host's name: nothing, or ':' and a port of digits (two Host headers reach us joined by ','). */
static int port_ok(const char *p)
{
    if(!*p)
        return 1;
    if(*p++ != ':' || !*p)
        return 0;
    size_t n = strspn(p, "0123456789");
    return !p[n] && n <= 5;
}

/* The name in a Host value: brackets and port removed, lower case, no trailing dot. */
static int host_name(const char *host, char *out, size_t outlen)
{
    const char *start = host, *end;
    if(*host == '[') {
        start = host + 1;
        end = strchr(start, ']');
        if(!end || !port_ok(end + 1))
            return -1;
    } else {
        const char *colon = strchr(host, ':');
        end = colon && !strchr(colon + 1, ':') ? colon : host + strlen(host); /* a bare IPv6 has several */
        if(!port_ok(end))
            return -1;
    }
    size_t len = (size_t)(end - start);
    while(len && start[len - 1] == '.')
        len--;
    if(!len || len >= outlen)
        return -1;
    for(size_t i = 0; i < len; i++)
        out[i] = (char)(start[i] >= 'A' && start[i] <= 'Z' ? start[i] + 32 : start[i]);
    out[len] = '\0';
    return 0;
}

int host_allowed(const origin_policy_t *p, const char *host)
{
    char name[256];
    if(host_name(host, name, sizeof(name)))
        return 0;
    const config_t *cfg = p->cfg;
    if(strcmp(name, "localhost") == 0 || strcasecmp(name, cfg->host) == 0)
        return 1;
    for(int i = 0; i < cfg->n_allowed_hosts; i++) {
        if(strcmp(name, cfg->allowed_hosts[i]) == 0)
            return 1;
    }
    unsigned char bin[16], own[16];
    int len = ip_literal(name, bin);
    if(!len)
        return 0;
    int own_len = ip_literal(cfg->host, own);
    static const unsigned char any[16] = {0};
    if(own_len && memcmp(own, any, (size_t)own_len) == 0)
        return 1; /* a wildcard bind answers on every address */
    if(is_loopback_ip(bin, len) && (own_len ? is_loopback_ip(own, own_len) : strcasecmp(cfg->host, "localhost") == 0))
        return 1;
    return own_len == len && memcmp(bin, own, (size_t)len) == 0;
}
