/* The dashboard page's Content-Security-Policy, from the page compiled into the binary (web.h). */
#define _GNU_SOURCE /* memmem */
#include "server/web.h"
#include "util/sha256.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CSP_MAX    2048
#define CSP_HASHES 16
#define CSP_REST                                                                                                       \
    "img-src data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static char csp[CSP_MAX];
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

/* 'sha256-<base64>' of `len` bytes, appended at `n`; the new length, or CSP_MAX when it does not fit. */
static size_t put_hash(size_t n, const unsigned char *p, size_t len)
{
    sha256_t s;
    char hex[SHA256_HEX_LEN], raw[32], b64[48];
    sha256_init(&s);
    sha256_update(&s, p, len);
    sha256_final_hex(&s, hex);
    for(int i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        raw[i] = (char)v;
    }
    if(lws_b64_encode_string(raw, 32, b64, sizeof(b64)) < 0)
        return CSP_MAX;
    int w = snprintf(csp + n, CSP_MAX - n, " 'sha256-%s'", b64);
    return w < 0 || (size_t)w >= CSP_MAX - n ? CSP_MAX : n + (size_t)w;
}

/* Each `<tag>...</tag>` of the page hashed into the directive `name`; the new length, or CSP_MAX. */
static size_t put_directive(size_t n, const char *name, const char *tag)
{
    char open[16], close[16];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    int w = snprintf(csp + n, CSP_MAX - n, "; %s", name);
    if(w < 0 || (size_t)w >= CSP_MAX - n)
        return CSP_MAX;
    n += (size_t)w;
    const char *page = (const char *)web_index_html, *end = page + web_index_html_len;
    const char *p = page;
    for(int k = 0; k < CSP_HASHES && n < CSP_MAX; k++) {
        const char *a = memmem(p, (size_t)(end - p), open, strlen(open));
        if(!a)
            break;
        a += strlen(open);
        const char *b = memmem(a, (size_t)(end - a), close, strlen(close));
        if(!b)
            break;
        n = put_hash(n, (const unsigned char *)a, (size_t)(b - a));
        p = b + strlen(close);
    }
    return n;
}

/*
 * Only the page's own inline scripts and style, by their hashes, not 'unsafe-inline': markup that ever
 * reached the DOM from server text could not run. No framing (clickjacking), no other origin.
 */
static void build(void)
{
    size_t n = (size_t)snprintf(csp, CSP_MAX, "default-src 'none'");
    n = put_directive(n, "script-src", "script");
    n = n < CSP_MAX ? put_directive(n, "style-src", "style") : n;
    int w = n < CSP_MAX ? snprintf(csp + n, CSP_MAX - n, "; %s", CSP_REST) : -1;
    if(w < 0 || (size_t)w >= CSP_MAX - n) /* cannot happen with our page; were it to, nothing inline runs */
        snprintf(csp, sizeof(csp), "default-src 'none'; frame-ancestors 'none'");
}

const char *web_index_csp(void)
{
    pthread_once(&csp_once, build);
    return csp;
}
