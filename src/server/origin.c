#include "server/origin.h"

#include "util/alloc.h"

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
