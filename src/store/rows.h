/*
 * Rows for a DuckDB appender, written straight into a data chunk's vectors and handed over a
 * chunk (duckdb_vector_size() rows) at a time: one call per value of duckdb_append_* converted
 * each value on its own and cost the writer ~5% of ingest instructions (docs/ingest.md).
 */
#ifndef LINEAGED_STORE_ROWS_H
#define LINEAGED_STORE_ROWS_H

#include <duckdb.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_ROWS_COLS_MAX 16

/* A column as the writer fills it; an ENUM must be one byte (its index) per row. */
typedef enum store_col {
    STORE_COL_BIGINT,
    STORE_COL_INTEGER,
    STORE_COL_UINTEGER,
    STORE_COL_BOOLEAN,
    STORE_COL_TIMESTAMP,
    STORE_COL_VARCHAR,
    STORE_COL_ENUM8,
} store_col_t;

typedef struct store_rows {
    duckdb_appender app;
    duckdb_data_chunk chunk;
    idx_t ncols, n, cap;
    duckdb_vector vec[STORE_ROWS_COLS_MAX];
    void *data[STORE_ROWS_COLS_MAX];
    uint64_t *valid[STORE_ROWS_COLS_MAX]; /* NULL until the chunk holds a NULL in that column */
} store_rows_t;

/* A chunk for `app` when its table's columns are `cols`, in order; -1 (nothing to close) otherwise. */
int store_rows_open(store_rows_t *r, duckdb_appender app, const store_col_t *cols, idx_t ncols);
void store_rows_close(store_rows_t *r);

static inline void store_rows_i64(store_rows_t *r, idx_t col, int64_t v)
{
    ((int64_t *)r->data[col])[r->n] = v;
}

static inline void store_rows_i32(store_rows_t *r, idx_t col, int32_t v)
{
    ((int32_t *)r->data[col])[r->n] = v;
}

static inline void store_rows_u32(store_rows_t *r, idx_t col, uint32_t v)
{
    ((uint32_t *)r->data[col])[r->n] = v;
}

static inline void store_rows_u8(store_rows_t *r, idx_t col, uint8_t v)
{
    ((uint8_t *)r->data[col])[r->n] = v;
}

static inline void store_rows_bool(store_rows_t *r, idx_t col, int v)
{
    ((bool *)r->data[col])[r->n] = v != 0;
}

static inline void store_rows_ts(store_rows_t *r, idx_t col, duckdb_timestamp v)
{
    ((duckdb_timestamp *)r->data[col])[r->n] = v;
}

void store_rows_null(store_rows_t *r, idx_t col);
/* `len` bytes of valid UTF-8 (DuckDB checks them when the rows are appended); NULL for SQL NULL. */
void store_rows_str(store_rows_t *r, idx_t col, const char *s, size_t len);
/* Ends the row; a full chunk goes to the appender. -1 when the appender refused it. */
int store_rows_end(store_rows_t *r);
/* The rows so far to the appender (before duckdb_appender_flush); -1 when it refused them. */
int store_rows_push(store_rows_t *r);

#endif
