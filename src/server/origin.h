/* The one browser-Origin policy shared by the WebSocket handshake and the REST API. */
#ifndef LINEAGED_SERVER_ORIGIN_H
#define LINEAGED_SERVER_ORIGIN_H

#include "cli/config.h"

#include <libwebsockets.h>
#include <stddef.h>

#define ORIGIN_MAX 64

typedef struct origin_policy {
    char *allowed[ORIGIN_MAX];
    int n;
    const config_t *cfg; /* listen address and --allowed-host, for the Host check */
} origin_policy_t;

/* The configured --allowed-origin values plus the server's own origin (and its loopback aliases). */
int origin_policy_init(origin_policy_t *p, const config_t *cfg);
void origin_policy_free(origin_policy_t *p);
/* Copies the request's Origin header: 0 none, 1 copied, -1 present but longer than `outlen` allows. */
int origin_from_request(struct lws *wsi, char *out, size_t outlen);
/* 1 when a request with this Origin header may proceed; no header (NULL or "") means not a browser. */
int origin_allowed(const origin_policy_t *p, const char *origin);
/*
 * 1 when a Host header value names this server: localhost, the listen address (any loopback address
 * for a loopback bind, any address for a wildcard bind) or an --allowed-host name; the port is not
 * compared. Other names are what a DNS-rebinding page would send.
 */
int host_allowed(const origin_policy_t *p, const char *host);
/* Copies the request's Host header: 0 none, 1 copied, -1 longer than `outlen` allows. */
int host_from_request(struct lws *wsi, char *out, size_t outlen);

#endif
