#include "query/source.h"

#include "util/buf.h"
#include "util/log.h"

#include <string.h>

int source_each(duckdb_connection conn, const char *const *terms, int nterms, source_text_fn fn, void *ud)
{
    if(!conn)
        return -1;
    buf_t sql;
    buf_init(&sql, 4096);
    int rc = buf_adds(&sql, "SELECT s.id::BIGINT, f.path::VARCHAR, coalesce(s.sql_line, s.line_start)::BIGINT, "
                            "coalesce(s.sql_column, 1)::BIGINT, s.sql::VARCHAR, coalesce(s.sql_cut, 0)::BIGINT "
                            "FROM statements s "
                            "JOIN files f ON f.id = s.file_id WHERE f.is_current AND s.sql IS NOT NULL");
    /* the terms are bound as parameters, never written into the SQL */
    for(int i = 0; !rc && i < nterms; i++)
        rc = buf_printf(&sql, "%s contains(lower(s.sql), $%d)", i ? " OR" : " AND (", i + 1);
    rc = rc ? rc : buf_adds(&sql, nterms ? ") ORDER BY s.id" : " ORDER BY s.id");
    duckdb_prepared_statement st = NULL;
    duckdb_result res;
    int have_res = 0;
    if(!rc && duckdb_prepare(conn, sql.data, &st) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_prepare_error(st)));
        rc = -1;
    }
    for(int i = 0; !rc && i < nterms; i++)
        if(duckdb_bind_varchar(st, (idx_t)i + 1, terms[i]) != DuckDBSuccess)
            rc = -1;
    if(!rc) {
        have_res = 1;
        if(duckdb_execute_prepared_streaming(st, &res) != DuckDBSuccess) {
            log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
            rc = -1;
        }
    }
    duckdb_data_chunk chunk;
    while(!rc && (chunk = duckdb_fetch_chunk(res)) != NULL) {
        duckdb_vector cols[6];
        uint64_t *valid[6];
        for(idx_t c = 0; c < 6; c++) {
            cols[c] = duckdb_data_chunk_get_vector(chunk, c);
            valid[c] = duckdb_vector_get_validity(cols[c]);
        }
        int64_t *ids = duckdb_vector_get_data(cols[0]), *lines = duckdb_vector_get_data(cols[2]),
                *columns = duckdb_vector_get_data(cols[3]), *cuts = duckdb_vector_get_data(cols[5]);
        duckdb_string_t *paths = duckdb_vector_get_data(cols[1]), *texts = duckdb_vector_get_data(cols[4]);
        idx_t n = duckdb_data_chunk_get_size(chunk);
        for(idx_t row = 0; row < n && !rc; row++) {
            int null = 0;
            for(int c = 0; c < 6; c++)
                null |= valid[c] && !duckdb_validity_row_is_valid(valid[c], row);
            if(null)
                continue;
            char path[SOURCE_PATH_MAX + 1];
            uint32_t plen = duckdb_string_t_length(paths[row]);
            if(plen > SOURCE_PATH_MAX)
                plen = SOURCE_PATH_MAX;
            memcpy(path, duckdb_string_t_data(&paths[row]), plen);
            path[plen] = '\0';
            source_text_t t = {.statement_id = ids[row],
                               .path = path,
                               .line = (int)lines[row],
                               .column = (int)columns[row],
                               .text = duckdb_string_t_data(&texts[row]),
                               .len = duckdb_string_t_length(texts[row]),
                               .cut = cuts[row]};
            rc = fn(ud, &t);
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    if(have_res)
        duckdb_destroy_result(&res);
    duckdb_destroy_prepare(&st);
    buf_free(&sql);
    return rc;
}

int64_t source_files_without_text(duckdb_connection conn)
{
    duckdb_result res;
    int64_t n = -1;
    if(conn && duckdb_query(conn,
                            "SELECT count(DISTINCT s.file_id) FROM statements s JOIN files f ON f.id = s.file_id "
                            "WHERE f.is_current AND s.sql IS NULL",
                            &res) == DuckDBSuccess)
        n = duckdb_value_int64(&res, 0, 0);
    else if(conn)
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
    if(conn)
        duckdb_destroy_result(&res);
    return n;
}
