#include "store/rows.h"

#include <string.h>

static int col_matches(duckdb_logical_type t, store_col_t want)
{
    duckdb_type id = duckdb_get_type_id(t);
    switch(want) {
    case STORE_COL_BIGINT: return id == DUCKDB_TYPE_BIGINT;
    case STORE_COL_INTEGER: return id == DUCKDB_TYPE_INTEGER;
    case STORE_COL_UINTEGER: return id == DUCKDB_TYPE_UINTEGER;
    case STORE_COL_BOOLEAN: return id == DUCKDB_TYPE_BOOLEAN;
    case STORE_COL_TIMESTAMP: return id == DUCKDB_TYPE_TIMESTAMP;
    case STORE_COL_VARCHAR: return id == DUCKDB_TYPE_VARCHAR;
    case STORE_COL_ENUM8: return id == DUCKDB_TYPE_ENUM && duckdb_enum_internal_type(t) == DUCKDB_TYPE_UTINYINT;
    }
    return 0;
}

/* An empty chunk: the vectors' buffers are fetched again, as a reset may hand out others. */
static void rows_reset(store_rows_t *r)
{
    duckdb_data_chunk_reset(r->chunk);
    for(idx_t i = 0; i < r->ncols; i++) {
        r->vec[i] = duckdb_data_chunk_get_vector(r->chunk, i);
        r->data[i] = duckdb_vector_get_data(r->vec[i]);
        r->valid[i] = NULL;
    }
    r->n = 0;
}

int store_rows_open(store_rows_t *r, duckdb_appender app, const store_col_t *cols, idx_t ncols)
{
    memset(r, 0, sizeof(*r));
    if(ncols > STORE_ROWS_COLS_MAX || duckdb_appender_column_count(app) != ncols)
        return -1;
    duckdb_logical_type types[STORE_ROWS_COLS_MAX] = {0};
    int rc = 0;
    for(idx_t i = 0; i < ncols && !rc; i++) {
        types[i] = duckdb_appender_column_type(app, i);
        rc = types[i] && col_matches(types[i], cols[i]) ? 0 : -1;
    }
    if(!rc && !(r->chunk = duckdb_create_data_chunk(types, ncols)))
        rc = -1;
    for(idx_t i = 0; i < ncols; i++) {
        if(types[i])
            duckdb_destroy_logical_type(&types[i]);
    }
    if(rc)
        return -1;
    r->app = app;
    r->ncols = ncols;
    r->cap = duckdb_vector_size();
    rows_reset(r);
    return 0;
}

void store_rows_close(store_rows_t *r)
{
    if(r->chunk)
        duckdb_destroy_data_chunk(&r->chunk);
    memset(r, 0, sizeof(*r));
}

void store_rows_null(store_rows_t *r, idx_t col)
{
    if(!r->valid[col]) {
        duckdb_vector_ensure_validity_writable(r->vec[col]);
        r->valid[col] = duckdb_vector_get_validity(r->vec[col]);
    }
    duckdb_validity_set_row_invalid(r->valid[col], r->n);
}

void store_rows_str(store_rows_t *r, idx_t col, const char *s, size_t len)
{
    if(s)
        duckdb_vector_assign_string_element_len(r->vec[col], r->n, s, len);
    else
        store_rows_null(r, col);
}

int store_rows_push(store_rows_t *r)
{
    if(!r->n)
        return 0;
    duckdb_data_chunk_set_size(r->chunk, r->n);
    int rc = duckdb_append_data_chunk(r->app, r->chunk) == DuckDBError ? -1 : 0;
    rows_reset(r);
    return rc;
}

int store_rows_end(store_rows_t *r)
{
    return ++r->n < r->cap ? 0 : store_rows_push(r);
}
