/*
 * Full-text search over the ingested SQL: every line of every current file still on disk is scored
 * by the question's terms it holds (all terms, then more terms, then rarer ones), best lines first,
 * with `file:line` and a short snippet. Reads at most TEXT_READ_MAX bytes per search.
 */
#include "query/chat.h"
#include "query/encode.h"
#include "query/source.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#define SNIPPET_MAX 240

typedef struct hit {
    double score;
    int file, line;
    char snippet[SNIPPET_MAX + 1];
} hit_t;

typedef struct terms {
    char word[TEXT_TERMS_MAX][64];
    size_t len[TEXT_TERMS_MAX];
    int n;
} terms_t;

static const char *const skip[] = {"the",  "and",  "for",  "with", "from", "where", "what",  "which", "that", "this",
                                   "does", "find", "show", "sql",  "text", "code",  "lines", "line",  "any",  NULL};

static void split_terms(const char *q, terms_t *t)
{
    t->n = 0;
    const char *p = q;
    while(*p && t->n < TEXT_TERMS_MAX) {
        while(*p && !(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '#'))
            p++;
        const char *start = p;
        while(*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '#'))
            p++;
        size_t n = (size_t)(p - start);
        while(n && start[n - 1] == '.')
            n--;
        if(n < 2 || n >= sizeof(t->word[0]))
            continue;
        char *w = t->word[t->n];
        for(size_t i = 0; i < n; i++)
            w[i] = (char)tolower((unsigned char)start[i]);
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

/* Case-insensitive search of a lower-case needle in [s, s+n). */
static int line_has(const char *s, size_t n, const char *w, size_t wl)
{
    for(size_t i = 0; wl <= n && i + wl <= n; i++) {
        size_t k = 0;
        while(k < wl && (char)tolower((unsigned char)s[i + k]) == w[k])
            k++;
        if(k == wl)
            return 1;
    }
    return 0;
}

static int worse(const hit_t *a, const hit_t *b)
{
    if(a->score != b->score)
        return a->score < b->score;
    if(a->file != b->file)
        return a->file > b->file;
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

/* Scores each line of one file; returns how many lines matched. */
static int scan_file(const char *text, size_t len, int file, const terms_t *t, hit_t *hits, int *nhits)
{
    int matched = 0, line = 1;
    for(size_t i = 0; i < len; line++) {
        const char *start = text + i;
        const char *nl = memchr(start, '\n', len - i);
        size_t n = nl ? (size_t)(nl - start) : len - i;
        i += n + 1;
        int found = 0;
        double score = 0;
        for(int k = 0; k < t->n; k++)
            if(line_has(start, n, t->word[k], t->len[k])) {
                found++;
                score += 1.0 + 0.05 * (double)t->len[k]; /* longer terms are more specific */
            }
        if(!found)
            continue;
        matched++;
        if(found == t->n)
            score += 10; /* every term on one line beats any partial match */
        hit_t h = {.score = score, .file = file, .line = line};
        snippet(&h, start, n);
        keep(hits, nhits, &h);
    }
    return matched;
}

void query_chat_text(const graph_snap_t *s, const char *question, query_result_t *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    out->query_type = "text_search";
    terms_t t;
    split_terms(question, &t);
    if(!t.n) {
        query_error(out, 400, "bad_request", "the query has no words to search for");
        return;
    }
    hit_t hits[TEXT_HITS_MAX];
    int nhits = 0, files_read = 0, files_missing = 0, lines = 0, files_matched = 0;
    size_t budget = TEXT_READ_MAX;
    for(int f = 0; f < graph_file_count(s); f++) {
        const char *path, *disk;
        buf_t text;
        graph_file_at(s, f, &path, &disk);
        if(source_read(disk, &text)) {
            files_missing++;
            continue;
        }
        if(text.len > budget) {
            buf_free(&text);
            break;
        }
        budget -= text.len;
        files_read++;
        int m = scan_file(text.data ? text.data : "", text.len, f, &t, hits, &nhits);
        lines += m;
        files_matched += m > 0;
        buf_free(&text);
    }
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
        const char *path, *disk;
        graph_file_at(s, hits[i].file, &path, &disk);
        buf_printf(&resp, "\n- %s:%d: %s", path, hits[i].line, hits[i].snippet);
        json_t *o = json_pack("{s:s, s:i, s:s, s:f}", "file", path, "line", hits[i].line, "snippet", hits[i].snippet,
                              "score", hits[i].score);
        json_array_append_new(sources, o);
    }
    if(files_missing)
        buf_printf(&resp, "\n(%d ingested file%s no longer on disk could not be searched.)", files_missing,
                   files_missing == 1 ? " is" : "s are");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    json_t *body = json_pack("{s:s, s:o, s:s, s:f, s:{s:[], s:[]}, s:i, s:i}", "response", resp.data ? resp.data : "",
                             "sources", sources, "query_type", "text_search", "latency_ms",
                             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                             "graph_data", "nodes", "edges", "files_searched", files_read, "matches", lines);
    buf_free(&resp);
    qenc_answer(out, body);
    out->nodes = nhits;
}
