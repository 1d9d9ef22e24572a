/* SQL lineage of a whole input: statements with their reads, writes and column lineage,
 * plus the file-level sources/targets/intermediates of contract §5.
 * Input is consumed statement by statement: memory follows the largest statement. */
#ifndef LINEAGED_SQL_LINEAGE_H
#define LINEAGED_SQL_LINEAGE_H

#include "sql/dialect.h"
#include "sql/error.h"
#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Limits per statement; larger statements are skipped with an error. */
#define SQL_MAX_STMT_TOKENS (8u * 1024 * 1024)
#define SQL_MAX_STMT_BYTES  ((size_t)256 * 1024 * 1024)
/* A statement's lineage as JSON text at most (a statement within the limits above stays far below). */
#define SQL_JSON_MAX ((size_t)1024 * 1024 * 1024)
/* Errors kept per input; later ones are counted only. */
#define SQL_MAX_ERRORS 1000

typedef struct sql_strlist {
    char **items;
    size_t n;
} sql_strlist_t;

/* How one source feeds a column, in OpenLineage's column-lineage vocabulary (facet 1-2-0):
 * type "DIRECT" with subtype IDENTITY, TRANSFORMATION or AGGREGATION, or type "INDIRECT" with
 * subtype CONDITIONAL, WINDOW (per column) or JOIN, FILTER, GROUP_BY, SORT (per statement). */
typedef struct sql_transformation {
    char *source;        /* one of the sources */
    const char *type;    /* static string */
    const char *subtype; /* static string */
} sql_transformation_t;

typedef struct sql_column_lineage {
    char *target;                          /* "table.column"; a plain SELECT's output column has no table */
    sql_strlist_t sources;                 /* "table.column", or a bare column when unresolvable */
    sql_transformation_t *transformations; /* sorted by source, DIRECT before INDIRECT */
    size_t ntransformations;
    /* with opts.subtypes_only instead of the transformations: per source the subtype of its first
     * transformation (its DIRECT one when it has one; static), NULL otherwise */
    const char **subtypes;
} sql_column_lineage_t;

typedef struct sql_rename {
    char *from;
    char *to;
} sql_rename_t;

/* One table feeding another through one statement inside a routine body or block. */
typedef struct sql_flow {
    char *from;
    char *to;
} sql_flow_t;

typedef struct sql_statement {
    char *kind; /* insert, create_table, create_view, merge, update, delete, select, ... */
    char *name; /* routine or view defined, or NULL */
    uint32_t line;
    uint32_t column;
    sql_strlist_t reads, writes, read_paths, write_paths, drops, calls;
    sql_rename_t *renames;
    size_t nrenames;
    sql_column_lineage_t *columns;
    size_t ncolumns;
    /* columns that affect every output row (join keys, filters, grouping, sorting): INDIRECT */
    sql_transformation_t *indirect;
    size_t nindirect;
    /* Routines and blocks: each inner statement's reads x writes, deduplicated, as the reads and
     * writes above mix every inner statement's. Empty for a plain statement. */
    sql_flow_t *flows;
    size_t nflows;
    /* Columns the statement defines, "table.column" in their order (CREATE TABLE's column list or
     * a complete select list, a view's, ALTER TABLE ADD COLUMN), for a catalog across files.
     * Internal: not part of the contract §5 JSON. */
    sql_strlist_t defines;
    /* Columns the statement takes away, "table.column": ALTER TABLE DROP COLUMN, and the old name of
     * RENAME COLUMN (whose new name is among `defines`). Internal like `defines`. */
    sql_strlist_t undefines;
} sql_statement_t;

typedef struct sql_error {
    uint32_t line;
    uint32_t column;
    char *message;
} sql_error_t;

typedef struct sql_lineage {
    sql_dialect_t dialect;       /* the one used (guessed when AUTO was asked for) */
    sql_statement_t *statements; /* empty when a statement callback was given */
    size_t nstatements;
    sql_error_t *errors;
    size_t nerrors;
    size_t errors_dropped;
    /* statements whose lineage was kept but cut at a bound (the message names it), as many as errors */
    sql_error_t *warnings;
    size_t nwarnings;
    size_t warnings_dropped;
    sql_strlist_t sources, targets, intermediates;
} sql_lineage_t;

/* One top-level piece of the input as the engine took it, for accounting (no statement is lost
 * silently): a statement as the parser delimited it (its first token to the last it took), a
 * client command's line ("client"), a separator the splitter drops ("separator": GO, Oracle's
 * `/`, a MySQL DELIMITER), `COPY .. FROM stdin` data ("data") or a statement too large to keep
 * ("skipped"). `start`/`end` are byte offsets in the input (`end` UINT64_MAX: to its end);
 * `statements` and `errors` count what was reported since the previous piece. */
typedef struct sql_unit {
    uint64_t start, end;
    const char *kind; /* the statement's kind, NULL when the parser found none; static or short-lived */
    size_t statements, errors;
} sql_unit_t;

/* Reads up to `cap` bytes into `buf`; *got = 0 at end of input. Returns 0 or an error. */
typedef int (*sql_read_fn)(void *ud, char *buf, size_t cap, size_t *got);

typedef struct sql_lineage_opts {
    sql_dialect_t dialect;
    /* Optional: called once the dialect is known, before any statement. */
    int (*on_begin)(void *ud, sql_dialect_t dialect);
    /* Optional: each statement as soon as it is parsed, valid during the call only;
     * then statements are not kept. */
    int (*on_statement)(void *ud, const sql_statement_t *st);
    void *ud;
    /* With on_statement: the caller needs the statements only, so the file-level sources, targets
     * and intermediates are not worked out (they stay empty): ingest spent ~6% of its parse on them. */
    int statements_only;
    /* With on_statement: the caller reads no statement-level INDIRECT lineage (join, filter,
     * grouping and sorting columns), so sql_statement_t.indirect stays empty; the columns' own
     * transformations are kept. Its sorted view was 1.5% of ingest's parse. */
    int no_indirect;
    /* With on_statement: the caller reads each column source's subtype only, so the columns'
     * transformations stay empty and `subtypes` is set (ingest stores one subtype per source). */
    int subtypes_only;
    /* Optional: each top-level piece of the input in order, valid during the call only. */
    int (*on_unit)(void *ud, const sql_unit_t *u);
} sql_lineage_opts_t;

int sql_lineage_run(sql_read_fn rd, void *rd_ud, const sql_lineage_opts_t *opts, sql_lineage_t **out);
/* The same over an input already whole in memory, `len` bytes followed by a NUL, lexed where it is
 * (not copied: ingest's workers keep each file's text anyway); the text is only read. */
int sql_lineage_run_text(const char *text, size_t len, const sql_lineage_opts_t *opts, sql_lineage_t **out);
/* Convenience over a buffer, keeping all statements. */
int sql_lineage_parse(const char *text, size_t len, sql_dialect_t dialect, sql_lineage_t **out);
void sql_lineage_free(sql_lineage_t *l);

/* Compact JSON text (ASCII, as jansson's JSON_COMPACT | JSON_ENSURE_ASCII writes it) appended to
 * out: 0, SQL_ERR_TOO_BIG past out's maximum, SQL_ERR_NOMEM. */
int sql_statement_write_json(buf_t *out, const sql_statement_t *st);
/* The same as a jansson tree (NULL when out of memory or over SQL_JSON_MAX bytes). */
json_t *sql_statement_to_json(const sql_statement_t *st);
/* The §5 document, without "statements" when they were streamed. */
json_t *sql_lineage_to_json(const sql_lineage_t *l, const char *file);

#endif
