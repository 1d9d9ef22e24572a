/*
 * The in-memory lineage index: an immutable snapshot of the graph in DuckDB (docs/graph.md) as
 * compact adjacency arrays in both directions, keyed by dense node ids. Queries read a snapshot and
 * never touch DuckDB; a rebuild publishes a new snapshot (src/graph/index.c).
 */
#ifndef LINEAGED_GRAPH_GRAPH_H
#define LINEAGED_GRAPH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

enum graph_error {
    GRAPH_OK = 0,
    GRAPH_ERR_NOMEM = -1,
    GRAPH_ERR_ARG = -2,
    GRAPH_ERR_TOO_BIG = -3,
    GRAPH_ERR_STORE = -4,
    GRAPH_ERR_NOT_FOUND = -5,
    GRAPH_ERR_AMBIGUOUS = -6,
    GRAPH_ERR_STOPPED = -7,
};

typedef enum graph_kind {
    GRAPH_TABLE = 0,
    GRAPH_VIEW,
    GRAPH_COLUMN,
    GRAPH_PROCEDURE,
    GRAPH_FILE,
    GRAPH_KIND_COUNT
} graph_kind_t;

#define GRAPH_MASK(k)     (1u << (k))
#define GRAPH_MASK_TABLES (GRAPH_MASK(GRAPH_TABLE) | GRAPH_MASK(GRAPH_VIEW))
#define GRAPH_MASK_ALL    ((1u << GRAPH_KIND_COUNT) - 1)

typedef enum graph_edge_kind {
    GRAPH_DERIVES = 0,
    GRAPH_READS_FROM,
    GRAPH_WRITES_TO,
    GRAPH_CONTAINS,
    GRAPH_DEFINED_IN,
    GRAPH_CALLS,
    GRAPH_EDGE_KIND_COUNT
} graph_edge_kind_t;

/* Hard bounds: a snapshot never grows past these (a rebuild fails with GRAPH_ERR_TOO_BIG). */
#define GRAPH_MAX_NODES (8 * 1000 * 1000)
#define GRAPH_MAX_EDGES (32 * 1000 * 1000)
#define GRAPH_MAX_NAME  1024
#define GRAPH_NONE      (-1)

typedef struct graph_snap graph_snap_t;
typedef struct graph_builder graph_builder_t;

/* What one statement row tells about where data moved (file, line, kind, procedure). */
typedef struct graph_stmt_info {
    const char *file;      /* path as the user knows it, or NULL */
    const char *disk_path; /* where its text may still be read, or NULL */
    const char *repository, *project, *dialect;
    const char *commit, *branch; /* of the ingestion that brought the file, when known */
    int line;
    const char *kind;    /* "insert", "create_table", ... or NULL */
    const char *routine; /* the procedure whose body holds it, or NULL */
    const char *error;   /* why the statement did not parse (kind "error"), or NULL */
    int64_t id;          /* statement id in DuckDB */
    int file_index;      /* dense file index, or -1 */
} graph_stmt_info_t;

graph_builder_t *graph_builder_new(void);
void graph_builder_free(graph_builder_t *b);
/* Ids are DuckDB's; strings are copied. NULL strings are allowed where the schema allows NULL. */
int graph_builder_add_node(graph_builder_t *b, int64_t id, graph_kind_t kind, const char *name, int temporary);
/* A current file version; NULL fields are unknown. */
typedef struct graph_file_row {
    const char *path, *disk_path, *repository, *project, *dialect, *commit, *branch;
} graph_file_row_t;
int graph_builder_add_file(graph_builder_t *b, int64_t id, const graph_file_row_t *row);
int graph_builder_add_statement(graph_builder_t *b, int64_t id, int64_t file_id, int line, const char *kind,
                                const char *routine, const char *error);
/* Edges whose ends are unknown nodes are dropped (the graph may change under a reader). */
int graph_builder_add_edge(graph_builder_t *b, int64_t source, int64_t target, graph_edge_kind_t kind,
                           int64_t statement_id, const char *transformation);
/* Consumes the builder (also on failure). */
int graph_builder_finish(graph_builder_t *b, graph_snap_t **out);
/* A copy of the rows (the index builds each snapshot from a copy of the rows it keeps), or NULL. */
graph_builder_t *graph_builder_clone(const graph_builder_t *b);

/* Snapshots are refcounted: the last release frees. */
graph_snap_t *graph_snap_retain(graph_snap_t *s);
void graph_snap_release(graph_snap_t *s);
/*
 * One value derived from a snapshot and kept with it (the text search's index of the stored SQL):
 * the first caller builds it with `build(arg)` while later ones wait; `drop` frees it with the
 * snapshot. NULL when `build` failed (the next call tries again).
 */
const void *graph_snap_derived(const graph_snap_t *s, void *(*build)(void *arg), void *arg, void (*drop)(void *));

int graph_node_count(const graph_snap_t *s);
int graph_edge_count(const graph_snap_t *s);
const char *graph_node_name(const graph_snap_t *s, int node);
graph_kind_t graph_node_kind(const graph_snap_t *s, int node);
int graph_node_temporary(const graph_snap_t *s, int node);
int64_t graph_node_db_id(const graph_snap_t *s, int node);
int graph_edge_source(const graph_snap_t *s, int edge);
int graph_edge_target(const graph_snap_t *s, int edge);
graph_edge_kind_t graph_edge_kind(const graph_snap_t *s, int edge);
const char *graph_edge_transformation(const graph_snap_t *s, int edge);
/* 0 and *out filled when the edge has a known statement, otherwise GRAPH_ERR_NOT_FOUND. */
int graph_edge_statement(const graph_snap_t *s, int edge, graph_stmt_info_t *out);
/* Edges leaving (out) or entering (in) a node: *edges points into the snapshot. */
int graph_out_edges(const graph_snap_t *s, int node, const int **edges);
int graph_in_edges(const graph_snap_t *s, int node, const int **edges);
/* Statements in the snapshot, in id order (for exports). */
int graph_statement_count(const graph_snap_t *s);
int graph_statement_at(const graph_snap_t *s, int index, graph_stmt_info_t *out);
/* Files of the snapshot (current versions): the path users know and where the text may be read. */
int graph_file_count(const graph_snap_t *s);
int graph_file_at(const graph_snap_t *s, int index, const char **path, const char **disk_path);
/* Edges of one statement (index as above), in edge order. */
int graph_statement_edges(const graph_snap_t *s, int index, const int **edges);

const char *graph_kind_name(graph_kind_t kind);
int graph_kind_from_name(const char *name, graph_kind_t *out);
const char *graph_edge_kind_name(graph_edge_kind_t kind);
int graph_edge_kind_from_name(const char *name, graph_edge_kind_t *out);
const char *graph_strerror(int code);

/*
 * Name lookup: case-insensitive, the full qualified name first, then the name without its
 * leading parts (`orders` or `orders.id` for `sales.orders.id`) among nodes whose kind is in
 * `mask`. 0 with *node set; GRAPH_ERR_NOT_FOUND; or GRAPH_ERR_AMBIGUOUS with up to `max`
 * candidates written and their total in *ncand.
 */
int graph_lookup(const graph_snap_t *s, const char *name, unsigned mask, int *node, int *cand, int max, int *ncand);
/*
 * 1 when `name` is nothing once white space (Unicode's too) and quoting characters are dropped, as
 * lookup and search drop them: it can name no node, and asking for it is a malformed request.
 */
int graph_name_blank(const char *name);
/* Exact case-insensitive full-name match only; GRAPH_NONE when absent. */
int graph_find(const graph_snap_t *s, const char *name);

/* Ranked name search: exact > prefix > substring > typo-tolerant (bounded edit distance). */
typedef struct graph_hit {
    int node;
    double score; /* 1.0 exact ... lower for weaker matches */
} graph_hit_t;
/* Fills up to `max` hits, best first; returns their number or a negative error. */
int graph_search(const graph_snap_t *s, const char *query, unsigned mask, graph_hit_t *hits, int max);
/* Edit distance bounded by `max` (returns max + 1 when larger), case-insensitive, adjacent swaps count 1. */
int graph_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int max);

/* Traversals. */
typedef enum graph_direction { GRAPH_UPSTREAM = 1, GRAPH_DOWNSTREAM = 2, GRAPH_BOTH = 3 } graph_direction_t;
typedef enum graph_level { GRAPH_LEVEL_TABLE = 0, GRAPH_LEVEL_COLUMN } graph_level_t;

#define GRAPH_DEFAULT_DEPTH 3
#define GRAPH_MAX_DEPTH     50
#define GRAPH_DEFAULT_LIMIT 1000
#define GRAPH_MAX_LIMIT     100000

typedef struct graph_query {
    graph_direction_t direction;
    graph_level_t level;
    int depth;
    int limit;         /* nodes in the answer, root(s) included */
    int collapse_temp; /* hide temporary nodes, join their neighbours */
} graph_query_t;

typedef struct graph_rnode {
    int node;
    int depth;     /* edges from the root (0 for roots) */
    int direction; /* GRAPH_UPSTREAM / GRAPH_DOWNSTREAM bits it was reached by (0 for roots) */
    int parent;    /* the node it was first reached from (a shortest path back to a root), or -1 */
} graph_rnode_t;

typedef struct graph_redge {
    int source, target; /* node indices of the snapshot, in data-flow direction */
    int hop_off, hops;  /* graph edges in the result's hop array (more than one through hidden temp tables) */
} graph_redge_t;

typedef struct graph_result {
    graph_rnode_t *nodes;
    int nnodes, cap_nodes;
    graph_redge_t *edges;
    int nedges, cap_edges;
    int *hop; /* graph edge indices */
    int nhop, cap_hop;
    int nroots;
    int truncated;
    int total_nodes; /* nodes reachable within the depth, before the limit */
    int total_edges; /* -1 when truncated: edges past the limit are not counted */
    int max_depth_reached;
} graph_result_t;

void graph_result_free(graph_result_t *r);

/*
 * Lineage around `root`. At column level a table root starts from all its columns. Nodes come in
 * breadth-first order (roots first); edges only between returned nodes.
 */
int graph_lineage(const graph_snap_t *s, int root, const graph_query_t *q, graph_result_t *out);
/*
 * Shortest paths from `from` to `to` following data flow (either way round when only the reverse
 * exists; *reversed says so), at most `max_paths` of them, none longer than GRAPH_MAX_DEPTH; the
 * ends' kinds give the level. Result nodes carry their distance from the start. Paths are written
 * as lists of result edge indices into `paths` (`max_paths` rows of GRAPH_MAX_DEPTH), their
 * lengths in `path_len`; *npaths is 0 when no path exists.
 */
int graph_paths(const graph_snap_t *s, int from, int to, int max_paths, graph_result_t *out, int *paths, int *path_len,
                int *npaths, int *reversed);

/* Columns of a table (CONTAINS) in the order first seen, written into `cols` up to max; returns their total. */
int graph_columns(const graph_snap_t *s, int table, int *cols, int max);
/* The table or view holding a column, or GRAPH_NONE. */
int graph_column_table(const graph_snap_t *s, int column);

#endif
