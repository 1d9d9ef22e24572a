/* Reading the graph's tables from DuckDB into a snapshot, chunk by chunk. */
#include "graph/index.h"
#include "graph/snap.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#include <inttypes.h>

#include <stdbool.h>
#include <stdarg.h>
#include <string.h>

#define LOAD_STR_MAX 4096              /* longer texts are cut; names are bounded by GRAPH_MAX_NAME */
#define LOAD_SQL_MAX ((size_t)4 << 20) /* a query naming the files of one update */

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
    int rc = graph_builder_add_edge(b, i64_at(cols, valid, 0, row, 0), i64_at(cols, valid, 1, row, 0), k,
                                    i64_at(cols, valid, 3, row, -1), str_at(cols, valid, 4, row, trans, sizeof(trans)));
    if(!rc)
        b->edges[b->nedges - 1].file = i64_at(cols, valid, 5, row, -1);
    return rc;
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
        if(graph_stop_asked(b->stop))
            rc = GRAPH_ERR_STOPPED;
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

static int exec(duckdb_connection conn, const char *sql)
{
    duckdb_result res;
    int rc = duckdb_query(conn, sql, &res) == DuckDBSuccess ? 0 : GRAPH_ERR_STORE;
    if(rc)
        log_warn("graph.load_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
    duckdb_destroy_result(&res);
    return rc;
}

/* One query made from `fmt`, its rows into `b` by `fn`; a query longer than LOAD_SQL_MAX is TOO_BIG. */
static int load_query(duckdb_connection conn, int ncols, graph_builder_t *b, row_fn fn, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int load_query(duckdb_connection conn, int ncols, graph_builder_t *b, row_fn fn, const char *fmt, ...)
{
    buf_t sql;
    buf_init(&sql, LOAD_SQL_MAX);
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&sql, fmt, ap) ? GRAPH_ERR_TOO_BIG : 0;
    va_end(ap);
    if(!rc)
        rc = load_rows(conn, sql.data, ncols, b, fn);
    buf_free(&sql);
    return rc;
}

/*
 * The graph's rows into `b`: all of them, or with `files` ("1,2,3") those of these files and every
 * node their edges name. Casts pin the C types the row functions read. An edge's file is its
 * statement's (edges have no file_id since migration 11).
 */
static int read_rows(duckdb_connection conn, const char *files, graph_builder_t *b)
{
    /* the " IN (1,2,3)" that narrows each query to `files`, or nothing */
    const char *in = files ? " IN (" : "", *list = files ? files : "", *close = files ? ")" : "";
    int rc = files ? load_query(conn, 4, b, node_row,
                                "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR, coalesce(temporary, false)::BOOLEAN "
                                "FROM nodes WHERE id IN (SELECT unnest([source, target]) FROM edges WHERE "
                                "statement_id IN (SELECT id FROM statements WHERE file_id IN (%s)))",
                                files)
                   : load_query(conn, 4, b, node_row, "%s",
                                "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR, "
                                "coalesce(temporary, false)::BOOLEAN FROM nodes");
    if(!rc)
        rc = load_query(conn, 8, b, file_row,
                        "SELECT f.id::BIGINT, f.path::VARCHAR, f.repository::VARCHAR, f.project_id::VARCHAR, "
                        "f.dialect::VARCHAR, f.disk_path::VARCHAR, i.commit_sha::VARCHAR, i.branch::VARCHAR "
                        "FROM files f LEFT JOIN ingestions i ON i.id = f.ingestion_id WHERE f.is_current%s%s%s%s",
                        files ? " AND f.id" : "", in, list, close);
    if(!rc)
        rc = load_query(conn, 6, b, stmt_row,
                        "SELECT s.id::BIGINT, s.file_id::BIGINT, s.line_start::BIGINT, s.kind::VARCHAR, "
                        "CASE WHEN s.kind IN ('create_procedure', 'create_function') THEN s.name END::VARCHAR, "
                        "s.error::VARCHAR FROM statements s JOIN files f ON f.id = s.file_id "
                        "WHERE f.is_current%s%s%s%s",
                        files ? " AND f.id" : "", in, list, close);
    if(!rc)
        rc = load_query(conn, 6, b, edge_row,
                        "SELECT e.source::BIGINT, e.target::BIGINT, e.kind::VARCHAR, e.statement_id::BIGINT, "
                        "e.transformation::VARCHAR, s.file_id::BIGINT FROM edges e LEFT JOIN statements s ON "
                        "s.id = e.statement_id%s%s%s%s",
                        files ? " WHERE s.file_id" : "", in, list, close);
    return rc;
}

int graph_base_load(duckdb_connection conn, const atomic_int *stop, graph_builder_t **out)
{
    *out = NULL;
    graph_builder_t *b = graph_builder_new();
    if(!b)
        return GRAPH_ERR_NOMEM;
    b->stop = stop;
    /* one transaction: every table as of the same commit */
    int rc = exec(conn, "BEGIN TRANSACTION");
    if(!rc) {
        rc = read_rows(conn, NULL, b);
        exec(conn, rc ? "ROLLBACK" : "COMMIT");
    }
    rc = rc ? rc : b->failed;
    if(rc) {
        graph_builder_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int graph_load(duckdb_connection conn, graph_snap_t **out)
{
    *out = NULL;
    graph_builder_t *b = NULL;
    int rc = graph_base_load(conn, NULL, &b);
    return rc ? rc : graph_builder_finish(b, out);
}

/* One BIGINT column of a query, appended to `out` as "1,2,3" or kept in `ids`. */
static int read_ids(duckdb_connection conn, const char *sql, int64_t **ids, size_t *n)
{
    duckdb_result res;
    if(duckdb_query(conn, sql, &res) != DuckDBSuccess) {
        log_warn("graph.load_failed", "error=%s", LOG_Q(duckdb_result_error(&res)));
        duckdb_destroy_result(&res);
        return GRAPH_ERR_STORE;
    }
    idx_t rows = duckdb_row_count(&res);
    int rc = rows > GRAPH_MAX_NODES ? GRAPH_ERR_TOO_BIG : 0;
    *ids = rc ? NULL : util_malloc(((size_t)rows + 1) * sizeof(int64_t));
    if(!rc && !*ids)
        rc = GRAPH_ERR_NOMEM;
    for(idx_t r = 0; !rc && r < rows; r++)
        (*ids)[r] = duckdb_value_int64(&res, 0, r);
    *n = rc ? 0 : (size_t)rows;
    duckdb_destroy_result(&res);
    return rc;
}

static int64_t count_rows(duckdb_connection conn, const char *sql)
{
    duckdb_result res;
    int64_t n = -1;
    if(duckdb_query(conn, sql, &res) == DuckDBSuccess)
        n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    return n;
}

/*
 * New and superseded current files since `base` was read: their rows in and out. Returns 1 (read
 * the whole graph instead) when the new files do not fit in one query, the pool is mostly garbage,
 * or the base's counts no longer match the store's (something the writer's rules do not cover
 * changed it). Reading many new files costs about what a full read does, so there is no other cut-off.
 */
static int update(duckdb_connection conn, const atomic_int *stop, graph_builder_t *base, int *changed)
{
    int64_t *cur = NULL, *gone = NULL;
    size_t ncur = 0, ngone = 0, nnew = 0;
    graph_idmap_t known = {0}, current = {0};
    buf_t list;
    buf_init(&list, LOAD_SQL_MAX / 4);
    int rc = read_ids(conn, "SELECT id::BIGINT FROM files WHERE is_current", &cur, &ncur);
    if(!rc && (graph_idmap_init(&known, base->nfiles) || graph_idmap_init(&current, ncur)))
        rc = GRAPH_ERR_NOMEM;
    for(size_t i = 0; !rc && i < base->nfiles; i++)
        graph_idmap_put(&known, base->files[i].id, 0);
    for(size_t i = 0; !rc && i < ncur; i++) {
        graph_idmap_put(&current, cur[i], 0);
        if(graph_idmap_get(&known, cur[i]) < 0) {
            rc = buf_printf(&list, "%s%" PRId64, nnew ? "," : "", cur[i]) ? 1 : 0; /* too many: read it all */
            nnew++;
        }
    }
    if(!rc && !(gone = util_malloc((base->nfiles + 1) * sizeof(int64_t))))
        rc = GRAPH_ERR_NOMEM;
    for(size_t i = 0; !rc && i < base->nfiles; i++)
        if(graph_idmap_get(&current, base->files[i].id) < 0)
            gone[ngone++] = base->files[i].id;
    graph_builder_t *fresh = NULL;
    if(!rc && nnew) {
        fresh = graph_builder_new();
        if(fresh)
            fresh->stop = stop;
        rc = fresh ? read_rows(conn, list.data, fresh) : GRAPH_ERR_NOMEM;
    }
    if(!rc && (nnew || ngone)) {
        if(!fresh && !(fresh = graph_builder_new()))
            rc = GRAPH_ERR_NOMEM;
        else {
            rc = graph_base_apply(base, gone, ngone, fresh);
            fresh = NULL;
        }
    }
    graph_builder_free(fresh);
    if(!rc && ((size_t)count_rows(conn, "SELECT count(*) FROM nodes") != base->nnodes ||
               (size_t)count_rows(conn, "SELECT count(*) FROM edges") != base->nedges || base->nfiles != ncur))
        rc = 1;
    if(!rc && base->garbage > base->plen / 2)
        rc = 1;
    *changed = nnew || ngone;
    graph_idmap_free(&known);
    graph_idmap_free(&current);
    util_free(cur);
    util_free(gone);
    buf_free(&list);
    return rc;
}

int graph_base_update(duckdb_connection conn, const atomic_int *stop, graph_builder_t *base, int *changed)
{
    *changed = 0;
    int rc = exec(conn, "BEGIN TRANSACTION");
    if(rc)
        return rc;
    rc = update(conn, stop, base, changed);
    exec(conn, "ROLLBACK"); /* read only */
    return rc;
}
