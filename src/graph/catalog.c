/*
 * The catalog across files. A table's columns are known from the statements that define them in
 * any current file: CONTAINS edges the writer marks DEFINED (CREATE TABLE and CREATE VIEW column
 * lists or complete select lists, ALTER TABLE ADD COLUMN). A file that reads a table it does not
 * define stores `SELECT *` as the column edge `s.* -> t.*`; here, at every build of the index,
 * such an edge becomes `s.c -> t.c` for every column c of s, and a bare column the engine could not
 * attribute goes to the one table it reads that has it. The index is rebuilt from DuckDB
 * after commits, so the order in which files arrived does not matter, a later DDL file expands
 * what an earlier one could not, and a superseded DDL version takes its columns with it.
 */
#include "graph/snap.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { M_DEFINED = 1, M_DERIVED = 2 };

/* One column of a table: defined by DDL, or given to it by an expanded star. */
typedef struct member {
    int table, col;
    int next; /* the table's next member, or -1 */
    uint8_t flags;
} member_t;

typedef struct cat {
    graph_builder_t *b;
    size_t nn; /* nodes loaded from the store; only those can be tables */
    graph_idmap_t ids;
    int *table_of;     /* column -> its table (CONTAINS), or -1 */
    int *first, *last; /* table -> its members in the order met (a DDL's column order), or -1 */
    uint8_t *defined;
    int *pending; /* table -> star edges into it not yet expanded */
    member_t *mem;
    size_t nmem, cmem;
    int *slots; /* members hashed by (table, lower-cased column name); -1: empty */
    size_t cslots;
    int64_t next_id; /* ids of columns only the index knows: negative, never the store's */
    int full;        /* the snapshot's bounds were reached: stop expanding */
} cat_t;

static const char *node_name(const cat_t *c, int v, size_t *len)
{
    const bnode_t *n = &c->b->nodes[v];
    *len = n->len;
    return c->b->pool + n->name;
}

/* The column's own name: what follows the table's name. */
static const char *col_part(const cat_t *c, int v, size_t *len)
{
    size_t n;
    const char *name = node_name(c, v, &n);
    size_t i = n;
    while(i > 0 && name[i - 1] != '.')
        i--;
    *len = n - i;
    return name + i;
}

/* A column the engine could not give a table: the writer stores it under its bare name. */
static int is_bare(const cat_t *c, int v)
{
    size_t len;
    return c->b->nodes[v].kind == GRAPH_COLUMN && col_part(c, v, &len) && len == c->b->nodes[v].len;
}

static int is_star(const cat_t *c, int v)
{
    const bnode_t *n = &c->b->nodes[v];
    const char *name = c->b->pool + n->name;
    return n->kind == GRAPH_COLUMN && n->len >= 2 && name[n->len - 1] == '*' && name[n->len - 2] == '.';
}

static size_t slot_of(const cat_t *c, int table, const char *part, size_t len)
{
    uint64_t h = graph_hash_lower(part, len) ^ ((uint64_t)(unsigned)table * 0x9e3779b97f4a7c15ull);
    return (size_t)(h ^ (h >> 29)) & (c->cslots - 1);
}

static int same_part(const cat_t *c, const member_t *m, const char *part, size_t len)
{
    size_t l;
    const char *p = col_part(c, m->col, &l);
    return l == len && strncasecmp(p, part, len) == 0;
}

static int member_find(const cat_t *c, int table, const char *part, size_t len)
{
    for(size_t i = slot_of(c, table, part, len);; i = (i + 1) & (c->cslots - 1)) {
        int k = c->slots[i];
        if(k < 0)
            return -1;
        if(c->mem[k].table == table && same_part(c, &c->mem[k], part, len))
            return k;
    }
}

static void slot_insert(cat_t *c, int k)
{
    size_t len;
    const char *part = col_part(c, c->mem[k].col, &len);
    size_t i = slot_of(c, c->mem[k].table, part, len);
    while(c->slots[i] >= 0)
        i = (i + 1) & (c->cslots - 1);
    c->slots[i] = k;
}

/* Adds `col` to `table` (or the flags to the member of that name); -1 when out of memory. */
static int member_add(cat_t *c, int table, int col, uint8_t flags)
{
    size_t len;
    const char *part = col_part(c, col, &len);
    int k = c->cslots ? member_find(c, table, part, len) : -1;
    if(k >= 0) {
        c->mem[k].flags |= flags;
        return k;
    }
    if(c->nmem == c->cmem) {
        size_t cap = c->cmem ? c->cmem * 2 : 256;
        member_t *m = util_realloc(c->mem, cap * sizeof *m);
        if(!m)
            return -1;
        c->mem = m;
        c->cmem = cap;
    }
    if((c->nmem + 1) * 2 > c->cslots) {
        size_t cap = c->cslots ? c->cslots * 2 : 512;
        int *s = util_malloc(cap * sizeof *s);
        if(!s)
            return -1;
        util_free(c->slots);
        c->slots = s;
        c->cslots = cap;
        memset(s, 0xff, cap * sizeof *s);
        for(size_t i = 0; i < c->nmem; i++)
            slot_insert(c, (int)i);
    }
    k = (int)c->nmem++;
    c->mem[k] = (member_t){.table = table, .col = col, .next = -1, .flags = flags};
    if(c->last[table] >= 0)
        c->mem[c->last[table]].next = k;
    else
        c->first[table] = k;
    c->last[table] = k;
    slot_insert(c, k);
    return k;
}

static int is_defined_edge(const graph_builder_t *b, const bedge_t *e)
{
    return e->trans != GRAPH_NOSTR && strcmp(b->pool + e->trans, "DEFINED") == 0;
}

/* A column of `table` the store does not hold, named after the source column `src`. */
static int new_column(cat_t *c, int table, int src, int64_t stmt)
{
    char name[GRAPH_MAX_NAME + 1];
    size_t tl, cl;
    const char *tn = node_name(c, table, &tl);
    const char *part = col_part(c, src, &cl);
    if(tl + 1 + cl > GRAPH_MAX_NAME)
        return -2;
    memcpy(name, tn, tl);
    name[tl] = '.';
    memcpy(name + tl + 1, part, cl);
    name[tl + 1 + cl] = '\0';
    graph_builder_t *b = c->b;
    int v = (int)b->nnodes;
    int64_t id = c->next_id--;
    if(graph_builder_add_node(b, id, GRAPH_COLUMN, name, b->nodes[table].temp) ||
       graph_builder_add_edge(b, b->nodes[table].id, id, GRAPH_CONTAINS, stmt, NULL))
        return -1;
    return v;
}

/*
 * `s.* -> t.*` (edge k) as one edge per column of s: onto t's defined columns of the same name when
 * DDL defines t, else onto t.c, created when the store has no such column. Returns the edges added
 * (0 leaves the star edge in place), or -1 when out of memory.
 */
static int expand_star(cat_t *c, size_t k)
{
    graph_builder_t *b = c->b;
    bedge_t e = b->edges[k];
    int s = c->table_of[graph_idmap_get(&c->ids, e.src)], t = c->table_of[graph_idmap_get(&c->ids, e.dst)];
    const char *trans = e.trans == GRAPH_NOSTR ? NULL : b->pool + e.trans;
    char trans_copy[64];
    if(trans) {
        /* the pool moves as names are added */
        size_t tl = strlen(trans);
        if(tl >= sizeof trans_copy)
            tl = sizeof trans_copy - 1;
        memcpy(trans_copy, trans, tl);
        trans_copy[tl] = '\0';
        trans = trans_copy;
    }
    uint8_t want = c->defined[s] ? M_DEFINED : M_DERIVED;
    int added = 0;
    for(int m = c->first[s]; m >= 0 && !c->full; m = c->mem[m].next) {
        if(!(c->mem[m].flags & want) || is_star(c, c->mem[m].col))
            continue;
        if(b->nedges + 2 >= GRAPH_MAX_EDGES || b->nnodes + 1 >= GRAPH_MAX_NODES) {
            c->full = 1;
            break;
        }
        int src = c->mem[m].col;
        size_t len;
        const char *part = col_part(c, src, &len);
        int tm = member_find(c, t, part, len), dst;
        if(c->defined[t]) {
            if(tm < 0 || !(c->mem[tm].flags & M_DEFINED))
                continue;
            dst = c->mem[tm].col;
        } else if(tm >= 0) {
            c->mem[tm].flags |= M_DERIVED;
            dst = c->mem[tm].col;
        } else {
            dst = new_column(c, t, src, e.stmt);
            if(dst == -2)
                continue;
            if(dst < 0 || member_add(c, t, dst, M_DERIVED) < 0)
                return -1;
        }
        if(dst == src)
            continue;
        if(graph_builder_add_edge(b, b->nodes[src].id, b->nodes[dst].id, GRAPH_DERIVES, e.stmt, trans))
            return -1;
        added++;
    }
    return added;
}

/* (statement, table) pairs, sorted by statement. */
typedef struct stmt_table {
    int64_t stmt;
    int table;
} stmt_table_t;

static int cmp_stmt_table(const void *a, const void *b)
{
    int64_t x = ((const stmt_table_t *)a)->stmt, y = ((const stmt_table_t *)b)->stmt;
    return (x > y) - (x < y);
}

/* The first pair of `stmt` (or where it would be). */
static size_t first_of(const stmt_table_t *v, size_t n, int64_t stmt)
{
    size_t lo = 0, hi = n;
    while(lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if(v[mid].stmt < stmt)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int has_pair(const stmt_table_t *v, size_t n, int64_t stmt, int table)
{
    for(size_t i = first_of(v, n, stmt); i < n && v[i].stmt == stmt; i++)
        if(v[i].table == table)
            return 1;
    return 0;
}

/*
 * `SELECT *, x + 1 AS y FROM s` into t: besides s's columns, t has y, the statement's other
 * target (its CONTAINS or DERIVES belongs to the statement of the star); a view over t sees it.
 */
static int star_siblings(cat_t *c, const uint8_t *star, size_t ne, size_t nstars)
{
    graph_builder_t *b = c->b;
    size_t n = 0;
    stmt_table_t *into = util_malloc(nstars * sizeof *into);
    if(!into)
        return GRAPH_ERR_NOMEM;
    for(size_t k = 0; k < ne; k++)
        if(star[k] == 2)
            into[n++] = (stmt_table_t){b->edges[k].stmt, c->table_of[graph_idmap_get(&c->ids, b->edges[k].dst)]};
    qsort(into, n, sizeof *into, cmp_stmt_table);
    int rc = 0;
    for(size_t k = 0; k < ne && !rc; k++) {
        const bedge_t *e = &b->edges[k];
        int z = graph_idmap_get(&c->ids, e->dst);
        if(z < 0 || star[k] || b->nodes[z].kind != GRAPH_COLUMN || is_star(c, z) || c->table_of[z] < 0 ||
           (e->kind != GRAPH_CONTAINS && e->kind != GRAPH_DERIVES))
            continue;
        int t = c->table_of[z];
        if(!c->defined[t] && has_pair(into, n, e->stmt, t) && member_add(c, t, z, M_DERIVED) < 0)
            rc = GRAPH_ERR_NOMEM;
    }
    util_free(into);
    return rc;
}

/*
 * Expands the star edges (marked 2 in `drop`) sources first: a source's columns are complete once
 * DDL defines it or every star into it is expanded. A cycle of stars with no DDL stays as it is.
 * Each star edge is queued once: linear, however long a chain of views.
 */
static int expand_stars(cat_t *c, uint8_t *drop, size_t ne, size_t nstars)
{
    graph_builder_t *b = c->b;
    size_t *off = util_calloc(c->nn + 2, sizeof *off);
    size_t *by_src = util_malloc(nstars * sizeof *by_src), *queue = util_malloc(nstars * sizeof *queue);
    int rc = GRAPH_ERR_NOMEM;
    if(!off || !by_src || !queue)
        goto out;
    for(size_t k = 0; k < ne; k++)
        if(drop[k] == 2)
            off[c->table_of[graph_idmap_get(&c->ids, b->edges[k].src)] + 2]++;
    for(size_t v = 0; v < c->nn; v++)
        off[v + 2] += off[v + 1];
    size_t head = 0, tail = 0;
    for(size_t k = 0; k < ne; k++) {
        if(drop[k] != 2)
            continue;
        int s = c->table_of[graph_idmap_get(&c->ids, b->edges[k].src)];
        by_src[off[s + 1]++] = k;
        if(c->defined[s] || c->pending[s] == 0)
            queue[tail++] = k;
    }
    /* off[s] .. off[s + 1]: the star edges leaving s */
    rc = 0;
    while(head < tail && !c->full) {
        size_t k = queue[head++];
        int t = c->table_of[graph_idmap_get(&c->ids, b->edges[k].dst)];
        int added = expand_star(c, k);
        if(added < 0) {
            rc = GRAPH_ERR_NOMEM;
            break;
        }
        drop[k] = added > 0 && !c->full; /* cut short at the bounds: keep the star too */
        if(--c->pending[t] == 0 && !c->defined[t])
            for(size_t i = off[t]; i < off[t + 1]; i++)
                queue[tail++] = by_src[i];
    }
out:
    util_free(off);
    util_free(by_src);
    util_free(queue);
    return rc;
}

static void cat_free(cat_t *c)
{
    graph_idmap_free(&c->ids);
    util_free(c->table_of);
    util_free(c->first);
    util_free(c->last);
    util_free(c->defined);
    util_free(c->pending);
    util_free(c->mem);
    util_free(c->slots);
}

/*
 * A bare source column of a column edge (one the engine could not attribute, the statement
 * reading several tables) goes to the only table the statement reads that has a column of that
 * name (DDL-defined, or given by an expanded star); with none or several the edge is dropped,
 * as the writer once left bare names out.
 */
static int resolve_bare(cat_t *c, uint8_t *drop, size_t ne)
{
    graph_builder_t *b = c->b;
    size_t nreads = 0, nbare = 0;
    for(size_t k = 0; k < ne; k++) {
        const bedge_t *e = &b->edges[k];
        int a = graph_idmap_get(&c->ids, e->src);
        nreads += e->kind == GRAPH_READS_FROM;
        nbare += e->kind == GRAPH_DERIVES && a >= 0 && is_bare(c, a);
    }
    if(nbare == 0)
        return 0;
    stmt_table_t *reads = util_malloc((nreads + 1) * sizeof *reads);
    if(!reads)
        return GRAPH_ERR_NOMEM;
    size_t n = 0;
    for(size_t k = 0; k < ne; k++) {
        int z = graph_idmap_get(&c->ids, b->edges[k].dst);
        if(b->edges[k].kind == GRAPH_READS_FROM && z >= 0)
            reads[n++] = (stmt_table_t){b->edges[k].stmt, z};
    }
    qsort(reads, n, sizeof *reads, cmp_stmt_table);
    for(size_t k = 0; k < ne; k++) {
        bedge_t *e = &b->edges[k];
        int a = graph_idmap_get(&c->ids, e->src);
        if(e->kind != GRAPH_DERIVES || a < 0 || !is_bare(c, a))
            continue;
        size_t len;
        const char *part = col_part(c, a, &len);
        int found = -1, count = 0;
        for(size_t i = first_of(reads, n, e->stmt); i < n && reads[i].stmt == e->stmt && count < 2; i++) {
            int t = reads[i].table, m = member_find(c, t, part, len);
            if(m >= 0 && (c->mem[m].flags & (c->defined[t] ? M_DEFINED : M_DERIVED)) && c->mem[m].col != found) {
                found = c->mem[m].col;
                count++;
            }
        }
        if(count == 1)
            e->src = b->nodes[found].id;
        else
            drop[k] = 1;
    }
    util_free(reads);
    return 0;
}

/*
 * Drops the edges marked in `drop` (the first `nd` edges), bare columns, and star columns left with
 * nothing but their table's CONTAINS.
 */
static int drop_replaced(cat_t *c, const uint8_t *drop, size_t nd)
{
    graph_builder_t *b = c->b;
    int *uses = util_calloc(c->nn + 1, sizeof *uses);
    if(!uses)
        return GRAPH_ERR_NOMEM;
    size_t o = 0;
    for(size_t k = 0; k < b->nedges; k++) {
        if(k < nd && drop[k])
            continue;
        bedge_t *e = &b->edges[k];
        if(e->kind != GRAPH_CONTAINS)
            for(int end = 0; end < 2; end++) {
                int v = graph_idmap_get(&c->ids, end ? e->dst : e->src);
                if(v >= 0 && (size_t)v < c->nn)
                    uses[v]++;
            }
        b->edges[o++] = *e;
    }
    b->nedges = o;
    o = 0;
    for(size_t v = 0; v < b->nnodes; v++) {
        if(v < c->nn && graph_idmap_get(&c->ids, b->nodes[v].id) == (int)v &&
           (is_bare(c, (int)v) || (is_star(c, (int)v) && uses[v] == 0)))
            continue;
        b->nodes[o++] = b->nodes[v];
    }
    b->nnodes = o;
    util_free(uses);
    return 0;
}

static int is_marked(const graph_builder_t *b, const bedge_t *e, const char *mark)
{
    return e->kind == GRAPH_CONTAINS && e->trans != GRAPH_NOSTR && strcmp(b->pool + e->trans, mark) == 0;
}

/* A column's DROPPED or DEFINED mark, and where it stands among the DDL: its file's path, then its statement. */
typedef struct col_event {
    int64_t col, stmt;
    const char *path;
} col_event_t;

static int cmp_event_col(const void *a, const void *b)
{
    int64_t x = ((const col_event_t *)a)->col, y = ((const col_event_t *)b)->col;
    return (x > y) - (x < y);
}

/* >0 when `a` comes after `b` in the DDL's order. */
static int event_order(const col_event_t *a, const col_event_t *b)
{
    int c = strcmp(a->path, b->path);
    return c ? c : (a->stmt > b->stmt) - (a->stmt < b->stmt);
}

static const char *edge_path(const graph_builder_t *b, const graph_idmap_t *files, const bedge_t *e)
{
    int f = graph_idmap_get(files, e->file);
    return f >= 0 && b->files[f].path != GRAPH_NOSTR ? b->pool + b->files[f].path : "";
}

/*
 * ALTER TABLE .. DROP COLUMN and RENAME COLUMN (the old name) across files. Per column the last
 * change wins: a DROPPED mark after every DEFINED one (later in the same file, or in a file whose
 * path sorts after, as migrations are named in their order: 001_, V2__, timestamps) removes the
 * column's DEFINED edges, so no star expands to it and no column list shows it as defined; a
 * definition after the drop (ADD COLUMN again) stands. The marks are removed either way, and a
 * column left with no edge at all (one only DDL ever named) goes with them.
 */
static int apply_dropped(graph_builder_t *b)
{
    size_t nd = 0;
    for(size_t k = 0; k < b->nedges; k++)
        nd += is_marked(b, &b->edges[k], "DROPPED");
    if(!nd)
        return 0;
    graph_idmap_t files = {0}, touched = {0};
    col_event_t *last = util_malloc(nd * sizeof *last);
    uint8_t *remove = util_calloc(b->nedges + 1, 1);
    int *uses = NULL;
    int rc = GRAPH_ERR_NOMEM;
    if(!last || !remove || graph_idmap_init(&files, b->nfiles))
        goto out;
    for(size_t f = 0; f < b->nfiles; f++)
        graph_idmap_put(&files, b->files[f].id, (int)f);
    /* the last drop of each column */
    size_t n = 0;
    for(size_t k = 0; k < b->nedges; k++)
        if(is_marked(b, &b->edges[k], "DROPPED")) {
            remove[k] = 1;
            last[n++] = (col_event_t){b->edges[k].dst, b->edges[k].stmt, edge_path(b, &files, &b->edges[k])};
        }
    qsort(last, n, sizeof *last, cmp_event_col);
    size_t u = 0;
    for(size_t i = 0; i < n; i++) {
        if(u && last[u - 1].col == last[i].col) {
            if(event_order(&last[i], &last[u - 1]) > 0)
                last[u - 1] = last[i];
        } else {
            last[u++] = last[i];
        }
    }
    /* a definition after the last drop keeps the column */
    for(size_t k = 0; k < b->nedges; k++) {
        const bedge_t *e = &b->edges[k];
        if(!is_marked(b, e, "DEFINED"))
            continue;
        col_event_t key = {e->dst, e->stmt, edge_path(b, &files, e)};
        col_event_t *d = bsearch(&key, last, u, sizeof *last, cmp_event_col);
        if(d && event_order(&key, d) > 0)
            d->stmt = INT64_MAX; /* re-added: the drop no longer applies */
    }
    size_t nremove = 0;
    for(size_t k = 0; k < b->nedges; k++) {
        const bedge_t *e = &b->edges[k];
        col_event_t key = {e->dst, 0, ""};
        col_event_t *d = is_marked(b, e, "DEFINED") ? bsearch(&key, last, u, sizeof *last, cmp_event_col) : NULL;
        if(d && d->stmt != INT64_MAX)
            remove[k] = 1;
        nremove += remove[k];
    }
    /* the columns that lost an edge, and how many edges each keeps */
    uses = util_calloc(nremove + 1, sizeof *uses);
    if(!uses || graph_idmap_init(&touched, nremove))
        goto out;
    int ntouched = 0;
    for(size_t k = 0; k < b->nedges; k++)
        if(remove[k] && graph_idmap_put(&touched, b->edges[k].dst, ntouched) == ntouched)
            ntouched++;
    size_t o = 0;
    for(size_t k = 0; k < b->nedges; k++) {
        if(remove[k])
            continue;
        const bedge_t *e = &b->edges[k];
        int i = graph_idmap_get(&touched, e->src), j = graph_idmap_get(&touched, e->dst);
        if(i >= 0)
            uses[i]++;
        if(j >= 0)
            uses[j]++;
        b->edges[o++] = *e;
    }
    b->nedges = o;
    o = 0;
    for(size_t v = 0; v < b->nnodes; v++) {
        int i = graph_idmap_get(&touched, b->nodes[v].id);
        if(i < 0 || uses[i] > 0)
            b->nodes[o++] = b->nodes[v];
    }
    b->nnodes = o;
    rc = 0;
out:
    util_free(last);
    util_free(remove);
    util_free(uses);
    graph_idmap_free(&files);
    graph_idmap_free(&touched);
    return rc;
}

int graph_catalog_expand(graph_builder_t *b)
{
    if(apply_dropped(b))
        return GRAPH_ERR_NOMEM;
    cat_t c = {.b = b, .nn = b->nnodes, .next_id = -1};
    /* most builds have no star and no bare column: nothing to do */
    int work = 0;
    for(size_t v = 0; v < c.nn && !work; v++)
        work = is_star(&c, (int)v) || is_bare(&c, (int)v);
    if(!work)
        return 0;
    uint8_t *drop = NULL;
    size_t ne = b->nedges;
    int rc = GRAPH_ERR_NOMEM;
    if(graph_idmap_init(&c.ids, c.nn))
        goto out;
    c.table_of = util_malloc((c.nn + 1) * sizeof *c.table_of);
    c.first = util_malloc((c.nn + 1) * sizeof *c.first);
    c.last = util_malloc((c.nn + 1) * sizeof *c.last);
    c.defined = util_calloc(c.nn + 1, 1);
    c.pending = util_calloc(c.nn + 1, sizeof *c.pending);
    drop = util_calloc(ne + 1, 1);
    if(!c.table_of || !c.first || !c.last || !c.defined || !c.pending || !drop)
        goto out;
    for(size_t v = 0; v < c.nn; v++) {
        graph_idmap_put(&c.ids, b->nodes[v].id, (int)v);
        c.table_of[v] = c.first[v] = c.last[v] = -1;
    }

    /* every table's columns from its CONTAINS edges, and which of them DDL defined */
    size_t nstars = 0;
    for(size_t k = 0; k < ne; k++) {
        const bedge_t *e = &b->edges[k];
        if(e->kind != GRAPH_CONTAINS)
            continue;
        int a = graph_idmap_get(&c.ids, e->src), z = graph_idmap_get(&c.ids, e->dst);
        if(a >= 0 && z >= 0 && b->nodes[z].kind == GRAPH_COLUMN && b->nodes[a].kind != GRAPH_COLUMN) {
            int defined = is_defined_edge(b, e);
            if(c.table_of[z] < 0)
                c.table_of[z] = a;
            if(member_add(&c, a, z, defined ? M_DEFINED : 0) < 0)
                goto out;
            c.defined[a] |= (uint8_t)defined;
        }
    }
    for(size_t k = 0; k < ne; k++) {
        const bedge_t *e = &b->edges[k];
        if(e->kind != GRAPH_DERIVES)
            continue;
        int a = graph_idmap_get(&c.ids, e->src), z = graph_idmap_get(&c.ids, e->dst);
        if(a < 0 || z < 0 || !is_star(&c, a) || !is_star(&c, z) || c.table_of[a] < 0 || c.table_of[z] < 0 ||
           c.table_of[a] == c.table_of[z])
            continue;
        drop[k] = 2; /* a star edge, waiting */
        c.pending[c.table_of[z]]++;
        nstars++;
    }

    if(nstars && star_siblings(&c, drop, ne, nstars))
        goto out;

    rc = nstars ? expand_stars(&c, drop, ne, nstars) : 0;
    if(rc)
        goto out;
    for(size_t k = 0; k < ne; k++)
        if(drop[k] == 2)
            drop[k] = 0;
    rc = resolve_bare(&c, drop, ne);
    if(!rc)
        rc = drop_replaced(&c, drop, ne);
out:
    util_free(drop);
    cat_free(&c);
    return rc;
}
