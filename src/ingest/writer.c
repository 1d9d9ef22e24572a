#include "ingest/writer.h"

#include "graph/graph.h"
#include "ingest/map.h"
#include "store/rows.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* In the order of the ENUM node_kind (migration 10): rows carry the index. */
enum node_kind { NK_TABLE, NK_VIEW, NK_COLUMN, NK_PROCEDURE, NK_FILE };
static const char *const node_kinds[] = {"table", "view", "column", "procedure", "file"};

/* In the order of the ENUMs edge_kind (migration 7) and edge_transformation_v8 (8): rows carry the index. */
enum edge_kind { EK_DERIVES, EK_READS_FROM, EK_WRITES_TO, EK_CONTAINS, EK_DEFINED_IN, EK_CALLS };
static const char *const transformations[] = {"DEFINED", "IDENTITY",    "TRANSFORMATION", "AGGREGATION",
                                              "JOIN",    "FILTER",      "GROUP_BY",       "SORT",
                                              "WINDOW",  "CONDITIONAL", "DROPPED"};
#define NO_TRANSFORMATION 0xff
/* The columns of nodes (migration 12), statements (14) and edges (11), in table order. */
enum { NC_ID, NC_KIND, NC_NAME, NC_PROJECT, NC_TEMPORARY, NC_FIRST_SEEN, NC_COLUMNS };
static const store_col_t node_cols[NC_COLUMNS] = {STORE_COL_BIGINT,  STORE_COL_ENUM8,   STORE_COL_VARCHAR,
                                                  STORE_COL_INTEGER, STORE_COL_BOOLEAN, STORE_COL_TIMESTAMP};
enum {
    SC_ID,
    SC_FILE,
    SC_ORDINAL,
    SC_KIND,
    SC_NAME,
    SC_LINE,
    SC_COLUMN,
    SC_ERROR,
    SC_SQL_LINE,
    SC_SQL_COLUMN,
    SC_SQL_OFFSET,
    SC_SQL_LENGTH,
    SC_COLUMNS
};
static const store_col_t stmt_cols[SC_COLUMNS] = {
    STORE_COL_BIGINT,  STORE_COL_BIGINT,  STORE_COL_INTEGER, STORE_COL_VARCHAR, STORE_COL_VARCHAR, STORE_COL_INTEGER,
    STORE_COL_INTEGER, STORE_COL_VARCHAR, STORE_COL_INTEGER, STORE_COL_INTEGER, STORE_COL_BIGINT,  STORE_COL_BIGINT};
enum { EC_SOURCE, EC_TARGET, EC_KIND, EC_STATEMENT, EC_TRANSFORMATION, EC_COLUMNS };
static const store_col_t edge_cols[EC_COLUMNS] = {STORE_COL_UINTEGER, STORE_COL_UINTEGER, STORE_COL_ENUM8,
                                                  STORE_COL_UINTEGER, STORE_COL_ENUM8};
/* The largest node or statement id: edges hold them as UINTEGER (migration 11). */
#define ID_MAX ((int64_t)UINT32_MAX)

/* The tables written through appenders, as bits: which hold rows not flushed yet, which to flush. */
enum { T_FILES = 1u, T_NODES = 2u, T_STMTS = 4u, T_EDGES = 8u, T_TEXTS = 16u, T_ALL = 31u };

#define IN_LIST_MAX  1000        /* ids per "WHERE id IN (...)" statement */
#define SQL_TEXT_MAX (64u << 10) /* such a statement's text */

/* A 32-byte header, so that a lookup's key compare and the edge counts touch one cache line more often. */
typedef struct node {
    int64_t id;
    int64_t refs;            /* edges that name it, as source or target */
    uint64_t contains_epoch; /* commit that gave it (a column) its CONTAINS edge */
    uint32_t klen;
    uint8_t kind; /* enum node_kind */
    uint8_t is_new, orphan;
    uint8_t bare; /* a column under its bare name: the index never shows it, totalNodes leaves it out */
    char key[];   /* kind class then name (name_key), NUL-terminated: interned with the node */
} node_t;

/* Ids, not nodes: appending a file's edges then reads no node again (each a likely cache miss). */
typedef struct edge {
    int64_t source, target, statement_id;
    uint8_t kind;           /* enum edge_kind */
    uint8_t transformation; /* index into transformations[], or NO_TRANSFORMATION */
} edge_t;

typedef struct current {
    int64_t id;
    int processed;
    char sha256[SHA256_HEX_LEN];
    size_t klen;
    char key[]; /* file_key */
} current_t;

/*
 * Where the nodes live: 64 KiB blocks carved by size class (16-byte steps), so 122,000 nodes are
 * not 122,000 mallocs and, at close, 122,000 frees. A dropped node's room goes on its class's free
 * list for the next node of that size; nodes over the largest class are malloc'd alone, each a block
 * of its own. The node maps name a node by a 32-bit reference, its block's number and its 16-byte
 * unit there, so that their slots are 8 bytes (docs/ingest.md, eighth round).
 */
#define POOL_BLOCK      ((size_t)64 << 10)
#define POOL_STEP       16u
#define POOL_UNIT_BITS  12u                 /* POOL_BLOCK / POOL_STEP units a block */
#define POOL_CLASSES    32u                 /* up to 512 bytes a node */
#define POOL_MAX_BLOCKS ((uint32_t)1 << 20) /* numbers 1 to 2^20 - 1: 64 GiB of nodes */
#define CACHE_LINE      64u

typedef struct node_pool {
    char **block;    /* by number, 0 unused; NULL: a dropped big node's number, on `spare` */
    uint32_t *spare; /* as much room as `block`, so giving a number back cannot fail */
    uint32_t nblocks, nspare, cap, max_blocks;
    char *cur, *end; /* the newest block's unused room */
    uint32_t cur_no;
    uint32_t free[POOL_CLASSES];   /* references; each free room's first 4 bytes hold the next */
    size_t block_bytes, big_bytes; /* held in blocks; in nodes malloc'd alone */
} node_pool_t;

/* A file stored in the open transaction: how a failed COMMIT tells whether it is in the database anyway. */
typedef struct staged {
    int64_t id;
    char sha256[SHA256_HEX_LEN];
} staged_t;

/* A processed file's row as it is to be, written with the others of its transaction in one UPDATE. */
typedef struct file_done {
    int64_t id, size, statements, nodes_created;
    const char *status, *dialect; /* static strings */
    char *error;                  /* owned */
    char sha256[SHA256_HEX_LEN];
    duckdb_timestamp at;
} file_done_t;

/* Growable array of pointers or edges, kept across commits. */
#define VEC(T)                                                                                                         \
    struct {                                                                                                           \
        T *v;                                                                                                          \
        size_t n, cap;                                                                                                 \
    }

#define DONE_COLUMNS 9

struct writer {
    store_t *store;
    duckdb_connection conn;
    duckdb_appender nodes_app, stmts_app, edges_app, files_app, texts_app;
    duckdb_appender done_app;                        /* flush_done's UPDATE, run on the rows appended to it */
    store_rows_t nodes_rows, stmts_rows, edges_rows; /* these go in by vectors, not value by value */
    duckdb_prepared_statement file_state, file_old, ing_insert, ing_input, ing_commit, ing_branch, ing_finish,
        project_find, project_add;
    char *project;      /* the project named last, and its id in projects (migration 12); NULL: none */
    int32_t project_id; /* cleared with the graph state: a rolled-back transaction may have added it */
    map_t by_name, current;
    /* built when first needed (nodes read at start-up, a version superseded), then kept: a graph
     * only growing never pays a second table per new node */
    map_t by_id;
    int by_id_built;
    node_pool_t pool;
    int64_t next_node_id, next_stmt_id, next_file_id;
    int64_t id_max; /* ID_MAX, or lower in tests (writer_limit_ids) */
    uint64_t epoch;
    int in_txn;
    int oom;                     /* the last failure may have been DuckDB's memory limit (an append, query or commit) */
    int memory_mb;               /* that limit as opened (0: none of ours) */
    unsigned dirty;              /* appenders holding rows not yet flushed (T_* bits) */
    int64_t commits, limit_sets; /* SET memory_limit: each purges DuckDB's allocator (set_memory_limit) */
    VEC(node_t *) new_nodes;
    VEC(node_t *) upgraded;
    VEC(node_t *) orphans;
    VEC(edge_t) edges;
    VEC(node_t *) reads;   /* the statement's read tables, resolved once for its DERIVES edges too */
    VEC(staged_t) staged;  /* the files of the open transaction */
    VEC(file_done_t) done; /* their rows' final state, not yet written (flush_done) */
    int64_t done_flushes;  /* flush_done's UPDATEs run */
    int64_t groups, grouped_files, group_retries;
    int64_t superseded; /* versions replaced since the start: rows deleted */
    int64_t legacy_sql; /* rows in statement_sql (texts of migrations 4-5): a superseded version's go too */
};

static void done_clear(writer_t *w);

static int vec_grow(void **v, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 256;
    void *g = util_realloc(*v, n * elem);
    if(!g)
        return -1;
    *v = g;
    *cap = n;
    return 0;
}

#define VEC_PUSH(vec, item)                                                                                            \
    (((vec).n < (vec).cap || !vec_grow((void **)&(vec).v, &(vec).cap, sizeof(*(vec).v)))                               \
         ? ((vec).v[(vec).n++] = (item), 0)                                                                            \
         : -1)

/*
 * A failed append or flush, logged; DuckDB running out of its memory limit is told by the error's
 * type (docs/ingest.md "The writer"), so the file can be stored again with the limit raised.
 */
static int append_failed(writer_t *w, duckdb_appender a)
{
    duckdb_error_data e = duckdb_appender_error_data(a);
    log_error("ingest.append_failed", "reason=%s", LOG_Q(e ? duckdb_error_data_message(e) : "unknown"));
    if(e && duckdb_error_data_error_type(e) == DUCKDB_ERROR_OUT_OF_MEMORY)
        w->oom = 1;
    duckdb_destroy_error_data(&e);
    return -1;
}

/* A failed query or prepared statement, logged; its memory shortage noted as for appends. */
static int query_failed(writer_t *w, duckdb_result *res)
{
    log_error("ingest.db_failed", "reason=%s", LOG_Q(duckdb_result_error(res)));
    if(store_out_of_memory(res))
        w->oom = 1;
    return -1;
}

static int end_row(writer_t *w, duckdb_appender a)
{
    if(duckdb_appender_end_row(a) == DuckDBError)
        return append_failed(w, a);
    w->dirty |= a == w->files_app ? T_FILES : T_TEXTS;
    return 0;
}

static duckdb_timestamp now_ts(void)
{
    duckdb_timestamp t = {time_now_ms() * 1000};
    return t;
}

static int exec(writer_t *w, const char *sql)
{
    duckdb_result res;
    int rc = 0;
    if(duckdb_query(w->conn, sql, &res) == DuckDBError)
        rc = query_failed(w, &res);
    duckdb_destroy_result(&res);
    return rc;
}

static int run(writer_t *w, duckdb_prepared_statement st)
{
    duckdb_result res;
    int rc = 0;
    if(duckdb_execute_prepared(st, &res) == DuckDBError)
        rc = query_failed(w, &res);
    duckdb_destroy_result(&res);
    return rc;
}

static void bind_str(duckdb_prepared_statement st, idx_t i, const char *s)
{
    if(s)
        duckdb_bind_varchar(st, i, s);
    else
        duckdb_bind_null(st, i);
}

static void append_str(duckdb_appender a, const char *s)
{
    if(s)
        duckdb_append_varchar(a, s);
    else
        duckdb_append_null(a);
}

static int int64_query(writer_t *w, const char *sql, int64_t *out)
{
    duckdb_result res;
    int rc = -1;
    if(duckdb_query(w->conn, sql, &res) == DuckDBSuccess && duckdb_row_count(&res) == 1) {
        *out = duckdb_value_int64(&res, 0, 0);
        rc = 0;
    }
    duckdb_destroy_result(&res);
    return rc;
}

/* ---- the node map ---- */

static char kind_class(enum node_kind k)
{
    return k == NK_VIEW ? 'T' : "TTCPF"[k];
}

static int name_key(buf_t *key, enum node_kind kind, const char *name, size_t len)
{
    if(len + 2 <= key->cap) {
        /* the common case, once the buffer has grown: one copy, not three calls per name looked up */
        key->data[0] = kind_class(kind);
        memcpy(key->data + 1, name, len);
        key->data[len + 1] = '\0';
        key->len = len + 1;
        return 0;
    }
    buf_reset(key);
    int rc = buf_addc(key, kind_class(kind));
    return rc ? rc : buf_add(key, name, len);
}

static const void *node_name_key(const void *item, size_t *len)
{
    const node_t *n = item;
    *len = n->klen;
    return n->key;
}

static const void *node_id_key(const void *item, size_t *len)
{
    *len = sizeof(int64_t);
    return &((const node_t *)item)->id;
}

static const void *current_key(const void *item, size_t *len)
{
    const current_t *c = item;
    *len = c->klen;
    return c->key;
}

static void *node_at(const void *ctx, uint32_t ref)
{
    const node_pool_t *pl = ctx;
    return pl->block[ref >> POOL_UNIT_BITS] + (size_t)(ref & ((1u << POOL_UNIT_BITS) - 1)) * POOL_STEP;
}

/* Room for a node with a key of klen bytes: its size class, or POOL_CLASSES for a malloc of its own. */
static size_t pool_class(size_t klen)
{
    size_t size = sizeof(node_t) + klen + 1;
    return size > POOL_STEP * POOL_CLASSES ? POOL_CLASSES : (size - 1) / POOL_STEP;
}

/* A number for the block at `mem`; -1 out of memory or every number taken (the graph's 64 GiB of nodes). */
static int pool_number(node_pool_t *pl, char *mem, uint32_t *no)
{
    if(pl->nspare) {
        *no = pl->spare[--pl->nspare];
    } else {
        if(!pl->nblocks)
            pl->nblocks = 1;
        if(pl->nblocks >= (pl->max_blocks ? pl->max_blocks : POOL_MAX_BLOCKS)) {
            log_warn("ingest.node_limit", "blocks=%" PRIu32 " reason=%s", pl->nblocks,
                     LOG_Q("the node index is full (2^32 references, 64 GiB of nodes): no new name is stored"));
            return -1;
        }
        if(pl->nblocks >= pl->cap) {
            uint32_t cap = pl->cap ? pl->cap * 2 : 64;
            char **block = util_realloc(pl->block, cap * sizeof(*block));
            if(!block)
                return -1;
            pl->block = block;
            uint32_t *spare = util_realloc(pl->spare, cap * sizeof(*spare));
            if(!spare)
                return -1;
            pl->spare = spare;
            pl->cap = cap;
        }
        *no = pl->nblocks++;
    }
    pl->block[*no] = mem;
    return 0;
}

/*
 * Bytes to leave unused before a new node of `size` at `at`: a node of up to a cache line never
 * straddles two and a longer one starts on one, so a lookup's key compare and the edge counts after
 * it read one line (docs/ingest.md, eighth round: 1.5-2% less CPU for 2% more room).
 */
static size_t line_skip(const char *at, size_t size)
{
    size_t line = (uintptr_t)at & (CACHE_LINE - 1);
    return line && (size > CACHE_LINE || line + size > CACHE_LINE) ? CACHE_LINE - line : 0;
}

static node_t *pool_take(node_pool_t *pl, size_t klen, uint32_t *ref)
{
    size_t c = pool_class(klen);
    if(c == POOL_CLASSES) {
        node_t *n = util_malloc(sizeof(node_t) + klen + 1);
        if(!n || pool_number(pl, (char *)n, ref)) {
            util_free(n);
            return NULL;
        }
        pl->big_bytes += sizeof(node_t) + klen + 1;
        *ref <<= POOL_UNIT_BITS;
        return n;
    }
    size_t size = (c + 1) * POOL_STEP;
    if(pl->free[c]) {
        *ref = pl->free[c];
        void *room = node_at(pl, *ref);
        memcpy(&pl->free[c], room, sizeof(uint32_t));
        return room;
    }
    size_t skip = line_skip(pl->cur, size);
    if((size_t)(pl->end - pl->cur) < skip + size) {
        char *b = util_malloc(POOL_BLOCK);
        if(!b || pool_number(pl, b, &pl->cur_no)) {
            util_free(b);
            return NULL;
        }
        pl->cur = b;
        pl->end = b + POOL_BLOCK;
        pl->block_bytes += POOL_BLOCK;
        skip = line_skip(pl->cur, size);
    }
    pl->cur += skip;
    void *room = pl->cur;
    *ref = pl->cur_no << POOL_UNIT_BITS | (uint32_t)((pl->cur - pl->block[pl->cur_no]) / POOL_STEP);
    pl->cur += size;
    return room;
}

static void pool_give(node_pool_t *pl, node_t *n, uint32_t ref)
{
    size_t c = pool_class(n->klen);
    if(c == POOL_CLASSES) {
        pl->big_bytes -= sizeof(node_t) + n->klen + 1;
        util_free(n);
        pl->block[ref >> POOL_UNIT_BITS] = NULL;
        pl->spare[pl->nspare++] = ref >> POOL_UNIT_BITS;
        return;
    }
    memcpy(n, &pl->free[c], sizeof(uint32_t));
    pl->free[c] = ref;
}

static void pool_free(node_pool_t *pl)
{
    for(uint32_t i = 1; i < pl->nblocks; i++)
        util_free(pl->block[i]);
    util_free(pl->block);
    util_free(pl->spare);
    uint32_t max_blocks = pl->max_blocks;
    memset(pl, 0, sizeof(*pl));
    pl->max_blocks = max_blocks;
}

void writer_limit_node_blocks(writer_t *w, uint32_t max)
{
    w->pool.max_blocks = max;
}

void writer_limit_ids(writer_t *w, int64_t max)
{
    w->id_max = max > 0 && max < ID_MAX ? max : ID_MAX;
}

/*
 * Whether the ids a file took fit the edges' UINTEGER columns (migration 11); past them the file
 * fails with nothing stored, never an id that wraps onto another node or statement.
 */
static int ids_fit(const writer_t *w, int64_t last_stmt)
{
    if(w->next_node_id - 1 <= w->id_max && last_stmt <= w->id_max)
        return 1;
    log_warn("ingest.id_limit", "next_node_id=%" PRId64 " last_statement_id=%" PRId64 " max=%" PRId64 " reason=%s",
             w->next_node_id, last_stmt, w->id_max,
             LOG_Q("node and statement ids are 32-bit in the edges table: no new node or statement is stored"));
    return 0;
}

/* A new node under `key` (h: its hash in by_name). */
static node_t *node_add(writer_t *w, uint64_t h, const char *key, size_t klen, int64_t id, enum node_kind kind)
{
    uint32_t ref;
    node_t *n = klen < UINT32_MAX ? pool_take(&w->pool, klen, &ref) : NULL;
    if(!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->key[klen] = '\0';
    memcpy(n->key, key, klen);
    n->klen = (uint32_t)klen;
    n->id = id;
    n->kind = kind;
    n->bare = kind == NK_COLUMN && !memchr(key + 1, '.', klen - 1);
    if(map_insert(&w->by_name, h, ref)) {
        pool_give(&w->pool, n, ref);
        return NULL;
    }
    if(w->by_id_built && map_add(&w->by_id, ref)) {
        map_remove(&w->by_name, n);
        pool_give(&w->pool, n, ref);
        return NULL;
    }
    return n;
}

static int by_id_build(writer_t *w)
{
    for(size_t i = 0; !w->by_id_built && i < w->by_name.cap; i++) {
        uint32_t ref = map_ref_at(&w->by_name, i);
        if(ref && map_add(&w->by_id, ref)) {
            map_free(&w->by_id, NULL);
            return -1;
        }
    }
    w->by_id_built = 1;
    return 0;
}

/* by_id_build first */
static node_t *node_by_id(writer_t *w, int64_t id)
{
    return map_get(&w->by_id, &id, sizeof(id));
}

static void node_drop(writer_t *w, node_t *n)
{
    uint32_t ref = map_remove(&w->by_name, n);
    map_remove(&w->by_id, n);
    pool_give(&w->pool, n, ref);
}

static void nodes_clear(writer_t *w)
{
    map_free(&w->by_name, NULL);
    map_free(&w->by_id, NULL);
    w->by_id_built = 0;
    pool_free(&w->pool);
}

/* Rows of a query, chunk by chunk: typed vectors, not a value conversion and a malloc per cell. */
typedef int (*chunk_fn)(writer_t *w, duckdb_data_chunk chunk, idx_t rows, buf_t *key);

static int stopped(const atomic_int *stop)
{
    return stop && atomic_load(stop);
}

static int scan(writer_t *w, const char *what, const char *sql, const atomic_int *stop, chunk_fn fn)
{
    duckdb_result res;
    if(duckdb_query(w->conn, sql, &res) == DuckDBError) {
        if(!stopped(stop))
            log_error("ingest.load_failed", "what=%s reason=\"%s\"", what, duckdb_result_error(&res));
        duckdb_destroy_result(&res);
        return -1;
    }
    buf_t key;
    buf_init(&key, 1u << 20);
    int rc = 0;
    duckdb_data_chunk chunk;
    while(!rc && (chunk = duckdb_fetch_chunk(res)) != NULL) {
        rc = stopped(stop) ? -1 : fn(w, chunk, duckdb_data_chunk_get_size(chunk), &key);
        duckdb_destroy_data_chunk(&chunk);
    }
    buf_free(&key);
    duckdb_destroy_result(&res);
    return rc;
}

static int node_rows(writer_t *w, duckdb_data_chunk chunk, idx_t rows, buf_t *key)
{
    const int64_t *ids = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0));
    duckdb_vector kinds = duckdb_data_chunk_get_vector(chunk, 1), names = duckdb_data_chunk_get_vector(chunk, 2);
    duckdb_string_t *kv = duckdb_vector_get_data(kinds), *nv = duckdb_vector_get_data(names);
    uint64_t *kvalid = duckdb_vector_get_validity(kinds), *nvalid = duckdb_vector_get_validity(names);
    for(idx_t r = 0; r < rows; r++) {
        if((kvalid && !duckdb_validity_row_is_valid(kvalid, r)) || (nvalid && !duckdb_validity_row_is_valid(nvalid, r)))
            return -1;
        const char *kind = duckdb_string_t_data(&kv[r]);
        uint32_t klen = duckdb_string_t_length(kv[r]);
        enum node_kind k = NK_TABLE;
        for(int i = 0; i < 5; i++) {
            if(strlen(node_kinds[i]) == klen && memcmp(kind, node_kinds[i], klen) == 0)
                k = (enum node_kind)i;
        }
        if(name_key(key, k, duckdb_string_t_data(&nv[r]), duckdb_string_t_length(nv[r])) ||
           !node_add(w, map_hash(&w->by_name, key->data, key->len), key->data, key->len, ids[r], k))
            return -1;
    }
    return 0;
}

static int ref_rows(writer_t *w, duckdb_data_chunk chunk, idx_t rows, buf_t *key)
{
    (void)key;
    const int64_t *ids = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0));
    const int64_t *counts = duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1));
    for(idx_t r = 0; r < rows; r++) {
        node_t *n = node_by_id(w, ids[r]);
        if(n)
            n->refs = counts[r];
    }
    return 0;
}

static int load_nodes(writer_t *w, const atomic_int *stop)
{
    return scan(w, "nodes", "SELECT id::BIGINT, kind::VARCHAR, name::VARCHAR FROM nodes", stop, node_rows) ||
           (w->by_name.n && by_id_build(w)) ||
           scan(w, "edges",
                "SELECT id::BIGINT, count(*)::BIGINT FROM (SELECT source AS id FROM edges UNION ALL"
                " SELECT target FROM edges) GROUP BY id",
                stop, ref_rows);
}

/* ---- current file versions ---- */

static int file_key(buf_t *key, const char *project, const char *repository, const char *path)
{
    buf_reset(key);
    return buf_printf(key, "%s\x1f%s\x1f%s", project, repository ? repository : "", path);
}

static current_t *current_new(const buf_t *key)
{
    current_t *c = util_calloc(1, sizeof(*c) + key->len + 1);
    if(c) {
        memcpy(c->key, key->data, key->len);
        c->klen = key->len;
    }
    return c;
}

static int load_current(writer_t *w)
{
    duckdb_result res;
    if(duckdb_query(w->conn,
                    "SELECT id, project_id, repository, path, sha256, status = 'processed' FROM files WHERE is_current",
                    &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return -1;
    }
    buf_t key;
    buf_init(&key, 1u << 20);
    int rc = 0;
    idx_t rows = duckdb_row_count(&res);
    for(idx_t r = 0; r < rows && !rc; r++) {
        char *project = duckdb_value_varchar(&res, 1, r), *repo = duckdb_value_varchar(&res, 2, r);
        char *path = duckdb_value_varchar(&res, 3, r), *sha = duckdb_value_varchar(&res, 4, r);
        rc = !project || !path || file_key(&key, project, duckdb_value_is_null(&res, 2, r) ? NULL : repo, path);
        current_t *c = rc ? NULL : current_new(&key);
        rc = !c;
        if(!rc) {
            c->id = duckdb_value_int64(&res, 0, r);
            c->processed = duckdb_value_boolean(&res, 5, r);
            snprintf(c->sha256, sizeof(c->sha256), "%s", sha ? sha : "");
            rc = map_put(&w->current, c);
        }
        if(rc)
            util_free(c);
        duckdb_free(project);
        duckdb_free(repo);
        duckdb_free(path);
        duckdb_free(sha);
    }
    buf_free(&key);
    duckdb_destroy_result(&res);
    return rc ? -1 : 0;
}

/* ---- opening ---- */

static int prepare(writer_t *w, const char *sql, duckdb_prepared_statement *out)
{
    if(duckdb_prepare(w->conn, sql, out) == DuckDBError) {
        log_error("ingest.prepare_failed", "reason=\"%s\"", duckdb_prepare_error(*out));
        return -1;
    }
    return 0;
}

static void close_appenders(writer_t *w)
{
    store_rows_close(&w->nodes_rows);
    store_rows_close(&w->stmts_rows);
    store_rows_close(&w->edges_rows);
    duckdb_appender *apps[] = {&w->nodes_app, &w->stmts_app, &w->edges_app, &w->files_app, &w->texts_app, &w->done_app};
    for(size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
        if(*apps[i])
            duckdb_appender_destroy(apps[i]);
        *apps[i] = NULL;
    }
}

/* Chunks of the tables' own column types; the edges' two ENUMs must be one byte per row. */
static int open_rows(writer_t *w)
{
    if(store_rows_open(&w->nodes_rows, w->nodes_app, node_cols, NC_COLUMNS) ||
       store_rows_open(&w->stmts_rows, w->stmts_app, stmt_cols, SC_COLUMNS) ||
       store_rows_open(&w->edges_rows, w->edges_app, edge_cols, EC_COLUMNS)) {
        log_error("ingest.appender_failed",
                  "reason=\"the graph tables do not have the columns of migrations 7, 8 and 10\"");
        return -1;
    }
    return 0;
}

/*
 * The files' final state (flush_done): an UPDATE that DuckDB runs on the rows appended to it, joined
 * by id. The UPDATE with a VALUES list of 9 parameters a row, prepared once, was bound again at every
 * run (docs/ingest.md, fourteenth and fifteenth rounds).
 */
static int open_done_appender(writer_t *w)
{
    static const char *const names[DONE_COLUMNS] = {"id",         "status",     "error",         "dialect",   "sha256",
                                                    "size_bytes", "statements", "nodes_created", "updated_at"};
    static const duckdb_type ids[DONE_COLUMNS] = {DUCKDB_TYPE_BIGINT,  DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_VARCHAR,
                                                  DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT,
                                                  DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_TIMESTAMP};
    duckdb_logical_type types[DONE_COLUMNS];
    for(size_t i = 0; i < DONE_COLUMNS; i++)
        types[i] = duckdb_create_logical_type(ids[i]);
    duckdb_state st = duckdb_appender_create_query(
        w->conn,
        "UPDATE files SET status = done.status, error = done.error, dialect = done.dialect, sha256 = done.sha256,"
        " size_bytes = done.size_bytes, statements = done.statements, nodes_created = done.nodes_created,"
        " is_current = true, updated_at = done.updated_at FROM done WHERE files.id = done.id",
        DONE_COLUMNS, types, "done", (const char **)names, &w->done_app);
    for(size_t i = 0; i < DONE_COLUMNS; i++)
        duckdb_destroy_logical_type(&types[i]);
    return st == DuckDBError ? -1 : 0;
}

static int open_appenders(writer_t *w)
{
    close_appenders(w);
    w->dirty = 0;
    if(duckdb_appender_create(w->conn, NULL, "nodes", &w->nodes_app) == DuckDBError ||
       duckdb_appender_create(w->conn, NULL, "statements", &w->stmts_app) == DuckDBError ||
       duckdb_appender_create(w->conn, NULL, "edges", &w->edges_app) == DuckDBError ||
       duckdb_appender_create(w->conn, NULL, "files", &w->files_app) == DuckDBError ||
       duckdb_appender_create(w->conn, NULL, "file_texts", &w->texts_app) == DuckDBError || open_done_appender(w)) {
        log_error("ingest.appender_failed", "reason=\"cannot create the DuckDB appenders\"");
        return -1;
    }
    return open_rows(w);
}

/* The in-memory view of the graph, from the database: at start and after a failed transaction. */
static int load_state(writer_t *w, const atomic_int *stop)
{
    util_free(w->project);
    w->project = NULL;
    nodes_clear(w);
    map_free(&w->current, util_free);
    if(load_nodes(w, stop) || stopped(stop) || load_current(w) ||
       int64_query(w, "SELECT coalesce(max(id), 0) + 1 FROM nodes", &w->next_node_id) ||
       int64_query(w, "SELECT coalesce(max(id), 0) + 1 FROM statements", &w->next_stmt_id) ||
       int64_query(w, "SELECT count(*) FROM statement_sql", &w->legacy_sql) ||
       int64_query(w, "SELECT coalesce(max(id), 0) + 1 FROM files", &w->next_file_id))
        return -1;
    return 0;
}

int writer_open(store_t *store, writer_t **out, char *err, size_t errlen)
{
    *out = NULL;
    writer_t *w = util_calloc(1, sizeof(*w));
    if(!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    map_init(&w->by_name, node_name_key, node_at, &w->pool);
    map_init(&w->by_id, node_id_key, node_at, &w->pool);
    map_init(&w->current, current_key, NULL, NULL);
    w->memory_mb = store_memory_mb(store);
    w->id_max = ID_MAX;
    w->store = store;
    if(store_connect(store, &w->conn)) {
        util_free(w);
        snprintf(err, errlen, "cannot connect to the database");
        return -1;
    }
    /*
     * No row group merging at checkpoints: each group's last row group is a partial one, and merging
     * those rewrote full ones, which cost what writing past the WAL saved (docs/ingest.md "The
     * transaction unit"). When versions were superseded, writer_close puts it back so that the
     * checkpoint at close compacts their deleted rows.
     */
    int rc = exec(w, "SET max_vacuum_tasks = 0") || open_appenders(w) ||
             prepare(w,
                     "UPDATE files SET status = $1, error = $2, sha256 = $3, size_bytes = $4, updated_at = $5"
                     " WHERE id = $6",
                     &w->file_state) ||
             prepare(w, "UPDATE files SET is_current = false, updated_at = $1 WHERE id = $2", &w->file_old) ||
             prepare(w,
                     "INSERT INTO ingestions (id, source, project_id, repository, branch, commit_sha, dialect,"
                     " status, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8)",
                     &w->ing_insert) ||
             prepare(w, "UPDATE ingestions SET input_complete = true, total_files = $1 WHERE id = $2", &w->ing_input) ||
             prepare(w, "UPDATE ingestions SET commit_sha = $1 WHERE id = $2", &w->ing_commit) ||
             prepare(w, "UPDATE ingestions SET branch = $1 WHERE id = $2", &w->ing_branch) ||
             prepare(w,
                     "UPDATE ingestions SET status = $1, finished_at = $2, total_files = $3, files_processed = $4,"
                     " files_failed = $5, files_skipped = $6, nodes_created = $7, error = $8 WHERE id = $9",
                     &w->ing_finish) ||
             prepare(w, "SELECT id FROM projects WHERE name = $1", &w->project_find) ||
             prepare(w, "INSERT INTO projects SELECT coalesce(max(id), 0) + 1, $1 FROM projects RETURNING id",
                     &w->project_add);
    if(rc) {
        snprintf(err, errlen, "cannot prepare the ingest writer on the database");
        writer_close(w);
        return -1;
    }
    *out = w;
    return 0;
}

/* What the node index holds, in bytes: it grows with the graph's distinct names, not with the SQL read. */
static void log_node_map(const writer_t *w)
{
    size_t total = w->pool.block_bytes + w->pool.big_bytes + map_bytes(&w->by_name) + map_bytes(&w->by_id);
    log_info("ingest.node_map", "nodes=%zu bytes=%zu bytes_per_node=%zu", w->by_name.n, total,
             w->by_name.n ? total / w->by_name.n : 0);
}

void writer_close(writer_t *w)
{
    if(!w)
        return;
    log_node_map(w);
    if(w->commits)
        log_info("ingest.commits", "commits=%" PRId64 " memory_limit_sets=%" PRId64, w->commits, w->limit_sets);
    if(w->groups || w->group_retries)
        log_info("ingest.groups", "groups=%" PRId64 " files=%" PRId64 " retried=%" PRId64, w->groups, w->grouped_files,
                 w->group_retries);
    close_appenders(w);
    if(w->superseded && exec(w, "RESET max_vacuum_tasks"))
        log_warn("ingest.vacuum_not_restored", "reason=%s", LOG_Q("the checkpoint at close will not compact tables"));
    duckdb_prepared_statement *sts[] = {&w->file_state, &w->file_old,     &w->ing_insert,
                                        &w->ing_input,  &w->ing_commit,   &w->ing_branch,
                                        &w->ing_finish, &w->project_find, &w->project_add};
    for(size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
        duckdb_destroy_prepare(sts[i]);
    duckdb_disconnect(&w->conn);
    nodes_clear(w);
    map_free(&w->current, util_free);
    util_free(w->new_nodes.v);
    util_free(w->upgraded.v);
    util_free(w->orphans.v);
    util_free(w->edges.v);
    util_free(w->reads.v);
    util_free(w->staged.v);
    done_clear(w);
    util_free(w->done.v);
    util_free(w->project);
    util_free(w);
}

int writer_load(writer_t *w, const atomic_int *stop)
{
    int64_t t0 = time_mono_ms();
    struct timespec c0, c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    if(load_state(w, stop)) {
        nodes_clear(w); /* a half-read graph must not be used */
        map_free(&w->current, util_free);
        return -1;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    log_info("ingest.loaded", "nodes=%zu files=%zu ms=%lld cpu_ms=%.1f", w->by_name.n, w->current.n,
             (long long)(time_mono_ms() - t0),
             (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
    return 0;
}

void writer_interrupt(writer_t *w)
{
    duckdb_interrupt(w->conn);
}

void writer_commit_counts(const writer_t *w, int64_t *commits, int64_t *limit_sets)
{
    *commits = w->commits;
    *limit_sets = w->limit_sets;
}

void writer_group_counts(const writer_t *w, int64_t *groups, int64_t *files)
{
    *groups = w->groups;
    *files = w->grouped_files;
}

int64_t writer_done_flushes(const writer_t *w)
{
    return w->done_flushes;
}

duckdb_connection writer_conn(writer_t *w)
{
    return w->conn;
}

int writer_begin(writer_t *w)
{
    done_clear(w);
    int rc = exec(w, "BEGIN TRANSACTION");
    w->in_txn = !rc;
    return rc;
}

/*
 * Hands the rows appended to these tables (T_* bits) to the transaction, where queries see them.
 * DuckDB 1.4 runs each flush as an INSERT query, planned and optimised (~1.4 M instructions even for
 * a few rows): so only before a query on that table and at commit, never per file.
 */
static int flush_tables(writer_t *w, unsigned tables)
{
    duckdb_appender apps[] = {w->files_app, w->nodes_app, w->stmts_app, w->edges_app, w->texts_app};
    store_rows_t *rows[] = {NULL, &w->nodes_rows, &w->stmts_rows, &w->edges_rows, NULL};
    for(size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
        unsigned bit = 1u << i;
        if(!(w->dirty & tables & bit))
            continue;
        if((rows[i] && store_rows_push(rows[i])) || duckdb_appender_flush(apps[i]) == DuckDBError)
            return append_failed(w, apps[i]);
        w->dirty &= ~bit;
    }
    return 0;
}

static int flush_appenders(writer_t *w)
{
    return flush_tables(w, T_ALL);
}

static void done_clear(writer_t *w)
{
    for(size_t i = 0; i < w->done.n; i++)
        util_free(w->done.v[i].error);
    w->done.n = 0;
}

/*
 * Writes the final state of the transaction's processed files in one UPDATE. One prepared UPDATE
 * per file cost most of a small file's CPU (DuckDB runs each as a query: 54% of the samples
 * ingesting 1,000 one-statement files); before a query that reads those rows (a superseded
 * version's) and at commit. The rows go to the UPDATE through its appender (open_done_appender).
 */
static int flush_done(writer_t *w)
{
    int rc = w->done.n ? flush_tables(w, T_FILES) : 0;
    duckdb_appender a = w->done_app;
    for(size_t i = 0; i < w->done.n && !rc; i++) {
        const file_done_t *d = &w->done.v[i];
        duckdb_append_int64(a, d->id);
        append_str(a, d->status);
        append_str(a, d->error);
        append_str(a, d->dialect);
        append_str(a, d->sha256);
        duckdb_append_int64(a, d->size);
        duckdb_append_int32(a, (int32_t)d->statements);
        duckdb_append_int32(a, (int32_t)d->nodes_created);
        duckdb_append_timestamp(a, d->at);
        if(duckdb_appender_end_row(a) == DuckDBError)
            rc = append_failed(w, a);
    }
    if(!rc && w->done.n) {
        rc = duckdb_appender_flush(a) == DuckDBError ? append_failed(w, a) : 0;
        w->done_flushes += !rc;
    }
    done_clear(w);
    return rc;
}

static int commit(writer_t *w);

int writer_commit(writer_t *w)
{
    w->staged.n = 0;
    return commit(w);
}

/* A failed transaction leaves appenders unusable and the in-memory graph ahead of the database. */
static void reload_after_failure(writer_t *w)
{
    if(open_appenders(w) || load_state(w, NULL))
        log_error("ingest.reload_failed", "reason=\"cannot reload the graph state after a failed transaction\"");
}

/* Only a transaction still open is rolled back: a failed COMMIT has ended it already (commit()). */
void writer_rollback(writer_t *w)
{
    done_clear(w);
    if(!w->in_txn)
        return;
    exec(w, "ROLLBACK");
    w->in_txn = 0;
    reload_after_failure(w);
}

/* ---- ingestions and file rows ---- */

int writer_ingestion_insert(writer_t *w, const writer_ingestion_t *ing, int64_t started_ms)
{
    duckdb_prepared_statement st = w->ing_insert;
    bind_str(st, 1, ing->id);
    bind_str(st, 2, ing->source);
    bind_str(st, 3, ing->project);
    bind_str(st, 4, ing->repository);
    bind_str(st, 5, ing->branch);
    bind_str(st, 6, ing->commit);
    bind_str(st, 7, ing->dialect);
    duckdb_timestamp t = {started_ms * 1000};
    duckdb_bind_timestamp(st, 8, t);
    return run(w, st);
}

int writer_ingestion_input_complete(writer_t *w, const char *id, int64_t total)
{
    duckdb_bind_int64(w->ing_input, 1, total);
    bind_str(w->ing_input, 2, id);
    return run(w, w->ing_input);
}

int writer_ingestion_set_commit(writer_t *w, const char *id, const char *commit)
{
    bind_str(w->ing_commit, 1, commit);
    bind_str(w->ing_commit, 2, id);
    return run(w, w->ing_commit);
}

int writer_ingestion_set_branch(writer_t *w, const char *id, const char *branch)
{
    bind_str(w->ing_branch, 1, branch);
    bind_str(w->ing_branch, 2, id);
    return run(w, w->ing_branch);
}

int writer_ingestion_finish(writer_t *w, const char *id, const char *status, const writer_totals_t *t,
                            const char *error, int64_t finished_ms)
{
    duckdb_prepared_statement st = w->ing_finish;
    bind_str(st, 1, status);
    duckdb_bind_timestamp(st, 2, (duckdb_timestamp){finished_ms * 1000});
    duckdb_bind_int64(st, 3, t->total);
    duckdb_bind_int64(st, 4, t->processed);
    duckdb_bind_int64(st, 5, t->failed);
    duckdb_bind_int64(st, 6, t->skipped);
    duckdb_bind_int64(st, 7, t->nodes_created);
    bind_str(st, 8, error);
    bind_str(st, 9, id);
    return run(w, st);
}

int writer_snapshot(writer_t *w, int64_t nodes, int64_t edges, int64_t files, int64_t keep_s)
{
    char sql[256];
    int64_t now_us = time_now_ms() * 1000;
    snprintf(sql, sizeof(sql),
             "INSERT INTO stats_snapshots VALUES (make_timestamp(%" PRId64 "), %" PRId64 ", %" PRId64 ", %" PRId64 ");"
             "DELETE FROM stats_snapshots WHERE taken_at < make_timestamp(%" PRId64 ")",
             now_us, nodes, edges, files, now_us - keep_s * 1000000);
    return exec(w, sql);
}

int writer_file_add(writer_t *w, writer_file_t *f, const char *skip_reason)
{
    duckdb_appender a = w->files_app;
    duckdb_timestamp now = now_ts();
    f->id = w->next_file_id++;
    duckdb_append_int64(a, f->id);
    append_str(a, f->ingestion_id);
    append_str(a, f->project);
    append_str(a, f->repository);
    append_str(a, f->path);
    char *disk = f->disk_path ? utf8_clean_dup(f->disk_path) : NULL;
    append_str(a, disk);
    util_free(disk);
    duckdb_append_bool(a, f->owned);
    duckdb_append_null(a); /* dialect */
    duckdb_append_null(a); /* sha256 */
    if(skip_reason && f->skip_size >= 0)
        duckdb_append_int64(a, f->skip_size);
    else
        duckdb_append_null(a); /* size_bytes: set once read */
    append_str(a, skip_reason ? "skipped" : "pending");
    append_str(a, skip_reason);
    duckdb_append_bool(a, false);
    duckdb_append_null(a); /* statements */
    duckdb_append_null(a); /* nodes_created */
    duckdb_append_timestamp(a, now);
    duckdb_append_timestamp(a, now);
    return end_row(w, a);
}

/* Runs "PREFIX (id, id, ...)SUFFIX" over `ids`, IN_LIST_MAX at a time. */
static int exec_in_list(writer_t *w, const char *prefix, const int64_t *ids, node_t *const *nodes, size_t n)
{
    buf_t sql;
    buf_init(&sql, SQL_TEXT_MAX);
    int rc = 0;
    for(size_t i = 0; i < n && !rc; i += IN_LIST_MAX) {
        buf_reset(&sql);
        rc = buf_printf(&sql, "%s (", prefix);
        for(size_t j = i; j < n && j < i + IN_LIST_MAX && !rc; j++)
            rc = buf_printf(&sql, "%s%" PRId64, j > i ? "," : "", ids ? ids[j] : nodes[j]->id);
        rc = rc ? rc : buf_addc(&sql, ')');
        rc = rc ? rc : exec(w, sql.data);
    }
    buf_free(&sql);
    return rc;
}

int writer_files_processing(writer_t *w, const int64_t *ids, size_t n)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "UPDATE files SET status = 'processing' WHERE status = 'pending' AND id IN");
    return flush_tables(w, T_FILES) || exec_in_list(w, prefix, ids, NULL, n) ? -1 : 0;
}

int writer_file_state(writer_t *w, int64_t id, const char *status, const char *error, const parsed_file_t *p)
{
    if(flush_tables(w, T_FILES))
        return -1;
    duckdb_prepared_statement st = w->file_state;
    bind_str(st, 1, status);
    bind_str(st, 2, error);
    bind_str(st, 3, p && p->sha256[0] ? p->sha256 : NULL);
    if(p && p->size)
        duckdb_bind_int64(st, 4, p->size);
    else
        duckdb_bind_null(st, 4);
    duckdb_bind_timestamp(st, 5, now_ts());
    duckdb_bind_int64(st, 6, id);
    return run(w, st);
}

int writer_current_sha(writer_t *w, const writer_file_t *f, char out[SHA256_HEX_LEN])
{
    out[0] = '\0';
    buf_t key;
    buf_init(&key, 1u << 20);
    if(file_key(&key, f->project, f->repository, f->path)) {
        buf_free(&key);
        return -1;
    }
    const current_t *cur = map_get(&w->current, key.data, key.len);
    buf_free(&key);
    if(!cur || cur->id < 0 || !cur->sha256[0])
        return 0;
    memcpy(out, cur->sha256, SHA256_HEX_LEN);
    return 1;
}

/* ---- one file's graph ---- */

typedef struct build {
    writer_t *w;
    const writer_file_t *f;
    buf_t key;
    node_t *file_node;
    int failed;
    const parsed_stmt_t *stmt; /* the statement whose edges are being built */
    /* references to names the lineage index leaves out (longer than GRAPH_MAX_NAME); the first's size, statement */
    size_t long_names, long_len;
    const parsed_stmt_t *long_stmt;
} build_t;

static int is_temporary(const char *name)
{
    return name[0] == '#' || name[0] == '@';
}

/* The node for (kind, name), created when new; NULL (and b->failed) when out of memory. */
static node_t *node_ref(build_t *b, enum node_kind kind, const char *name, size_t len)
{
    writer_t *w = b->w;
    if(len > GRAPH_MAX_NAME && !b->long_names++) {
        b->long_len = len;
        b->long_stmt = kind == NK_FILE ? NULL : b->stmt;
    }
    if(b->failed || name_key(&b->key, kind, name, len)) {
        b->failed = 1;
        return NULL;
    }
    uint64_t h = map_hash(&w->by_name, b->key.data, b->key.len);
    node_t *n = map_find(&w->by_name, h, b->key.data, b->key.len);
    if(!n) {
        n = node_add(w, h, b->key.data, b->key.len, w->next_node_id, kind);
        if(!n || VEC_PUSH(w->new_nodes, n)) {
            if(n)
                node_drop(w, n);
            b->failed = 1;
            return NULL;
        }
        w->next_node_id++;
        n->is_new = 1;
        return n;
    }
    if(kind == NK_VIEW && n->kind == NK_TABLE) {
        n->kind = NK_VIEW;
        if(!n->is_new && VEC_PUSH(w->upgraded, n))
            b->failed = 1;
    }
    return n;
}

static node_t *table_ref(build_t *b, const char *name, int view)
{
    return node_ref(b, view ? NK_VIEW : NK_TABLE, name, strlen(name));
}

/* The index of a column lineage subtype; NO_TRANSFORMATION for none, -1 for one the schema lacks. */
static int transformation_code(const char *name)
{
    if(!name)
        return NO_TRANSFORMATION;
    for(size_t i = 0; i < sizeof(transformations) / sizeof(transformations[0]); i++) {
        if(strcmp(name, transformations[i]) == 0)
            return (int)i;
    }
    log_error("ingest.unknown_transformation", "name=\"%s\"", name);
    return -1;
}

static void edge_with(build_t *b, node_t *source, node_t *target, enum edge_kind kind, int64_t stmt,
                      const char *transformation)
{
    if(b->failed || !source || !target || source == target)
        return;
    int code = transformation_code(transformation);
    if(code < 0) {
        b->failed = 1;
        return;
    }
    edge_t e = {source->id, target->id, stmt, (uint8_t)kind, (uint8_t)code};
    if(VEC_PUSH(b->w->edges, e)) {
        b->failed = 1;
        return;
    }
    source->refs++;
    target->refs++;
}

static void edge(build_t *b, node_t *source, node_t *target, enum edge_kind kind, int64_t stmt)
{
    edge_with(b, source, target, kind, stmt, NULL);
}

/* A column whose table is the first `table_len` bytes of its name, and that table's CONTAINS edge (once per file). */
static node_t *column_in(build_t *b, const char *name, size_t table_len, int64_t stmt)
{
    node_t *col = node_ref(b, NK_COLUMN, name, strlen(name));
    if(col && col->contains_epoch != b->w->epoch) {
        col->contains_epoch = b->w->epoch;
        edge(b, node_ref(b, NK_TABLE, name, table_len), col, EK_CONTAINS, stmt);
    }
    return col;
}

/* A column "table.column" and its table's CONTAINS edge; NULL for a bare column. */
static node_t *column_ref(build_t *b, const char *name, int64_t stmt)
{
    const char *dot = strrchr(name, '.');
    if(!dot || dot == name || !dot[1])
        return NULL;
    return column_in(b, name, (size_t)(dot - name), stmt);
}

/*
 * A source column: "table.column", or a bare name the engine could not give a table (a statement
 * reading several), kept as a column node of that name with no table for the index to attribute.
 */
static node_t *source_ref(build_t *b, const char *name, int64_t stmt)
{
    if(strchr(name, '.') || !name[0] || strcmp(name, "*") == 0)
        return column_ref(b, name, stmt);
    return node_ref(b, NK_COLUMN, name, strlen(name));
}

/*
 * A column a DDL statement defines: its CONTAINS edge is marked DEFINED and kept for every such
 * statement, so the index knows a table's whole column list from the statements that define it.
 * One that ALTER TABLE drops (or renames away) is marked DROPPED: the index applies it.
 */
static void defined_column(build_t *b, const char *name, int64_t stmt, const char *mark)
{
    const char *dot = strrchr(name, '.');
    if(!dot || dot == name || !dot[1])
        return;
    node_t *col = node_ref(b, NK_COLUMN, name, strlen(name));
    if(col)
        col->contains_epoch = b->w->epoch;
    edge_with(b, node_ref(b, NK_TABLE, name, (size_t)(dot - name)), col, EK_CONTAINS, stmt, mark);
}

/*
 * The length of the written table a column target belongs to, 0 for none: a plain SELECT names its
 * outputs bare or as expressions ("COUNT(t.x)"), which are no table's columns. The table is a
 * written one followed by a dot, not the text before the last dot: an unaliased expression is
 * named by its text, dots and all ("tab1.a.col1 + a.col2" was dropped as a column of "tab1.a.col1 + a").
 */
static size_t written_table_len(const parsed_stmt_t *s, const char *target)
{
    size_t best = 0;
    for(uint32_t i = 0; i < s->nwrites; i++) {
        size_t len = strlen(s->writes[i]);
        if(len > best && strncasecmp(s->writes[i], target, len) == 0 && target[len] == '.' && target[len + 1])
            best = len;
    }
    return best;
}

static int is_routine(const char *kind)
{
    return strcmp(kind, "create_procedure") == 0 || strcmp(kind, "create_function") == 0;
}

/* A CREATE that defines the tables it writes: a trigger's, rule's or macro's writes are its body's. */
static int defines_writes(const char *kind)
{
    return strncmp(kind, "create_", 7) == 0 && strcmp(kind, "create_trigger") != 0 &&
           strcmp(kind, "create_rule") != 0 && strcmp(kind, "create_macro") != 0;
}

static node_t *file_node(build_t *b)
{
    if(!b->file_node)
        b->file_node = node_ref(b, NK_FILE, b->f->path, strlen(b->f->path));
    return b->file_node;
}

static void statement_edges(build_t *b, const parsed_stmt_t *s, int64_t sid)
{
    const char *routine = s->name && is_routine(s->kind) ? s->name : NULL;
    node_t *proc = routine ? node_ref(b, NK_PROCEDURE, routine, strlen(routine)) : NULL;
    node_t *actor = proc ? proc : file_node(b);
    int creates = defines_writes(s->kind);
    int view = strcmp(s->kind, "create_view") == 0;
    writer_t *w = b->w;
    w->reads.n = 0;
    for(uint32_t i = 0; i < s->nreads && !b->failed; i++) {
        node_t *read = table_ref(b, s->reads[i], 0);
        if(VEC_PUSH(w->reads, read))
            b->failed = 1;
        edge(b, actor, read, EK_READS_FROM, sid);
    }
    for(uint32_t i = 0; i < s->nwrites; i++) {
        node_t *t = table_ref(b, s->writes[i], view && s->name && strcmp(s->name, s->writes[i]) == 0);
        edge(b, actor, t, EK_WRITES_TO, sid);
        if(creates && !proc)
            edge(b, t, file_node(b), EK_DEFINED_IN, sid);
        /* a routine's reads and writes mix its statements': its flows say which fed which */
        for(size_t r = 0; !s->nflows && r < w->reads.n; r++)
            edge(b, w->reads.v[r], t, EK_DERIVES, sid);
    }
    for(uint32_t i = 0; i < s->nflows; i++)
        edge(b, table_ref(b, s->flow_from[i], 0),
             table_ref(b, s->flow_to[i], view && s->name && strcmp(s->name, s->flow_to[i]) == 0), EK_DERIVES, sid);
    if(proc)
        edge(b, proc, file_node(b), EK_DEFINED_IN, sid);
    for(uint32_t i = 0; i < s->ncalls; i++)
        edge(b, actor, node_ref(b, NK_PROCEDURE, s->calls[i], strlen(s->calls[i])), EK_CALLS, sid);
    for(uint32_t i = 0; i < s->ndefines; i++)
        defined_column(b, s->defines[i], sid, "DEFINED");
    for(uint32_t i = 0; i < s->nundefines; i++)
        defined_column(b, s->undefines[i], sid, "DROPPED");
    for(uint32_t i = 0; i < s->ncolumns; i++) {
        const parsed_column_t *c = &s->columns[i];
        size_t table_len = written_table_len(s, c->target);
        if(!table_len)
            continue;
        node_t *target = column_in(b, c->target, table_len, sid);
        for(uint32_t j = 0; target && j < c->nsources; j++)
            edge_with(b, source_ref(b, c->sources[j], sid), target, EK_DERIVES, sid, c->subtypes[j]);
    }
}

static void reset_scratch(writer_t *w)
{
    w->new_nodes.n = w->upgraded.n = w->orphans.n = w->edges.n = 0;
}

/*
 * The edges of file `file_id` as a condition on their statement (edges have no file_id since
 * migration 11). The writer gives a file's statements consecutive ids, so that is a range DuckDB
 * checks against each row group's minimum and maximum; a file whose ids are not one run (none
 * written by this writer) is matched through its statements instead.
 */
static int file_edges_where(writer_t *w, int64_t file_id, char *out, size_t cap)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT min(id)::BIGINT, max(id)::BIGINT, count(*)::BIGINT FROM statements WHERE file_id = %" PRId64,
             file_id);
    duckdb_result res;
    if(duckdb_query(w->conn, sql, &res) == DuckDBError) {
        int rc = query_failed(w, &res);
        duckdb_destroy_result(&res);
        return rc;
    }
    int64_t lo = duckdb_value_int64(&res, 0, 0), hi = duckdb_value_int64(&res, 1, 0),
            n = duckdb_value_int64(&res, 2, 0);
    duckdb_destroy_result(&res);
    if(!n)
        snprintf(out, cap, "false");
    else if(hi - lo + 1 == n)
        snprintf(out, cap, "statement_id BETWEEN %" PRId64 " AND %" PRId64, lo, hi);
    else
        snprintf(out, cap, "statement_id IN (SELECT id FROM statements WHERE file_id = %" PRId64 ")", file_id);
    return 0;
}

/* Drops the old version's edges (those matching `where`) from the counts; nodes left with none become orphans. */
static int release_old(writer_t *w, const char *where, int64_t *removed_edges)
{
    if(by_id_build(w))
        return -1;
    char sql[192];
    snprintf(sql, sizeof(sql), "SELECT source, target FROM edges WHERE %s", where);
    duckdb_result res;
    if(duckdb_query(w->conn, sql, &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return -1;
    }
    idx_t rows = duckdb_row_count(&res);
    int rc = 0;
    for(idx_t r = 0; r < rows && !rc; r++) {
        for(idx_t c = 0; c < 2 && !rc; c++) {
            node_t *n = node_by_id(w, duckdb_value_int64(&res, c, r));
            if(n && --n->refs <= 0 && !n->orphan) {
                n->orphan = 1;
                rc = VEC_PUSH(w->orphans, n);
            }
        }
    }
    *removed_edges = (int64_t)rows;
    duckdb_destroy_result(&res);
    return rc;
}

/* Ends a row of nodes, statements or edges; `bit` is its table's (T_*). */
static int rows_end(writer_t *w, store_rows_t *r, unsigned bit)
{
    w->dirty |= bit;
    return store_rows_end(r) ? append_failed(w, r->app) : 0;
}

static void row_str(store_rows_t *r, idx_t col, const char *s)
{
    store_rows_str(r, col, s, s ? strlen(s) : 0);
}

/* A statement row: the text is stored once per file in file_texts, the statement keeps where its own part is (6). */
static int append_statement(writer_t *w, int64_t id, int64_t file_id, size_t ordinal, const char *kind,
                            const char *name, uint32_t line, uint32_t column, const char *error,
                            const parsed_sql_t *sql)
{
    store_rows_t *r = &w->stmts_rows;
    store_rows_i64(r, SC_ID, id);
    store_rows_i64(r, SC_FILE, file_id);
    store_rows_i32(r, SC_ORDINAL, (int32_t)ordinal);
    row_str(r, SC_KIND, kind);
    row_str(r, SC_NAME, name);
    store_rows_i32(r, SC_LINE, (int32_t)line);
    store_rows_i32(r, SC_COLUMN, (int32_t)column);
    row_str(r, SC_ERROR, error);
    store_rows_i32(r, SC_SQL_LINE, (int32_t)sql->line);
    store_rows_i32(r, SC_SQL_COLUMN, (int32_t)sql->column);
    store_rows_i64(r, SC_SQL_OFFSET, sql->offset);
    store_rows_i64(r, SC_SQL_LENGTH, sql->length);
    return rows_end(w, r, T_STMTS);
}

/* Every id is at most ID_MAX: stage checked the ones this file took. */
static int append_edges(writer_t *w)
{
    store_rows_t *r = &w->edges_rows;
    for(size_t i = 0; i < w->edges.n; i++) {
        const edge_t *e = &w->edges.v[i];
        store_rows_u32(r, EC_SOURCE, (uint32_t)e->source);
        store_rows_u32(r, EC_TARGET, (uint32_t)e->target);
        store_rows_u8(r, EC_KIND, e->kind);
        store_rows_u32(r, EC_STATEMENT, (uint32_t)e->statement_id);
        if(e->transformation == NO_TRANSFORMATION)
            store_rows_null(r, EC_TRANSFORMATION);
        else
            store_rows_u8(r, EC_TRANSFORMATION, e->transformation);
        if(rows_end(w, r, T_EDGES))
            return -1;
    }
    return 0;
}

/* The first column of a prepared statement's single row, as a 32-bit id; -1 when it failed or has none. */
static int32_t run_id(writer_t *w, duckdb_prepared_statement st)
{
    duckdb_result res;
    int32_t id = -1;
    if(duckdb_execute_prepared(st, &res) == DuckDBError)
        query_failed(w, &res);
    else if(duckdb_row_count(&res) == 1 && !duckdb_value_is_null(&res, 0, 0))
        id = duckdb_value_int32(&res, 0, 0);
    duckdb_destroy_result(&res);
    return id;
}

/*
 * A project's id in projects, added in the open transaction when new: a node row carries that id,
 * not the name (migration 12). The last project is remembered; files come by ingestion, one project each.
 */
static int32_t project_ref(writer_t *w, const char *project)
{
    if(w->project && strcmp(w->project, project) == 0)
        return w->project_id;
    if(!utf8_valid(project, strlen(project))) {
        log_error("ingest.append_failed", "reason=%s", LOG_Q("the project name is not valid UTF-8"));
        return -1;
    }
    duckdb_bind_varchar(w->project_find, 1, project);
    int32_t id = run_id(w, w->project_find);
    if(id < 0) {
        duckdb_bind_varchar(w->project_add, 1, project);
        id = run_id(w, w->project_add);
    }
    char *copy = id < 0 ? NULL : util_strdup(project);
    if(!copy)
        return -1;
    util_free(w->project);
    w->project = copy;
    w->project_id = id;
    return id;
}

static int append_graph(writer_t *w, const writer_file_t *f, const parsed_file_t *p, int64_t first_sid,
                        const char *project)
{
    duckdb_timestamp now = now_ts();
    int32_t project_id = w->new_nodes.n ? project_ref(w, project) : 0;
    if(project_id < 0)
        return -1;
    store_rows_t *r = &w->nodes_rows;
    for(size_t i = 0; i < w->new_nodes.n; i++) {
        node_t *n = w->new_nodes.v[i];
        const char *name = n->key + 1;
        store_rows_i64(r, NC_ID, n->id);
        store_rows_u8(r, NC_KIND, n->kind);
        /* names were made valid on the workers; the vectors take bytes unchecked */
        store_rows_str(r, NC_NAME, name, n->klen - 1);
        store_rows_i32(r, NC_PROJECT, project_id);
        store_rows_bool(r, NC_TEMPORARY, n->kind != NK_FILE && is_temporary(name));
        store_rows_ts(r, NC_FIRST_SEEN, now);
        if(rows_end(w, r, T_NODES))
            return -1;
    }
    for(size_t i = 0; i < p->nstmts; i++) {
        const parsed_stmt_t *s = &p->stmts[i];
        if(append_statement(w, first_sid + (int64_t)i, f->id, i, s->kind, s->name, s->line, s->column, NULL,
                            &s->sql))
            return -1;
    }
    /* Statements that did not parse: kind 'error', where they start, and why. */
    for(size_t i = 0; i < p->nerrors; i++) {
        const parsed_error_t *e = &p->errors[i];
        if(append_statement(w, first_sid + (int64_t)(p->nstmts + i), f->id, p->nstmts + i, "error", NULL, e->line,
                            e->column, e->message, &e->sql))
            return -1;
    }
    if(p->text.data) {
        duckdb_append_int64(w->texts_app, f->id);
        duckdb_append_varchar_length(w->texts_app, p->text.data, p->text.len);
        if(end_row(w, w->texts_app))
            return -1;
    }
    return append_edges(w);
}

/*
 * The first parse error as "file:line:column: message", and how many more there are; without
 * errors, the first warning the same way ("file:line:column: warning: message"): the file is
 * processed, and its result says what of its lineage was cut.
 */
static char *error_sentence(const writer_file_t *f, const parsed_file_t *p)
{
    const parsed_error_t *first = p->nerrors ? p->errors : p->warnings;
    if(!first)
        return NULL;
    char text[1024];
    size_t more = p->nerrors ? p->nerrors - 1 + p->errors_dropped : p->nwarnings - 1 + p->warnings_dropped;
    int n = snprintf(text, sizeof(text), "%s:%u:%u: %s%s", f->path, first->line, first->column,
                     p->nerrors ? "" : "warning: ", first->message);
    if(more && n >= 0 && (size_t)n < sizeof(text))
        snprintf(text + n, sizeof(text) - (size_t)n, " (and %zu more)", more);
    return util_strdup(text);
}

/*
 * Names longer than GRAPH_MAX_NAME are stored but the lineage index leaves them out, so search,
 * lineage and chat never show them: said as the file's warning (its parse error or other warning
 * first, when it has one) and logged.
 */
static char *unindexed_sentence(const writer_file_t *f, const parsed_file_t *p, const build_t *b)
{
    log_warn("ingest.names_unindexed", "ingestion=%s file=%s references=%zu first_bytes=%zu limit=%d reason=\"stored, "
             "but left out of the lineage index: search, lineage and chat do not show them\"",
             f->ingestion_id ? f->ingestion_id : "-", LOG_Q(f->path), b->long_names, b->long_len, GRAPH_MAX_NAME);
    if(p->nerrors || p->nwarnings)
        return error_sentence(f, p);
    size_t cap = strlen(f->path) + 256;
    char *text = util_malloc(cap);
    if(text)
        snprintf(text, cap,
                 "%s:%u:%u: warning: a name of %zu bytes is longer than the %d that search, lineage and chat take: it "
                 "is stored, but they do not show it",
                 f->path, b->long_stmt ? b->long_stmt->line : 1, b->long_stmt ? b->long_stmt->column : 1, b->long_len,
                 GRAPH_MAX_NAME);
    return text;
}

static int mark_file_done(writer_t *w, const writer_file_t *f, const parsed_file_t *p, const writer_result_t *res)
{
    file_done_t d = {.id = f->id,
                     .size = (int64_t)p->size,
                     .statements = (int64_t)p->nstmts,
                     .nodes_created = res->nodes_created,
                     .status = res->status,
                     .dialect = sql_dialect_name(p->dialect),
                     .at = now_ts()};
    memcpy(d.sha256, p->sha256, sizeof(d.sha256));
    if(res->error && !(d.error = util_strdup(res->error)))
        return -1;
    if(VEC_PUSH(w->done, d)) {
        util_free(d.error);
        return -1;
    }
    return 0;
}

static int count_tables(node_t *const *v, size_t n)
{
    int c = 0;
    for(size_t i = 0; i < n; i++)
        c += v[i]->kind == NK_TABLE || v[i]->kind == NK_VIEW;
    return c;
}

static int64_t count_shown(node_t *const *v, size_t n)
{
    int64_t c = 0;
    for(size_t i = 0; i < n; i++)
        c += !v[i]->bare;
    return c;
}

/*
 * Whether the staged files are in the database as done: each row carries its version's hash and a
 * final status. A transaction is all or nothing, so this is all of them or none.
 */
static int staged_committed(writer_t *w)
{
    buf_t sql;
    buf_init(&sql, SQL_TEXT_MAX);
    int rc = buf_adds(&sql, "SELECT count(*) FROM files WHERE status IN ('processed', 'error', 'skipped') AND (");
    for(size_t i = 0; i < w->staged.n && !rc; i++)
        rc = buf_printf(&sql, "%s(id = %" PRId64 " AND sha256 = '%s')", i ? " OR " : "", w->staged.v[i].id,
                        w->staged.v[i].sha256);
    rc = rc ? rc : buf_addc(&sql, ')');
    duckdb_result res;
    int found = !rc && duckdb_query(w->conn, sql.data, &res) == DuckDBSuccess &&
                duckdb_value_int64(&res, 0, 0) == (int64_t)w->staged.n;
    if(!rc)
        duckdb_destroy_result(&res);
    buf_free(&sql);
    return found;
}

/*
 * Sets DuckDB's memory limit to `mb` MiB; 0 or -1. Only a file stored again after running out does:
 * each change runs DuckDB's BufferPool::SetLimit, which purges every allocator arena and trims every
 * heap of the process (Allocator::FlushAll), and the next files fault it all in again. Commits fit in
 * the room the limit keeps for them (STORE_COMMIT_ROOM_MB); they must: a COMMIT that failed for memory
 * could leave DuckDB 1.4's table state broken, and the next append on that table abort the process
 * ("Segment tree index not found ..."; test_ingest's 16 MiB case, 3 of 12 runs without room or raise).
 */
static int set_memory_limit(writer_t *w, int mb)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "SET memory_limit = '%dMiB'", mb);
    w->limit_sets++;
    return exec(w, sql);
}

/* The limit a file stored again after running out gets for itself. */
static int raised_limit(int mb)
{
    return mb < 64 ? 256 : 4 * mb;
}

/*
 * Commits the transaction; a failure is rolled back. With staged files: DuckDB checkpoints inside
 * the commit that takes its WAL past 16 MiB, and when that checkpoint fails (out of its memory
 * limit) it reports the commit as failed although the transaction is already in the WAL and stays:
 * the files are then stored, and only the checkpoint is left to a later commit.
 */
static int commit(writer_t *w)
{
    int rc = flush_done(w);
    rc = rc ? rc : flush_appenders(w);
    w->commits += !rc;
    if(!rc && exec(w, "COMMIT")) {
        rc = -1;
        /* DuckDB takes the transaction off the connection before committing it: a failed COMMIT leaves
         * none to roll back (a ROLLBACK would only log "no transaction is active"). */
        w->in_txn = 0;
        /* DuckDB 1.4 reports a commit that ran out of its limit as a transaction error ("Failed to
         * commit: failed to pin block ..."), without the out-of-memory type: any failed commit may be it. */
        w->oom = 1;
        if(w->staged.n && staged_committed(w)) {
            w->in_txn = 0;
            w->oom = 0;
            log_warn("ingest.checkpoint_failed", "files=%zu reason=%s", w->staged.n,
                     LOG_Q("the files are stored; DuckDB checkpoints at a later commit"));
            return open_appenders(w); /* fresh ones: they saw the failure */
        }
    }
    if(rc && w->in_txn)
        writer_rollback(w);
    else if(rc)
        reload_after_failure(w);
    return rc;
}

/*
 * Stages one file in the open transaction: its statements, nodes and edges, the version it
 * supersedes and the nodes that leaves without edges. The in-memory graph moves with it, so the
 * next file of a group sees it; -1 leaves the transaction for the caller to roll back (which reloads
 * that state from the database).
 */
static int stage(writer_t *w, const writer_file_t *f, const parsed_file_t *p, writer_result_t *res)
{
    memset(res, 0, sizeof(*res));
    reset_scratch(w);
    staged_t st = {.id = f->id};
    memcpy(st.sha256, p->sha256, sizeof(st.sha256));
    if(VEC_PUSH(w->staged, st))
        return -1;
    build_t b = {.w = w, .f = f};
    buf_init(&b.key, 1u << 20);
    if(file_key(&b.key, f->project, f->repository, f->path)) {
        buf_free(&b.key);
        return -1;
    }
    current_t *cur = map_get(&w->current, b.key.data, b.key.len);
    if(cur && strcmp(cur->sha256, p->sha256) == 0) {
        buf_free(&b.key);
        res->duplicate = 1;
        res->status = "skipped";
        return writer_file_state(w, f->id, "skipped", "duplicate: the same content is already current", p);
    }
    if(p->hashed_only) {
        /* never stored as a version without its statements; the caller re-parses it first */
        buf_free(&b.key);
        log_error("ingest.hashed_only_changed", "file=%s", LOG_Q(f->path));
        return -1;
    }
    if(!cur) {
        if(!(cur = current_new(&b.key)) || map_put(&w->current, cur)) {
            util_free(cur);
            buf_free(&b.key);
            return -1;
        }
        cur->id = -1;
    }

    w->epoch++;
    int64_t first_sid = w->next_stmt_id;
    for(size_t i = 0; i < p->nstmts && !b.failed; i++) {
        b.stmt = &p->stmts[i];
        statement_edges(&b, b.stmt, first_sid + (int64_t)i);
    }
    buf_free(&b.key);
    int64_t removed_edges = 0;
    int rc = b.failed || !ids_fit(w, first_sid + (int64_t)(p->nstmts + p->nerrors) - 1) ? -1 : 0;
    if(!rc && cur->id >= 0) {
        char sql[160];
        w->superseded++;
        /* that version may be an earlier file of this group, its rows still in the appenders */
        rc = flush_done(w);
        rc = rc ? rc : flush_tables(w, T_FILES | T_STMTS | T_EDGES | T_TEXTS);
        char where[128];
        rc = rc ? rc : file_edges_where(w, cur->id, where, sizeof(where));
        rc = rc ? rc : release_old(w, where, &removed_edges);
        snprintf(sql, sizeof(sql), "DELETE FROM edges WHERE %s", where);
        rc = rc ? rc : exec(w, sql);
        snprintf(sql, sizeof(sql),
                 "DELETE FROM statement_sql WHERE statement_id IN (SELECT id FROM statements WHERE file_id = %" PRId64
                 ")",
                 cur->id);
        rc = rc || !w->legacy_sql ? rc : exec(w, sql);
        snprintf(sql, sizeof(sql), "DELETE FROM statements WHERE file_id = %" PRId64, cur->id);
        rc = rc ? rc : exec(w, sql);
        snprintf(sql, sizeof(sql), "DELETE FROM file_texts WHERE file_id = %" PRId64, cur->id);
        rc = rc ? rc : exec(w, sql);
        if(!rc) {
            duckdb_bind_timestamp(w->file_old, 1, now_ts());
            duckdb_bind_int64(w->file_old, 2, cur->id);
            rc = run(w, w->file_old);
        }
    }
    if(!rc && w->orphans.n) {
        rc = flush_tables(w, T_NODES);
        rc = rc ? rc : exec_in_list(w, "DELETE FROM nodes WHERE id IN", NULL, w->orphans.v, w->orphans.n);
    }
    rc = rc ? rc : append_graph(w, f, p, first_sid, f->project);
    if(!rc && w->upgraded.n) {
        rc = flush_tables(w, T_NODES);
        rc =
            rc ? rc : exec_in_list(w, "UPDATE nodes SET kind = 'view' WHERE id IN", NULL, w->upgraded.v, w->upgraded.n);
    }
    res->status = p->nerrors ? "error" : "processed";
    res->error = b.long_names ? unindexed_sentence(f, p, &b) : error_sentence(f, p);
    res->nodes_created = (int64_t)w->new_nodes.n;
    rc = rc ? rc : flush_tables(w, T_FILES);
    rc = rc ? rc : mark_file_done(w, f, p, res);
    if(rc) {
        util_free(res->error);
        res->error = NULL;
        return -1;
    }
    for(size_t i = 0; i < w->new_nodes.n; i++)
        w->new_nodes.v[i]->is_new = 0;
    int orphan_tables = count_tables(w->orphans.v, w->orphans.n);
    res->delta.nodes = count_shown(w->new_nodes.v, w->new_nodes.n) - count_shown(w->orphans.v, w->orphans.n);
    res->delta.edges = (int64_t)w->edges.n - removed_edges;
    res->delta.table_nodes = count_tables(w->new_nodes.v, w->new_nodes.n) - orphan_tables;
    res->delta.files_processed = (p->nerrors ? 0 : 1) - (cur->id >= 0 && cur->processed ? 1 : 0);
    for(size_t i = 0; i < w->orphans.n; i++)
        node_drop(w, w->orphans.v[i]);
    cur->id = f->id;
    cur->processed = !p->nerrors;
    memcpy(cur->sha256, p->sha256, sizeof(cur->sha256));
    w->next_stmt_id += (int64_t)(p->nstmts + p->nerrors);
    return 0;
}

static void results_clear(writer_result_t *res, size_t n)
{
    for(size_t i = 0; i < n; i++) {
        util_free(res[i].error);
        res[i].error = NULL;
    }
}

/* One file, one transaction. */
static int store_once(writer_t *w, const writer_file_t *f, const parsed_file_t *p, writer_result_t *res)
{
    w->staged.n = 0;
    int rc = writer_begin(w);
    rc = rc ? rc : stage(w, f, p, res);
    rc = rc ? rc : commit(w);
    if(rc) {
        results_clear(res, 1);
        if(w->in_txn)
            writer_rollback(w);
        return -1;
    }
    return 0;
}

/*
 * DuckDB checkpoints inside the commit that takes its WAL past 16 MiB, and that checkpoint can need
 * more than the memory limit ("could not allocate block": bench_ingest 64 lost a file in 3 of 4 runs
 * at 64 MiB); so can a large file's appends under a small limit. The transaction is rolled back
 * then, so the file is stored again once with the limit raised for it and put back after: the limit
 * bounds DuckDB's cache, it never costs a file.
 */
int writer_store_file(writer_t *w, const writer_file_t *f, const parsed_file_t *p, writer_result_t *res)
{
    w->oom = 0;
    int rc = store_once(w, f, p, res);
    if(!rc || !w->oom || !w->memory_mb)
        return rc;
    int raised = raised_limit(w->memory_mb);
    log_warn("ingest.retry_with_memory", "file=%s memory_limit_mb=%d retry_mb=%d reason=%s", LOG_Q(f->path),
             w->memory_mb, raised, LOG_Q("storing the file ran out of DuckDB's memory limit, or its commit failed"));
    if(set_memory_limit(w, raised))
        return rc;
    rc = store_once(w, f, p, res);
    if(set_memory_limit(w, w->memory_mb))
        log_warn("ingest.memory_limit_kept", "memory_limit_mb=%d reason=%s", raised,
                 LOG_Q("DuckDB could not free enough to go back to the limit; it stays raised"));
    return rc;
}

/*
 * Group commit (docs/ingest.md "The transaction unit"). A transaction closes once its edges fill
 * one of DuckDB's row groups: from then on DuckDB writes the appended rows straight into the
 * database file instead of the WAL, and moves them into the table at commit without copying. The
 * bytes and the count bound what a failed group costs to store again, and DuckDB's memory for it.
 */
#define GROUP_ROWS  122880u    /* DuckDB's row group size */
#define GROUP_BYTES (8u << 20) /* of SQL text */
#define GROUP_FILES 64u

void writer_store_files(writer_t *w, size_t n, const writer_file_t *const *f, const parsed_file_t *const *p,
                        writer_result_t *res, int *rc)
{
    for(size_t i = 0; i < n;) {
        if(i + 1 == n) { /* alone: at once, as a single upload always is */
            rc[i] = writer_store_file(w, f[i], p[i], &res[i]);
            i++;
            continue;
        }
        size_t start = i, rows = 0, bytes = 0;
        w->staged.n = 0;
        w->oom = 0;
        int failed = writer_begin(w);
        while(!failed && i < n && i - start < GROUP_FILES && rows < GROUP_ROWS && bytes < GROUP_BYTES) {
            failed = stage(w, f[i], p[i], &res[i]);
            rows += w->edges.n;
            bytes += p[i]->size;
            i++;
        }
        failed = failed ? failed : commit(w);
        if(!failed) {
            w->groups++;
            w->grouped_files += (int64_t)(i - start);
            for(size_t k = start; k < i; k++)
                rc[k] = 0;
            continue;
        }
        /* Nothing of the group is stored: each file alone gets its own outcome (and memory retry). */
        if(w->in_txn)
            writer_rollback(w);
        results_clear(res + start, i - start);
        w->group_retries++;
        log_warn("ingest.group_retried", "files=%zu reason=%s", i - start,
                 LOG_Q("the group's transaction failed; its files are stored one by one"));
        for(size_t k = start; k < i; k++)
            rc[k] = writer_store_file(w, f[k], p[k], &res[k]);
    }
}
