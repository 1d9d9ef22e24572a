/*
 * Full-text search over the ingested SQL: every line of the stored statement texts of the current
 * files that holds one of the question's terms is scored (all terms, then more terms, then longer
 * ones), best lines first, with `file:line` and a short snippet. The texts are read from DuckDB once
 * per graph snapshot (at most TEXT_READ_MAX bytes) into an index kept with the snapshot: the text
 * and its lower-cased copy, searched with memmem, and where each line starts.
 */
#define _GNU_SOURCE /* memmem */
#include "query/chat.h"
#include "query/encode.h"
#include "query/source.h"
#include "graph/graph.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SNIPPET_MAX 240

typedef struct hit {
    double score;
    int64_t statement;
    int line;
    char file[SOURCE_PATH_MAX + 1];
    char snippet[SNIPPET_MAX + 1];
} hit_t;

typedef struct terms {
    char word[TEXT_TERMS_MAX][64];
    size_t len[TEXT_TERMS_MAX];
    int n;
} terms_t;

static const char *const skip[] = {"the",  "and",  "for",  "with", "from", "where", "what",  "which", "that", "this",
                                   "does", "find", "show", "sql",  "text", "code",  "lines", "line",  "any",  NULL};

/* Letters of any script are bytes >= 0x80 in UTF-8. */
static int word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '#' || c >= 0x80;
}

static void split_terms(const char *q, terms_t *t)
{
    t->n = 0;
    const char *p = q;
    while(*p && t->n < TEXT_TERMS_MAX) {
        while(*p && !word_char((unsigned char)*p))
            p++;
        const char *start = p;
        while(*p && word_char((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - start);
        while(n && start[n - 1] == '.')
            n--;
        if(n < 2 || n >= sizeof(t->word[0]))
            continue;
        char *w = t->word[t->n];
        utf8_lower(w, start, n);
        w[n] = '\0';
        int dup = 0;
        for(const char *const *s = skip; *s; s++)
            dup |= strcmp(*s, w) == 0;
        for(int i = 0; i < t->n; i++)
            dup |= strcmp(t->word[i], w) == 0;
        if(!dup)
            t->len[t->n++] = n;
    }
}

static int worse(const hit_t *a, const hit_t *b)
{
    if(a->score != b->score)
        return a->score < b->score;
    if(a->statement != b->statement)
        return a->statement > b->statement;
    return a->line > b->line;
}

static void keep(hit_t *hits, int *n, const hit_t *h)
{
    if(*n == TEXT_HITS_MAX && !worse(&hits[*n - 1], h))
        return;
    int i = *n < TEXT_HITS_MAX ? (*n)++ : TEXT_HITS_MAX - 1;
    while(i > 0 && worse(&hits[i - 1], h)) {
        hits[i] = hits[i - 1];
        i--;
    }
    hits[i] = *h;
}

static void snippet(hit_t *h, const char *line, size_t n)
{
    while(n && isspace((unsigned char)*line)) {
        line++;
        n--;
    }
    if(n > SNIPPET_MAX) {
        n = SNIPPET_MAX;
        while(n && ((unsigned char)line[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(h->snippet, line, n);
    h->snippet[n] = '\0';
    json_t *valid = json_string(h->snippet);
    if(!valid) /* not UTF-8: keep what is ASCII */
        for(char *p = h->snippet; *p; p++)
            *p = (unsigned char)*p >= 0x80 ? '?' : *p;
    json_decref(valid);
}

typedef struct text_line {
    uint32_t off, len; /* in the index's text and its lower-cased copy */
    int32_t stmt;      /* in stmts */
    int32_t line;      /* in its file */
} text_line_t;

typedef struct text_stmt {
    int64_t id;
    uint32_t path; /* offset in paths; a file's consecutive statements share one */
} text_stmt_t;

typedef struct text_index {
    buf_t text; /* each statement's text followed by '\n', so no term (they hold none) spans two */
    char *lower;
    text_line_t *lines;
    size_t nlines, lines_cap;
    text_stmt_t *stmts;
    size_t nstmts, stmts_cap;
    buf_t paths;
    int64_t without; /* current files whose statements have no stored text */
    int full;        /* stopped at TEXT_READ_MAX */
} text_index_t;

static void index_free(void *p)
{
    text_index_t *ix = p;
    buf_free(&ix->text);
    buf_free(&ix->paths);
    util_free(ix->lower);
    util_free(ix->lines);
    util_free(ix->stmts);
    util_free(ix);
}

static int grow(void **items, size_t *cap, size_t need, size_t size)
{
    if(need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 1024;
    while(n < need)
        n *= 2;
    void *p = util_realloc(*items, n * size);
    if(!p)
        return -1;
    *items = p;
    *cap = n;
    return 0;
}

/* source_each's callback: one statement's text and its lines. */
static int index_statement(void *ud, const source_text_t *src)
{
    text_index_t *ix = ud;
    if(src->len + 1 > TEXT_READ_MAX - ix->text.len) {
        ix->full = 1;
        return 1;
    }
    const char *last = ix->nstmts ? ix->paths.data + ix->stmts[ix->nstmts - 1].path : NULL;
    uint32_t path = last && strcmp(last, src->path) == 0 ? ix->stmts[ix->nstmts - 1].path : (uint32_t)ix->paths.len;
    if((!last || path == ix->paths.len) && buf_add(&ix->paths, src->path, strlen(src->path) + 1))
        return -1;
    if(grow((void **)&ix->stmts, &ix->stmts_cap, ix->nstmts + 1, sizeof(*ix->stmts)))
        return -1;
    ix->stmts[ix->nstmts] = (text_stmt_t){src->statement_id, path};
    size_t base = ix->text.len;
    int line = src->line;
    for(size_t i = 0; i < src->len; line++) {
        const char *start = src->text + i;
        const char *nl = memchr(start, '\n', src->len - i);
        size_t n = nl ? (size_t)(nl - start) : src->len - i;
        if(grow((void **)&ix->lines, &ix->lines_cap, ix->nlines + 1, sizeof(*ix->lines)))
            return -1;
        ix->lines[ix->nlines++] = (text_line_t){(uint32_t)(base + i), (uint32_t)n, (int32_t)ix->nstmts, line};
        i += n + 1;
    }
    ix->nstmts++;
    return buf_add(&ix->text, src->text, src->len) || buf_addc(&ix->text, '\n') ? -1 : 0;
}

static void *index_build(void *conn)
{
    text_index_t *ix = util_calloc(1, sizeof(*ix));
    if(!ix)
        return NULL;
    buf_init(&ix->text, TEXT_READ_MAX);
    buf_init(&ix->paths, TEXT_READ_MAX);
    ix->without = source_files_without_text(conn);
    int rc = ix->without < 0 ? -1 : source_each(conn, index_statement, ix);
    if(rc >= 0 && ix->text.len) {
        ix->lower = util_malloc(ix->text.len);
        if(ix->lower)
            utf8_lower(ix->lower, ix->text.data, ix->text.len);
        else
            rc = -1;
    }
    if(rc < 0) {
        index_free(ix);
        return NULL;
    }
    return ix;
}

/* The line holding byte `at` of the text (lines are in text order). */
static size_t line_at(const text_index_t *ix, size_t at)
{
    size_t lo = 0, hi = ix->nlines;
    while(hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if(ix->lines[mid].off <= at)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

_Static_assert(TEXT_TERMS_MAX <= 16, "a match keeps its terms in 16 bits");

typedef struct match {
    uint32_t line;
    uint16_t terms; /* bit k: term k is on the line */
} match_t;

static int by_line(const void *a, const void *b)
{
    uint32_t x = ((const match_t *)a)->line, y = ((const match_t *)b)->line;
    return x < y ? -1 : x > y;
}

typedef struct scan {
    hit_t hits[TEXT_HITS_MAX];
    int nhits, lines, files_matched;
} scan_t;

/* Each line that holds a term, once per term, in line order with the terms' bits merged; -1 when out of memory. */
static int find_lines(const text_index_t *ix, const terms_t *t, match_t **out, size_t *n)
{
    match_t *m = NULL;
    size_t nm = 0, cap = 0;
    const char *end = ix->lower ? ix->lower + ix->text.len : NULL; /* no stored text: no lower-cased copy */
    for(int k = 0; end && k < t->n; k++) {
        const char *p = ix->lower;
        const char *at;
        while(p < end && (at = memmem(p, (size_t)(end - p), t->word[k], t->len[k])) != NULL) {
            size_t li = line_at(ix, (size_t)(at - ix->lower));
            if(grow((void **)&m, &cap, nm + 1, sizeof(*m))) {
                util_free(m);
                return -1;
            }
            m[nm++] = (match_t){(uint32_t)li, (uint16_t)(1u << k)};
            p = ix->lower + ix->lines[li].off + ix->lines[li].len; /* the line's next term is the same line */
        }
    }
    if(nm)
        qsort(m, nm, sizeof(*m), by_line);
    size_t w = 0;
    for(size_t i = 0; i < nm; i++) {
        if(w && m[w - 1].line == m[i].line)
            m[w - 1].terms |= m[i].terms;
        else
            m[w++] = m[i];
    }
    *out = m;
    *n = w;
    return 0;
}

/* Scores the matching lines as they come in the files, statement by statement. */
static int scan_index(const text_index_t *ix, const terms_t *t, scan_t *sc)
{
    match_t *m;
    size_t n;
    if(find_lines(ix, t, &m, &n))
        return -1;
    const char *last_file = NULL;
    for(size_t i = 0; i < n; i++) {
        const text_line_t *ln = &ix->lines[m[i].line];
        const text_stmt_t *st = &ix->stmts[ln->stmt];
        const char *path = ix->paths.data + st->path;
        int found = 0;
        double score = 0;
        for(int k = 0; k < t->n; k++)
            if(m[i].terms & (1u << k)) {
                found++;
                score += 1.0 + 0.05 * (double)t->len[k]; /* longer terms are more specific */
            }
        sc->lines++;
        if(!last_file || strcmp(last_file, path) != 0) {
            sc->files_matched++;
            last_file = path;
        }
        if(found == t->n)
            score += 10; /* every term on one line beats any partial match */
        hit_t h = {.score = score, .statement = st->id, .line = ln->line};
        snprintf(h.file, sizeof(h.file), "%s", path);
        snippet(&h, ix->text.data + ln->off, ln->len);
        keep(sc->hits, &sc->nhits, &h);
    }
    util_free(m);
    return 0;
}

void query_chat_text(duckdb_connection conn, const graph_snap_t *s, const char *question, query_result_t *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    out->query_type = "text_search";
    scan_t *sc = util_calloc(1, sizeof(*sc));
    if(!sc) {
        query_error(out, 500, "internal", "out of memory");
        return;
    }
    terms_t t;
    split_terms(question, &t);
    if(!t.n) {
        util_free(sc);
        query_error(out, 400, "bad_request", "the query has no words to search for");
        return;
    }
    const text_index_t *ix = graph_snap_derived(s, index_build, conn, index_free);
    if(!ix || scan_index(ix, &t, sc)) {
        util_free(sc);
        query_error(out, 500, "internal", ix ? "out of memory" : "the stored SQL could not be read");
        return;
    }
    int64_t without = ix->without;
    hit_t *hits = sc->hits;
    int nhits = sc->nhits, lines = sc->lines, files_matched = sc->files_matched;
    buf_t resp;
    buf_init(&resp, 8192);
    json_t *sources = json_array();
    if(!nhits)
        buf_printf(&resp, "No line of the ingested SQL mentions %s%s.", t.word[0],
                   t.n > 1 ? " or the other terms" : "");
    else
        buf_printf(&resp, "%d matching line%s in %d file%s; the best %d:", lines, lines == 1 ? "" : "s", files_matched,
                   files_matched == 1 ? "" : "s", nhits);
    for(int i = 0; i < nhits; i++) {
        buf_printf(&resp, "\n- %s:%d: %s", hits[i].file, hits[i].line, hits[i].snippet);
        json_t *o = json_pack("{s:s, s:i, s:s, s:f}", "file", hits[i].file, "line", hits[i].line, "snippet",
                              hits[i].snippet, "score", hits[i].score);
        json_array_append_new(sources, o);
    }
    if(ix->full)
        buf_printf(&resp, "\n(The search covers the first %u MiB of the stored SQL.)", TEXT_READ_MAX >> 20);
    if(without > 0)
        buf_printf(&resp,
                   "\n(%" PRId64 " ingested file%s no stored text (ingested by an older version); ingest %s again "
                   "to search %s.)",
                   without, without == 1 ? " has" : "s have", without == 1 ? "it" : "them",
                   without == 1 ? "it" : "them");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    json_t *body = json_pack("{s:s, s:o, s:s, s:f, s:{s:[], s:[]}, s:i, s:i}", "response", resp.data ? resp.data : "",
                             "sources", sources, "query_type", "text_search", "latency_ms",
                             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                             "graph_data", "nodes", "edges", "files_matched", files_matched, "matches", lines);
    buf_free(&resp);
    util_free(sc);
    qenc_answer(out, body);
    out->nodes = nhits;
}
