/*
 * What users ask the lineage graph: each query is a function from a snapshot of the in-memory index
 * and its parameters to an HTTP status and a JSON body (contract §3), plus the counts a
 * `query_complete` event reports. Nothing here touches sockets; only the text search and the
 * export's `sql` facet read DuckDB (the statement texts the writer stored), on the caller's connection.
 */
#ifndef LINEAGED_QUERY_QUERY_H
#define LINEAGED_QUERY_QUERY_H

#include "graph/graph.h"

#include <duckdb.h>

#include <jansson.h>
#include <stddef.h>

#define QUERY_QUESTION_MAX 2000 /* bytes of a chat question */
#define QUERY_NAME_MAX     GRAPH_MAX_NAME
#define QUERY_SEARCH_MAX   100 /* results of one search */
#define QUERY_PATHS_MAX    8   /* shortest paths listed */
#define QUERY_CANDIDATES   10  /* names offered for an ambiguous or unknown name */

typedef struct query_result {
    int status;
    json_t *body;           /* owned by the caller */
    const char *query_type; /* "lineage_upstream", "impact", "path", "search", ... (static) */
    int nodes, edges;       /* what the answer holds, for query_complete */
} query_result_t;

typedef struct query_lineage {
    const char *name;
    graph_query_t q;
} query_lineage_t;

/*
 * Fills `p` from the request's strings (NULL: the default). Returns 0, or -1 with `out` set to a
 * 400 that names the parameter.
 */
int query_lineage_params(const char *direction, const char *level, const char *depth, const char *limit,
                         const char *collapse, query_lineage_t *p, query_result_t *out);

/*
 * 0 when `name` can name a node; otherwise -1 with `out` set to a 400 that names `what` ("from",
 * "q", "the node name"): missing or empty, nothing but white space or quoting characters, or longer
 * than QUERY_NAME_MAX. Callers check on the service thread, before a worker is taken.
 */
int query_check_name(const char *name, const char *what, query_result_t *out);

void query_lineage(const graph_snap_t *s, const query_lineage_t *p, query_result_t *out);
void query_path(const graph_snap_t *s, const char *from, const char *to, const char *level, query_result_t *out);
void query_node(const graph_snap_t *s, const char *name, query_result_t *out);
/* `kind`: NULL or a node kind ("table", "column", ...); `limit` 1..QUERY_SEARCH_MAX. */
void query_search(const graph_snap_t *s, const char *q, const char *kind, int limit, query_result_t *out);

/* POST /api/chat/{mode} bodies: {"query": "..."}. `conn` (this thread's) serves the text mode. */
void query_chat(duckdb_connection conn, const graph_snap_t *s, const char *mode, const char *body, size_t len,
                query_result_t *out);

/* Writes exported lines; returns 0 or a negative error to stop. */
typedef int (*query_write_fn)(void *ud, const char *data, size_t len);
/*
 * OpenLineage 2-0-2 JobEvent NDJSON, one event per statement that writes. `repo_base`: where
 * repositories live ("https://github.com", the server's --github-url), for sourceCodeLocation.
 * The `sql` facets come from the statement texts stored in DuckDB (`conn`, this thread's).
 */
int query_export_openlineage(duckdb_connection conn, const graph_snap_t *s, const char *event_time,
                             const char *repo_base, query_write_fn write, void *ud);
/* CSV, one column-lineage edge a line, with a header. */
int query_export_csv(const graph_snap_t *s, query_write_fn write, void *ud);

/* A 4xx/5xx answer `{"error", "detail"}`. */
void query_error(query_result_t *out, int status, const char *error, const char *detail);
void query_result_clear(query_result_t *r);

#endif
