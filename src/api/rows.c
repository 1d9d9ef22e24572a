#include "api/rows.h"

#include "util/log.h"

#include <string.h>

static json_t *cell(duckdb_result *res, idx_t col, idx_t row)
{
    if(duckdb_value_is_null(res, col, row))
        return json_null();
    switch(duckdb_column_type(res, col)) {
    case DUCKDB_TYPE_BOOLEAN: return json_boolean(duckdb_value_boolean(res, col, row));
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_HUGEINT: return json_integer(duckdb_value_int64(res, col, row));
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL: return json_real(duckdb_value_double(res, col, row));
    default: {
        char *s = duckdb_value_varchar(res, col, row);
        /* Stored text came from files and clients: never let invalid UTF-8 break the answer. */
        json_t *v = s ? json_string(s) : NULL;
        if(s && !v)
            v = json_string("(not valid UTF-8)");
        duckdb_free(s);
        return v ? v : json_null();
    }
    }
}

json_t *rows_json(duckdb_result *res)
{
    json_t *rows = json_array();
    idx_t n = duckdb_row_count(res), cols = duckdb_column_count(res);
    for(idx_t r = 0; rows && r < n; r++) {
        json_t *obj = json_object();
        for(idx_t c = 0; obj && c < cols; c++)
            json_object_set_new(obj, duckdb_column_name(res, c), cell(res, c, r));
        if(!obj || json_array_append_new(rows, obj)) {
            json_decref(rows);
            return NULL;
        }
    }
    return rows;
}

static int run(duckdb_connection conn, const char *sql, const char *const *params, int n_params, const int64_t *ints,
               int n_ints, duckdb_result *out)
{
    duckdb_prepared_statement st;
    memset(out, 0, sizeof(*out));
    if(duckdb_prepare(conn, sql, &st) == DuckDBError) {
        log_error("api.query_failed", "reason=\"%s\"", duckdb_prepare_error(st));
        duckdb_destroy_prepare(&st);
        return -1;
    }
    int rc = 0;
    for(int i = 0; i < n_params && !rc; i++) {
        rc = params[i] ? duckdb_bind_varchar(st, (idx_t)i + 1, params[i]) == DuckDBError
                       : duckdb_bind_null(st, (idx_t)i + 1) == DuckDBError;
    }
    for(int i = 0; i < n_ints && !rc; i++)
        rc = duckdb_bind_int64(st, (idx_t)(n_params + i) + 1, ints[i]) == DuckDBError;
    if(!rc && duckdb_execute_prepared(st, out) == DuckDBError) {
        log_error("api.query_failed", "reason=\"%s\"", duckdb_result_error(out));
        duckdb_destroy_result(out);
        rc = 1;
    }
    duckdb_destroy_prepare(&st);
    return rc ? -1 : 0;
}

int rows_query(duckdb_connection conn, const char *sql, const char *const *params, int n_params, duckdb_result *out)
{
    return run(conn, sql, params, n_params, NULL, 0, out);
}

int rows_query_paged(duckdb_connection conn, const char *sql, const char *const *params, int n_params, int64_t limit,
                     int64_t offset, duckdb_result *out)
{
    int64_t ints[2] = {limit, offset};
    return run(conn, sql, params, n_params, ints, 2, out);
}
