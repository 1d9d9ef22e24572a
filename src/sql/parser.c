/* Recursive-descent SQL parser for lineage. The grammar is split by family:
 *   parser.c          core: errors, arena helpers, names, scopes and column resolution,
 *                     statement records, statement dispatch and the entry point
 *   parse_select.c    SELECT and queries, table references and joins, expressions
 *   parse_dml.c       INSERT, UPDATE, DELETE, MERGE, COPY, UNLOAD, LOAD, Hive FROM .. INSERT
 *   parse_ddl.c       CREATE TABLE/VIEW, ALTER, DROP, TRUNCATE, RENAME
 *   sqlp_parse_routine.c   procedures, functions, triggers, blocks, control flow, CALL/EXEC
 *   parse_dialect.c   dialect extensions: templates, IDENTIFIER(), ClickHouse ARRAY JOIN
 * Shared state and helpers: parser_int.h. */
#include "sql/parser_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void sqlp_fail(parser_t *p, const char *msg)
{
    if(p->err)
        return;
    p->err = SQL_ERR_SYNTAX;
    p->err_pos = p->pos;
    p->err_msg = msg;
}

void sqlp_oom(parser_t *p)
{
    p->err = SQL_ERR_NOMEM;
    p->err_pos = p->pos;
    p->err_msg = "out of memory";
}

void sqlp_expect_op(parser_t *p, char c, const char *msg)
{
    if(!accept_op(p, c))
        sqlp_fail(p, msg);
}

/* sqlp_enter() past the limit: sets the error, 0. */
int sqlp_enter_too_deep(parser_t *p)
{
    if(!p->err) {
        p->err = SQL_ERR_DEPTH;
        p->err_pos = p->pos;
        p->err_msg = "nesting too deep";
    }
    return 0;
}

/* Skip a balanced (...) or [...] group starting at the current token. */
void sqlp_skip_group(parser_t *p)
{
    int depth = 0;
    do {
        const sql_token_t *t = cur(p);
        if(t_op(p, t, '(') || t_op(p, t, '['))
            depth++;
        else if(t_op(p, t, ')') || t_op(p, t, ']'))
            depth--;
        next(p);
    } while(depth > 0 && !at_end(p));
}

/* Past the rest of one item of a parenthesised list and its ',': stops before the list's ')'. */
void sqlp_skip_list_item(parser_t *p)
{
    while(!at_end(p) && !is_op(p, ',') && !is_op(p, ')')) {
        if(is_op(p, '(') || is_op(p, '['))
            sqlp_skip_group(p);
        else
            next(p);
    }
    accept_op(p, ',');
}

void *sqlp_amalloc(parser_t *p, size_t size)
{
    void *m = sql_arena_alloc(p->a, size);
    if(!m)
        sqlp_oom(p);
    return m;
}

char *sqlp_astrndup(parser_t *p, const char *s, size_t n)
{
    char *m = sql_arena_strndup(p->a, s, n);
    if(!m)
        sqlp_oom(p);
    return m;
}

/* a, the separator character (none when 0), b: every qualified name is built here */
char *sqlp_aconcat(parser_t *p, const char *a, char sep, const char *b)
{
    size_t la = strlen(a), ls = sep != 0, lb = strlen(b);
    char *m = sqlp_amalloc(p, la + ls + lb + 1);
    if(!m)
        return NULL;
    memcpy(m, a, la);
    m[la] = sep;
    memcpy(m + la + ls, b, lb + 1);
    return m;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for(; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static const char *name_at(const void *base, size_t stride, uint32_t i)
{
    const char *s;
    memcpy(&s, (const char *)base + (size_t)i * stride, sizeof s);
    return s;
}

/* Records position `pos` of a name hashing to `h`; the table has a free slot. */
static void nameidx_put(sql_nameidx_t *x, uint32_t h, uint32_t pos)
{
    uint32_t mask = x->cap - 1;
    for(uint32_t k = h & mask;; k = (k + 1) & mask) {
        if(!x->slot[2 * k + 1]) {
            x->slot[2 * k] = h;
            x->slot[2 * k + 1] = pos + 1;
            return;
        }
    }
}

/* An empty table with room for `n` + 1 entries, at most half full; the table it had when that is
 * large enough (a vector that loses an item is indexed again). -1 when out of memory. */
static int nameidx_reserve(sql_arena_t *a, sql_nameidx_t *x, uint32_t n)
{
    uint32_t cap = 64;
    while(cap < 2 * (n + 1))
        cap *= 2;
    if(cap > x->cap) {
        uint32_t *slot = sql_arena_alloc(a, (size_t)cap * 2 * sizeof *slot);
        if(!slot)
            return -1;
        x->slot = slot;
        x->cap = cap;
    }
    memset(x->slot, 0, (size_t)x->cap * 2 * sizeof *x->slot);
    x->n = n;
    return 0;
}

/* An index of the `n` names with room for one more; -1 when out of memory. */
static int nameidx_build(sql_arena_t *a, sql_nameidx_t *x, const void *base, size_t stride, uint32_t n)
{
    if(nameidx_reserve(a, x, n))
        return -1;
    for(uint32_t i = 0; i < n; i++)
        nameidx_put(x, name_hash(name_at(base, stride, i)), i);
    return 0;
}

/* Vectors of many names (a view's 500 columns, a column fed through 100 CTEs) made every
 * addition a scan of all before it: quadratic in the statement. */
uint32_t sql_nameidx_find_add(sql_arena_t *a, sql_nameidx_t *x, const void *base, size_t stride, uint32_t n,
                              const char *s)
{
    if(n < SQL_INDEX_FROM) {
        for(uint32_t i = 0; i < n; i++)
            if(sqlp_streq(name_at(base, stride, i), s))
                return i;
        return n;
    }
    if((x->n != n || 2 * (n + 1) > x->cap) && nameidx_build(a, x, base, stride, n))
        return UINT32_MAX;
    uint32_t h = name_hash(s), mask = x->cap - 1;
    for(uint32_t k = h & mask; x->slot[2 * k + 1]; k = (k + 1) & mask) {
        uint32_t i = x->slot[2 * k + 1] - 1;
        if(x->slot[2 * k] == h && sqlp_streq(name_at(base, stride, i), s))
            return i;
    }
    nameidx_put(x, h, n);
    x->n = n + 1;
    return n;
}

void sql_nameidx_drop(sql_nameidx_t *x)
{
    x->n = UINT32_MAX;
}

/* Position of `s` among the n names, or n; through the index when it holds them all. */
static uint32_t nameidx_find(const sql_nameidx_t *x, const void *base, size_t stride, uint32_t n, const char *s)
{
    if(n < SQL_INDEX_FROM || x->n != n || !x->cap) {
        for(uint32_t i = 0; i < n; i++)
            if(sqlp_streq(name_at(base, stride, i), s))
                return i;
        return n;
    }
    uint32_t h = name_hash(s), mask = x->cap - 1;
    for(uint32_t k = h & mask; x->slot[2 * k + 1]; k = (k + 1) & mask) {
        uint32_t i = x->slot[2 * k + 1] - 1;
        if(x->slot[2 * k] == h && sqlp_streq(name_at(base, stride, i), s))
            return i;
    }
    return n;
}

static uint32_t pair_hash(const char *from, const char *to)
{
    return name_hash(from) * 0x9E3779B1u ^ name_hash(to);
}

/* Position of the flow from -> to among the statement's, or their count with the pair indexed
 * as the one the caller appends there; UINT32_MAX when out of memory. */
static uint32_t flow_find_add(sql_arena_t *a, sql_stmt_t *st, const char *from, const char *to)
{
    const sql_strvec_t *f = &st->flow_from, *t = &st->flow_to;
    uint32_t n = f->n;
    sql_nameidx_t *x = &st->flow_idx;
    if(n < SQL_INDEX_FROM) {
        for(uint32_t i = 0; i < n; i++)
            if(strcmp(f->v[i], from) == 0 && strcmp(t->v[i], to) == 0)
                return i;
        return n;
    }
    if(x->n != n || 2 * (n + 1) > x->cap) {
        if(nameidx_reserve(a, x, n))
            return UINT32_MAX;
        for(uint32_t i = 0; i < n; i++)
            nameidx_put(x, pair_hash(f->v[i], t->v[i]), i);
    }
    uint32_t h = pair_hash(from, to), mask = x->cap - 1;
    for(uint32_t k = h & mask; x->slot[2 * k + 1]; k = (k + 1) & mask) {
        uint32_t i = x->slot[2 * k + 1] - 1;
        if(x->slot[2 * k] == h && strcmp(f->v[i], from) == 0 && strcmp(t->v[i], to) == 0)
            return i;
    }
    nameidx_put(x, h, n);
    x->n = n + 1;
    return n;
}

int sql_strvec_add(sql_arena_t *a, sql_strvec_t *v, const char *s)
{
    uint32_t at = sql_nameidx_find_add(a, &v->idx, v->v, sizeof *v->v, v->n, s);
    if(at == UINT32_MAX)
        return SQL_ERR_NOMEM;
    if(at < v->n)
        return 0;
    if(v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        char **nv = sql_arena_alloc(a, cap * sizeof *nv);
        if(!nv)
            return SQL_ERR_NOMEM;
        if(v->n)
            memcpy(nv, v->v, v->n * sizeof *nv);
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = (char *)s;
    return 0;
}

void sqlp_vadd(parser_t *p, sql_strvec_t *v, const char *s)
{
    if(s && sql_strvec_add(p->a, v, s))
        sqlp_oom(p);
}

unsigned sql_how_merge(unsigned a, unsigned b)
{
    unsigned d = a & SQL_HOW_DIRECT;
    if((b & SQL_HOW_DIRECT) > d)
        d = b & SQL_HOW_DIRECT;
    return d | ((a | b) & ~(unsigned)SQL_HOW_DIRECT);
}

int sql_srcvec_add(sql_arena_t *a, sql_srcvec_t *v, const char *s, unsigned how)
{
    if(!v->lazy) {
        uint32_t at = sql_nameidx_find_add(a, &v->idx, v->v, sizeof *v->v, v->n, s);
        if(at == UINT32_MAX)
            return SQL_ERR_NOMEM;
        if(at < v->n) {
            v->how[at] = (uint8_t)sql_how_merge(v->how[at], how);
            return 0;
        }
    }
    if(v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        char **nv = sql_arena_alloc(a, cap * sizeof *nv);
        uint8_t *nh = sql_arena_alloc(a, cap);
        if(!nv || !nh)
            return SQL_ERR_NOMEM;
        if(v->n) {
            memcpy(nv, v->v, v->n * sizeof *nv);
            memcpy(nh, v->how, v->n);
        }
        v->v = nv;
        v->how = nh;
        v->cap = cap;
    }
    v->how[v->n] = (uint8_t)how;
    v->v[v->n++] = (char *)s;
    return 0;
}

static void sadd(parser_t *p, sql_srcvec_t *v, const char *s, unsigned how)
{
    if(s && sql_srcvec_add(p->a, v, s, how))
        sqlp_oom(p);
}

/* A source used as `inner` inside a relation, read as `outer`: the stronger direct level
 * when both are direct; an indirect use makes everything under it indirect. */
static unsigned compose(unsigned outer, unsigned inner)
{
    unsigned od = outer & SQL_HOW_DIRECT, id = inner & SQL_HOW_DIRECT;
    if(!od)
        return outer;
    if(!id)
        return inner;
    return (od > id ? od : id) | ((outer | inner) & ~(unsigned)SQL_HOW_DIRECT);
}

void sqlp_sadd_all(parser_t *p, sql_srcvec_t *dst, const sql_srcvec_t *src, unsigned outer)
{
    for(uint32_t i = 0; i < src->n; i++)
        sadd(p, dst, src->v[i], outer ? compose(outer, src->how[i]) : src->how[i]);
}

/* sqlp_grow() without room: the array twice as large (4 at first), copied. */
int sqlp_grow_block(parser_t *p, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    uint32_t nc = *cap ? *cap * 2 : 4;
    void *m = sqlp_amalloc(p, nc * elem);
    if(!m)
        return 0;
    if(n)
        memcpy(m, *arr, n * elem);
    *arr = m;
    *cap = nc;
    return 1;
}

/* How a column seen now is used, from the clause and expression around it. */
unsigned sqlp_cur_how(const parser_t *p)
{
    if(p->clause_how)
        return p->clause_how;
    if(p->cond || p->win)
        return (p->cond ? SQL_HOW_CONDITIONAL : 0u) | (p->win ? SQL_HOW_WINDOW : 0u);
    return p->agg ? SQL_HOW_AGGREGATION : SQL_HOW_TRANSFORMATION;
}

void sqlp_sink_ref_how(parser_t *p, sink_t *s, const char *qual, const char *col, unsigned how)
{
    if(!s || !col)
        return;
    if(!sqlp_grow(p, (void **)&s->refs, s->n, &s->cap, sizeof *s->refs))
        return;
    s->refs[s->n].qual = qual;
    s->refs[s->n].col = col;
    s->refs[s->n].how = how;
    s->n++;
}

/* Names the chunk shows to be columns: after a '.' (`t.c`, `v t.c%TYPE`, a record's `r.c`), and
 * a select item read INTO the variable of its name (`SELECT c INTO c`: a variable copied into
 * itself would do nothing). PL/pgSQL's `#variable_conflict use_column` is noted too. */
static void note_columns(parser_t *p)
{
    p->cols_noted = 1;
    for(size_t k = 1; k < p->n && !p->err; k++) {
        const sql_token_t *t = &p->toks[k];
        if(is_name_tok(t) && t_op(p, &p->toks[k - 1], '.')) {
            sqlp_vadd(p, &p->colnames, sqlp_norm(p, t));
        } else if(t_word(p, t, "variable_conflict") && k + 1 < p->n) {
            p->cols_noted = t_word(p, &p->toks[k + 1], "use_column") ? 2 : 1;
        } else if(t_kw(t, SQL_KW_INTO)) {
            /* SELECT a, b INTO x, b: the items and the targets, both plain names */
            const sql_token_t *items[16], *into[16];
            int ni = 0, nt = 0;
            size_t j = k;
            while(j >= 2 && ni < 16 && is_name_tok(&p->toks[j - 1])) {
                items[ni++] = &p->toks[--j];
                if(!t_op(p, &p->toks[j - 1], ','))
                    break;
                j--;
            }
            if(!ni || j < 1 || !(t_kw(&p->toks[j - 1], SQL_KW_SELECT) || t_kw(&p->toks[j - 1], SQL_KW_DISTINCT)))
                continue;
            for(size_t m = k + 1; m < p->n && nt < 16 && is_name_tok(&p->toks[m]); m += 2) {
                into[nt++] = &p->toks[m];
                if(m + 1 >= p->n || !t_op(p, &p->toks[m + 1], ','))
                    break;
            }
            for(int i = 0; nt == ni && i < ni; i++) {
                char *a = sqlp_norm(p, items[ni - 1 - i]), *b = sqlp_norm(p, into[i]);
                if(a && b && strcmp(a, b) == 0)
                    sqlp_vadd(p, &p->colnames, a);
            }
        }
    }
}

static int has_name(const sql_strvec_t *v, const char *s)
{
    return nameidx_find(&v->idx, v->v, sizeof *v->v, v->n, s) < v->n;
}

/* A name both a variable and a column: MySQL's variables win, and so do PL/pgSQL's (the clash is
 * its error by default) unless `#variable_conflict use_column`; Oracle, BigQuery and Spark read
 * the column, where the input shows the name is one (note_columns, earlier DDL); in Snowflake a
 * SQL statement names a variable `:x` only, so a plain name is a column. */
int sqlp_var_hides(parser_t *p, const char *name)
{
    if(p->d == SQL_DIALECT_SNOWFLAKE || !sqlp_is_var(p, name))
        return 0;
    int column_first = p->d == SQL_DIALECT_ORACLE || p->d == SQL_DIALECT_BIGQUERY || p->d == SQL_DIALECT_SPARKSQL ||
                       p->d == SQL_DIALECT_DATABRICKS;
    if(!column_first && !SQL_DIALECT_IS_PG(p->d))
        return 1;
    if(!p->cols_noted)
        note_columns(p);
    if(!column_first && p->cols_noted != 2)
        return 1;
    if(has_name(&p->colnames, name))
        return 0;
    if(has_name(&p->notcols, name))
        return 1;
    if(p->ctx->schema && sql_schema_has_column(p->ctx->schema, name)) {
        sqlp_vadd(p, &p->colnames, name);
        return 0;
    }
    sqlp_vadd(p, &p->notcols, name);
    return 1;
}

void sqlp_sink_ref(parser_t *p, sink_t *s, const char *qual, const char *col)
{
    sqlp_sink_ref_how(p, s, qual, col, sqlp_cur_how(p));
}

outcol_t *sqlp_rel_add(parser_t *p, rel_t *r, const char *name, int star)
{
    if(!sqlp_grow(p, (void **)&r->cols, r->n, &r->cap, sizeof *r->cols))
        return NULL;
    outcol_t *c = &r->cols[r->n++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->star = star;
    return c;
}

fitem_t *sqlp_scope_add(parser_t *p, scope_t *sc)
{
    if(!sqlp_grow(p, (void **)&sc->items, sc->n, &sc->cap, sizeof *sc->items))
        return NULL;
    fitem_t *it = &sc->items[sc->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Text of a string literal without its prefix, quotes and escapes ('it''s', E'a\\n', $$x$$). */
char *sqlp_string_value(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len, i = 0;
    int unterminated = (t->flags & SQL_TOKF_UNTERMINATED) != 0;
    if(s[0] == '$') {
        const char *d = len > 1 ? memchr(s + 1, '$', len - 1) : NULL;
        size_t tl = d ? (size_t)(d - s) + 1 : len;
        size_t end = unterminated || len < 2 * tl ? len : len - tl;
        return sqlp_astrndup(p, s + tl, end > tl ? end - tl : 0);
    }
    while(i < len && s[i] != '\'' && s[i] != '"')
        i++;
    if(i >= len)
        return sqlp_astrndup(p, s, len);
    char q = s[i];
    size_t ql = (i + 2 < len && s[i + 1] == q && s[i + 2] == q && len >= i + 6) ? 3 : 1;
    size_t start = i + ql;
    size_t end = unterminated ? len : (len >= start + ql ? len - ql : start);
    int bs = p->ctx && sql_dialect_traits(p->d).backslash_escapes;
    char *out = sqlp_amalloc(p, end - start + 1);
    if(!out)
        return NULL;
    size_t o = 0;
    for(size_t k = start; k < end; k++) {
        if(bs && s[k] == '\\' && k + 1 < end) {
            out[o++] = s[++k];
            continue;
        }
        out[o++] = s[k];
        if(ql == 1 && s[k] == q && k + 1 < end && s[k + 1] == q)
            k++;
    }
    out[o] = '\0';
    return out;
}

#if defined(__SSE2__)
#define LOWER_STEP 16

/* s[i..i+16) lower-cased into out: signed compares leave bytes >= 0x80 alone. The constants stay
 * in vector registers, which a leaf function need not save. */
static inline void lower_step(char *out, const char *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i up = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
    _mm_storeu_si128((__m128i *)(void *)out, _mm_or_si128(x, _mm_and_si128(up, _mm_set1_epi8(0x20))));
}
#else
#define LOWER_STEP 8

/* ASCII upper-case letters of eight bytes at once: per byte, bit 7 of (b & 0x7f) + 0x3f says
 * b >= 'A' and of (b & 0x7f) + 0x25 says b > 'Z'; bytes >= 0x80 are left alone. */
static inline void lower_step(char *out, const char *s)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t h = x & (0x7f * ones);
    uint64_t upper = (h + 0x3f * ones) & ~(h + 0x25 * ones) & ~x & (0x80 * ones);
    x |= upper >> 2;
    memcpy(out, &x, 8);
}
#endif

/* Writes s[0..n) lower-cased and a NUL to out; the first `whole` bytes (a multiple of
 * LOWER_STEP, or n) a step at a time. */
static inline void lower_copy(char *out, const char *s, size_t n, size_t whole)
{
    size_t i = 0;
    for(; i + LOWER_STEP <= whole; i += LOWER_STEP)
        lower_step(out + i, s + i);
    for(; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)((unsigned)(c - 'A') < 26u ? c + 32 : c);
    }
    out[n] = '\0';
}

/* sqlp_lower_dup() when the arena's block is full: out of line, so the common path calls nothing
 * and saves no registers. */
static __attribute__((noinline)) char *lower_dup_block(parser_t *p, const char *s, size_t n, size_t size, size_t whole)
{
    char *out = sqlp_amalloc(p, size);
    if(out)
        lower_copy(out, s, n, whole);
    return out;
}

/* NUL-terminated copy of s[0..n) with ASCII letters lower-cased; every identifier goes through
 * here, so a step of bytes at once. `s` is in the statement's text: when the whole steps that
 * cover it end before the last token does, its tail is read and written as a step too (most names
 * are short), the bytes past n in the allocation's rounding, cut off by the NUL. */
char *sqlp_lower_dup(parser_t *p, const char *s, size_t n)
{
    size_t words = (n + LOWER_STEP - 1) & ~(size_t)(LOWER_STEP - 1);
    size_t size = ((words > n ? words : n + 1) + 15) & ~(size_t)15;
    size_t whole = (size_t)(s - p->src) + words <= p->eof.off ? words : n;
    sql_arena_t *a = p->a;
    if(size > (size_t)(a->end - a->cur))
        return lower_dup_block(p, s, n, size, whole);
    char *out = a->cur;
    a->cur += size;
    lower_copy(out, s, n, whole);
    return out;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 when the byte starts none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if(k > n)
        return 0;
    for(size_t m = 1; m < k; m++)
        if((s[m] & 0xC0) != 0x80)
            return 0;
    return k;
}

/* A name from a file that is not UTF-8 (a Latin-1 or Windows export): each byte outside a UTF-8
 * sequence is read as Latin-1, so `été` stays `été` and distinct from `ütü` instead of both
 * becoming `?t?` in JSON and the graph. UTF-8 and ASCII names come back unchanged. */
static char *latin1_names(parser_t *p, char *s)
{
    if(!s)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), bad = 0;
    for(size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        bad += k == 0;
        i += k ? k : 1;
    }
    if(!bad)
        return s;
    char *out = sqlp_amalloc(p, n + bad + 1);
    if(!out)
        return NULL;
    size_t o = 0;
    for(size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if(k) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            out[o++] = (char)(0xC0 | u[i] >> 6);
            out[o++] = (char)(0x80 | (u[i] & 0x3F));
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

static int has_high_byte(const char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for(; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        acc |= x;
    }
    for(; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ull) != 0;
}

/* sqlp_norm() of quoted names, strings and words that are not UTF-8. */
static __attribute__((noinline)) char *norm_other(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len;
    if(t->type == SQL_TOK_STRING) {
        char *v = sqlp_string_value(p, t);
        return has_high_byte(s, len) ? latin1_names(p, v) : v;
    }
    if(t->type == SQL_TOK_QUOTED) {
        char close = s[0] == '[' ? ']' : s[0];
        size_t end = (t->flags & SQL_TOKF_UNTERMINATED) || len < 2 ? len : len - 1;
        char *out = sqlp_amalloc(p, len + 1);
        if(!out)
            return NULL;
        const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        uint64_t closes = ones * (unsigned char)close, high = 0;
        size_t o = 0, i = 1;
        /* eight bytes a step up to the first closing quote (doubled, it stands for one) */
        for(uint64_t x, y; i + 8 <= end; i += 8, o += 8) {
            memcpy(&x, s + i, 8);
            y = x ^ closes;
            if((y - ones) & ~y & highs)
                break;
            high |= x;
            memcpy(out + o, &x, 8);
        }
        for(; i < end; i++) {
            high |= (unsigned char)s[i];
            out[o++] = s[i];
            if(s[i] == close && i + 1 < end && s[i + 1] == close)
                i++;
        }
        out[o] = '\0';
        return high & highs ? latin1_names(p, out) : out;
    }
    return latin1_names(p, sqlp_lower_dup(p, s, len));
}

/* Identifier text as contract §5 wants it: unquoted lower-cased, quoted verbatim without quotes.
 * The lexer flags words that are not UTF-8; quoted names and strings are checked here. */
char *sqlp_norm(parser_t *p, const sql_token_t *t)
{
    if(t->type == SQL_TOK_STRING || t->type == SQL_TOK_QUOTED || (t->flags & SQL_TOKF_NOT_UTF8))
        return norm_other(p, t);
    return sqlp_lower_dup(p, p->src + t->off, t->len);
}

static const char *const non_alias_words[] = {
    "option", "settings", "exception", "loop", "elsif", "elseif", "start", "go", "format", "lock", "prewhere",
};

int sqlp_can_be_alias(const parser_t *p, const sql_token_t *t)
{
    if(t->type == SQL_TOK_QUOTED)
        return 1;
    if(t->type != SQL_TOK_WORD || (t_flags(t) & SQL_KW_R))
        return 0;
    if(p->d == SQL_DIALECT_TSQL && t_word(p, t, "output"))
        return 0;
    /* T-SQL needs no `;`: a statement word starting a line starts the next statement
     * (DELETE FROM t\nCOMMIT TRAN read COMMIT as t's alias) */
    if(p->d == SQL_DIALECT_TSQL && (t->flags & SQL_TOKF_NL_BEFORE) && sqlp_is_stmt_start(p, t))
        return 0;
    if(t->len == 15 && t_word(p, t, "match_recognize"))
        return 0;
    /* PL/SQL SELECT c BULK COLLECT INTO .., Oracle's LOG ERRORS after a DML's query, DB2's OPTIMIZE FOR n ROWS */
    if(t + 1 < p->toks + p->n &&
       ((t_word(p, t, "bulk") && t_word(p, t + 1, "collect")) || (t_word(p, t, "log") && t_word(p, t + 1, "errors")) ||
        (t_word(p, t, "optimize") && t_kw(t + 1, SQL_KW_FOR))))
        return 0;
    return !sqlp_tok_in_list(p, t, non_alias_words, sizeof non_alias_words / sizeof non_alias_words[0]);
}

/* Dotted name; BigQuery project ids may contain unquoted hyphens (my-project.ds.t); template
 * placeholders stay in the name as written (${db}.t, t_${env}), dbt ref()/source() name a table. */
int sqlp_parse_qname(parser_t *p, qname_t *q)
{
    memset(q, 0, sizeof *q);
    const sql_token_t *t = cur(p);
    if(!is_part_tok(t) && !(t->type == SQL_TOK_STRING && p->src[t->off] == '"'))
        return 0;
    /* a malformed IDENTIFIER(..) is an ordinary name: callers loop on names and rely on
     * one being consumed */
    if(t_word(p, t, "identifier") && t_op(p, peek(p, 1), '(') && sqlp_parse_identifier_fn(p, q))
        return 1;
    char *full = NULL;
    for(;;) {
        t = cur(p);
        char *part;
        int quoted = is_quoted_tok(t);
        size_t end = t->off + t->len;
        const char *tn = t->type == SQL_TOK_TEMPLATE ? sqlp_template_table(p, t) : NULL;
        if(tn && !(is_part_tok(peek(p, 1)) && peek(p, 1)->off == end)) {
            part = (char *)tn;
            next(p);
        } else {
            part = t->type == SQL_TOK_TEMPLATE ? sqlp_astrndup(p, p->src + t->off, t->len) : sqlp_norm(p, t);
            if(!part)
                return 0;
            next(p);
            /* glued pieces: t_${env}, ${db}_raw */
            while(!quoted && is_part_tok(cur(p)) && cur(p)->off == end &&
                  (cur(p)->type == SQL_TOK_TEMPLATE || t->type == SQL_TOK_TEMPLATE) && !is_quoted_tok(cur(p))) {
                const sql_token_t *w = cur(p);
                char *more = w->type == SQL_TOK_TEMPLATE ? sqlp_astrndup(p, p->src + w->off, w->len) : sqlp_norm(p, w);
                part = more ? sqlp_aconcat(p, part, 0, more) : NULL;
                if(!part)
                    return 0;
                end = w->off + w->len;
                t = w;
                next(p);
            }
        }
        while(p->d == SQL_DIALECT_BIGQUERY && !quoted && is_op(p, '-') && cur(p)->off == end &&
              (peek(p, 1)->type == SQL_TOK_WORD || peek(p, 1)->type == SQL_TOK_NUMBER) && peek(p, 1)->off == end + 1) {
            const sql_token_t *w = peek(p, 1);
            char *more = sqlp_norm(p, w);
            part = more ? sqlp_aconcat(p, part, '-', more) : NULL;
            if(!part)
                return 0;
            end = w->off + w->len;
            next(p);
            next(p);
        }
        full = full ? sqlp_aconcat(p, full, '.', part) : part;
        if(!full)
            return 0;
        if(!q->first)
            q->first = part;
        q->last = part;
        q->last_quoted = quoted;
        q->nparts++;
        if(is_op(p, '.') && (is_part_tok(peek(p, 1)) || peek(p, 1)->type == SQL_TOK_STRING)) {
            next(p);
            continue;
        }
        /* T-SQL a..b skips the schema */
        if(is_op(p, '.') && t_op(p, peek(p, 1), '.') && is_name_tok(peek(p, 2))) {
            next(p);
            next(p);
            continue;
        }
        break;
    }
    /* t@remote glued to the name: in Delta (Spark, Databricks) t's version or timestamp, so t;
     * elsewhere an Oracle-style database link, the table t of another database, named as
     * written (a glued @ means nothing else there) */
    if(cur(p)->type == SQL_TOK_VAR && p->src[cur(p)->off] == '@' &&
       cur(p)->off == p->toks[p->pos - 1].off + p->toks[p->pos - 1].len) {
        if(p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS) {
            next(p);
            q->full = full;
            return 1;
        }
        char *link = sqlp_lower_dup(p, p->src + cur(p)->off, cur(p)->len);
        full = link ? sqlp_aconcat(p, full, 0, link) : NULL;
        if(!full)
            return 0;
        next(p);
    }
    q->full = full;
    return 1;
}

cte_t *sqlp_find_cte(parser_t *p, const char *name)
{
    for(cte_t *c = p->ctes; c; c = c->next)
        if(strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* IDENTIFIER(:t), IDENTIFIER(?), IDENTIFIER(:s || '.' || :t): a bind parameter names its table
 * from outside the SQL, so there is no table to record (a session variable, $t, set in the script,
 * is kept as written). Only IDENTIFIER() keeps such text as a name, so its first byte tells. */
int sqlp_is_bind_name(const char *t)
{
    return t[0] == ':' || t[0] == '?' || t[0] == '\'';
}

/* Oracle's and MySQL's DUAL: the system's one-row table, no data of anyone's */
static int is_dual(const parser_t *p, const char *t)
{
    return (p->d == SQL_DIALECT_ORACLE || p->d == SQL_DIALECT_MYSQL) &&
           (strcmp(t, "dual") == 0 || strcmp(t, "sys.dual") == 0);
}

void sqlp_add_read(parser_t *p, const char *t)
{
    if(!p->st || sqlp_is_bind_name(t) || is_dual(p, t))
        return;
    sqlp_vadd(p, &p->st->reads, t);
    if(p->flow)
        sqlp_vadd(p, &p->flow->reads, t);
    if(p->feeds)
        sqlp_vadd(p, &p->feeds->reads, t);
}

void sqlp_add_write(parser_t *p, const char *t)
{
    if(!p->st || sqlp_is_bind_name(t))
        return;
    sqlp_vadd(p, &p->st->writes, t);
    if(p->flow)
        sqlp_vadd(p, &p->flow->writes, t);
}

/* The copy of `s` in `v`, so that flows share the statement's names. */
static const char *canonical(const sql_strvec_t *v, const char *s)
{
    uint32_t i = nameidx_find(&v->idx, v->v, sizeof *v->v, v->n, s);
    return i < v->n ? v->v[i] : s;
}

/* A body statement's reads x writes into the statement's flows, each pair once: compared as
 * names, since a name no longer among the statement's reads or writes (an UPDATE's target
 * leaves its reads) has a copy of its own in each body statement. */
void sqlp_add_flows(parser_t *p, const flow_scratch_t *fs)
{
    sql_stmt_t *st = p->st;
    if(!st || st->flows_full)
        return;
    sql_strvec_t *f = &st->flow_from, *t = &st->flow_to;
    for(uint32_t r = 0; r < fs->reads.n; r++) {
        const char *from = canonical(&st->reads, fs->reads.v[r]);
        for(uint32_t w = 0; w < fs->writes.n; w++) {
            const char *to = canonical(&st->writes, fs->writes.v[w]);
            uint32_t k = flow_find_add(p->a, st, from, to);
            if(k == UINT32_MAX) {
                sqlp_oom(p);
                return;
            }
            if(k < f->n)
                continue;
            if(f->n >= SQL_MAX_FLOWS) {
                /* Said once: the flows kept stay exact, those of the body from here on are missing.
                   A warning, not an error: the statement parsed, and the rest of its lineage stands. */
                st->flows_full = 1;
                const sql_token_t *at = cur(p);
                char msg[200];
                snprintf(msg, sizeof(msg),
                         "more than %u table flows in one statement: the first %u are kept, the flows of its"
                         " statements from line %u on are not",
                         SQL_MAX_FLOWS, SQL_MAX_FLOWS, at->line);
                if(p->ctx->on_warning && p->ctx->on_warning(p->ctx->ud, at->line, at->col, msg))
                    sqlp_oom(p);
                return;
            }
            if(!sqlp_grow(p, (void **)&f->v, f->n, &f->cap, sizeof *f->v) ||
               !sqlp_grow(p, (void **)&t->v, t->n, &t->cap, sizeof *t->v))
                return;
            f->v[f->n++] = (char *)from;
            t->v[t->n++] = (char *)to;
        }
    }
}

/* The lineage entry of output column `col` (a plain SELECT's outputs have no table), added when new. */
static ALWAYS_INLINE sql_col_edge_t *column_edge(parser_t *p, const char *table, const char *col)
{
    if(!p->st || !col || (table && sqlp_is_bind_name(table)))
        return NULL;
    char *target = table ? sqlp_aconcat(p, table, '.', col) : (char *)col;
    if(!target)
        return NULL;
    sql_stmt_t *st = p->st;
    uint32_t at = sql_nameidx_find_add(p->a, &st->edge_idx, st->edges ? &st->edges[0].target : NULL, sizeof *st->edges,
                                       st->nedges, target);
    if(at == UINT32_MAX) {
        sqlp_oom(p);
        return NULL;
    }
    if(at < st->nedges)
        return &st->edges[at];
    if(!sqlp_grow(p, (void **)&st->edges, st->nedges, &st->capedges, sizeof *st->edges))
        return NULL;
    sql_col_edge_t *e = &st->edges[st->nedges++];
    memset(e, 0, sizeof *e);
    e->target = target;
    return e;
}

void sqlp_add_edge(parser_t *p, const char *table, const char *col, const sql_srcvec_t *src)
{
    sql_col_edge_t *e = src->n ? column_edge(p, table, col) : NULL;
    if(e)
        sqlp_sadd_all(p, &e->sources, src, 0);
}

void sqlp_add_column(parser_t *p, const char *table, const char *col)
{
    column_edge(p, table, col);
}

void sqlp_set_kind(parser_t *p, const char *kind)
{
    if(p->st && !p->in_body)
        p->st->kind = kind;
}

fitem_t *sqlp_find_item(scope_t *sc, const char *qual)
{
    for(uint32_t i = 0; i < sc->n; i++)
        if(sc->items[i].alias && sqlp_streq(sc->items[i].alias, qual))
            return &sc->items[i];
    for(uint32_t i = 0; i < sc->n; i++) {
        const char *t = sc->items[i].table;
        if(!t || sc->items[i].alias)
            continue;
        if(sqlp_streq(t, qual))
            return &sc->items[i];
        const char *dot = strrchr(t, '.');
        if(dot && sqlp_streq(dot + 1, qual))
            return &sc->items[i];
    }
    for(uint32_t i = 0; i < sc->n; i++) {
        const char *t = sc->items[i].table;
        if(!t)
            continue;
        if(sqlp_streq(t, qual))
            return &sc->items[i];
        const char *dot = strrchr(t, '.');
        if(dot && sqlp_streq(dot + 1, qual))
            return &sc->items[i];
    }
    return NULL;
}

static int rel_has(const rel_t *r, const char *col)
{
    for(uint32_t i = 0; i < r->n; i++)
        if(!r->cols[i].star && r->cols[i].name && sqlp_streq(r->cols[i].name, col))
            return 1;
    return 0;
}

int sqlp_item_has(parser_t *p, const fitem_t *it, const char *col)
{
    if(it->rel)
        return rel_has(it->rel, col);
    if(it->table && p->ctx->schema) {
        size_t n;
        char *const *cols = sql_schema_get(p->ctx->schema, it->table, &n);
        for(size_t i = 0; cols && i < n; i++)
            if(sqlp_streq(cols[i], col))
                return 1;
    }
    return 0;
}

/* 1: `it` has `col`; 0: it has not (its columns are all known); -1: unknown. */
static int item_knows(parser_t *p, const fitem_t *it, const char *col)
{
    /* a table function's alias names its value too: BigQuery UNNEST(a) AS x, Postgres unnest(a) x */
    if(it->fnsrc && it->alias && strcmp(it->alias, col) == 0)
        return 1;
    if(it->fncols && !it->rel) {
        for(const char *const *c = it->fncols; *c; c++)
            if(strcmp(*c, col) == 0)
                return 1;
        return 0;
    }
    if(it->rel) {
        if(rel_has(it->rel, col))
            return 1;
        for(uint32_t i = 0; i < it->rel->n; i++)
            if(it->rel->cols[i].star)
                return -1;
        return it->rel->n ? 0 : -1;
    }
    size_t n = 0;
    char *const *cols = it->table && p->ctx->schema ? sql_schema_get(p->ctx->schema, it->table, &n) : NULL;
    if(!cols)
        return -1;
    for(size_t i = 0; i < n; i++)
        if(sqlp_streq(cols[i], col))
            return 1;
    return 0;
}

static void resolve_in_item(parser_t *p, const fitem_t *it, const char *col, unsigned how, sql_srcvec_t *out)
{
    if(it->fnsrc) {
        sqlp_sadd_all(p, out, it->fnsrc, compose(how, SQL_HOW_TRANSFORMATION));
        return;
    }
    if(it->table && !it->rel) {
        sadd(p, out, sqlp_aconcat(p, it->table, '.', col), how);
        return;
    }
    if(!it->rel)
        return;
    int found = 0;
    for(uint32_t i = 0; i < it->rel->n; i++) {
        const outcol_t *c = &it->rel->cols[i];
        if(!c->star && c->name && (strcmp(c->name, col) == 0 || strcmp(col, "*") == 0)) {
            sqlp_sadd_all(p, out, &c->src, how);
            found = 1;
        }
    }
    if(found)
        return;
    /* not listed: it may come through a star of the derived relation */
    for(uint32_t i = 0; i < it->rel->n; i++) {
        const outcol_t *c = &it->rel->cols[i];
        if(!c->star)
            continue;
        for(uint32_t k = 0; k < c->src.n; k++) {
            const char *s = c->src.v[k];
            size_t l = strlen(s);
            if(l >= 2 && strcmp(s + l - 2, ".*") == 0) {
                char *base = sqlp_astrndup(p, s, l - 2);
                if(base)
                    sadd(p, out, sqlp_aconcat(p, base, '.', col), compose(how, c->src.how[k]));
            }
        }
    }
}

/* `path` (col.field...) in `it`: a base table's source is the whole path; a derived relation
 * has no fields of its own, so its column is followed. */
static void resolve_path_in_item(parser_t *p, const fitem_t *it, const char *path, unsigned how, sql_srcvec_t *out)
{
    const char *dot = strchr(path, '.');
    if(it->rel && dot) {
        char *base = sqlp_astrndup(p, path, (size_t)(dot - path));
        if(base)
            resolve_in_item(p, it, base, how, out);
        return;
    }
    resolve_in_item(p, it, path, how, out);
}

/* A qualifier that names no FROM item may be a struct field path (BigQuery, Snowflake,
 * Databricks): a prefix of it names the item (t.col.field, db.s.t.col.field), or its first part
 * is a column an item is known to have (col.field). 1 when resolved so. */
static int resolve_field_path(parser_t *p, scope_t *sc, const ref_t *r, sql_srcvec_t *out)
{
    const char *q = r->qual;
    const char *dot = strchr(q, '.');
    char buf[256];
    size_t qlen = dot ? strlen(q) : 0;
    for(size_t i = qlen < sizeof buf ? qlen : 0; i-- > 0;) {
        if(q[i] != '.')
            continue;
        memcpy(buf, q, i);
        buf[i] = '\0';
        fitem_t *it = sqlp_find_item(sc, buf);
        if(it) {
            const char *path = sqlp_aconcat(p, q + i + 1, '.', r->col);
            if(path)
                resolve_path_in_item(p, it, path, r->how, out);
            return 1;
        }
    }
    const char *first = q;
    if(dot) {
        if((size_t)(dot - q) >= sizeof buf)
            return 0;
        memcpy(buf, q, (size_t)(dot - q));
        buf[dot - q] = '\0';
        first = buf;
    }
    int found = 0;
    for(uint32_t i = 0; i < sc->n; i++) {
        if(item_knows(p, &sc->items[i], first) > 0) {
            const char *path = sqlp_aconcat(p, q, '.', r->col);
            if(path)
                resolve_path_in_item(p, &sc->items[i], path, r->how, out);
            found = 1;
        }
    }
    return found;
}

/* Resolve `r` in scope `sc`; what it cannot resolve goes to `bubble` (the enclosing query),
 * used there as `bubble_how`. */
void sqlp_resolve_ref(parser_t *p, scope_t *sc, const ref_t *r, sql_srcvec_t *out, sink_t *bubble, unsigned bubble_how)
{
    if(r->qual) {
        fitem_t *it = sqlp_find_item(sc, r->qual);
        if(it)
            resolve_in_item(p, it, r->col, r->how, out);
        else if(resolve_field_path(p, sc, r, out))
            return;
        else if(bubble)
            sqlp_sink_ref_how(p, bubble, r->qual, r->col, bubble_how ? compose(bubble_how, r->how) : r->how);
        return;
    }
    if(sc->n == 0) {
        if(bubble)
            sqlp_sink_ref_how(p, bubble, NULL, r->col, bubble_how ? compose(bubble_how, r->how) : r->how);
        return;
    }
    /* every item that has it; else the one item that may have it, when the others' columns
     * are all known */
    int any = 0, cand = -1, ncand = 0;
    for(uint32_t i = 0; i < sc->n && strcmp(r->col, "*") != 0; i++) {
        int k = item_knows(p, &sc->items[i], r->col);
        if(k > 0) {
            resolve_in_item(p, &sc->items[i], r->col, r->how, out);
            any = 1;
        } else if(k < 0) {
            cand = (int)i;
            ncand++;
        }
    }
    if(any)
        return;
    if(ncand == 1 && sc->n > 1) {
        resolve_in_item(p, &sc->items[cand], r->col, r->how, out);
        return;
    }
    if(sc->n == 1 && ncand == 0 && strcmp(r->col, "*") != 0) {
        /* the only item's columns are all known and this is none of them: an outer query's
         * column, or a name nothing here defines */
        if(bubble)
            sqlp_sink_ref_how(p, bubble, NULL, r->col, bubble_how ? compose(bubble_how, r->how) : r->how);
        else
            sadd(p, out, r->col, r->how);
    } else if(sc->n == 1)
        resolve_in_item(p, &sc->items[0], r->col, r->how, out);
    else if(strcmp(r->col, "*") == 0)
        for(uint32_t i = 0; i < sc->n; i++)
            resolve_in_item(p, &sc->items[i], "*", r->how, out);
    else
        sadd(p, out, r->col, r->how);
}

void sqlp_resolve_sink(parser_t *p, scope_t *sc, const sink_t *s, sql_srcvec_t *out, sink_t *bubble,
                       unsigned bubble_how)
{
    sqlp_sadd_all(p, out, &s->resolved, 0);
    for(uint32_t i = 0; i < s->n; i++)
        sqlp_resolve_ref(p, sc, &s->refs[i], out, bubble, bubble_how);
}

/* Output columns of `SELECT *` or `SELECT q.*` over one FROM item. */
void sqlp_expand_star(parser_t *p, const fitem_t *it, rel_t *out)
{
    if(it->rel) {
        for(uint32_t i = 0; i < it->rel->n; i++) {
            const outcol_t *c = &it->rel->cols[i];
            outcol_t *o = sqlp_rel_add(p, out, c->name, c->star);
            if(o)
                sqlp_sadd_all(p, &o->src, &c->src, 0);
        }
        return;
    }
    if(!it->table)
        return;
    size_t n = 0;
    char *const *cols = p->ctx->schema ? sql_schema_get(p->ctx->schema, it->table, &n) : NULL;
    if(cols) {
        /* names copied: a definition later in the statement may replace the schema's entry
         * (CREATE TABLE t AS SELECT * FROM t freed them under the output columns) */
        for(size_t i = 0; i < n; i++) {
            const char *name = sqlp_astrndup(p, cols[i], strlen(cols[i]));
            outcol_t *o = name ? sqlp_rel_add(p, out, name, 0) : NULL;
            if(o)
                sadd(p, &o->src, sqlp_aconcat(p, it->table, '.', cols[i]), SQL_HOW_IDENTITY);
        }
        return;
    }
    outcol_t *o = sqlp_rel_add(p, out, "*", 1);
    if(o)
        sadd(p, &o->src, sqlp_aconcat(p, it->table, '.', "*"), SQL_HOW_IDENTITY);
}

static unsigned char ascii_lower(unsigned char c)
{
    return (unsigned)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

int sqlp_in_list(const char *s, const char *const *list, size_t n)
{
    /* the first byte first (as strcasecmp folds it): most entries differ there, and every function
     * name of a date-like first letter is looked up here */
    unsigned char c0 = ascii_lower((unsigned char)s[0]);
    for(size_t i = 0; i < n; i++)
        if(ascii_lower((unsigned char)list[i][0]) == c0 && strcasecmp(s, list[i]) == 0)
            return 1;
    return 0;
}

int sqlp_tok_in_list(const parser_t *p, const sql_token_t *t, const char *const *list, size_t n)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    /* no strlen per entry, and most entries differ in the first byte */
    const char *s = p->src + t->off;
    char c0 = s[0] >= 'A' && s[0] <= 'Z' ? (char)(s[0] + 32) : s[0];
    for(size_t i = 0; i < n; i++) {
        const char *w = list[i];
        if(w[0] != c0)
            continue;
        uint32_t k = 1;
        while(k < t->len && (s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] + 32) : s[k]) == w[k])
            k++;
        if(k == t->len && w[k] == '\0')
            return 1;
    }
    return 0;
}

rel_t *sqlp_new_rel(parser_t *p)
{
    rel_t *r = sqlp_amalloc(p, sizeof *r);
    if(r)
        memset(r, 0, sizeof *r);
    return r;
}

static const char *const quiet_words[] = {
    "use",       "set",       "show",     "desc",      "describe", "explain",   "analyze", "analyse",    "add",
    "grant",     "revoke",    "comment",  "vacuum",    "optimize", "refresh",   "cache",   "uncache",    "msck",
    "commit",    "rollback",  "start",    "savepoint", "release",  "lock",      "unlock",  "print",      "raiserror",
    "throw",     "raise",     "return",   "declare",   "open",     "close",     "fetch",   "deallocate", "prepare",
    "list",      "get",       "put",      "remove",    "export",   "import",    "reset",   "checkpoint", "cluster",
    "reindex",   "discard",   "listen",   "notify",    "kill",     "flush",     "setuser", "waitfor",    "dbcc",
    "backup",    "restore",   "attach",   "detach",    "install",  "load",      "pragma",  "summarize",  "undrop",
    "delimiter", "exit",      "continue", "break",     "leave",    "iterate",   "end",     "else",       "elsif",
    "elseif",    "exception", "when",     "then",      "loop",     "if",        "while",   "begin",      "go",
    "do",        "repeat",    "until",    "for",       "foreach",  "case",      "null",    "abort",      "deny",
    "enable",    "disable",   "audit",    "noaudit",   "purge",    "flashback", "unset",   "source",     "signal",
    "resignal",  "handler",   "reload",   "shutdown",  "sync",     "truncate",  "goto",    "label",      "assert",
    "execute",
};

/* Outside T-SQL the splitter cuts top-level control flow at each `;`: these start a piece that
 * may hold statements (ELSE INSERT .., WHILE c DO INSERT .., FOR r IN (..) LOOP ..). */
static const char *const branch_words[] = {
    "else", "elsif", "elseif", "exception", "when", "then", "loop", "do", "repeat", "for", "foreach",
};

/* T-SQL options start a line with WITH too (WITH (ONLINE = ON), WITH FILLFACTOR = 80, a CTAS's
 * WITH (DISTRIBUTION = ..)): only WITH name AS|( starts a query. */
static int with_starts_query(const parser_t *p, const sql_token_t *t)
{
    size_t i = (size_t)(t - p->toks);
    if(t < p->toks || i + 2 >= p->n)
        return 1;
    const sql_token_t *name = &p->toks[i + 1], *after = &p->toks[i + 2];
    return is_name_tok(name) && (t_kw(after, SQL_KW_AS) || t_op(p, after, '('));
}

int sqlp_is_stmt_start(const parser_t *p, const sql_token_t *t)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    if(t_kw(t, SQL_KW_WITH) && p->d == SQL_DIALECT_TSQL && !with_starts_query(p, t))
        return 0;
    if(t_flags(t) & SQL_KW_T)
        return 1;
    /* other dialects' control flow: in T-SQL these words only go on with a statement
     * (FOR XML, FOR VALUES, CASE .. WHEN .. THEN, NULL) */
    static const char *const not_tsql[] = {"for",    "foreach",   "loop", "do",   "repeat", "until", "elsif",
                                           "elseif", "exception", "when", "then", "case",   "null"};
    if(p->d == SQL_DIALECT_TSQL && sqlp_tok_in_list(p, t, not_tsql, sizeof not_tsql / sizeof not_tsql[0]))
        return 0;
    return sqlp_tok_in_list(p, t, quiet_words, sizeof quiet_words / sizeof quiet_words[0]) || t_word(p, t, "rename") ||
           t_word(p, t, "unload") || t_word(p, t, "upsert") || t_kw(t, SQL_KW_COPY);
}

/* To the end of the statement: `;` at depth 0, or in T-SQL a statement keyword starting a line. */
void sqlp_skip_statement(parser_t *p)
{
    int depth = 0;
    size_t start = p->pos;
    while(p->pos < p->n) {
        const sql_token_t *t = cur(p);
        if(depth == 0 && (t_op(p, t, ';') || (p->in_parens && t_op(p, t, ')'))))
            return;
        if(depth == 0 && p->pos > start && p->d == SQL_DIALECT_TSQL && (t->flags & SQL_TOKF_NL_BEFORE) &&
           sqlp_is_stmt_start(p, t) && !t_kw(t, SQL_KW_SET))
            return;
        /* a CASE's ELSE and END start no statement, after an error inside it either */
        if(t_op(p, t, '(') || t_kw(t, SQL_KW_BEGIN) || t_kw(t, SQL_KW_CASE))
            depth++;
        else if((t_op(p, t, ')') || t_kw(t, SQL_KW_END)) && depth > 0)
            depth--;
        next(p);
    }
}

/* Rest of a statement whose shape we do not model, keeping the tables its subqueries read. */
void sqlp_skim_statement(parser_t *p)
{
    /* parentheses opened here: a T-SQL statement keyword starting a line inside them
     * (a computed column's CASE) starts no statement */
    int depth = 0;
    while(!at_end(p) && !is_op(p, ';') && !(p->in_parens && is_op(p, ')'))) {
        /* a data-modifying CTE's RETURNING (after ON CONFLICT ..): its rows are read on */
        if(p->returned && depth == 0 && is_kw(p, SQL_KW_RETURNING))
            return;
        if(is_op(p, '(') && sqlp_paren_is_query(p, 1)) {
            sqlp_parse_query(p, NULL);
            continue;
        }
        if(p->in_parens && is_op(p, '(')) {
            sqlp_skip_group(p);
            continue;
        }
        if(p->d == SQL_DIALECT_TSQL && depth == 0 && (cur(p)->flags & SQL_TOKF_NL_BEFORE) &&
           sqlp_is_stmt_start(p, cur(p)))
            return;
        depth += is_op(p, '(');
        depth -= is_op(p, ')') && depth > 0;
        next(p);
    }
}

/* The variables a script declared so far (sql_schema_vars) are the parser's. */
static void script_vars(parser_t *p)
{
    size_t n = 0;
    const char *const *v = p->ctx->schema ? sql_schema_vars(p->ctx->schema, &n) : NULL;
    if(n) {
        p->vars = (const char **)v;
        p->nvars = p->capvars = (uint32_t)n; /* a routine's own go to a copy */
    }
}

/* A script's DECLARE [OR REPLACE] [VARIABLE] a, b type ..; (BigQuery, Spark): the names are
 * variables of the statements after it; a cursor is none. */
static void note_script_vars(parser_t *p)
{
    size_t k = p->pos + 1;
    if(t_word(p, &p->toks[k < p->n ? k : p->pos], "or") && k + 1 < p->n && t_kw(&p->toks[k + 1], SQL_KW_REPLACE))
        k += 2;
    if(k < p->n && t_word(p, &p->toks[k], "variable") && k + 1 < p->n && is_name_tok(&p->toks[k + 1]))
        k++;
    for(size_t m = k + 1; m < p->n && m < k + 4; m++)
        if(t_word(p, &p->toks[m], "cursor"))
            return; /* DECLARE c [NO] [SCROLL] CURSOR FOR .. */
    for(; k < p->n && is_name_tok(&p->toks[k]) && !(t_flags(&p->toks[k]) & SQL_KW_R); k += 2) {
        char *name = sqlp_norm(p, &p->toks[k]);
        if(name && p->ctx->schema && sql_schema_add_var(p->ctx->schema, name)) {
            sqlp_oom(p);
            return;
        }
        if(k + 1 >= p->n || !t_op(p, &p->toks[k + 1], ','))
            break;
    }
    script_vars(p);
}

static int is_label(const parser_t *p)
{
    static const char *const block_words[] = {"begin", "loop", "while", "repeat"};
    const sql_token_t *colon = peek(p, 1);
    if(!is_name_tok(cur(p)))
        return 0;
    if(t_op(p, colon, ':'))
        return sqlp_tok_in_list(p, peek(p, 2), block_words, sizeof block_words / sizeof block_words[0]);
    /* label:BEGIN lexes as the name and a variable `:BEGIN` */
    if(colon->type != SQL_TOK_VAR || p->src[colon->off] != ':' || colon->off != cur(p)->off + cur(p)->len)
        return 0;
    sql_token_t word = *colon;
    word.off++;
    word.len--;
    word.type = SQL_TOK_WORD;
    return sqlp_tok_in_list(p, &word, block_words, sizeof block_words / sizeof block_words[0]);
}

/* Statements that start with BEGIN or END but are no block: a transaction's BEGIN [TRAN|TRANSACTION|
 * WORK|DISTRIBUTED ..] (BEGIN; too, but in T-SQL, where it opens a block; Snowflake's BEGIN NAME t),
 * T-SQL's BEGIN DIALOG, BEGIN CONVERSATION TIMER and END CONVERSATION (and SEND ON CONVERSATION,
 * which the dialog's block had swallowed). Taken as blocks, they reported nothing (statement
 * accounting, tests/unit/test_sql_accounting.c). Their kind, or NULL. */
static const char *begin_end_statement(const parser_t *p)
{
    const sql_token_t *t = cur(p), *after = peek(p, 1);
    int tsql = p->d == SQL_DIALECT_TSQL;
    if(tsql && t_word(p, t, "send") && t_kw(after, SQL_KW_ON))
        return "send";
    if(t_kw(t, SQL_KW_END))
        return tsql && t_word(p, after, "conversation") ? "end_conversation" : NULL;
    if(!t_kw(t, SQL_KW_BEGIN))
        return NULL;
    if(t_word(p, after, "tran") || t_word(p, after, "transaction") || t_word(p, after, "work") ||
       t_word(p, after, "distributed") || (!tsql && (t_op(p, after, ';') || after->type == SQL_TOK_EOF)) ||
       (p->d == SQL_DIALECT_SNOWFLAKE && t_word(p, after, "name")))
        return "begin_transaction";
    if(tsql && t_word(p, after, "dialog"))
        return "begin_dialog";
    if(tsql && t_word(p, after, "conversation"))
        return "begin_conversation_timer";
    return NULL;
}

void sqlp_parse_statement(parser_t *p)
{
    const sql_token_t *t = cur(p);
    /* TABLE t: the standard's short SELECT * FROM t (Postgres, MySQL 8, Spark); MAP|REDUCE ..
     * USING 'script': Hive's transforms */
    if(t_op(p, t, '(') || t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_VALUES) || sqlp_table_query_at(p, 0) ||
       sqlp_transform_at(p, 0)) {
        sqlp_parse_select_stmt(p);
        return;
    }
    if((t_kw(t, SQL_KW_PIVOT) || t_kw(t, SQL_KW_UNPIVOT)) && is_part_tok(peek(p, 1))) {
        /* DuckDB PIVOT t ON .. USING ..: a query over t */
        sqlp_set_kind(p, "select");
        next(p);
        qname_t q;
        if(sqlp_parse_qname(p, &q) && !(q.nparts == 1 && sqlp_find_cte(p, q.full)))
            sqlp_add_read(p, q.full);
        sqlp_skim_statement(p);
        return;
    }
    if(t_kw(t, SQL_KW_WITH)) {
        cte_t *saved = p->ctes;
        sqlp_parse_with(p);
        if(p->err)
            return;
        t = cur(p);
        if(t_kw(t, SQL_KW_SELECT) || t_op(p, t, '(') || t_kw(t, SQL_KW_VALUES) || sqlp_table_query_at(p, 0) ||
           sqlp_duckdb_pivot_at(p, 0)) {
            sqlp_parse_select_stmt(p);
        } else if(t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_UPDATE) || t_kw(t, SQL_KW_DELETE) || t_kw(t, SQL_KW_MERGE) ||
                  t_kw(t, SQL_KW_REPLACE) || t_kw(t, SQL_KW_FROM)) {
            /* FROM: Hive's WITH c AS (..) FROM c INSERT .. */
            sqlp_parse_statement(p);
        } else {
            sqlp_fail(p, "expected a statement after WITH");
        }
        p->ctes = saved;
        return;
    }
    /* administration without lineage, only where a statement starts (not statement words of
     * T-SQL's lines): Teradata's MODIFY USER, HELP, COLLECT STATISTICS, DUMP EXPLAIN .., T-SQL's
     * REVERT, RECONFIGURE and UPDATE STATISTICS t, Oracle's [DIS]ASSOCIATE STATISTICS */
    static const char *const admin_words[] = {"modify", "help",   "initiate",    "collect",   "logging",
                                              "dump",   "revert", "reconfigure", "associate", "disassociate"};
    int update_statistics = p->d == SQL_DIALECT_TSQL && t_kw(t, SQL_KW_UPDATE) && t_word(p, peek(p, 1), "statistics") &&
                            !t_kw(peek(p, 2), SQL_KW_SET) && !t_kw(peek(p, 3), SQL_KW_SET);
    const sql_token_t *after = peek(p, 1);
    if(update_statistics ||
       ((is_name_tok(after) || after->type == SQL_TOK_STRING || after->type == SQL_TOK_EOF || t_op(p, after, ';')) &&
        sqlp_tok_in_list(p, t, admin_words, sizeof admin_words / sizeof admin_words[0]))) {
        sqlp_set_kind(p, update_statistics ? "update_statistics" : sqlp_norm(p, t));
        next(p);
        sqlp_skip_statement(p);
        return;
    }
    const char *other = begin_end_statement(p);
    if(other) {
        sqlp_set_kind(p, other);
        next(p);
        sqlp_skip_statement(p);
        return;
    }
    switch(t->type == SQL_TOK_WORD ? t->kw : SQL_KW_NONE) {
    case SQL_KW_INSERT: sqlp_parse_insert(p); return;
    case SQL_KW_REPLACE:
        if(t_kw(peek(p, 1), SQL_KW_INTO) || is_name_tok(peek(p, 1))) {
            sqlp_parse_insert(p);
            return;
        }
        break;
    case SQL_KW_UPDATE: sqlp_parse_update(p); return;
    case SQL_KW_DELETE: sqlp_parse_delete(p); return;
    case SQL_KW_MERGE: sqlp_parse_merge(p); return;
    case SQL_KW_CREATE: sqlp_parse_create(p); return;
    case SQL_KW_ALTER: sqlp_parse_alter(p); return;
    case SQL_KW_DROP: sqlp_parse_drop(p); return;
    case SQL_KW_TRUNCATE: sqlp_parse_truncate(p); return;
    case SQL_KW_COPY: sqlp_parse_copy(p); return;
    case SQL_KW_EXEC:
    case SQL_KW_EXECUTE:
    case SQL_KW_CALL: sqlp_parse_call(p); return;
    case SQL_KW_FROM: sqlp_parse_from_first(p); return;
    case SQL_KW_BEGIN:
    case SQL_KW_IF:
    case SQL_KW_WHILE: sqlp_parse_block(p); return;
    case SQL_KW_DECLARE:
        if(p->d == SQL_DIALECT_ORACLE || p->d == SQL_DIALECT_SNOWFLAKE || SQL_DIALECT_IS_PG(p->d)) {
            sqlp_parse_block(p);
            return;
        }
        if(p->d != SQL_DIALECT_TSQL && p->d != SQL_DIALECT_MYSQL && !p->in_body)
            note_script_vars(p);
        break;
    default: break;
    }
    if(t_word(p, t, "upsert")) {
        sqlp_parse_insert(p);
        return;
    }
    if(p->d == SQL_DIALECT_MYSQL && is_label(p)) {
        /* MySQL label: BEGIN|LOOP|WHILE|REPEAT .. END .. label */
        p->pos += t_op(p, peek(p, 1), ':') ? 2 : 1;
        sqlp_parse_block(p);
        return;
    }
    if(p->d == SQL_DIALECT_SNOWFLAKE && t_word(p, t, "let") && is_name_tok(peek(p, 1))) {
        /* Snowflake scripting LET c CURSOR FOR SELECT .., LET x := (..): as DECLARE */
        sqlp_parse_block(p);
        return;
    }
    if(t_word(p, t, "bulk") && t_kw(peek(p, 1), SQL_KW_INSERT)) {
        /* T-SQL BULK INSERT t FROM 'file' WITH (..) */
        sqlp_parse_load(p);
        return;
    }
    if(t_word(p, t, "else") && p->d == SQL_DIALECT_TSQL) {
        sqlp_parse_block(p);
        return;
    }
    if(t_word(p, t, "rename")) {
        sqlp_parse_rename(p);
        return;
    }
    if(t_word(p, t, "unload")) {
        sqlp_parse_unload(p);
        return;
    }
    if(t_word(p, t, "load") && !p->in_body) {
        sqlp_parse_load(p);
        return;
    }
    if(t_word(p, t, "do") && peek(p, 1)->type == SQL_TOK_STRING) {
        sqlp_set_kind(p, "block");
        next(p);
        int split = sqlp_begin_split(p);
        char *body = sqlp_string_value(p, cur(p));
        if(body)
            sqlp_parse_embedded(p, body, strlen(body), cur(p));
        sqlp_end_split(p, split);
        next(p);
        sqlp_skim_statement(p);
        return;
    }
    if(p->d != SQL_DIALECT_TSQL && sqlp_tok_in_list(p, t, branch_words, sizeof branch_words / sizeof branch_words[0])) {
        sqlp_parse_block(p);
        return;
    }
    if(t_word(p, t, "refresh") && t_word(p, peek(p, 1), "materialized") && t_word(p, peek(p, 2), "view")) {
        /* REFRESH MATERIALIZED VIEW [CONCURRENTLY] v: v's rows are computed again, a write */
        sqlp_set_kind(p, "refresh");
        p->pos += 3;
        accept_word(p, "concurrently");
        qname_t q;
        if(sqlp_parse_qname(p, &q))
            sqlp_add_write(p, q.full);
        sqlp_skim_statement(p);
        return;
    }
    if(sqlp_tok_in_list(p, t, quiet_words, sizeof quiet_words / sizeof quiet_words[0])) {
        /* no lineage of their own, but SET x = (SELECT ..) still reads */
        sqlp_set_kind(p, sqlp_norm(p, t));
        next(p);
        /* EXPLAIN [PLAN .. FOR] q and DESCRIBE name the statement without running it (ANALYZE runs it) */
        if((t_word(p, t, "explain") || t_word(p, t, "desc") || t_word(p, t, "describe")) && !is_word(p, "analyze") &&
           !is_word(p, "analyse"))
            sqlp_skip_statement(p);
        else
            sqlp_skim_statement(p);
        return;
    }
    if(t->type == SQL_TOK_VAR && p->src[t->off] == ':' && SQL_DIALECT_IS_PG(p->d)) {
        /* psql's `\set q 'INSERT ..'` then `:q;`: the statement is the variable's text, which the
         * client substitutes; like `\i`, its lineage is where we do not read */
        sqlp_fail(p, "statement in a psql variable not parsed (a client command)");
        return;
    }
    sqlp_fail(p, "unsupported statement");
}

static void init_parser(parser_t *p, const sql_parse_ctx_t *ctx, const char *src, const sql_token_t *toks, size_t n)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->src = src;
    p->toks = toks;
    p->n = n;
    p->a = ctx->arena;
    p->d = ctx->dialect;
    p->eof.type = SQL_TOK_EOF;
    if(n) {
        p->eof.off = toks[n - 1].off + toks[n - 1].len;
        p->eof.line = toks[n - 1].line;
        p->eof.col = toks[n - 1].col + toks[n - 1].len;
    }
}

static int report(parser_t *p, const sql_token_t *t, const char *msg)
{
    if(!p->ctx->on_error)
        return 0;
    char text[160];
    if(t->type == SQL_TOK_EOF)
        snprintf(text, sizeof text, "%s at end of statement", msg);
    else
        snprintf(text, sizeof text, "%s near '%.*s'", msg, (int)(t->len > 40 ? 40 : t->len), p->src + t->off);
    return p->ctx->on_error(p->ctx->ud, t->line, t->col, text);
}

/* An error at the end of a statement that left a `(` open is reported where that `(` is (the
 * innermost one): the statement ran on to a `;` or to the next statement's first line. 1 when
 * reported, 0 when every `(` was closed, else the error callback's error. */
static int report_unclosed(parser_t *p, size_t start, const char *msg)
{
    size_t depth = 0, i = p->n;
    while(i > start) {
        const sql_token_t *t = &p->toks[--i];
        if(t_op(p, t, ')')) {
            depth++;
        } else if(t_op(p, t, '(') && depth > 0) {
            depth--;
        } else if(t_op(p, t, '(')) {
            if(!p->ctx->on_error)
                return 1;
            char text[160];
            snprintf(text, sizeof text, "'(' not closed (%s at end of statement)", msg);
            int rc = p->ctx->on_error(p->ctx->ud, t->line, t->col, text);
            return rc ? rc : 1;
        }
    }
    return 0;
}

/* SQL inside a string ($$ body $$, EXECUTE IMMEDIATE '..', UNLOAD ('..')): lex it and
 * collect its lineage into the current statement. Non-zero on a fatal error. */
int sqlp_parse_embedded(parser_t *p, const char *text, size_t len, const sql_token_t *at)
{
    if(!sqlp_enter(p))
        return 0;
    sql_lexer_t lx;
    sql_lexer_init(&lx, text, len, p->d, 1);
    sql_token_t *toks = NULL;
    uint32_t n = 0, cap = 0;
    for(;;) {
        sql_token_t t;
        if(sql_lexer_next(&lx, &t) || t.type == SQL_TOK_EOF)
            break;
        if(t.type == SQL_TOK_COMMENT || sql_tok_is_jinja_block(&t, text))
            continue;
        if(t.line == 1)
            t.col += at->col;
        t.line += at->line - 1;
        if(!sqlp_grow(p, (void **)&toks, n, &cap, sizeof *toks))
            return 1;
        toks[n++] = t;
    }
    sql_tokens_dialect_words(p->d, toks, n, text);
    parser_t sub;
    init_parser(&sub, p->ctx, text, toks, n);
    sub.st = p->st;
    sub.feeds = p->flow ? p->flow : p->feeds;
    sub.in_body = 1;
    sub.split = p->split;
    sub.into_vars = p->into_vars;
    sub.depth = p->depth;
    sub.vars = p->vars;
    sub.nvars = sub.capvars = p->nvars; /* the sub-parser's own go to a copy */
    sqlp_parse_body(&sub);
    sqlp_leave(p);
    if(sub.err == SQL_ERR_NOMEM) {
        p->stop = sub.stop;
        sqlp_oom(p);
        return 1;
    }
    return 0;
}

static const char *const control_words[] = {
    "end",  "else",   "elsif", "elseif", "exception", "when",  "then",    "loop",    "go",
    "do",   "repeat", "until", "begin",  "if",        "while", "for",     "foreach", "case",
    "null", "label",  "goto",  "break",  "continue",  "leave", "iterate", "exit",
};

static int worth_emitting(const parser_t *p, const sql_stmt_t *st, const sql_token_t *first)
{
    if(!st->kind)
        return 0;
    int lineage = st->reads.n || st->writes.n || st->read_paths.n || st->write_paths.n || st->calls.n || st->drops.n ||
                  st->rename_from.n;
    if(lineage)
        return 1;
    if(strcmp(st->kind, "block") == 0)
        return 0;
    /* a control word alone (END IF, NULL) is no statement; BEGIN TRANSACTION, END CONVERSATION are */
    return !sqlp_tok_in_list(p, first, control_words, sizeof control_words / sizeof control_words[0]) ||
           !t_word(p, first, st->kind);
}

sql_stmt_t *sqlp_new_stmt(parser_t *p, const sql_token_t *first)
{
    sql_stmt_t *st = sql_arena_alloc(p->a, sizeof *st);
    if(!st) {
        sqlp_oom(p);
        return NULL;
    }
    memset(st, 0, sizeof *st);
    st->line = first->line;
    st->col = first->col;
    /* many join/filter columns per statement: merged once, when viewed */
    st->indirect.lazy = 1;
    p->st = st;
    p->ctes = NULL;
    p->in_body = 0;
    p->dml_target = p->dml_table = NULL;
    p->ind = NULL;
    p->clause_how = p->outer_how = 0;
    p->cond = p->win = p->agg = p->in_setop = 0;
    return st;
}

int sqlp_emit(parser_t *p, sql_stmt_t *st, const sql_token_t *first)
{
    if(!worth_emitting(p, st, first) || !p->ctx->on_stmt)
        return 0;
    return p->ctx->on_stmt(p->ctx->ud, st);
}

/* A statement ended without `;` before `t`: `t` starts the next one when it can start a statement
 * there. A word that only goes on with a block or an expression (`SELECT x case FROM t`, `.. END`)
 * would start a block that reports nothing, losing the rest silently: it is an error instead.
 * T-SQL needs no `;`, so its control flow (IF, WHILE, BEGIN, ELSE, GOTO ..) follows statements. */
static int starts_next_statement(const parser_t *p, const sql_token_t *t)
{
    static const char *const tsql_flow[] = {"begin", "if", "while", "else", "goto", "break", "continue", "go"};
    if(!sqlp_is_stmt_start(p, t))
        return 0;
    if(!sqlp_tok_in_list(p, t, control_words, sizeof control_words / sizeof control_words[0]))
        return 1;
    return p->d == SQL_DIALECT_TSQL && sqlp_tok_in_list(p, t, tsql_flow, sizeof tsql_flow / sizeof tsql_flow[0]);
}

int sql_parse_tokens(const sql_parse_ctx_t *ctx, const char *src, const sql_token_t *toks, size_t n)
{
    parser_t p;
    init_parser(&p, ctx, src, toks, n);
    script_vars(&p);
    while(p.pos < p.n) {
        const sql_token_t *t = cur(&p);
        if(t_op(&p, t, ';') || t->type == SQL_TOK_TEMPLATE || t_op(&p, t, '/')) {
            next(&p);
            continue;
        }
        sql_stmt_t *st = sqlp_new_stmt(&p, t);
        if(!st)
            return SQL_ERR_NOMEM;
        p.depth = 0;
        p.err = 0;
        p.split = 0;
        p.into_vars = 0;
        size_t start = p.pos;
        sqlp_parse_statement(&p);
        if(p.err == SQL_ERR_NOMEM)
            return p.stop ? p.stop : SQL_ERR_NOMEM;
        if(!p.err && p.pos < p.n && !t_op(&p, cur(&p), ';') && !starts_next_statement(&p, cur(&p)))
            sqlp_fail(&p, "unexpected token");
        if(p.err) {
            const sql_token_t *e = p.err_pos < p.n ? &p.toks[p.err_pos] : &p.eof;
            int rc = e->type == SQL_TOK_EOF ? report_unclosed(&p, start, p.err_msg) : 0;
            if(rc == 0)
                rc = report(&p, e, p.err_msg);
            else if(rc == 1)
                rc = 0;
            if(rc)
                return rc;
            p.err = 0;
            if(p.pos <= start)
                p.pos = start + 1;
            sqlp_skip_statement(&p);
        }
        int rc = sqlp_emit(&p, st, t);
        if(rc)
            return rc;
        if(ctx->on_unit) {
            const sql_token_t *last = &p.toks[(p.pos > start ? p.pos : start + 1) - 1];
            if((rc = ctx->on_unit(ctx->ud, t->off, last->off + last->len, st->kind)))
                return rc;
        }
    }
    return 0;
}
