/*
 * Full-text search over the ingested SQL: every line of the stored statement texts of the current
 * files that holds one of the question's terms is scored (all terms, then more terms, then longer
 * ones), best lines first, with `file:line` and a short snippet. Scans at most TEXT_READ_MAX bytes.
 */
#include "query/chat.h"
#include "query/encode.h"
#include "query/source.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <ctype.h>
#include <inttypes.h>
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

typedef struct scan {
    const terms_t *t;
    hit_t hits[TEXT_HITS_MAX];
    int nhits, lines, files_matched;
    char last_file[SOURCE_PATH_MAX + 1];
    size_t budget;
} scan_t;

/* Scores each line of one statement's text. */
static int scan_text(void *ud, const source_text_t *src)
{
    scan_t *sc = ud;
    const terms_t *t = sc->t;
    if(src->len > sc->budget)
        return 1;
    sc->budget -= src->len;
    int line = src->line;
    for(size_t i = 0; i < src->len; line++) {
        const char *start = src->text + i;
        const char *nl = memchr(start, '\n', src->len - i);
        size_t n = nl ? (size_t)(nl - start) : src->len - i;
        i += n + 1;
        int found = 0;
        double score = 0;
        for(int k = 0; k < t->n; k++)
            if(utf8_has_lower(start, n, t->word[k], t->len[k])) {
                found++;
                score += 1.0 + 0.05 * (double)t->len[k]; /* longer terms are more specific */
            }
        if(!found)
            continue;
        sc->lines++;
        if(strcmp(sc->last_file, src->path) != 0) {
            sc->files_matched++;
            snprintf(sc->last_file, sizeof(sc->last_file), "%s", src->path);
        }
        if(found == t->n)
            score += 10; /* every term on one line beats any partial match */
        hit_t h = {.score = score, .statement = src->statement_id, .line = line};
        snprintf(h.file, sizeof(h.file), "%s", src->path);
        snippet(&h, start, n);
        keep(sc->hits, &sc->nhits, &h);
    }
    return 0;
}

void query_chat_text(duckdb_connection conn, const char *question, query_result_t *out)
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
    const char *words[TEXT_TERMS_MAX];
    for(int i = 0; i < t.n; i++)
        words[i] = t.word[i];
    sc->t = &t;
    sc->budget = TEXT_READ_MAX;
    int64_t without = source_files_without_text(conn);
    int rc = without < 0 ? -1 : source_each(conn, words, t.n, scan_text, sc);
    if(rc < 0) {
        util_free(sc);
        query_error(out, 500, "internal", "the stored SQL could not be read");
        return;
    }
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
    if(rc > 0)
        buf_printf(&resp, "\n(The search stopped after %u MiB of matching SQL.)", TEXT_READ_MAX >> 20);
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
