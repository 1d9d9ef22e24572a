#include "server/bcast.h"

#include "util/alloc.h"
#include "util/jsontext.h"
#include "util/timefmt.h"

#include <string.h>

/* RFC 6455 §5.2: FIN + text opcode, then a 7-, 16- or 64-bit length; no mask from a server. */
static void frame_header(bcast_msg_t *m)
{
    unsigned char *p = BCAST_PAYLOAD(m);
    uint64_t len = m->len;
    int ext = len < 126 ? 0 : len <= 0xffff ? 2 : 8;
    m->frame_hdr = (uint8_t)(2 + ext);
    p -= m->frame_hdr;
    p[0] = 0x81;
    p[1] = ext == 0 ? (unsigned char)len : ext == 2 ? 126 : 127;
    for(int i = 0; i < ext; i++)
        p[2 + i] = (unsigned char)(len >> (8 * (ext - 1 - i)));
}

bcast_msg_t *bcast_msg_from_payload(enum event_type type, const char *payload, size_t len)
{
    bcast_msg_t *m = util_malloc(sizeof(*m) + LWS_PRE + len + 1);
    if(!m)
        return NULL;
    m->refs = 1;
    m->type = type;
    m->len = len;
    memcpy(BCAST_PAYLOAD(m), payload, len);
    BCAST_PAYLOAD(m)[len] = '\0';
    frame_header(m);
    return m;
}

bcast_msg_t *bcast_msg_encode(enum event_type type, const json_t *data, int64_t epoch_ms)
{
    char ts[TIMEFMT_ISO_LEN];
    time_iso8601(epoch_ms, ts);
    json_t *env = json_pack("{s:s, s:O, s:s}", "type", event_type_name(type), "data", (json_t *)data, "timestamp", ts);
    if(!env)
        return NULL;
    /* Serialised once into a stack buffer when it fits (welcomes, stats, most events): jansson's
     * measuring pass costs as much as the writing one. */
    char small[1024];
    size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(10);
    size_t len = json_dumpb(env, small, sizeof(small), flags);
    bcast_msg_t *m = NULL;
    if(len && len <= sizeof(small) && !jsontext_extra(small, len)) {
        m = bcast_msg_from_payload(type, small, len);
    } else if(len && (m = util_malloc(sizeof(*m) + LWS_PRE + len + 1))) {
        m->refs = 1;
        m->type = type;
        m->len = json_dumpb(env, (char *)BCAST_PAYLOAD(m), len, flags);
        size_t extra = jsontext_extra((char *)BCAST_PAYLOAD(m), m->len);
        bcast_msg_t *grown = extra ? util_realloc(m, sizeof(*m) + LWS_PRE + len + extra + 1) : m;
        if(!grown) {
            util_free(m);
            json_decref(env);
            return NULL;
        }
        m = grown;
        jsontext_escape((char *)BCAST_PAYLOAD(m), m->len, extra); /* C1 and U+2028/9 as \u escapes */
        m->len += extra;
        BCAST_PAYLOAD(m)[m->len] = '\0';
        frame_header(m);
    }
    json_decref(env);
    return m;
}

bcast_msg_t *bcast_msg_ref(bcast_msg_t *m)
{
    m->refs++;
    return m;
}

void bcast_msg_unref(bcast_msg_t *m)
{
    if(m && --m->refs == 0)
        util_free(m);
}

static struct bcast_entry *at(const bcast_queue_t *q, uint64_t seq)
{
    return &q->ring[seq & (q->cap - 1)];
}

int bcast_init(bcast_queue_t *q, size_t cap, size_t max_bytes)
{
    memset(q, 0, sizeof(*q));
    size_t n = 2;
    while(n < cap)
        n *= 2;
    q->ring = util_calloc(n, sizeof(*q->ring));
    if(!q->ring)
        return -1;
    q->cap = n;
    q->max_bytes = max_bytes;
    return 0;
}

static void release_head(bcast_queue_t *q)
{
    struct bcast_entry *e = at(q, q->head);
    q->bytes -= e->msg->len;
    bcast_msg_unref(e->msg);
    memset(e, 0, sizeof(*e));
    q->head++;
}

void bcast_free(bcast_queue_t *q)
{
    while(q->head < q->tail)
        release_head(q);
    util_free(q->ring);
    q->ring = NULL;
}

size_t bcast_len(const bcast_queue_t *q)
{
    return (size_t)(q->tail - q->head);
}

static void trim(bcast_queue_t *q)
{
    while(q->head < q->tail && at(q, q->head)->pending == 0)
        release_head(q);
}

static void pass(bcast_queue_t *q, uint64_t *cursor)
{
    struct bcast_entry *e = at(q, *cursor);
    e->pending--;
    (*cursor)++;
}

void bcast_attach(bcast_queue_t *q, uint64_t *cursor)
{
    *cursor = q->tail;
    q->n_cursors++;
}

void bcast_detach(bcast_queue_t *q, uint64_t *cursor)
{
    while(*cursor < q->tail)
        pass(q, cursor);
    q->n_cursors--;
    trim(q);
}

int bcast_full(const bcast_queue_t *q, size_t len)
{
    return q->tail - q->head >= q->cap || (q->head < q->tail && q->bytes + len > q->max_bytes);
}

/* Marks the previous entry with the same key as superseded and remembers this one as the newest. */
static void supersede(bcast_queue_t *q, uint64_t key, uint64_t seq)
{
    int oldest = 0;
    for(int i = 0; i < q->n_latest; i++) {
        if(q->latest[i].key == key) {
            uint64_t prev = q->latest[i].seq;
            if(prev >= q->head && prev < q->tail)
                at(q, prev)->superseded = 1;
            q->latest[i].seq = seq;
            return;
        }
        if(q->latest[i].seq < q->latest[oldest].seq)
            oldest = i;
    }
    int slot = q->n_latest < BCAST_KEYS ? q->n_latest++ : oldest;
    q->latest[slot].key = key;
    q->latest[slot].seq = seq;
}

uint64_t bcast_push(bcast_queue_t *q, bcast_msg_t *msg, uint64_t key, int critical)
{
    uint64_t seq = q->tail;
    struct bcast_entry *e = at(q, seq);
    e->msg = bcast_msg_ref(msg);
    e->key = key;
    e->critical = (uint8_t)(critical != 0);
    e->superseded = 0;
    e->pending = q->n_cursors;
    q->bytes += msg->len;
    q->tail++;
    if(key)
        supersede(q, key, seq);
    trim(q);
    return seq;
}

bcast_msg_t *bcast_peek(bcast_queue_t *q, uint64_t *cursor)
{
    while(*cursor < q->tail && at(q, *cursor)->superseded)
        pass(q, cursor);
    trim(q);
    return *cursor < q->tail ? at(q, *cursor)->msg : NULL;
}

void bcast_advance(bcast_queue_t *q, uint64_t *cursor)
{
    if(*cursor < q->tail) {
        pass(q, cursor);
        trim(q);
    }
}

int bcast_catch_up(bcast_queue_t *q, uint64_t *cursor, uint64_t new_head, uint64_t *skipped)
{
    int lost_critical = 0;
    *skipped = 0;
    while(*cursor < new_head && *cursor < q->tail) {
        struct bcast_entry *e = at(q, *cursor);
        if(!e->superseded) {
            (*skipped)++;
            lost_critical |= e->critical;
        }
        pass(q, cursor);
    }
    return lost_critical ? -1 : 0;
}

void bcast_drop_head(bcast_queue_t *q, uint64_t new_head)
{
    trim(q);
    while(q->head < new_head && q->head < q->tail && at(q, q->head)->pending == 0)
        release_head(q);
}
