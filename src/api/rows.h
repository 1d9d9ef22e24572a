/* DuckDB results as JSON for API answers (worker threads). */
#ifndef LINEAGED_API_ROWS_H
#define LINEAGED_API_ROWS_H

#include <duckdb.h>
#include <jansson.h>
#include <stdint.h>

/*
 * A file's `error` and `warning` columns: the writer keeps one sentence per file, an error's when it
 * failed, a warning's (lineage cut at a bound) when it was processed.
 */
#define ROWS_FILE_NOTES                                                                                                \
    "CASE WHEN status = 'processed' THEN NULL ELSE error END AS error,"                                                \
    " CASE WHEN status = 'processed' THEN error END AS warning"

/* Every row as an object keyed by column name: text, integers, booleans, doubles, NULL → null. */
json_t *rows_json(duckdb_result *res);
/* Runs a prepared statement whose parameters are all text (NULL binds NULL); 0 or -1. */
int rows_query(duckdb_connection conn, const char *sql, const char *const *params, int n_params, duckdb_result *out);
/* Like rows_query with trailing integer parameters (LIMIT/OFFSET) after the text ones. */
int rows_query_paged(duckdb_connection conn, const char *sql, const char *const *params, int n_params, int64_t limit,
                     int64_t offset, duckdb_result *out);

#endif
