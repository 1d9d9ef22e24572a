#include "query/source.h"

#include "util/buf.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A statement's text handed out is at most this long; a longer one is cut and ends with a marker line. */
#define SEGMENT_MAX ((size_t)64 << 10)

static int valid_at(uint64_t *validity, idx_t row)
{
    return !validity || duckdb_validity_row_is_valid(validity, row);
}

typedef struct each {
    duckdb_prepared_statement text_st, stmts_st;
    source_text_fn fn;
    void *ud;
    buf_t cut; /* a statement cut at SEGMENT_MAX, with its marker */
} each_t;

static int run_prepared(duckdb_prepared_statement st, int64_t file_id, duckdb_result *res)
{
    if(duckdb_bind_int64(st, 1, file_id) != DuckDBSuccess)
        return -1;
    if(duckdb_execute_prepared(st, res) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(res)));
        duckdb_destroy_result(res);
        return -1;
    }
    return 0;
}

/* Hands out one statement's text: stored inline (before migration 6) or its range of the file's text. */
static int one_statement(each_t *e, source_text_t *t, const char *inline_text, size_t inline_len, int64_t inline_cut,
                         const char *file, size_t file_len, int64_t offset, int64_t length)
{
    if(inline_text) {
        t->text = inline_text;
        t->len = inline_len;
        t->cut = inline_cut;
    } else {
        if(!file || offset < 0 || length < 0 || (uint64_t)offset > file_len || (uint64_t)length > file_len - offset)
            return 0; /* no usable range: treated as no text */
        t->text = file + offset;
        t->len = (size_t)length;
        t->cut = 0;
        if(t->len > SEGMENT_MAX) {
            size_t keep = SEGMENT_MAX;
            while(keep > 0 && ((unsigned char)t->text[keep] & 0xC0) == 0x80) /* not inside a character */
                keep--;
            t->cut = (int64_t)(t->len - keep);
            buf_reset(&e->cut);
            if(buf_add(&e->cut, t->text, keep) ||
               buf_printf(&e->cut, "\n-- [lineaged: statement text cut here; %" PRId64 " more bytes were not stored]\n",
                          t->cut))
                return -1;
            t->text = e->cut.data;
            t->len = e->cut.len;
        }
    }
    return e->fn(e->ud, t);
}

/* The statements of one file, by id, with the file's text read once. */
static int one_file(each_t *e, int64_t file_id, const char *path)
{
    duckdb_result texts, stmts;
    if(run_prepared(e->text_st, file_id, &texts))
        return -1;
    if(run_prepared(e->stmts_st, file_id, &stmts)) {
        duckdb_destroy_result(&texts);
        return -1;
    }
    duckdb_data_chunk text_chunk = duckdb_fetch_chunk(texts), chunk;
    const char *file = NULL;
    size_t file_len = 0;
    if(text_chunk && duckdb_data_chunk_get_size(text_chunk) > 0) {
        duckdb_string_t *s = duckdb_vector_get_data(duckdb_data_chunk_get_vector(text_chunk, 0));
        file = duckdb_string_t_data(&s[0]);
        file_len = duckdb_string_t_length(s[0]);
    }
    int rc = 0;
    while(!rc && (chunk = duckdb_fetch_chunk(stmts)) != NULL) {
        duckdb_vector cols[7];
        uint64_t *valid[7];
        for(idx_t c = 0; c < 7; c++) {
            cols[c] = duckdb_data_chunk_get_vector(chunk, c);
            valid[c] = duckdb_vector_get_validity(cols[c]);
        }
        int64_t *ids = duckdb_vector_get_data(cols[0]), *lines = duckdb_vector_get_data(cols[1]),
                *columns = duckdb_vector_get_data(cols[2]), *cuts = duckdb_vector_get_data(cols[4]),
                *offsets = duckdb_vector_get_data(cols[5]), *lengths = duckdb_vector_get_data(cols[6]);
        duckdb_string_t *inline_texts = duckdb_vector_get_data(cols[3]);
        idx_t n = duckdb_data_chunk_get_size(chunk);
        for(idx_t row = 0; row < n && !rc; row++) {
            source_text_t t = {
                .statement_id = ids[row], .path = path, .line = (int)lines[row], .column = (int)columns[row]};
            if(valid_at(valid[3], row))
                rc = one_statement(e, &t, duckdb_string_t_data(&inline_texts[row]),
                                   duckdb_string_t_length(inline_texts[row]), cuts[row], NULL, 0, 0, 0);
            else if(valid_at(valid[5], row) && valid_at(valid[6], row))
                rc = one_statement(e, &t, NULL, 0, 0, file, file_len, offsets[row], lengths[row]);
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    if(text_chunk)
        duckdb_destroy_data_chunk(&text_chunk);
    duckdb_destroy_result(&stmts);
    duckdb_destroy_result(&texts);
    return rc;
}

int source_each(duckdb_connection conn, source_text_fn fn, void *ud)
{
    if(!conn)
        return -1;
    each_t e = {.fn = fn, .ud = ud};
    buf_init(&e.cut, SOURCE_TEXT_MAX);
    /* files in the order of their statements (a file's are consecutive), so texts come by statement id */
    duckdb_result files;
    int rc = 0;
    if(duckdb_query(conn,
                    "SELECT s.file_id::BIGINT, any_value(f.path)::VARCHAR, min(s.id) AS first FROM statements s "
                    "JOIN files f ON f.id = s.file_id WHERE f.is_current AND (s.sql IS NOT NULL OR s.sql_length IS "
                    "NOT NULL) GROUP BY s.file_id ORDER BY first",
                    &files) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(&files)));
        rc = -1;
    }
    if(!rc && duckdb_prepare(conn, "SELECT text FROM file_texts WHERE file_id = $1", &e.text_st) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_prepare_error(e.text_st)));
        rc = -1;
    }
    if(!rc &&
       duckdb_prepare(conn,
                      "SELECT id::BIGINT, coalesce(sql_line, line_start)::BIGINT, coalesce(sql_column, 1)::BIGINT,"
                      " sql::VARCHAR, coalesce(sql_cut, 0)::BIGINT, sql_offset::BIGINT, sql_length::BIGINT"
                      " FROM statements WHERE file_id = $1 AND (sql IS NOT NULL OR sql_length IS NOT NULL)"
                      " ORDER BY id",
                      &e.stmts_st) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_prepare_error(e.stmts_st)));
        rc = -1;
    }
    idx_t nfiles = rc ? 0 : duckdb_row_count(&files);
    for(idx_t r = 0; r < nfiles && !rc; r++) {
        char *path = duckdb_value_varchar(&files, 1, r);
        char shown[SOURCE_PATH_MAX + 1];
        snprintf(shown, sizeof(shown), "%s", path ? path : "");
        duckdb_free(path);
        rc = one_file(&e, duckdb_value_int64(&files, 0, r), shown);
    }
    if(e.text_st)
        duckdb_destroy_prepare(&e.text_st);
    if(e.stmts_st)
        duckdb_destroy_prepare(&e.stmts_st);
    duckdb_destroy_result(&files);
    buf_free(&e.cut);
    return rc;
}

int64_t source_files_without_text(duckdb_connection conn)
{
    duckdb_result res;
    int64_t n = -1;
    if(conn && duckdb_query(conn,
                            "SELECT count(DISTINCT s.file_id) FROM statements s JOIN files f ON f.id = s.file_id "
                            "WHERE f.is_current AND s.sql IS NULL AND s.sql_length IS NULL",
                            &res) == DuckDBSuccess)
        n = duckdb_value_int64(&res, 0, 0);
    else if(conn)
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
    if(conn)
        duckdb_destroy_result(&res);
    return n;
}
