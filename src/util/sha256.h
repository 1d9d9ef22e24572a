/* SHA-256 (FIPS 180-4), streaming: content identity of ingested files. */
#ifndef LINEAGED_UTIL_SHA256_H
#define LINEAGED_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

typedef struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t used;
} sha256_t;

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const void *data, size_t len);
/* Finishes the digest as lower-case hex. */
void sha256_final_hex(sha256_t *s, char out[SHA256_HEX_LEN]);
/*
 * The CPU's SHA instructions are used when it has them; tests turn them off (on = 0) to check the
 * portable rounds too. Returns whether they are used from now on.
 */
int sha256_use_hardware(int on);

#endif
