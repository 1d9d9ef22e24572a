/* Building a snapshot: rows in, compact arrays out (CSR both ways, a name table, a string pool). */
#include "graph/snap.h"
#include "util/alloc.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POOL_MAX ((size_t)UINT32_MAX - 1)
#define MAX_ROWS (64 * 1000 * 1000)

static const char *const kind_names[GRAPH_KIND_COUNT] = {"table", "view", "column", "procedure", "file"};
static const char *const edge_kind_names[GRAPH_EDGE_KIND_COUNT] = {"DERIVES",  "READS_FROM", "WRITES_TO",
                                                                   "CONTAINS", "DEFINED_IN", "CALLS"};

const char *graph_kind_name(graph_kind_t kind)
{
    return (unsigned)kind < GRAPH_KIND_COUNT ? kind_names[kind] : "unknown";
}

int graph_kind_from_name(const char *name, graph_kind_t *out)
{
    for(int i = 0; i < GRAPH_KIND_COUNT; i++)
        if(strcasecmp(name, kind_names[i]) == 0) {
            *out = (graph_kind_t)i;
            return 0;
        }
    return GRAPH_ERR_ARG;
}

const char *graph_edge_kind_name(graph_edge_kind_t kind)
{
    return (unsigned)kind < GRAPH_EDGE_KIND_COUNT ? edge_kind_names[kind] : "UNKNOWN";
}

int graph_edge_kind_from_name(const char *name, graph_edge_kind_t *out)
{
    for(int i = 0; i < GRAPH_EDGE_KIND_COUNT; i++)
        if(strcasecmp(name, edge_kind_names[i]) == 0) {
            *out = (graph_edge_kind_t)i;
            return 0;
        }
    return GRAPH_ERR_ARG;
}

const char *graph_strerror(int code)
{
    switch(code) {
    case GRAPH_OK: return "ok";
    case GRAPH_ERR_NOMEM: return "out of memory";
    case GRAPH_ERR_ARG: return "invalid argument";
    case GRAPH_ERR_TOO_BIG: return "the graph is larger than the index allows";
    case GRAPH_ERR_STORE: return "the graph could not be read from the database";
    case GRAPH_ERR_NOT_FOUND: return "not found";
    case GRAPH_ERR_AMBIGUOUS: return "the name matches several nodes";
    case GRAPH_ERR_STOPPED: return "stopped";
    default: return "unknown error";
    }
}

uint64_t graph_hash_lower(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for(size_t i = 0; i < len; i++) {
        h ^= (unsigned char)tolower((unsigned char)s[i]);
        h *= 1099511628211ull;
    }
    return h;
}

const char *graph_str(const graph_snap_t *s, uint32_t off)
{
    return off == GRAPH_NOSTR ? NULL : s->pool + off;
}

graph_builder_t *graph_builder_new(void)
{
    return util_calloc(1, sizeof(graph_builder_t));
}

void graph_builder_free(graph_builder_t *b)
{
    if(!b)
        return;
    util_free(b->nodes);
    util_free(b->files);
    util_free(b->stmts);
    util_free(b->edges);
    util_free(b->pool);
    util_free(b);
}

/* Grows *arr to hold one more element of `size` bytes. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if(n < *cap)
        return 0;
    if(n >= MAX_ROWS)
        return GRAPH_ERR_TOO_BIG;
    size_t ncap = *cap ? *cap * 2 : 256;
    void *p = util_realloc(*arr, ncap * size);
    if(!p)
        return GRAPH_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int intern(graph_builder_t *b, const char *str, uint32_t *off, uint32_t *lenp)
{
    if(!str) {
        *off = GRAPH_NOSTR;
        if(lenp)
            *lenp = 0;
        return 0;
    }
    size_t len = strlen(str);
    if(b->plen + len + 1 > POOL_MAX)
        return GRAPH_ERR_TOO_BIG;
    if(b->plen + len + 1 > b->pcap) {
        size_t ncap = b->pcap ? b->pcap : 4096;
        while(ncap < b->plen + len + 1)
            ncap *= 2;
        if(ncap > POOL_MAX)
            ncap = POOL_MAX;
        char *p = util_realloc(b->pool, ncap);
        if(!p)
            return GRAPH_ERR_NOMEM;
        b->pool = p;
        b->pcap = ncap;
    }
    memcpy(b->pool + b->plen, str, len + 1);
    *off = (uint32_t)b->plen;
    if(lenp)
        *lenp = (uint32_t)len;
    b->plen += len + 1;
    return 0;
}

#define CHECK(b, expr)                                                                                                 \
    do {                                                                                                               \
        int rc_ = (expr);                                                                                              \
        if(rc_) {                                                                                                      \
            (b)->failed = rc_;                                                                                         \
            return rc_;                                                                                                \
        }                                                                                                              \
    } while(0)

int graph_builder_add_node(graph_builder_t *b, int64_t id, graph_kind_t kind, const char *name, int temporary)
{
    if(!name || (unsigned)kind >= GRAPH_KIND_COUNT || strlen(name) > GRAPH_MAX_NAME)
        return GRAPH_ERR_ARG;
    if(b->nnodes >= GRAPH_MAX_NODES)
        CHECK(b, GRAPH_ERR_TOO_BIG);
    CHECK(b, grow((void **)&b->nodes, &b->cnodes, b->nnodes, sizeof(bnode_t)));
    bnode_t *n = &b->nodes[b->nnodes];
    CHECK(b, intern(b, name, &n->name, &n->len));
    n->id = id;
    n->kind = (uint8_t)kind;
    n->temp = temporary ? 1 : 0;
    b->nnodes++;
    return 0;
}

int graph_builder_add_file(graph_builder_t *b, int64_t id, const graph_file_row_t *row)
{
    CHECK(b, grow((void **)&b->files, &b->cfiles, b->nfiles, sizeof(bfile_t)));
    bfile_t *f = &b->files[b->nfiles];
    f->id = id;
    CHECK(b, intern(b, row->path, &f->path, NULL));
    CHECK(b, intern(b, row->disk_path, &f->disk, NULL));
    CHECK(b, intern(b, row->repository, &f->repo, NULL));
    CHECK(b, intern(b, row->project, &f->project, NULL));
    CHECK(b, intern(b, row->dialect, &f->dialect, NULL));
    CHECK(b, intern(b, row->commit, &f->commit, NULL));
    CHECK(b, intern(b, row->branch, &f->branch, NULL));
    b->nfiles++;
    return 0;
}

int graph_builder_add_statement(graph_builder_t *b, int64_t id, int64_t file_id, int line, const char *kind,
                                const char *routine, const char *error)
{
    CHECK(b, grow((void **)&b->stmts, &b->cstmts, b->nstmts, sizeof(bstmt_t)));
    bstmt_t *st = &b->stmts[b->nstmts];
    st->id = id;
    st->file = file_id;
    st->line = line;
    CHECK(b, intern(b, kind, &st->kind, NULL));
    CHECK(b, intern(b, routine, &st->routine, NULL));
    CHECK(b, intern(b, error, &st->error, NULL));
    b->nstmts++;
    return 0;
}

int graph_builder_add_edge(graph_builder_t *b, int64_t source, int64_t target, graph_edge_kind_t kind,
                           int64_t statement_id, const char *transformation)
{
    if((unsigned)kind >= GRAPH_EDGE_KIND_COUNT)
        return GRAPH_ERR_ARG;
    if(b->nedges >= GRAPH_MAX_EDGES)
        CHECK(b, GRAPH_ERR_TOO_BIG);
    CHECK(b, grow((void **)&b->edges, &b->cedges, b->nedges, sizeof(bedge_t)));
    bedge_t *e = &b->edges[b->nedges];
    e->src = source;
    e->dst = target;
    e->stmt = statement_id;
    e->file = -1;
    e->kind = (uint8_t)kind;
    CHECK(b, intern(b, transformation, &e->trans, NULL));
    b->nedges++;
    return 0;
}

static void snap_free(graph_snap_t *s)
{
    void *arrays[] = {s->node_id,      s->kind,         s->temp,      s->name_off,   s->name_len,    s->table_of,
                      s->esrc,         s->edst,         s->estmt,     s->ekind,      s->etrans,      s->out_off,
                      s->out_e,        s->in_off,       s->in_e,      s->stmt_id,    s->stmt_file,   s->stmt_line,
                      s->stmt_kind,    s->stmt_routine, s->file_disk, s->stmt_error, s->file_commit, s->file_branch,
                      s->stmt_eoff,    s->stmt_e,       s->file_id,   s->file_path,  s->file_repo,   s->file_project,
                      s->file_dialect, s->pool,         s->lpool,     s->names,      s->name_refs};
    for(size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        util_free(arrays[i]);
    if(s->derived)
        s->derived_drop(s->derived);
    pthread_mutex_destroy(&s->derived_lock);
    util_free(s);
}

graph_snap_t *graph_snap_retain(graph_snap_t *s)
{
    if(s)
        atomic_fetch_add(&s->ref, 1);
    return s;
}

void graph_snap_release(graph_snap_t *s)
{
    if(s && atomic_fetch_sub(&s->ref, 1) == 1)
        snap_free(s);
}

const void *graph_snap_derived(const graph_snap_t *snap, void *(*build)(void *arg), void *arg, void (*drop)(void *))
{
    graph_snap_t *s = (graph_snap_t *)snap; /* the slot is the only part of a snapshot that changes */
    pthread_mutex_lock(&s->derived_lock);
    if(!s->derived && (s->derived = build(arg)) != NULL)
        s->derived_drop = drop;
    void *v = s->derived;
    pthread_mutex_unlock(&s->derived_lock);
    return v;
}

static uint64_t mix64(int64_t k)
{
    uint64_t x = (uint64_t)k;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

int graph_idmap_init(graph_idmap_t *m, size_t n)
{
    m->cap = 16;
    while(m->cap < n * 2)
        m->cap *= 2;
    m->keys = util_malloc(m->cap * sizeof(int64_t));
    m->vals = util_malloc(m->cap * sizeof(int));
    if(!m->keys || !m->vals)
        return GRAPH_ERR_NOMEM;
    for(size_t i = 0; i < m->cap; i++)
        m->vals[i] = -1;
    return 0;
}

void graph_idmap_free(graph_idmap_t *m)
{
    util_free(m->keys);
    util_free(m->vals);
}

/* Returns the existing value when the key is present. */
int graph_idmap_put(graph_idmap_t *m, int64_t key, int val)
{
    size_t i = mix64(key) & (m->cap - 1);
    while(m->vals[i] >= 0) {
        if(m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    return val;
}

int graph_idmap_get(const graph_idmap_t *m, int64_t key)
{
    size_t i = mix64(key) & (m->cap - 1);
    while(m->vals[i] >= 0) {
        if(m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

static int cmp_stmt(const void *a, const void *b)
{
    int64_t x = ((const bstmt_t *)a)->id, y = ((const bstmt_t *)b)->id;
    return (x > y) - (x < y);
}

/* The slot of key (lower-cased pool bytes), or the empty slot where it belongs. */
static graph_name_entry_t *name_slot(graph_name_entry_t *names, uint32_t cap, const char *lpool, const char *key,
                                     uint32_t len, uint64_t h)
{
    uint32_t i = (uint32_t)(h & (cap - 1));
    while(names[i].count && (names[i].hash != h || names[i].len != len || memcmp(lpool + names[i].off, key, len) != 0))
        i = (i + 1) & (cap - 1);
    return &names[i];
}

const graph_name_entry_t *graph_name_slot(const graph_snap_t *s, const char *key, size_t len)
{
    const graph_name_entry_t *e =
        name_slot(s->names, s->names_cap, s->lpool, key, (uint32_t)len, graph_hash_lower(key, len));
    return e->count ? e : NULL;
}

/* Pass 0 counts a key's nodes (creating its slot); pass 1 files the node under it, `first` serving
 * as the cursor until build_names puts it back. */
static void name_add(graph_snap_t *s, int pass, int node, uint32_t off, uint32_t len, int full)
{
    const char *key = s->lpool + off;
    uint64_t h = graph_hash_lower(key, len);
    graph_name_entry_t *e = name_slot(s->names, s->names_cap, s->lpool, key, len, h);
    if(pass == 0) {
        if(!e->count)
            *e = (graph_name_entry_t){.hash = h, .off = off, .len = len};
        e->count++;
    } else {
        s->name_refs[e->first++] = (graph_name_ref_t){.node = node, .full = (uint8_t)full};
    }
}

/* Every node under its full name and under each tail after a '.' (or a '/' for files). */
/* GRAPH_ERR_STOPPED as soon as `stop` (may be NULL) is set: on a large graph this is the longest step. */
static int build_names(graph_snap_t *s, const atomic_int *stop)
{
    size_t keys = 0;
    for(int v = 0; v < s->n; v++) {
        const char *nm = s->lpool + s->name_off[v];
        char sep = s->kind[v] == GRAPH_FILE ? '/' : '.';
        keys++;
        for(uint32_t i = 0; i < s->name_len[v]; i++)
            keys += nm[i] == sep;
    }
    s->names_cap = 16;
    while(s->names_cap < keys * 2)
        s->names_cap *= 2;
    s->names = util_calloc(s->names_cap, sizeof(graph_name_entry_t));
    s->name_refs = util_malloc((keys + 1) * sizeof(graph_name_ref_t));
    if(!s->names || !s->name_refs)
        return GRAPH_ERR_NOMEM;
    for(int pass = 0; pass < 2; pass++) {
        for(int v = 0; v < s->n; v++) {
            if(!(v & 0xffff) && graph_stop_asked(stop))
                return GRAPH_ERR_STOPPED;
            uint32_t off = s->name_off[v], len = s->name_len[v];
            const char *nm = s->lpool + off;
            char sep = s->kind[v] == GRAPH_FILE ? '/' : '.';
            name_add(s, pass, v, off, len, 1);
            for(uint32_t i = 0; i < len; i++)
                if(nm[i] == sep && i + 1 < len)
                    name_add(s, pass, v, off + i + 1, len - i - 1, 0);
        }
        /* after counting, each key's range in name_refs */
        uint32_t next = 0;
        for(uint32_t i = 0; pass == 0 && i < s->names_cap; i++) {
            s->names[i].first = next;
            next += s->names[i].count;
        }
    }
    for(uint32_t i = 0; i < s->names_cap; i++)
        s->names[i].first -= s->names[i].count;
    return 0;
}

#define ALLOC(ptr, count)                                                                                              \
    do {                                                                                                               \
        (ptr) = util_calloc((size_t)(count) + 1, sizeof(*(ptr)));                                                      \
        if(!(ptr))                                                                                                     \
            goto nomem;                                                                                                \
    } while(0)

int graph_builder_finish(graph_builder_t *b, graph_snap_t **out)
{
    *out = NULL;
    int rc = b->failed ? b->failed : graph_stop_asked(b->stop) ? GRAPH_ERR_STOPPED : graph_catalog_expand(b);
    if(rc) {
        graph_builder_free(b);
        return rc;
    }
    rc = GRAPH_ERR_NOMEM; /* what `goto nomem` below reports; `goto stop` reports GRAPH_ERR_STOPPED */
    graph_idmap_t nodes = {0}, files = {0};
    int *fill = NULL;
    graph_snap_t *s = util_calloc(1, sizeof(graph_snap_t));
    if(!s)
        goto nomem;
    atomic_init(&s->ref, 1);
    pthread_mutex_init(&s->derived_lock, NULL);
    if(graph_idmap_init(&nodes, b->nnodes) || graph_idmap_init(&files, b->nfiles))
        goto nomem;

    /* Nodes: duplicate ids keep the first row. */
    ALLOC(s->node_id, b->nnodes);
    ALLOC(s->kind, b->nnodes);
    ALLOC(s->temp, b->nnodes);
    ALLOC(s->name_off, b->nnodes);
    ALLOC(s->name_len, b->nnodes);
    ALLOC(s->table_of, b->nnodes);
    for(size_t i = 0; i < b->nnodes; i++) {
        bnode_t *bn = &b->nodes[i];
        if(graph_idmap_put(&nodes, bn->id, s->n) != s->n)
            continue;
        int v = s->n++;
        s->node_id[v] = bn->id;
        s->kind[v] = bn->kind;
        s->temp[v] = bn->temp;
        s->name_off[v] = bn->name;
        s->name_len[v] = bn->len;
        s->table_of[v] = -1;
    }

    ALLOC(s->file_id, b->nfiles);
    ALLOC(s->file_path, b->nfiles);
    ALLOC(s->file_disk, b->nfiles);
    ALLOC(s->file_commit, b->nfiles);
    ALLOC(s->file_branch, b->nfiles);
    ALLOC(s->file_repo, b->nfiles);
    ALLOC(s->file_project, b->nfiles);
    ALLOC(s->file_dialect, b->nfiles);
    for(size_t i = 0; i < b->nfiles; i++) {
        bfile_t *f = &b->files[i];
        if(graph_idmap_put(&files, f->id, s->nfiles) != s->nfiles)
            continue;
        int k = s->nfiles++;
        s->file_id[k] = f->id;
        s->file_path[k] = f->path;
        s->file_disk[k] = f->disk;
        s->file_commit[k] = f->commit;
        s->file_branch[k] = f->branch;
        s->file_repo[k] = f->repo;
        s->file_project[k] = f->project;
        s->file_dialect[k] = f->dialect;
    }

    if(b->nstmts)
        qsort(b->stmts, b->nstmts, sizeof(bstmt_t), cmp_stmt);
    ALLOC(s->stmt_id, b->nstmts);
    ALLOC(s->stmt_file, b->nstmts);
    ALLOC(s->stmt_line, b->nstmts);
    ALLOC(s->stmt_kind, b->nstmts);
    ALLOC(s->stmt_routine, b->nstmts);
    ALLOC(s->stmt_error, b->nstmts);
    for(size_t i = 0; i < b->nstmts; i++) {
        bstmt_t *st = &b->stmts[i];
        if(s->nstmt && s->stmt_id[s->nstmt - 1] == st->id)
            continue;
        int k = s->nstmt++;
        s->stmt_id[k] = st->id;
        s->stmt_file[k] = graph_idmap_get(&files, st->file);
        s->stmt_line[k] = st->line;
        s->stmt_kind[k] = st->kind;
        s->stmt_routine[k] = st->routine;
        s->stmt_error[k] = st->error;
    }

    if(graph_stop_asked(b->stop))
        goto stop;
    /* Edges with both ends known; statements found by binary search over the sorted ids. */
    ALLOC(s->esrc, b->nedges);
    ALLOC(s->edst, b->nedges);
    ALLOC(s->estmt, b->nedges);
    ALLOC(s->ekind, b->nedges);
    ALLOC(s->etrans, b->nedges);
    for(size_t i = 0; i < b->nedges; i++) {
        bedge_t *e = &b->edges[i];
        int a = graph_idmap_get(&nodes, e->src), z = graph_idmap_get(&nodes, e->dst);
        if(a < 0 || z < 0)
            continue;
        int k = s->m++;
        s->esrc[k] = a;
        s->edst[k] = z;
        s->ekind[k] = e->kind;
        s->etrans[k] = e->trans;
        int lo = 0, hi = s->nstmt - 1, found = -1;
        while(lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            if(s->stmt_id[mid] == e->stmt) {
                found = mid;
                break;
            }
            if(s->stmt_id[mid] < e->stmt)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        s->estmt[k] = found;
        if(e->kind == GRAPH_CONTAINS && s->kind[z] == GRAPH_COLUMN)
            s->table_of[z] = a;
    }

    if(graph_stop_asked(b->stop))
        goto stop;
    /* CSR both ways, and edges grouped by statement. */
    ALLOC(s->out_off, s->n + 1);
    ALLOC(s->in_off, s->n + 1);
    ALLOC(s->out_e, s->m);
    ALLOC(s->in_e, s->m);
    ALLOC(s->stmt_eoff, s->nstmt + 1);
    ALLOC(s->stmt_e, s->m);
    for(int k = 0; k < s->m; k++) {
        s->out_off[s->esrc[k] + 1]++;
        s->in_off[s->edst[k] + 1]++;
        if(s->estmt[k] >= 0)
            s->stmt_eoff[s->estmt[k] + 1]++;
    }
    for(int v = 0; v < s->n; v++) {
        s->out_off[v + 1] += s->out_off[v];
        s->in_off[v + 1] += s->in_off[v];
    }
    for(int k = 0; k < s->nstmt; k++)
        s->stmt_eoff[k + 1] += s->stmt_eoff[k];
    size_t fill_n = (size_t)(s->n > s->nstmt ? s->n : s->nstmt) + 1;
    fill = util_calloc(fill_n, sizeof(int));
    if(!fill)
        goto nomem;
    for(int k = 0; k < s->m; k++)
        s->out_e[s->out_off[s->esrc[k]] + fill[s->esrc[k]]++] = k;
    memset(fill, 0, fill_n * sizeof(int));
    for(int k = 0; k < s->m; k++)
        s->in_e[s->in_off[s->edst[k]] + fill[s->edst[k]]++] = k;
    memset(fill, 0, fill_n * sizeof(int));
    for(int k = 0; k < s->m; k++)
        if(s->estmt[k] >= 0)
            s->stmt_e[s->stmt_eoff[s->estmt[k]] + fill[s->estmt[k]]++] = k;

    if(graph_stop_asked(b->stop))
        goto stop;
    /* The pool moves to the snapshot; a lower-cased twin serves lookups. */
    s->pool = b->pool ? b->pool : util_calloc(1, 1);
    b->pool = NULL;
    if(!s->pool)
        goto nomem;
    ALLOC(s->lpool, b->plen);
    utf8_lower(s->lpool, s->pool, b->plen);
    if((rc = build_names(s, b->stop)))
        goto fail;

    util_free(fill);
    graph_idmap_free(&nodes);
    graph_idmap_free(&files);
    graph_builder_free(b);
    *out = s;
    return 0;
stop:
    rc = GRAPH_ERR_STOPPED;
nomem:
fail:
    util_free(fill);
    graph_idmap_free(&nodes);
    graph_idmap_free(&files);
    if(s)
        snap_free(s);
    graph_builder_free(b);
    return rc;
}

int graph_node_count(const graph_snap_t *s)
{
    return s->n;
}

int graph_edge_count(const graph_snap_t *s)
{
    return s->m;
}

const char *graph_node_name(const graph_snap_t *s, int node)
{
    return s->pool + s->name_off[node];
}

graph_kind_t graph_node_kind(const graph_snap_t *s, int node)
{
    return (graph_kind_t)s->kind[node];
}

int graph_node_temporary(const graph_snap_t *s, int node)
{
    return s->temp[node];
}

int64_t graph_node_db_id(const graph_snap_t *s, int node)
{
    return s->node_id[node];
}

int graph_edge_source(const graph_snap_t *s, int edge)
{
    return s->esrc[edge];
}

int graph_edge_target(const graph_snap_t *s, int edge)
{
    return s->edst[edge];
}

graph_edge_kind_t graph_edge_kind(const graph_snap_t *s, int edge)
{
    return (graph_edge_kind_t)s->ekind[edge];
}

const char *graph_edge_transformation(const graph_snap_t *s, int edge)
{
    return graph_str(s, s->etrans[edge]);
}

int graph_statement_at(const graph_snap_t *s, int k, graph_stmt_info_t *out)
{
    if(k < 0 || k >= s->nstmt)
        return GRAPH_ERR_NOT_FOUND;
    int f = s->stmt_file[k];
    *out = (graph_stmt_info_t){
        .file = f >= 0 ? graph_str(s, s->file_path[f]) : NULL,
        .disk_path = f >= 0 ? graph_str(s, s->file_disk[f]) : NULL,
        .repository = f >= 0 ? graph_str(s, s->file_repo[f]) : NULL,
        .project = f >= 0 ? graph_str(s, s->file_project[f]) : NULL,
        .dialect = f >= 0 ? graph_str(s, s->file_dialect[f]) : NULL,
        .commit = f >= 0 ? graph_str(s, s->file_commit[f]) : NULL,
        .branch = f >= 0 ? graph_str(s, s->file_branch[f]) : NULL,
        .line = s->stmt_line[k],
        .kind = graph_str(s, s->stmt_kind[k]),
        .routine = graph_str(s, s->stmt_routine[k]),
        .error = graph_str(s, s->stmt_error[k]),
        .id = s->stmt_id[k],
        .file_index = f,
    };
    return 0;
}

int graph_edge_statement(const graph_snap_t *s, int edge, graph_stmt_info_t *out)
{
    return graph_statement_at(s, s->estmt[edge], out);
}

int graph_out_edges(const graph_snap_t *s, int node, const int **edges)
{
    *edges = s->out_e + s->out_off[node];
    return s->out_off[node + 1] - s->out_off[node];
}

int graph_in_edges(const graph_snap_t *s, int node, const int **edges)
{
    *edges = s->in_e + s->in_off[node];
    return s->in_off[node + 1] - s->in_off[node];
}

int graph_statement_count(const graph_snap_t *s)
{
    return s->nstmt;
}

int graph_statement_edges(const graph_snap_t *s, int index, const int **edges)
{
    *edges = s->stmt_e + s->stmt_eoff[index];
    return s->stmt_eoff[index + 1] - s->stmt_eoff[index];
}

static int is_defined(const graph_snap_t *s, int e)
{
    const char *t = graph_str(s, s->etrans[e]);
    return t && strcmp(t, "DEFINED") == 0;
}

/* Whether a CONTAINS edge of the table before its i-th out-edge reaches `c` (a DDL's only, or any). */
static int seen_before(const graph_snap_t *s, int table, int i, int c, int defined_only)
{
    for(int j = s->out_off[table]; j < i; j++) {
        int e = s->out_e[j];
        if(s->edst[e] == c && s->ekind[e] == GRAPH_CONTAINS && (!defined_only || is_defined(s, e)))
            return 1;
    }
    return 0;
}

int graph_columns(const graph_snap_t *s, int table, int *cols, int max)
{
    /* CONTAINS is stored once per file that names the column: each column once. First those a DDL
     * defines, in its order (the order its edges were written); then the others in the order they
     * were first seen (their ids), not the order the store happened to return the edges in. */
    int total = 0;
    for(int i = s->out_off[table]; i < s->out_off[table + 1]; i++) {
        int e = s->out_e[i], c = s->edst[e];
        if(s->ekind[e] != GRAPH_CONTAINS || s->kind[c] != GRAPH_COLUMN || !is_defined(s, e) ||
           seen_before(s, table, i, c, 1))
            continue;
        if(total < max)
            cols[total] = c;
        total++;
    }
    int defined = total;
    for(int i = s->out_off[table]; i < s->out_off[table + 1]; i++) {
        int e = s->out_e[i], c = s->edst[e], dup = 0;
        if(s->ekind[e] != GRAPH_CONTAINS || s->kind[c] != GRAPH_COLUMN || seen_before(s, table, i, c, 0))
            continue;
        for(int j = s->out_off[table]; j < s->out_off[table + 1] && !dup; j++)
            dup = s->edst[s->out_e[j]] == c && s->ekind[s->out_e[j]] == GRAPH_CONTAINS && is_defined(s, s->out_e[j]);
        if(dup)
            continue;
        int k = total < max ? total : max;
        while(k > defined && s->node_id[cols[k - 1]] > s->node_id[c]) {
            if(k < max)
                cols[k] = cols[k - 1];
            k--;
        }
        if(k < max)
            cols[k] = c;
        total++;
    }
    return total;
}

int graph_column_table(const graph_snap_t *s, int column)
{
    return s->table_of[column];
}

int graph_file_count(const graph_snap_t *s)
{
    return s->nfiles;
}

int graph_file_at(const graph_snap_t *s, int index, const char **path, const char **disk_path)
{
    if(index < 0 || index >= s->nfiles)
        return GRAPH_ERR_NOT_FOUND;
    *path = graph_str(s, s->file_path[index]);
    *disk_path = graph_str(s, s->file_disk[index]);
    return 0;
}
