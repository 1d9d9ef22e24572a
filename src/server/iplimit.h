/*
 * Open WebSocket connections per client address (Debian's lws has no LWS_WITH_PEER_LIMITS). IPv6
 * clients are counted per network of `ipv6_prefix` bits (64 by default: one site or subscriber gets
 * a /64, so counting single addresses would give it unlimited keys); IPv4 per address.
 */
#ifndef LINEAGED_SERVER_IPLIMIT_H
#define LINEAGED_SERVER_IPLIMIT_H

#include <stddef.h>

#define IPLIMIT_ADDR_MAX 64

typedef struct iplimit iplimit_t;

iplimit_t *iplimit_new(int ipv6_prefix);
void iplimit_free(iplimit_t *l);
int iplimit_count(const iplimit_t *l, const char *addr);
/* Returns the new count, or -1 when out of memory. */
int iplimit_add(iplimit_t *l, const char *addr);
void iplimit_remove(iplimit_t *l, const char *addr);
/* Addresses with at least one connection. */
size_t iplimit_size(const iplimit_t *l);
/* The key `addr` is counted under: IPv6 as "network/prefix", anything else as given. */
void iplimit_key(const iplimit_t *l, const char *addr, char out[IPLIMIT_ADDR_MAX]);
/* One spelling per address: IPv4-mapped IPv6 becomes plain IPv4, hex digits lower case. */
void iplimit_normalize(const char *in, char *out, size_t outlen);
/*
 * Whom per-client limits count: the socket `peer` (normalised), or the last hop of X-Forwarded-For
 * (`xff`, NULL when absent or repeated) when the peer is `trusted_proxy` (NULL: none is trusted).
 */
void iplimit_client(const char *trusted_proxy, const char *peer, const char *xff, char *addr, size_t addrlen);

#endif
