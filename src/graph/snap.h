/* The snapshot's layout, shared by the files of src/graph/ only. */
#ifndef LINEAGED_GRAPH_SNAP_H
#define LINEAGED_GRAPH_SNAP_H

#include "graph/graph.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define GRAPH_NOSTR UINT32_MAX

/* One distinct key (a whole name or a tail of one); its nodes are name_refs[first .. first + count). */
typedef struct graph_name_entry {
    uint64_t hash;
    uint32_t off; /* the key in the lower-cased pool */
    uint32_t len;
    uint32_t first, count; /* count 0: empty slot */
} graph_name_entry_t;

typedef struct graph_name_ref {
    int node;
    uint8_t full; /* the whole name, not a suffix */
} graph_name_ref_t;

struct graph_snap {
    atomic_int ref;
    int n, m, nstmt, nfiles;
    /* nodes */
    int64_t *node_id;
    uint8_t *kind, *temp;
    uint32_t *name_off, *name_len; /* into pool (as written) and lpool (lower-cased) */
    int *table_of;                 /* column -> its table (CONTAINS), or -1 */
    /* edges */
    int *esrc, *edst, *estmt;
    uint8_t *ekind;
    uint32_t *etrans;
    int *out_off, *out_e, *in_off, *in_e;
    /* statements, sorted by id */
    int64_t *stmt_id;
    int *stmt_file, *stmt_line;
    uint32_t *stmt_kind, *stmt_routine, *stmt_error;
    int *stmt_eoff, *stmt_e;
    /* files */
    int64_t *file_id;
    uint32_t *file_path, *file_disk, *file_repo, *file_project, *file_dialect, *file_commit, *file_branch;
    /* strings */
    char *pool, *lpool;
    /* names: open addressing on distinct keys; a tail such as "id" shared by many columns is one
     * slot, so neither building nor looking it up walks a run of equal keys */
    graph_name_entry_t *names;
    uint32_t names_cap;
    graph_name_ref_t *name_refs;
    /* graph_snap_derived's value, built on first use */
    pthread_mutex_t derived_lock;
    void *derived;
    void (*derived_drop)(void *);
};

/* The builder's rows, before graph_builder_finish makes them a snapshot. */
typedef struct bnode {
    int64_t id;
    uint32_t name;
    uint32_t len;
    uint8_t kind, temp;
} bnode_t;

typedef struct bfile {
    int64_t id;
    uint32_t path, disk, repo, project, dialect, commit, branch;
} bfile_t;

typedef struct bstmt {
    int64_t id, file;
    int line;
    uint32_t kind, routine, error;
} bstmt_t;

typedef struct bedge {
    int64_t src, dst, stmt;
    int64_t file; /* the file whose statement made it, or -1 (rows not read from the store) */
    uint32_t trans;
    uint8_t kind;
} bedge_t;

struct graph_builder {
    bnode_t *nodes;
    size_t nnodes, cnodes;
    bfile_t *files;
    size_t nfiles, cfiles;
    bstmt_t *stmts;
    size_t nstmts, cstmts;
    bedge_t *edges;
    size_t nedges, cedges;
    char *pool;
    size_t plen, pcap;
    size_t garbage; /* pool bytes of rows removed since (src/graph/base.c) */
    int failed;
    const atomic_int *stop; /* set by another thread to cut a read or a build short; kept by clones */
};

/* Whether another thread asked a read or build to stop (src/graph/index.c, at shutdown). */
static inline int graph_stop_asked(const atomic_int *stop)
{
    return stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* An int64 -> dense index map (open addressing, linear probing). */
typedef struct graph_idmap {
    int64_t *keys;
    int *vals;
    size_t cap;
} graph_idmap_t;
int graph_idmap_init(graph_idmap_t *m, size_t n);
void graph_idmap_free(graph_idmap_t *m);
/* Returns the existing value when the key is present. */
int graph_idmap_put(graph_idmap_t *m, int64_t key, int val);
int graph_idmap_get(const graph_idmap_t *m, int64_t key);

/*
 * The catalog across files (src/graph/catalog.c): expands column edges through `t.*` with the
 * columns DDL anywhere defines for t. Runs on the builder's rows at every snapshot build.
 */
int graph_catalog_expand(graph_builder_t *b);

/* The index's base (src/graph/base.c): the store's rows kept between builds, file by file. */
/*
 * Rows of the files in `gone` leave `base` with their statements and edges, `fresh` (new current
 * files, their statements and edges, and every node those edges name as the store holds it now)
 * comes in, and a node whose last edge left goes too, as the writer deletes it. Consumes `fresh`.
 */
int graph_base_apply(graph_builder_t *base, const int64_t *gone, size_t ngone, graph_builder_t *fresh);

uint64_t graph_hash_lower(const char *s, size_t len);
const char *graph_str(const graph_snap_t *s, uint32_t off);
const graph_name_entry_t *graph_name_slot(const graph_snap_t *s, const char *key, size_t len);

#endif
