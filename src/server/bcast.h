/*
 * The broadcast queue: each event is serialised once into a refcounted message (with LWS_PRE
 * headroom for the frame header) and appended under a sequence number; every client holds a cursor
 * (the next sequence it will send) and walks the queue in its WRITEABLE callback. An entry counts
 * the cursors that have yet to pass it and is freed when none is left, so the queue holds only what
 * some client still lacks, within fixed bounds on entries and bytes.
 *
 * The headroom also carries the WebSocket frame header, written once: a server frame is unmasked, so
 * the same bytes go to every client and several frames can leave in one write.
 *
 * Coalescible entries (same non-zero key: one stats stream, one ingestion's progress) are skipped
 * by cursors once a newer one is queued. Service thread only.
 */
#ifndef LINEAGED_SERVER_BCAST_H
#define LINEAGED_SERVER_BCAST_H

#include "events/event.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#define BCAST_KEYS 256

typedef struct bcast_msg {
    int refs;
    enum event_type type;
    size_t len;            /* payload bytes, after the LWS_PRE headroom */
    uint8_t frame_hdr;     /* text frame header bytes just before the payload */
    unsigned char bytes[]; /* LWS_PRE + len + 1 */
} bcast_msg_t;

#define BCAST_PAYLOAD(m)   ((m)->bytes + LWS_PRE)
#define BCAST_FRAME(m)     (BCAST_PAYLOAD(m) - (m)->frame_hdr)
#define BCAST_FRAME_LEN(m) ((m)->frame_hdr + (m)->len)

/* `{"type":..,"data":..,"timestamp":..}` serialised once; refs = 1. NULL on failure. */
bcast_msg_t *bcast_msg_encode(enum event_type type, const json_t *data, int64_t epoch_ms);
/* A message from an already serialised envelope of `len` bytes (copied); refs = 1. NULL on failure. */
bcast_msg_t *bcast_msg_from_payload(enum event_type type, const char *payload, size_t len);
bcast_msg_t *bcast_msg_ref(bcast_msg_t *m);
void bcast_msg_unref(bcast_msg_t *m);

struct bcast_entry {
    bcast_msg_t *msg;
    uint64_t key;     /* 0: never superseded */
    uint32_t pending; /* cursors yet to pass */
    uint8_t critical;
    uint8_t superseded;
};

typedef struct bcast_queue {
    struct bcast_entry *ring;
    size_t cap;          /* power of two */
    uint64_t head, tail; /* live entries are [head, tail) */
    size_t bytes, max_bytes;
    uint32_t n_cursors;
    struct {
        uint64_t key, seq;
    } latest[BCAST_KEYS];
    int n_latest;
} bcast_queue_t;

/* `cap` entries (rounded up to a power of two) and `max_bytes` payload at most. */
int bcast_init(bcast_queue_t *q, size_t cap, size_t max_bytes);
void bcast_free(bcast_queue_t *q);
size_t bcast_len(const bcast_queue_t *q);

/* A new cursor starts at the tail: it gets what is appended from now on. */
void bcast_attach(bcast_queue_t *q, uint64_t *cursor);
/* Releases everything the cursor had yet to pass. */
void bcast_detach(bcast_queue_t *q, uint64_t *cursor);

/* 1 when appending `len` more bytes needs room made first (see bcast_catch_up, bcast_drop_head). */
int bcast_full(const bcast_queue_t *q, size_t len);
/* Appends (takes a reference of its own); the queue must not be full. Returns the sequence. */
uint64_t bcast_push(bcast_queue_t *q, bcast_msg_t *msg, uint64_t key, int critical);

/* The message at the cursor after skipping superseded entries, or NULL when the cursor is at the tail. */
bcast_msg_t *bcast_peek(bcast_queue_t *q, uint64_t *cursor);
/* After writing the peeked message: passes it. */
void bcast_advance(bcast_queue_t *q, uint64_t *cursor);

/*
 * Making room: moves a cursor that lags behind `new_head` up to it, passing the entries in between.
 * `*skipped` gets how many unsuperseded messages it lost; returns -1 when one of them was critical
 * (the client must then be closed), else 0.
 */
int bcast_catch_up(bcast_queue_t *q, uint64_t *cursor, uint64_t new_head, uint64_t *skipped);
/* Drops entries before `new_head`; every cursor must already be at or past it. */
void bcast_drop_head(bcast_queue_t *q, uint64_t new_head);

#endif
