/*
 * The index's base: the store's graph rows as last read, kept between builds so that a commit
 * costs a read of the files it changed instead of the whole graph (src/graph/load.c reads them).
 * The rules mirror the writer's (docs/graph.md, "Versions"): a file's new version replaces the old
 * one's statements and edges, and a node whose last edge went is deleted.
 */
#include "graph/snap.h"
#include "util/alloc.h"

#include <string.h>

static void *dup_rows(const void *rows, size_t n, size_t size)
{
    void *p = util_malloc((n ? n : 1) * size);
    if(p && n)
        memcpy(p, rows, n * size);
    return p;
}

graph_builder_t *graph_builder_clone(const graph_builder_t *b)
{
    graph_builder_t *c = util_calloc(1, sizeof(*c));
    if(!c)
        return NULL;
    c->nodes = dup_rows(b->nodes, b->nnodes, sizeof(bnode_t));
    c->files = dup_rows(b->files, b->nfiles, sizeof(bfile_t));
    c->stmts = dup_rows(b->stmts, b->nstmts, sizeof(bstmt_t));
    c->edges = dup_rows(b->edges, b->nedges, sizeof(bedge_t));
    c->pool = dup_rows(b->pool, b->plen, 1);
    if(!c->nodes || !c->files || !c->stmts || !c->edges || !c->pool) {
        graph_builder_free(c);
        return NULL;
    }
    c->nnodes = b->nnodes;
    c->cnodes = b->nnodes ? b->nnodes : 1;
    c->nfiles = b->nfiles;
    c->cfiles = b->nfiles ? b->nfiles : 1;
    c->nstmts = b->nstmts;
    c->cstmts = b->nstmts ? b->nstmts : 1;
    c->nedges = b->nedges;
    c->cedges = b->nedges ? b->nedges : 1;
    c->plen = b->plen;
    c->pcap = b->plen ? b->plen : 1;
    c->garbage = b->garbage;
    c->failed = b->failed;
    c->stop = b->stop;
    return c;
}

static size_t str_bytes(const graph_builder_t *b, uint32_t off)
{
    return off == GRAPH_NOSTR ? 0 : strlen(b->pool + off) + 1;
}

static const char *str_of(const graph_builder_t *b, uint32_t off)
{
    return off == GRAPH_NOSTR ? NULL : b->pool + off;
}

/* A set of ids: graph_idmap with every value 0. */
static int set_init(graph_idmap_t *m, size_t n)
{
    return graph_idmap_init(m, n ? n : 1) ? GRAPH_ERR_NOMEM : 0;
}

static int in_set(const graph_idmap_t *m, int64_t id)
{
    return graph_idmap_get(m, id) >= 0;
}

/* Rows of `fresh` appended to `base`, their strings interned again in base's pool. */
static int append_fresh(graph_builder_t *base, const graph_builder_t *fresh)
{
    int rc = 0;
    for(size_t i = 0; !rc && i < fresh->nfiles; i++) {
        const bfile_t *f = &fresh->files[i];
        graph_file_row_t row = {
            .path = str_of(fresh, f->path),
            .disk_path = str_of(fresh, f->disk),
            .repository = str_of(fresh, f->repo),
            .project = str_of(fresh, f->project),
            .dialect = str_of(fresh, f->dialect),
            .commit = str_of(fresh, f->commit),
            .branch = str_of(fresh, f->branch),
        };
        rc = graph_builder_add_file(base, f->id, &row);
    }
    for(size_t i = 0; !rc && i < fresh->nstmts; i++) {
        const bstmt_t *st = &fresh->stmts[i];
        rc = graph_builder_add_statement(base, st->id, st->file, st->line, str_of(fresh, st->kind),
                                         str_of(fresh, st->routine), str_of(fresh, st->error));
    }
    for(size_t i = 0; !rc && i < fresh->nedges; i++) {
        const bedge_t *e = &fresh->edges[i];
        rc = graph_builder_add_edge(base, e->src, e->dst, (graph_edge_kind_t)e->kind, e->stmt, str_of(fresh, e->trans));
        if(!rc)
            base->edges[base->nedges - 1].file = e->file;
    }
    for(size_t i = 0; !rc && i < fresh->nnodes; i++) {
        const bnode_t *n = &fresh->nodes[i];
        rc = graph_builder_add_node(base, n->id, (graph_kind_t)n->kind, fresh->pool + n->name, n->temp);
    }
    return rc;
}

int graph_base_apply(graph_builder_t *base, const int64_t *gone, size_t ngone, graph_builder_t *fresh)
{
    graph_idmap_t gone_set = {0}, fresh_nodes = {0}, orphans = {0};
    int *referenced = NULL;
    int rc = base->failed ? base->failed : fresh->failed;
    if(rc)
        goto out;
    rc = set_init(&gone_set, ngone);
    for(size_t i = 0; !rc && i < ngone; i++)
        graph_idmap_put(&gone_set, gone[i], 0);

    size_t o = 0;
    for(size_t i = 0; !rc && i < base->nfiles; i++) {
        const bfile_t *f = &base->files[i];
        if(in_set(&gone_set, f->id))
            base->garbage += str_bytes(base, f->path) + str_bytes(base, f->disk) + str_bytes(base, f->repo) +
                             str_bytes(base, f->project) + str_bytes(base, f->dialect) + str_bytes(base, f->commit) +
                             str_bytes(base, f->branch);
        else
            base->files[o++] = *f;
    }
    base->nfiles = o;
    o = 0;
    for(size_t i = 0; !rc && i < base->nstmts; i++) {
        const bstmt_t *st = &base->stmts[i];
        if(in_set(&gone_set, st->file))
            base->garbage += str_bytes(base, st->kind) + str_bytes(base, st->routine) + str_bytes(base, st->error);
        else
            base->stmts[o++] = *st;
    }
    base->nstmts = o;

    /* the ends of the edges that leave may be left with none: they are the candidates */
    size_t dropped = 0;
    for(size_t i = 0; !rc && i < base->nedges; i++)
        dropped += in_set(&gone_set, base->edges[i].file);
    int norphans = 0;
    rc = rc ? rc : set_init(&orphans, 2 * dropped);
    o = 0;
    for(size_t i = 0; !rc && i < base->nedges; i++) {
        const bedge_t *e = &base->edges[i];
        if(!in_set(&gone_set, e->file)) {
            base->edges[o++] = *e;
            continue;
        }
        base->garbage += str_bytes(base, e->trans);
        if(graph_idmap_put(&orphans, e->src, norphans) == norphans)
            norphans++;
        if(graph_idmap_put(&orphans, e->dst, norphans) == norphans)
            norphans++;
    }
    base->nedges = o;

    rc = rc ? rc : set_init(&fresh_nodes, fresh->nnodes);
    for(size_t i = 0; !rc && i < fresh->nnodes; i++)
        graph_idmap_put(&fresh_nodes, fresh->nodes[i].id, 0);
    rc = rc ? rc : append_fresh(base, fresh);

    /* a candidate any edge still names stays */
    referenced = util_calloc((size_t)norphans + 1, sizeof(int));
    if(!rc && !referenced)
        rc = GRAPH_ERR_NOMEM;
    for(size_t i = 0; !rc && norphans && i < base->nedges; i++) {
        int k = graph_idmap_get(&orphans, base->edges[i].src);
        if(k >= 0)
            referenced[k] = 1;
        k = graph_idmap_get(&orphans, base->edges[i].dst);
        if(k >= 0)
            referenced[k] = 1;
    }
    /* base nodes named by fresh rows are replaced by them (a table may have become a view) */
    size_t old_nodes = base->nnodes - fresh->nnodes;
    o = 0;
    for(size_t i = 0; !rc && i < base->nnodes; i++) {
        const bnode_t *n = &base->nodes[i];
        int k = i < old_nodes ? graph_idmap_get(&orphans, n->id) : -1;
        if(i < old_nodes && (in_set(&fresh_nodes, n->id) || (k >= 0 && !referenced[k])))
            base->garbage += n->len + 1;
        else
            base->nodes[o++] = *n;
    }
    if(!rc)
        base->nnodes = o;
out:
    if(rc && !base->failed)
        base->failed = rc;
    graph_idmap_free(&gone_set);
    graph_idmap_free(&fresh_nodes);
    graph_idmap_free(&orphans);
    util_free(referenced);
    graph_builder_free(fresh);
    return rc;
}
