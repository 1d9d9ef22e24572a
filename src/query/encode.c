#include "query/encode.h"

#include <stdio.h>
#include <string.h>

void query_result_clear(query_result_t *r)
{
    json_decref(r->body);
    r->body = NULL;
}

void query_error(query_result_t *out, int status, const char *error, const char *detail)
{
    json_decref(out->body);
    out->status = status;
    out->body = json_pack("{s:s, s:s}", "error", error, "detail", detail);
}

void qenc_answer(query_result_t *out, json_t *body)
{
    if(!body) {
        query_error(out, 500, "internal", "the answer could not be built");
        return;
    }
    json_decref(out->body);
    out->status = 200;
    out->body = body;
}

json_t *qenc_node(const graph_snap_t *s, int v)
{
    json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)graph_node_db_id(s, v), "name", graph_node_name(s, v),
                          "type", graph_kind_name(graph_node_kind(s, v)));
    if(!o)
        return NULL;
    if(graph_node_temporary(s, v))
        json_object_set_new(o, "temporary", json_true());
    int t = graph_node_kind(s, v) == GRAPH_COLUMN ? graph_column_table(s, v) : GRAPH_NONE;
    if(t != GRAPH_NONE)
        json_object_set_new(o, "table", json_string(graph_node_name(s, t)));
    return o;
}

json_t *qenc_stmt(const graph_stmt_info_t *st)
{
    json_t *o = json_object();
    if(!o)
        return NULL;
    if(st->file)
        json_object_set_new(o, "file", json_string(st->file));
    json_object_set_new(o, "line", json_integer(st->line));
    if(st->kind)
        json_object_set_new(o, "kind", json_string(st->kind));
    if(st->routine)
        json_object_set_new(o, "procedure", json_string(st->routine));
    return o;
}

int qenc_defined_at(const graph_snap_t *s, int v, graph_stmt_info_t *st)
{
    const int *out;
    int n = graph_out_edges(s, v, &out);
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(s, out[i]) == GRAPH_DEFINED_IN && graph_edge_statement(s, out[i], st) == 0)
            return 0;
    return GRAPH_ERR_NOT_FOUND;
}

static const char *direction_name(int dir)
{
    switch(dir) {
    case GRAPH_UPSTREAM: return "upstream";
    case GRAPH_DOWNSTREAM: return "downstream";
    case GRAPH_BOTH: return "both";
    default: return "root";
    }
}

json_t *qenc_result_nodes(const graph_snap_t *s, const graph_result_t *r)
{
    json_t *arr = json_array();
    for(int i = 0; arr && i < r->nnodes; i++) {
        const graph_rnode_t *rn = &r->nodes[i];
        json_t *o = qenc_node(s, rn->node);
        if(!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
        json_object_set_new(o, "depth", json_integer(rn->depth));
        json_object_set_new(o, "direction", json_string(direction_name(rn->direction)));
        if(rn->parent >= 0)
            json_object_set_new(o, "parent", json_integer(graph_node_db_id(s, rn->parent)));
        graph_stmt_info_t st;
        if(qenc_defined_at(s, rn->node, &st) == 0 && st.file)
            json_object_set_new(o, "defined_at", qenc_stmt(&st));
    }
    return arr;
}

json_t *qenc_result_edges(const graph_snap_t *s, const graph_result_t *r)
{
    json_t *arr = json_array();
    for(int i = 0; arr && i < r->nedges; i++) {
        const graph_redge_t *e = &r->edges[i];
        const int *hop = r->hop + e->hop_off;
        int last = hop[e->hops - 1];
        json_t *o = json_pack("{s:I, s:I, s:s}", "source", (json_int_t)graph_node_db_id(s, e->source), "target",
                              (json_int_t)graph_node_db_id(s, e->target), "type",
                              graph_edge_kind_name(graph_edge_kind(s, last)));
        if(!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
        const char *t = graph_edge_transformation(s, last);
        if(t)
            json_object_set_new(o, "transformation", json_string(t));
        /* The statement that wrote the target; through hidden temp tables, every statement on the way. */
        graph_stmt_info_t st;
        if(graph_edge_statement(s, last, &st) == 0) {
            if(st.file)
                json_object_set_new(o, "file", json_string(st.file));
            json_object_set_new(o, "line", json_integer(st.line));
            if(st.kind)
                json_object_set_new(o, "statement_kind", json_string(st.kind));
            if(st.routine)
                json_object_set_new(o, "procedure", json_string(st.routine));
        }
        if(e->hops > 1) {
            json_t *via = json_array(), *stmts = json_array();
            for(int k = 0; k < e->hops; k++) {
                if(k > 0)
                    json_array_append_new(via, json_string(graph_node_name(s, graph_edge_source(s, hop[k]))));
                if(graph_edge_statement(s, hop[k], &st) == 0)
                    json_array_append_new(stmts, qenc_stmt(&st));
            }
            json_object_set_new(o, "via", via);
            json_object_set_new(o, "statements", stmts);
        }
    }
    return arr;
}

json_t *qenc_suggestions(const graph_snap_t *s, const char *name, unsigned mask)
{
    graph_hit_t hits[QUERY_CANDIDATES];
    int n = graph_search(s, name, mask, hits, QUERY_CANDIDATES);
    json_t *arr = json_array();
    for(int i = 0; arr && i < n; i++)
        json_array_append_new(arr, json_string(graph_node_name(s, hits[i].node)));
    return arr;
}

int query_check_name(const char *name, const char *what, query_result_t *out)
{
    char detail[160];
    if(!name || !*name)
        snprintf(detail, sizeof(detail), "%s is required", what);
    else if(strlen(name) > QUERY_NAME_MAX)
        snprintf(detail, sizeof(detail), "%s is longer than %d bytes", what, QUERY_NAME_MAX);
    else if(graph_name_blank(name))
        snprintf(detail, sizeof(detail), "%s is only white space or quoting characters: it names nothing", what);
    else
        return 0;
    query_error(out, 400, "bad_request", detail);
    return -1;
}

int qenc_resolve(const graph_snap_t *s, const char *name, unsigned mask, query_result_t *out)
{
    int v, cand[QUERY_CANDIDATES], ncand = 0;
    if(query_check_name(name, "the node name", out))
        return GRAPH_NONE;
    int rc = graph_lookup(s, name, mask, &v, cand, QUERY_CANDIDATES, &ncand);
    if(rc == 0)
        return v;
    if(rc == GRAPH_ERR_AMBIGUOUS) {
        query_error(out, 409, "ambiguous", "the name matches several nodes; qualify it with its schema");
        json_t *arr = json_array();
        for(int i = 0; i < ncand && i < QUERY_CANDIDATES; i++)
            json_array_append_new(arr, qenc_node(s, cand[i]));
        json_object_set_new(out->body, "candidates", arr);
        json_object_set_new(out->body, "total_candidates", json_integer(ncand));
        return GRAPH_NONE;
    }
    query_error(out, 404, "not_found", "no node has that name");
    json_object_set_new(out->body, "name", json_string(name));
    json_object_set_new(out->body, "suggestions", qenc_suggestions(s, name, mask));
    return GRAPH_NONE;
}
