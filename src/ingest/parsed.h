/*
 * One file read and parsed by a worker: its content hash and its statements in a compact form the
 * writer turns into graph rows. Everything lives in one arena, freed at once after the commit.
 */
#ifndef LINEAGED_INGEST_PARSED_H
#define LINEAGED_INGEST_PARSED_H

#include "sql/arena.h"
#include "sql/dialect.h"
#include "util/buf.h"
#include "util/sha256.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct parsed_column {
    const char *target;
    const char **sources;
    const char **subtypes; /* per source: IDENTITY, TRANSFORMATION, AGGREGATION, ... (static), or NULL */
    uint32_t nsources;
} parsed_column_t;

/*
 * Where a statement's SQL is in the file's text: from `line`:`column` (its start; 1:1 for the
 * file's first statement, so a header comment is kept) up to the next statement's start, as the
 * byte range [offset, offset + length) of parsed_file_t.text. The text is stored once per file.
 */
typedef struct parsed_sql {
    uint32_t line, column;
    int64_t offset, length;
} parsed_sql_t;

typedef struct parsed_stmt {
    const char *kind, *name;
    uint32_t line, column;
    const char **reads, **writes, **calls;
    uint32_t nreads, nwrites, ncalls;
    parsed_column_t *columns;
    uint32_t ncolumns;
    /* a routine's or block's table flows, per inner statement (from[i] feeds to[i]); none otherwise */
    const char **flow_from, **flow_to;
    uint32_t nflows;
    /* columns the statement's DDL defines, "table.column" */
    const char **defines;
    uint32_t ndefines;
    /* columns its ALTER TABLE drops or renames away, "table.column" */
    const char **undefines;
    uint32_t nundefines;
    parsed_sql_t sql;
} parsed_stmt_t;

typedef struct parsed_error {
    uint32_t line, column;
    const char *message;
    parsed_sql_t sql;
} parsed_error_t;

/* What became of a file before any row was written. */
enum parsed_outcome {
    PARSED_OK,      /* statements (and perhaps parse errors) to store */
    PARSED_SKIPPED, /* nothing to store, not a failure (empty file) */
    PARSED_FAILED,  /* unreadable, binary, too large, out of memory */
};

typedef struct parsed_file {
    enum parsed_outcome outcome;
    char *reason; /* PARSED_SKIPPED/FAILED: a sentence (util_malloc'd) */
    sql_dialect_t dialect;
    char sha256[SHA256_HEX_LEN];
    int64_t size;
    buf_t text; /* PARSED_OK with statements: the whole file, invalid UTF-8 bytes made '?' */
    parsed_stmt_t *stmts;
    size_t nstmts, stmts_cap;
    parsed_error_t *errors;
    size_t nerrors, errors_cap, errors_dropped;
    /* statements stored whole but with lineage cut at a bound (line, column, message; no `sql`) */
    parsed_error_t *warnings;
    size_t nwarnings, warnings_dropped;
    sql_arena_t arena;
    /* PARSED_OK without statements or text: its SHA-256 equals the one the caller expected (the
     * path's current version), so it was read and hashed but not parsed */
    int hashed_only;
} parsed_file_t;

/*
 * Reads `disk_path` whole, hashing it, and parses the text it keeps where it is (at most
 * `max_bytes`: memory is bounded by the largest file). `stop` non-NULL and set: gives up between
 * reads or statements. Never returns NULL except out of memory; a file that cannot be used comes
 * back with outcome FAILED and a reason.
 */
parsed_file_t *parsed_file_load(const char *disk_path, sql_dialect_t dialect, int64_t max_bytes,
                                const atomic_int *stop);
/*
 * The same, but when `known_sha256` is a hash and the file's content has it, the file comes back
 * `hashed_only` without being parsed: a new ingestion of unchanged files costs a read and a hash.
 */
parsed_file_t *parsed_file_load_known(const char *disk_path, sql_dialect_t dialect, int64_t max_bytes,
                                      const atomic_int *stop, const char *known_sha256);
void parsed_file_free(parsed_file_t *p);
/* Copies `s` with invalid UTF-8 bytes replaced by '?', so DuckDB accepts it as VARCHAR. */
char *parsed_clean_utf8(sql_arena_t *a, const char *s, size_t len);

#endif
