/* The parser's internals shared by its files (one per grammar family, see parser.c):
 * the parse state, token helpers, scopes and column resolution, statement records. */
#ifndef LINEAGED_SQL_PARSER_INT_H
#define LINEAGED_SQL_PARSER_INT_H

#include "sql/error.h"
#include "sql/keywords.h"
#include "sql/parser.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* strcmp(a, b) == 0 with the first bytes compared in line: most names compared differ there, and
 * a call to strcmp cost ~25 cycles each natively (~7% of ingest's parse) */
static inline int sqlp_streq(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

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
    /* a table function over columns (OPENJSON(c.payload) j, FLATTEN(t.v) f): every column of it
     * comes from these */
    sql_srcvec_t *fnsrc;
    /* the columns such a function gives whatever its arguments (FLATTEN's seq, key, .. value,
     * this), NULL-terminated; NULL when they are not fixed */
    const char *const *fncols;
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
    int has_src; /* its query read a table (directly or through another CTE) */
    struct cte *next;
} cte_t;

typedef struct qname {
    const char *full;
    const char *last;
    const char *first;
    int nparts;
    int last_quoted;
} qname_t;

/* The tables one statement inside a body reads and writes, apart from its neighbours'. */
typedef struct flow_scratch {
    sql_strvec_t reads, writes;
} flow_scratch_t;

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
    /* the innermost body statement being parsed, or NULL outside bodies */
    flow_scratch_t *flow;
    /* SQL in a string (INSERT .. EXEC('...')): its reads also feed the statement around it */
    flow_scratch_t *feeds;
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
    /* a top-level block or script: each statement inside is a statement of its own */
    int split;
    /* SELECT .. INTO assigns variables (a statement split out of a non-T-SQL block) */
    int into_vars;
    /* a statement callback's non-zero return, which stops parsing like running out of memory */
    int stop;
    /* parsing a statement inside parentheses (a data-modifying CTE): skimming stops at its ')' */
    int in_parens;
    /* FROM items naming a CTE that read a table: a source, although no new table is read */
    unsigned cte_src;
    /* a data-modifying CTE's statement (sqlp_parse_dml_rows): where its RETURNING (or T-SQL
     * OUTPUT without INTO) rows go */
    rel_t **returned;
    /* an upsert's SET (ON DUPLICATE KEY UPDATE c = VALUES(c)): the qualifier VALUES(..) gives
     * its columns, the row offered; NULL elsewhere */
    const char *values_row;
    /* a routine's or block's parameters and declared variables (not T-SQL's @x): an unqualified
     * name among them is no column */
    const char **vars;
    uint32_t nvars, capvars;
    /* MySQL's INSERT .. SELECT: where the query's FROM items go (ON DUPLICATE KEY UPDATE may name
     * their columns), NULL elsewhere; set for the outermost SELECT only */
    scope_t *query_scope;
    /* names the chunk shows to be columns, and those it does not (sqlp_var_hides) */
    sql_strvec_t colnames, notcols;
    int cols_noted;
} parser_t;

/* What follows a `*`: EXCEPT/EXCLUDE (a), RENAME (a AS b), REPLACE (expr AS a), ILIKE 'p'. */
typedef struct star_mod {
    int kind; /* STAR_* */
    const char *name, *to;
    sink_t sink;
} star_mod_t;

enum { STAR_DROP, STAR_RENAME, STAR_REPLACE, STAR_ILIKE };

typedef struct item {
    const char *name;
    sink_t sink;
    int star;
    int expr_star; /* BigQuery IF(..).*: the fields of a struct expression */
    const char *star_qual;
    star_mod_t *mods;
    uint32_t nmods, capmods;
} item_t;

/* Hive's and Spark's script transforms (SELECT TRANSFORM (..) | MAP .. | REDUCE .. USING 'script'):
 * its select list as items (sqlp_transform_at says where one starts) */
void sqlp_parse_transform(parser_t *p, item_t **items, uint32_t *nitems, uint32_t *capitems);

typedef struct assign {
    const char *col;
    sink_t sink;
} assign_t;

typedef struct assigns {
    assign_t *v;
    uint32_t n, cap;
} assigns_t;

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

static inline int at_end(const parser_t *p)
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

static inline int sqlp_rel_has_star(const rel_t *r)
{
    for(uint32_t i = 0; i < r->n; i++)
        if(r->cols[i].star)
            return 1;
    return 0;
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

static inline int accept_kw(parser_t *p, sql_kw_t kw)
{
    if(!is_kw(p, kw))
        return 0;
    next(p);
    return 1;
}

static inline int accept_op(parser_t *p, char c)
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

static inline int is_quoted_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_QUOTED || t->type == SQL_TOK_STRING;
}

static inline int is_name_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_WORD || t->type == SQL_TOK_QUOTED;
}

static inline int is_part_tok(const sql_token_t *t)
{
    return t->type == SQL_TOK_WORD || t->type == SQL_TOK_QUOTED || t->type == SQL_TOK_TEMPLATE;
}

/* DuckDB/Spark functions reading files: their string argument is a path. */
static const char *const file_readers[] = {
    "read_parquet", "read_csv",  "read_csv_auto", "read_json",    "read_json_auto", "read_ndjson", "read_ndjson_auto",
    "parquet_scan", "read_text", "read_blob",     "iceberg_scan", "delta_scan",     "read_xlsx",
};

/* parser.c: recursive-descent core, names, scopes and column resolution, statement dispatch */
char *sqlp_aconcat(parser_t *p, const char *a, char sep, const char *b);
int sqlp_is_bind_name(const char *t);
void sqlp_add_edge(parser_t *p, const char *table, const char *col, const sql_srcvec_t *src);
/* A column of what the statement defines (a view's, a CTAS table's), although nothing feeds it. */
void sqlp_add_column(parser_t *p, const char *table, const char *col);
void sqlp_add_read(parser_t *p, const char *t);
void sqlp_add_write(parser_t *p, const char *t);
void sqlp_add_flows(parser_t *p, const flow_scratch_t *fs);
void *sqlp_amalloc(parser_t *p, size_t size);
char *sqlp_astrndup(parser_t *p, const char *s, size_t n);
int sqlp_can_be_alias(const parser_t *p, const sql_token_t *t);
unsigned sqlp_cur_how(const parser_t *p);
int sqlp_enter_too_deep(parser_t *p);
/* Enter one nesting level; 0 when the limit is hit (the error is set). */
static inline int sqlp_enter(parser_t *p)
{
    return ++p->depth <= SQL_MAX_DEPTH || sqlp_enter_too_deep(p);
}
void sqlp_expand_star(parser_t *p, const fitem_t *it, rel_t *out);
void sqlp_expect_op(parser_t *p, char c, const char *msg);
void sqlp_fail(parser_t *p, const char *msg);
cte_t *sqlp_find_cte(parser_t *p, const char *name);
fitem_t *sqlp_find_item(scope_t *sc, const char *qual);
int sqlp_grow_block(parser_t *p, void **arr, uint32_t n, uint32_t *cap, size_t elem);
/* Room in *arr (n of *cap used) for one more of `elem` bytes; 0 when out of memory. Inline: most
 * calls have room and return at once. */
static inline int sqlp_grow(parser_t *p, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    return n < *cap || sqlp_grow_block(p, arr, n, cap, elem);
}
int sqlp_in_list(const char *s, const char *const *list, size_t n);
int sqlp_is_stmt_start(const parser_t *p, const sql_token_t *t);
int sqlp_item_has(parser_t *p, const fitem_t *it, const char *col);
static inline void sqlp_leave(parser_t *p)
{
    p->depth--;
}
/* A fresh statement starting at `first`, made current; NULL when out of memory. */
sql_stmt_t *sqlp_new_stmt(parser_t *p, const sql_token_t *first);
/* Hands a finished statement to the caller if it carries anything; the callback's return. */
int sqlp_emit(parser_t *p, sql_stmt_t *st, const sql_token_t *first);
rel_t *sqlp_new_rel(parser_t *p);
char *sqlp_norm(parser_t *p, const sql_token_t *t);
char *sqlp_lower_dup(parser_t *p, const char *s, size_t n);
void sqlp_oom(parser_t *p);
int sqlp_parse_embedded(parser_t *p, const char *text, size_t len, const sql_token_t *at);
int sqlp_parse_qname(parser_t *p, qname_t *q);
void sqlp_parse_statement(parser_t *p);
outcol_t *sqlp_rel_add(parser_t *p, rel_t *r, const char *name, int star);
void sqlp_resolve_ref(parser_t *p, scope_t *sc, const ref_t *r, sql_srcvec_t *out, sink_t *bubble, unsigned bubble_how);
void sqlp_resolve_sink(parser_t *p, scope_t *sc, const sink_t *s, sql_srcvec_t *out, sink_t *bubble,
                       unsigned bubble_how);
void sqlp_sadd_all(parser_t *p, sql_srcvec_t *dst, const sql_srcvec_t *src, unsigned outer);
fitem_t *sqlp_scope_add(parser_t *p, scope_t *sc);
void sqlp_set_kind(parser_t *p, const char *kind);
void sqlp_sink_ref(parser_t *p, sink_t *s, const char *qual, const char *col);
void sqlp_sink_ref_how(parser_t *p, sink_t *s, const char *qual, const char *col, unsigned how);
void sqlp_skim_statement(parser_t *p);
void sqlp_skip_group(parser_t *p);
void sqlp_skip_list_item(parser_t *p);
void sqlp_skip_statement(parser_t *p);
char *sqlp_string_value(parser_t *p, const sql_token_t *t);
int sqlp_tok_in_list(const parser_t *p, const sql_token_t *t, const char *const *list, size_t n);
void sqlp_vadd(parser_t *p, sql_strvec_t *v, const char *s);

/* Is `name` a variable of the routine or block being parsed? */
static inline int sqlp_is_var(const parser_t *p, const char *name)
{
    for(uint32_t i = 0; i < p->nvars; i++)
        if(strcmp(p->vars[i], name) == 0)
            return 1;
    return 0;
}

/* Does the variable `name` (if it is one) stand for itself rather than a column of its name? */
int sqlp_var_hides(parser_t *p, const char *name);

/* parse_select.c: SELECT, queries, table references and expressions */
int sqlp_is_query_start(const sql_token_t *t);
int sqlp_table_query_rest(const parser_t *p, size_t k);
int sqlp_transform_here(parser_t *p, size_t k);

/* The pipe operator |> of a pipe query (BigQuery, Spark), `|` and `>` side by side (inline: the
 * expression loop asks at every operator). */
static inline int sqlp_at_pipe(const parser_t *p)
{
    return is_op(p, '|') && t_op(p, peek(p, 1), '>') && peek(p, 1)->off == cur(p)->off + 1;
}

/* TABLE t, k tokens ahead, as a whole query (the standard's SELECT * FROM t). */
static inline int sqlp_table_query_at(const parser_t *p, size_t k)
{
    return t_kw(peek(p, k), SQL_KW_TABLE) && sqlp_table_query_rest(p, k);
}

int sqlp_paren_is_query(const parser_t *p, size_t k);
/* DuckDB's PIVOT t .., UNPIVOT t .. or PIVOT (query) .. k tokens ahead: a query */
static inline int sqlp_duckdb_pivot_at(const parser_t *p, size_t k)
{
    const sql_token_t *t = peek(p, k);
    return p->d == SQL_DIALECT_DUCKDB && (t_kw(t, SQL_KW_PIVOT) || t_kw(t, SQL_KW_UNPIVOT)) &&
           (is_part_tok(peek(p, k + 1)) || (t_op(p, peek(p, k + 1), '(') && sqlp_paren_is_query(p, k + 2)));
}

/* A script transform k tokens ahead (Hive, Spark, Databricks). */
static inline int sqlp_transform_at(parser_t *p, size_t k)
{
    return (p->d == SQL_DIALECT_HIVE || p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS) &&
           sqlp_transform_here(p, k);
}
const char *sqlp_item_name(parser_t *p, size_t start, size_t end);
void sqlp_mark_identity(parser_t *p, sink_t *s, size_t start, size_t end);
int sqlp_paren_is_query(const parser_t *p, size_t k);
/* The WITH k tokens ahead starts a query (WITH [RECURSIVE] name [(cols)] AS ..), not an option. */
int sqlp_with_starts_query(const parser_t *p, size_t k);
const char *sqlp_parse_alias(parser_t *p, const char **cols, int *ncols, int maxcols);
void sqlp_parse_expr(parser_t *p, sink_t *sink);
void sqlp_parse_filter_clauses(parser_t *p);
void sqlp_parse_from_list(parser_t *p, scope_t *sc);
void sqlp_parse_indirect_expr(parser_t *p, unsigned how);
/* ON cond, USING (cols), Snowflake's MATCH_CONDITION (..): the join columns, indirect */
void sqlp_parse_join_condition(parser_t *p);
void sqlp_parse_joins(parser_t *p, scope_t *sc);
void sqlp_parse_loose(parser_t *p, sink_t *sink, char close, const char *fname);
void sqlp_parse_paren(parser_t *p, sink_t *sink);
rel_t *sqlp_parse_query(parser_t *p, sink_t *outer);
/* `(INSERT|UPDATE|DELETE|MERGE ..)` at '(': the statement's lineage joins the current one; its
 * returned rows (RETURNING, OUTPUT without INTO) are those it wrote or deleted. */
int sqlp_dml_at(const parser_t *p, size_t k);
const char *sqlp_parse_stage(parser_t *p);
rel_t *sqlp_parse_dml_rows(parser_t *p);
void sqlp_parse_select_stmt(parser_t *p);
void sqlp_parse_table_primary(parser_t *p, scope_t *sc);
void sqlp_parse_table_ref(parser_t *p, scope_t *sc);
void sqlp_parse_tail_clauses(parser_t *p);
void sqlp_parse_with(parser_t *p);
void sqlp_resolve_indirect(parser_t *p, scope_t *sc, const rel_t *r, const sink_t *ind, sink_t *bubble);
void sqlp_skip_table_modifiers(parser_t *p);

/* parse_dml.c: INSERT, UPDATE, DELETE, MERGE, COPY, UNLOAD, LOAD */
void sqlp_emit_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols);
/* The same for the table or view a query defines: every column, with a source or not. */
void sqlp_emit_defined_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols);
void sqlp_parse_copy(parser_t *p);
void sqlp_parse_delete(parser_t *p);
void sqlp_parse_from_first(parser_t *p);
void sqlp_parse_insert(parser_t *p);
void sqlp_parse_load(parser_t *p);
void sqlp_parse_merge(parser_t *p);
void sqlp_parse_unload(parser_t *p);
void sqlp_parse_update(parser_t *p);

/* parse_ddl.c: CREATE TABLE/VIEW, ALTER, DROP, TRUNCATE, RENAME */
void sqlp_parse_alter(parser_t *p);
void sqlp_parse_create(parser_t *p);
void sqlp_parse_drop(parser_t *p);
void sqlp_parse_rename(parser_t *p);
void sqlp_parse_truncate(parser_t *p);
void sqlp_skip_if_exists(parser_t *p);

/* sqlp_parse_routine.c: procedures, functions, blocks and control flow, CALL/EXEC */
void sqlp_parse_block(parser_t *p);
/* At the top level, each statement from here on is one of its own: returns what sqlp_end_split
 * restores. */
int sqlp_begin_split(parser_t *p);
void sqlp_end_split(parser_t *p, int saved);
void sqlp_parse_body(parser_t *p);
void sqlp_parse_call(parser_t *p);
/* CREATE RULE (Postgres) and CREATE MACRO (DuckDB, Teradata), at RULE or MACRO */
void sqlp_parse_rule(parser_t *p);
void sqlp_parse_macro(parser_t *p);
/* After EXEC: a procedure's name (a call), or the SQL of ('...') or sp_executesql N'...' parsed into
 * the current statement. */
void sqlp_parse_exec_target(parser_t *p);
void sqlp_parse_routine(parser_t *p, const char *kind);
void sqlp_parse_tsql_flow(parser_t *p);

/* parse_dialect.c: dialect extensions (templates, IDENTIFIER(), ClickHouse ARRAY JOIN and joins) */
int sqlp_is_array_join(const parser_t *p, size_t k);
int sqlp_join_word(const parser_t *p, const sql_token_t *t);
void sqlp_parse_array_join(parser_t *p, scope_t *sc);
int sqlp_parse_identifier_fn(parser_t *p, qname_t *q);
const char *sqlp_template_table(parser_t *p, const sql_token_t *t);

#endif
