/*
 * A statement's lineage as compact JSON text, written straight into a buffer: the one definition
 * of its shape (contract §5). `lineaged parse` streams it; sql_statement_to_json reads it back.
 * Building a jansson tree per statement and dumping it cost ~70% of `lineaged parse`'s CPU (perf).
 */
#include "sql/lineage.h"

#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (n bytes left) and its code point, or 0 when invalid as jansson
 * judges it: a bad lead or continuation byte, overlong, a surrogate, beyond U+10FFFF. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if(len == 0 || s[0] > 0xF4 || len > n)
        return 0;
    uint32_t c = s[0] & (0x7Fu >> len);
    for(size_t i = 1; i < len; i++) {
        if((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static int put_u(buf_t *b, uint32_t unit)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 'u', hex[unit >> 12 & 15], hex[unit >> 8 & 15], hex[unit >> 4 & 15], hex[unit & 15]};
    return buf_add(b, e, sizeof(e));
}

/* A JSON string, ASCII only (\uXXXX beyond); text that is not valid UTF-8 has each byte >= 0x80
 * written as '?', as the SQL's names were never promised to be UTF-8. */
static int put_str(buf_t *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    int valid = 1;
    uint32_t cp;
    for(size_t i = 0; i < n && valid; i++)
        if(p[i] >= 0x80) {
            size_t k = utf8_decode(p + i, n - i, &cp);
            valid = k != 0;
            i += k ? k - 1 : 0;
        }
    int rc = buf_addc(b, '"');
    for(size_t i = 0; i < n && !rc;) {
        size_t run = i;
        while(run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        rc = buf_add(b, p + i, run - i);
        i = run;
        if(rc || i == n)
            break;
        unsigned char c = p[i];
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if(esc) {
            rc = buf_add(b, esc, 2);
            i++;
        } else if(c < 0x20) {
            rc = put_u(b, c);
            i++;
        } else if(!valid) {
            rc = buf_addc(b, '?');
            i++;
        } else {
            i += utf8_decode(p + i, n - i, &cp);
            if(cp >= 0x10000) {
                cp -= 0x10000;
                rc = put_u(b, 0xD800 | cp >> 10);
                rc = rc ? rc : put_u(b, 0xDC00 | (cp & 0x3FF));
            } else {
                rc = put_u(b, cp);
            }
        }
    }
    return rc ? rc : buf_addc(b, '"');
}

/* ,"key": (the comma unless first) */
static int put_key(buf_t *b, const char *key, int first)
{
    int rc = first ? 0 : buf_addc(b, ',');
    rc = rc ? rc : buf_addc(b, '"');
    rc = rc ? rc : buf_adds(b, key);
    return rc ? rc : buf_add(b, "\":", 2);
}

static int put_list(buf_t *b, const char *key, const sql_strlist_t *l)
{
    int rc = put_key(b, key, 0);
    rc = rc ? rc : buf_addc(b, '[');
    for(size_t i = 0; i < l->n && !rc; i++) {
        rc = i ? buf_addc(b, ',') : 0;
        rc = rc ? rc : put_str(b, l->items[i]);
    }
    return rc ? rc : buf_addc(b, ']');
}

static int put_transformations(buf_t *b, const char *key, const sql_transformation_t *x, size_t n, int with_type)
{
    int rc = put_key(b, key, 0);
    rc = rc ? rc : buf_addc(b, '[');
    for(size_t i = 0; i < n && !rc; i++) {
        rc = buf_adds(b, i ? ",{" : "{");
        rc = rc ? rc : put_key(b, "source", 1);
        rc = rc ? rc : put_str(b, x[i].source);
        if(with_type) {
            rc = rc ? rc : put_key(b, "type", 0);
            rc = rc ? rc : put_str(b, x[i].type);
        }
        rc = rc ? rc : put_key(b, "subtype", 0);
        rc = rc ? rc : put_str(b, x[i].subtype);
        rc = rc ? rc : buf_addc(b, '}');
    }
    return rc ? rc : buf_addc(b, ']');
}

/* {"from":..,"to":..}, the i-th of a list of renames or flows */
static int put_pair(buf_t *b, size_t i, const char *from, const char *to)
{
    int rc = buf_adds(b, i ? ",{" : "{");
    rc = rc ? rc : put_key(b, "from", 1);
    rc = rc ? rc : put_str(b, from);
    rc = rc ? rc : put_key(b, "to", 0);
    rc = rc ? rc : put_str(b, to);
    return rc ? rc : buf_addc(b, '}');
}

int sql_statement_write_json(buf_t *b, const sql_statement_t *st)
{
    int rc = buf_addc(b, '{');
    rc = rc ? rc : put_key(b, "kind", 1);
    rc = rc ? rc : put_str(b, st->kind);
    if(st->name) {
        rc = rc ? rc : put_key(b, "name", 0);
        rc = rc ? rc : put_str(b, st->name);
    }
    rc = rc ? rc : buf_printf(b, ",\"line\":%u,\"column\":%u", (unsigned)st->line, (unsigned)st->column);
    rc = rc ? rc : put_list(b, "reads", &st->reads);
    rc = rc ? rc : put_list(b, "writes", &st->writes);
    rc = rc ? rc : put_key(b, "columns", 0);
    rc = rc ? rc : buf_addc(b, '[');
    for(size_t i = 0; i < st->ncolumns && !rc; i++) {
        const sql_column_lineage_t *c = &st->columns[i];
        rc = buf_adds(b, i ? ",{" : "{");
        rc = rc ? rc : put_key(b, "target", 1);
        rc = rc ? rc : put_str(b, c->target);
        rc = rc ? rc : put_list(b, "sources", &c->sources);
        if(c->ntransformations)
            rc = rc ? rc : put_transformations(b, "transformations", c->transformations, c->ntransformations, 1);
        rc = rc ? rc : buf_addc(b, '}');
    }
    rc = rc ? rc : buf_addc(b, ']');
    if(st->nindirect)
        rc = rc ? rc : put_transformations(b, "indirect", st->indirect, st->nindirect, 0);
    if(st->read_paths.n)
        rc = rc ? rc : put_list(b, "read_paths", &st->read_paths);
    if(st->write_paths.n)
        rc = rc ? rc : put_list(b, "write_paths", &st->write_paths);
    if(st->drops.n)
        rc = rc ? rc : put_list(b, "drops", &st->drops);
    if(st->calls.n)
        rc = rc ? rc : put_list(b, "calls", &st->calls);
    if(st->nrenames) {
        rc = rc ? rc : put_key(b, "renames", 0);
        rc = rc ? rc : buf_addc(b, '[');
        for(size_t i = 0; i < st->nrenames && !rc; i++)
            rc = put_pair(b, i, st->renames[i].from, st->renames[i].to);
        rc = rc ? rc : buf_addc(b, ']');
    }
    if(st->nflows) {
        rc = rc ? rc : put_key(b, "flows", 0);
        rc = rc ? rc : buf_addc(b, '[');
        for(size_t i = 0; i < st->nflows && !rc; i++)
            rc = put_pair(b, i, st->flows[i].from, st->flows[i].to);
        rc = rc ? rc : buf_addc(b, ']');
    }
    rc = rc ? rc : buf_addc(b, '}');
    return rc == BUF_ERR_TOO_BIG ? SQL_ERR_TOO_BIG : rc ? SQL_ERR_NOMEM : 0;
}
