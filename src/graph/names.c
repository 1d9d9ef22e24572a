/* Finding nodes by name: exact lookup with or without leading parts, and ranked search. */
#include "graph/snap.h"
#include "util/utf8.h"

#include <ctype.h>
#include <string.h>

static int quoting(unsigned char c)
{
    return c == '"' || c == '`' || c == '[' || c == ']';
}

/*
 * Lower-cases and drops quoting characters ("x", `x`, [x]) unless `verbatim`; 0, or GRAPH_ERR_ARG when
 * too long or empty.
 */
static int normalise_as(const char *in, int verbatim, char out[GRAPH_MAX_NAME + 1], size_t *len)
{
    size_t n = 0;
    for(const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if(!verbatim && quoting(c))
            continue;
        if(n >= GRAPH_MAX_NAME)
            return GRAPH_ERR_ARG;
        out[n++] = (char)c;
    }
    utf8_lower(out, out, n);
    const unsigned char *u = (const unsigned char *)out;
    size_t start = 0, end = 0, sp;
    while(start < n && (sp = utf8_space_len(u + start, n - start)))
        start += sp;
    for(size_t i = start; i < n;) { /* white space at the end: `end` stops after the last other character */
        sp = utf8_space_len(u + i, n - i);
        i += sp ? sp : 1;
        if(!sp)
            end = i;
    }
    n = end > start ? end - start : 0;
    memmove(out, out + start, n);
    out[n] = '\0';
    *len = n;
    return n ? 0 : GRAPH_ERR_ARG;
}

static int normalise(const char *in, char out[GRAPH_MAX_NAME + 1], size_t *len)
{
    return normalise_as(in, 0, out, len);
}

/*
 * The index's entry of a name: as written first when it holds quoting characters (a quoted identifier
 * keeps them: a table named "a[1]" is stored as a[1]), else without them ("Sales"."Orders" is
 * sales.orders). NULL when neither names a node.
 */
static const graph_name_entry_t *name_entry(const graph_snap_t *s, const char *name)
{
    char key[GRAPH_MAX_NAME + 1];
    size_t len;
    const graph_name_entry_t *e = NULL;
    if(strpbrk(name, "\"`[]") && !normalise_as(name, 1, key, &len))
        e = graph_name_slot(s, key, len);
    if(!e && !normalise(name, key, &len))
        e = graph_name_slot(s, key, len);
    return e;
}

int graph_name_blank(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t len = strlen(name);
    for(size_t i = 0, sp; i < len; i += sp ? sp : 1) {
        sp = utf8_space_len(p + i, len - i);
        if(!sp && !quoting(p[i]))
            return 0;
    }
    return 1;
}

static void add_unique(int *list, int *n, int max, int *total, int v)
{
    for(int i = 0; i < *n; i++)
        if(list[i] == v)
            return;
    if(*n < max)
        list[(*n)++] = v;
    (*total)++;
}

int graph_lookup(const graph_snap_t *s, const char *name, unsigned mask, int *node, int *cand, int max, int *ncand)
{
    *node = GRAPH_NONE;
    if(ncand)
        *ncand = 0;
    if(!name)
        return GRAPH_ERR_NOT_FOUND;
    enum { LOCAL = 64 };
    int full[LOCAL], tail[LOCAL];
    int nfull = 0, ntail = 0, tfull = 0, ttail = 0;
    const graph_name_entry_t *e = name_entry(s, name);
    for(uint32_t i = 0; e && i < e->count; i++) {
        const graph_name_ref_t *r = &s->name_refs[e->first + i];
        if(!(mask & GRAPH_MASK(s->kind[r->node])))
            continue;
        if(r->full)
            add_unique(full, &nfull, LOCAL, &tfull, r->node);
        else
            add_unique(tail, &ntail, LOCAL, &ttail, r->node);
    }
    const int *list = nfull ? full : tail;
    int n = nfull ? nfull : ntail, total = nfull ? tfull : ttail;
    if(n == 1) {
        *node = list[0];
        return 0;
    }
    if(n == 0)
        return GRAPH_ERR_NOT_FOUND;
    for(int i = 0; i < n && i < max; i++)
        cand[i] = list[i];
    if(ncand)
        *ncand = total;
    return GRAPH_ERR_AMBIGUOUS;
}

int graph_find(const graph_snap_t *s, const char *name)
{
    if(!name)
        return GRAPH_NONE;
    const graph_name_entry_t *e = name_entry(s, name);
    for(uint32_t i = 0; e && i < e->count; i++)
        if(s->name_refs[e->first + i].full)
            return s->name_refs[e->first + i].node;
    return GRAPH_NONE;
}

int graph_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int max)
{
    if(alen > GRAPH_MAX_NAME || blen > GRAPH_MAX_NAME)
        return max + 1;
    size_t diff = alen > blen ? alen - blen : blen - alen;
    if(diff > (size_t)max)
        return max + 1;
    int rows[3][GRAPH_MAX_NAME + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for(size_t j = 0; j <= blen; j++)
        prev[j] = (int)j;
    for(size_t i = 1; i <= alen; i++) {
        cur[0] = (int)i;
        int best = cur[0];
        char ca = (char)tolower((unsigned char)a[i - 1]);
        for(size_t j = 1; j <= blen; j++) {
            char cb = (char)tolower((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = prev[j - 1] + cost;
            if(prev[j] + 1 < v)
                v = prev[j] + 1;
            if(cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if(i > 1 && j > 1 && ca == (char)tolower((unsigned char)b[j - 2]) &&
               (char)tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if(v < best)
                best = v;
        }
        if(best > max)
            return max + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen] > max ? max + 1 : prev[blen];
}

static int contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    for(size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if(hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return 1;
    return 0;
}

/* The typo budget grows with the length of what was typed. */
static int typo_budget(size_t qlen)
{
    return qlen < 4 ? 0 : qlen < 8 ? 1 : 2;
}

static double score_node(const graph_snap_t *s, int v, const char *q, size_t qlen)
{
    const char *nm = s->lpool + s->name_off[v];
    size_t len = s->name_len[v];
    char sep = s->kind[v] == GRAPH_FILE ? '/' : '.';
    double best = 0;
    /* The full name and each tail after a separator are candidates; tails score a little lower. */
    for(size_t start = 0; start < len;) {
        const char *t = nm + start;
        size_t tlen = len - start;
        double penalty = start ? 0.02 : 0;
        double fit = (double)qlen / (double)tlen;
        double sc = 0;
        if(tlen == qlen && memcmp(t, q, qlen) == 0)
            sc = 1.0 - penalty;
        else if(tlen > qlen && memcmp(t, q, qlen) == 0)
            sc = 0.7 + 0.1 * fit - penalty;
        if(sc > best)
            best = sc;
        const char *next = memchr(t, sep, tlen);
        if(!next)
            break;
        start = (size_t)(next - nm) + 1;
    }
    if(best > 0)
        return best;
    if(contains(nm, len, q, qlen))
        return 0.5 + 0.1 * (double)qlen / (double)len;
    int k = typo_budget(qlen);
    if(!k)
        return 0;
    int dmin = k + 1;
    for(size_t start = 0; start < len;) {
        int d = graph_edit_distance(nm + start, len - start, q, qlen, k);
        if(d < dmin)
            dmin = d;
        const char *next = memchr(nm + start, sep, len - start);
        if(!next)
            break;
        start = (size_t)(next - nm) + 1;
    }
    return dmin <= k ? 0.4 - 0.1 * dmin : 0;
}

static int better(const graph_snap_t *s, const graph_hit_t *a, const graph_hit_t *b)
{
    if(a->score != b->score)
        return a->score > b->score;
    if(s->name_len[a->node] != s->name_len[b->node])
        return s->name_len[a->node] < s->name_len[b->node];
    return strcmp(s->lpool + s->name_off[a->node], s->lpool + s->name_off[b->node]) < 0;
}

int graph_search(const graph_snap_t *s, const char *query, unsigned mask, graph_hit_t *hits, int max)
{
    char q[GRAPH_MAX_NAME + 1];
    size_t qlen;
    if(max <= 0 || !query || normalise(query, q, &qlen))
        return GRAPH_ERR_ARG;
    int n = 0;
    for(int v = 0; v < s->n; v++) {
        if(!(mask & GRAPH_MASK(s->kind[v])))
            continue;
        double sc = score_node(s, v, q, qlen);
        if(sc <= 0)
            continue;
        graph_hit_t h = {.node = v, .score = sc};
        if(n == max && !better(s, &h, &hits[n - 1]))
            continue;
        int i = n < max ? n++ : max - 1;
        while(i > 0 && better(s, &h, &hits[i - 1])) {
            hits[i] = hits[i - 1];
            i--;
        }
        hits[i] = h;
    }
    return n;
}
