#include "sql/lineage.h"

#include "sql/arena.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/splitter.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define READ_BLOCK  ((size_t)1 << 20)
#define GUESS_BYTES 65536

const char *sql_strerror(int code)
{
    switch(code) {
    case SQL_OK: return "ok";
    case SQL_ERR_NOMEM: return "out of memory";
    case SQL_ERR_NEED_MORE: return "more input needed";
    case SQL_ERR_SYNTAX: return "syntax error";
    case SQL_ERR_DEPTH: return "nesting too deep";
    case SQL_ERR_TOO_BIG: return "statement too large";
    case SQL_ERR_IO: return "read error";
    case SQL_ERR_ARG: return "invalid argument";
    default: return "unknown error";
    }
}

/* ---- file-level roles (contract §5) ---- */

#define ROLE_SOURCE       1u
#define ROLE_WRITTEN      2u
#define ROLE_INTERMEDIATE 4u
#define ROLE_DROPPED      8u

typedef struct role {
    char *name;
    unsigned flags;
} role_t;

typedef struct roles {
    role_t *v;
    size_t cap;
    size_t n;
} roles_t;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for(; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int roles_grow(roles_t *r)
{
    size_t cap = r->cap ? r->cap * 2 : 64;
    role_t *v = util_calloc(cap, sizeof *v);
    if(!v)
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < r->cap; i++) {
        if(!r->v[i].name)
            continue;
        size_t h = hash_str(r->v[i].name) & (cap - 1);
        while(v[h].name)
            h = (h + 1) & (cap - 1);
        v[h] = r->v[i];
    }
    util_free(r->v);
    r->v = v;
    r->cap = cap;
    return 0;
}

static role_t *roles_get(roles_t *r, const char *name, int create)
{
    if(r->cap) {
        size_t h = hash_str(name) & (r->cap - 1);
        while(r->v[h].name) {
            if(strcmp(r->v[h].name, name) == 0)
                return &r->v[h];
            h = (h + 1) & (r->cap - 1);
        }
    }
    if(!create)
        return NULL;
    if((r->n + 1) * 2 > r->cap && roles_grow(r))
        return NULL;
    char *copy = util_strdup(name);
    if(!copy)
        return NULL;
    size_t h = hash_str(name) & (r->cap - 1);
    while(r->v[h].name)
        h = (h + 1) & (r->cap - 1);
    r->v[h].name = copy;
    r->v[h].flags = 0;
    r->n++;
    return &r->v[h];
}

static void roles_free(roles_t *r)
{
    for(size_t i = 0; i < r->cap; i++)
        util_free(r->v[i].name);
    util_free(r->v);
}

static int roles_apply(roles_t *r, const sql_statement_t *st)
{
    for(size_t i = 0; i < st->reads.n; i++) {
        role_t *x = roles_get(r, st->reads.items[i], 1);
        if(!x)
            return SQL_ERR_NOMEM;
        x->flags |= (x->flags & ROLE_WRITTEN) ? ROLE_INTERMEDIATE : ROLE_SOURCE;
    }
    for(size_t i = 0; i < st->writes.n; i++) {
        role_t *x = roles_get(r, st->writes.items[i], 1);
        if(!x)
            return SQL_ERR_NOMEM;
        x->flags = (x->flags | ROLE_WRITTEN) & ~ROLE_DROPPED;
    }
    for(size_t i = 0; i < st->drops.n; i++) {
        role_t *x = roles_get(r, st->drops.items[i], 0);
        if(x && (x->flags & ROLE_WRITTEN))
            x->flags |= ROLE_DROPPED;
    }
    for(size_t i = 0; i < st->nrenames; i++) {
        role_t *from = roles_get(r, st->renames[i].from, 0);
        if(!from || !from->flags)
            continue;
        unsigned flags = from->flags;
        from->flags = 0;
        role_t *to = roles_get(r, st->renames[i].to, 1);
        if(!to)
            return SQL_ERR_NOMEM;
        to->flags |= flags;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int roles_collect(const roles_t *r, sql_lineage_t *out)
{
    sql_strlist_t *lists[3] = {&out->sources, &out->targets, &out->intermediates};
    for(int k = 0; k < 3; k++) {
        lists[k]->items = util_calloc(r->n ? r->n : 1, sizeof(char *));
        if(!lists[k]->items)
            return SQL_ERR_NOMEM;
    }
    for(size_t i = 0; i < r->cap; i++) {
        const role_t *x = &r->v[i];
        if(!x->name || !x->flags || (x->flags & ROLE_DROPPED))
            continue;
        sql_strlist_t *dst = NULL;
        if(x->flags & ROLE_INTERMEDIATE)
            dst = &out->intermediates;
        for(int k = 0; k < 2 && !dst; k++) {
            unsigned want = k == 0 ? ROLE_SOURCE : ROLE_WRITTEN;
            if(!(x->flags & want))
                continue;
            sql_strlist_t *l = k == 0 ? &out->sources : &out->targets;
            if(!(l->items[l->n] = util_strdup(x->name)))
                return SQL_ERR_NOMEM;
            l->n++;
        }
        if(dst) {
            if(!(dst->items[dst->n] = util_strdup(x->name)))
                return SQL_ERR_NOMEM;
            dst->n++;
        }
    }
    for(int k = 0; k < 3; k++)
        qsort(lists[k]->items, lists[k]->n, sizeof(char *), cmp_str);
    return 0;
}

/* ---- statements ---- */

static void strlist_free(sql_strlist_t *l)
{
    for(size_t i = 0; i < l->n; i++)
        util_free(l->items[i]);
    util_free(l->items);
    l->items = NULL;
    l->n = 0;
}

static void transformations_free(sql_transformation_t *x, size_t n)
{
    for(size_t i = 0; i < n; i++)
        util_free(x[i].source);
    util_free(x);
}

static void statement_clear(sql_statement_t *st)
{
    util_free(st->kind);
    util_free(st->name);
    sql_strlist_t *lists[] = {&st->reads, &st->writes, &st->read_paths, &st->write_paths,
                              &st->drops, &st->calls,  &st->defines,    &st->undefines};
    for(size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        strlist_free(lists[i]);
    for(size_t i = 0; i < st->nrenames; i++) {
        util_free(st->renames[i].from);
        util_free(st->renames[i].to);
    }
    util_free(st->renames);
    for(size_t i = 0; i < st->nflows; i++) {
        util_free(st->flows[i].from);
        util_free(st->flows[i].to);
    }
    util_free(st->flows);
    for(size_t i = 0; i < st->ncolumns; i++) {
        util_free(st->columns[i].target);
        strlist_free(&st->columns[i].sources);
        transformations_free(st->columns[i].transformations, st->columns[i].ntransformations);
    }
    util_free(st->columns);
    transformations_free(st->indirect, st->nindirect);
    memset(st, 0, sizeof *st);
}

static int cmp_col(const void *a, const void *b)
{
    return strcmp(((const sql_column_lineage_t *)a)->target, ((const sql_column_lineage_t *)b)->target);
}

/* Sorts by insertion up to 16 items, stable as glibc's qsort (a merge sort) is: most lists hold a
 * few names, where qsort's set-up and indirect calls cost more than the sort. */
static void sort_names(char **v, size_t n)
{
    if(n > 16) {
        qsort(v, n, sizeof(char *), cmp_str);
        return;
    }
    for(size_t i = 1; i < n; i++) {
        char *x = v[i];
        size_t k = i;
        for(; k > 0 && strcmp(v[k - 1], x) > 0; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

static void sort_columns(sql_column_lineage_t *c, size_t n)
{
    if(n > 16) {
        qsort(c, n, sizeof *c, cmp_col);
        return;
    }
    for(size_t i = 1; i < n; i++) {
        sql_column_lineage_t x = c[i];
        size_t k = i;
        for(; k > 0 && strcmp(c[k - 1].target, x.target) > 0; k--)
            c[k] = c[k - 1];
        c[k] = x;
    }
}

static sql_strlist_t view_vec(sql_strvec_t *v)
{
    sort_names(v->v, v->n);
    sql_nameidx_drop(&v->idx);
    return (sql_strlist_t){.items = v->v, .n = v->n};
}

typedef struct src_how {
    char *name;
    unsigned how;
} src_how_t;

static int cmp_src_how(const void *a, const void *b)
{
    return strcmp(((const src_how_t *)a)->name, ((const src_how_t *)b)->name);
}

static const char *const direct_names[] = {NULL, "IDENTITY", "TRANSFORMATION", "AGGREGATION"};

static const struct {
    unsigned bit;
    const char *name;
} indirect_names[] = {
    {SQL_HOW_JOIN, "JOIN"}, {SQL_HOW_FILTER, "FILTER"}, {SQL_HOW_GROUP_BY, "GROUP_BY"},
    {SQL_HOW_SORT, "SORT"}, {SQL_HOW_WINDOW, "WINDOW"}, {SQL_HOW_CONDITIONAL, "CONDITIONAL"},
};

/* The subtype a column's source is stored with: its DIRECT one, else its first INDIRECT one, as
 * the first of its transformations is (static). */
static const char *how_subtype(unsigned how)
{
    if(how & SQL_HOW_DIRECT)
        return direct_names[how & SQL_HOW_DIRECT];
    for(size_t k = 0; k < sizeof indirect_names / sizeof indirect_names[0]; k++)
        if(how & indirect_names[k].bit)
            return indirect_names[k].name;
    return NULL;
}

/* Sort `v` by name in place (keeping each source's how, stable) and merge its duplicates. */
static int sort_sources(sql_arena_t *a, sql_srcvec_t *v)
{
    if(v->n > 16) {
        src_how_t *pairs = sql_arena_alloc(a, v->n * sizeof *pairs);
        if(!pairs)
            return SQL_ERR_NOMEM;
        for(uint32_t i = 0; i < v->n; i++)
            pairs[i] = (src_how_t){v->v[i], v->how[i]};
        qsort(pairs, v->n, sizeof *pairs, cmp_src_how);
        for(uint32_t i = 0; i < v->n; i++) {
            v->v[i] = pairs[i].name;
            v->how[i] = (uint8_t)pairs[i].how;
        }
    } else {
        /* most columns have a source or two: no qsort call, no copy for those */
        for(uint32_t i = 1; i < v->n; i++) {
            char *x = v->v[i];
            uint8_t h = v->how[i];
            uint32_t k = i;
            for(; k > 0 && strcmp(v->v[k - 1], x) > 0; k--) {
                v->v[k] = v->v[k - 1];
                v->how[k] = v->how[k - 1];
            }
            v->v[k] = x;
            v->how[k] = h;
        }
    }
    /* merge duplicates (vectors filled lazily keep them) */
    uint32_t u = v->n ? 1 : 0;
    for(uint32_t i = 1; i < v->n; i++) {
        if(strcmp(v->v[u - 1], v->v[i]) == 0) {
            v->how[u - 1] = (uint8_t)sql_how_merge(v->how[u - 1], v->how[i]);
        } else {
            v->v[u] = v->v[i];
            v->how[u++] = v->how[i];
        }
    }
    v->n = u;
    sql_nameidx_drop(&v->idx);
    return 0;
}

/* Sort `v` by name and describe it as transformations, or (`subtypes` non-NULL) as each source's
 * subtype only. */
static int view_sources(sql_arena_t *a, sql_srcvec_t *v, sql_strlist_t *list, sql_transformation_t **xf, size_t *nxf,
                        const char ***subtypes)
{
    *xf = NULL;
    *nxf = 0;
    if(subtypes)
        *subtypes = NULL;
    if(list)
        *list = (sql_strlist_t){0}; /* a defined column nothing feeds */
    if(v->n == 0)
        return 0;
    if(sort_sources(a, v))
        return SQL_ERR_NOMEM;
    if(list)
        *list = (sql_strlist_t){.items = v->v, .n = v->n};
    if(subtypes) {
        const char **st = sql_arena_alloc(a, v->n * sizeof *st);
        if(!st)
            return SQL_ERR_NOMEM;
        for(uint32_t i = 0; i < v->n; i++)
            st[i] = how_subtype(v->how[i]);
        *subtypes = st;
        return 0;
    }
    size_t n = 0;
    for(uint32_t i = 0; i < v->n; i++) {
        unsigned how = v->how[i];
        n += (how & SQL_HOW_DIRECT) != 0;
        for(unsigned ind = how & ~(unsigned)SQL_HOW_DIRECT; ind; ind &= ind - 1)
            n++;
    }
    if(n == 0)
        return 0;
    sql_transformation_t *x = sql_arena_alloc(a, n * sizeof *x);
    if(!x)
        return SQL_ERR_NOMEM;
    size_t o = 0;
    for(uint32_t i = 0; i < v->n; i++) {
        unsigned how = v->how[i];
        if(how & SQL_HOW_DIRECT)
            x[o++] = (sql_transformation_t){v->v[i], "DIRECT", direct_names[how & SQL_HOW_DIRECT]};
        for(size_t k = 0; (how & ~(unsigned)SQL_HOW_DIRECT) && k < sizeof indirect_names / sizeof indirect_names[0];
            k++)
            if(how & indirect_names[k].bit)
                x[o++] = (sql_transformation_t){v->v[i], "INDIRECT", indirect_names[k].name};
    }
    *xf = x;
    *nxf = o;
    return 0;
}

/* The statement as the callback sees it: pointers into the parse arena, no copies; its
 * statement-level indirect lineage only when `indirect`. */
static int view_stmt(sql_arena_t *a, sql_stmt_t *in, sql_statement_t *out, int indirect, int subtypes_only)
{
    memset(out, 0, sizeof *out);
    out->kind = (char *)(in->kind ? in->kind : "unknown");
    out->name = in->name;
    out->line = in->line;
    out->column = in->col;
    out->reads = view_vec(&in->reads);
    out->writes = view_vec(&in->writes);
    out->read_paths = view_vec(&in->read_paths);
    out->write_paths = view_vec(&in->write_paths);
    out->drops = view_vec(&in->drops);
    out->calls = view_vec(&in->calls);
    out->defines = (sql_strlist_t){.items = in->defines.v, .n = in->defines.n}; /* in the DDL's order */
    out->undefines = (sql_strlist_t){.items = in->undefines.v, .n = in->undefines.n};
    if(in->rename_from.n) {
        out->renames = sql_arena_alloc(a, in->rename_from.n * sizeof *out->renames);
        if(!out->renames)
            return SQL_ERR_NOMEM;
        for(uint32_t i = 0; i < in->rename_from.n; i++) {
            out->renames[i].from = in->rename_from.v[i];
            out->renames[i].to = in->rename_to.v[i];
        }
        out->nrenames = in->rename_from.n;
    }
    if(in->flow_from.n) {
        out->flows = sql_arena_alloc(a, in->flow_from.n * sizeof *out->flows);
        if(!out->flows)
            return SQL_ERR_NOMEM;
        for(uint32_t i = 0; i < in->flow_from.n; i++)
            out->flows[i] = (sql_flow_t){in->flow_from.v[i], in->flow_to.v[i]};
        out->nflows = in->flow_from.n;
    }
    if(in->nedges) {
        out->columns = sql_arena_alloc(a, in->nedges * sizeof *out->columns);
        if(!out->columns)
            return SQL_ERR_NOMEM;
        for(uint32_t i = 0; i < in->nedges; i++) {
            sql_column_lineage_t *c = &out->columns[i];
            c->target = in->edges[i].target;
            c->subtypes = NULL;
            if(view_sources(a, &in->edges[i].sources, &c->sources, &c->transformations, &c->ntransformations,
                            subtypes_only ? &c->subtypes : NULL))
                return SQL_ERR_NOMEM;
        }
        out->ncolumns = in->nedges;
        sort_columns(out->columns, out->ncolumns);
    }
    return indirect ? view_sources(a, &in->indirect, NULL, &out->indirect, &out->nindirect, NULL) : 0;
}

static int copy_list(sql_strlist_t *dst, const sql_strlist_t *src)
{
    dst->items = util_calloc(src->n ? src->n : 1, sizeof(char *));
    if(!dst->items)
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < src->n; i++) {
        if(!(dst->items[i] = util_strdup(src->items[i])))
            return SQL_ERR_NOMEM;
        dst->n++;
    }
    return 0;
}

static int copy_transformations(sql_transformation_t **dst, size_t *ndst, const sql_transformation_t *src, size_t n)
{
    *dst = NULL;
    *ndst = 0;
    if(n == 0)
        return 0;
    *dst = util_calloc(n, sizeof **dst);
    if(!*dst)
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < n; i++) {
        (*dst)[i] = src[i];
        (*dst)[i].source = util_strdup(src[i].source);
        if(!(*dst)[i].source)
            return SQL_ERR_NOMEM;
        (*ndst)++;
    }
    return 0;
}

/* A statement that outlives the parse: everything copied to the heap. */
static int copy_stmt(const sql_statement_t *in, sql_statement_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = util_strdup(in->kind);
    if(!out->kind || (in->name && !(out->name = util_strdup(in->name))))
        return SQL_ERR_NOMEM;
    out->line = in->line;
    out->column = in->column;
    if(copy_list(&out->reads, &in->reads) || copy_list(&out->writes, &in->writes) ||
       copy_list(&out->read_paths, &in->read_paths) || copy_list(&out->write_paths, &in->write_paths) ||
       copy_list(&out->drops, &in->drops) || copy_list(&out->calls, &in->calls) ||
       copy_list(&out->defines, &in->defines) || copy_list(&out->undefines, &in->undefines))
        return SQL_ERR_NOMEM;
    if(in->nrenames) {
        out->renames = util_calloc(in->nrenames, sizeof *out->renames);
        if(!out->renames)
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < in->nrenames; i++) {
            out->renames[i].from = util_strdup(in->renames[i].from);
            out->renames[i].to = util_strdup(in->renames[i].to);
            out->nrenames++;
            if(!out->renames[i].from || !out->renames[i].to)
                return SQL_ERR_NOMEM;
        }
    }
    if(in->nflows) {
        out->flows = util_calloc(in->nflows, sizeof *out->flows);
        if(!out->flows)
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < in->nflows; i++) {
            out->flows[i].from = util_strdup(in->flows[i].from);
            out->flows[i].to = util_strdup(in->flows[i].to);
            out->nflows++;
            if(!out->flows[i].from || !out->flows[i].to)
                return SQL_ERR_NOMEM;
        }
    }
    if(in->ncolumns) {
        out->columns = util_calloc(in->ncolumns, sizeof *out->columns);
        if(!out->columns)
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < in->ncolumns; i++) {
            sql_column_lineage_t *c = &out->columns[out->ncolumns++];
            if(!(c->target = util_strdup(in->columns[i].target)) || copy_list(&c->sources, &in->columns[i].sources) ||
               copy_transformations(&c->transformations, &c->ntransformations, in->columns[i].transformations,
                                    in->columns[i].ntransformations))
                return SQL_ERR_NOMEM;
        }
    }
    return copy_transformations(&out->indirect, &out->nindirect, in->indirect, in->nindirect);
}

/* ---- the engine: read, lex, split, parse, one statement at a time ---- */

typedef struct engine {
    sql_read_fn rd;
    void *rd_ud;
    const sql_lineage_opts_t *opts;
    char *buf;
    size_t len, cap;
    int eof;
    int borrowed; /* buf is the caller's whole input (sql_lineage_run_text): never moved, grown or freed */
    sql_lexer_t lx;
    sql_splitter_t sp;
    sql_token_t *toks;
    size_t ntoks, captoks;
    size_t first_cap; /* size of the first buffer: small inputs need no megabyte */
    int skipping;
    char delim[32]; /* MySQL DELIMITER, empty for ';' */
    size_t dlen;
    int line_stmt; /* psql \copy, SQL*Plus SET/EXEC: the statement ends with its line */
    sql_arena_t arena;
    sql_schema_t *schema;
    roles_t roles;
    sql_lineage_t *res;
    size_t capstmts, caperrs, capwarns;
    /* accounting for opts->on_unit: bytes dropped before buf[0], statements and errors reported
     * in all and when the last piece ended, where a statement too large to keep began */
    uint64_t base;
    size_t nstmts, nerrs, unit_stmts, unit_errs;
    uint64_t skip_start;
} engine_t;

/* The piece [start, end) of the input ends: what was reported since the last one is its. */
static int unit(engine_t *e, uint64_t start, uint64_t end, const char *kind)
{
    if(!e->opts->on_unit)
        return 0;
    sql_unit_t u = {.start = start,
                    .end = end,
                    .kind = kind,
                    .statements = e->nstmts - e->unit_stmts,
                    .errors = e->nerrs - e->unit_errs};
    e->unit_stmts = e->nstmts;
    e->unit_errs = e->nerrs;
    return e->opts->on_unit(e->opts->ud, &u);
}

/* Appends to an error or warning list of at most SQL_MAX_ERRORS; beyond it only counts. */
static int add_note(sql_error_t **list, size_t *n, size_t *cap, size_t *dropped, uint32_t line, uint32_t col,
                    const char *msg)
{
    if(*n >= SQL_MAX_ERRORS) {
        (*dropped)++;
        return 0;
    }
    if(*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 8;
        sql_error_t *v = util_realloc(*list, grown * sizeof *v);
        if(!v)
            return SQL_ERR_NOMEM;
        *list = v;
        *cap = grown;
    }
    sql_error_t *er = &(*list)[*n];
    er->line = line;
    er->column = col;
    er->message = util_strdup(msg);
    if(!er->message)
        return SQL_ERR_NOMEM;
    (*n)++;
    return 0;
}

static int add_error(engine_t *e, uint32_t line, uint32_t col, const char *msg)
{
    e->nerrs++;
    return add_note(&e->res->errors, &e->res->nerrors, &e->caperrs, &e->res->errors_dropped, line, col, msg);
}

static int on_error(void *ud, uint32_t line, uint32_t col, const char *msg)
{
    return add_error(ud, line, col, msg);
}

static int on_warning(void *ud, uint32_t line, uint32_t col, const char *msg)
{
    engine_t *e = ud;
    return add_note(&e->res->warnings, &e->res->nwarnings, &e->capwarns, &e->res->warnings_dropped, line, col, msg);
}

static int on_stmt(void *ud, sql_stmt_t *in)
{
    engine_t *e = ud;
    sql_statement_t view;
    int rc = view_stmt(&e->arena, in, &view, !(e->opts->on_statement && e->opts->no_indirect),
                       e->opts->on_statement && e->opts->subtypes_only);
    if(!rc && !e->opts->statements_only)
        rc = roles_apply(&e->roles, &view);
    if(rc)
        return rc;
    e->nstmts++;
    if(e->opts->on_statement)
        return e->opts->on_statement(e->opts->ud, &view);
    sql_lineage_t *r = e->res;
    if(r->nstatements == e->capstmts) {
        size_t cap = e->capstmts ? e->capstmts * 2 : 16;
        sql_statement_t *v = util_realloc(r->statements, cap * sizeof *v);
        if(!v)
            return SQL_ERR_NOMEM;
        r->statements = v;
        e->capstmts = cap;
    }
    sql_statement_t *st = &r->statements[r->nstatements];
    rc = copy_stmt(&view, st);
    if(rc) {
        statement_clear(st);
        return rc;
    }
    r->nstatements++;
    return 0;
}

static int on_unit(void *ud, size_t start, size_t end, const char *kind)
{
    engine_t *e = ud;
    return unit(e, e->base + start, e->base + end, kind);
}

static int fill(engine_t *e);

static int tok_is(const engine_t *e, const sql_token_t *t, const char *w)
{
    size_t l = strlen(w);
    return t->type == SQL_TOK_WORD && t->len == l && strncasecmp(e->buf + t->off, w, l) == 0;
}

/* Postgres dumps: COPY .. FROM stdin; is followed by data lines up to a line `\.`. */
static int copy_from_stdin(const engine_t *e)
{
    if(e->ntoks < 4 || !tok_is(e, &e->toks[0], "copy"))
        return 0;
    for(size_t i = 1; i + 1 < e->ntoks; i++)
        if(tok_is(e, &e->toks[i], "from") && tok_is(e, &e->toks[i + 1], "stdin"))
            return 1;
    return 0;
}

static int skip_copy_data(engine_t *e)
{
    uint64_t start = e->base + e->lx.pos;
    for(;;) {
        size_t i = e->lx.pos;
        while(i < e->len) {
            const char *nl = memchr(e->buf + i, '\n', e->len - i);
            if(!nl)
                break;
            size_t line = i, end = (size_t)(nl - e->buf);
            i = end + 1;
            if(end - line >= 2 && e->buf[line] == '\\' && e->buf[line + 1] == '.' &&
               (end - line == 2 || (end - line == 3 && e->buf[line + 2] == '\r'))) {
                sql_lexer_skip(&e->lx, i);
                return unit(e, start, e->base + i, "data");
            }
            /* data lines are dropped as we go, so they never accumulate */
            if(line > e->lx.pos)
                sql_lexer_skip(&e->lx, line);
        }
        if(e->eof) {
            sql_lexer_skip(&e->lx, e->len);
            return unit(e, start, e->base + e->len, "data");
        }
        int rc = fill(e);
        if(rc)
            return rc;
    }
}

static int flush(engine_t *e)
{
    int rc = 0;
    int copy_data = !e->skipping && copy_from_stdin(e);
    if(e->ntoks && !e->skipping) {
        sql_parse_ctx_t ctx = {
            .dialect = e->res->dialect,
            .arena = &e->arena,
            .schema = e->schema,
            .on_stmt = on_stmt,
            .on_error = on_error,
            .on_warning = on_warning,
            .on_unit = e->opts->on_unit ? on_unit : NULL,
            .ud = e,
        };
        sql_tokens_dialect_words(e->res->dialect, e->toks, e->ntoks, e->buf);
        rc = sql_parse_tokens(&ctx, e->buf, e->toks, e->ntoks);
        sql_arena_reset(&e->arena);
    }
    if(!rc && e->skipping)
        rc = unit(e, e->skip_start, e->base + e->lx.pos, "skipped");
    e->ntoks = 0;
    e->skipping = 0;
    e->line_stmt = 0;
    if(!rc && copy_data)
        rc = skip_copy_data(e);
    return rc;
}

/* Ends the pending statement before token t, which the lexer hands out again as the next one's start. */
static int end_before(engine_t *e, const sql_token_t *t)
{
    sql_lexer_rewind(&e->lx, t);
    sql_splitter_init(&e->sp, e->res->dialect);
    e->sp.custom_delim = e->dlen > 0;
    return flush(e);
}

/* Drop text no pending token needs, then read more; grows the buffer for long statements. */
static int fill(engine_t *e)
{
    if(e->borrowed) {
        e->eof = 1; /* all of it is there already */
        return 0;
    }
    size_t keep = e->ntoks ? e->toks[0].off : e->lx.pos;
    if(keep) {
        memmove(e->buf, e->buf + keep, e->len - keep);
        e->len -= keep;
        e->base += keep;
        for(size_t i = 0; i < e->ntoks; i++)
            e->toks[i].off -= keep;
    }
    if(e->len == e->cap) {
        if(e->cap >= SQL_MAX_STMT_BYTES)
            return SQL_ERR_TOO_BIG;
        size_t cap = e->cap ? e->cap * 2 : e->first_cap;
        char *b = util_realloc(e->buf, cap + 1);
        if(!b)
            return SQL_ERR_NOMEM;
        e->buf = b;
        e->cap = cap;
    }
    size_t got = 0;
    int rc = e->rd(e->rd_ud, e->buf + e->len, e->cap - e->len, &got);
    if(rc)
        return rc;
    if(got == 0)
        e->eof = 1;
    e->len += got;
    e->buf[e->len] = '\0'; /* stops plain_run()'s scans: no class of the lexer's holds it */
    sql_lexer_rebase(&e->lx, e->buf, e->len, keep, e->eof);
    return 0;
}

/* Room for the token after the pending ones: the lexer writes it in place. */
static int reserve_token(engine_t *e)
{
    if(e->ntoks < e->captoks)
        return 0;
    size_t cap = e->captoks ? e->captoks * 2 : 1024;
    if(cap > SQL_MAX_STMT_TOKENS + 1)
        cap = SQL_MAX_STMT_TOKENS + 1;
    sql_token_t *v = util_realloc(e->toks, cap * sizeof *v);
    if(!v)
        return SQL_ERR_NOMEM;
    e->toks = v;
    e->captoks = cap;
    return 0;
}

/* Keep token `t`, the one in the slot reserve_token() made. */
static int push_token(engine_t *e, const sql_token_t *t)
{
    if(e->skipping)
        return 0;
    if(e->ntoks >= SQL_MAX_STMT_TOKENS) {
        e->skip_start = e->base + e->toks[0].off;
        e->skipping = 1;
        e->ntoks = 0;
        return add_error(e, t->line, t->col, "statement too large: skipped");
    }
    e->ntoks++;
    return 0;
}

/* MySQL client `DELIMITER xx` line at a statement start: 1 if handled, 0 if not one, <0 error. */
static int delimiter_directive(engine_t *e, const sql_token_t *t)
{
    if(e->res->dialect != SQL_DIALECT_MYSQL || e->ntoks || t->type != SQL_TOK_WORD || t->len != 9 ||
       strncasecmp(e->buf + t->off, "delimiter", 9) != 0)
        return 0;
    int rc;
    uint64_t start = e->base + t->off;
    while(!memchr(e->buf + e->lx.pos, '\n', e->len - e->lx.pos) && !e->eof)
        if((rc = fill(e)))
            return rc;
    size_t i = e->lx.pos, end = e->len;
    const char *nl = memchr(e->buf + i, '\n', e->len - i);
    if(nl)
        end = (size_t)(nl - e->buf);
    while(i < end && (e->buf[i] == ' ' || e->buf[i] == '\t'))
        i++;
    size_t n = 0;
    while(i + n < end && e->buf[i + n] != ' ' && e->buf[i + n] != '\t' && e->buf[i + n] != '\r')
        n++;
    if(n == 0 || n >= sizeof e->delim)
        return 0;
    memcpy(e->delim, e->buf + i, n);
    e->dlen = n == 1 && e->delim[0] == ';' ? 0 : n;
    e->sp.custom_delim = e->dlen > 0;
    sql_lexer_skip(&e->lx, end);
    rc = unit(e, start, e->base + end, "client");
    return rc ? rc : 1;
}

/* With a custom delimiter in force: 1 if token `t` starts it (the statement ends there). A word
 * it ends (`END$$`: `$` is a name character) is cut before it, and the lexer goes back there. */
static int at_delimiter(engine_t *e, sql_token_t *t, int *rc)
{
    *rc = 0;
    if(!e->dlen)
        return 0;
    if(t->type == SQL_TOK_WORD && t->len > e->dlen) {
        const char *w = e->buf + t->off;
        size_t k = 1;
        while(k + e->dlen <= t->len && memcmp(w + k, e->delim, e->dlen) != 0)
            k++;
        if(k + e->dlen <= t->len) {
            sql_lexer_rewind(&e->lx, t);
            sql_lexer_skip(&e->lx, t->off + k);
            t->len = (uint32_t)k;
            t->kw = (uint16_t)sql_keyword_lookup(w, k);
            return 0;
        }
    }
    if(e->buf[t->off] != e->delim[0])
        return 0;
    if(t->off + e->dlen > e->len && !e->eof) {
        sql_lexer_rewind(&e->lx, t);
        *rc = fill(e);
        return -1;
    }
    if(t->off + e->dlen > e->len || memcmp(e->buf + t->off, e->delim, e->dlen) != 0)
        return 0;
    sql_lexer_skip(&e->lx, t->off + e->dlen);
    return 1;
}

/* Skip to the end of the current line, reading on as needed without keeping the line. */
static int skip_line(engine_t *e)
{
    for(;;) {
        const char *nl = memchr(e->buf + e->lx.pos, '\n', e->len - e->lx.pos);
        if(nl) {
            sql_lexer_skip(&e->lx, (size_t)(nl - e->buf));
            return 0;
        }
        sql_lexer_skip(&e->lx, e->len);
        if(e->eof)
            return 0;
        int rc = fill(e);
        if(rc)
            return rc;
    }
}

enum { CLIENT_NONE, CLIENT_SKIP, CLIENT_INCLUDE, CLIENT_LINE };

/* SQL*Plus commands that end with their line, carry no lineage and are not SQL. */
static const char *const sqlplus_skip[] = {
    "prompt", "pro",    "rem",      "remark", "spool",      "spo",       "whenever", "define",   "def",    "undefine",
    "undef",  "column", "col",      "ttitle", "btitle",     "break",     "compute",  "pause",    "accept", "acc",
    "exit",   "quit",   "connect",  "conn",   "disconnect", "disc",      "host",     "variable", "var",    "print",
    "clear",  "desc",   "describe", "timing", "repheader",  "repfooter", "password",
};

/* Word at the start of the rest of the line (psql's `\name`), after filling enough of it. */
static int line_word(engine_t *e, char *w, size_t cap)
{
    int rc;
    while(e->len - e->lx.pos < cap && !memchr(e->buf + e->lx.pos, '\n', e->len - e->lx.pos) && !e->eof)
        if((rc = fill(e)))
            return rc;
    size_t n = 0;
    for(size_t i = e->lx.pos; i < e->len && n + 1 < cap; i++) {
        char c = e->buf[i];
        if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
            break;
        w[n++] = (char)(c | 0x20);
    }
    w[n] = '\0';
    return 0;
}

/* A client's own command at a statement start, first on its line: psql `\x` (any dialect: `\`
 * starts no SQL), SQL*Plus in Oracle, sqlcmd `:x` in T-SQL. They end with their line, not `;`,
 * so left to the parser each would swallow the statement after it. CLIENT_* or <0 error. */
static int client_command(engine_t *e, const sql_token_t *t, char *name, size_t cap)
{
    sql_dialect_t d = e->res->dialect;
    const char *src = e->buf + t->off;
    name[0] = '\0';
    if(sql_tok_is_op(t, e->buf, '\\')) {
        name[0] = '\\';
        int rc = line_word(e, name + 1, cap - 1);
        if(rc)
            return rc;
        const char *w = name + 1;
        if(!strcmp(w, "copy"))
            return CLIENT_LINE;
        if(!strcmp(w, "i") || !strcmp(w, "ir") || !strcmp(w, "include") || !strcmp(w, "include_relative"))
            return CLIENT_INCLUDE;
        return CLIENT_SKIP;
    }
    if(d == SQL_DIALECT_TSQL && t->type == SQL_TOK_VAR && src[0] == ':') {
        snprintf(name, cap, "%.*s", (int)(t->len < 24 ? t->len : 24), src);
        return t->len == 2 && (src[1] | 0x20) == 'r' ? CLIENT_INCLUDE : CLIENT_SKIP;
    }
    if(d != SQL_DIALECT_ORACLE)
        return CLIENT_NONE;
    if((t->type == SQL_TOK_VAR || t->type == SQL_TOK_OP) && src[0] == '@') {
        snprintf(name, cap, "%s", t->len > 1 && src[1] == '@' ? "@@" : "@");
        return CLIENT_INCLUDE;
    }
    if(t->type != SQL_TOK_WORD)
        return CLIENT_NONE;
    if(tok_is(e, t, "start") || tok_is(e, t, "sta")) {
        snprintf(name, cap, "START");
        return CLIENT_INCLUDE;
    }
    if(t->kw == SQL_KW_SET || tok_is(e, t, "show") || tok_is(e, t, "exec") || tok_is(e, t, "execute"))
        return CLIENT_LINE;
    for(size_t i = 0; i < sizeof sqlplus_skip / sizeof sqlplus_skip[0]; i++)
        if(tok_is(e, t, sqlplus_skip[i]))
            return CLIENT_SKIP;
    return CLIENT_NONE;
}

/* psql sends the statement it holds at `\g`, `\gx`, `\gset`, `\gexec` or `\gdesc`, first on a line or after
 * the statement's text on its line (the rest of the line is the command's; mysql's `\g` and `\G` too): 1 when token `t`, inside a statement, is one, <0 error. */
static int psql_sends(engine_t *e, const sql_token_t *t)
{
    if(!sql_tok_is_op(t, e->buf, '\\'))
        return 0;
    char w[8];
    e->ntoks++; /* t's offset moves with the statement's if the buffer is refilled */
    int rc = line_word(e, w, sizeof w);
    e->ntoks--;
    if(rc)
        return rc;
    return !strcmp(w, "g") || !strcmp(w, "gx") || !strcmp(w, "gset") || !strcmp(w, "gexec") || !strcmp(w, "gdesc");
}

/* 1 when token `t` was a client command and is dealt with, 0 when it is SQL, <0 error. */
static int client_line(engine_t *e, const sql_token_t *t)
{
    char name[32];
    uint32_t line = t->line, col = t->col;
    uint64_t start = e->base + t->off;
    int what = client_command(e, t, name, sizeof name);
    if(what < 0)
        return what;
    if(what == CLIENT_NONE)
        return 0;
    if(what == CLIENT_LINE) {
        e->line_stmt = 1;
        /* psql's `\copy ..` is COPY without its backslash */
        if(t->type != SQL_TOK_OP)
            return 0;
        int rc = unit(e, start, start + t->len, "client");
        return rc ? rc : 1;
    }
    int rc = 0;
    if(what == CLIENT_INCLUDE) {
        char msg[96];
        snprintf(msg, sizeof msg, "script included by %s not parsed (a client command)", name);
        rc = add_error(e, line, col, msg);
    }
    if(!rc)
        rc = skip_line(e);
    if(!rc)
        rc = unit(e, start, e->base + e->lx.pos, "client");
    return rc ? rc : 1;
}

/* A word first on its line that starts a statement of its own while a `(` is left open: INSERT,
 * UPDATE, DELETE, MERGE, CREATE, ALTER, DROP, TRUNCATE, and SELECT but after a name (`INSERT INTO t
 * SELECT ..` in a data-modifying CTE) or where a query may start with FROM (Hive, Spark, DuckDB:
 * `(FROM t SELECT ..)`). Inside parentheses they follow a `(`
 * (a subquery, a data-modifying CTE, T-SQL's composable DML), a `)` (a query after its CTEs), a `,`
 * (T-SQL's ALTER SERVICE s (ADD CONTRACT a, DROP CONTRACT b)), a set
 * operator, or THEN, ELSE, AS, DO,
 * ALSO, INSTEAD (MERGE's branches, a rule's actions); after anything else the `(` was never closed
 * and the statement before it ends there, so the `(` does not swallow the rest of the file. */
static int opens_after_unclosed(const engine_t *e, const sql_token_t *t)
{
    static const sql_kw_t starts[] = {SQL_KW_INSERT, SQL_KW_UPDATE, SQL_KW_DELETE, SQL_KW_MERGE,
                                      SQL_KW_CREATE, SQL_KW_ALTER,  SQL_KW_DROP,   SQL_KW_TRUNCATE};
    static const sql_kw_t inside[] = {SQL_KW_UNION,    SQL_KW_INTERSECT, SQL_KW_EXCEPT, SQL_KW_MINUS, SQL_KW_ALL,
                                      SQL_KW_DISTINCT, SQL_KW_THEN,      SQL_KW_ELSE,   SQL_KW_AS};
    if(!e->ntoks || e->sp.paren <= 0 || e->sp.paren_body || t->type != SQL_TOK_WORD)
        return 0;
    size_t i = 0;
    while(i < sizeof starts / sizeof starts[0] && starts[i] != t->kw)
        i++;
    sql_dialect_t d = e->res->dialect;
    const sql_token_t *prev = &e->toks[e->ntoks - 1];
    if(i == sizeof starts / sizeof starts[0] &&
       (t->kw != SQL_KW_SELECT || prev->type == SQL_TOK_WORD || prev->type == SQL_TOK_QUOTED || d == SQL_DIALECT_HIVE ||
        d == SQL_DIALECT_SPARKSQL || d == SQL_DIALECT_DATABRICKS || d == SQL_DIALECT_DUCKDB))
        return 0;
    if(sql_tok_is_op(prev, e->buf, '(') || sql_tok_is_op(prev, e->buf, ')') || sql_tok_is_op(prev, e->buf, ';') ||
       sql_tok_is_op(prev, e->buf, ',') || tok_is(e, prev, "do") || tok_is(e, prev, "also") ||
       tok_is(e, prev, "instead"))
        return 0;
    for(i = 0; i < sizeof inside / sizeof inside[0]; i++)
        if(prev->type == SQL_TOK_WORD && prev->kw == inside[i])
            return 0;
    return 1;
}

/* = < > + * as bits of (byte - 32) */
#define PLAIN_OPS                                                                                                      \
    ((1ull << ('=' - 32)) | (1ull << ('<' - 32)) | (1ull << ('>' - 32)) | (1ull << ('+' - 32)) | (1ull << ('*' - 32)))

/* Most tokens, in registers: plain ASCII words, , . ( ), = < > + *, whole numbers, one-line
 * strings and quoted names in the middle of a plain statement, the first on a line too (but GO,
 * which ends a T-SQL batch there), as sql_lexer_next_inline() or the lexer's slow path, the
 * splitter and push_token() would take them. Stops before the first token it does not take
 * (other literals and operators, comments, a new line before the statement's first token, the
 * end of the buffer) and leaves it to run()'s general path. */
static void plain_run(engine_t *e)
{
    /* MySQL's DELIMITER is only read first in a statement */
    if(e->dlen || e->skipping || e->line_stmt || e->lx.nl || !e->sp.plain || e->sp.custom_delim ||
       (e->res->dialect == SQL_DIALECT_MYSQL && !e->ntoks))
        return;
    const char *p = e->buf;
    size_t len = e->len, i = e->lx.pos;
    uint32_t line = e->lx.line, col = e->lx.col;
    uint8_t nl = 0; /* a new line since the last token: i and col are after it */
    sql_token_t *t = e->toks + e->ntoks, *first = t;
    sql_token_t *end = e->toks + (e->captoks < SQL_MAX_STMT_TOKENS ? e->captoks : SQL_MAX_STMT_TOKENS);
    for(; t < end; t++) {
        size_t j = i;
        /* buf[len] is a NUL (fill()), which no class holds */
        while(sql_lex_class[(unsigned char)p[j]] & SQL_LEXC_SPACE) {
            if(p[j] == '\n') {
                /* inside a statement no client command or line statement starts a line (those
                 * start a statement or follow a backslash): only GO needs a look, below */
                if(t == e->toks)
                    goto out;
                nl = SQL_TOKF_NL_BEFORE;
                line++;
                i = j + 1;
                col = 1;
            }
            j++;
        }
        uint32_t c0 = col + (uint32_t)(j - i);
        unsigned char c = (unsigned char)p[j];
        unsigned cl = sql_lex_class[c];
        if(cl & SQL_LEXC_PUNCT || c == '.') {
            if(c == ';' || (c == '.' && (j + 1 >= len || (sql_lex_class[(unsigned char)p[j + 1]] & SQL_LEXC_DIGIT))))
                goto out;
            if(c == '(' || c == ')')
                sql_splitter_plain_paren(&e->sp, (char)c);
            *t = (sql_token_t){.type = SQL_TOK_OP, .flags = nl, .kw = c, .len = 1, .off = j, .line = line, .col = c0};
            nl = 0;
            i = j + 1;
            col = c0 + 1;
            continue;
        }
        if(!(cl & SQL_LEXC_START)) {
            /* = < > + * before white space or , ( ) ; are one-byte operators in every dialect (the
             * lexer's scan_op()); its look two bytes ahead is in the buffer */
            if(c - 32u < 64u && ((PLAIN_OPS >> (c - 32u)) & 1) && j + 2 < len &&
               (sql_lex_class[(unsigned char)p[j + 1]] & (SQL_LEXC_SPACE | SQL_LEXC_PUNCT))) {
                *t = (sql_token_t){
                    .type = SQL_TOK_OP, .flags = nl, .kw = c, .len = 1, .off = j, .line = line, .col = c0};
                nl = 0;
                i = j + 1;
                col = c0 + 1;
                continue;
            }
            /* digits before white space or , ( ) ; are a whole number (scan_number(): no '.',
             * exponent, 0x or letters after them) */
            if(cl & SQL_LEXC_DIGIT) {
                size_t k = j + 1;
                while(sql_lex_class[(unsigned char)p[k]] & SQL_LEXC_DIGIT)
                    k++;
                if(sql_lex_class[(unsigned char)p[k]] & (SQL_LEXC_SPACE | SQL_LEXC_PUNCT)) {
                    *t = (sql_token_t){.type = SQL_TOK_NUMBER,
                                       .flags = nl,
                                       .len = (uint32_t)(k - j),
                                       .off = j,
                                       .line = line,
                                       .col = c0};
                    nl = 0;
                    i = k;
                    col = c0 + (uint32_t)(k - j);
                    continue;
                }
            }
            /* a one-line ASCII string or quoted name ('x', "x", `x`, [x] where the dialect has
             * them) without its closing quote or a backslash inside, not starting with two quotes
             * ('' or '''), not followed by one: scan_quoted() ends it at its closing quote */
            unsigned char close = c == '[' ? ']' : c;
            if((c == '\'' || c == '"' || c == '`' || (c == '[' && e->lx.tr.bracket_ident)) &&
               (unsigned char)p[j + 1] != close) {
                size_t k = j + 1;
                unsigned char b;
                while((b = (unsigned char)p[k]) != close && b != '\\' && b != '\n' && b != 0 && b < 0x80)
                    k++;
                if(b == close && k + 1 < len && (unsigned char)p[k + 1] != close) {
                    uint8_t type = c == '\'' || (c == '"' && !e->lx.tr.dq_ident) ? SQL_TOK_STRING : SQL_TOK_QUOTED;
                    *t = (sql_token_t){
                        .type = type, .flags = nl, .len = (uint32_t)(k + 1 - j), .off = j, .line = line, .col = c0};
                    nl = 0;
                    i = k + 1;
                    col = c0 + (uint32_t)(k + 1 - j);
                    continue;
                }
            }
            goto out;
        }
        size_t k = j + 1;
        unsigned seen = cl;
        while((cl = sql_lex_class[(unsigned char)p[k]]) & SQL_LEXC_IDENT) {
            seen |= cl;
            k++;
        }
        if(k >= len || (seen & (SQL_LEXC_DOLLAR | SQL_LEXC_HIGH)) || p[k] == '#' || p[k] == '\'' || p[k] == '"')
            goto out;
        uint16_t kw = (seen & SQL_LEXC_NOTKW) ? SQL_KW_NONE : (uint16_t)sql_keyword_lookup_plain(p + j, k - j, len - j);
        /* T-SQL's GO first on its line ends the batch: the splitter's; a statement word first on its
         * line inside a `(` may end a statement that left it open (opens_after_unclosed()) */
        if(nl && (kw == SQL_KW_GO ||
                  (e->sp.paren > 0 && kw != SQL_KW_NONE && (sql_keyword_flags((sql_kw_t)kw) & SQL_KW_T))))
            goto out;
        *t = (sql_token_t){
            .type = SQL_TOK_WORD, .flags = nl, .kw = kw, .len = (uint32_t)(k - j), .off = j, .line = line, .col = c0};
        nl = 0;
        i = k;
        col = c0 + (uint32_t)(k - j);
    }
out:
    e->lx.pos = i;
    e->lx.line = line;
    e->lx.col = col;
    e->lx.nl = nl != 0;
    e->ntoks += (size_t)(t - first);
    e->sp.ntok += (int)(t - first);
}

static int run(engine_t *e)
{
    int rc;
    while(!e->eof && e->len < GUESS_BYTES) {
        size_t before = e->len;
        if((rc = fill(e)))
            return rc;
        if(e->len == before && !e->eof)
            break;
    }
    sql_dialect_t d = e->opts->dialect;
    if(d == SQL_DIALECT_AUTO)
        d = sql_dialect_guess(e->buf ? e->buf : "", e->len);
    e->res->dialect = d;
    if(e->opts->on_begin && (rc = e->opts->on_begin(e->opts->ud, d)))
        return rc;
    sql_lexer_init(&e->lx, e->buf ? e->buf : "", e->len, d, e->eof);
    sql_splitter_init(&e->sp, d);
    if(e->len >= 2 && ((unsigned char)e->buf[0] == 0xFF || (unsigned char)e->buf[0] == 0xFE) &&
       ((unsigned char)e->buf[0] ^ (unsigned char)e->buf[1]) == 0x01) {
        rc = add_error(e, 1, 1, "UTF-16 text (byte order mark): not parsed; save the file as UTF-8");
        return rc ? rc : unit(e, 0, UINT64_MAX, "skipped");
    }
    /* a UTF-8 byte order mark is no part of the first statement; columns count from after it */
    if(e->len >= 3 && memcmp(e->buf, "\xEF\xBB\xBF", 3) == 0)
        e->lx.pos = 3;
    for(;;) {
        plain_run(e);
        if((rc = reserve_token(e)))
            return rc;
        sql_token_t *t = &e->toks[e->ntoks];
        rc = sql_lexer_next_inline(&e->lx, t);
        if(rc == SQL_ERR_NEED_MORE) {
            rc = fill(e);
            if(rc == SQL_ERR_TOO_BIG && e->ntoks) {
                /* one statement outgrew the buffer: drop it and go on */
                if((rc = add_error(e, e->toks[0].line, e->toks[0].col, "statement too large: skipped")))
                    return rc;
                e->skip_start = e->base + e->toks[0].off;
                e->ntoks = 0;
                e->skipping = 1;
                rc = fill(e);
            }
            if(rc == SQL_ERR_TOO_BIG) {
                uint64_t start = e->base + e->lx.pos;
                rc = add_error(e, e->lx.line, e->lx.col, "token too large: rest of input skipped");
                return rc ? rc : unit(e, start, UINT64_MAX, "skipped");
            }
            if(rc)
                return rc;
            continue;
        }
        if(rc)
            return rc;
        /* the common case, checked at once: a word, literal or operator, nothing unterminated, not
         * first on its line (client commands, line statements), no MySQL DELIMITER, no skipping */
        int common = t->type >= SQL_TOK_WORD && t->type <= SQL_TOK_VAR &&
                     !(t->flags & (SQL_TOKF_UNTERMINATED | SQL_TOKF_NL_BEFORE)) && !e->dlen && !e->skipping &&
                     e->res->dialect != SQL_DIALECT_MYSQL && !(t->type == SQL_TOK_OP && t->kw == '\\');
        if(!common) {
            if(t->type == SQL_TOK_EOF)
                return flush(e);
            if(e->line_stmt && (t->flags & SQL_TOKF_NL_BEFORE) && t->type != SQL_TOK_COMMENT) {
                /* the line ended the statement: parse it, then read this token again, as the start
                 * of the next statement or as data (`\copy t FROM stdin`'s lines, which kept the
                 * first one for a statement that swallowed the one after the data) */
                if((rc = end_before(e, t)))
                    return rc;
                continue;
            }
            if(t->flags & SQL_TOKF_UNTERMINATED) {
                const char *what = t->type == SQL_TOK_COMMENT    ? "unterminated comment"
                                   : t->type == SQL_TOK_STRING   ? "unterminated string"
                                   : t->type == SQL_TOK_TEMPLATE ? "unterminated template"
                                                                 : "unterminated quoted identifier";
                if((rc = add_error(e, t->line, t->col, what)))
                    return rc;
                /* the token stopped at its line's end (lexer); so does its statement */
                if(t->type != SQL_TOK_COMMENT)
                    e->line_stmt = 1;
            }
            if(t->type == SQL_TOK_COMMENT || sql_tok_is_jinja_block(t, e->buf))
                continue;
            if((t->flags & SQL_TOKF_NL_BEFORE) && !e->skipping && opens_after_unclosed(e, t)) {
                if((rc = end_before(e, t)))
                    return rc;
                continue;
            }
            if(e->ntoks && !e->skipping && (rc = psql_sends(e, t)) != 0) {
                if(rc < 0)
                    return rc;
                /* the statement ends here; first on its line the command is read again as the next one's
                 * start, after a statement on its line (`SELECT 1 \gset`) it is taken at once */
                if(t->flags & SQL_TOKF_NL_BEFORE) {
                    if((rc = end_before(e, t)))
                        return rc;
                    continue;
                }
                sql_splitter_init(&e->sp, e->res->dialect);
                e->sp.custom_delim = e->dlen > 0;
                if((rc = flush(e)) || (rc = client_line(e, t)) < 0)
                    return rc;
                continue;
            }
            if(!e->ntoks && !e->skipping && (t->flags & SQL_TOKF_NL_BEFORE) && !e->line_stmt &&
               (rc = client_line(e, t)) != 0) {
                if(rc < 0)
                    return rc;
                continue;
            }
            if((rc = delimiter_directive(e, t)) != 0) {
                if(rc < 0)
                    return rc;
                continue;
            }
            int at = at_delimiter(e, t, &rc);
            if(rc)
                return rc;
            if(at < 0)
                continue;
            if(at) {
                uint64_t start = e->base + t->off;
                sql_splitter_init(&e->sp, e->res->dialect);
                e->sp.custom_delim = 1;
                if((rc = flush(e)) || (rc = unit(e, start, start + e->dlen, "separator")))
                    return rc;
                continue;
            }
        }
        sql_split_t sp = sql_splitter_feed(&e->sp, t, e->buf, e->len);
        if(sp == SQL_SPLIT_DROP) {
            uint64_t start = e->base + t->off, end = start + t->len;
            if((rc = flush(e)) || (rc = unit(e, start, end, "separator")))
                return rc;
            continue;
        }
        if((rc = push_token(e, t)))
            return rc;
        if(sp == SQL_SPLIT_AFTER && (rc = flush(e)))
            return rc;
    }
}

/* With `whole` (its len bytes followed by a NUL) the engine lexes the caller's text where it is. */
static int run_engine(sql_read_fn rd, void *rd_ud, const sql_lineage_opts_t *opts, size_t first_cap,
                      const char *whole, size_t len, sql_lineage_t **out)
{
    *out = NULL;
    if((!rd && !whole) || !opts)
        return SQL_ERR_ARG;
    engine_t e;
    memset(&e, 0, sizeof e);
    e.rd = rd;
    e.rd_ud = rd_ud;
    e.opts = opts;
    e.first_cap = first_cap;
    if(whole) {
        e.buf = (char *)whole; /* only read: fill() returns before it would move or grow it */
        e.len = e.cap = len;
        e.eof = 1;
        e.borrowed = 1;
    }
    sql_arena_init(&e.arena, SQL_MAX_STMT_BYTES);
    e.res = util_calloc(1, sizeof *e.res);
    e.schema = sql_schema_new();
    int rc = e.res && e.schema ? run(&e) : SQL_ERR_NOMEM;
    if(!rc && !opts->statements_only)
        rc = roles_collect(&e.roles, e.res);
    sql_arena_free(&e.arena);
    sql_schema_free(e.schema);
    roles_free(&e.roles);
    if(!e.borrowed)
        util_free(e.buf);
    util_free(e.toks);
    if(rc) {
        sql_lineage_free(e.res);
        return rc;
    }
    *out = e.res;
    return 0;
}

int sql_lineage_run(sql_read_fn rd, void *rd_ud, const sql_lineage_opts_t *opts, sql_lineage_t **out)
{
    return run_engine(rd, rd_ud, opts, READ_BLOCK, NULL, 0, out);
}

typedef struct mem_reader {
    const char *p;
    size_t len;
    size_t pos;
} mem_reader_t;

static int mem_read(void *ud, char *buf, size_t cap, size_t *got)
{
    mem_reader_t *m = ud;
    size_t n = m->len - m->pos;
    if(n > cap)
        n = cap;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    *got = n;
    return 0;
}

int sql_lineage_parse(const char *text, size_t len, sql_dialect_t dialect, sql_lineage_t **out)
{
    mem_reader_t m = {.p = text, .len = len};
    sql_lineage_opts_t opts = {.dialect = dialect};
    size_t first = len + 1 < READ_BLOCK ? len + 1 : READ_BLOCK;
    return run_engine(mem_read, &m, &opts, first < 256 ? 256 : first, NULL, 0, out);
}

int sql_lineage_run_text(const char *text, size_t len, const sql_lineage_opts_t *opts, sql_lineage_t **out)
{
    if(len < SQL_MAX_STMT_BYTES)
        return run_engine(NULL, NULL, opts, 0, text, len, out);
    /* a statement this long is skipped as too large when read in pieces: read it so */
    mem_reader_t m = {.p = text, .len = len};
    return run_engine(mem_read, &m, opts, READ_BLOCK, NULL, 0, out);
}

void sql_lineage_free(sql_lineage_t *l)
{
    if(!l)
        return;
    for(size_t i = 0; i < l->nstatements; i++)
        statement_clear(&l->statements[i]);
    util_free(l->statements);
    for(size_t i = 0; i < l->nerrors; i++)
        util_free(l->errors[i].message);
    util_free(l->errors);
    for(size_t i = 0; i < l->nwarnings; i++)
        util_free(l->warnings[i].message);
    util_free(l->warnings);
    strlist_free(&l->sources);
    strlist_free(&l->targets);
    strlist_free(&l->intermediates);
    util_free(l);
}

/* ---- JSON ---- */

/* A JSON string even when the SQL held invalid UTF-8 (bad bytes become '?'). */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if(j)
        return j;
    char *copy = util_strdup(s);
    if(!copy)
        return NULL;
    for(unsigned char *c = (unsigned char *)copy; *c; c++)
        if(*c >= 0x80)
            *c = '?';
    j = json_string(copy);
    util_free(copy);
    return j;
}

static json_t *jlist(const sql_strlist_t *l)
{
    json_t *a = json_array();
    for(size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, jstr(l->items[i]));
    return a;
}

json_t *sql_statement_to_json(const sql_statement_t *st)
{
    buf_t b;
    buf_init(&b, SQL_JSON_MAX);
    json_t *j = sql_statement_write_json(&b, st) ? NULL : json_loadb(b.data, b.len, 0, NULL);
    buf_free(&b);
    return j;
}

static json_t *notes_json(const sql_error_t *v, size_t n)
{
    json_t *a = json_array();
    for(size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:i,s:i,s:o}", "line", (int)v[i].line, "column", (int)v[i].column,
                                           "message", jstr(v[i].message)));
    return a;
}

json_t *sql_lineage_to_json(const sql_lineage_t *l, const char *file)
{
    json_t *o = json_object();
    if(!o)
        return NULL;
    json_object_set_new(o, "file", jstr(file ? file : ""));
    json_object_set_new(o, "dialect", json_string(sql_dialect_name(l->dialect)));
    json_t *stmts = json_array();
    for(size_t i = 0; stmts && i < l->nstatements; i++)
        json_array_append_new(stmts, sql_statement_to_json(&l->statements[i]));
    json_object_set_new(o, "statements", stmts);
    json_object_set_new(o, "sources", jlist(&l->sources));
    json_object_set_new(o, "targets", jlist(&l->targets));
    json_object_set_new(o, "intermediates", jlist(&l->intermediates));
    json_object_set_new(o, "errors", notes_json(l->errors, l->nerrors));
    if(l->errors_dropped)
        json_object_set_new(o, "errors_dropped", json_integer((json_int_t)l->errors_dropped));
    if(l->nwarnings) /* only when some lineage was cut: the usual document stays as it was */
        json_object_set_new(o, "warnings", notes_json(l->warnings, l->nwarnings));
    if(l->warnings_dropped)
        json_object_set_new(o, "warnings_dropped", json_integer((json_int_t)l->warnings_dropped));
    return o;
}
