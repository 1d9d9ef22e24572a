#include "server/wshand.h"

#include "util/alloc.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

/* RFC 6455 §1.3: appended to the client's key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

struct wshand_sha1 {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

wshand_sha1_t *wshand_sha1_new(void)
{
    wshand_sha1_t *h = util_calloc(1, sizeof(*h));
    if(!h)
        return NULL;
    h->md = EVP_MD_fetch(NULL, "SHA1", NULL);
    h->ctx = EVP_MD_CTX_new();
    if(!h->md || !h->ctx) {
        wshand_sha1_free(h);
        return NULL;
    }
    return h;
}

void wshand_sha1_free(wshand_sha1_t *h)
{
    if(!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    util_free(h);
}

int wshand_accept(wshand_sha1_t *h, const char *key, char out[29])
{
    unsigned char joined[24 + sizeof(ws_guid) - 1], digest[SHA_DIGEST_LENGTH];
    memcpy(joined, key, 24);
    memcpy(joined + 24, ws_guid, sizeof(ws_guid) - 1);
    unsigned len = 0;
    if(!EVP_DigestInit_ex2(h->ctx, h->md, NULL) || !EVP_DigestUpdate(h->ctx, joined, sizeof(joined)) ||
       !EVP_DigestFinal_ex(h->ctx, digest, &len) || len != SHA_DIGEST_LENGTH)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH); /* 28 characters and a NUL */
    return 0;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies a value (already trimmed) into a field; a field seen twice makes the head not ours. */
static int keep(int *has, char *out, size_t cap, const char *v, size_t n)
{
    if(*has)
        return -1;
    if(n >= cap) {
        *has = -1;
        out[0] = '\0';
        return 0;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    *has = 1;
    return 0;
}

/* Whether a comma-separated list holds `token` (case-insensitive). */
static int has_token(const char *v, size_t n, const char *token)
{
    size_t tl = strlen(token);
    for(size_t i = 0; i < n;) {
        while(i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while(i < n && v[i] != ',')
            i++;
        size_t end = i;
        while(end > start && is_ows(v[end - 1]))
            end--;
        if(end - start == tl && strncasecmp(v + start, token, tl) == 0)
            return 1;
    }
    return 0;
}

static int field(ws_request_t *r, const char *name, size_t nl, const char *v, size_t vl)
{
#define IS(lit) (nl == sizeof(lit) - 1 && strncasecmp(name, lit, nl) == 0)
    if(IS("host"))
        return keep(&r->host, r->host_v, sizeof(r->host_v), v, vl);
    if(IS("upgrade"))
        return keep(&r->upgrade, r->upgrade_v, sizeof(r->upgrade_v), v, vl);
    if(IS("sec-websocket-version"))
        return keep(&r->version, r->version_v, sizeof(r->version_v), v, vl);
    if(IS("sec-websocket-key"))
        return keep(&r->key, r->key_v, sizeof(r->key_v), v, vl);
    if(IS("origin"))
        return keep(&r->origin, r->origin_v, sizeof(r->origin_v), v, vl);
    if(IS("x-forwarded-for"))
        return keep(&r->xff, r->xff_v, sizeof(r->xff_v), v, vl);
    if(IS("connection") && has_token(v, vl, "upgrade"))
        r->connection_upgrade = 1;
    if(IS("transfer-encoding") || (IS("content-length") && !(vl == 1 && v[0] == '0')))
        r->body = 1;
    return 0;
#undef IS
}

static int request_line(ws_request_t *r, const char *p, size_t n)
{
    static const char version[] = " HTTP/1.1";
    size_t vl = sizeof(version) - 1;
    if(n < 4 + vl || memcmp(p + n - vl, version, vl) != 0)
        return -1;
    r->is_get = memcmp(p, "GET ", 4) == 0;
    const char *target = memchr(p, ' ', n);
    if(!target || target[1] != '/')
        return -1; /* origin-form only */
    target++;
    size_t tl = (size_t)(p + n - vl - target);
    const char *q = memchr(target, '?', tl);
    size_t pl = q ? (size_t)(q - target) : tl;
    if(pl >= sizeof(r->path) || memchr(target, ' ', tl) || memchr(target, '%', pl))
        return -1; /* escapes are decoded by lws: such a path is its to read */
    memcpy(r->path, target, pl);
    r->path[pl] = '\0';
    return 0;
}

int wshand_parse(const char *head, size_t len, ws_request_t *r)
{
    memset(r, 0, sizeof(*r));
    const char *p = head, *end = head + len;
    int first = 1;
    while(p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if(!eol || eol == p || eol[-1] != '\r')
            return -1;
        size_t n = (size_t)(eol - 1 - p);
        if(n == 0)
            return first ? -1 : 0; /* the empty line ends the head */
        if(first) {
            if(request_line(r, p, n))
                return -1;
            first = 0;
        } else {
            const char *colon = memchr(p, ':', n);
            if(!colon || colon == p || is_ows(colon[-1]) || is_ows(p[0]))
                return -1;
            const char *v = colon + 1, *ve = p + n;
            while(v < ve && is_ows(*v))
                v++;
            while(ve > v && is_ows(ve[-1]))
                ve--;
            if(field(r, p, (size_t)(colon - p), v, (size_t)(ve - v)))
                return -1;
        }
        p = eol + 1;
    }
    return -1;
}

int wshand_is_websocket(const ws_request_t *r)
{
    return r->upgrade == 1 && strcasecmp(r->upgrade_v, "websocket") == 0 && r->connection_upgrade;
}
