/* Reading the graph's tables from DuckDB into a snapshot, chunk by chunk. */
#include "graph/index.h"
#include "util/log.h"

#include <stdbool.h>
#include <string.h>

#define LOAD_STR_MAX 4096 /* longer texts are cut; names are bounded by GRAPH_MAX_NAME */

typedef int (*row_fn)(graph_builder_t *b, duckdb_vector *cols, uint64_t **valid, idx_t row);

/* Copies column c of `row` into `out` (NUL-terminated); returns NULL for SQL NULL. */
static const char *str_at(duckdb_vector *cols, uint64_t **valid, int c, idx_t row, char *out, size_t cap)
{
    if(valid[c] && !duckdb_validity_row_is_valid(valid[c], row))
        return NULL;
    duckdb_string_t *data = duckdb_vector_get_data(cols[c]);
    uint32_t len = duckdb_string_t_length(data[row]);
    if(len >= cap)
        len = (uint32_t)cap - 1;
    memcpy(out, duckdb_string_t_data(&data[row]), len);
    out[len] = '\0';
    return out;
}

static int64_t i64_at(duckdb_vector *cols, uint64_t **valid, int c, idx_t row, int64_t null_value)
{
    if(valid[c] && !duckdb_validity_row_is_valid(valid[c], row))
        return null_value;
    return ((int64_t *)duckdb_vector_get_data(cols[c]))[row];
}

static int node_row(graph_builder_t *b, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    char kind[32], name[LOAD_STR_MAX];
    graph_kind_t k;
    const char *ks = str_at(cols, valid, 1, row, kind, sizeof(kind));
    const char *nm = str_at(cols, valid, 2, row, name, sizeof(name));
    if(!ks || !nm || graph_kind_from_name(ks, &k) || strlen(nm) > GRAPH_MAX_NAME)
        return 0; /* a row the index cannot represent is left out, not fatal */
    bool temp =
        !(valid[3] && !duckdb_validity_row_is_valid(valid[3], row)) && ((bool *)duckdb_vector_get_data(cols[3]))[row];
    return graph_builder_add_node(b, i64_at(cols, valid, 0, row, 0), k, nm, temp);
}

static int file_row(graph_builder_t *b, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    char path[LOAD_STR_MAX], disk[LOAD_STR_MAX], repo[LOAD_STR_MAX], project[LOAD_STR_MAX], dialect[64], commit[128],
        branch[LOAD_STR_MAX];
    graph_file_row_t f = {
        .path = str_at(cols, valid, 1, row, path, sizeof(path)),
        .disk_path = str_at(cols, valid, 5, row, disk, sizeof(disk)),
        .repository = str_at(cols, valid, 2, row, repo, sizeof(repo)),
        .project = str_at(cols, valid, 3, row, project, sizeof(project)),
        .dialect = str_at(cols, valid, 4, row, dialect, sizeof(dialect)),
        .commit = str_at(cols, valid, 6, row, commit, sizeof(commit)),
        .branch = str_at(cols, valid, 7, row, branch, sizeof(branch)),
    };
    return graph_builder_add_file(b, i64_at(cols, valid, 0, row, 0), &f);
}

static int stmt_row(graph_builder_t *b, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    char kind[64], routine[LOAD_STR_MAX], error[LOAD_STR_MAX];
    return graph_builder_add_statement(
        b, i64_at(cols, valid, 0, row, 0), i64_at(cols, valid, 1, row, -1), (int)i64_at(cols, valid, 2, row, 0),
        str_at(cols, valid, 3, row, kind, sizeof(kind)), str_at(cols, valid, 4, row, routine, sizeof(routine)),
        str_at(cols, valid, 5, row, error, sizeof(error)));
}

static int edge_row(graph_builder_t *b, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    char kind[32], trans[64];
    graph_edge_kind_t k;
    const char *ks = str_at(cols, valid, 2, row, kind, sizeof(kind));
    if(!ks || graph_edge_kind_from_name(ks, &k))
        return 0;
    return graph_builder_add_edge(b, i64_at(cols, valid, 0, row, 0), i64_at(cols, valid, 1, row, 0), k,
                                  i64_at(cols, valid, 3, row, -1), str_at(cols, valid, 4, row, trans, sizeof(trans)));
}

static int load_rows(duckdb_connection conn, const char *sql, int ncols, graph_builder_t *b, row_fn fn)
{
    duckdb_result res;
    if(duckdb_query(conn, sql, &res) != DuckDBSuccess) {
        log_warn("graph.load_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
        duckdb_destroy_result(&res);
        return GRAPH_ERR_STORE;
    }
    int rc = 0;
    duckdb_data_chunk chunk;
    while(!rc && (chunk = duckdb_fetch_chunk(res)) != NULL) {
        duckdb_vector cols[8];
        uint64_t *valid[8];
        for(int c = 0; c < ncols; c++) {
            cols[c] = duckdb_data_chunk_get_vector(chunk, (idx_t)c);
            valid[c] = duckdb_vector_get_validity(cols[c]);
        }
        idx_t n = duckdb_data_chunk_get_size(chunk);
        for(idx_t row = 0; row < n && !rc; row++)
            rc = fn(b, cols, valid, row);
        duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&res);
    return rc;
}

int graph_load(duckdb_connection conn, graph_snap_t **out)
{
    *out = NULL;
    graph_builder_t *b = graph_builder_new();
    if(!b)
        return GRAPH_ERR_NOMEM;
    /* Casts pin the C types the row functions read. */
    int rc = load_rows(conn,
                       "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR, coalesce(temporary, false)::BOOLEAN "
                       "FROM nodes",
                       4, b, node_row);
    if(!rc)
        rc = load_rows(conn,
                       "SELECT f.id::BIGINT, f.path::VARCHAR, f.repository::VARCHAR, f.project_id::VARCHAR, "
                       "f.dialect::VARCHAR, f.disk_path::VARCHAR, i.commit_sha::VARCHAR, i.branch::VARCHAR "
                       "FROM files f LEFT JOIN ingestions i ON i.id = f.ingestion_id WHERE f.is_current",
                       8, b, file_row);
    if(!rc)
        rc = load_rows(
            conn,
            "SELECT s.id::BIGINT, s.file_id::BIGINT, s.line_start::BIGINT, s.kind::VARCHAR, s.routine::VARCHAR, "
            "s.error::VARCHAR FROM statements s JOIN files f ON f.id = s.file_id WHERE f.is_current",
            6, b, stmt_row);
    if(!rc)
        rc = load_rows(conn,
                       "SELECT source::BIGINT, target::BIGINT, kind::VARCHAR, statement_id::BIGINT, "
                       "transformation::VARCHAR FROM edges",
                       5, b, edge_row);
    if(rc) {
        graph_builder_free(b);
        return rc;
    }
    return graph_builder_finish(b, out);
}
