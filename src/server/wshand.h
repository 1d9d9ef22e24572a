/*
 * A WebSocket opening handshake read by lineaged itself (RFC 6455 §4.2): the request head's fields
 * the dashboard's policy needs, and the Sec-WebSocket-Accept answer.
 */
#ifndef LINEAGED_SERVER_WSHAND_H
#define LINEAGED_SERVER_WSHAND_H

#include <stddef.h>

#define WSHAND_HEAD_MAX 4096 /* as lws's header table: a longer head goes to lws, which answers 431 */

/* A header's presence: 0 absent, 1 present, -1 present but longer than its buffer. */
typedef struct ws_request {
    int is_get;
    char path[512]; /* the target without its query */
    int connection_upgrade;
    int body; /* a Content-Length other than 0, or a Transfer-Encoding */
    int upgrade, version, key, host, origin, xff;
    char upgrade_v[32], version_v[8], key_v[32], host_v[256], origin_v[256], xff_v[256];
} ws_request_t;

/*
 * Parses a request head (ending in an empty line, `len` bytes at most WSHAND_HEAD_MAX). Returns 0,
 * or -1 when it is not an HTTP/1.1 request head lineaged reads itself (a header twice among those
 * above, a line without ':', an absolute target): such a request goes to libwebsockets as before.
 */
int wshand_parse(const char *head, size_t len, ws_request_t *r);
/* Whether this is an upgrade to WebSocket (Upgrade: websocket and Connection naming upgrade). */
int wshand_is_websocket(const ws_request_t *r);
/*
 * libcrypto's SHA-1, looked up once and kept with a digest context for reuse (one thread at a time).
 * OpenSSL 3's SHA1() looks the algorithm up by name on every call: about half of its 5,400
 * instructions for a 60-byte key (callgrind; 2,800 this way). NULL when out of memory or without SHA-1.
 */
typedef struct wshand_sha1 wshand_sha1_t;
wshand_sha1_t *wshand_sha1_new(void);
void wshand_sha1_free(wshand_sha1_t *h);
/* Sec-WebSocket-Accept for a key (24 characters): 28 characters and a NUL. 0, or -1 if libcrypto failed. */
int wshand_accept(wshand_sha1_t *h, const char *key, char out[29]);

#endif
