#include "sql/parser.h"

#include "sql/error.h"
#include "sql/keywords.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A column reference seen in an expression, resolved once the FROM clause is known. */
typedef struct ref {
    const char *qual; /* NULL when unqualified */
    const char *col;  /* "*" for a star */
    unsigned how;     /* SQL_HOW_* of the place it was seen */
} ref_t;

/* Where an expression's column references and already-resolved sources go. */
typedef struct sink {
    ref_t *refs;
    uint32_t n, cap;
    sql_srcvec_t resolved;
} sink_t;

typedef struct outcol {
    const char *name;
    sql_srcvec_t src;
    int star;
} outcol_t;

/* Output columns of a query, subquery or CTE. */
typedef struct rel {
    outcol_t *cols;
    uint32_t n, cap;
    int setop;
} rel_t;

/* One FROM item: a base table, a derived relation, or something opaque (function, VALUES). */
typedef struct fitem {
    const char *alias;
    const char *table;
    rel_t *rel;
} fitem_t;

typedef struct scope {
    fitem_t *items;
    uint32_t n, cap;
} scope_t;

typedef struct cte {
    const char *name;
    rel_t *rel;
    int pending;
    int self_ref;
    struct cte *next;
} cte_t;

typedef struct qname {
    const char *full;
    const char *last;
    const char *first;
    int nparts;
    int last_quoted;
} qname_t;

typedef struct parser {
    const sql_parse_ctx_t *ctx;
    const char *src;
    const sql_token_t *toks;
    size_t n;
    size_t pos;
    sql_token_t eof;
    sql_arena_t *a;
    sql_dialect_t d;
    int err;
    size_t err_pos;
    const char *err_msg;
    int depth;
    sql_stmt_t *st;
    cte_t *ctes;
    int in_body;
    /* UPDATE/DELETE target as written: the FROM item it names is written, not read */
    const char *dml_target;
    const char *dml_table;
    /* where the expression being parsed sits: a clause feeding every output (SQL_HOW_JOIN..SORT),
     * CASE conditions, window specs and aggregate arguments */
    unsigned clause_how;
    int cond, win, agg;
    /* how the enclosing expression uses the query being parsed */
    unsigned outer_how;
    /* the innermost SELECT's join, filter, grouping and sorting columns */
    sink_t *ind;
    /* T-SQL SELECT .. INTO: the table the statement's rows go to */
    const char *into_table;
    /* parsing an operand after UNION/INTERSECT/EXCEPT */
    int in_setop;
} parser_t;

static rel_t *parse_query(parser_t *p, sink_t *outer);
static void parse_expr(parser_t *p, sink_t *sink);
static void parse_loose(parser_t *p, sink_t *sink, char close, const char *fname);
static void parse_statement(parser_t *p);
static void parse_table_ref(parser_t *p, scope_t *sc);
static void parse_body(parser_t *p);
static const char *item_name(parser_t *p, size_t start, size_t end);
static void parse_select_stmt(parser_t *p);

/* ---- tokens ---- */

static inline const sql_token_t *cur(const parser_t *p)
{
    return p->pos < p->n ? &p->toks[p->pos] : &p->eof;
}

static inline const sql_token_t *peek(const parser_t *p, size_t k)
{
    return p->pos + k < p->n ? &p->toks[p->pos + k] : &p->eof;
}

static inline void next(parser_t *p)
{
    if(p->pos < p->n)
        p->pos++;
}

static int at_end(const parser_t *p)
{
    return p->pos >= p->n || p->err;
}

static inline int t_kw(const sql_token_t *t, sql_kw_t kw)
{
    return t->type == SQL_TOK_WORD && t->kw == kw;
}

static inline int t_op(const parser_t *p, const sql_token_t *t, char c)
{
    return sql_tok_is_op(t, p->src, c);
}

static inline int t_ops(const parser_t *p, const sql_token_t *t, const char *op)
{
    size_t l = strlen(op);
    return t->type == SQL_TOK_OP && t->len == l && memcmp(p->src + t->off, op, l) == 0;
}

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE int t_word(const parser_t *p, const sql_token_t *t, const char *w)
{
    size_t l = strlen(w);
    if(t->type != SQL_TOK_WORD || t->len != l)
        return 0;
    /* words compared here are lower-case ASCII */
    for(size_t i = 0; i < l; i++) {
        char c = p->src[t->off + i];
        if((c >= 'A' && c <= 'Z' ? (char)(c + 32) : c) != w[i])
            return 0;
    }
    return 1;
}

static inline unsigned t_flags(const sql_token_t *t)
{
    return t->type == SQL_TOK_WORD ? sql_keyword_flags((sql_kw_t)t->kw) : 0;
}

static inline int is_kw(const parser_t *p, sql_kw_t kw)
{
    return t_kw(cur(p), kw);
}

static inline int is_op(const parser_t *p, char c)
{
    return t_op(p, cur(p), c);
}

static ALWAYS_INLINE int is_word(const parser_t *p, const char *w)
{
    return t_word(p, cur(p), w);
}

static int accept_kw(parser_t *p, sql_kw_t kw)
{
    if(!is_kw(p, kw))
        return 0;
    next(p);
    return 1;
}

static int accept_op(parser_t *p, char c)
{
    if(!is_op(p, c))
        return 0;
    next(p);
    return 1;
}

static ALWAYS_INLINE int accept_word(parser_t *p, const char *w)
{
    if(!is_word(p, w))
        return 0;
    next(p);
    return 1;
}

static void fail(parser_t *p, const char *msg)
{
    if(p->err)
        return;
    p->err = SQL_ERR_SYNTAX;
    p->err_pos = p->pos;
    p->err_msg = msg;
}

static void oom(parser_t *p)
{
    p->err = SQL_ERR_NOMEM;
    p->err_pos = p->pos;
    p->err_msg = "out of memory";
}

static void expect_op(parser_t *p, char c, const char *msg)
{
    if(!accept_op(p, c))
        fail(p, msg);
}

/* Enter one nesting level; 0 when the limit is hit (the error is set). */
static int enter(parser_t *p)
{
    if(++p->depth > SQL_MAX_DEPTH) {
        if(!p->err) {
            p->err = SQL_ERR_DEPTH;
            p->err_pos = p->pos;
            p->err_msg = "nesting too deep";
        }
        return 0;
    }
    return 1;
}

static void leave(parser_t *p)
{
    p->depth--;
}

/* Skip a balanced (...) or [...] group starting at the current token. */
static void skip_group(parser_t *p)
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

/* ---- arena helpers ---- */

static void *amalloc(parser_t *p, size_t size)
{
    void *m = sql_arena_alloc(p->a, size);
    if(!m)
        oom(p);
    return m;
}

static char *astrndup(parser_t *p, const char *s, size_t n)
{
    char *m = sql_arena_strndup(p->a, s, n);
    if(!m)
        oom(p);
    return m;
}

static char *aconcat(parser_t *p, const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *m = amalloc(p, la + ls + lb + 1);
    if(!m)
        return NULL;
    memcpy(m, a, la);
    memcpy(m + la, sep, ls);
    memcpy(m + la + ls, b, lb + 1);
    return m;
}

int sql_strvec_add(sql_arena_t *a, sql_strvec_t *v, const char *s)
{
    for(uint32_t i = 0; i < v->n; i++)
        if(strcmp(v->v[i], s) == 0)
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

static void vadd(parser_t *p, sql_strvec_t *v, const char *s)
{
    if(s && sql_strvec_add(p->a, v, s))
        oom(p);
}

int sql_srcvec_add(sql_arena_t *a, sql_srcvec_t *v, const char *s, unsigned how)
{
    for(uint32_t i = 0; i < v->n; i++) {
        if(strcmp(v->v[i], s) == 0) {
            unsigned old = v->how[i], d = old & SQL_HOW_DIRECT;
            if((how & SQL_HOW_DIRECT) > d)
                d = how & SQL_HOW_DIRECT;
            v->how[i] = (uint8_t)(d | ((old | how) & ~(unsigned)SQL_HOW_DIRECT));
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
        oom(p);
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

static void sadd_all(parser_t *p, sql_srcvec_t *dst, const sql_srcvec_t *src, unsigned outer)
{
    for(uint32_t i = 0; i < src->n; i++)
        sadd(p, dst, src->v[i], outer ? compose(outer, src->how[i]) : src->how[i]);
}

/* Grow an arena array of `elem`-sized items to hold one more. */
static int grow(parser_t *p, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    if(n < *cap)
        return 1;
    uint32_t nc = *cap ? *cap * 2 : 4;
    void *m = amalloc(p, nc * elem);
    if(!m)
        return 0;
    if(n)
        memcpy(m, *arr, n * elem);
    *arr = m;
    *cap = nc;
    return 1;
}

/* How a column seen now is used, from the clause and expression around it. */
static unsigned cur_how(const parser_t *p)
{
    if(p->clause_how)
        return p->clause_how;
    if(p->cond || p->win)
        return (p->cond ? SQL_HOW_CONDITIONAL : 0u) | (p->win ? SQL_HOW_WINDOW : 0u);
    return p->agg ? SQL_HOW_AGGREGATION : SQL_HOW_TRANSFORMATION;
}

static void sink_ref_how(parser_t *p, sink_t *s, const char *qual, const char *col, unsigned how)
{
    if(!s || !col)
        return;
    if(!grow(p, (void **)&s->refs, s->n, &s->cap, sizeof *s->refs))
        return;
    s->refs[s->n].qual = qual;
    s->refs[s->n].col = col;
    s->refs[s->n].how = how;
    s->n++;
}

static void sink_ref(parser_t *p, sink_t *s, const char *qual, const char *col)
{
    sink_ref_how(p, s, qual, col, cur_how(p));
}

static outcol_t *rel_add(parser_t *p, rel_t *r, const char *name, int star)
{
    if(!grow(p, (void **)&r->cols, r->n, &r->cap, sizeof *r->cols))
        return NULL;
    outcol_t *c = &r->cols[r->n++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->star = star;
    return c;
}

static fitem_t *scope_add(parser_t *p, scope_t *sc)
{
    if(!grow(p, (void **)&sc->items, sc->n, &sc->cap, sizeof *sc->items))
        return NULL;
    fitem_t *it = &sc->items[sc->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* ---- names ---- */

static int is_quoted_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_QUOTED || t->type == SQL_TOK_STRING;
}

/* Text of a string literal without its prefix, quotes and escapes ('it''s', E'a\\n', $$x$$). */
static char *string_value(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len, i = 0;
    int unterminated = (t->flags & SQL_TOKF_UNTERMINATED) != 0;
    if(s[0] == '$') {
        const char *d = len > 1 ? memchr(s + 1, '$', len - 1) : NULL;
        size_t tl = d ? (size_t)(d - s) + 1 : len;
        size_t end = unterminated || len < 2 * tl ? len : len - tl;
        return astrndup(p, s + tl, end > tl ? end - tl : 0);
    }
    while(i < len && s[i] != '\'' && s[i] != '"')
        i++;
    if(i >= len)
        return astrndup(p, s, len);
    char q = s[i];
    size_t ql = (i + 2 < len && s[i + 1] == q && s[i + 2] == q && len >= i + 6) ? 3 : 1;
    size_t start = i + ql;
    size_t end = unterminated ? len : (len >= start + ql ? len - ql : start);
    int bs = p->ctx && sql_dialect_traits(p->d).backslash_escapes;
    char *out = amalloc(p, end - start + 1);
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

/* Identifier text as contract §5 wants it: unquoted lower-cased, quoted verbatim without quotes. */
static char *norm(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len;
    if(t->type == SQL_TOK_STRING)
        return string_value(p, t);
    if(t->type == SQL_TOK_QUOTED) {
        char close = s[0] == '[' ? ']' : s[0];
        size_t end = (t->flags & SQL_TOKF_UNTERMINATED) || len < 2 ? len : len - 1;
        char *out = amalloc(p, len + 1);
        if(!out)
            return NULL;
        size_t o = 0;
        for(size_t i = 1; i < end; i++) {
            out[o++] = s[i];
            if(s[i] == close && i + 1 < end && s[i + 1] == close)
                i++;
        }
        out[o] = '\0';
        return out;
    }
    char *out = astrndup(p, s, len);
    if(out)
        for(char *c = out; *c; c++)
            if(*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
    return out;
}

static inline int is_name_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_WORD || t->type == SQL_TOK_QUOTED;
}

static const char *const non_alias_words[] = {
    "option", "settings", "exception", "loop", "elsif", "elseif", "start", "go", "format", "lock", "prewhere",
};

static int can_be_alias(const parser_t *p, const sql_token_t *t)
{
    if(t->type == SQL_TOK_QUOTED)
        return 1;
    if(t->type != SQL_TOK_WORD || (t_flags(t) & SQL_KW_R))
        return 0;
    for(size_t i = 0; i < sizeof non_alias_words / sizeof non_alias_words[0]; i++)
        if(t_word(p, t, non_alias_words[i]))
            return 0;
    return 1;
}

static const char *template_table(parser_t *p, const sql_token_t *t);

/* Snowflake IDENTIFIER('db.s.t') / IDENTIFIER($var): the name in the string, or the variable
 * as written. */
static int parse_identifier_fn(parser_t *p, qname_t *q)
{
    size_t k = 2;
    while(k < 8 && !t_op(p, peek(p, k), ')') && peek(p, k)->type != SQL_TOK_EOF)
        k++;
    if(!t_op(p, peek(p, k), ')') || k == 2)
        return 0;
    const sql_token_t *a = peek(p, 2), *z = peek(p, k - 1);
    char *name;
    if(k == 3 && a->type == SQL_TOK_STRING) {
        name = string_value(p, a);
        if(name && !strchr(name, '"'))
            for(char *c = name; *c; c++)
                if(*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c + 32);
    } else {
        name = astrndup(p, p->src + a->off, z->off + z->len - a->off);
    }
    if(!name)
        return 0;
    for(size_t i = 0; i <= k; i++)
        next(p);
    const char *dot = strrchr(name, '.');
    q->full = name;
    q->first = name;
    q->last = dot ? dot + 1 : name;
    q->nparts = 1;
    for(const char *c = name; *c; c++)
        q->nparts += *c == '.';
    return 1;
}

static inline int is_part_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_WORD || t->type == SQL_TOK_QUOTED || t->type == SQL_TOK_TEMPLATE;
}

/* Dotted name; BigQuery project ids may contain unquoted hyphens (my-project.ds.t); template
 * placeholders stay in the name as written (${db}.t, t_${env}), dbt ref()/source() name a table. */
static int parse_qname(parser_t *p, qname_t *q)
{
    memset(q, 0, sizeof *q);
    const sql_token_t *t = cur(p);
    if(!is_part_tok(t) && !(t->type == SQL_TOK_STRING && p->src[t->off] == '"'))
        return 0;
    if(t_word(p, t, "identifier") && t_op(p, peek(p, 1), '('))
        return parse_identifier_fn(p, q);
    char *full = NULL;
    for(;;) {
        t = cur(p);
        char *part;
        int quoted = is_quoted_tok(t);
        size_t end = t->off + t->len;
        const char *tn = t->type == SQL_TOK_TEMPLATE ? template_table(p, t) : NULL;
        if(tn && !(is_part_tok(peek(p, 1)) && peek(p, 1)->off == end)) {
            part = (char *)tn;
            next(p);
        } else {
            part = t->type == SQL_TOK_TEMPLATE ? astrndup(p, p->src + t->off, t->len) : norm(p, t);
            if(!part)
                return 0;
            next(p);
            /* glued pieces: t_${env}, ${db}_raw */
            while(!quoted && is_part_tok(cur(p)) && cur(p)->off == end &&
                  (cur(p)->type == SQL_TOK_TEMPLATE || t->type == SQL_TOK_TEMPLATE) && !is_quoted_tok(cur(p))) {
                const sql_token_t *w = cur(p);
                char *more = w->type == SQL_TOK_TEMPLATE ? astrndup(p, p->src + w->off, w->len) : norm(p, w);
                part = more ? aconcat(p, part, "", more) : NULL;
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
            char *more = norm(p, w);
            part = more ? aconcat(p, part, "-", more) : NULL;
            if(!part)
                return 0;
            end = w->off + w->len;
            next(p);
            next(p);
        }
        full = full ? aconcat(p, full, ".", part) : part;
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
    q->full = full;
    return 1;
}

/* ---- statement records ---- */

static cte_t *find_cte(parser_t *p, const char *name)
{
    for(cte_t *c = p->ctes; c; c = c->next)
        if(strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void add_read(parser_t *p, const char *t)
{
    if(p->st)
        vadd(p, &p->st->reads, t);
}

static void add_write(parser_t *p, const char *t)
{
    if(p->st)
        vadd(p, &p->st->writes, t);
}

/* Lineage of output column `col`; a plain SELECT's outputs have no table. */
static void add_edge(parser_t *p, const char *table, const char *col, const sql_srcvec_t *src)
{
    if(!p->st || !col || src->n == 0)
        return;
    char *target = table ? aconcat(p, table, ".", col) : (char *)col;
    if(!target)
        return;
    sql_stmt_t *st = p->st;
    for(uint32_t i = 0; i < st->nedges; i++) {
        if(strcmp(st->edges[i].target, target) == 0) {
            sadd_all(p, &st->edges[i].sources, src, 0);
            return;
        }
    }
    if(!grow(p, (void **)&st->edges, st->nedges, &st->capedges, sizeof *st->edges))
        return;
    sql_col_edge_t *e = &st->edges[st->nedges++];
    memset(e, 0, sizeof *e);
    e->target = target;
    sadd_all(p, &e->sources, src, 0);
}

static void set_kind(parser_t *p, const char *kind)
{
    if(p->st && !p->in_body)
        p->st->kind = kind;
}

/* ---- scopes and column resolution ---- */

static fitem_t *find_item(scope_t *sc, const char *qual)
{
    for(uint32_t i = 0; i < sc->n; i++)
        if(sc->items[i].alias && strcmp(sc->items[i].alias, qual) == 0)
            return &sc->items[i];
    for(uint32_t i = 0; i < sc->n; i++) {
        const char *t = sc->items[i].table;
        if(!t || sc->items[i].alias)
            continue;
        if(strcmp(t, qual) == 0)
            return &sc->items[i];
        const char *dot = strrchr(t, '.');
        if(dot && strcmp(dot + 1, qual) == 0)
            return &sc->items[i];
    }
    for(uint32_t i = 0; i < sc->n; i++) {
        const char *t = sc->items[i].table;
        if(!t)
            continue;
        if(strcmp(t, qual) == 0)
            return &sc->items[i];
        const char *dot = strrchr(t, '.');
        if(dot && strcmp(dot + 1, qual) == 0)
            return &sc->items[i];
    }
    return NULL;
}

static int rel_has(const rel_t *r, const char *col)
{
    for(uint32_t i = 0; i < r->n; i++)
        if(!r->cols[i].star && r->cols[i].name && strcmp(r->cols[i].name, col) == 0)
            return 1;
    return 0;
}

static int item_has(parser_t *p, const fitem_t *it, const char *col)
{
    if(it->rel)
        return rel_has(it->rel, col);
    if(it->table && p->ctx->schema) {
        size_t n;
        char *const *cols = sql_schema_get(p->ctx->schema, it->table, &n);
        for(size_t i = 0; cols && i < n; i++)
            if(strcmp(cols[i], col) == 0)
                return 1;
    }
    return 0;
}

/* Could `col` come from `it`? Only no when its columns are all known. */
static int item_may_have(parser_t *p, const fitem_t *it, const char *col)
{
    if(it->rel) {
        for(uint32_t i = 0; i < it->rel->n; i++)
            if(it->rel->cols[i].star)
                return 1;
        return it->rel->n == 0 || rel_has(it->rel, col);
    }
    if(it->table && p->ctx->schema && sql_schema_get(p->ctx->schema, it->table, &(size_t){0}))
        return item_has(p, it, col);
    return 1;
}

static void resolve_in_item(parser_t *p, const fitem_t *it, const char *col, unsigned how, sql_srcvec_t *out)
{
    if(it->table && !it->rel) {
        sadd(p, out, aconcat(p, it->table, ".", col), how);
        return;
    }
    if(!it->rel)
        return;
    int found = 0;
    for(uint32_t i = 0; i < it->rel->n; i++) {
        const outcol_t *c = &it->rel->cols[i];
        if(!c->star && c->name && (strcmp(c->name, col) == 0 || strcmp(col, "*") == 0)) {
            sadd_all(p, out, &c->src, how);
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
                char *base = astrndup(p, s, l - 2);
                if(base)
                    sadd(p, out, aconcat(p, base, ".", col), compose(how, c->src.how[k]));
            }
        }
    }
}

/* Resolve `r` in scope `sc`; what it cannot resolve goes to `bubble` (the enclosing query),
 * used there as `bubble_how`. */
static void resolve_ref(parser_t *p, scope_t *sc, const ref_t *r, sql_srcvec_t *out, sink_t *bubble,
                        unsigned bubble_how)
{
    if(r->qual) {
        fitem_t *it = find_item(sc, r->qual);
        if(it)
            resolve_in_item(p, it, r->col, r->how, out);
        else if(bubble)
            sink_ref_how(p, bubble, r->qual, r->col, bubble_how ? compose(bubble_how, r->how) : r->how);
        return;
    }
    if(sc->n == 0) {
        if(bubble)
            sink_ref_how(p, bubble, NULL, r->col, bubble_how ? compose(bubble_how, r->how) : r->how);
        return;
    }
    int any = 0;
    if(strcmp(r->col, "*") != 0) {
        for(uint32_t i = 0; i < sc->n; i++) {
            if(item_has(p, &sc->items[i], r->col)) {
                resolve_in_item(p, &sc->items[i], r->col, r->how, out);
                any = 1;
            }
        }
    }
    if(any)
        return;
    /* the one item that may have it, when the others' columns are all known */
    int cand = -1, ncand = 0;
    for(uint32_t i = 0; i < sc->n && ncand < 2 && strcmp(r->col, "*") != 0; i++) {
        if(item_may_have(p, &sc->items[i], r->col)) {
            cand = (int)i;
            ncand++;
        }
    }
    if(ncand == 1 && sc->n > 1) {
        resolve_in_item(p, &sc->items[cand], r->col, r->how, out);
        return;
    }
    if(sc->n == 1)
        resolve_in_item(p, &sc->items[0], r->col, r->how, out);
    else if(strcmp(r->col, "*") == 0)
        for(uint32_t i = 0; i < sc->n; i++)
            resolve_in_item(p, &sc->items[i], "*", r->how, out);
    else
        sadd(p, out, r->col, r->how);
}

static void resolve_sink(parser_t *p, scope_t *sc, const sink_t *s, sql_srcvec_t *out, sink_t *bubble,
                         unsigned bubble_how)
{
    sadd_all(p, out, &s->resolved, 0);
    for(uint32_t i = 0; i < s->n; i++)
        resolve_ref(p, sc, &s->refs[i], out, bubble, bubble_how);
}

/* Output columns of `SELECT *` or `SELECT q.*` over one FROM item. */
static void expand_star(parser_t *p, const fitem_t *it, rel_t *out)
{
    if(it->rel) {
        for(uint32_t i = 0; i < it->rel->n; i++) {
            const outcol_t *c = &it->rel->cols[i];
            outcol_t *o = rel_add(p, out, c->name, c->star);
            if(o)
                sadd_all(p, &o->src, &c->src, 0);
        }
        return;
    }
    if(!it->table)
        return;
    size_t n = 0;
    char *const *cols = p->ctx->schema ? sql_schema_get(p->ctx->schema, it->table, &n) : NULL;
    if(cols) {
        for(size_t i = 0; i < n; i++) {
            outcol_t *o = rel_add(p, out, cols[i], 0);
            if(o)
                sadd(p, &o->src, aconcat(p, it->table, ".", cols[i]), SQL_HOW_IDENTITY);
        }
        return;
    }
    outcol_t *o = rel_add(p, out, "*", 1);
    if(o)
        sadd(p, &o->src, aconcat(p, it->table, ".", "*"), SQL_HOW_IDENTITY);
}

/* ---- expressions ---- */

static const char *const date_funcs[] = {
    "extract",  "datepart",       "datename",      "datediff",      "dateadd",      "date_part",       "date_diff",
    "date_add", "date_sub",       "timestampdiff", "timestampadd",  "date_trunc",   "timestamp_trunc", "datetime_trunc",
    "last_day", "timestamp_diff", "timestamp_add", "datetime_diff", "datetime_add", "time_diff",       "datetrunc",
};

static const char *const date_parts[] = {
    "year",        "month",       "day",        "week",      "hour",      "minute",  "second",  "quarter",
    "millisecond", "microsecond", "nanosecond", "dayofweek", "dayofyear", "isoweek", "isoyear", "epoch",
    "dow",         "doy",         "yy",         "yyyy",      "mm",        "m",       "dd",      "d",
    "hh",          "mi",          "n",          "ss",        "s",         "ms",      "wk",      "ww",
    "qq",          "q",           "dy",         "y",         "weekday",   "date",    "time",    "days",
    "months",      "years",       "hours",      "minutes",   "seconds",   "weeks",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for(size_t i = 0; i < n; i++)
        if(strcasecmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static int tok_in_list(const parser_t *p, const sql_token_t *t, const char *const *list, size_t n)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    for(size_t i = 0; i < n; i++)
        if(t_word(p, t, list[i]))
            return 1;
    return 0;
}

static int is_query_start(const sql_token_t *t)
{
    return t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_WITH) || t_kw(t, SQL_KW_VALUES);
}

/* After `(`: is this a parenthesised query (possibly in more parentheses)? */
static int paren_is_query(const parser_t *p, size_t k)
{
    while(t_op(p, peek(p, k), '('))
        k++;
    const sql_token_t *t = peek(p, k);
    return t_kw(t, SQL_KW_SELECT) || (t_kw(t, SQL_KW_WITH) && is_name_tok(peek(p, k + 1)));
}

static void add_rel_sources(parser_t *p, sink_t *sink, const rel_t *r)
{
    if(!sink || !r)
        return;
    unsigned how = cur_how(p);
    for(uint32_t i = 0; i < r->n; i++)
        sadd_all(p, &sink->resolved, &r->cols[i].src, how);
}

/* `(` in an expression: a subquery or a parenthesised list. */
static void parse_paren(parser_t *p, sink_t *sink)
{
    if(!enter(p))
        return;
    next(p);
    if(is_query_start(cur(p)) && !is_kw(p, SQL_KW_VALUES)) {
        rel_t *r = parse_query(p, sink);
        add_rel_sources(p, sink, r);
    } else {
        parse_loose(p, sink, ')', NULL);
    }
    expect_op(p, ')', "expected ')'");
    leave(p);
}

/* Skip a type name after :: or AS (timestamp with time zone, decimal(18, 0), int[]). */
static void skip_type(parser_t *p)
{
    static const char *const type_words[] = {"with",      "without", "time",     "zone",
                                             "precision", "varying", "unsigned", "local"};
    if(is_name_tok(cur(p)))
        next(p);
    while(is_op(p, '.') && is_name_tok(peek(p, 1))) {
        next(p);
        next(p);
    }
    while(tok_in_list(p, cur(p), type_words, sizeof type_words / sizeof type_words[0]))
        next(p);
    if(is_op(p, '(') || is_op(p, '<'))
        skip_group(p);
    while(is_op(p, '[') && !at_end(p))
        skip_group(p);
}

static const char *const aggregate_funcs[] = {
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "listagg",
    "group_concat",
    "collect_list",
    "collect_set",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "median",
    "mode",
    "any_value",
    "bool_and",
    "bool_or",
    "every",
    "count_if",
    "countif",
    "approx_count_distinct",
    "approx_distinct",
    "percentile_cont",
    "percentile_disc",
    "approx_percentile",
    "approx_quantiles",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "object_agg",
    "array_concat_agg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "corr",
    "covar_pop",
    "covar_samp",
    "arbitrary",
    "max_by",
    "min_by",
    "arg_max",
    "arg_min",
    "argmax",
    "argmin",
    "uniq",
    "uniqexact",
    "grouparray",
    "groupuniqarray",
    "sumif",
    "avgif",
    "product",
    "kurtosis",
    "skewness",
    "xmlagg",
    "checksum_agg",
    "stdev",
    "stdevp",
    "var",
    "varp",
    "count_big",
    "hll_count",
    "approx_top_count",
    "logical_and",
    "logical_or",
    "sum_distinct",
    "histogram",
    "map_agg",
    "multimap_agg",
    "list",
    "first",
    "last",
};

static void parse_function(parser_t *p, sink_t *sink, const sql_token_t *name_tok, const char *fname)
{
    /* Teradata: col (TITLE 'x') is a column with a display title */
    if(t_word(p, peek(p, 1), "title") && peek(p, 2)->type == SQL_TOK_STRING && t_op(p, peek(p, 3), ')')) {
        sink_ref(p, sink, NULL, norm(p, name_tok));
        for(int i = 0; i < 4; i++)
            next(p);
        return;
    }
    if(strcmp(fname, "swap_partitions_between_tables") == 0 && peek(p, 1)->type == SQL_TOK_STRING &&
       t_op(p, peek(p, 2), ',') && p->st) {
        /* Vertica: swap_partitions_between_tables('staging', lo, hi, 'target') */
        size_t k = 1, argi = 0;
        const sql_token_t *args[4] = {NULL};
        while(!t_op(p, peek(p, k), ')') && peek(p, k)->type != SQL_TOK_EOF && argi < 4) {
            const sql_token_t *t = peek(p, k);
            if(t_op(p, t, ','))
                argi++;
            else if(!args[argi])
                args[argi] = t;
            k++;
        }
        if(args[0] && args[3] && args[0]->type == SQL_TOK_STRING && args[3]->type == SQL_TOK_STRING) {
            add_read(p, string_value(p, args[0]));
            add_write(p, string_value(p, args[3]));
        }
    }
    if(strncmp(fname, "dict", 4) == 0 && peek(p, 1)->type == SQL_TOK_STRING &&
       (strncmp(fname + 4, "get", 3) == 0 || strncmp(fname + 4, "has", 3) == 0 || strncmp(fname + 4, "isin", 4) == 0)) {
        /* ClickHouse dictGet('db.dict', 'attr', key): the dictionary is read */
        add_read(p, string_value(p, peek(p, 1)));
    }
    if(!enter(p))
        return;
    int agg = in_list(fname, aggregate_funcs, sizeof aggregate_funcs / sizeof aggregate_funcs[0]);
    p->agg += agg;
    next(p);
    parse_loose(p, sink, ')', fname);
    expect_op(p, ')', "expected ')' after function arguments");
    p->agg -= agg;
    leave(p);
}

static int is_binop(const parser_t *p, const sql_token_t *t)
{
    if(t->type == SQL_TOK_VAR)
        return t->len == 1 && p->src[t->off] == '?';
    if(t->type != SQL_TOK_OP)
        return 0;
    const char *s = p->src + t->off;
    if(t->len == 1)
        return strchr("+-*/%=<>&|^~?:#", s[0]) != NULL;
    static const char *const ops[] = {"||", "<=", ">=", "<>", "!=", "==", "<<", ">>",
                                      "->", "#>", "@>", "<@", "&&", "!~", "~*", "=>"};
    if(t->len == 2) {
        for(size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if(s[0] == ops[i][0] && s[1] == ops[i][1])
                return 1;
        return 0;
    }
    return t_ops(p, t, "<=>") || t_ops(p, t, "->>") || t_ops(p, t, "#>>") || t_ops(p, t, "!~*");
}

static const char *const type_literals[] = {"date", "time",    "timestamp",  "datetime", "timestamptz", "interval",
                                            "json", "numeric", "bignumeric", "uuid",     "inet"};

/* One expression; stops before `,`, `)`, a clause keyword or an alias. */
static void parse_expr(parser_t *p, sink_t *sink)
{
    if(!enter(p))
        return;
    int operand = 1;
    int cases = 0;
    /* per CASE level (the first 64): in its condition part (operand or WHEN) */
    uint64_t condbits = 0;
    int cond0 = p->cond;
    while(!at_end(p)) {
        const sql_token_t *t = cur(p);
        if(cases > 0 && (t_kw(t, SQL_KW_WHEN) || t_kw(t, SQL_KW_THEN) || t_kw(t, SQL_KW_ELSE))) {
            if(cases <= 64) {
                uint64_t bit = (uint64_t)1 << (cases - 1);
                int in_cond = t_kw(t, SQL_KW_WHEN);
                if(in_cond && !(condbits & bit))
                    p->cond++;
                else if(!in_cond && (condbits & bit))
                    p->cond--;
                condbits = in_cond ? condbits | bit : condbits & ~bit;
            }
            next(p);
            operand = 1;
            continue;
        }
        if(cases > 0 && t_kw(t, SQL_KW_END) && !operand) {
            if(cases <= 64 && (condbits & ((uint64_t)1 << (cases - 1)))) {
                condbits &= ~((uint64_t)1 << (cases - 1));
                p->cond--;
            }
            cases--;
            next(p);
            continue;
        }
        if(operand) {
            if(t_op(p, t, '(')) {
                parse_paren(p, sink);
                operand = 0;
            } else if(t_op(p, t, '[') || t_op(p, t, '{')) {
                if(!enter(p))
                    break;
                next(p);
                parse_loose(p, sink, t_op(p, t, '[') ? ']' : '}', NULL);
                if(!accept_op(p, ']') && !accept_op(p, '}'))
                    fail(p, "expected ']'");
                leave(p);
                operand = 0;
            } else if(t_kw(t, SQL_KW_CASE)) {
                cases++;
                /* CASE x WHEN ..: the operand only decides */
                if(cases <= 64 && !t_kw(peek(p, 1), SQL_KW_WHEN)) {
                    condbits |= (uint64_t)1 << (cases - 1);
                    p->cond++;
                }
                next(p);
            } else if(t_kw(t, SQL_KW_NOT) || t_kw(t, SQL_KW_EXISTS) || t_kw(t, SQL_KW_DISTINCT) ||
                      t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL) || t_word(p, t, "some") || t_word(p, t, "prior") ||
                      t_word(p, t, "binary") || t_ops(p, t, "-") || t_ops(p, t, "+") || t_ops(p, t, "~") ||
                      t_ops(p, t, "!")) {
                next(p);
            } else if(t_kw(t, SQL_KW_INTERVAL) && (peek(p, 1)->type == SQL_TOK_STRING ||
                                                   peek(p, 1)->type == SQL_TOK_NUMBER || t_op(p, peek(p, 1), '-'))) {
                next(p);
                accept_op(p, '-');
                next(p);
                while(tok_in_list(p, cur(p), date_parts, sizeof date_parts / sizeof date_parts[0]) || is_word(p, "to"))
                    next(p);
                operand = 0;
            } else if(t->type == SQL_TOK_NUMBER || t->type == SQL_TOK_STRING || t->type == SQL_TOK_VAR ||
                      t->type == SQL_TOK_TEMPLATE) {
                next(p);
                operand = 0;
            } else if(t_op(p, t, '*')) {
                /* COUNT(*) reads no column */
                if(!(p->pos > 0 && t_op(p, &p->toks[p->pos - 1], '(') && t_op(p, peek(p, 1), ')')))
                    sink_ref(p, sink, NULL, "*");
                next(p);
                operand = 0;
            } else if(t->type == SQL_TOK_WORD && peek(p, 1)->type == SQL_TOK_STRING &&
                      tok_in_list(p, t, type_literals, sizeof type_literals / sizeof type_literals[0])) {
                next(p);
                next(p);
                operand = 0;
            } else if(t->type == SQL_TOK_WORD && t_op(p, peek(p, 1), '(') &&
                      (!(t_flags(t) & SQL_KW_R) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
                       t_kw(t, SQL_KW_IF) || t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_VALUES) ||
                       t_kw(t, SQL_KW_TRUNCATE))) {
                char *fname = norm(p, t);
                next(p);
                if(fname)
                    parse_function(p, sink, t, fname);
                operand = 0;
            } else if(t_flags(t) & SQL_KW_N) {
                next(p);
                operand = 0;
            } else if(is_name_tok(t) && !(t_flags(t) & SQL_KW_R)) {
                /* column, qualified column, q.*, or schema.function(...) */
                const char *parts[8];
                const sql_token_t *last = t;
                int np = 0, star = 0;
                for(;;) {
                    const sql_token_t *w = cur(p);
                    if(np < 8)
                        parts[np] = norm(p, w);
                    np++;
                    last = w;
                    next(p);
                    if(is_op(p, '.') && is_name_tok(peek(p, 1))) {
                        next(p);
                        continue;
                    }
                    if(is_op(p, '.') && t_op(p, peek(p, 1), '*')) {
                        next(p);
                        next(p);
                        star = 1;
                    }
                    break;
                }
                if(p->err)
                    break;
                if(!star && is_op(p, '(') && np > 1) {
                    char *fname = norm(p, last);
                    if(fname)
                        parse_function(p, sink, last, fname);
                } else if(sink) {
                    int nk = np > 8 ? 8 : np;
                    const char *col = star ? "*" : parts[nk - 1];
                    int nq = star ? nk : nk - 1;
                    const char *qual = NULL;
                    for(int i = 0; i < nq; i++)
                        qual = qual ? aconcat(p, qual, ".", parts[i]) : parts[i];
                    sink_ref(p, sink, qual, col);
                }
                operand = 0;
            } else {
                break;
            }
            continue;
        }
        /* after an operand */
        if(t_ops(p, t, "::")) {
            next(p);
            skip_type(p);
        } else if(t_op(p, t, '[')) {
            if(!enter(p))
                break;
            next(p);
            parse_loose(p, sink, ']', NULL);
            expect_op(p, ']', "expected ']'");
            leave(p);
        } else if(t_op(p, t, '.') && (is_name_tok(peek(p, 1)) || t_op(p, peek(p, 1), '*'))) {
            /* field access; BigQuery expr.* expands a struct */
            next(p);
            next(p);
        } else if(t->type == SQL_TOK_VAR && p->src[t->off] == ':') {
            next(p);
        } else if(is_binop(p, t)) {
            next(p);
            operand = 1;
        } else if(t_kw(t, SQL_KW_AND) || t_kw(t, SQL_KW_OR) || t_kw(t, SQL_KW_LIKE) || t_kw(t, SQL_KW_ILIKE) ||
                  t_kw(t, SQL_KW_RLIKE) || t_kw(t, SQL_KW_REGEXP) || t_kw(t, SQL_KW_BETWEEN) ||
                  t_kw(t, SQL_KW_ESCAPE) || t_kw(t, SQL_KW_IN) || t_word(p, t, "similar") || t_word(p, t, "glob") ||
                  t_word(p, t, "div") || t_word(p, t, "mod") || t_word(p, t, "xor") || t_word(p, t, "overlaps") ||
                  t_word(p, t, "member")) {
            next(p);
            if(is_word(p, "to") || is_word(p, "of"))
                next(p);
            operand = 1;
        } else if(t_kw(t, SQL_KW_NOT) ||
                  (t_word(p, t, "global") && (t_kw(peek(p, 1), SQL_KW_IN) || t_kw(peek(p, 1), SQL_KW_NOT)))) {
            next(p);
        } else if(t_kw(t, SQL_KW_IS)) {
            next(p);
            accept_kw(p, SQL_KW_NOT);
            if(accept_kw(p, SQL_KW_DISTINCT))
                accept_kw(p, SQL_KW_FROM);
            operand = 1;
        } else if(t_kw(t, SQL_KW_COLLATE)) {
            next(p);
            next(p);
        } else if(t_kw(t, SQL_KW_OVER)) {
            next(p);
            if(is_op(p, '(')) {
                if(!enter(p))
                    break;
                next(p);
                p->win++;
                parse_loose(p, sink, ')', NULL);
                p->win--;
                expect_op(p, ')', "expected ')' after window");
                leave(p);
            } else if(is_name_tok(cur(p))) {
                next(p);
            }
        } else if((t_kw(t, SQL_KW_FILTER) || t_word(p, t, "within")) &&
                  (t_op(p, peek(p, 1), '(') || t_kw(peek(p, 1), SQL_KW_GROUP))) {
            /* FILTER (WHERE ..) decides which rows an aggregate sees */
            int filter = t_kw(t, SQL_KW_FILTER);
            next(p);
            accept_kw(p, SQL_KW_GROUP);
            if(is_op(p, '(')) {
                if(!enter(p))
                    break;
                next(p);
                p->cond += filter;
                p->agg += !filter;
                parse_loose(p, sink, ')', NULL);
                p->cond -= filter;
                p->agg -= !filter;
                expect_op(p, ')', "expected ')'");
                leave(p);
            }
        } else if((t_kw(t, SQL_KW_IGNORE) || t_kw(t, SQL_KW_RESPECT)) && t_kw(peek(p, 1), SQL_KW_NULLS)) {
            next(p);
            next(p);
        } else if(t_word(p, t, "at") && t_kw(peek(p, 1), SQL_KW_TIME) && t_kw(peek(p, 2), SQL_KW_ZONE)) {
            next(p);
            next(p);
            next(p);
            operand = 1;
        } else {
            break;
        }
    }
    p->cond = cond0;
    leave(p);
}

/* Comma lists and keyword soup inside (...) of function calls, windows and lists:
 * keep the column references, skip keywords and type names. */
static void parse_loose(parser_t *p, sink_t *sink, char close, const char *fname)
{
    if(!enter(p))
        return;
    int argi = 0;
    int datefn =
        fname && strchr("delt", fname[0]) && in_list(fname, date_funcs, sizeof date_funcs / sizeof date_funcs[0]);
    int convert = fname && strcmp(fname, "convert") == 0 && p->d == SQL_DIALECT_TSQL;
    /* IF(cond, a, b), IIF(..): the first argument only decides */
    int condfn = fname && (strcmp(fname, "if") == 0 || strcmp(fname, "iif") == 0);
    while(!at_end(p) && !is_op(p, close)) {
        const sql_token_t *t = cur(p);
        if(t_op(p, t, ',')) {
            argi++;
            next(p);
            continue;
        }
        if(t_kw(t, SQL_KW_AS) && !t_kw(peek(p, 1), SQL_KW_SELECT)) {
            /* CAST(x AS type), STRUCT(a AS b): the name after AS is not a column */
            next(p);
            if(is_op(p, '('))
                skip_group(p);
            else
                skip_type(p);
            continue;
        }
        if(convert && argi == 0) {
            next(p);
            continue;
        }
        if((t_kw(t, SQL_KW_TABLE) || t_word(p, t, "model")) && is_part_tok(peek(p, 1)) && !t_op(p, peek(p, 2), '(')) {
            /* BigQuery ML.PREDICT(MODEL m, TABLE t), table-valued arguments: both are read */
            next(p);
            qname_t q;
            if(parse_qname(p, &q) && !(q.nparts == 1 && find_cte(p, q.full)))
                add_read(p, q.full);
            continue;
        }
        if(is_name_tok(t) && t_ops(p, peek(p, 1), "->") && peek(p, 2)->type != SQL_TOK_STRING &&
           !SQL_DIALECT_IS_PG(p->d)) {
            /* a lambda x -> expr (Trino, Spark, ClickHouse, DuckDB): x is its parameter, not a column */
            next(p);
            next(p);
            parse_expr(p, NULL);
            continue;
        }
        if(fname && argi == 0 && strcmp(fname, "semantic_view") == 0 && is_part_tok(t)) {
            /* Snowflake SEMANTIC_VIEW(v DIMENSIONS .. METRICS ..) reads the semantic view */
            qname_t q;
            if(parse_qname(p, &q))
                add_read(p, q.full);
            while(!at_end(p) && !is_op(p, close)) {
                if(is_op(p, '('))
                    skip_group(p);
                else
                    next(p);
            }
            continue;
        }
        if(datefn && t->type == SQL_TOK_WORD && !t_op(p, peek(p, 1), '(') && !t_op(p, peek(p, 1), '.') &&
           tok_in_list(p, t, date_parts, sizeof date_parts / sizeof date_parts[0])) {
            next(p);
            continue;
        }
        unsigned f = t_flags(t);
        if(t->type == SQL_TOK_WORD && !t_op(p, peek(p, 1), '(') &&
           ((f & SQL_KW_S) || ((f & SQL_KW_R) && !(f & SQL_KW_N) && !t_kw(t, SQL_KW_CASE) && !t_kw(t, SQL_KW_NOT) &&
                               !t_kw(t, SQL_KW_EXISTS)))) {
            if(t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_WITH)) {
                rel_t *r = parse_query(p, sink);
                add_rel_sources(p, sink, r);
                continue;
            }
            next(p);
            continue;
        }
        size_t before = p->pos;
        int c = condfn && argi == 0;
        p->cond += c;
        parse_expr(p, sink);
        p->cond -= c;
        if(p->pos == before && !p->err) {
            if(t_op(p, cur(p), ')') || t_op(p, cur(p), ']') || t_op(p, cur(p), '}'))
                break;
            next(p);
        }
    }
    leave(p);
}

/* ---- queries ---- */

static const char *const file_formats[] = {"parquet", "json",  "csv",        "orc",    "avro",
                                           "text",    "delta", "binaryfile", "iceberg"};

/* ClickHouse: JOIN and its strictness words (GLOBAL ANY LEFT JOIN, ALL INNER JOIN). */
static int join_word(const parser_t *p, const sql_token_t *t)
{
    return t_kw(t, SQL_KW_JOIN) || t_kw(t, SQL_KW_INNER) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
           t_kw(t, SQL_KW_FULL) || t_kw(t, SQL_KW_CROSS) || t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL) ||
           t_kw(t, SQL_KW_SEMI) || t_kw(t, SQL_KW_ANTI) || t_word(p, t, "asof");
}

/* ClickHouse [LEFT] ARRAY JOIN at token k. */
static int is_array_join(const parser_t *p, size_t k)
{
    if(t_kw(peek(p, k), SQL_KW_LEFT) || t_kw(peek(p, k), SQL_KW_INNER))
        k++;
    return t_word(p, peek(p, k), "array") && t_kw(peek(p, k + 1), SQL_KW_JOIN);
}

/* DuckDB/Spark functions reading files: their string argument is a path. */
static const char *const file_readers[] = {
    "read_parquet", "read_csv",  "read_csv_auto", "read_json",    "read_json_auto", "read_ndjson", "read_ndjson_auto",
    "parquet_scan", "read_text", "read_blob",     "iceberg_scan", "delta_scan",     "read_xlsx",
};

static int is_join_start(const parser_t *p)
{
    const sql_token_t *t = cur(p);
    return t_kw(t, SQL_KW_JOIN) || t_kw(t, SQL_KW_INNER) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
           t_kw(t, SQL_KW_FULL) || t_kw(t, SQL_KW_CROSS) || t_kw(t, SQL_KW_NATURAL) || t_kw(t, SQL_KW_STRAIGHT_JOIN) ||
           (t_kw(t, SQL_KW_OUTER) && t_kw(peek(p, 1), SQL_KW_APPLY)) || t_kw(t, SQL_KW_SEMI) || t_kw(t, SQL_KW_ANTI) ||
           (t_word(p, t, "asof") && (t_kw(peek(p, 1), SQL_KW_JOIN) || t_kw(peek(p, 1), SQL_KW_LEFT))) ||
           (t_word(p, t, "positional") && t_kw(peek(p, 1), SQL_KW_JOIN)) || is_array_join(p, 0) ||
           ((t_word(p, t, "global") || t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL)) && join_word(p, peek(p, 1)));
}

/* [AS] alias [(col, ...)]; returns the alias (normalised) or NULL. */
static const char *parse_alias(parser_t *p, const char **cols, int *ncols, int maxcols)
{
    const char *alias = NULL;
    if(ncols)
        *ncols = 0;
    if(is_array_join(p, 0) || (is_word(p, "global") && join_word(p, peek(p, 1))) ||
       (p->d == SQL_DIALECT_CLICKHOUSE && (is_word(p, "final") || is_word(p, "sample"))))
        return NULL;
    if(is_kw(p, SQL_KW_AS) && (is_name_tok(peek(p, 1)) || peek(p, 1)->type == SQL_TOK_STRING)) {
        next(p);
        alias = norm(p, cur(p));
        next(p);
    } else if(can_be_alias(p, cur(p))) {
        alias = norm(p, cur(p));
        next(p);
    }
    if(ncols)
        *ncols = 0;
    if(alias && is_op(p, '(') && is_name_tok(peek(p, 1))) {
        next(p);
        while(!at_end(p) && !is_op(p, ')')) {
            if(is_name_tok(cur(p)) && cols && *ncols < maxcols)
                cols[(*ncols)++] = norm(p, cur(p));
            next(p);
        }
        expect_op(p, ')', "expected ')' after column aliases");
    }
    return alias;
}

static void rename_cols(rel_t *r, const char **cols, int n)
{
    for(int i = 0; i < n && r && (uint32_t)i < r->n; i++) {
        r->cols[i].name = cols[i];
        r->cols[i].star = 0;
    }
}

/* Table-level things that may follow a table name: hints, time travel, sampling. */
static void skip_table_modifiers(parser_t *p)
{
    for(;;) {
        if(is_kw(p, SQL_KW_FOR) && (is_word(p, "system_time") || t_word(p, peek(p, 1), "system_time") ||
                                    t_kw(peek(p, 1), SQL_KW_TIMESTAMP) || t_word(p, peek(p, 1), "version"))) {
            next(p);
            next(p);
            while(is_kw(p, SQL_KW_AS) || is_word(p, "of") || is_word(p, "between") || is_word(p, "from"))
                next(p);
            parse_expr(p, NULL);
            if(accept_kw(p, SQL_KW_AND) || is_word(p, "to"))
                parse_expr(p, NULL);
        } else if((is_kw(p, SQL_KW_TIMESTAMP) || is_word(p, "version")) && t_kw(peek(p, 1), SQL_KW_AS) &&
                  t_word(p, peek(p, 2), "of")) {
            next(p);
            next(p);
            next(p);
            parse_expr(p, NULL);
        } else if((is_word(p, "at") || is_word(p, "before") || is_word(p, "changes")) && t_op(p, peek(p, 1), '(')) {
            next(p);
            skip_group(p);
        } else if(is_kw(p, SQL_KW_TABLESAMPLE)) {
            next(p);
            if(is_name_tok(cur(p)) && !is_op(p, '('))
                next(p);
            if(is_op(p, '('))
                skip_group(p);
            if(is_word(p, "repeatable") && t_op(p, peek(p, 1), '(')) {
                next(p);
                skip_group(p);
            }
        } else if(is_kw(p, SQL_KW_WITH) && t_op(p, peek(p, 1), '(') && !paren_is_query(p, 2)) {
            next(p);
            skip_group(p);
        } else if((is_word(p, "use") || is_word(p, "force") || is_kw(p, SQL_KW_IGNORE)) &&
                  (t_word(p, peek(p, 1), "index") || t_word(p, peek(p, 1), "key"))) {
            next(p);
            next(p);
            if(is_kw(p, SQL_KW_FOR)) {
                next(p);
                next(p);
                accept_kw(p, SQL_KW_BY);
            }
            if(is_op(p, '('))
                skip_group(p);
        } else if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '(')) {
            next(p);
            skip_group(p);
        } else if(p->d == SQL_DIALECT_CLICKHOUSE && is_word(p, "final")) {
            next(p);
        } else if(p->d == SQL_DIALECT_CLICKHOUSE && is_word(p, "sample") && peek(p, 1)->type == SQL_TOK_NUMBER) {
            /* SAMPLE k [OFFSET m], k may be a fraction a/b */
            next(p);
            parse_expr(p, NULL);
            if(accept_kw(p, SQL_KW_OFFSET))
                parse_expr(p, NULL);
        } else {
            return;
        }
        if(p->err)
            return;
    }
}

static const char *const tsql_hints[] = {
    "nolock",         "readuncommitted", "updlock", "holdlock",  "rowlock",  "tablock",
    "tablockx",       "paglock",         "nowait",  "readpast",  "xlock",    "serializable",
    "repeatableread", "readcommitted",   "index",   "forceseek", "snapshot", "noexpand",
};

/* After the table primary: PIVOT/UNPIVOT, Hive LATERAL VIEW, MATCH_RECOGNIZE. */
static void parse_table_suffixes(parser_t *p, scope_t *sc)
{
    for(;;) {
        if((is_kw(p, SQL_KW_PIVOT) || is_kw(p, SQL_KW_UNPIVOT) || is_word(p, "match_recognize"))) {
            next(p);
            if(is_word(p, "include") || is_word(p, "exclude")) {
                next(p);
                next(p);
            }
            if(is_op(p, '('))
                skip_group(p);
            const char *cols[64];
            int nc = 0;
            parse_alias(p, cols, &nc, 64);
        } else if(is_kw(p, SQL_KW_LATERAL) && t_word(p, peek(p, 1), "view")) {
            next(p);
            next(p);
            accept_kw(p, SQL_KW_OUTER);
            sink_t sink = {0};
            if(is_name_tok(cur(p))) {
                qname_t q;
                parse_qname(p, &q);
            }
            if(is_op(p, '(')) {
                if(!enter(p))
                    return;
                next(p);
                parse_loose(p, &sink, ')', NULL);
                expect_op(p, ')', "expected ')'");
                leave(p);
            }
            fitem_t *it = scope_add(p, sc);
            if(!it)
                return;
            if(can_be_alias(p, cur(p))) {
                it->alias = norm(p, cur(p));
                next(p);
            }
            if(accept_kw(p, SQL_KW_AS)) {
                rel_t *r = amalloc(p, sizeof *r);
                if(!r)
                    return;
                memset(r, 0, sizeof *r);
                it->rel = r;
                do {
                    if(!is_name_tok(cur(p)))
                        break;
                    outcol_t *c = rel_add(p, r, norm(p, cur(p)), 0);
                    if(c) {
                        for(uint32_t i = 0; i < sink.n; i++) {
                            ref_t *rf = &sink.refs[i];
                            resolve_ref(p, sc, rf, &c->src, NULL, 0);
                        }
                    }
                    next(p);
                } while(accept_op(p, ','));
            }
        } else {
            return;
        }
        if(p->err)
            return;
    }
}

static rel_t *new_rel(parser_t *p)
{
    rel_t *r = amalloc(p, sizeof *r);
    if(r)
        memset(r, 0, sizeof *r);
    return r;
}

/* dbt: {{ ref('model') }} and {{ source('src', 'table') }} name tables. */
static const char *template_table(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len;
    char args[2][256];
    int nargs = 0;
    const char *kw = NULL;
    for(size_t i = 2; i + 3 < len; i++) {
        if(strncmp(s + i, "ref(", 4) == 0 || strncmp(s + i, "ref (", 5) == 0) {
            kw = "ref";
            i += 3;
        } else if(strncmp(s + i, "source(", 7) == 0) {
            kw = "source";
            i += 6;
        } else {
            continue;
        }
        while(i < len && nargs < 2) {
            while(i < len && s[i] != '\'' && s[i] != '"' && s[i] != ')')
                i++;
            if(i >= len || s[i] == ')')
                break;
            char q = s[i++];
            size_t st = i;
            while(i < len && s[i] != q)
                i++;
            size_t l = i - st;
            if(l >= sizeof args[0] || i >= len)
                break;
            memcpy(args[nargs], s + st, l);
            args[nargs][l] = '\0';
            nargs++;
            i++;
        }
        break;
    }
    if(!kw || nargs == 0)
        return NULL;
    if(strcmp(kw, "source") == 0 && nargs == 2) {
        char *a = astrndup(p, args[0], strlen(args[0]));
        return a ? aconcat(p, a, ".", args[1]) : NULL;
    }
    return astrndup(p, args[nargs - 1], strlen(args[nargs - 1]));
}

/* One table, subquery, table function, VALUES list or parenthesised join. */
static void parse_table_primary(parser_t *p, scope_t *sc)
{
    if(!enter(p))
        return;
    const char *cols[256];
    int nc = 0;
    accept_kw(p, SQL_KW_LATERAL);
    if(is_word(p, "only") && is_name_tok(peek(p, 1)))
        next(p);
    const sql_token_t *t = cur(p);
    if(t_op(p, t, '(')) {
        if(paren_is_query(p, 1) || t_kw(peek(p, 1), SQL_KW_VALUES)) {
            rel_t *r = parse_query(p, NULL);
            if(p->err)
                goto out;
            fitem_t *it = scope_add(p, sc);
            if(!it)
                goto out;
            it->rel = r;
            skip_table_modifiers(p);
            it->alias = parse_alias(p, cols, &nc, 256);
            rename_cols(r, cols, nc);
        } else {
            next(p);
            parse_table_ref(p, sc);
            while(accept_op(p, ','))
                parse_table_ref(p, sc);
            expect_op(p, ')', "expected ')' after joined tables");
            /* (a JOIN b) AS x: the alias names nothing we resolve through */
            if(!p->err)
                parse_alias(p, cols, &nc, 256);
        }
        goto out;
    }
    if(t_kw(t, SQL_KW_VALUES)) {
        rel_t *r = parse_query(p, NULL);
        fitem_t *it = p->err ? NULL : scope_add(p, sc);
        if(it) {
            it->rel = r;
            it->alias = parse_alias(p, cols, &nc, 256);
            rename_cols(r, cols, nc);
        }
        goto out;
    }
    if(t->type == SQL_TOK_TEMPLATE && p->src[t->off] == '{' &&
       !(t_op(p, peek(p, 1), '.') || (is_part_tok(peek(p, 1)) && peek(p, 1)->off == t->off + t->len))) {
        const char *tn = template_table(p, t);
        next(p);
        fitem_t *it = scope_add(p, sc);
        if(!it)
            goto out;
        if(tn) {
            it->table = tn;
            add_read(p, tn);
        }
        it->alias = parse_alias(p, cols, &nc, 256);
        goto out;
    }
    if(t->type == SQL_TOK_VAR || t->type == SQL_TOK_STRING) {
        /* @table_variable, Snowflake @stage, or a file path */
        if(p->st && (t->type == SQL_TOK_STRING || (p->src[t->off] == '@' && p->d == SQL_DIALECT_SNOWFLAKE)))
            vadd(p, &p->st->read_paths,
                 t->type == SQL_TOK_STRING ? string_value(p, t) : astrndup(p, p->src + t->off, t->len));
        next(p);
        if(is_op(p, '('))
            skip_group(p);
        fitem_t *it = scope_add(p, sc);
        if(it)
            it->alias = parse_alias(p, cols, &nc, 256);
        goto out;
    }
    qname_t q;
    if(!parse_qname(p, &q)) {
        fail(p, "expected a table name");
        goto out;
    }
    fitem_t *it = scope_add(p, sc);
    if(!it)
        goto out;
    if(is_op(p, '(') && !(p->d == SQL_DIALECT_TSQL &&
                          tok_in_list(p, peek(p, 1), tsql_hints, sizeof tsql_hints / sizeof tsql_hints[0]))) {
        /* table function: UNNEST(..), TABLE(..), generate_series(..), LATERAL f(..) */
        if(!enter(p))
            goto out;
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st &&
           in_list(q.last, file_readers, sizeof file_readers / sizeof file_readers[0]))
            vadd(p, &p->st->read_paths, string_value(p, cur(p)));
        sink_t args = {0};
        parse_loose(p, &args, ')', q.last);
        expect_op(p, ')', "expected ')' after table function arguments");
        leave(p);
        if(is_kw(p, SQL_KW_WITH) && (t_kw(peek(p, 1), SQL_KW_ORDINALITY) || t_kw(peek(p, 1), SQL_KW_OFFSET))) {
            next(p);
            next(p);
        }
        it->alias = parse_alias(p, cols, &nc, 256);
        if(nc) {
            /* UNNEST(a) AS u(x): the columns come from the arguments, in the items before */
            rel_t *r = new_rel(p);
            it->rel = r;
            scope_t before = {.items = sc->items, .n = sc->n - 1, .cap = sc->cap};
            for(int i = 0; r && i < nc; i++) {
                outcol_t *c = rel_add(p, r, cols[i], 0);
                if(c && strcmp(q.last, "unnest") == 0)
                    resolve_sink(p, &before, &args, &c->src, NULL, 0);
            }
        }
        goto out;
    }
    if(is_op(p, '('))
        skip_group(p);
    if(q.nparts == 2 && q.last_quoted && in_list(q.first, file_formats, sizeof file_formats / sizeof file_formats[0]) &&
       (strchr(q.last, '/') || strchr(q.last, ':'))) {
        /* Spark: SELECT * FROM parquet.`path/to/files` */
        if(p->st)
            vadd(p, &p->st->read_paths, q.last);
    } else {
        cte_t *c = q.nparts == 1 ? find_cte(p, q.full) : NULL;
        int alias_path = 0;
        for(uint32_t i = 0; q.nparts > 1 && i + 1 < sc->n; i++)
            alias_path |= sc->items[i].alias && strcmp(sc->items[i].alias, q.first) == 0;
        if(alias_path) {
            /* FROM t, t.items: an array of an earlier item (BigQuery, Snowflake), not a table */
        } else if(c) {
            if(c->pending)
                c->self_ref = 1;
            it->rel = c->rel;
            it->alias = q.full;
        } else {
            it->table = q.full;
            if(!(p->dml_target && strcmp(p->dml_target, q.full) == 0 && !p->dml_table))
                add_read(p, q.full);
            else
                p->dml_table = q.full;
        }
    }
    skip_table_modifiers(p);
    const char *alias = parse_alias(p, cols, &nc, 256);
    if(alias)
        it->alias = alias;
    if(p->dml_target && !p->dml_table && alias && it->table && strcmp(alias, p->dml_target) == 0) {
        /* UPDATE alias ... FROM table alias: the aliased table is the target */
        p->dml_table = it->table;
        for(uint32_t i = 0; p->st && i < p->st->reads.n; i++) {
            if(strcmp(p->st->reads.v[i], it->table) == 0) {
                memmove(&p->st->reads.v[i], &p->st->reads.v[i + 1], (p->st->reads.n - i - 1) * sizeof(char *));
                p->st->reads.n--;
                break;
            }
        }
    }
    skip_table_modifiers(p);
out:
    if(!p->err)
        parse_table_suffixes(p, sc);
    leave(p);
}

/* Parse a clause's expression into the innermost SELECT's indirect columns as `how`. */
static void parse_indirect_expr(parser_t *p, unsigned how)
{
    unsigned saved = p->clause_how;
    p->clause_how = how;
    parse_expr(p, p->ind);
    p->clause_how = saved;
}

static void parse_join_condition(parser_t *p)
{
    if(accept_kw(p, SQL_KW_ON)) {
        parse_indirect_expr(p, SQL_HOW_JOIN);
    } else if(accept_kw(p, SQL_KW_USING)) {
        if(!is_op(p, '('))
            return;
        next(p);
        while(!at_end(p) && !is_op(p, ')')) {
            if(is_name_tok(cur(p)))
                sink_ref_how(p, p->ind, NULL, norm(p, cur(p)), SQL_HOW_JOIN);
            next(p);
        }
        expect_op(p, ')', "expected ')' after USING columns");
    }
}

/* ARRAY JOIN arr [AS a], ..: each alias is a column over the array's sources. */
static void parse_array_join(parser_t *p, scope_t *sc)
{
    while(!is_kw(p, SQL_KW_JOIN))
        next(p);
    next(p);
    fitem_t *it = scope_add(p, sc);
    rel_t *r = new_rel(p);
    if(!it || !r)
        return;
    it->rel = r;
    do {
        sink_t s = {0};
        size_t start = p->pos;
        parse_expr(p, &s);
        const char *name = NULL;
        if(accept_kw(p, SQL_KW_AS) || can_be_alias(p, cur(p))) {
            name = norm(p, cur(p));
            next(p);
        }
        if(!name)
            name = item_name(p, start, p->pos);
        outcol_t *c = name ? rel_add(p, r, name, 0) : NULL;
        if(c) {
            /* the array's own scope: the FROM items before this one */
            scope_t before = {.items = sc->items, .n = sc->n - 1, .cap = sc->cap};
            resolve_sink(p, &before, &s, &c->src, NULL, 0);
        }
    } while(!p->err && accept_op(p, ','));
}

static void parse_joins(parser_t *p, scope_t *sc)
{
    while(!p->err && is_join_start(p)) {
        if(is_array_join(p, 0)) {
            parse_array_join(p, sc);
            continue;
        }
        while(!at_end(p) && !is_kw(p, SQL_KW_JOIN) && !is_kw(p, SQL_KW_APPLY) && !is_kw(p, SQL_KW_STRAIGHT_JOIN))
            next(p);
        next(p);
        parse_table_primary(p, sc);
        parse_join_condition(p);
    }
}

/* table_primary { join table_primary [ON ..|USING (..)] } */
static void parse_table_ref(parser_t *p, scope_t *sc)
{
    parse_table_primary(p, sc);
    parse_joins(p, sc);
}

static void parse_from_list(parser_t *p, scope_t *sc)
{
    do {
        parse_table_ref(p, sc);
    } while(!p->err && accept_op(p, ','));
}

/* Output name of a select item without an alias: the column for a bare (cast)
 * reference, otherwise the expression's text with whitespace collapsed. */
static const char *item_name(parser_t *p, size_t start, size_t end)
{
    size_t k = start;
    const sql_token_t *lastname = NULL;
    while(k < end && is_name_tok(&p->toks[k])) {
        lastname = &p->toks[k];
        k++;
        if(k < end && t_op(p, &p->toks[k], '.'))
            k++;
        else
            break;
    }
    if(lastname && (k == end || t_ops(p, &p->toks[k], "::")))
        return norm(p, lastname);
    if(lastname && k + 4 == end && t_op(p, &p->toks[k], '(') && t_word(p, &p->toks[k + 1], "title"))
        return norm(p, lastname);
    size_t total = 0;
    for(size_t i = start; i < end; i++)
        total += p->toks[i].len + 1;
    char *out = amalloc(p, total + 1);
    if(!out)
        return NULL;
    size_t o = 0;
    for(size_t i = start; i < end; i++) {
        const sql_token_t *t = &p->toks[i];
        if(i > start && t->off > p->toks[i - 1].off + p->toks[i - 1].len)
            out[o++] = ' ';
        if(t_kw(t, SQL_KW_AS)) {
            memcpy(out + o, "as", 2);
            o += 2;
        } else {
            memcpy(out + o, p->src + t->off, t->len);
            o += t->len;
        }
    }
    out[o] = '\0';
    return out;
}

typedef struct item {
    const char *name;
    sink_t sink;
    int star;
    int expr_star; /* BigQuery IF(..).*: the fields of a struct expression */
    const char *star_qual;
} item_t;

static int select_clause_end(const parser_t *p)
{
    const sql_token_t *t = cur(p);
    return t_kw(t, SQL_KW_WHERE) || t_kw(t, SQL_KW_GROUP) || t_kw(t, SQL_KW_HAVING) || t_kw(t, SQL_KW_QUALIFY) ||
           t_kw(t, SQL_KW_WINDOW) || t_kw(t, SQL_KW_CONNECT) ||
           (t_word(p, t, "start") && t_kw(peek(p, 1), SQL_KW_WITH)) || t_kw(t, SQL_KW_CLUSTER) ||
           t_kw(t, SQL_KW_DISTRIBUTE) || t_kw(t, SQL_KW_SORT) || t_word(p, t, "prewhere");
}

/* WHERE/GROUP BY/HAVING/QUALIFY/WINDOW/...: only their subqueries matter for lineage. */
static void parse_filter_clauses(parser_t *p)
{
    while(!p->err && select_clause_end(p)) {
        const sql_token_t *kw = cur(p);
        unsigned how = t_kw(kw, SQL_KW_GROUP)    ? SQL_HOW_GROUP_BY
                       : t_kw(kw, SQL_KW_WINDOW) ? SQL_HOW_WINDOW
                       : t_kw(kw, SQL_KW_CLUSTER) || t_kw(kw, SQL_KW_DISTRIBUTE) || t_kw(kw, SQL_KW_SORT)
                           ? SQL_HOW_SORT
                           : SQL_HOW_FILTER;
        next(p);
        while(is_kw(p, SQL_KW_BY) || is_word(p, "with") || is_word(p, "nocycle"))
            next(p);
        if(is_word(p, "grouping") || is_word(p, "rollup") || is_word(p, "cube")) {
            if(t_word(p, peek(p, 1), "sets"))
                next(p);
        }
        do {
            if(is_kw(p, SQL_KW_ALL) || is_kw(p, SQL_KW_DISTINCT))
                next(p);
            size_t before = p->pos;
            if(is_name_tok(cur(p)) && t_kw(peek(p, 1), SQL_KW_AS) && t_op(p, peek(p, 2), '(')) {
                /* WINDOW w AS (...) */
                next(p);
                next(p);
            }
            parse_indirect_expr(p, how);
            if(p->pos == before)
                break;
            while(is_kw(p, SQL_KW_ASC) || is_kw(p, SQL_KW_DESC))
                next(p);
        } while(!p->err && accept_op(p, ','));
        if(is_kw(p, SQL_KW_WITH) &&
           (t_word(p, peek(p, 1), "rollup") || t_word(p, peek(p, 1), "cube") || t_word(p, peek(p, 1), "totals"))) {
            next(p);
            next(p);
        }
    }
}

static void parse_order_by(parser_t *p)
{
    next(p);
    next(p);
    do {
        parse_indirect_expr(p, SQL_HOW_SORT);
        while(is_kw(p, SQL_KW_ASC) || is_kw(p, SQL_KW_DESC) || is_kw(p, SQL_KW_NULLS) || is_kw(p, SQL_KW_FIRST) ||
              is_kw(p, SQL_KW_LAST))
            next(p);
    } while(!p->err && accept_op(p, ','));
}

/* ORDER BY, LIMIT, OFFSET, FETCH, FOR UPDATE, T-SQL FOR XML/OPTION. */
static void parse_tail_clauses(parser_t *p)
{
    for(;;) {
        if(p->err)
            return;
        if(is_kw(p, SQL_KW_ORDER) && t_kw(peek(p, 1), SQL_KW_BY)) {
            parse_order_by(p);
        } else if(is_kw(p, SQL_KW_LIMIT) || is_kw(p, SQL_KW_OFFSET)) {
            next(p);
            if(!accept_kw(p, SQL_KW_ALL))
                parse_expr(p, NULL);
            if(accept_op(p, ','))
                parse_expr(p, NULL);
            while(is_kw(p, SQL_KW_ROWS) || is_kw(p, SQL_KW_ROW))
                next(p);
            if(accept_kw(p, SQL_KW_BY)) {
                /* ClickHouse LIMIT n BY cols */
                do
                    parse_indirect_expr(p, SQL_HOW_SORT);
                while(!p->err && accept_op(p, ','));
            }
        } else if(is_word(p, "settings") && is_name_tok(peek(p, 1)) && t_ops(p, peek(p, 2), "=")) {
            /* ClickHouse SETTINGS k = v, .. */
            next(p);
            do {
                next(p);
                next(p);
                parse_expr(p, NULL);
            } while(!p->err && is_op(p, ',') && is_name_tok(peek(p, 1)) && t_ops(p, peek(p, 2), "=") &&
                    accept_op(p, ','));
        } else if(is_word(p, "format") && is_name_tok(peek(p, 1)) && p->d == SQL_DIALECT_CLICKHOUSE) {
            next(p);
            next(p);
        } else if(is_kw(p, SQL_KW_FETCH)) {
            next(p);
            while(!at_end(p) &&
                  (is_kw(p, SQL_KW_FIRST) || is_word(p, "next") || cur(p)->type == SQL_TOK_NUMBER ||
                   is_kw(p, SQL_KW_ROWS) || is_kw(p, SQL_KW_ROW) || is_word(p, "only") || is_word(p, "percent") ||
                   is_kw(p, SQL_KW_WITH) || is_word(p, "ties") || cur(p)->type == SQL_TOK_VAR))
                next(p);
        } else if(is_kw(p, SQL_KW_FOR) &&
                  (t_kw(peek(p, 1), SQL_KW_UPDATE) || t_word(p, peek(p, 1), "share") || t_word(p, peek(p, 1), "xml") ||
                   t_word(p, peek(p, 1), "json") || t_word(p, peek(p, 1), "no") || t_word(p, peek(p, 1), "key") ||
                   t_word(p, peek(p, 1), "read"))) {
            next(p);
            while(!at_end(p) && !is_op(p, ';') && !is_op(p, ')') && !(t_flags(cur(p)) & SQL_KW_T)) {
                if(is_op(p, '('))
                    skip_group(p);
                else
                    next(p);
            }
        } else if(is_word(p, "option") && t_op(p, peek(p, 1), '(')) {
            next(p);
            skip_group(p);
        } else if(is_kw(p, SQL_KW_USING) && t_word(p, peek(p, 1), "sample")) {
            /* DuckDB USING SAMPLE 10% [(method, seed)] */
            next(p);
            next(p);
            parse_expr(p, NULL);
            while(is_op(p, '%') || is_word(p, "percent") || is_kw(p, SQL_KW_ROWS) || is_word(p, "repeatable") ||
                  is_op(p, '(')) {
                if(is_op(p, '('))
                    skip_group(p);
                else
                    next(p);
            }
        } else {
            return;
        }
    }
}

/* SELECT ... INTO target (T-SQL, Postgres). Inside routines of other dialects INTO names variables. */
static void parse_select_into(parser_t *p)
{
    next(p);
    accept_word(p, "temp");
    accept_word(p, "temporary");
    accept_word(p, "unlogged");
    accept_kw(p, SQL_KW_TABLE);
    if(is_word(p, "outfile") || is_word(p, "dumpfile")) {
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st)
            vadd(p, &p->st->write_paths, string_value(p, cur(p)));
        next(p);
        return;
    }
    int vars = p->in_body && p->d != SQL_DIALECT_TSQL;
    do {
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            continue;
        }
        qname_t q;
        if(!parse_qname(p, &q))
            return;
        if(!vars) {
            add_write(p, q.full);
            set_kind(p, "select_into");
            if(!p->into_table && !p->in_body)
                p->into_table = q.full;
        }
    } while(!p->err && accept_op(p, ','));
}

/* A bare column reference (a, t.a, s.t.a) is copied as is. */
static void mark_identity(parser_t *p, sink_t *s, size_t start, size_t end)
{
    if(s->n != 1 || s->resolved.n || end <= start)
        return;
    for(size_t k = start; k < end; k++)
        if((k - start) % 2 ? !t_op(p, &p->toks[k], '.') : !is_name_tok(&p->toks[k]))
            return;
    if((end - start) % 2 == 1 && s->refs[0].how == SQL_HOW_TRANSFORMATION)
        s->refs[0].how = SQL_HOW_IDENTITY;
}

/* The join, filter, grouping and sorting columns of one SELECT, into the statement's indirect
 * list; a name that is one of the SELECT's outputs (ORDER BY alias) stands for its sources. */
static void resolve_indirect(parser_t *p, scope_t *sc, const rel_t *r, const sink_t *ind, sink_t *bubble)
{
    if(!p->st)
        return;
    sql_srcvec_t *out = &p->st->indirect;
    sadd_all(p, out, &ind->resolved, 0);
    for(uint32_t i = 0; i < ind->n; i++) {
        const ref_t *rf = &ind->refs[i];
        int done = 0;
        if(!rf->qual && r && !(sc->n == 1 && item_has(p, &sc->items[0], rf->col))) {
            for(uint32_t k = 0; k < r->n; k++) {
                const outcol_t *c = &r->cols[k];
                if(!c->star && c->name && strcmp(c->name, rf->col) == 0) {
                    sadd_all(p, out, &c->src, rf->how);
                    done = 1;
                }
            }
        }
        if(!done)
            resolve_ref(p, sc, rf, out, bubble, 0);
    }
}

static rel_t *select_core(parser_t *p, sink_t *outer, scope_t *scp)
{
    unsigned outer_how = p->outer_how;
    scope_t sc = {0};
    /* DuckDB FROM t [SELECT ..]: the FROM clause first, SELECT * when there is none */
    int from_first = is_kw(p, SQL_KW_FROM);
    if(from_first) {
        next(p);
        parse_from_list(p, &sc);
        if(!is_kw(p, SQL_KW_SELECT)) {
            parse_filter_clauses(p);
            *scp = sc;
            rel_t *r = p->err ? NULL : new_rel(p);
            for(uint32_t k = 0; r && k < sc.n; k++)
                expand_star(p, &sc.items[k], r);
            return r;
        }
    }
    next(p); /* SELECT */
    for(;;) {
        if(is_kw(p, SQL_KW_DISTINCT) && t_kw(peek(p, 1), SQL_KW_ON) && t_op(p, peek(p, 2), '(')) {
            next(p);
            next(p);
            skip_group(p);
        } else if(is_kw(p, SQL_KW_DISTINCT) || is_kw(p, SQL_KW_ALL) || is_kw(p, SQL_KW_UNIQUE) ||
                  is_word(p, "distinctrow") || is_word(p, "straight_join") || is_word(p, "sql_calc_found_rows") ||
                  is_word(p, "sql_no_cache") || is_word(p, "high_priority") || is_word(p, "sql_small_result") ||
                  is_word(p, "sql_big_result")) {
            next(p);
        } else if(is_kw(p, SQL_KW_TOP)) {
            next(p);
            if(is_op(p, '('))
                skip_group(p);
            else
                next(p);
            accept_word(p, "percent");
            if(is_kw(p, SQL_KW_WITH) && t_word(p, peek(p, 1), "ties")) {
                next(p);
                next(p);
            }
        } else if(is_kw(p, SQL_KW_AS) && (t_word(p, peek(p, 1), "struct") || t_word(p, peek(p, 1), "value"))) {
            next(p);
            next(p);
        } else {
            break;
        }
    }
    item_t *items = NULL;
    uint32_t nitems = 0, capitems = 0;
    for(;;) {
        if(p->err)
            return NULL;
        if(!grow(p, (void **)&items, nitems, &capitems, sizeof *items))
            return NULL;
        item_t *it = &items[nitems];
        memset(it, 0, sizeof *it);
        size_t start = p->pos;
        const sql_token_t *t = cur(p);
        if(t_op(p, t, '*')) {
            next(p);
            it->star = 1;
        } else if(is_name_tok(t) && t_op(p, peek(p, 1), '.') && t_op(p, peek(p, 2), '*')) {
            it->star = 1;
            it->star_qual = norm(p, t);
            next(p);
            next(p);
            next(p);
        } else if(is_name_tok(t) && t_op(p, peek(p, 1), '.') && is_name_tok(peek(p, 2)) && t_op(p, peek(p, 3), '.') &&
                  t_op(p, peek(p, 4), '*')) {
            it->star = 1;
            const char *a = norm(p, t);
            const char *b = norm(p, peek(p, 2));
            it->star_qual = a && b ? aconcat(p, a, ".", b) : NULL;
            for(int i = 0; i < 5; i++)
                next(p);
        } else if(p->d == SQL_DIALECT_TSQL && is_name_tok(t) && t_ops(p, peek(p, 1), "=")) {
            /* T-SQL: SELECT alias = expr */
            it->name = norm(p, t);
            next(p);
            next(p);
            size_t from = p->pos;
            parse_expr(p, &it->sink);
            mark_identity(p, &it->sink, from, p->pos);
        } else if(t_kw(t, SQL_KW_FROM) || t_op(p, t, ')') || t->type == SQL_TOK_EOF || t_op(p, t, ';')) {
            break;
        } else {
            parse_expr(p, &it->sink);
            if(p->pos == start) {
                fail(p, "expected a select item");
                return NULL;
            }
            mark_identity(p, &it->sink, start, p->pos);
            it->expr_star =
                p->pos >= start + 3 && t_op(p, &p->toks[p->pos - 1], '*') && t_op(p, &p->toks[p->pos - 2], '.');
        }
        if(it->star || it->expr_star) {
            /* BigQuery * EXCEPT (..), Snowflake * EXCLUDE/RENAME/REPLACE (..) */
            while((is_kw(p, SQL_KW_EXCEPT) || is_word(p, "exclude") || is_kw(p, SQL_KW_REPLACE) ||
                   is_word(p, "rename")) &&
                  (t_op(p, peek(p, 1), '(') || is_name_tok(peek(p, 1)))) {
                next(p);
                if(is_op(p, '('))
                    skip_group(p);
                else
                    next(p);
            }
        }
        size_t end = p->pos;
        if(!it->star && !it->expr_star) {
            const char *alias = NULL;
            if(is_kw(p, SQL_KW_AS)) {
                next(p);
                if(is_name_tok(cur(p)) || cur(p)->type == SQL_TOK_STRING) {
                    alias = norm(p, cur(p));
                    next(p);
                } else if(cur(p)->type == SQL_TOK_VAR && p->src[cur(p)->off] == ':' && cur(p)->len > 1) {
                    /* AS :name, a bind variable naming the column */
                    alias = astrndup(p, p->src + cur(p)->off + 1, cur(p)->len - 1);
                    next(p);
                } else {
                    fail(p, "expected an alias after AS");
                }
            } else if(can_be_alias(p, cur(p)) || (cur(p)->type == SQL_TOK_STRING && p->d != SQL_DIALECT_ANSI)) {
                alias = norm(p, cur(p));
                next(p);
            }
            if(!it->name)
                it->name = alias ? alias : item_name(p, start, end);
        }
        nitems++;
        if(!accept_op(p, ','))
            break;
    }
    if(is_kw(p, SQL_KW_INTO))
        parse_select_into(p);
    if(!from_first && accept_kw(p, SQL_KW_FROM))
        parse_from_list(p, &sc);
    parse_filter_clauses(p);
    /* ORDER BY after a later set operand sorts the whole result: parse_query has it */
    if(!p->in_setop && is_kw(p, SQL_KW_ORDER) && t_kw(peek(p, 1), SQL_KW_BY))
        parse_order_by(p);
    *scp = sc;
    if(p->err)
        return NULL;
    rel_t *r = new_rel(p);
    if(!r)
        return NULL;
    for(uint32_t i = 0; i < nitems; i++) {
        item_t *it = &items[i];
        if(it->star) {
            if(it->star_qual) {
                fitem_t *fi = find_item(&sc, it->star_qual);
                if(fi)
                    expand_star(p, fi, r);
            } else {
                for(uint32_t k = 0; k < sc.n; k++)
                    expand_star(p, &sc.items[k], r);
            }
            continue;
        }
        outcol_t *c = rel_add(p, r, it->expr_star ? "*" : it->name, it->expr_star);
        if(c)
            resolve_sink(p, &sc, &it->sink, &c->src, outer, outer_how);
    }
    return r;
}

/* One SELECT with its own join/filter/grouping/sorting columns; correlated ones go to the
 * enclosing SELECT's. */
static rel_t *parse_select_core(parser_t *p, sink_t *outer)
{
    sink_t ind = {0};
    sink_t *outer_ind = p->ind;
    scope_t sc = {0};
    p->ind = &ind;
    rel_t *r = select_core(p, outer, &sc);
    p->ind = outer_ind;
    if(r)
        resolve_indirect(p, &sc, r, &ind, outer_ind);
    return r;
}

static void rel_union(parser_t *p, rel_t *a, const rel_t *b)
{
    for(uint32_t i = 0; i < b->n; i++) {
        if(i < a->n) {
            sadd_all(p, &a->cols[i].src, &b->cols[i].src, 0);
        } else {
            outcol_t *c = rel_add(p, a, b->cols[i].name, b->cols[i].star);
            if(c)
                sadd_all(p, &c->src, &b->cols[i].src, 0);
        }
    }
}

static rel_t *parse_values(parser_t *p)
{
    next(p); /* VALUES */
    rel_t *r = new_rel(p);
    if(!r)
        return NULL;
    do {
        accept_kw(p, SQL_KW_ROW);
        if(!is_op(p, '(')) {
            parse_expr(p, NULL);
            continue;
        }
        if(!enter(p))
            return NULL;
        next(p);
        uint32_t col = 0;
        while(!at_end(p) && !is_op(p, ')')) {
            sink_t s = {0};
            size_t before = p->pos;
            parse_expr(p, &s);
            if(col >= r->n && !rel_add(p, r, "", 0))
                return NULL;
            resolve_sink(p, &(scope_t){0}, &s, &r->cols[col].src, NULL, 0);
            col++;
            if(!accept_op(p, ',')) {
                if(p->pos == before)
                    fail(p, "unexpected token in VALUES");
                break;
            }
        }
        expect_op(p, ')', "expected ')' after VALUES row");
        leave(p);
    } while(!p->err && accept_op(p, ','));
    return r;
}

static rel_t *parse_set_term(parser_t *p, sink_t *outer)
{
    if(is_op(p, '(')) {
        if(!enter(p))
            return NULL;
        next(p);
        rel_t *r = parse_query(p, outer);
        expect_op(p, ')', "expected ')' after subquery");
        leave(p);
        return r;
    }
    if(is_kw(p, SQL_KW_SELECT) || is_kw(p, SQL_KW_FROM))
        return parse_select_core(p, outer);
    if(is_kw(p, SQL_KW_VALUES))
        return parse_values(p);
    if(is_kw(p, SQL_KW_WITH))
        return parse_query(p, outer);
    if(is_kw(p, SQL_KW_TABLE)) {
        next(p);
        qname_t q;
        if(parse_qname(p, &q))
            add_read(p, q.full);
        return new_rel(p);
    }
    fail(p, "expected a query");
    return NULL;
}

/* name AS .., name (cols) AS .., name (query): a CTE; anything else is ClickHouse's expr AS name. */
static int is_cte_head(const parser_t *p)
{
    if(!is_name_tok(cur(p)))
        return 0;
    if(t_kw(peek(p, 1), SQL_KW_AS))
        return 1;
    if(!t_op(p, peek(p, 1), '('))
        return 0;
    if(paren_is_query(p, 2))
        return 1;
    size_t k = 2;
    while(is_name_tok(peek(p, k)) || t_op(p, peek(p, k), ','))
        k++;
    return t_op(p, peek(p, k), ')') && (t_kw(peek(p, k + 1), SQL_KW_AS) || t_op(p, peek(p, k + 1), '('));
}

static void parse_with(parser_t *p)
{
    next(p); /* WITH */
    int recursive = accept_kw(p, SQL_KW_RECURSIVE);
    do {
        if(!is_cte_head(p) && !is_op(p, ';') && !at_end(p)) {
            /* ClickHouse WITH expr AS name: a named value; its subqueries still read */
            size_t before = p->pos;
            parse_expr(p, NULL);
            if(p->pos == before || !accept_kw(p, SQL_KW_AS) || !is_name_tok(cur(p))) {
                fail(p, "expected a CTE name");
                return;
            }
            next(p);
            continue;
        }
        if(!is_name_tok(cur(p))) {
            fail(p, "expected a CTE name");
            return;
        }
        cte_t *c = amalloc(p, sizeof *c);
        if(!c)
            return;
        memset(c, 0, sizeof *c);
        c->name = norm(p, cur(p));
        next(p);
        const char *cols[256];
        int nc = 0;
        if(is_op(p, '(') && !paren_is_query(p, 1)) {
            next(p);
            while(!at_end(p) && !is_op(p, ')')) {
                if(is_name_tok(cur(p)) && nc < 256)
                    cols[nc++] = norm(p, cur(p));
                next(p);
            }
            expect_op(p, ')', "expected ')' after CTE columns");
        }
        accept_kw(p, SQL_KW_AS);
        accept_kw(p, SQL_KW_NOT);
        accept_word(p, "materialized");
        c->pending = 1;
        c->next = p->ctes;
        p->ctes = c;
        if(!is_op(p, '(')) {
            fail(p, "expected '(' before CTE query");
            return;
        }
        rel_t *r = parse_set_term(p, NULL);
        if(p->err)
            return;
        c->pending = 0;
        c->rel = r;
        rename_cols(r, cols, nc);
        if(c->self_ref && !recursive && r && !r->setop)
            add_read(p, c->name);
        /* SEARCH/CYCLE clauses of recursive CTEs */
        while((is_word(p, "search") || is_word(p, "cycle")) && !at_end(p)) {
            while(!at_end(p) && !is_op(p, ',') && !is_query_start(cur(p)) && !(t_flags(cur(p)) & SQL_KW_T))
                next(p);
        }
    } while(!p->err && accept_op(p, ','));
}

/* [WITH ...] set_term { UNION|INTERSECT|EXCEPT|MINUS set_term } [ORDER BY ...] [LIMIT ...] */
static rel_t *parse_query(parser_t *p, sink_t *outer)
{
    if(!enter(p))
        return NULL;
    cte_t *saved = p->ctes;
    /* the query starts a context of its own; how the enclosing expression uses it is applied
     * to what bubbles out */
    parser_t ctx = *p;
    p->outer_how = cur_how(p);
    p->clause_how = 0;
    p->cond = p->win = p->agg = 0;
    p->in_setop = 0;
    if(is_kw(p, SQL_KW_WITH))
        parse_with(p);
    rel_t *r = p->err ? NULL : parse_set_term(p, outer);
    while(!p->err &&
          (is_kw(p, SQL_KW_UNION) || is_kw(p, SQL_KW_INTERSECT) || is_kw(p, SQL_KW_EXCEPT) || is_kw(p, SQL_KW_MINUS))) {
        next(p);
        while(is_kw(p, SQL_KW_ALL) || is_kw(p, SQL_KW_DISTINCT) ||
              (is_kw(p, SQL_KW_BY) && t_word(p, peek(p, 1), "name")) || is_word(p, "name") ||
              is_word(p, "corresponding"))
            next(p);
        p->in_setop = 1;
        rel_t *b = parse_set_term(p, outer);
        if(r && b) {
            rel_union(p, r, b);
            r->setop = 1;
        }
    }
    p->in_setop = 0;
    /* ORDER BY of a set operation names its output columns */
    sink_t order = {0};
    sink_t *outer_ind = p->ind;
    p->ind = &order;
    parse_tail_clauses(p);
    p->ind = outer_ind;
    if(r && !p->err)
        resolve_indirect(p, &(scope_t){0}, r, &order, NULL);
    p->ctes = saved;
    p->outer_how = ctx.outer_how;
    p->clause_how = ctx.clause_how;
    p->cond = ctx.cond;
    p->win = ctx.win;
    p->agg = ctx.agg;
    p->in_setop = ctx.in_setop;
    leave(p);
    return p->err ? NULL : r;
}

/* ---- statements ---- */

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

static int is_stmt_start(const parser_t *p, const sql_token_t *t)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    if(t_flags(t) & SQL_KW_T)
        return 1;
    return tok_in_list(p, t, quiet_words, sizeof quiet_words / sizeof quiet_words[0]) || t_word(p, t, "rename") ||
           t_word(p, t, "unload") || t_word(p, t, "upsert") || t_kw(t, SQL_KW_COPY);
}

/* To the end of the statement: `;` at depth 0, or in T-SQL a statement keyword starting a line. */
static void skip_statement(parser_t *p)
{
    int depth = 0;
    size_t start = p->pos;
    while(p->pos < p->n) {
        const sql_token_t *t = cur(p);
        if(depth == 0 && t_op(p, t, ';'))
            return;
        if(depth == 0 && p->pos > start && p->d == SQL_DIALECT_TSQL && (t->flags & SQL_TOKF_NL_BEFORE) &&
           is_stmt_start(p, t) && !t_kw(t, SQL_KW_SET))
            return;
        if(t_op(p, t, '(') || t_kw(t, SQL_KW_BEGIN))
            depth++;
        else if((t_op(p, t, ')') || t_kw(t, SQL_KW_END)) && depth > 0)
            depth--;
        next(p);
    }
}

/* Rest of a statement whose shape we do not model, keeping the tables its subqueries read. */
static void skim_statement(parser_t *p)
{
    while(!at_end(p) && !is_op(p, ';')) {
        if(is_op(p, '(') && paren_is_query(p, 1)) {
            parse_query(p, NULL);
            continue;
        }
        if(p->d == SQL_DIALECT_TSQL && (cur(p)->flags & SQL_TOKF_NL_BEFORE) && is_stmt_start(p, cur(p)))
            return;
        next(p);
    }
}

/* Column lineage of rows written to `table` (NULL: the rows a query returns). */
static void emit_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols)
{
    if(!r)
        return;
    size_t nknown = 0;
    char *const *known = NULL;
    if(ncols == 0 && table && p->ctx->schema)
        known = sql_schema_get(p->ctx->schema, table, &nknown);
    int has_star = 0;
    for(uint32_t i = 0; i < r->n; i++)
        has_star |= r->cols[i].star;
    for(uint32_t i = 0; i < r->n; i++) {
        const outcol_t *c = &r->cols[i];
        const char *name = c->name;
        if(c->star)
            name = "*";
        else if((int)i < ncols)
            name = cols[i];
        else if(known && !has_star && nknown == r->n)
            name = known[i];
        if(!name || !*name)
            continue;
        add_edge(p, table, name, &c->src);
    }
}

/* (a, b, c) column list; returns the count. */
static int parse_column_list(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        if(is_name_tok(cur(p))) {
            qname_t q;
            parse_qname(p, &q);
            if(n < max)
                cols[n++] = q.last;
            if(is_op(p, '('))
                skip_group(p);
            continue;
        }
        if(is_op(p, '('))
            skip_group(p);
        else
            next(p);
    }
    expect_op(p, ')', "expected ')' after column list");
    return n;
}

static void parse_insert_values_columns(parser_t *p, const char *table, const char **cols, int ncols, scope_t *sc)
{
    next(p); /* VALUES */
    do {
        accept_kw(p, SQL_KW_ROW);
        if(!is_op(p, '(')) {
            parse_expr(p, NULL);
            continue;
        }
        if(!enter(p))
            return;
        next(p);
        int col = 0;
        while(!at_end(p) && !is_op(p, ')')) {
            sink_t s = {0};
            size_t before = p->pos;
            parse_expr(p, &s);
            if(col < ncols) {
                sql_srcvec_t src = {0};
                resolve_sink(p, sc, &s, &src, NULL, 0);
                add_edge(p, table, cols[col], &src);
            }
            col++;
            if(!accept_op(p, ',')) {
                if(p->pos == before)
                    fail(p, "unexpected token in VALUES");
                break;
            }
        }
        expect_op(p, ')', "expected ')' after VALUES row");
        leave(p);
    } while(!p->err && accept_op(p, ','));
}

/* Oracle INSERT ALL|FIRST [WHEN .. THEN] INTO t [(..)] [VALUES (..)] ... SELECT .. */
static void parse_insert_all(parser_t *p)
{
    next(p); /* ALL | FIRST */
    while(!at_end(p) && !is_query_start(cur(p)) && !(is_op(p, '(') && paren_is_query(p, 1))) {
        if(accept_kw(p, SQL_KW_WHEN)) {
            parse_expr(p, NULL);
            accept_kw(p, SQL_KW_THEN);
        } else if(accept_kw(p, SQL_KW_ELSE)) {
            continue;
        } else if(accept_kw(p, SQL_KW_INTO)) {
            qname_t q;
            if(!parse_qname(p, &q)) {
                fail(p, "expected a table after INTO");
                return;
            }
            add_write(p, q.full);
            parse_alias(p, NULL, NULL, 0);
            if(is_op(p, '('))
                skip_group(p);
            if(is_kw(p, SQL_KW_VALUES)) {
                next(p);
                if(is_op(p, '('))
                    skip_group(p);
            }
        } else {
            fail(p, "unexpected token in INSERT ALL");
            return;
        }
    }
    parse_query(p, NULL);
}

static void parse_insert(parser_t *p)
{
    set_kind(p, is_kw(p, SQL_KW_REPLACE) ? "replace" : "insert");
    next(p);
    while(is_word(p, "low_priority") || is_word(p, "delayed") || is_word(p, "high_priority") || is_kw(p, SQL_KW_IGNORE))
        next(p);
    /* SQLite/DuckDB INSERT OR REPLACE|IGNORE INTO */
    if(is_kw(p, SQL_KW_OR) && (t_kw(peek(p, 1), SQL_KW_REPLACE) || t_kw(peek(p, 1), SQL_KW_IGNORE))) {
        next(p);
        next(p);
    }
    if(is_kw(p, SQL_KW_ALL) ||
       (is_kw(p, SQL_KW_FIRST) && (t_kw(peek(p, 1), SQL_KW_WHEN) || t_kw(peek(p, 1), SQL_KW_INTO)))) {
        parse_insert_all(p);
        return;
    }
    int overwrite = 0;
    if(accept_kw(p, SQL_KW_INTO) || (overwrite = accept_word(p, "overwrite")) != 0)
        accept_kw(p, SQL_KW_INTO);
    accept_kw(p, SQL_KW_TABLE);
    if(overwrite && (is_word(p, "directory") || (is_word(p, "local") && t_word(p, peek(p, 1), "directory")))) {
        accept_word(p, "local");
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st)
            vadd(p, &p->st->write_paths, string_value(p, cur(p)));
        while(!at_end(p) && !is_query_start(cur(p)) && !is_op(p, ';') && !(is_op(p, '(') && paren_is_query(p, 1))) {
            if(is_op(p, '('))
                skip_group(p);
            else
                next(p);
        }
        if(!at_end(p) && !is_op(p, ';'))
            parse_query(p, NULL);
        return;
    }
    const char *table = NULL;
    if(cur(p)->type == SQL_TOK_VAR) {
        next(p);
    } else {
        qname_t q;
        if(!parse_qname(p, &q)) {
            fail(p, "expected a table name after INSERT");
            return;
        }
        table = q.full;
        add_write(p, table);
    }
    const char *cols[1024];
    int ncols = 0;
    for(;;) {
        if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '(')) {
            next(p);
            skip_group(p);
        } else if(is_kw(p, SQL_KW_IF) && t_kw(peek(p, 1), SQL_KW_NOT)) {
            next(p);
            next(p);
            next(p);
        } else if(is_op(p, '(') && !paren_is_query(p, 1)) {
            ncols = parse_column_list(p, cols, 1024);
        } else if(is_kw(p, SQL_KW_AS) && is_name_tok(peek(p, 1))) {
            next(p);
            next(p);
        } else if(is_kw(p, SQL_KW_BY) && t_word(p, peek(p, 1), "name")) {
            next(p);
            next(p);
        } else if(is_word(p, "output")) {
            while(!at_end(p) && !is_query_start(cur(p)))
                next(p);
        } else {
            break;
        }
        if(p->err)
            return;
    }
    if(is_kw(p, SQL_KW_VALUES)) {
        scope_t empty = {0};
        size_t nknown = 0;
        char *const *known =
            ncols == 0 && table && p->ctx->schema ? sql_schema_get(p->ctx->schema, table, &nknown) : NULL;
        if(known)
            parse_insert_values_columns(p, table, (const char **)known, (int)nknown, &empty);
        else
            parse_insert_values_columns(p, table, cols, ncols, &empty);
    } else if(is_word(p, "default")) {
        next(p);
        accept_kw(p, SQL_KW_VALUES);
    } else if(is_kw(p, SQL_KW_EXEC) || is_kw(p, SQL_KW_EXECUTE)) {
        next(p);
        qname_t q;
        if(parse_qname(p, &q) && p->st)
            vadd(p, &p->st->calls, q.full);
        skim_statement(p);
    } else if(is_kw(p, SQL_KW_SET)) {
        skim_statement(p);
    } else {
        rel_t *r = parse_query(p, NULL);
        if(table)
            emit_columns(p, table, r, cols, ncols);
    }
    if(p->err)
        return;
    if(is_kw(p, SQL_KW_ON) || is_kw(p, SQL_KW_RETURNING))
        skim_statement(p);
}

typedef struct assign {
    const char *col;
    sink_t sink;
} assign_t;

typedef struct assigns {
    assign_t *v;
    uint32_t n, cap;
} assigns_t;

static int is_assign_op(const parser_t *p, const sql_token_t *t)
{
    static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "||="};
    for(size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if(t_ops(p, t, ops[i]))
            return 1;
    return 0;
}

/* SET a = expr, t.b = expr, (c, d) = (...); resolved by the caller once FROM is known. */
static void parse_assignments(parser_t *p, assigns_t *out)
{
    do {
        if(is_op(p, '(')) {
            skip_group(p);
            if(accept_op(p, '=') && is_op(p, '('))
                parse_paren(p, NULL);
            continue;
        }
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            if(is_assign_op(p, cur(p)))
                next(p);
            parse_expr(p, NULL);
            continue;
        }
        qname_t q;
        if(!parse_qname(p, &q)) {
            fail(p, "expected a column in SET");
            return;
        }
        if(!is_assign_op(p, cur(p))) {
            fail(p, "expected '=' in SET");
            return;
        }
        next(p);
        if(!grow(p, (void **)&out->v, out->n, &out->cap, sizeof *out->v))
            return;
        assign_t *a = &out->v[out->n++];
        memset(a, 0, sizeof *a);
        a->col = q.last;
        parse_expr(p, &a->sink);
    } while(!p->err && accept_op(p, ','));
}

static void resolve_assignments(parser_t *p, const char *table, scope_t *sc, const assigns_t *as)
{
    for(uint32_t i = 0; i < as->n && !p->err; i++) {
        sql_srcvec_t src = {0};
        resolve_sink(p, sc, &as->v[i].sink, &src, NULL, 0);
        add_edge(p, table, as->v[i].col, &src);
    }
}

/* Does any of `v` name a column of `table`? */
static int reads_own(const sql_srcvec_t *v, const char *table, size_t tl)
{
    for(uint32_t i = 0; i < v->n; i++)
        if(strncmp(v->v[i], table, tl) == 0 && v->v[i][tl] == '.')
            return 1;
    return 0;
}

static void parse_update(parser_t *p)
{
    set_kind(p, "update");
    next(p);
    while(is_word(p, "low_priority") || is_kw(p, SQL_KW_IGNORE) || is_word(p, "only"))
        next(p);
    if(is_kw(p, SQL_KW_TOP)) {
        next(p);
        skip_group(p);
        accept_word(p, "percent");
    }
    scope_t sc = {0};
    const char *saved_target = p->dml_target, *saved_table = p->dml_table;
    /* the first table is the target (T-SQL may name it by a FROM alias); MySQL joins more before SET */
    fitem_t *tgt = scope_add(p, &sc);
    if(!tgt)
        return;
    if(cur(p)->type == SQL_TOK_VAR) {
        next(p);
    } else {
        qname_t q;
        if(!parse_qname(p, &q)) {
            fail(p, "expected a table after UPDATE");
            return;
        }
        tgt->table = q.full;
        skip_table_modifiers(p);
        if(!is_kw(p, SQL_KW_SET))
            tgt->alias = parse_alias(p, NULL, NULL, 0);
        p->dml_target = q.full;
        p->dml_table = NULL;
    }
    sink_t ind = {0};
    sink_t *outer_ind = p->ind;
    p->ind = &ind;
    parse_joins(p, &sc);
    while(!p->err && accept_op(p, ','))
        parse_table_ref(p, &sc);
    if(!accept_kw(p, SQL_KW_SET)) {
        fail(p, "expected SET in UPDATE");
        goto out;
    }
    assigns_t as = {0};
    parse_assignments(p, &as);
    if(accept_kw(p, SQL_KW_FROM))
        parse_from_list(p, &sc);
    if(accept_kw(p, SQL_KW_WHERE))
        parse_indirect_expr(p, SQL_HOW_FILTER);
    if(p->err)
        goto out;
    /* items may have moved as the scope grew: use the index, not tgt */
    const char *table = p->dml_table ? p->dml_table : sc.items[0].table;
    if(p->dml_table)
        sc.items[0].table = NULL;
    if(table)
        add_write(p, table);
    uint32_t nedges = p->st ? p->st->nedges : 0;
    resolve_assignments(p, table, &sc, &as);
    resolve_indirect(p, &sc, NULL, &ind, NULL);
    /* SET x = x + 1 or a self-join: the target's values are read too. Only selecting rows by
     * the target's columns (WHERE, join keys) is not a read, as the sqllineage corpus has it;
     * those columns are in the indirect list. */
    if(table && p->st) {
        size_t tl = strlen(table);
        int reads_target = 0;
        for(uint32_t i = nedges; i < p->st->nedges && !reads_target; i++)
            reads_target = reads_own(&p->st->edges[i].sources, table, tl);
        if(reads_target)
            add_read(p, table);
    }
    if(is_kw(p, SQL_KW_RETURNING) || is_kw(p, SQL_KW_ORDER) || is_kw(p, SQL_KW_LIMIT) || is_word(p, "option"))
        skim_statement(p);
out:
    p->ind = outer_ind;
    p->dml_target = saved_target;
    p->dml_table = saved_table;
}

/* DELETE [FROM] t [USING ..|FROM ..] [WHERE ..]. Without anything read it has no lineage. */
static void parse_delete(parser_t *p)
{
    set_kind(p, "delete");
    next(p);
    while(is_word(p, "low_priority") || is_word(p, "quick") || is_kw(p, SQL_KW_IGNORE))
        next(p);
    if(is_kw(p, SQL_KW_TOP)) {
        next(p);
        skip_group(p);
    }
    const char *saved_target = p->dml_target, *saved_table = p->dml_table;
    sql_strvec_t *reads = p->st ? &p->st->reads : NULL;
    uint32_t reads_before = reads ? reads->n : 0;
    const char *targets[16];
    int nt = 0;
    int from = accept_kw(p, SQL_KW_FROM);
    accept_word(p, "only");
    if(is_kw(p, SQL_KW_TABLE) && is_name_tok(peek(p, 1)))
        next(p);
    do {
        qname_t q;
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            continue;
        }
        if(!parse_qname(p, &q)) {
            fail(p, "expected a table after DELETE");
            goto out;
        }
        if(is_op(p, '.') && t_op(p, peek(p, 1), '*')) {
            next(p);
            next(p);
        }
        if(nt < 16)
            targets[nt++] = q.full;
    } while(accept_op(p, ','));
    const char *alias = NULL;
    if(!is_kw(p, SQL_KW_FROM) && !is_kw(p, SQL_KW_USING))
        alias = parse_alias(p, NULL, NULL, 0);
    skip_table_modifiers(p);
    scope_t sc = {0};
    if(nt == 1) {
        fitem_t *it = scope_add(p, &sc);
        if(it) {
            it->table = targets[0];
            it->alias = alias;
        }
    }
    p->dml_target = nt == 1 ? targets[0] : NULL;
    p->dml_table = NULL;
    if((from || is_kw(p, SQL_KW_USING)) && (accept_kw(p, SQL_KW_USING) || accept_kw(p, SQL_KW_FROM))) {
        parse_from_list(p, &sc);
    } else if(!from && accept_kw(p, SQL_KW_FROM)) {
        parse_from_list(p, &sc);
    }
    if(accept_kw(p, SQL_KW_WHERE))
        parse_expr(p, NULL);
    if(is_kw(p, SQL_KW_RETURNING) || is_kw(p, SQL_KW_ORDER) || is_kw(p, SQL_KW_LIMIT) || is_word(p, "option"))
        skim_statement(p);
    for(int i = 0; i < nt; i++) {
        const char *t = targets[i];
        if(p->dml_table && nt == 1)
            t = p->dml_table;
        else if(nt > 1 || (!from && sc.n > 1)) {
            fitem_t *it = find_item(&sc, t);
            if(it && it->table)
                t = it->table;
        }
        for(uint32_t k = reads_before; reads && k < reads->n; k++) {
            if(strcmp(reads->v[k], t) == 0) {
                memmove(&reads->v[k], &reads->v[k + 1], (reads->n - k - 1) * sizeof(char *));
                reads->n--;
                break;
            }
        }
        if(reads && reads->n > reads_before)
            add_write(p, t);
    }
out:
    p->dml_target = saved_target;
    p->dml_table = saved_table;
}

static void parse_merge(parser_t *p)
{
    set_kind(p, "merge");
    next(p);
    accept_kw(p, SQL_KW_INTO);
    scope_t sc = {0};
    qname_t q;
    if(!parse_qname(p, &q)) {
        fail(p, "expected a table after MERGE");
        return;
    }
    const char *table = q.full;
    add_write(p, table);
    fitem_t *tgt = scope_add(p, &sc);
    if(!tgt)
        return;
    tgt->table = table;
    skip_table_modifiers(p);
    if(!is_kw(p, SQL_KW_USING))
        tgt->alias = parse_alias(p, NULL, NULL, 0);
    if(!accept_kw(p, SQL_KW_USING)) {
        fail(p, "expected USING in MERGE");
        return;
    }
    parse_table_primary(p, &sc);
    if(accept_kw(p, SQL_KW_ON))
        parse_expr(p, NULL);
    while(!p->err && accept_kw(p, SQL_KW_WHEN)) {
        accept_kw(p, SQL_KW_NOT);
        accept_word(p, "matched");
        if(accept_kw(p, SQL_KW_BY))
            next(p);
        if(accept_kw(p, SQL_KW_AND))
            parse_expr(p, NULL);
        if(!accept_kw(p, SQL_KW_THEN)) {
            fail(p, "expected THEN in MERGE");
            return;
        }
        if(accept_kw(p, SQL_KW_UPDATE)) {
            if(!accept_kw(p, SQL_KW_SET)) {
                fail(p, "expected SET");
                return;
            }
            if(is_op(p, '*')) {
                next(p);
                continue;
            }
            assigns_t as = {0};
            parse_assignments(p, &as);
            resolve_assignments(p, table, &sc, &as);
            if(accept_kw(p, SQL_KW_WHERE))
                parse_expr(p, NULL);
            if(accept_kw(p, SQL_KW_DELETE) && accept_kw(p, SQL_KW_WHERE))
                parse_expr(p, NULL);
        } else if(accept_kw(p, SQL_KW_DELETE)) {
            if(accept_kw(p, SQL_KW_WHERE))
                parse_expr(p, NULL);
        } else if(accept_kw(p, SQL_KW_INSERT)) {
            const char *cols[1024];
            int nc = 0;
            if(is_op(p, '('))
                nc = parse_column_list(p, cols, 1024);
            if(is_kw(p, SQL_KW_VALUES))
                parse_insert_values_columns(p, table, cols, nc, &sc);
            else if(is_kw(p, SQL_KW_ROW) || is_op(p, '*'))
                next(p);
            else if(is_word(p, "default")) {
                next(p);
                accept_kw(p, SQL_KW_VALUES);
            }
            if(accept_kw(p, SQL_KW_WHERE))
                parse_expr(p, NULL);
        } else if(is_word(p, "do")) {
            next(p);
            accept_word(p, "nothing");
        } else {
            fail(p, "unexpected MERGE action");
            return;
        }
    }
    if(is_word(p, "output") || is_word(p, "option"))
        skim_statement(p);
}

/* Snowflake WITH TAG (..), Trino WITH [NO] DATA: options, not a WITH query. */
static int is_with_option(const parser_t *p)
{
    return is_kw(p, SQL_KW_WITH) &&
           ((t_word(p, peek(p, 1), "tag") && t_op(p, peek(p, 2), '(')) || t_word(p, peek(p, 1), "data") ||
            (t_word(p, peek(p, 1), "no") && t_word(p, peek(p, 2), "data")));
}

static int is_create_query_start(const parser_t *p)
{
    if(is_kw(p, SQL_KW_SELECT) || is_kw(p, SQL_KW_VALUES) || (is_kw(p, SQL_KW_FROM) && p->d == SQL_DIALECT_DUCKDB))
        return 1;
    if(is_kw(p, SQL_KW_WITH) && is_name_tok(peek(p, 1)) && !t_op(p, peek(p, 1), '(') && !is_with_option(p))
        return 1;
    return is_op(p, '(') && paren_is_query(p, 1);
}

/* Column definitions of CREATE TABLE (...): names only; constraints skipped. */
static int parse_column_defs(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        const sql_token_t *t = cur(p);
        int constraint = t_kw(t, SQL_KW_CONSTRAINT) || t_kw(t, SQL_KW_PRIMARY) || t_kw(t, SQL_KW_FOREIGN) ||
                         t_kw(t, SQL_KW_UNIQUE) || t_word(p, t, "check") || t_word(p, t, "index") ||
                         t_word(p, t, "key") || t_word(p, t, "period") || t_kw(t, SQL_KW_LIKE) ||
                         t_word(p, t, "fulltext") || t_word(p, t, "spatial") || t_word(p, t, "exclude");
        if(!constraint && is_name_tok(t) && n < max)
            cols[n++] = norm(p, t);
        while(!at_end(p) && !is_op(p, ',') && !is_op(p, ')')) {
            if(is_op(p, '(') || is_op(p, '['))
                skip_group(p);
            else
                next(p);
        }
        accept_op(p, ',');
    }
    expect_op(p, ')', "expected ')' after column definitions");
    return n;
}

/* IF [NOT] EXISTS before a CREATE, DROP or ALTER target. */
static void skip_if_exists(parser_t *p)
{
    if(accept_kw(p, SQL_KW_IF)) {
        accept_kw(p, SQL_KW_NOT);
        accept_kw(p, SQL_KW_EXISTS);
    }
}

static void record_schema(parser_t *p, const char *table, const char **cols, int n)
{
    if(n > 0 && p->ctx->schema && sql_schema_put(p->ctx->schema, table, (char *const *)cols, (size_t)n))
        oom(p);
}

static void parse_create_table(parser_t *p)
{
    set_kind(p, "create_table");
    next(p); /* TABLE */
    skip_if_exists(p);
    qname_t q;
    if(!parse_qname(p, &q)) {
        fail(p, "expected a table name");
        return;
    }
    add_write(p, q.full);
    const char *cols[1024];
    int ncols = 0;
    if(is_op(p, '(') && !paren_is_query(p, 1)) {
        ncols = parse_column_defs(p, cols, 1024);
        record_schema(p, q.full, cols, ncols);
    }
    while(!at_end(p) && !is_op(p, ';')) {
        if(is_create_query_start(p)) {
            rel_t *r = parse_query(p, NULL);
            emit_columns(p, q.full, r, cols, ncols);
            if(r && ncols == 0) {
                const char *names[1024];
                int nn = 0;
                for(uint32_t i = 0; i < r->n && nn < 1024; i++)
                    if(!r->cols[i].star && r->cols[i].name && *r->cols[i].name)
                        names[nn++] = r->cols[i].name;
                if((uint32_t)nn == r->n)
                    record_schema(p, q.full, names, nn);
            }
            continue;
        }
        if(is_kw(p, SQL_KW_AS)) {
            next(p);
            continue;
        }
        if((is_kw(p, SQL_KW_LIKE) || is_word(p, "clone")) && is_name_tok(peek(p, 1))) {
            next(p);
            qname_t src;
            if(parse_qname(p, &src))
                add_read(p, src.full);
            continue;
        }
        if(is_op(p, '(') || is_op(p, '[')) {
            skip_group(p);
            continue;
        }
        if(p->d == SQL_DIALECT_TSQL && (cur(p)->flags & SQL_TOKF_NL_BEFORE) && is_stmt_start(p, cur(p)))
            return;
        next(p);
    }
}

/* CREATE [MATERIALIZED] VIEW v [(cols)] [options] AS query; also ALTER VIEW. */
static void parse_create_view(parser_t *p)
{
    set_kind(p, "create_view");
    next(p); /* VIEW */
    skip_if_exists(p);
    qname_t q;
    if(!parse_qname(p, &q)) {
        fail(p, "expected a view name");
        return;
    }
    add_write(p, q.full);
    if(p->st && !p->in_body)
        p->st->name = (char *)q.full;
    const char *cols[1024];
    int ncols = 0;
    if(is_op(p, '(') && !paren_is_query(p, 1))
        ncols = parse_column_defs(p, cols, 1024);
    const char *target = q.full;
    while(!at_end(p) && !is_op(p, ';')) {
        if(is_kw(p, SQL_KW_AS) && (is_query_start(peek(p, 1)) || t_op(p, peek(p, 1), '('))) {
            next(p);
            rel_t *r = parse_query(p, NULL);
            emit_columns(p, target, r, cols, ncols);
            return;
        }
        if(is_create_query_start(p) && !is_op(p, '(')) {
            rel_t *r = parse_query(p, NULL);
            emit_columns(p, target, r, cols, ncols);
            return;
        }
        if(is_word(p, "to") && is_part_tok(peek(p, 1)) && p->st && target == q.full) {
            /* ClickHouse CREATE MATERIALIZED VIEW v TO t: the rows go to t */
            next(p);
            qname_t to;
            if(!parse_qname(p, &to))
                return;
            target = to.full;
            for(uint32_t i = 0; i < p->st->writes.n; i++)
                if(strcmp(p->st->writes.v[i], q.full) == 0)
                    p->st->writes.v[i] = (char *)target;
            if(is_op(p, '(') && !paren_is_query(p, 1))
                ncols = parse_column_defs(p, cols, 1024);
            continue;
        }
        if(is_op(p, '('))
            skip_group(p);
        else
            next(p);
    }
}

static int language_is_sql(parser_t *p)
{
    for(size_t i = p->pos; i < p->n; i++) {
        const sql_token_t *t = &p->toks[i];
        if(t_word(p, t, "language") && i + 1 < p->n) {
            const sql_token_t *l = &p->toks[i + 1];
            char *name = norm(p, l);
            return name && (strcmp(name, "sql") == 0 || strcmp(name, "plpgsql") == 0 || strcmp(name, "tsql") == 0 ||
                            strcmp(name, "plsql") == 0);
        }
    }
    return 1;
}

static int parse_embedded(parser_t *p, const char *text, size_t len, const sql_token_t *at);

/* CREATE PROCEDURE/FUNCTION/TRIGGER: lineage of the statements inside, attributed to it. */
static void parse_routine(parser_t *p, const char *kind)
{
    set_kind(p, kind);
    next(p);
    if(is_word(p, "body"))
        next(p);
    skip_if_exists(p);
    qname_t q;
    if(parse_qname(p, &q) && p->st && !p->in_body)
        p->st->name = (char *)q.full;
    int sql_body = language_is_sql(p);
    int saved = p->in_body;
    p->in_body = 1;
    while(!at_end(p) && !is_op(p, ';')) {
        const sql_token_t *t = cur(p);
        if(is_op(p, '(')) {
            skip_group(p);
            continue;
        }
        if(t->type == SQL_TOK_STRING && p->src[t->off] == '$') {
            if(sql_body) {
                char *body = string_value(p, t);
                if(body && parse_embedded(p, body, strlen(body), t))
                    break;
            }
            next(p);
            continue;
        }
        if(t_kw(t, SQL_KW_AS) || t_word(p, t, "is") || t_kw(t, SQL_KW_BEGIN) || t_kw(t, SQL_KW_RETURN)) {
            const sql_token_t *n1 = t_kw(t, SQL_KW_BEGIN) ? t : peek(p, 1);
            if(n1->type == SQL_TOK_STRING && p->src[n1->off] != '$') {
                /* AS 'ClassName' or AS 'obj_file': no SQL body */
                next(p);
                next(p);
                continue;
            }
            if(!t_kw(t, SQL_KW_BEGIN))
                next(p);
            if(cur(p)->type == SQL_TOK_STRING)
                continue;
            parse_body(p);
            break;
        }
        if(t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_UPDATE) || t_kw(t, SQL_KW_DELETE)) {
            /* MySQL routines without BEGIN: the body is one statement */
            parse_body(p);
            break;
        }
        next(p);
    }
    p->in_body = saved;
}

static int is_body_stmt(const parser_t *p, const sql_token_t *t)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    switch(t->kw) {
    case SQL_KW_SELECT:
    case SQL_KW_INSERT:
    case SQL_KW_UPDATE:
    case SQL_KW_DELETE:
    case SQL_KW_MERGE:
    case SQL_KW_CREATE:
    case SQL_KW_DROP:
    case SQL_KW_TRUNCATE:
    case SQL_KW_ALTER:
    case SQL_KW_EXEC:
    case SQL_KW_EXECUTE:
    case SQL_KW_CALL:
    case SQL_KW_COPY: return 1;
    case SQL_KW_WITH: return is_name_tok(peek(p, 1));
    case SQL_KW_REPLACE: return t_kw(peek(p, 1), SQL_KW_INTO);
    default: return t_word(p, t, "rename") && t_kw(peek(p, 1), SQL_KW_TABLE);
    }
}

/* Procedure bodies and control flow: find the lineage-bearing statements among the rest. */
static void parse_body(parser_t *p)
{
    while(p->pos < p->n && p->err != SQL_ERR_NOMEM) {
        const sql_token_t *t = cur(p);
        if(!is_body_stmt(p, t)) {
            next(p);
            continue;
        }
        size_t start = p->pos;
        cte_t *saved = p->ctes;
        parse_statement(p);
        p->ctes = saved;
        if(p->err == SQL_ERR_NOMEM)
            return;
        if(p->err) {
            const sql_token_t *e = p->err_pos < p->n ? &p->toks[p->err_pos] : &p->eof;
            if(p->ctx->on_error && p->ctx->on_error(p->ctx->ud, e->line, e->col, p->err_msg)) {
                p->err = SQL_ERR_NOMEM;
                return;
            }
            p->err = 0;
            p->depth = 0;
            if(p->pos <= start)
                p->pos = start + 1;
        }
    }
}

static void parse_create(parser_t *p)
{
    next(p); /* CREATE */
    for(;;) {
        const sql_token_t *t = cur(p);
        if(t_kw(t, SQL_KW_OR) && (t_kw(peek(p, 1), SQL_KW_REPLACE) || t_kw(peek(p, 1), SQL_KW_ALTER))) {
            next(p);
            next(p);
        } else if(t_word(p, t, "definer") && t_ops(p, peek(p, 1), "=")) {
            next(p);
            next(p);
            next(p);
            if(cur(p)->type == SQL_TOK_VAR)
                next(p);
        } else if(t_word(p, t, "algorithm") && t_ops(p, peek(p, 1), "=")) {
            next(p);
            next(p);
            next(p);
        } else if(t_word(p, t, "sql") && t_word(p, peek(p, 1), "security")) {
            next(p);
            next(p);
            next(p);
        } else if(t->type == SQL_TOK_WORD &&
                  (t_word(p, t, "temp") || t_word(p, t, "temporary") || t_word(p, t, "volatile") ||
                   t_word(p, t, "transient") || t_word(p, t, "global") || t_word(p, t, "local") ||
                   t_word(p, t, "external") || t_word(p, t, "secure") || t_word(p, t, "multiset") ||
                   t_kw(t, SQL_KW_SET) || t_word(p, t, "unlogged") || t_word(p, t, "private") ||
                   t_word(p, t, "public") || t_word(p, t, "force") || t_word(p, t, "noforce") ||
                   t_word(p, t, "editionable") || t_word(p, t, "noneditionable") || t_kw(t, SQL_KW_RECURSIVE) ||
                   t_word(p, t, "materialized") || t_word(p, t, "streaming") || t_word(p, t, "live") ||
                   t_word(p, t, "dynamic") || t_word(p, t, "iceberg") || t_word(p, t, "hybrid") ||
                   t_word(p, t, "shadow") || t_word(p, t, "aggregate"))) {
            next(p);
        } else {
            break;
        }
    }
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_TABLE)) {
        parse_create_table(p);
    } else if(t_word(p, t, "view")) {
        parse_create_view(p);
    } else if(t_word(p, t, "procedure") || t_word(p, t, "proc")) {
        parse_routine(p, "create_procedure");
    } else if(t_kw(t, SQL_KW_FUNCTION)) {
        parse_routine(p, "create_function");
    } else if(t_word(p, t, "trigger")) {
        parse_routine(p, "create_trigger");
    } else if(t_word(p, t, "package")) {
        parse_routine(p, "create_package");
    } else if(t_word(p, t, "task")) {
        parse_routine(p, "create_task");
    } else {
        set_kind(p, "create");
        skip_statement(p);
    }
}

static void add_rename(parser_t *p, const char *from, const char *to)
{
    if(!p->st)
        return;
    /* renames are ordered pairs: keep duplicates */
    sql_strvec_t *f = &p->st->rename_from, *t = &p->st->rename_to;
    if(!grow(p, (void **)&f->v, f->n, &f->cap, sizeof *f->v) || !grow(p, (void **)&t->v, t->n, &t->cap, sizeof *t->v))
        return;
    f->v[f->n++] = (char *)from;
    t->v[t->n++] = (char *)to;
}

static void parse_alter(parser_t *p)
{
    set_kind(p, "alter");
    next(p);
    int view = is_word(p, "view");
    if(!is_kw(p, SQL_KW_TABLE) && !view) {
        skip_statement(p);
        return;
    }
    next(p);
    skip_if_exists(p);
    accept_word(p, "only");
    qname_t q;
    if(!parse_qname(p, &q)) {
        fail(p, "expected a table name");
        return;
    }
    if(is_word(p, "rename") && (t_word(p, peek(p, 1), "to") || t_kw(peek(p, 1), SQL_KW_AS))) {
        next(p);
        next(p);
        qname_t to;
        if(parse_qname(p, &to)) {
            set_kind(p, "rename");
            add_rename(p, q.full, to.full);
        }
        return;
    }
    if(view && is_kw(p, SQL_KW_AS)) {
        set_kind(p, "create_view");
        add_write(p, q.full);
        next(p);
        rel_t *r = parse_query(p, NULL);
        emit_columns(p, q.full, r, NULL, 0);
        return;
    }
    if(is_word(p, "exchange") || is_word(p, "swap")) {
        /* Hive EXCHANGE PARTITION (..) WITH TABLE t2, Snowflake SWAP WITH t2 */
        while(!at_end(p) && !is_kw(p, SQL_KW_WITH) && !is_op(p, ';'))
            next(p);
        if(accept_kw(p, SQL_KW_WITH)) {
            accept_kw(p, SQL_KW_TABLE);
            qname_t other;
            if(parse_qname(p, &other)) {
                add_read(p, other.full);
                add_write(p, q.full);
            }
        }
        return;
    }
    skip_statement(p);
}

static void parse_drop(parser_t *p)
{
    set_kind(p, "drop");
    next(p);
    accept_word(p, "temporary");
    accept_word(p, "materialized");
    accept_word(p, "external");
    int table = is_kw(p, SQL_KW_TABLE) || is_word(p, "view");
    if(!table) {
        skip_statement(p);
        return;
    }
    next(p);
    skip_if_exists(p);
    do {
        qname_t q;
        if(!parse_qname(p, &q))
            break;
        if(p->st)
            vadd(p, &p->st->drops, q.full);
    } while(accept_op(p, ','));
    skip_statement(p);
}

static void parse_truncate(parser_t *p)
{
    set_kind(p, "truncate");
    next(p);
    accept_kw(p, SQL_KW_TABLE);
    skip_statement(p);
}

static void parse_rename(parser_t *p)
{
    set_kind(p, "rename");
    next(p);
    if(!accept_kw(p, SQL_KW_TABLE)) {
        skip_statement(p);
        return;
    }
    do {
        qname_t from, to;
        if(!parse_qname(p, &from) || !accept_word(p, "to") || !parse_qname(p, &to)) {
            fail(p, "expected RENAME TABLE a TO b");
            return;
        }
        add_rename(p, from.full, to.full);
    } while(accept_op(p, ','));
}

/* Location of COPY/UNLOAD: a string path or a @stage. */
static int parse_location(parser_t *p, sql_strvec_t *paths)
{
    const sql_token_t *t = cur(p);
    if(t->type == SQL_TOK_STRING) {
        if(p->st)
            vadd(p, paths, string_value(p, t));
        next(p);
        return 1;
    }
    if(t->type == SQL_TOK_VAR && p->src[t->off] == '@') {
        if(p->st)
            vadd(p, paths, astrndup(p, p->src + t->off, t->len));
        next(p);
        while(is_op(p, '/') || is_op(p, '.') || (is_name_tok(cur(p)) && !(t_flags(cur(p)) & SQL_KW_R)))
            next(p);
        return 1;
    }
    return 0;
}

static void parse_copy(parser_t *p)
{
    set_kind(p, "copy");
    next(p);
    if(accept_kw(p, SQL_KW_INTO)) {
        /* Snowflake/T-SQL: COPY INTO target FROM source */
        const char *table = NULL;
        int loc = parse_location(p, p->st ? &p->st->write_paths : NULL);
        if(!loc) {
            qname_t q;
            if(!parse_qname(p, &q)) {
                fail(p, "expected a table after COPY INTO");
                return;
            }
            table = q.full;
            add_write(p, table);
        }
        if(is_op(p, '('))
            skip_group(p);
        if(accept_kw(p, SQL_KW_FROM)) {
            if(is_op(p, '(')) {
                parse_query(p, NULL);
            } else if(!parse_location(p, p->st ? &p->st->read_paths : NULL)) {
                qname_t q;
                if(parse_qname(p, &q))
                    add_read(p, q.full);
            }
        }
        skim_statement(p);
        return;
    }
    if(is_op(p, '(')) {
        next(p);
        parse_query(p, NULL);
        expect_op(p, ')', "expected ')'");
    } else {
        qname_t q;
        if(!parse_qname(p, &q)) {
            fail(p, "expected a table after COPY");
            return;
        }
        if(is_op(p, '('))
            skip_group(p);
        if(is_kw(p, SQL_KW_FROM))
            add_write(p, q.full);
        else
            add_read(p, q.full);
    }
    if(accept_kw(p, SQL_KW_FROM))
        parse_location(p, p->st ? &p->st->read_paths : NULL);
    else if(accept_word(p, "to"))
        parse_location(p, p->st ? &p->st->write_paths : NULL);
    skim_statement(p);
}

/* Redshift UNLOAD ('query') TO 's3://..': the query is inside a string. */
static void parse_unload(parser_t *p)
{
    set_kind(p, "unload");
    next(p);
    if(accept_op(p, '(')) {
        const sql_token_t *t = cur(p);
        if(t->type == SQL_TOK_STRING) {
            char *q = string_value(p, t);
            if(q && parse_embedded(p, q, strlen(q), t))
                return;
            next(p);
        } else if(is_query_start(t)) {
            /* Athena UNLOAD (SELECT ..) TO 's3://..' */
            parse_query(p, NULL);
        }
        expect_op(p, ')', "expected ')' after UNLOAD query");
    }
    if(accept_word(p, "to"))
        parse_location(p, p->st ? &p->st->write_paths : NULL);
    skim_statement(p);
}

static void parse_call(parser_t *p)
{
    set_kind(p, is_kw(p, SQL_KW_CALL) ? "call" : "exec");
    next(p);
    if(is_word(p, "immediate") && peek(p, 1)->type == SQL_TOK_STRING) {
        next(p);
        char *q = string_value(p, cur(p));
        if(q && parse_embedded(p, q, strlen(q), cur(p)))
            return;
        skim_statement(p);
        return;
    }
    if(cur(p)->type == SQL_TOK_VAR && t_ops(p, peek(p, 1), "=")) {
        next(p);
        next(p);
    }
    if(is_op(p, '(') && peek(p, 1)->type == SQL_TOK_STRING) {
        /* EXEC('dynamic sql') */
        next(p);
        char *q = string_value(p, cur(p));
        if(q && parse_embedded(p, q, strlen(q), cur(p)))
            return;
        skim_statement(p);
        return;
    }
    qname_t q;
    if(parse_qname(p, &q) && p->st)
        vadd(p, &p->st->calls, q.full);
    skim_statement(p);
}

/* Hive: FROM src INSERT OVERWRITE TABLE a SELECT .. [INSERT ..]... */
/* FROM .. INSERT (Hive multi-insert) or FROM .. [SELECT ..] (DuckDB)? */
static int from_first_inserts(const parser_t *p)
{
    int depth = 0;
    for(size_t k = p->pos; k < p->n; k++) {
        const sql_token_t *t = &p->toks[k];
        if(t_op(p, t, '('))
            depth++;
        else if(t_op(p, t, ')'))
            depth--;
        else if(depth == 0 && t_op(p, t, ';'))
            return 0;
        else if(depth == 0 && t_kw(t, SQL_KW_INSERT))
            return 1;
    }
    return 0;
}

static void parse_from_first(parser_t *p)
{
    if(!from_first_inserts(p)) {
        parse_select_stmt(p);
        return;
    }
    set_kind(p, "insert");
    next(p);
    scope_t sc = {0};
    parse_from_list(p, &sc);
    while(!p->err && is_kw(p, SQL_KW_INSERT)) {
        next(p);
        if(!accept_kw(p, SQL_KW_INTO))
            accept_word(p, "overwrite");
        accept_kw(p, SQL_KW_TABLE);
        qname_t q;
        if(!parse_qname(p, &q)) {
            fail(p, "expected a table after INSERT");
            return;
        }
        add_write(p, q.full);
        const char *cols[1024];
        int nc = 0;
        if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '(')) {
            next(p);
            skip_group(p);
        }
        if(is_op(p, '(') && !paren_is_query(p, 1))
            nc = parse_column_list(p, cols, 1024);
        if(!accept_kw(p, SQL_KW_SELECT)) {
            fail(p, "expected SELECT");
            return;
        }
        accept_kw(p, SQL_KW_DISTINCT);
        int i = 0;
        do {
            sink_t s = {0};
            size_t start = p->pos;
            parse_expr(p, &s);
            size_t end = p->pos;
            const char *name = NULL;
            if(accept_kw(p, SQL_KW_AS) || can_be_alias(p, cur(p))) {
                name = norm(p, cur(p));
                next(p);
            }
            if(!name)
                name = item_name(p, start, end);
            mark_identity(p, &s, start, end);
            sql_srcvec_t src = {0};
            resolve_sink(p, &sc, &s, &src, NULL, 0);
            add_edge(p, q.full, i < nc ? cols[i] : name, &src);
            i++;
        } while(!p->err && accept_op(p, ','));
        parse_filter_clauses(p);
        parse_tail_clauses(p);
    }
}

static void parse_load(parser_t *p)
{
    set_kind(p, "load");
    while(!at_end(p) && !is_op(p, ';')) {
        if((is_word(p, "inpath") || is_word(p, "infile")) && peek(p, 1)->type == SQL_TOK_STRING) {
            next(p);
            parse_location(p, p->st ? &p->st->read_paths : NULL);
            continue;
        }
        if(is_kw(p, SQL_KW_INTO) && t_kw(peek(p, 1), SQL_KW_TABLE)) {
            next(p);
            next(p);
            qname_t q;
            if(parse_qname(p, &q))
                add_write(p, q.full);
            continue;
        }
        next(p);
    }
}

static void parse_tsql_flow(parser_t *p);

/* One statement of a T-SQL batch inside control flow. */
static void parse_tsql_one(parser_t *p)
{
    while(accept_op(p, ';'))
        ;
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_IF) || t_kw(t, SQL_KW_WHILE) || t_kw(t, SQL_KW_BEGIN)) {
        parse_tsql_flow(p);
        return;
    }
    if(is_body_stmt(p, t)) {
        cte_t *saved = p->ctes;
        parse_statement(p);
        p->ctes = saved;
        return;
    }
    /* SET, PRINT, DECLARE, RETURN, BREAK ...: to the end of that statement */
    size_t start = p->pos;
    int depth = 0;
    while(!at_end(p)) {
        t = cur(p);
        if(depth == 0 && p->pos > start &&
           (t_op(p, t, ';') || t_kw(t, SQL_KW_END) || ((t->flags & SQL_TOKF_NL_BEFORE) && is_stmt_start(p, t))))
            break;
        if(t_op(p, t, '('))
            depth++;
        else if(t_op(p, t, ')') && depth > 0)
            depth--;
        next(p);
    }
}

/* T-SQL IF cond stmt [ELSE stmt], WHILE cond stmt, BEGIN [TRY|CATCH] .. END: without BEGIN the
 * branch is one statement, so batches without semicolons keep their statement boundaries. */
static void parse_tsql_flow(parser_t *p)
{
    if(!enter(p))
        return;
    if(accept_kw(p, SQL_KW_BEGIN)) {
        if(is_word(p, "try") || is_word(p, "catch"))
            next(p);
        while(!at_end(p) && !is_kw(p, SQL_KW_END)) {
            size_t before = p->pos;
            parse_tsql_one(p);
            if(p->pos == before && !p->err)
                next(p);
        }
        if(accept_kw(p, SQL_KW_END) && (is_word(p, "try") || is_word(p, "catch")))
            next(p);
    } else {
        next(p); /* IF, WHILE or ELSE */
        if(!t_word(p, &p->toks[p->pos - 1], "else"))
            parse_expr(p, NULL);
        parse_tsql_one(p);
        while(is_op(p, ';') && t_word(p, peek(p, 1), "else"))
            next(p);
        if(is_word(p, "else")) {
            next(p);
            parse_tsql_one(p);
        }
    }
    leave(p);
}

/* Anonymous blocks and control flow outside routines. */
static void parse_block(parser_t *p)
{
    set_kind(p, "block");
    int saved = p->in_body;
    p->in_body = 1;
    if(p->d == SQL_DIALECT_TSQL) {
        parse_tsql_flow(p);
    } else {
        next(p);
        parse_body(p);
    }
    p->in_body = saved;
}

/* A query statement: its output columns are the lineage targets, in the INTO table if any. */
static void parse_select_stmt(parser_t *p)
{
    set_kind(p, "select");
    p->into_table = NULL;
    rel_t *r = parse_query(p, NULL);
    if(!p->in_body && !p->err)
        emit_columns(p, p->into_table, r, NULL, 0);
}

static void parse_statement(parser_t *p)
{
    const sql_token_t *t = cur(p);
    if(t_op(p, t, '(') || t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_VALUES)) {
        parse_select_stmt(p);
        return;
    }
    if((t_kw(t, SQL_KW_PIVOT) || t_kw(t, SQL_KW_UNPIVOT)) && is_part_tok(peek(p, 1))) {
        /* DuckDB PIVOT t ON .. USING ..: a query over t */
        set_kind(p, "select");
        next(p);
        qname_t q;
        if(parse_qname(p, &q) && !(q.nparts == 1 && find_cte(p, q.full)))
            add_read(p, q.full);
        skim_statement(p);
        return;
    }
    if(t_kw(t, SQL_KW_WITH)) {
        cte_t *saved = p->ctes;
        parse_with(p);
        if(p->err)
            return;
        t = cur(p);
        if(t_kw(t, SQL_KW_SELECT) || t_op(p, t, '(')) {
            parse_select_stmt(p);
        } else if(t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_UPDATE) || t_kw(t, SQL_KW_DELETE) || t_kw(t, SQL_KW_MERGE) ||
                  t_kw(t, SQL_KW_REPLACE)) {
            parse_statement(p);
        } else {
            fail(p, "expected a statement after WITH");
        }
        p->ctes = saved;
        return;
    }
    switch(t->type == SQL_TOK_WORD ? t->kw : SQL_KW_NONE) {
    case SQL_KW_INSERT: parse_insert(p); return;
    case SQL_KW_REPLACE:
        if(t_kw(peek(p, 1), SQL_KW_INTO) || is_name_tok(peek(p, 1))) {
            parse_insert(p);
            return;
        }
        break;
    case SQL_KW_UPDATE: parse_update(p); return;
    case SQL_KW_DELETE: parse_delete(p); return;
    case SQL_KW_MERGE: parse_merge(p); return;
    case SQL_KW_CREATE: parse_create(p); return;
    case SQL_KW_ALTER: parse_alter(p); return;
    case SQL_KW_DROP: parse_drop(p); return;
    case SQL_KW_TRUNCATE: parse_truncate(p); return;
    case SQL_KW_COPY: parse_copy(p); return;
    case SQL_KW_EXEC:
    case SQL_KW_EXECUTE:
    case SQL_KW_CALL: parse_call(p); return;
    case SQL_KW_FROM: parse_from_first(p); return;
    case SQL_KW_BEGIN:
    case SQL_KW_IF:
    case SQL_KW_WHILE: parse_block(p); return;
    case SQL_KW_DECLARE:
        if(p->d == SQL_DIALECT_ORACLE || SQL_DIALECT_IS_PG(p->d)) {
            parse_block(p);
            return;
        }
        break;
    default: break;
    }
    if(t_word(p, t, "upsert")) {
        parse_insert(p);
        return;
    }
    if(t_word(p, t, "else") && p->d == SQL_DIALECT_TSQL) {
        parse_block(p);
        return;
    }
    if(t_word(p, t, "rename")) {
        parse_rename(p);
        return;
    }
    if(t_word(p, t, "unload")) {
        parse_unload(p);
        return;
    }
    if(t_word(p, t, "load") && !p->in_body) {
        parse_load(p);
        return;
    }
    if(t_word(p, t, "do") && peek(p, 1)->type == SQL_TOK_STRING) {
        set_kind(p, "block");
        next(p);
        char *body = string_value(p, cur(p));
        if(body)
            parse_embedded(p, body, strlen(body), cur(p));
        next(p);
        skim_statement(p);
        return;
    }
    if(tok_in_list(p, t, quiet_words, sizeof quiet_words / sizeof quiet_words[0])) {
        /* no lineage of their own, but SET x = (SELECT ..) still reads */
        set_kind(p, norm(p, t));
        next(p);
        skim_statement(p);
        return;
    }
    fail(p, "unsupported statement");
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

/* SQL inside a string ($$ body $$, EXECUTE IMMEDIATE '..', UNLOAD ('..')): lex it and
 * collect its lineage into the current statement. Non-zero on a fatal error. */
static int parse_embedded(parser_t *p, const char *text, size_t len, const sql_token_t *at)
{
    if(!enter(p))
        return 0;
    sql_lexer_t lx;
    sql_lexer_init(&lx, text, len, p->d, 1);
    sql_token_t *toks = NULL;
    uint32_t n = 0, cap = 0;
    for(;;) {
        sql_token_t t;
        if(sql_lexer_next(&lx, &t) || t.type == SQL_TOK_EOF)
            break;
        if(t.type == SQL_TOK_COMMENT)
            continue;
        if(t.line == 1)
            t.col += at->col;
        t.line += at->line - 1;
        if(!grow(p, (void **)&toks, n, &cap, sizeof *toks))
            return 1;
        toks[n++] = t;
    }
    parser_t sub;
    init_parser(&sub, p->ctx, text, toks, n);
    sub.st = p->st;
    sub.in_body = 1;
    sub.depth = p->depth;
    parse_body(&sub);
    leave(p);
    if(sub.err == SQL_ERR_NOMEM) {
        oom(p);
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
    return !tok_in_list(p, first, control_words, sizeof control_words / sizeof control_words[0]);
}

int sql_parse_tokens(const sql_parse_ctx_t *ctx, const char *src, const sql_token_t *toks, size_t n)
{
    parser_t p;
    init_parser(&p, ctx, src, toks, n);
    while(p.pos < p.n) {
        const sql_token_t *t = cur(&p);
        if(t_op(&p, t, ';') || t->type == SQL_TOK_TEMPLATE || t_op(&p, t, '/')) {
            next(&p);
            continue;
        }
        sql_stmt_t *st = sql_arena_alloc(p.a, sizeof *st);
        if(!st)
            return SQL_ERR_NOMEM;
        memset(st, 0, sizeof *st);
        st->line = t->line;
        st->col = t->col;
        p.st = st;
        p.ctes = NULL;
        p.depth = 0;
        p.err = 0;
        p.in_body = 0;
        p.dml_target = p.dml_table = NULL;
        p.ind = NULL;
        p.clause_how = p.outer_how = 0;
        p.cond = p.win = p.agg = p.in_setop = 0;
        size_t start = p.pos;
        parse_statement(&p);
        if(p.err == SQL_ERR_NOMEM)
            return SQL_ERR_NOMEM;
        if(!p.err && p.pos < p.n && !t_op(&p, cur(&p), ';') && !is_stmt_start(&p, cur(&p)))
            fail(&p, "unexpected token");
        if(p.err) {
            const sql_token_t *e = p.err_pos < p.n ? &p.toks[p.err_pos] : &p.eof;
            int rc = report(&p, e, p.err_msg);
            if(rc)
                return rc;
            p.err = 0;
            if(p.pos <= start)
                p.pos = start + 1;
            skip_statement(&p);
        }
        if(worth_emitting(&p, st, t)) {
            int rc = ctx->on_stmt ? ctx->on_stmt(ctx->ud, st) : 0;
            if(rc)
                return rc;
        }
    }
    return 0;
}
