/* Reading the graph's tables from DuckDB into a snapshot, chunk by chunk. */
#include "graph/index.h"
#include "graph/snap.h"
#include "store/colrec.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#include <inttypes.h>

#include <stdbool.h>
#include <stdarg.h>
#include <string.h>

#define LOAD_STR_MAX 4096              /* longer texts are cut; names are bounded by GRAPH_MAX_NAME */
#define LOAD_SQL_MAX ((size_t)4 << 20) /* a query naming the files of one update */

/* One row into `b`, or into `ctx` for rows that are not the builder's own. */
typedef int (*row_fn)(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row);

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

static int node_row(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    (void)ctx;
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

static int file_row(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    (void)ctx;
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

static int stmt_row(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    (void)ctx;
    char kind[64], routine[LOAD_STR_MAX], error[LOAD_STR_MAX];
    return graph_builder_add_statement(
        b, i64_at(cols, valid, 0, row, 0), i64_at(cols, valid, 1, row, -1), (int)i64_at(cols, valid, 2, row, 0),
        str_at(cols, valid, 3, row, kind, sizeof(kind)), str_at(cols, valid, 4, row, routine, sizeof(routine)),
        str_at(cols, valid, 5, row, error, sizeof(error)));
}

static int edge_row(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    (void)ctx;
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

static int load_rows(duckdb_connection conn, const char *sql, int ncols, graph_builder_t *b, void *ctx, row_fn fn)
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
            rc = fn(b, ctx, cols, valid, row);
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
        rc = load_rows(conn, sql.data, ncols, b, NULL, fn);
    buf_free(&sql);
    return rc;
}

/* The files' column records (store/colrec.h) as read: their bytes one after another. */
typedef struct records {
    buf_t bytes;
    int64_t *file;
    size_t *off, *len;
    size_t n, cap;
} records_t;

static void records_free(records_t *r)
{
    buf_free(&r->bytes);
    util_free(r->file);
    util_free(r->off);
    util_free(r->len);
}

static int record_row(graph_builder_t *b, void *ctx, duckdb_vector *cols, uint64_t **valid, idx_t row)
{
    (void)b;
    records_t *r = ctx;
    if(r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        int64_t *file = util_realloc(r->file, cap * sizeof(*file));
        r->file = file ? file : r->file;
        size_t *off = util_realloc(r->off, cap * sizeof(*off));
        r->off = off ? off : r->off;
        size_t *len = util_realloc(r->len, cap * sizeof(*len));
        r->len = len ? len : r->len;
        if(!file || !off || !len)
            return GRAPH_ERR_NOMEM;
        r->cap = cap;
    }
    duckdb_string_t *rec = &((duckdb_string_t *)duckdb_vector_get_data(cols[1]))[row];
    r->file[r->n] = i64_at(cols, valid, 0, row, -1);
    r->off[r->n] = r->bytes.len;
    r->len[r->n] = duckdb_string_t_length(*rec);
    if(buf_add(&r->bytes, duckdb_string_t_data(rec), r->len[r->n]))
        return GRAPH_ERR_TOO_BIG;
    r->n++;
    return 0;
}

static int load_query_records(duckdb_connection conn, graph_builder_t *b, records_t *r, const char *files)
{
    buf_t sql;
    buf_init(&sql, LOAD_SQL_MAX);
    int rc = buf_printf(&sql, "SELECT file_id::BIGINT, record FROM file_columns%s%s%s",
                        files ? " WHERE file_id IN (" : "", files ? files : "", files ? ")" : "")
                 ? GRAPH_ERR_TOO_BIG
                 : load_rows(conn, sql.data, 2, b, r, record_row);
    buf_free(&sql);
    return rc;
}

/* The CONTAINS edge of a record's entry. */
static void entry_edge(bedge_t *e, const colrec_entry_t *c, int64_t file)
{
    *e = (bedge_t){.src = c->table, .dst = c->column, .stmt = c->statement, .file = file,
                   .trans = GRAPH_NOSTR, .kind = GRAPH_CONTAINS};
}

typedef struct merge {
    colrec_reader_t rd;
    colrec_entry_t next;
    int more;          /* 1: `next` holds an entry not emitted yet */
    int64_t seen, all; /* the file's stored edges emitted, and read */
} merge_t;

/* Emits the record's entries that stood before the file's next stored edge (all of them with `rest`). */
static int emit_entries(merge_t *m, int64_t file, int rest, bedge_t *out, size_t *n)
{
    while(m->more == 1 && (rest || m->next.pos <= m->seen)) {
        entry_edge(&out[(*n)++], &m->next, file);
        m->more = colrec_next(&m->rd, &m->next);
    }
    return m->more < 0 ? GRAPH_ERR_STORE : 0;
}

/*
 * The records' CONTAINS edges put back among the builder's edges where the writer made them: each
 * before the stored edge of its file it preceded, so lists come out as they did from one edge table.
 */
static int merge_records(graph_builder_t *b, const records_t *r, size_t *entries)
{
    size_t total = b->nedges;
    graph_idmap_t files = {0};
    merge_t *m = util_calloc(r->n + 1, sizeof(*m));
    int rc = !m || graph_idmap_init(&files, r->n + 1) ? GRAPH_ERR_NOMEM : 0;
    for(size_t k = 0; !rc && k < r->n; k++) {
        graph_idmap_put(&files, r->file[k], (int)k);
        colrec_read(&m[k].rd, r->bytes.data + r->off[k], r->len[k]);
        colrec_reader_t count = m[k].rd;
        colrec_entry_t e;
        int got;
        while((got = colrec_next(&count, &e)) == 1)
            total++;
        rc = got < 0 ? GRAPH_ERR_STORE : 0;
        m[k].more = colrec_next(&m[k].rd, &m[k].next);
    }
    if(!rc && total > GRAPH_MAX_EDGES)
        rc = GRAPH_ERR_TOO_BIG;
    for(size_t i = 0; !rc && i < b->nedges; i++) {
        int k = graph_idmap_get(&files, b->edges[i].file);
        if(k >= 0)
            m[k].all++;
    }
    bedge_t *out = rc ? NULL : util_malloc((total + 1) * sizeof(*out));
    if(!rc && !out)
        rc = GRAPH_ERR_NOMEM;
    size_t n = 0;
    for(size_t i = 0; !rc && i < b->nedges; i++) {
        int64_t file = b->edges[i].file;
        int k = graph_idmap_get(&files, file);
        rc = k >= 0 ? emit_entries(&m[k], file, 0, out, &n) : 0;
        out[n++] = b->edges[i];
        if(k >= 0 && ++m[k].seen == m[k].all)
            rc = rc ? rc : emit_entries(&m[k], file, 1, out, &n);
    }
    for(size_t k = 0; !rc && k < r->n; k++)
        rc = emit_entries(&m[k], r->file[k], 1, out, &n);
    if(!rc) {
        *entries = total - b->nedges;
        util_free(b->edges);
        b->edges = out;
        b->nedges = n;
        b->cedges = total + 1;
        out = NULL;
    }
    if(rc == GRAPH_ERR_STORE)
        log_warn("graph.load_failed", "error=%s", LOG_Q("a file's column record is not readable"));
    util_free(out);
    util_free(m);
    graph_idmap_free(&files);
    return rc;
}

#define NODE_IDS_PER_QUERY 20000

static int query_nodes(duckdb_connection conn, graph_builder_t *b, const buf_t *list)
{
    return load_query(conn, 4, b, node_row,
                      "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR, coalesce(temporary, false)::BOOLEAN "
                      "FROM nodes WHERE id IN (%s)",
                      list->data);
}

/*
 * The nodes that only the records of `files` name, which the node query (by their edges) missed:
 * a column a file names without any lineage, such as the target of INSERT .. VALUES.
 */
static int read_record_nodes(duckdb_connection conn, graph_builder_t *b, const records_t *r, size_t entries)
{
    graph_idmap_t known = {0};
    int rc = graph_idmap_init(&known, b->nnodes + 2 * entries + 1) ? GRAPH_ERR_NOMEM : 0;
    size_t before = b->nnodes;
    for(size_t i = 0; !rc && i < before; i++)
        graph_idmap_put(&known, b->nodes[i].id, 0);
    buf_t list;
    buf_init(&list, LOAD_SQL_MAX / 2);
    size_t nlist = 0;
    for(size_t k = 0; !rc && k < r->n; k++) {
        colrec_reader_t rd;
        colrec_entry_t e;
        colrec_read(&rd, r->bytes.data + r->off[k], r->len[k]);
        while(!rc && colrec_next(&rd, &e) == 1) {
            int64_t ends[2] = {e.table, e.column};
            for(int i = 0; i < 2 && !rc; i++) {
                if(graph_idmap_get(&known, ends[i]) >= 0)
                    continue;
                graph_idmap_put(&known, ends[i], 0);
                rc = buf_printf(&list, "%s%" PRId64, nlist++ ? "," : "", ends[i]) ? GRAPH_ERR_TOO_BIG : 0;
                if(!rc && nlist == NODE_IDS_PER_QUERY) {
                    rc = query_nodes(conn, b, &list);
                    buf_reset(&list);
                    nlist = 0;
                }
            }
        }
    }
    graph_idmap_free(&known);
    if(!rc && nlist)
        rc = query_nodes(conn, b, &list);
    buf_free(&list);
    return rc;
}

/*
 * The graph's rows into `b`: all of them, or with `files` ("1,2,3") those of these files and every
 * node their edges name. Casts pin the C types the row functions read.
 */
static int read_rows(duckdb_connection conn, const char *files, graph_builder_t *b)
{
    /* the " IN (1,2,3)" that narrows each query to `files`, or nothing */
    const char *in = files ? " IN (" : "", *list = files ? files : "", *close = files ? ")" : "";
    int rc = files ? load_query(conn, 4, b, node_row,
                                "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR, coalesce(temporary, false)::BOOLEAN "
                                "FROM nodes WHERE id IN (SELECT source FROM edges WHERE file_id IN (%s) UNION "
                                "SELECT target FROM edges WHERE file_id IN (%s))",
                                files, files)
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
                        "s.routine::VARCHAR, s.error::VARCHAR FROM statements s JOIN files f ON f.id = s.file_id "
                        "WHERE f.is_current%s%s%s%s",
                        files ? " AND f.id" : "", in, list, close);
    if(!rc)
        rc = load_query(conn, 6, b, edge_row,
                        "SELECT source::BIGINT, target::BIGINT, kind::VARCHAR, statement_id::BIGINT, "
                        "transformation::VARCHAR, file_id::BIGINT FROM edges%s%s%s%s",
                        files ? " WHERE file_id" : "", in, list, close);
    records_t recs = {0};
    buf_init(&recs.bytes, (size_t)UINT32_MAX);
    size_t entries = 0;
    if(!rc)
        rc = load_query_records(conn, b, &recs, files);
    if(!rc)
        rc = merge_records(b, &recs, &entries);
    if(!rc && files)
        rc = read_record_nodes(conn, b, &recs, entries);
    records_free(&recs);
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
               (size_t)count_rows(conn, "SELECT (SELECT count(*) FROM edges) + "
                                        "(SELECT coalesce(sum(entries), 0) FROM file_columns)") != base->nedges ||
               base->nfiles != ncur))
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
