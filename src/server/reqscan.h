/*
 * A check of HTTP/1.1 request header blocks (RFC 9112 §2, §5) as their bytes arrive, before
 * libwebsockets parses them: lws 4.1.6 keeps a header line without ':' as the start of an unknown
 * header name and waits for the rest until the header timeout, and it takes obs-fold, whitespace
 * before ':', NUL and bare CR. The scanner keeps only where it is and the start of the field name
 * being read; a body announced by Content-Length is skipped by count, so pipelined requests are
 * checked too.
 */
#ifndef LINEAGED_SERVER_REQSCAN_H
#define LINEAGED_SERVER_REQSCAN_H

#include <stddef.h>
#include <stdint.h>

enum reqscan_result {
    REQSCAN_OK,      /* nothing wrong so far */
    REQSCAN_OFF,     /* the bytes are no longer HTTP/1.1 requests it can frame (an upgrade, a body without a
                        Content-Length it can read): the server answers or closes those itself */
    REQSCAN_BAD,     /* a malformed header block: answer 400 and close */
    REQSCAN_TOO_BIG, /* more than lws's header table holds (it would drop the connection): 431 and close */
    REQSCAN_TOO_LONG, /* the same, for a request target too long on its own: 414 and close */
    REQSCAN_MISDIRECTED, /* a request target in absolute form for another host, or https: 421 and close */
    REQSCAN_MORE,        /* (internal) the bytes so far do not tell a request target's form */
};

/*
 * The header names lws's parser knows (lws_token_to_string), for all scanners; at most
 * REQSCAN_KNOWN_MAX, kept by pointer. lws misreads a field name that begins one of them without
 * being one ("X-A" of "x-auth-token:", "Content", "Put"): the ':' goes into the name and the next
 * line, up to its ':', too, so a Host, Origin or Content-Length there is lost, and a last header
 * so named waits for the header timeout. Such a name gets its last byte changed to '~' in the
 * buffer (lws then takes it as the unknown header it is; the server reads no unknown headers);
 * when that byte came in an earlier read, already handed to lws, the block is refused.
 */
#define REQSCAN_KNOWN_MAX 128
#define REQSCAN_NAME_KEPT 40 /* bytes of a field name kept; longer known names are left out */
void reqscan_known_names(const char *const *names, size_t n);

typedef struct reqscan {
    uint8_t state;
    uint8_t off;
    uint8_t field;                /* the framing field whose value this is, if any */
    uint8_t seen;                 /* framing fields seen in this request */
    uint8_t name_len;             /* of the field name being read (at most 255: longer names count as 255) */
    char name[REQSCAN_NAME_KEPT]; /* its first bytes, lower-cased */
    uint8_t cl_digits;
    uint8_t cl_state; /* 0 before the value, 1 in digits, 2 after them, 3 not a number */
    uint8_t ct;       /* where a Content-Type value is (reqscan.c CT_*) */
    uint8_t pct;      /* the request line's last bytes: 1 after '%', 2 after '%' and a hex digit */
    uint8_t pct_hi;   /* that digit's value */
    uint8_t after_c2; /* the last byte the target decodes to was 0xC2 (1 escaped, 2 raw): a C1 control may follow */
    uint8_t query;    /* in the request line's query */
    uint32_t stored;  /* bytes of this block lws will keep, at most */
    uint32_t frags;   /* fragments of lws's table it will take */
    int64_t cl;       /* this request's Content-Length */
    int64_t body_left;
} reqscan_t;

/*
 * lws's header table: `bytes` of data (max_http_header_data, 4096 by default) and `frags` fragments
 * (WSI_TOKEN_COUNT: one for the path, the version, each query parameter and each known field). A
 * block that needs more gets REQSCAN_TOO_BIG: lws would drop the connection without a word. The
 * bytes are estimated from above (the block's own bytes, 8 more for each unknown field).
 */
void reqscan_table(size_t bytes, size_t frags);

void reqscan_init(reqscan_t *s);
/*
 * Scans n more bytes of the stream (renaming as above, and lower-casing a Content-Type's media type
 * and parameter names for lws_spa); on REQSCAN_BAD *why says what, in a short sentence.
 */
enum reqscan_result reqscan_feed(reqscan_t *s, unsigned char *p, size_t n, const char **why);

/*
 * RFC 9112 §3.2.2: a request line in absolute form ("GET http://host:port/path HTTP/1.1"), which lws
 * refuses. `allowed` says whether an authority ("host:port") names this server.
 */
void reqscan_hosts(int (*allowed)(const char *authority, void *ud), void *ud);
/*
 * reqscan_feed for recv(): wherever a request starts in the stream, a target in absolute form naming
 * this server is cut to the origin form in place ("/path", "/" for none; *n shrinks), another host's
 * or an https:// one is REQSCAN_MISDIRECTED. A request's first bytes that do not yet tell its
 * target's form (a request line split across reads) are not taken: *n stops before them and *held
 * says how many follow, for the caller to put before the next read's bytes. They are at most
 * REQSCAN_HELD_MAX.
 */
#define REQSCAN_HELD_MAX 300 /* a method's 23 bytes, a space, "http://" and a 255-byte authority */
enum reqscan_result reqscan_take(reqscan_t *s, unsigned char *p, size_t *n, size_t *held, size_t *after,
                                 const char **why);
/* Bytes of the body being read still to come, or 0 outside a body. */
int64_t reqscan_body_left(const reqscan_t *s);

#endif
