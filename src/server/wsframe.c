#include "server/wsframe.h"

#include <string.h>

/* The first continuation byte's range after a lead byte (RFC 3629's table), then 80..BF. */
enum { R_ANY, R_E0, R_ED, R_F0, R_F4 };
static const uint8_t range_lo[] = {0x80, 0xA0, 0x80, 0x90, 0x80};
static const uint8_t range_hi[] = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};

/* state: continuation bytes still needed (low 2 bits) and the next one's range (above them). */
static int utf8_step(uint8_t *state, const unsigned char *p, size_t n)
{
    unsigned need = *state & 3u, range = *state >> 2;
    for(size_t i = 0; i < n; i++) {
        unsigned b = p[i];
        if(need) {
            if(b < range_lo[range] || b > range_hi[range])
                return 0;
            need--;
            range = R_ANY;
        } else if(b < 0x80) {
            continue;
        } else if(b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if(b >= 0xE0 && b <= 0xEF) {
            need = 2;
            range = b == 0xE0 ? R_E0 : b == 0xED ? R_ED : R_ANY;
        } else if(b >= 0xF0 && b <= 0xF4) {
            need = 3;
            range = b == 0xF0 ? R_F0 : b == 0xF4 ? R_F4 : R_ANY;
        } else {
            return 0;
        }
    }
    *state = (uint8_t)(need | range << 2);
    return 1;
}

int wsframe_utf8_valid(const unsigned char *p, size_t n)
{
    uint8_t state = 0;
    return utf8_step(&state, p, n) && state == 0;
}

void wsframe_init(wsframe_t *f, uint32_t max_message)
{
    memset(f, 0, sizeof(*f));
    f->max = max_message;
}

static int is_control(unsigned op)
{
    return op >= 0x8;
}

/* What the first two header bytes allow to be checked before the rest arrives. */
static enum wsframe_result check_start(const wsframe_t *f)
{
    unsigned b0 = f->hdr[0], op = b0 & 0x0Fu;
    if(b0 & 0x70u)
        return WSF_PROTOCOL; /* no extension was negotiated */
    if(op != WSF_CONT && op != WSF_TEXT && op != WSF_BINARY && op != WSF_CLOSE && op != WSF_PING && op != WSF_PONG)
        return WSF_PROTOCOL;
    if(is_control(op) && !(b0 & 0x80u))
        return WSF_PROTOCOL; /* control frames are never fragmented */
    if(op == WSF_CONT && !f->msg_op)
        return WSF_PROTOCOL;
    if((op == WSF_TEXT || op == WSF_BINARY) && f->msg_op)
        return WSF_PROTOCOL; /* a new message inside a fragmented one */
    if(f->hdr_len < 2)
        return WSF_OK;
    if(!(f->hdr[1] & 0x80u))
        return WSF_PROTOCOL; /* client frames must be masked */
    if(is_control(op) && (f->hdr[1] & 0x7Fu) > 125)
        return WSF_DROP;
    return WSF_OK;
}

static size_t header_size(const wsframe_t *f)
{
    unsigned len7 = f->hdr[1] & 0x7Fu;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
}

/* The header is complete: its length, and the message's. */
static enum wsframe_result begin_payload(wsframe_t *f)
{
    unsigned len7 = f->hdr[1] & 0x7Fu;
    uint64_t len = len7;
    const uint8_t *x = f->hdr + 2;
    if(len7 == 126) {
        len = (uint64_t)x[0] << 8 | x[1];
        if(len < 126)
            return WSF_PROTOCOL; /* the shortest form is required */
    } else if(len7 == 127) {
        len = 0;
        for(int i = 0; i < 8; i++)
            len = len << 8 | x[i];
        if(len >> 63 || len <= 0xFFFF)
            return WSF_PROTOCOL;
    }
    f->opcode = f->hdr[0] & 0x0Fu;
    f->fin = (f->hdr[0] & 0x80u) != 0;
    f->left = len;
    f->mpos = 0;
    f->in_payload = 1;
    f->ctrl_len = 0;
    if(is_control(f->opcode))
        return WSF_OK;
    if(f->opcode != WSF_CONT) {
        f->msg_op = f->opcode;
        f->msg_started = 0;
        f->msg_len = 0;
        f->utf8 = 0;
    }
    /* compared, never added: the announced length can be up to 2^63 - 1 */
    if(len > f->max || f->msg_len > f->max - len)
        return WSF_TOO_BIG;
    f->msg_len += len;
    return WSF_OK;
}

static void unmask(wsframe_t *f, unsigned char *p, size_t n)
{
    const uint8_t *key = f->hdr + header_size(f) - 4;
    unsigned m = f->mpos;
    for(size_t i = 0; i < n; i++, m = (m + 1) & 3u)
        p[i] ^= key[m];
    f->mpos = (uint8_t)m;
}

static enum wsframe_result give_data(wsframe_t *f, const unsigned char *p, size_t n, const wsframe_ops_t *ops, void *ud)
{
    int end = f->fin && f->left == 0;
    if(f->msg_op == WSF_TEXT && (!utf8_step(&f->utf8, p, n) || (end && f->utf8)))
        return WSF_BAD_UTF8;
    int first = !f->msg_started, binary = f->msg_op == WSF_BINARY;
    f->msg_started = 1;
    if(end)
        f->msg_op = 0;
    return ops->data(ud, binary, first, end, p, n, f->left) ? WSF_STOPPED : WSF_OK;
}

enum wsframe_result wsframe_feed(wsframe_t *f, unsigned char *p, size_t n, const wsframe_ops_t *ops, void *ud)
{
    while(n || (f->in_payload && f->left == 0)) {
        enum wsframe_result r;
        if(!f->in_payload) {
            size_t need = f->hdr_len < 2 ? 2 : header_size(f);
            size_t take = need - f->hdr_len < n ? need - f->hdr_len : n;
            memcpy(f->hdr + f->hdr_len, p, take);
            f->hdr_len = (uint8_t)(f->hdr_len + take);
            p += take;
            n -= take;
            if((r = check_start(f)) != WSF_OK)
                return r;
            if(f->hdr_len < 2 || f->hdr_len < header_size(f))
                continue;
            if((r = begin_payload(f)) != WSF_OK)
                return r;
            continue;
        }
        size_t take = f->left < n ? (size_t)f->left : n;
        unmask(f, p, take);
        f->left -= take;
        if(is_control(f->opcode)) {
            memcpy(f->ctrl + f->ctrl_len, p, take);
            f->ctrl_len = (uint8_t)(f->ctrl_len + take);
            r = WSF_OK;
            if(!f->left) {
                f->in_payload = 0;
                f->hdr_len = 0;
                r = ops->control(ud, f->opcode, f->ctrl, f->ctrl_len) ? WSF_STOPPED : WSF_OK;
            }
        } else {
            if(!f->left) {
                f->in_payload = 0;
                f->hdr_len = 0;
            }
            r = give_data(f, p, take, ops, ud);
        }
        p += take;
        n -= take;
        if(r != WSF_OK)
            return r;
    }
    return WSF_OK;
}
