/* Lineage, paths, one node, search: the graph endpoints of contract §3. */
#include "query/encode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_int(const char *text, long lo, long hi, long *out)
{
    /* strtol alone would take " 5" and "+5" */
    if(!text || !((text[0] >= '0' && text[0] <= '9') || (text[0] == '-' && text[1] >= '0' && text[1] <= '9')))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if(errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int bad_param(query_result_t *out, const char *detail)
{
    query_error(out, 400, "bad_request", detail);
    return -1;
}

int query_lineage_params(const char *direction, const char *level, const char *depth, const char *limit,
                         const char *collapse, query_lineage_t *p, query_result_t *out)
{
    p->q = (graph_query_t){.direction = GRAPH_BOTH,
                           .level = GRAPH_LEVEL_TABLE,
                           .depth = GRAPH_DEFAULT_DEPTH,
                           .limit = GRAPH_DEFAULT_LIMIT};
    if(direction) {
        if(strcmp(direction, "upstream") == 0)
            p->q.direction = GRAPH_UPSTREAM;
        else if(strcmp(direction, "downstream") == 0)
            p->q.direction = GRAPH_DOWNSTREAM;
        else if(strcmp(direction, "both") != 0)
            return bad_param(out, "direction must be upstream, downstream or both");
    }
    if(level) {
        if(strcmp(level, "column") == 0)
            p->q.level = GRAPH_LEVEL_COLUMN;
        else if(strcmp(level, "table") != 0)
            return bad_param(out, "level must be table or column");
    }
    long v;
    if(depth) {
        if(parse_int(depth, 0, GRAPH_MAX_DEPTH, &v))
            return bad_param(out, "depth must be an integer from 0 to 50");
        p->q.depth = (int)v;
    }
    if(limit) {
        if(parse_int(limit, 1, GRAPH_MAX_LIMIT, &v))
            return bad_param(out, "limit must be an integer from 1 to 100000");
        p->q.limit = (int)v;
    }
    if(collapse) {
        if(strcmp(collapse, "temp") == 0)
            p->q.collapse_temp = 1;
        else if(strcmp(collapse, "none") != 0)
            return bad_param(out, "collapse must be temp or none");
    }
    return 0;
}

static const char *lineage_type(graph_direction_t d)
{
    return d == GRAPH_UPSTREAM ? "lineage_upstream" : d == GRAPH_DOWNSTREAM ? "lineage_downstream" : "lineage";
}

void query_lineage(const graph_snap_t *s, const query_lineage_t *p, query_result_t *out)
{
    out->query_type = lineage_type(p->q.direction);
    int root = qenc_resolve(s, p->name, GRAPH_MASK_ALL, out);
    if(root == GRAPH_NONE)
        return;
    graph_result_t r;
    int rc = graph_lineage(s, root, &p->q, &r);
    if(rc) {
        query_error(out, rc == GRAPH_ERR_NOMEM ? 500 : 400, "lineage_failed", graph_strerror(rc));
        return;
    }
    json_t *body =
        json_pack("{s:o, s:s, s:s, s:i, s:i, s:b, s:o, s:o, s:b, s:{s:i, s:i, s:i, s:i, s:i}}", "root",
                  qenc_node(s, root), "direction",
                  p->q.direction == GRAPH_UPSTREAM     ? "upstream"
                  : p->q.direction == GRAPH_DOWNSTREAM ? "downstream"
                                                       : "both",
                  "level", p->q.level == GRAPH_LEVEL_COLUMN ? "column" : "table", "depth", p->q.depth, "limit",
                  p->q.limit, "collapse_temp", p->q.collapse_temp, "nodes", qenc_result_nodes(s, &r), "edges",
                  qenc_result_edges(s, &r), "truncated", r.truncated, "counts", "nodes", r.nnodes, "edges", r.nedges,
                  "total_nodes", r.total_nodes, "total_edges", r.total_edges, "max_depth", r.max_depth_reached);
    out->nodes = r.nnodes;
    out->edges = r.nedges;
    int truncated = r.truncated;
    graph_result_free(&r);
    if(body && truncated)
        json_object_del(json_object_get(body, "counts"), "total_edges");
    qenc_answer(out, body);
}

void query_path(const graph_snap_t *s, const char *from, const char *to, const char *level, query_result_t *out)
{
    out->query_type = "path";
    unsigned mask = GRAPH_MASK_TABLES;
    if(level && strcmp(level, "column") == 0)
        mask = GRAPH_MASK(GRAPH_COLUMN);
    else if(level && strcmp(level, "table") != 0) {
        bad_param(out, "level must be table or column");
        return;
    }
    if(!from || !to || !*from || !*to) {
        bad_param(out, "both from and to are required");
        return;
    }
    if(query_check_name(from, "from", out) || query_check_name(to, "to", out))
        return;
    /* Without a level, a name that is only a column still resolves. */
    int a = qenc_resolve(s, from, level ? mask : GRAPH_MASK_ALL, out);
    if(a == GRAPH_NONE)
        return;
    int b = qenc_resolve(s, to, level ? mask : GRAPH_MASK_ALL, out);
    if(b == GRAPH_NONE)
        return;
    if(a == b) {
        bad_param(out, "from and to name the same node");
        return;
    }
    graph_result_t r;
    int paths[QUERY_PATHS_MAX * GRAPH_MAX_DEPTH], len[QUERY_PATHS_MAX], np = 0, rev = 0;
    int rc = graph_paths(s, a, b, QUERY_PATHS_MAX, &r, paths, len, &np, &rev);
    if(rc) {
        query_error(out, rc == GRAPH_ERR_NOMEM ? 500 : 400, "path_failed", graph_strerror(rc));
        return;
    }
    if(!np) {
        graph_result_free(&r);
        char detail[2 * QUERY_NAME_MAX + 128];
        snprintf(detail, sizeof(detail), "no data path of at most %d steps from %s to %s, nor from %s to %s",
                 GRAPH_MAX_DEPTH, graph_node_name(s, a), graph_node_name(s, b), graph_node_name(s, b),
                 graph_node_name(s, a));
        query_error(out, 404, "no_path", detail);
        if(out->body) {
            json_object_set_new(out->body, "from", qenc_node(s, a));
            json_object_set_new(out->body, "to", qenc_node(s, b));
            json_object_set_new(out->body, "max_length", json_integer(GRAPH_MAX_DEPTH));
        }
        return;
    }
    json_t *list = json_array();
    for(int p = 0; p < np; p++) {
        json_t *names = json_array();
        const int *row = paths + p * GRAPH_MAX_DEPTH;
        json_array_append_new(names, json_string(graph_node_name(s, r.edges[row[0]].source)));
        for(int k = 0; k < len[p]; k++)
            json_array_append_new(names, json_string(graph_node_name(s, r.edges[row[k]].target)));
        json_array_append_new(list, names);
    }
    /* "downstream": data flows from `from` to `to`; "upstream": `to` feeds `from` (paths run from `to`). */
    json_t *body = json_pack("{s:o, s:o, s:b, s:s, s:b, s:i, s:o, s:i, s:i, s:o, s:o}", "from", qenc_node(s, a), "to",
                             qenc_node(s, b), "found", 1, "direction", rev ? "upstream" : "downstream", "reversed", rev,
                             "length", len[0], "paths", list, "max_paths", QUERY_PATHS_MAX, "max_length",
                             GRAPH_MAX_DEPTH, "nodes", qenc_result_nodes(s, &r), "edges", qenc_result_edges(s, &r));
    out->nodes = r.nnodes;
    out->edges = r.nedges;
    graph_result_free(&r);
    qenc_answer(out, body);
}

/*
 * A list without repeats, bounded: a table read by 20,000 statements took 18 CPU-seconds when each
 * entry was compared with all before it, and its answer grew with the uses. Entries are told apart
 * by their JSON text in a set; the list keeps the first NODE_LIST_MAX and counts them all.
 */
#define NODE_LIST_MAX 1000

typedef struct uniq {
    json_t *arr, *seen;
    int count;
} uniq_t;

static void uniq_add(uniq_t *u, json_t *item)
{
    char *key = item ? json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    if(key && !json_object_get(u->seen, key) && json_object_set_new(u->seen, key, json_true()) == 0) {
        u->count++;
        if(json_array_size(u->arr) < NODE_LIST_MAX) {
            json_array_append_new(u->arr, item);
            item = NULL;
        }
    }
    free(key);
    json_decref(item);
}

static json_t *uniq_take(uniq_t *u, int *truncated)
{
    json_decref(u->seen);
    *truncated |= (size_t)u->count > json_array_size(u->arr);
    return u->arr;
}

/* Where a table or column is defined, read and written, and the procedures that write it. */
void query_node(const graph_snap_t *s, const char *name, query_result_t *out)
{
    out->query_type = "node";
    int v = qenc_resolve(s, name, GRAPH_MASK_ALL, out);
    if(v == GRAPH_NONE)
        return;
    json_t *node = qenc_node(s, v);
    uniq_t cols = {json_array(), json_object(), 0}, defined = {json_array(), json_object(), 0},
           used = {json_array(), json_object(), 0}, procs = {json_array(), json_object(), 0};
    graph_stmt_info_t st;
    int cbuf[1];
    int ncols = graph_columns(s, v, cbuf, 0);
    const int *list;
    int n = graph_out_edges(s, v, &list);
    for(int i = 0; i < n; i++) {
        int e = list[i], w = graph_edge_target(s, e);
        graph_edge_kind_t k = graph_edge_kind(s, e);
        if(k == GRAPH_CONTAINS && graph_node_kind(s, w) == GRAPH_COLUMN)
            uniq_add(&cols, qenc_node(s, w));
        else if(k == GRAPH_DEFINED_IN && graph_edge_statement(s, e, &st) == 0)
            uniq_add(&defined, qenc_stmt(&st));
        else if(k == GRAPH_DERIVES && graph_edge_statement(s, e, &st) == 0) {
            json_t *o = qenc_stmt(&st);
            json_object_set_new(o, "role", json_string("read"));
            uniq_add(&used, o);
        }
    }
    n = graph_in_edges(s, v, &list);
    for(int i = 0; i < n; i++) {
        int e = list[i], w = graph_edge_source(s, e);
        graph_edge_kind_t k = graph_edge_kind(s, e);
        if(k != GRAPH_DERIVES && k != GRAPH_READS_FROM && k != GRAPH_WRITES_TO)
            continue;
        if(graph_edge_statement(s, e, &st) == 0) {
            json_t *o = qenc_stmt(&st);
            json_object_set_new(o, "role", json_string(k == GRAPH_READS_FROM ? "read" : "write"));
            uniq_add(&used, o);
            if(k != GRAPH_READS_FROM && st.routine)
                uniq_add(&procs, json_string(st.routine));
        }
        if(k == GRAPH_WRITES_TO && graph_node_kind(s, w) == GRAPH_PROCEDURE)
            uniq_add(&procs, json_string(graph_node_name(s, w)));
    }
    int t = graph_node_kind(s, v) == GRAPH_COLUMN ? graph_column_table(s, v) : GRAPH_NONE;
    int truncated = 0;
    json_t *body = json_pack("{s:o, s:o, s:i, s:o, s:o, s:i, s:o}", "node", node, "columns",
                             uniq_take(&cols, &truncated), "column_count", ncols, "defined",
                             uniq_take(&defined, &truncated), "used", uniq_take(&used, &truncated), "used_count",
                             used.count, "written_by_procedures", uniq_take(&procs, &truncated));
    json_object_set_new(body, "truncated", json_boolean(truncated));
    json_object_set_new(body, "list_limit", json_integer(NODE_LIST_MAX));
    /* The node's own fields at the top level too, so `kind`/`name` read directly. */
    json_object_set_new(body, "name", json_string(graph_node_name(s, v)));
    json_object_set_new(body, "kind", json_string(graph_kind_name(graph_node_kind(s, v))));
    if(t != GRAPH_NONE)
        json_object_set_new(body, "table", json_string(graph_node_name(s, t)));
    out->nodes = 1 + (int)json_array_size(json_object_get(body, "columns"));
    qenc_answer(out, body);
}

void query_search(const graph_snap_t *s, const char *q, const char *kind, int limit, query_result_t *out)
{
    out->query_type = "search";
    unsigned mask = GRAPH_MASK_ALL;
    if(kind) { /* given empty, it names no kind: 400 as an empty level or collapse is */
        graph_kind_t k;
        if(graph_kind_from_name(kind, &k)) {
            bad_param(out, "kind must be table, view, column, procedure or file");
            return;
        }
        mask = GRAPH_MASK(k);
    }
    if(query_check_name(q, "q", out))
        return;
    if(limit < 1 || limit > QUERY_SEARCH_MAX) {
        bad_param(out, "limit must be an integer from 1 to 100");
        return;
    }
    graph_hit_t hits[QUERY_SEARCH_MAX];
    int n = graph_search(s, q, mask, hits, limit);
    json_t *results = json_array();
    for(int i = 0; i < n; i++) {
        json_t *o = qenc_node(s, hits[i].node);
        json_object_set_new(o, "score", json_real((double)(int)(hits[i].score * 1000 + 0.5) / 1000));
        json_array_append_new(results, o);
    }
    out->nodes = n > 0 ? n : 0;
    qenc_answer(out, json_pack("{s:s, s:o}", "query", q, "results", results));
}
