/* Walking the snapshot: lineage around a node (breadth-first, depth and limit), shortest paths. */
#include "graph/snap.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

#define TEMP_CHAIN_MAX 16 /* temp tables crossed by one collapsed edge */

/* int -> int map and a set of uint64, open addressing, growing at half load. */
typedef struct imap {
    int *keys, *vals;
    size_t cap, len;
} imap_t;

static uint32_t mix32(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static void imap_free(imap_t *m)
{
    util_free(m->keys);
    util_free(m->vals);
    memset(m, 0, sizeof(*m));
}

static int imap_rehash(imap_t *m, size_t cap)
{
    int *keys = util_malloc(cap * sizeof(int)), *vals = util_malloc(cap * sizeof(int));
    if(!keys || !vals) {
        util_free(keys);
        util_free(vals);
        return GRAPH_ERR_NOMEM;
    }
    for(size_t i = 0; i < cap; i++)
        keys[i] = -1;
    for(size_t i = 0; i < m->cap; i++) {
        if(m->keys[i] < 0)
            continue;
        size_t j = mix32((uint64_t)m->keys[i]) & (cap - 1);
        while(keys[j] >= 0)
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    util_free(m->keys);
    util_free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

static int imap_get(const imap_t *m, int key)
{
    if(!m->cap)
        return -1;
    for(size_t j = mix32((uint64_t)key) & (m->cap - 1); m->keys[j] >= 0; j = (j + 1) & (m->cap - 1))
        if(m->keys[j] == key)
            return m->vals[j];
    return -1;
}

static int imap_put(imap_t *m, int key, int val)
{
    if((m->len + 1) * 2 > m->cap && imap_rehash(m, m->cap ? m->cap * 2 : 64))
        return GRAPH_ERR_NOMEM;
    size_t j = mix32((uint64_t)key) & (m->cap - 1);
    while(m->keys[j] >= 0 && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if(m->keys[j] < 0)
        m->len++;
    m->keys[j] = key;
    m->vals[j] = val;
    return 0;
}

void graph_result_free(graph_result_t *r)
{
    util_free(r->nodes);
    util_free(r->edges);
    util_free(r->hop);
    memset(r, 0, sizeof(*r));
}

static int reserve(void **arr, int *cap, int need, size_t size)
{
    if(need <= *cap)
        return 0;
    int ncap = *cap ? *cap : 32;
    while(ncap < need)
        ncap *= 2;
    void *p = util_realloc(*arr, (size_t)ncap * size);
    if(!p)
        return GRAPH_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int is_table_like(const graph_snap_t *s, int v)
{
    return s->kind[v] == GRAPH_TABLE || s->kind[v] == GRAPH_VIEW;
}

/*
 * One step from v against or along data flow: DERIVES between nodes of v's level; from a file or a
 * procedure, what it reads (upstream) or writes (downstream).
 */
static int step_ok(const graph_snap_t *s, int v, int e, int dir)
{
    int w = dir == GRAPH_DOWNSTREAM ? s->edst[e] : s->esrc[e];
    int k = s->ekind[e];
    if(s->kind[v] == GRAPH_FILE || s->kind[v] == GRAPH_PROCEDURE)
        return (dir == GRAPH_UPSTREAM ? k == GRAPH_READS_FROM : k == GRAPH_WRITES_TO) && s->esrc[e] == v;
    if(k != GRAPH_DERIVES)
        return 0;
    if(s->kind[v] == GRAPH_COLUMN)
        return s->kind[w] == GRAPH_COLUMN;
    return is_table_like(s, w);
}

/* Neighbour lists of v for a direction; a file or procedure's READS_FROM edges leave it, too. */
static int step_list(const graph_snap_t *s, int v, int dir, const int **list)
{
    if(dir == GRAPH_DOWNSTREAM || s->kind[v] == GRAPH_FILE || s->kind[v] == GRAPH_PROCEDURE)
        return graph_out_edges(s, v, list);
    return graph_in_edges(s, v, list);
}

static int step_target(const graph_snap_t *s, int v, int e, int dir)
{
    if(s->kind[v] == GRAPH_FILE || s->kind[v] == GRAPH_PROCEDURE)
        return s->edst[e];
    return dir == GRAPH_DOWNSTREAM ? s->edst[e] : s->esrc[e];
}

typedef struct walk {
    const graph_snap_t *s;
    const graph_query_t *q;
    graph_result_t *r;
    imap_t seen;  /* node -> index in r->nodes */
    imap_t edges; /* (first hop, last hop) hash -> index in r->edges, for dedup */
    int *queue;   /* entries: index * 4 + direction */
    int qhead, qlen, qcap;
    int roots;
    int limit;  /* nodes kept (the rest are counted) */
    int *dense; /* node -> index in r->nodes, or -1: replaces `seen` for walks that may cover the graph */
    int unrooted; /* a file's procedures left out at the limit */
} walk_t;

static int seen_get(const walk_t *w, int node)
{
    return w->dense ? w->dense[node] : imap_get(&w->seen, node);
}

static int add_node(walk_t *w, int node, int depth, int dir, int parent, int *index)
{
    graph_result_t *r = w->r;
    int rc = reserve((void **)&r->nodes, &r->cap_nodes, r->nnodes + 1, sizeof(graph_rnode_t));
    if(rc)
        return rc;
    *index = r->nnodes;
    r->nodes[r->nnodes++] = (graph_rnode_t){.node = node, .depth = depth, .direction = dir, .parent = parent};
    if(w->dense) {
        w->dense[node] = *index;
        return 0;
    }
    return imap_put(&w->seen, node, *index);
}

static int push(walk_t *w, int index, int dir)
{
    int rc = reserve((void **)&w->queue, &w->qcap, w->qlen + 1, sizeof(int));
    if(rc)
        return rc;
    w->queue[w->qlen++] = index * 4 + dir;
    return 0;
}

/*
 * Records an edge a -> b (snapshot nodes, data-flow order) over `hops`, once per pair of nodes: the
 * graph stores one edge per statement, so a pair moved by several statements shows its first.
 */
static int add_edge(walk_t *w, int a, int b, const int *hops, int nhops, int *index)
{
    graph_result_t *r = w->r;
    int keyh = (int)(mix32(((uint64_t)(uint32_t)a << 32) | (uint32_t)b) & 0x7fffffff);
    int have = imap_get(&w->edges, keyh);
    if(have >= 0) {
        /* a hash collision is rare: a scan settles it */
        for(int i = have; i < r->nedges; i++)
            if(r->edges[i].source == a && r->edges[i].target == b) {
                *index = i;
                return 0;
            }
    }
    int rc = reserve((void **)&r->edges, &r->cap_edges, r->nedges + 1, sizeof(graph_redge_t));
    if(!rc)
        rc = reserve((void **)&r->hop, &r->cap_hop, r->nhop + nhops, sizeof(int));
    if(rc)
        return rc;
    memcpy(r->hop + r->nhop, hops, (size_t)nhops * sizeof(int));
    r->edges[r->nedges] = (graph_redge_t){.source = a, .target = b, .hop_off = r->nhop, .hops = nhops};
    r->nhop += nhops;
    *index = r->nedges++;
    return have >= 0 ? 0 : imap_put(&w->edges, keyh, *index);
}

/*
 * Reaches w from the node at result index `from`, through `hops` (in walking order). New nodes are
 * added only below the depth bound; edges to known nodes are always recorded.
 */
static int reach(walk_t *w, int from, int to_node, int dir, int depth, const int *hops, int nhops)
{
    int flow[TEMP_CHAIN_MAX + 1];
    for(int i = 0; i < nhops; i++)
        flow[i] = dir == GRAPH_DOWNSTREAM ? hops[i] : hops[nhops - 1 - i];
    int idx = seen_get(w, to_node);
    int grow = depth < w->q->depth;
    if(idx < 0 && !grow)
        return 0;
    int src = dir == GRAPH_DOWNSTREAM ? w->r->nodes[from].node : to_node;
    int dst = dir == GRAPH_DOWNSTREAM ? to_node : w->r->nodes[from].node;
    int eidx, rc = 0;
    /* Past the limit the walk only counts nodes: edges to nodes that will be cut are not kept. */
    if(from < w->limit && (idx >= 0 ? idx : w->r->nnodes) < w->limit)
        rc = add_edge(w, src, dst, flow, nhops, &eidx);
    if(rc)
        return rc;
    if(idx < 0) {
        rc = add_node(w, to_node, depth + 1, dir, w->r->nodes[from].node, &idx);
        return rc ? rc : push(w, idx, dir);
    }
    graph_rnode_t *rn = &w->r->nodes[idx];
    if(grow && !(rn->direction & dir) && idx >= w->roots) {
        rn->direction |= dir;
        return push(w, idx, dir);
    }
    return 0;
}

/* Depth-first through temporary tables, so hidden ones join their neighbours. */
static int cross_temps(walk_t *w, int from, int v, int dir, int depth, int *hops, int nhops, int *stack, int nstack)
{
    const graph_snap_t *s = w->s;
    const int *list;
    int n = step_list(s, v, dir, &list);
    for(int i = 0; i < n; i++) {
        int e = list[i];
        if(!step_ok(s, v, e, dir))
            continue;
        int t = step_target(s, v, e, dir);
        hops[nhops] = e;
        int rc = 0;
        int seen = seen_get(w, t);
        if(s->temp[t] && w->q->collapse_temp && !(seen >= 0 && seen < w->roots)) {
            int loop = 0;
            for(int k = 0; k < nstack; k++)
                loop |= stack[k] == t;
            if(loop || nhops + 1 >= TEMP_CHAIN_MAX)
                continue;
            stack[nstack] = t;
            rc = cross_temps(w, from, t, dir, depth, hops, nhops + 1, stack, nstack + 1);
        } else {
            rc = reach(w, from, t, dir, depth, hops, nhops + 1);
        }
        if(rc)
            return rc;
    }
    return 0;
}

static int start_roots(walk_t *w, int root)
{
    const graph_snap_t *s = w->s;
    int rc, idx;
    if(w->q->level == GRAPH_LEVEL_COLUMN && is_table_like(s, root)) {
        const int *list;
        int n = graph_out_edges(s, root, &list);
        for(int i = 0; i < n; i++) {
            int c = s->edst[list[i]];
            if(s->ekind[list[i]] != GRAPH_CONTAINS || s->kind[c] != GRAPH_COLUMN || seen_get(w, c) >= 0)
                continue;
            if((rc = add_node(w, c, 0, 0, -1, &idx)))
                return rc;
        }
    } else if((rc = add_node(w, root, 0, 0, -1, &idx))) {
        return rc;
    } else if(s->kind[root] == GRAPH_FILE) {
        /* a file's statements inside a procedure read and write on the procedure's node: the procedures
           it defines are roots too, joined to it by their DEFINED_IN edge (a file of procedures only
           would otherwise stand alone) */
        const int *list;
        int n = graph_in_edges(s, root, &list), eidx;
        for(int i = 0; i < n; i++) {
            int p = s->esrc[list[i]];
            if(s->ekind[list[i]] != GRAPH_DEFINED_IN || s->kind[p] != GRAPH_PROCEDURE)
                continue;
            if(seen_get(w, p) < 0 && w->r->nnodes >= w->q->limit) {
                w->unrooted++; /* counted as cut, like nodes past the limit */
                continue;
            }
            if(seen_get(w, p) < 0 && (rc = add_node(w, p, 0, 0, -1, &idx)))
                return rc;
            if((rc = add_edge(w, p, root, &list[i], 1, &eidx)))
                return rc;
        }
    }
    w->roots = w->r->nnodes;
    for(int i = 0; i < w->roots; i++)
        for(int d = GRAPH_UPSTREAM; d <= GRAPH_DOWNSTREAM; d++)
            if((w->q->direction & d) && (rc = push(w, i, d)))
                return rc;
    return 0;
}

/* Keeps the first `limit` nodes (breadth-first order) and the edges between them. */
static void cut(walk_t *w, int limit)
{
    graph_result_t *r = w->r;
    r->total_nodes = r->nnodes + w->unrooted;
    r->total_edges = r->nedges;
    if(w->unrooted) {
        r->total_edges = -1;
        r->truncated = 1;
    }
    if(r->nnodes <= limit)
        return;
    r->total_edges = -1; /* not counted past the limit */
    r->truncated = 1;
    r->nnodes = limit;
    int k = 0;
    for(int i = 0; i < r->nedges; i++) {
        graph_redge_t e = r->edges[i];
        if(seen_get(w, e.source) < limit && seen_get(w, e.target) < limit)
            r->edges[k++] = e;
    }
    r->nedges = k;
}

int graph_lineage(const graph_snap_t *s, int root, const graph_query_t *q, graph_result_t *out)
{
    memset(out, 0, sizeof(*out));
    if(root < 0 || root >= s->n || q->depth < 0 || q->depth > GRAPH_MAX_DEPTH || q->limit < 1 ||
       q->limit > GRAPH_MAX_LIMIT || !(q->direction & GRAPH_BOTH))
        return GRAPH_ERR_ARG;
    walk_t w = {.s = s, .q = q, .r = out};
    int rc = start_roots(&w, root);
    w.limit = q->limit > w.roots ? q->limit : w.roots;
    int hops[TEMP_CHAIN_MAX + 1], stack[TEMP_CHAIN_MAX + 1];
    while(!rc && w.qhead < w.qlen) {
        int entry = w.queue[w.qhead++];
        int idx = entry / 4, dir = entry % 4;
        int v = out->nodes[idx].node, depth = out->nodes[idx].depth;
        if(depth > out->max_depth_reached)
            out->max_depth_reached = depth;
        stack[0] = v;
        rc = cross_temps(&w, idx, v, dir, depth, hops, 0, stack, 1);
    }
    if(!rc) {
        out->nroots = w.roots;
        cut(&w, w.limit);
    }
    imap_free(&w.seen);
    imap_free(&w.edges);
    util_free(w.queue);
    if(rc)
        graph_result_free(out);
    return rc;
}

typedef struct pred {
    int child, parent, edge; /* result node indices, graph edge */
} pred_t;

/* Breadth-first from `from` along data flow until the level that reaches `to`; 1 when reached. */
static int bfs_to(walk_t *w, int from, int to, pred_t **preds, int *npreds, int *cpreds)
{
    const graph_snap_t *s = w->s;
    graph_result_t *r = w->r;
    int idx, rc = add_node(w, from, 0, 0, -1, &idx);
    if(rc || (rc = push(w, idx, GRAPH_DOWNSTREAM)))
        return rc;
    int found_depth = -1;
    while(w->qhead < w->qlen) {
        int i = w->queue[w->qhead++] / 4;
        int v = r->nodes[i].node, depth = r->nodes[i].depth;
        if(depth >= GRAPH_MAX_DEPTH || (found_depth >= 0 && depth >= found_depth))
            break;
        const int *list;
        int n = step_list(s, v, GRAPH_DOWNSTREAM, &list);
        for(int k = 0; k < n; k++) {
            int e = list[k];
            if(!step_ok(s, v, e, GRAPH_DOWNSTREAM))
                continue;
            int t = step_target(s, v, e, GRAPH_DOWNSTREAM);
            int j = seen_get(w, t);
            if(j < 0) {
                if((rc = add_node(w, t, depth + 1, GRAPH_DOWNSTREAM, v, &j)) || (rc = push(w, j, GRAPH_DOWNSTREAM)))
                    return rc;
            } else if(r->nodes[j].depth != depth + 1) {
                continue;
            }
            if((rc = reserve((void **)preds, cpreds, *npreds + 1, sizeof(pred_t))))
                return rc;
            (*preds)[(*npreds)++] = (pred_t){.child = j, .parent = i, .edge = e};
            if(t == to)
                found_depth = depth + 1;
        }
    }
    return found_depth >= 0;
}

static int cmp_pred(const void *a, const void *b)
{
    const pred_t *x = a, *y = b;
    if(x->child != y->child)
        return (x->child > y->child) - (x->child < y->child);
    return (x->parent > y->parent) - (x->parent < y->parent);
}

typedef struct enum_ctx {
    const pred_t *preds;
    int npreds;
    int stack[GRAPH_MAX_DEPTH];
    int *paths, *path_len;
    int npaths, max_paths;
} enum_ctx_t;

/* Predecessors of result node i, back to the start (index 0); every chain is a shortest path. */
static void enumerate(enum_ctx_t *c, int i, int len)
{
    if(c->npaths >= c->max_paths)
        return;
    if(i == 0) {
        int *row = c->paths + (size_t)c->npaths * GRAPH_MAX_DEPTH;
        for(int k = 0; k < len; k++)
            row[k] = c->stack[len - 1 - k];
        c->path_len[c->npaths++] = len;
        return;
    }
    int lo = 0, hi = c->npreds;
    while(lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if(c->preds[mid].child < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    for(int k = lo; k < c->npreds && c->preds[k].child == i && len < GRAPH_MAX_DEPTH; k++) {
        if(k > lo && c->preds[k - 1].parent == c->preds[k].parent)
            continue; /* the same step stored by another statement: one path, not two */
        c->stack[len] = c->preds[k].edge;
        enumerate(c, c->preds[k].parent, len + 1);
    }
}

/* The union of the paths as a result; path rows rewritten from graph edges to result edges. */
static int collect_paths(const graph_snap_t *s, const graph_result_t *tmp, const walk_t *tmp_walk, enum_ctx_t *c,
                         graph_result_t *out)
{
    walk_t w = {.s = s, .r = out};
    int rc = 0;
    for(int p = 0; p < c->npaths && !rc; p++) {
        int *row = c->paths + (size_t)p * GRAPH_MAX_DEPTH;
        for(int k = 0; k < c->path_len[p] && !rc; k++) {
            int e = row[k];
            int ends[2] = {s->esrc[e], s->edst[e]}, idx = -1;
            for(int side = 0; side < 2 && !rc; side++)
                if(imap_get(&w.seen, ends[side]) < 0) {
                    int ti = seen_get(tmp_walk, ends[side]);
                    rc = add_node(&w, ends[side], ti >= 0 ? tmp->nodes[ti].depth : 0, GRAPH_DOWNSTREAM, -1, &idx);
                }
            if(!rc)
                rc = add_edge(&w, ends[0], ends[1], &e, 1, &idx);
            row[k] = idx;
        }
    }
    imap_free(&w.seen);
    imap_free(&w.edges);
    out->nroots = out->nnodes ? 1 : 0;
    out->total_nodes = out->nnodes;
    out->total_edges = out->nedges;
    return rc;
}

static int paths_once(const graph_snap_t *s, int from, int to, enum_ctx_t *c, graph_result_t *out)
{
    graph_query_t q = {.direction = GRAPH_DOWNSTREAM, .depth = GRAPH_MAX_DEPTH, .limit = GRAPH_MAX_LIMIT};
    graph_result_t tmp = {0};
    /* A path search may cover the whole graph: a dense array beats hashing every node. */
    walk_t w = {.s = s, .q = &q, .r = &tmp, .dense = util_malloc((size_t)s->n * sizeof(int))};
    pred_t *preds = NULL;
    int npreds = 0, cpreds = 0;
    if(!w.dense)
        return GRAPH_ERR_NOMEM;
    memset(w.dense, 0xff, (size_t)s->n * sizeof(int)); /* all -1 */
    int rc = bfs_to(&w, from, to, &preds, &npreds, &cpreds);
    if(rc == 1) {
        qsort(preds, (size_t)npreds, sizeof(pred_t), cmp_pred);
        c->preds = preds;
        c->npreds = npreds;
        enumerate(c, seen_get(&w, to), 0);
        rc = collect_paths(s, &tmp, &w, c, out);
        rc = rc ? rc : 1;
    }
    util_free(preds);
    util_free(w.dense);
    imap_free(&w.seen);
    imap_free(&w.edges);
    util_free(w.queue);
    graph_result_free(&tmp);
    return rc;
}

int graph_paths(const graph_snap_t *s, int from, int to, int max_paths, graph_result_t *out, int *paths, int *path_len,
                int *npaths, int *reversed)
{
    memset(out, 0, sizeof(*out));
    *npaths = 0;
    *reversed = 0;
    if(from < 0 || from >= s->n || to < 0 || to >= s->n || max_paths < 1 || from == to)
        return GRAPH_ERR_ARG;
    enum_ctx_t c = {.paths = paths, .path_len = path_len, .max_paths = max_paths};
    int rc = paths_once(s, from, to, &c, out);
    if(rc == 0) {
        rc = paths_once(s, to, from, &c, out);
        *reversed = rc == 1;
    }
    *npaths = c.npaths;
    if(rc < 0) {
        graph_result_free(out);
        return rc;
    }
    return 0;
}
