/*
 * A check of HTTP/1.1 request header blocks (RFC 9112 §2, §5) as their bytes arrive, before
 * libwebsockets parses them: lws 4.1.6 keeps a header line without ':' as the start of an unknown
 * header name and waits for the rest until the header timeout, and it takes obs-fold, whitespace
 * before ':', NUL and bare CR. The scanner keeps no bytes, only where it is; a body announced by
 * Content-Length is skipped by count, so pipelined requests are checked too.
 */
#ifndef LINEAGED_SERVER_REQSCAN_H
#define LINEAGED_SERVER_REQSCAN_H

#include <stddef.h>
#include <stdint.h>

enum reqscan_result {
    REQSCAN_OK,  /* nothing wrong so far */
    REQSCAN_OFF, /* the bytes are no longer HTTP/1.1 requests it can frame (an upgrade, a body without a
                    Content-Length it can read): the server answers or closes those itself */
    REQSCAN_BAD, /* a malformed header block: answer 400 and close */
};

typedef struct reqscan {
    uint8_t state;
    uint8_t off;
    uint8_t match;    /* field names still matching: bits of REQSCAN_F_* */
    uint8_t seen;     /* framing fields seen in this request */
    uint8_t name_len; /* how far into the candidate names (they are < 32 bytes) */
    uint8_t cl_digits;
    uint8_t cl_state; /* 0 before the value, 1 in digits, 2 after them, 3 not a number */
    uint8_t pct;      /* the request line's last bytes: 1 after '%', 2 after "%0" */
    int64_t cl;       /* this request's Content-Length */
    int64_t body_left;
} reqscan_t;

void reqscan_init(reqscan_t *s);
/* Scans n more bytes of the stream; on REQSCAN_BAD *why says what, in a short sentence. */
enum reqscan_result reqscan_feed(reqscan_t *s, const unsigned char *p, size_t n, const char **why);

#endif
