/*
 * RFC 6455 frames from a client, parsed strictly as their bytes arrive (any split): masking is
 * required, reserved bits and opcodes fail, control frames are whole and at most 125 bytes, text
 * is valid UTF-8 across fragments, and a message's size is checked from each frame's header, before
 * its payload arrives. Payloads are unmasked in place and handed on; nothing is copied but the
 * payload of a control frame split between reads (at most 125 bytes).
 */
#ifndef LINEAGED_SERVER_WSFRAME_H
#define LINEAGED_SERVER_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

enum wsframe_result {
    WSF_OK,
    WSF_STOPPED,  /* a callback asked to stop */
    WSF_PROTOCOL, /* answer with close 1002 */
    WSF_BAD_UTF8, /* 1007 */
    WSF_TOO_BIG,  /* 1009: the message would pass the limit */
    WSF_DROP,     /* a control frame over 125 bytes: dropped without a close frame (as before, under lws) */
};

enum { WSF_CONT = 0x0, WSF_TEXT = 0x1, WSF_BINARY = 0x2, WSF_CLOSE = 0x8, WSF_PING = 0x9, WSF_PONG = 0xA };

typedef struct wsframe_ops {
    /*
     * Bytes of a data message: `first` marks its first call, `last` its end (the final frame's last
     * byte); an empty frame is one call with len 0. `frame_left` is what the current frame still
     * announces. Nonzero stops the parse (WSF_STOPPED).
     */
    int (*data)(void *ud, int binary, int first, int last, const unsigned char *p, size_t len, uint64_t frame_left);
    /* A whole control frame (close, ping, pong). Nonzero stops the parse. */
    int (*control)(void *ud, int opcode, const unsigned char *p, size_t len);
} wsframe_ops_t;

typedef struct wsframe {
    uint64_t left;    /* payload of the current frame still to come */
    uint64_t msg_len; /* bytes the current message has announced so far */
    uint32_t max;     /* largest message */
    uint8_t hdr[14];
    uint8_t hdr_len;
    uint8_t mpos; /* where in the mask the next byte is */
    uint8_t opcode, fin, in_payload;
    uint8_t msg_op;      /* the data message being received (text or binary), 0 when none */
    uint8_t msg_started; /* its first bytes were handed on */
    uint8_t utf8;        /* validator state between chunks */
    uint8_t ctrl_len;
    uint8_t ctrl[125];
} wsframe_t;

void wsframe_init(wsframe_t *f, uint32_t max_message);
/* Parses n bytes (unmasking them in place). After anything but WSF_OK, feed no more. */
enum wsframe_result wsframe_feed(wsframe_t *f, unsigned char *p, size_t n, const wsframe_ops_t *ops, void *ud);
/* Whether p holds complete, valid UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
int wsframe_utf8_valid(const unsigned char *p, size_t n);

#endif
