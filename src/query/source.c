#include "query/source.h"

#include "util/alloc.h"
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

/* Files whose texts are read together: two queries a batch, not two a file. */
#define BATCH_FILES 64
#define BATCH_BYTES ((size_t)16 << 20) /* a larger file is a batch of its own */

typedef struct batch_file {
    int64_t id;
    const char *text;
    size_t len;
    char path[SOURCE_PATH_MAX + 1];
} batch_file_t;

typedef struct each {
    source_text_fn fn;
    void *ud;
    buf_t cut; /* a statement cut at SEGMENT_MAX, with its marker */
    batch_file_t *files;
    int nfiles;
    buf_t ids, sql; /* the batch's file ids, and a query naming them */
} each_t;

static int run_query(duckdb_connection conn, const char *sql, duckdb_result *res)
{
    if(duckdb_query(conn, sql, res) != DuckDBSuccess) {
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(res)));
        duckdb_destroy_result(res);
        return -1;
    }
    return 0;
}
/* Hands out one statement's text: its own (migrations 4-5, in statement_sql since 14) or its range of the file's text. */
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

static batch_file_t *file_of(each_t *e, int64_t id, int *at)
{
    for(int k = 0; k < e->nfiles; k++) {
        int i = (*at + k) % e->nfiles; /* the statements come file by file: the same one, or the next */
        if(e->files[i].id == id) {
            *at = i;
            return &e->files[i];
        }
    }
    return NULL;
}

/* The batch's statements, file by file in the order of their first statement, each file's by id. */
static int one_batch(duckdb_connection conn, each_t *e)
{
    buf_reset(&e->ids);
    for(int i = 0; i < e->nfiles; i++)
        buf_printf(&e->ids, "%s%" PRId64, i ? ", " : "", e->files[i].id);
    buf_reset(&e->sql);
    if(!e->ids.data ||
       buf_printf(&e->sql, "SELECT file_id::BIGINT, text FROM file_texts WHERE file_id IN (%s)", e->ids.data))
        return -1;
    duckdb_result texts, stmts;
    if(run_query(conn, e->sql.data, &texts))
        return -1;
    duckdb_data_chunk held[BATCH_FILES];
    int nheld = 0, at = 0, rc = 0;
    duckdb_data_chunk chunk;
    while(nheld < BATCH_FILES && (chunk = duckdb_fetch_chunk(texts)) != NULL) {
        held[nheld++] = chunk; /* the texts are read from it until the batch is done */
        int64_t *ids = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0));
        duckdb_string_t *s = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1));
        for(idx_t row = 0; row < duckdb_data_chunk_get_size(chunk); row++) {
            batch_file_t *f = file_of(e, ids[row], &at);
            if(f && !f->text) {
                f->text = duckdb_string_t_data(&s[row]);
                f->len = duckdb_string_t_length(s[row]);
            }
        }
    }
    buf_reset(&e->sql);
    if(buf_printf(&e->sql,
                  "SELECT s.file_id::BIGINT, s.id::BIGINT, coalesce(s.sql_line, s.line_start)::BIGINT,"
                  " coalesce(s.sql_column, 1)::BIGINT, o.sql::VARCHAR, coalesce(o.sql_cut, 0)::BIGINT,"
                  " s.sql_offset::BIGINT, s.sql_length::BIGINT FROM statements s LEFT JOIN statement_sql o ON"
                  " o.statement_id = s.id WHERE s.file_id IN (%s) AND (o.sql IS NOT NULL OR s.sql_length IS NOT NULL)"
                  " ORDER BY min(s.id) OVER (PARTITION BY s.file_id), s.id",
                  e->ids.data) ||
       run_query(conn, e->sql.data, &stmts)) {
        for(int i = 0; i < nheld; i++)
            duckdb_destroy_data_chunk(&held[i]);
        duckdb_destroy_result(&texts);
        return -1;
    }
    while(!rc && (chunk = duckdb_fetch_chunk(stmts)) != NULL) {
        duckdb_vector cols[8];
        uint64_t *valid[8];
        for(idx_t c = 0; c < 8; c++) {
            cols[c] = duckdb_data_chunk_get_vector(chunk, c);
            valid[c] = duckdb_vector_get_validity(cols[c]);
        }
        int64_t *file_ids = duckdb_vector_get_data(cols[0]), *ids = duckdb_vector_get_data(cols[1]),
                *lines = duckdb_vector_get_data(cols[2]), *columns = duckdb_vector_get_data(cols[3]),
                *cuts = duckdb_vector_get_data(cols[5]), *offsets = duckdb_vector_get_data(cols[6]),
                *lengths = duckdb_vector_get_data(cols[7]);
        duckdb_string_t *inline_texts = duckdb_vector_get_data(cols[4]);
        idx_t n = duckdb_data_chunk_get_size(chunk);
        for(idx_t row = 0; row < n && !rc; row++) {
            const batch_file_t *f = file_of(e, file_ids[row], &at);
            if(!f)
                continue;
            source_text_t t = {
                .statement_id = ids[row], .path = f->path, .line = (int)lines[row], .column = (int)columns[row]};
            if(valid_at(valid[4], row))
                rc = one_statement(e, &t, duckdb_string_t_data(&inline_texts[row]),
                                   duckdb_string_t_length(inline_texts[row]), cuts[row], NULL, 0, 0, 0);
            else if(valid_at(valid[6], row) && valid_at(valid[7], row))
                rc = one_statement(e, &t, NULL, 0, 0, f->text, f->len, offsets[row], lengths[row]);
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&stmts);
    for(int i = 0; i < nheld; i++)
        duckdb_destroy_data_chunk(&held[i]);
    duckdb_destroy_result(&texts);
    return rc;
}

int source_each(duckdb_connection conn, source_text_fn fn, void *ud)
{
    if(!conn)
        return -1;
    each_t e = {.fn = fn, .ud = ud, .files = util_calloc(BATCH_FILES, sizeof(batch_file_t))};
    buf_init(&e.cut, SOURCE_TEXT_MAX);
    buf_init(&e.ids, BATCH_FILES * 24);
    buf_init(&e.sql, BATCH_FILES * 24 + 512);
    /* files in the order of their statements (a file's are consecutive), so texts come by statement id */
    duckdb_result files;
    int rc = e.files ? 0 : -1, queried = 0;
    if(!rc && run_query(conn,
                        "SELECT s.file_id::BIGINT, any_value(f.path)::VARCHAR, min(s.id) AS first,"
                        " coalesce(any_value(strlen(t.text)), 0)::BIGINT FROM statements s"
                        " JOIN files f ON f.id = s.file_id LEFT JOIN file_texts t ON t.file_id = s.file_id"
                        " LEFT JOIN statement_sql o ON o.statement_id = s.id"
                        " WHERE f.is_current AND (o.sql IS NOT NULL OR s.sql_length IS NOT NULL)"
                        " GROUP BY s.file_id ORDER BY first",
                        &files))
        rc = -1;
    else if(!rc)
        queried = 1;
    idx_t nfiles = rc ? 0 : duckdb_row_count(&files);
    size_t bytes = 0;
    for(idx_t r = 0; r < nfiles && rc == 0; r++) {
        size_t len = (size_t)duckdb_value_int64(&files, 3, r);
        if(e.nfiles && (e.nfiles == BATCH_FILES || bytes + len > BATCH_BYTES)) {
            rc = one_batch(conn, &e);
            e.nfiles = 0;
            bytes = 0;
        }
        batch_file_t *f = &e.files[e.nfiles++];
        char *path = duckdb_value_varchar(&files, 1, r);
        *f = (batch_file_t){.id = duckdb_value_int64(&files, 0, r)};
        snprintf(f->path, sizeof(f->path), "%s", path ? path : "");
        duckdb_free(path);
        bytes += len;
    }
    if(rc == 0 && e.nfiles)
        rc = one_batch(conn, &e);
    if(queried)
        duckdb_destroy_result(&files);
    util_free(e.files);
    buf_free(&e.cut);
    buf_free(&e.ids);
    buf_free(&e.sql);
    return rc;
}

int64_t source_files_without_text(duckdb_connection conn)
{
    duckdb_result res;
    int64_t n = -1;
    if(conn && duckdb_query(conn,
                            "SELECT count(DISTINCT s.file_id) FROM statements s JOIN files f ON f.id = s.file_id "
                            "LEFT JOIN statement_sql o ON o.statement_id = s.id "
                            "WHERE f.is_current AND o.sql IS NULL AND s.sql_length IS NULL",
                            &res) == DuckDBSuccess)
        n = duckdb_value_int64(&res, 0, 0);
    else if(conn)
        log_warn("query.source_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
    if(conn)
        duckdb_destroy_result(&res);
    return n;
}
