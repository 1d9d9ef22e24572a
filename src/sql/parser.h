/* Recursive-descent parser over one chunk of tokens (one or more statements, as split
 * by sql/splitter.h), producing per-statement lineage records in an arena. */
#ifndef LINEAGED_SQL_PARSER_H
#define LINEAGED_SQL_PARSER_H

#include "sql/arena.h"
#include "sql/dialect.h"
#include "sql/lexer.h"

#include <stdint.h>

/* Nesting of parentheses, subqueries and expressions; deeper input is an error. */
#define SQL_MAX_DEPTH 400
/* Table flows kept per statement; more are not kept, and a warning says where that began. */
#define SQL_MAX_FLOWS 8192u

/* Vectors of names look names up in a hash index once they hold this many (linearly below). */
#define SQL_INDEX_FROM 16u

/* Slots of {hash, position + 1} over a vector's names; it holds the first `n` of them in order.
 * One whose `n` is not the vector's is built again; code that removes, renames or reorders a
 * vector's items drops it. */
typedef struct sql_nameidx {
    uint32_t *slot;
    uint32_t cap; /* slots, a power of two; 0: none */
    uint32_t n;
} sql_nameidx_t;

typedef struct sql_strvec {
    char **v;
    uint32_t n;
    uint32_t cap;
    sql_nameidx_t idx;
} sql_strvec_t;

/* How a source column feeds an output (OpenLineage column lineage 1-2-0): a direct level
 * (the strongest wins when sources merge) or indirect kinds, as bits. */
enum {
    SQL_HOW_IDENTITY = 1,
    SQL_HOW_TRANSFORMATION = 2,
    SQL_HOW_AGGREGATION = 3,
    SQL_HOW_DIRECT = 3, /* mask of the direct level */
    SQL_HOW_CONDITIONAL = 1 << 2,
    SQL_HOW_WINDOW = 1 << 3,
    SQL_HOW_JOIN = 1 << 4,
    SQL_HOW_FILTER = 1 << 5,
    SQL_HOW_GROUP_BY = 1 << 6,
    SQL_HOW_SORT = 1 << 7,
};

/* Source columns with how each one is used; `how` runs parallel to `v`. */
typedef struct sql_srcvec {
    char **v;
    uint8_t *how;
    uint32_t n;
    uint32_t cap;
    int lazy; /* duplicates allowed, merged when the vector is viewed (sorted) */
    sql_nameidx_t idx;
} sql_srcvec_t;

typedef struct sql_col_edge {
    char *target;
    sql_srcvec_t sources;
} sql_col_edge_t;

/* One statement's lineage, arena-backed. */
typedef struct sql_stmt {
    const char *kind;
    char *name; /* procedure, function or view being defined */
    uint32_t line;
    uint32_t col;
    sql_strvec_t reads, writes, read_paths, write_paths, drops, calls, rename_from, rename_to;
    sql_col_edge_t *edges;
    uint32_t nedges;
    uint32_t capedges;
    sql_nameidx_t edge_idx; /* over the edges' targets */
    sql_srcvec_t indirect; /* columns affecting every output: joins, filters, grouping, sorting */
    /* table flows of the statements inside a body: pairs of pointers into reads and writes */
    sql_strvec_t flow_from, flow_to;
    sql_nameidx_t flow_idx; /* over the pairs */
    int flows_full;
    /* "table.column" a definition names: CREATE TABLE/VIEW columns, ALTER TABLE ADD COLUMN */
    sql_strvec_t defines;
    /* "table.column" an ALTER TABLE removes: DROP COLUMN, the old name of RENAME COLUMN */
    sql_strvec_t undefines;
} sql_stmt_t;

/* Columns known from CREATE TABLE earlier in the input; owned by the caller. */
typedef struct sql_schema sql_schema_t;

sql_schema_t *sql_schema_new(void);
void sql_schema_free(sql_schema_t *s);
int sql_schema_put(sql_schema_t *s, const char *table, char *const *cols, size_t n);
/* Column names of `table`, NULL when unknown. */
char *const *sql_schema_get(const sql_schema_t *s, const char *table, size_t *n);
/* Does any table known have a column `col`? (a scan: for rare questions) */
int sql_schema_has_column(const sql_schema_t *s, const char *col);
/* Variables a script declared at its top level (BigQuery's DECLARE x ..;), seen by the statements
 * after it; at most 4,096 are kept. */
int sql_schema_add_var(sql_schema_t *s, const char *name);
const char *const *sql_schema_vars(const sql_schema_t *s, size_t *n);

typedef struct sql_parse_ctx {
    sql_dialect_t dialect;
    sql_arena_t *arena;
    sql_schema_t *schema;
    /* Called once per finished statement; a non-zero return stops parsing with that code. */
    int (*on_stmt)(void *ud, sql_stmt_t *st);
    int (*on_error)(void *ud, uint32_t line, uint32_t col, const char *msg);
    /* Optional: the statement parsed and its lineage is kept, but cut at a bound `msg` names. */
    int (*on_warning)(void *ud, uint32_t line, uint32_t col, const char *msg);
    /* Optional: after each top-level statement, the byte span [start, end) of the tokens it took
     * in `src` and its kind (NULL when none was found). */
    int (*on_unit)(void *ud, size_t start, size_t end, const char *kind);
    void *ud;
} sql_parse_ctx_t;

/* Parse `n` tokens (no comments, no EOF token needed) whose text lives in `src`.
 * Syntax errors are reported through on_error and parsing resumes at the next
 * statement; the return value is 0 or a fatal error (out of memory, callback code). */
int sql_parse_tokens(const sql_parse_ctx_t *ctx, const char *src, const sql_token_t *toks, size_t n);

/* Append `s` to `v` unless already present; the vector grows in the arena. */
int sql_strvec_add(sql_arena_t *a, sql_strvec_t *v, const char *s);
/* Position of `s` among the `n` names at `base` (one every `stride` bytes), found through `x` once
 * n >= SQL_INDEX_FROM; when absent, n, and `s` is indexed as the name the caller appends there.
 * UINT32_MAX when out of memory. */
uint32_t sql_nameidx_find_add(sql_arena_t *a, sql_nameidx_t *x, const void *base, size_t stride, uint32_t n,
                              const char *s);
/* Forget what the index holds: the vector's items were removed, renamed or reordered. */
void sql_nameidx_drop(sql_nameidx_t *x);
/* Add `s` used as `how`; a source already present merges: the stronger direct level, all indirect bits. */
int sql_srcvec_add(sql_arena_t *a, sql_srcvec_t *v, const char *s, unsigned how);
/* Two uses of one source as one: the stronger direct level, all indirect bits. */
unsigned sql_how_merge(unsigned a, unsigned b);

#endif
