#include "store/colrec.h"

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while(v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static uint64_t zigzag(int64_t step)
{
    return ((uint64_t)step << 1) ^ (uint64_t)(step >> 63);
}

int colrec_add(buf_t *out, colrec_entry_t *prev, const colrec_entry_t *e)
{
    if(e->pos < prev->pos)
        return -1;
    uint8_t bytes[COLREC_ENTRY_MAX];
    size_t n = put_varint(bytes, (uint64_t)(e->pos - prev->pos));
    n += put_varint(bytes + n, zigzag((int64_t)((uint64_t)e->table - (uint64_t)prev->table)));
    n += put_varint(bytes + n, zigzag((int64_t)((uint64_t)e->column - (uint64_t)prev->column)));
    n += put_varint(bytes + n, zigzag((int64_t)((uint64_t)e->statement - (uint64_t)prev->statement)));
    int rc = buf_add(out, bytes, n);
    if(!rc)
        *prev = *e;
    return rc;
}

void colrec_read(colrec_reader_t *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->prev = (colrec_entry_t){0};
}

static int get_varint(colrec_reader_t *r, uint64_t *v)
{
    *v = 0;
    for(unsigned shift = 0; shift < 64; shift += 7) {
        if(r->p == r->end)
            return -1;
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if(!(b & 0x80))
            return 0;
    }
    return -1;
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int colrec_next(colrec_reader_t *r, colrec_entry_t *e)
{
    if(r->p == r->end)
        return 0;
    uint64_t v[4];
    for(int i = 0; i < 4; i++) {
        if(get_varint(r, &v[i]))
            return -1;
    }
    if(v[0] > (uint64_t)INT64_MAX - (uint64_t)r->prev.pos)
        return -1;
    e->pos = r->prev.pos + (int64_t)v[0];
    e->table = (int64_t)((uint64_t)r->prev.table + (uint64_t)unzigzag(v[1]));
    e->column = (int64_t)((uint64_t)r->prev.column + (uint64_t)unzigzag(v[2]));
    e->statement = (int64_t)((uint64_t)r->prev.statement + (uint64_t)unzigzag(v[3]));
    r->prev = *e;
    return 1;
}
