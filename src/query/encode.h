/* JSON shapes shared by the queries of src/query/ (nodes, edges, statements, name resolution). */
#ifndef LINEAGED_QUERY_ENCODE_H
#define LINEAGED_QUERY_ENCODE_H

#include "query/query.h"

/* A 200 with `body` (reference stolen), or a 500 when building it failed (NULL). */
void qenc_answer(query_result_t *out, json_t *body);
/* {"id", "name", "type"} plus "temporary" and, for a column, its "table". */
json_t *qenc_node(const graph_snap_t *s, int v);
/* {"file", "line", "kind", "procedure"} (fields present when known). */
json_t *qenc_stmt(const graph_stmt_info_t *st);
/* Where a node's DDL is: the statement of its DEFINED_IN edge, or NULL. */
int qenc_defined_at(const graph_snap_t *s, int v, graph_stmt_info_t *st);
/* The result's nodes (with depth, direction, parent) and edges (with statements and hidden temps). */
json_t *qenc_result_nodes(const graph_snap_t *s, const graph_result_t *r);
json_t *qenc_result_edges(const graph_snap_t *s, const graph_result_t *r);
/*
 * A name to a node among `mask` kinds. Returns the node, or GRAPH_NONE with `out` set to 404 (and
 * close names as "suggestions") or 409 (with "candidates").
 */
int qenc_resolve(const graph_snap_t *s, const char *name, unsigned mask, query_result_t *out);
/* Close names for `name` (typo-tolerant search), as an array of strings. */
json_t *qenc_suggestions(const graph_snap_t *s, const char *name, unsigned mask);

#endif
