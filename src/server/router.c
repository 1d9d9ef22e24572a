#include "server/router.h"

#include "server/http.h"
#include "util/alloc.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void router_init(router_t *r)
{
    memset(r, 0, sizeof(*r));
}

void router_free(router_t *r)
{
    for(int i = 0; i < r->n; i++)
        util_free(r->patterns[i]);
    memset(r, 0, sizeof(*r));
}

static int n_params(const char *pattern)
{
    int n = 0;
    for(const char *p = pattern; *p; p++)
        n += *p == '{';
    return n;
}

/* "/a/{x}/b": every segment non-empty, a parameter is a whole segment; "{x*}" only as the last one. */
static int pattern_valid(const char *pattern)
{
    if(pattern[0] != '/' || strlen(pattern) >= HTTP_MAX_PATH || n_params(pattern) > ROUTE_MAX_PARAMS)
        return 0;
    if(strcmp(pattern, "/") == 0)
        return 1;
    for(const char *seg = pattern + 1;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if(!len)
            return 0;
        const char *open = memchr(seg, '{', len), *close = memchr(seg, '}', len);
        if((open || close) && !(open == seg && close == seg + len - 1 && len > 2))
            return 0;
        if(open && close[-1] == '*' && (end || len < 4))
            return 0;
        if(!end)
            return 1;
        seg = end + 1;
    }
}

static int add(router_t *r, const route_t *spec, const route_upload_ops_t *upload)
{
    if(r->n == ROUTER_MAX_ROUTES || !spec->pattern || !pattern_valid(spec->pattern) || !spec->methods)
        return -1;
    if(!spec->fn && !upload)
        return -1;
    char *copy = util_strdup(spec->pattern);
    if(!copy)
        return -1;
    r->patterns[r->n] = copy;
    r->routes[r->n] = *spec;
    r->routes[r->n].pattern = copy;
    r->uploads[r->n] = upload;
    r->n++;
    return 0;
}

int router_add(router_t *r, const route_t *spec)
{
    return add(r, spec, NULL);
}

int router_add_upload(router_t *r, const route_t *spec, const route_upload_ops_t *ops)
{
    return ops && spec->max_body > 0 ? add(r, spec, ops) : -1;
}

const route_upload_ops_t *router_upload(const router_t *r, const route_t *route)
{
    if(!route || route < r->routes || route >= r->routes + r->n)
        return NULL;
    return r->uploads[route - r->routes];
}

static const char *args_store(http_args_t *a, const char *s, size_t len)
{
    if(a->used + len + 1 > sizeof(a->bytes))
        return NULL;
    char *out = a->bytes + a->used;
    memcpy(out, s, len);
    out[len] = '\0';
    a->used += len + 1;
    return out;
}

/* Matches segment by segment; on success appends the parameters to `a`. */
static int match(const char *pattern, const char *path, http_args_t *a)
{
    int n0 = a->n_params;
    size_t used0 = a->used;
    const char *p = pattern, *q = path;
    while(*p && *q) {
        if(*p == '{') {
            const char *pend = strchr(p, '}'), *qend = strchr(q, '/');
            int rest = pend[-1] == '*'; /* the rest of the path, slashes and all */
            size_t qlen = qend && !rest ? (size_t)(qend - q) : strlen(q);
            if(!qlen || a->n_params == ROUTE_MAX_PARAMS)
                goto fail;
            const char *name = args_store(a, p + 1, (size_t)(pend - p - 1 - rest));
            const char *value = name ? args_store(a, q, qlen) : NULL;
            if(!value)
                goto fail;
            a->param_name[a->n_params] = name;
            a->param[a->n_params++] = value;
            p = pend + 1;
            q += qlen;
            continue;
        }
        if(*p != *q)
            goto fail;
        p++;
        q++;
    }
    if(!*p && !*q)
        return 1;
fail:
    a->n_params = n0;
    a->used = used0;
    return 0;
}

const route_t *router_match(const router_t *r, const char *path, int debug, http_args_t *args)
{
    for(int pass = 0; pass < 2; pass++) {
        for(int i = 0; i < r->n; i++) {
            const route_t *rt = &r->routes[i];
            if((rt->debug_only && !debug) || (n_params(rt->pattern) > 0) != pass)
                continue;
            if(pass == 0 ? strcmp(rt->pattern, path) == 0 : match(rt->pattern, path, args))
                return rt;
        }
    }
    return NULL;
}

void http_args_init(http_args_t *a)
{
    memset(a, 0, offsetof(http_args_t, bytes));
    a->used = 0;
}

int http_args_add_query(http_args_t *a, const char *pair, size_t len, char *why, size_t whylen)
{
    if(a->n_query == QUERY_MAX_PARAMS) {
        snprintf(why, whylen, "more than %d query parameters", QUERY_MAX_PARAMS);
        return -1;
    }
    if(!utf8_valid(pair, len)) {
        snprintf(why, whylen, "a query parameter is not valid UTF-8 text");
        return -1;
    }
    const char *eq = memchr(pair, '=', len);
    size_t nlen = eq ? (size_t)(eq - pair) : len;
    if(!nlen) {
        snprintf(why, whylen, "a query parameter has no name");
        return -1;
    }
    size_t vlen = eq ? len - nlen - 1 : 0;
    size_t query_bytes = 0;
    for(int i = 0; i < a->n_query; i++)
        query_bytes += strlen(a->query_name[i]) + strlen(a->query[i]);
    const char *name = NULL, *value = NULL;
    if(query_bytes + nlen + vlen <= QUERY_MAX_BYTES) {
        name = args_store(a, pair, nlen);
        value = name ? args_store(a, eq ? eq + 1 : "", vlen) : NULL;
    }
    if(!value) {
        snprintf(why, whylen, "the query string is longer than %d bytes", QUERY_MAX_BYTES);
        return -1;
    }
    for(int i = 0; i < a->n_query; i++) {
        if(strcmp(a->query_name[i], name) == 0) {
            snprintf(why, whylen, "query parameter '%.64s' is given twice", name);
            return -1;
        }
    }
    a->query_name[a->n_query] = name;
    a->query[a->n_query++] = value;
    return 0;
}

const char *http_param(const http_request_t *req, const char *name)
{
    for(int i = 0; req->args && i < req->args->n_params; i++) {
        if(strcmp(req->args->param_name[i], name) == 0)
            return req->args->param[i];
    }
    return NULL;
}

const char *http_query(const http_request_t *req, const char *name)
{
    for(int i = 0; req->args && i < req->args->n_query; i++) {
        if(strcmp(req->args->query_name[i], name) == 0)
            return req->args->query[i];
    }
    return NULL;
}

int http_query_int(const http_request_t *req, const char *name, long long def, long long min, long long max,
                   long long *out, http_response_t *resp)
{
    const char *v = http_query(req, name);
    if(!v) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    /* strtoll alone would take " 5" and "+5" */
    int digits = (v[0] >= '0' && v[0] <= '9') || (v[0] == '-' && v[1] >= '0' && v[1] <= '9');
    long long n = digits ? strtoll(v, &end, 10) : 0;
    if(!digits || *end || errno || n < min || n > max) {
        char detail[160];
        snprintf(detail, sizeof(detail), "query parameter '%s' must be a whole number from %lld to %lld", name, min,
                 max);
        http_respond_error(resp, 400, "bad_request", detail);
        return -1;
    }
    *out = n;
    return 0;
}
