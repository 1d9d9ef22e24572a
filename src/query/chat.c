/*
 * Plain-English lineage questions answered from the graph: find the names in the question (exact,
 * then typo-tolerant), classify what is asked by its words, run the matching query, and say what
 * was found with the file and line it came from. No model: rules over the question's words.
 */
#include "query/chat.h"
#include "query/encode.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ENTITY_MAX     4
#define TOKEN_MAX      64
#define SOURCES_MAX    20
#define LISTED_MAX     12 /* names spelled out in a response */
#define IMPACT_DEPTH   10
#define CHAT_GRAPH_MAX 200  /* nodes drawn with an answer: readable, and cheap to send */
#define WORDS_MAX      1024 /* a 2000-byte question holds at most 1000 words of two letters */
#define SEARCHES_MAX   8    /* typo-tolerant searches (each a pass over every node) per question */
#define JOIN_MAX       3    /* words joined with '_' to find a name ("revenue daily": revenue_daily) */

typedef struct entity {
    int node; /* GRAPH_NONE when ambiguous */
    int cand[QUERY_CANDIDATES];
    int ncand;
    int exact; /* found by name, not by a typo-tolerant search */
    size_t at; /* where it starts in `intent` (a blank there) */
    char text[QUERY_NAME_MAX + 1];
} entity_t;

/* A word of the question: where it is, and what it became (an entity, or the intent word it misspells). */
typedef struct word {
    size_t at, len;
    int entity;          /* index in ent[], or -1 */
    const char *correct; /* the intent word it is a typo of, or NULL */
} word_t;

typedef struct chat {
    const graph_snap_t *s;
    char lower[QUERY_QUESTION_MAX + 1];
    /* `lower` with the names blanked and misspelt intent words corrected: what intents are read from */
    char intent[2 * QUERY_QUESTION_MAX + 1];
    word_t words[WORDS_MAX];
    int nwords, searches;
    entity_t ent[ENTITY_MAX];
    int nent;
    buf_t resp;
    json_t *sources, *nodes, *edges;
} chat_t;

/* Words that are never names, so "what feeds the orders table" looks up only "orders". */
static const char *const stopwords[] = {
    "a",          "about",   "affect",     "affected",   "all",      "an",           "and",        "any",
    "are",        "between", "break",      "breaks",     "by",       "can",          "change",     "changed",
    "column",     "columns", "come",       "comes",      "contain",  "contains",     "create",     "created",
    "creates",    "data",    "define",     "defined",    "defines",  "depend",       "depends",    "derived",
    "did",        "do",      "does",       "downstream", "feed",     "feeds",        "field",      "fields",
    "file",       "files",   "for",        "from",       "get",      "gets",         "go",         "goes",
    "has",        "have",    "how",        "i",          "if",       "impact",       "impacted",   "in",
    "into",       "is",      "it",         "its",        "lineage",  "list",         "me",         "modify",
    "my",         "of",      "on",         "path",       "populate", "populates",    "proc",       "procedure",
    "procedures", "read",    "reads",      "reach",      "reaches",  "show",         "source",     "sources",
    "table",      "tables",  "tell",       "that",       "the",      "there",        "these",      "this",
    "to",         "up",      "upstream",   "use",        "used",     "uses",         "using",      "view",
    "views",      "what",    "when",       "where",      "which",    "who",          "why",        "will",
    "with",       "write",   "writes",     "written",    "would",    "you",          "loads",      "load",
    "fill",       "fills",   "stored",     "sql",        "schema",   "dependencies", "dependents", "everything",
    "anything",   "whats",   "where's",    "what's",     "writers",  "callers",      "consumers",  "consume",
    "consumes",   "usage",   "usages",     "inputs",     "input",    "parents",      "trace",      "touch",
    "describe",   "origin",  "referenced", "reference",  "affects",  "fed",          "blast",      "radius",
    "built",      "builds",  "coming",
};

static int is_stopword(const char *w)
{
    for(size_t i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]); i++)
        if(strcmp(w, stopwords[i]) == 0)
            return 1;
    return 0;
}

static int word_char(unsigned char ch)
{
    return isalnum(ch) || ch == '_' || ch >= 0x80;
}

/* Where `w` is in the question's intent text as a word or inflected ("feeds", "changed", "breaking"). */
static const char *find_word(const chat_t *c, const char *w)
{
    static const char *const endings[] = {"", "s", "es", "d", "ed", "ing", NULL};
    size_t n = strlen(w);
    for(const char *p = c->intent; (p = strstr(p, w)) != NULL; p++) {
        if(p != c->intent && word_char((unsigned char)p[-1]))
            continue;
        for(const char *const *e = endings; *e; e++) {
            size_t k = strlen(*e);
            if(strncmp(p + n, *e, k) == 0 && !word_char((unsigned char)p[n + k]))
                return p;
        }
    }
    return NULL;
}

static int has_word(const chat_t *c, const char *w)
{
    return find_word(c, w) != NULL;
}

static int any_word(const chat_t *c, const char *const *words)
{
    for(; *words; words++)
        if(has_word(c, *words))
            return 1;
    return 0;
}

static int name_char(unsigned char ch)
{
    return isalnum(ch) || ch == '_' || ch == '.' || ch == '#' || ch == '/' || ch == '$' || ch == '-' || ch == '"' ||
           ch == '`' || ch == '[' || ch == ']' || ch >= 0x80;
}

/*
 * The end of the word at `p`: name characters, and inside "..", `..` or [..] controls too, since a
 * quoted identifier may hold them (names are data: "a\x01b" is asked for as it is stored).
 */
static const char *word_end(const char *p)
{
    unsigned char close = 0;
    for(; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if(close && ch == close)
            close = 0;
        else if(!close && (ch == '"' || ch == '`' || ch == '['))
            close = ch == '[' ? ']' : ch;
        else if(!name_char(ch) && !(close && (ch < 0x20 || ch == 0x7f)))
            break;
    }
    return p;
}

static const char *nm(const chat_t *c, int v);

/*
 * Whether `tok` is a typo of `name`'s tail with as many parts ("gl_balance" for
 * core.gl_balances): the search ranks such a name as a prefix hit, not as a typo.
 */
static int typo_of(const char *tok, const char *name)
{
    size_t tl = strlen(tok), nl = strlen(name), start = nl;
    int parts = 0;
    for(size_t i = 0; i < tl; i++)
        parts += tok[i] == '.';
    while(start > 0 && (name[start - 1] != '.' || parts-- > 0))
        start--;
    int max = tl >= 8 ? 2 : 1;
    return graph_edit_distance(tok, tl, name + start, nl - start, max) <= max;
}

/*
 * Looks `tok` up and adds it as an entity; `typos`: a name a typo away counts too (at most
 * SEARCHES_MAX such searches a question, each a pass over every node). Returns the entity's index
 * (an earlier one when it names the same node), or -1 when it names nothing.
 */
static int add_entity(chat_t *c, const char *tok, int typos)
{
    if(c->nent >= ENTITY_MAX)
        return -1;
    entity_t *e = &c->ent[c->nent];
    int file_like = strchr(tok, '/') != NULL || (strlen(tok) > 4 && strcmp(tok + strlen(tok) - 4, ".sql") == 0);
    unsigned mask = file_like ? GRAPH_MASK(GRAPH_FILE) : GRAPH_MASK_ALL & ~GRAPH_MASK(GRAPH_FILE);
    int rc = graph_lookup(c->s, tok, mask, &e->node, e->cand, QUERY_CANDIDATES, &e->ncand);
    if(rc == GRAPH_ERR_NOT_FOUND && !file_like) {
        /* a table beats its columns when a short name matches both */
        rc = graph_lookup(c->s, tok, GRAPH_MASK_TABLES | GRAPH_MASK(GRAPH_PROCEDURE), &e->node, e->cand,
                          QUERY_CANDIDATES, &e->ncand);
        /* a file named by its base name with any extension: "raw_bank_feeds.hql" */
        if(rc == GRAPH_ERR_NOT_FOUND && strchr(tok, '.'))
            rc = graph_lookup(c->s, tok, GRAPH_MASK(GRAPH_FILE), &e->node, e->cand, QUERY_CANDIDATES, &e->ncand);
    }
    if(rc == GRAPH_ERR_AMBIGUOUS) {
        int t;
        int tables = graph_lookup(c->s, tok, GRAPH_MASK_TABLES, &t, NULL, 0, NULL);
        if(tables == 0) {
            e->node = t;
            rc = 0;
        }
    }
    e->exact = rc == 0;
    if(rc == GRAPH_ERR_NOT_FOUND) {
        if(!typos || strlen(tok) < 4 || c->searches >= SEARCHES_MAX)
            return -1;
        c->searches++;
        /* substring and prefix hits of real words are noise; only names a typo away qualify */
        graph_hit_t hits[3];
        int nh = graph_search(c->s, tok, mask, hits, 3), k = 0;
        while(k < nh && hits[k].score > 0.45 && !typo_of(tok, nm(c, hits[k].node)))
            k++;
        if(k >= nh)
            return -1;
        e->node = hits[k].node;
        rc = 0;
    }
    for(int i = 0; i < c->nent; i++)
        if(rc == 0 && c->ent[i].node == e->node)
            return i;
    snprintf(e->text, sizeof(e->text), "%s", tok);
    if(rc == GRAPH_ERR_AMBIGUOUS)
        e->node = GRAPH_NONE;
    return c->nent++;
}

/* Intent words whose misspellings are corrected when they name nothing ("feeeds": feeds). */
static const char *const vocab[] = {
    "feeds",     "depends",    "dependencies", "dependents", "upstream", "downstream", "lineage",
    "sources",   "breaks",     "affected",     "impact",     "defined",  "definition", "columns",
    "procedure", "procedures", "populates",    "referenced", "derived",  NULL,
};

static const char *intent_typo(const char *w, size_t n)
{
    if(n < 5)
        return NULL;
    for(const char *const *v = vocab; *v; v++) {
        size_t vl = strlen(*v);
        int max = vl >= 8 ? 2 : 1;
        if(graph_edit_distance(w, n, *v, vl, max) <= max)
            return *v;
    }
    return NULL;
}

/* A word of letters, digits and '_' only, so words can be joined into a name. */
static int plain(const chat_t *c, const word_t *w)
{
    for(size_t i = 0; i < w->len; i++)
        if(!word_char((unsigned char)c->lower[w->at + i]))
            return 0;
    return 1;
}

static int is_stop(const chat_t *c, const word_t *w)
{
    char low[TOKEN_MAX + 1];
    memcpy(low, c->lower + w->at, w->len);
    low[w->len] = '\0';
    return is_stopword(low);
}

/*
 * Words i..i+n-1 joined with '_' when they are plain, not stopwords and apart by blanks only, and
 * the joined form names a node exactly ("the revenue daily table": revenue_daily); 1 if so.
 */
static int join_words(chat_t *c, int i, int n)
{
    if(i + n > c->nwords)
        return 0;
    char tok[TOKEN_MAX + 1];
    size_t len = 0;
    for(int k = i; k < i + n; k++) {
        const word_t *w = &c->words[k];
        if(!plain(c, w) || is_stop(c, w) || len + w->len + 1 > TOKEN_MAX)
            return 0;
        if(k > i) {
            for(size_t j = c->words[k - 1].at + c->words[k - 1].len; j < w->at; j++)
                if(c->lower[j] != ' ')
                    return 0;
            tok[len++] = '_';
        }
        memcpy(tok + len, c->lower + w->at, w->len);
        len += w->len;
    }
    tok[len] = '\0';
    int probe, rc = graph_lookup(c->s, tok, GRAPH_MASK_ALL & ~GRAPH_MASK(GRAPH_FILE), &probe, NULL, 0, NULL);
    if(rc != 0)
        return 0;
    int e = add_entity(c, tok, 0);
    if(e < 0)
        return 0;
    for(int k = i; k < i + n; k++)
        c->words[k].entity = e;
    return 1;
}

/* 1 when word k is `w` (lower case) and follows word k-1 after blanks only. */
static int word_is(const chat_t *c, int k, const char *w)
{
    if(k <= 0 || k >= c->nwords || c->words[k].len != strlen(w) || memcmp(c->lower + c->words[k].at, w, strlen(w)))
        return 0;
    for(size_t j = c->words[k - 1].at + c->words[k - 1].len; j < c->words[k].at; j++)
        if(c->lower[j] != ' ')
            return 0;
    return 1;
}

/*
 * "customer_id in core.dim_customer" (also "the customer_id column of the dim_customer table"): the
 * column of that table, when the table has one of that name. Returns the words taken, or 0.
 */
static int column_in_table(chat_t *c, int i)
{
    int k = i + 1;
    k += word_is(c, k, "column") || word_is(c, k, "field");
    if(!word_is(c, k, "in") && !word_is(c, k, "of"))
        return 0;
    k++;
    k += word_is(c, k, "the");
    k += word_is(c, k, "table") || word_is(c, k, "view");
    if(k >= c->nwords || is_stop(c, &c->words[k]) || !plain(c, &c->words[i]))
        return 0;
    const word_t *col = &c->words[i], *tab = &c->words[k];
    char tok[TOKEN_MAX + 1];
    if(col->len + tab->len + 1 > TOKEN_MAX)
        return 0;
    memcpy(tok, c->lower + tab->at, tab->len);
    tok[tab->len] = '.';
    memcpy(tok + tab->len + 1, c->lower + col->at, col->len);
    tok[tab->len + 1 + col->len] = '\0';
    int probe, rc = graph_lookup(c->s, tok, GRAPH_MASK(GRAPH_COLUMN), &probe, NULL, 0, NULL);
    int e = rc == 0 || rc == GRAPH_ERR_AMBIGUOUS ? add_entity(c, tok, 0) : -1;
    if(e < 0)
        return 0;
    k += word_is(c, k + 1, "table") || word_is(c, k + 1, "view");
    for(int j = i; j <= k; j++)
        c->words[j].entity = e;
    return k - i + 1;
}

/*
 * A question that names nothing else may name a table, view or procedure whose name is a stopword
 * ("what feeds data?" for mart.data): each such word that names one exactly (or several: asked which)
 * becomes a name, in order.
 */
static void stopword_names(chat_t *c)
{
    for(int i = 0; i < c->nwords; i++) {
        word_t *w = &c->words[i];
        if(!plain(c, w) || !is_stop(c, w))
            continue;
        char tok[TOKEN_MAX + 1];
        memcpy(tok, c->lower + w->at, w->len);
        tok[w->len] = '\0';
        int probe, rc = graph_lookup(c->s, tok, GRAPH_MASK_TABLES | GRAPH_MASK(GRAPH_PROCEDURE), &probe, NULL, 0, NULL);
        if(rc == 0 || rc == GRAPH_ERR_AMBIGUOUS)
            w->entity = add_entity(c, tok, 0);
    }
}

/*
 * A word that names several nodes is left out when another word names one ("what feeds
 * revenue_daily for each period": period is a column of many tables, and not what is asked about).
 */
static void drop_ambiguous_words(chat_t *c)
{
    int resolved = 0, map[ENTITY_MAX], n = 0;
    for(int i = 0; i < c->nent; i++)
        resolved |= c->ent[i].node != GRAPH_NONE;
    for(int i = 0; i < c->nent; i++) {
        int drop = resolved && c->ent[i].node == GRAPH_NONE && !strpbrk(c->ent[i].text, "./");
        map[i] = drop ? -1 : n;
        if(!drop)
            c->ent[n++] = c->ent[i];
    }
    c->nent = n;
    for(int k = 0; k < c->nwords; k++)
        if(c->words[k].entity >= 0)
            c->words[k].entity = map[c->words[k].entity];
}

static int path_asked(const chat_t *c);

/* `intent`: the lower-cased question with each name blanked and each misspelt intent word corrected. */
static void build_intent(chat_t *c)
{
    size_t o = 0, from = 0;
    for(int k = 0; k < c->nwords; k++) {
        const word_t *w = &c->words[k];
        if(w->entity < 0 && !w->correct)
            continue;
        memcpy(c->intent + o, c->lower + from, w->at - from);
        o += w->at - from;
        if(w->entity >= 0) {
            if(k == 0 || c->words[k - 1].entity != w->entity)
                c->ent[w->entity].at = o;
            c->intent[o++] = ' ';
        } else {
            size_t n = strlen(w->correct);
            memcpy(c->intent + o, w->correct, n);
            o += n;
        }
        from = w->at + w->len;
    }
    size_t rest = strlen(c->lower + from);
    memcpy(c->intent + o, c->lower + from, rest + 1);
}

static void find_entities(chat_t *c)
{
    const char *p = c->lower;
    while(*p && c->nwords < WORDS_MAX) {
        while(*p && !name_char((unsigned char)*p))
            p++;
        const char *start = p;
        p = word_end(p);
        size_t n = (size_t)(p - start);
        while(n && (start[n - 1] == '.' || start[n - 1] == '-')) /* sentence punctuation */
            n--;
        if(n < 2 || n > TOKEN_MAX)
            continue;
        c->words[c->nwords++] = (word_t){.at = (size_t)(start - c->lower), .len = n, .entity = -1};
    }
    for(int i = 0; i < c->nwords; i++) {
        word_t *w = &c->words[i];
        if(is_stop(c, w))
            continue;
        int taken = column_in_table(c, i);
        if(taken) {
            i += taken - 1;
            continue;
        }
        int joined = 0;
        for(int k = JOIN_MAX; k >= 2 && !joined; k--)
            if((joined = join_words(c, i, k)) != 0)
                i += k - 1;
        if(joined)
            continue;
        char tok[TOKEN_MAX + 1];
        memcpy(tok, c->lower + w->at, w->len);
        tok[w->len] = '\0';
        int probe;
        const char *fix = plain(c, w) ? intent_typo(tok, w->len) : NULL;
        if(fix && graph_lookup(c->s, tok, GRAPH_MASK_ALL, &probe, NULL, 0, NULL) == GRAPH_ERR_NOT_FOUND) {
            w->correct = fix;
            continue;
        }
        w->entity = add_entity(c, tok, 1);
    }
    if(c->nent == 0)
        stopword_names(c);
    drop_ambiguous_words(c);
    build_intent(c);
    /* "how does order reach data?": a path needs two names, and its other end may be a stopword's table */
    if(c->nent == 1 && path_asked(c)) {
        stopword_names(c);
        drop_ambiguous_words(c);
        build_intent(c);
    }
}

static void add_source(chat_t *c, const graph_stmt_info_t *st)
{
    if(!st->file || json_array_size(c->sources) >= SOURCES_MAX)
        return;
    json_t *o = qenc_stmt(st);
    size_t i;
    json_t *have;
    json_array_foreach(c->sources, i, have) if(json_equal(have, o))
    {
        json_decref(o);
        return;
    }
    json_array_append_new(c->sources, o);
}

static void sources_from_edges(chat_t *c, const graph_result_t *r)
{
    for(int i = 0; i < r->nhop; i++) {
        graph_stmt_info_t st;
        if(graph_edge_statement(c->s, r->hop[i], &st) == 0)
            add_source(c, &st);
    }
}

/* How `merge` tells items apart: a node by its id, an edge by its JSON text. */
static char *item_key(json_t *o)
{
    json_t *id = json_object_get(o, "id");
    char num[32];
    if(json_is_integer(id) && json_object_get(o, "name")) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(id));
        return strdup(num);
    }
    return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Appends the items of `add` that `into` lacks; consumes `add`. One result holds no repeats. */
static void merge(json_t *into, json_t *add)
{
    if(!json_array_size(into)) {
        json_array_extend(into, add);
        json_decref(add);
        return;
    }
    json_t *seen = json_object();
    size_t i;
    json_t *o;
    json_array_foreach(into, i, o)
    {
        char *key = item_key(o);
        if(key)
            json_object_set_new(seen, key, json_true());
        free(key);
    }
    json_array_foreach(add, i, o)
    {
        char *key = item_key(o);
        if(key && !json_object_get(seen, key)) {
            json_object_set_new(seen, key, json_true());
            json_array_append(into, o);
        }
        free(key);
    }
    json_decref(seen);
    json_decref(add);
}

/* The drawn graph: a result's nodes and edges, added to those of the question's earlier names. */
static void graph_data(chat_t *c, const graph_result_t *r)
{
    merge(c->nodes, qenc_result_nodes(c->s, r));
    merge(c->edges, qenc_result_edges(c->s, r));
}

static void say(chat_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(chat_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&c->resp, fmt, ap);
    va_end(ap);
}

static const char *nm(const chat_t *c, int v)
{
    return graph_node_name(c->s, v);
}

/* "a, b and c" for up to LISTED_MAX names of the result beyond its roots. */
static void list_nodes(chat_t *c, const graph_result_t *r, int from)
{
    int shown = 0;
    for(int i = from; i < r->nnodes && shown < LISTED_MAX; i++, shown++)
        say(c, "%s%s", shown ? (i + 1 == r->nnodes || shown + 1 == LISTED_MAX ? " and " : ", ") : "",
            nm(c, r->nodes[i].node));
    if(r->nnodes - from > LISTED_MAX)
        say(c, " (and %d more)", r->nnodes - from - LISTED_MAX);
}

static int lineage(chat_t *c, int v, graph_direction_t dir, int depth, graph_result_t *r)
{
    graph_query_t q = {.direction = dir,
                       .level = graph_node_kind(c->s, v) == GRAPH_COLUMN ? GRAPH_LEVEL_COLUMN : GRAPH_LEVEL_TABLE,
                       .depth = depth,
                       .limit = CHAT_GRAPH_MAX,
                       .collapse_temp = 1};
    return graph_lineage(c->s, v, &q, r);
}

static const char *upstream(chat_t *c, int v)
{
    graph_result_t r;
    if(lineage(c, v, GRAPH_UPSTREAM, GRAPH_DEFAULT_DEPTH, &r))
        return NULL;
    if(r.nnodes <= r.nroots)
        say(c, "Nothing feeds %s in the ingested SQL: it is a source.", nm(c, v));
    else {
        say(c, "%s is fed by %d node%s within %d steps: ", nm(c, v), r.total_nodes - r.nroots,
            r.total_nodes - r.nroots == 1 ? "" : "s", GRAPH_DEFAULT_DEPTH);
        list_nodes(c, &r, r.nroots);
        say(c, ".");
    }
    sources_from_edges(c, &r);
    graph_data(c, &r);
    graph_result_free(&r);
    return "lineage_upstream";
}

/* The chain of first-found parents back to the root: "a → b → c". */
static void say_path(chat_t *c, const graph_result_t *r, int i)
{
    int chain[GRAPH_MAX_DEPTH + 1], n = 0;
    for(int v = r->nodes[i].node; v >= 0 && n <= GRAPH_MAX_DEPTH;) {
        chain[n++] = v;
        int parent = -1;
        for(int k = 0; k < r->nnodes; k++)
            if(r->nodes[k].node == v) {
                parent = r->nodes[k].parent;
                break;
            }
        v = parent;
    }
    for(int k = n - 1; k >= 0; k--)
        say(c, "%s%s", k == n - 1 ? "" : " → ", nm(c, chain[k]));
}

static const char *impact(chat_t *c, int v)
{
    graph_result_t r;
    if(lineage(c, v, GRAPH_DOWNSTREAM, IMPACT_DEPTH, &r))
        return NULL;
    int n = r.nnodes - r.nroots;
    if(n <= 0)
        say(c, "Nothing downstream depends on %s in the ingested SQL.", nm(c, v));
    else {
        n = r.total_nodes - r.nroots;
        say(c, "Changing %s affects %d node%s downstream (up to %d steps):", nm(c, v), n, n == 1 ? "" : "s",
            IMPACT_DEPTH);
        for(int i = r.nroots, shown = 0; i < r.nnodes && shown < LISTED_MAX; i++, shown++) {
            say(c, "\n- %s (%d step%s: ", nm(c, r.nodes[i].node), r.nodes[i].depth, r.nodes[i].depth == 1 ? "" : "s");
            say_path(c, &r, i);
            say(c, ")");
        }
        if(n > LISTED_MAX)
            say(c, "\n- and %d more", n - LISTED_MAX);
        if(r.truncated)
            say(c, "\n(The graph shows the first %d.)", CHAT_GRAPH_MAX);
    }
    sources_from_edges(c, &r);
    graph_data(c, &r);
    graph_result_free(&r);
    return "impact";
}

static const char *definition(chat_t *c, int v)
{
    graph_stmt_info_t st;
    const int *list;
    int n = graph_out_edges(c->s, v, &list), found = 0;
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(c->s, list[i]) == GRAPH_DEFINED_IN && graph_edge_statement(c->s, list[i], &st) == 0) {
            say(c, "%s%s is defined in %s at line %d%s%s%s.", found ? " " : "", nm(c, v), st.file ? st.file : "?",
                st.line, st.kind ? " (" : "", st.kind ? st.kind : "", st.kind ? ")" : "");
            add_source(c, &st);
            found++;
        }
    if(!found) {
        say(c, "No DDL for %s was found in the ingested files.", nm(c, v));
        /* in-edges also hold READS_FROM (file -> table): only a write says where it is made */
        n = graph_in_edges(c->s, v, &list);
        for(int i = 0; i < n; i++)
            if((graph_edge_kind(c->s, list[i]) == GRAPH_WRITES_TO || graph_edge_kind(c->s, list[i]) == GRAPH_DERIVES) &&
               graph_edge_statement(c->s, list[i], &st) == 0 && st.file) {
                say(c, " It is written at %s:%d.", st.file, st.line);
                add_source(c, &st);
                break;
            }
    }
    return "definition";
}

/*
 * The statements an answer stands on, told apart by id: the sources list at most SOURCES_MAX of
 * them, the answer counts them all.
 */
typedef struct stmts {
    int64_t *ids;
    size_t n, cap;
} stmts_t;

static void stmts_add(stmts_t *t, const graph_stmt_info_t *st)
{
    if(t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        int64_t *ids = util_realloc(t->ids, cap * sizeof(*ids));
        if(!ids)
            return; /* counted short rather than not answered */
        t->ids = ids;
        t->cap = cap;
    }
    t->ids[t->n++] = st->id;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* How many different statements were added; frees the list. */
static size_t stmts_count(stmts_t *t)
{
    size_t k = 0;
    if(t->n)
        qsort(t->ids, t->n, sizeof(*t->ids), cmp_id);
    for(size_t i = 0; i < t->n; i++)
        k += i == 0 || t->ids[i] != t->ids[i - 1];
    util_free(t->ids);
    *t = (stmts_t){0};
    return k;
}

/* ", of which the first N are listed" when the sources hold fewer than were counted. */
static void say_listed(chat_t *c, size_t counted, size_t listed)
{
    if(counted > listed)
        say(c, " (the first %zu listed)", listed);
}

static const char *where_used(chat_t *c, int v)
{
    graph_stmt_info_t st;
    const int *list;
    stmts_t all = {0};
    size_t base = json_array_size(c->sources); /* what earlier names of the question added */
    int n = graph_out_edges(c->s, v, &list);
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(c->s, list[i]) == GRAPH_DERIVES && graph_edge_statement(c->s, list[i], &st) == 0) {
            add_source(c, &st);
            stmts_add(&all, &st);
        }
    /* a table is used where it is read, a procedure where it is called */
    graph_edge_kind_t use = graph_node_kind(c->s, v) == GRAPH_PROCEDURE ? GRAPH_CALLS : GRAPH_READS_FROM;
    n = graph_in_edges(c->s, v, &list);
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(c->s, list[i]) == use && graph_edge_statement(c->s, list[i], &st) == 0) {
            add_source(c, &st);
            stmts_add(&all, &st);
        }
    size_t listed = json_array_size(c->sources) - base, k = stmts_count(&all);
    if(!k)
        say(c, "No statement in the ingested SQL %s %s.", use == GRAPH_CALLS ? "calls" : "reads", nm(c, v));
    else {
        say(c, "%s is used by %zu statement%s", nm(c, v), k, k == 1 ? "" : "s");
        say_listed(c, k, listed);
        say(c, ":");
        size_t i;
        json_t *o;
        json_array_foreach(c->sources, i, o) if(i >= base)
            say(c, "\n- %s:%lld%s%s", json_string_value(json_object_get(o, "file")),
                (long long)json_integer_value(json_object_get(o, "line")), json_object_get(o, "kind") ? " " : "",
                json_object_get(o, "kind") ? json_string_value(json_object_get(o, "kind")) : "");
    }
    return "where_used";
}

static const char *columns(chat_t *c, int v)
{
    if(graph_node_kind(c->s, v) == GRAPH_COLUMN) {
        int t = graph_column_table(c->s, v);
        v = t != GRAPH_NONE ? t : v;
    }
    int cols[LISTED_MAX * 4];
    int n = graph_columns(c->s, v, cols, LISTED_MAX * 4);
    if(!n)
        say(c, "No columns of %s are known from the ingested SQL.", nm(c, v));
    else {
        say(c, "%s has %d known column%s: ", nm(c, v), n, n == 1 ? "" : "s");
        for(int i = 0; i < n && i < LISTED_MAX * 4; i++) {
            const char *full = nm(c, cols[i]);
            const char *dot = strrchr(full, '.');
            say(c, "%s%s", i ? ", " : "", dot ? dot + 1 : full);
            json_array_append_new(c->nodes, qenc_node(c->s, cols[i]));
        }
        say(c, ".");
    }
    json_array_insert_new(c->nodes, 0, qenc_node(c->s, v));
    graph_stmt_info_t st;
    if(qenc_defined_at(c->s, v, &st) == 0)
        add_source(c, &st);
    else {
        /* no DDL: the statements that named the columns say where they are known from */
        const int *list;
        int ne = graph_out_edges(c->s, v, &list);
        for(int i = 0; i < ne; i++)
            if(graph_edge_kind(c->s, list[i]) == GRAPH_CONTAINS && graph_edge_statement(c->s, list[i], &st) == 0)
                add_source(c, &st);
    }
    return "columns";
}

static const char *path(chat_t *c, int a, int b)
{
    graph_result_t r;
    int paths[QUERY_PATHS_MAX * GRAPH_MAX_DEPTH], len[QUERY_PATHS_MAX], np, rev;
    if(graph_paths(c->s, a, b, QUERY_PATHS_MAX, &r, paths, len, &np, &rev))
        return NULL;
    if(!np)
        say(c, "No data path of at most %d steps connects %s and %s in the ingested SQL.", GRAPH_MAX_DEPTH, nm(c, a),
            nm(c, b));
    else {
        say(c, "%s %s %s in %d step%s", rev ? nm(c, b) : nm(c, a), "reaches", rev ? nm(c, a) : nm(c, b), len[0],
            len[0] == 1 ? "" : "s");
        say(c, np > 1 ? " along %d shortest paths:" : ":", np);
        for(int p = 0; p < np; p++) {
            const int *row = paths + p * GRAPH_MAX_DEPTH;
            say(c, "\n- %s", nm(c, r.edges[row[0]].source));
            for(int k = 0; k < len[p]; k++)
                say(c, " → %s", nm(c, r.edges[row[k]].target));
        }
    }
    sources_from_edges(c, &r);
    graph_data(c, &r);
    graph_result_free(&r);
    return "path";
}

/*
 * The tables `actor` (a file or a procedure) writes, each once, after `lead`; how many were said.
 * `mark` (a byte per node, all 0; NULL: repeats are said) tells a table said already, in one pass
 * however many statements write it, and is all 0 again on return.
 */
static int writes_of(chat_t *c, int actor, const char *lead, unsigned char *mark)
{
    const int *list;
    int n = graph_out_edges(c->s, actor, &list), said = 0;
    graph_stmt_info_t st;
    for(int i = 0; i < n; i++) {
        if(graph_edge_kind(c->s, list[i]) != GRAPH_WRITES_TO)
            continue;
        int t = graph_edge_target(c->s, list[i]);
        if(graph_edge_statement(c->s, list[i], &st) == 0)
            add_source(c, &st);
        if(mark && mark[t])
            continue;
        if(mark)
            mark[t] = 1;
        if(said < LISTED_MAX)
            say(c, "%s%s", said ? ", " : lead, nm(c, t));
        said++;
    }
    if(said > LISTED_MAX)
        say(c, " and %d more", said - LISTED_MAX);
    for(int i = 0; i < n && mark; i++)
        if(graph_edge_kind(c->s, list[i]) == GRAPH_WRITES_TO)
            mark[graph_edge_target(c->s, list[i])] = 0;
    return said;
}

static const char *file_outputs(chat_t *c, int f)
{
    const int *list;
    graph_stmt_info_t st;
    say(c, "%s", nm(c, f));
    unsigned char *mark = util_calloc((size_t)graph_node_count(c->s) + 1, 1);
    int written = writes_of(c, f, " writes ", mark);
    int defined = 0;
    int n = graph_in_edges(c->s, f, &list);
    for(int i = 0; i < n; i++) {
        if(graph_edge_kind(c->s, list[i]) != GRAPH_DEFINED_IN)
            continue;
        int t = graph_edge_source(c->s, list[i]);
        if(graph_edge_statement(c->s, list[i], &st) == 0)
            add_source(c, &st);
        if(defined++ >= LISTED_MAX)
            continue;
        say(c, "%s%s", defined > 1 ? ", " : (written ? "; it defines " : " defines "), nm(c, t));
        /* a procedure's statements write on its own node: what the file's procedures write, it wrote */
        if(graph_node_kind(c->s, t) == GRAPH_PROCEDURE && writes_of(c, t, " (which writes ", mark))
            say(c, ")");
    }
    if(defined > LISTED_MAX)
        say(c, " and %d more", defined - LISTED_MAX);
    util_free(mark);
    /* the graph: the file and its procedures, and what they write (one step of lineage) */
    graph_result_t r;
    if(lineage(c, f, GRAPH_DOWNSTREAM, 1, &r) == 0) {
        graph_data(c, &r);
        graph_result_free(&r);
    }
    say(c, "%s", written || defined ? "." : " creates and writes nothing that was recognised.");
    /* statements that did not parse are part of the answer: their lineage is missing */
    const char *path = nm(c, f);
    int failed = 0;
    for(int k = 0; k < graph_statement_count(c->s); k++) {
        if(graph_statement_at(c->s, k, &st) || !st.error || !st.file || strcmp(st.file, path) != 0)
            continue;
        if(failed < LISTED_MAX)
            say(c, "%s line %d: %s", failed ? ";" : " Statements that could not be parsed:", st.line, st.error);
        add_source(c, &st);
        failed++;
    }
    if(failed > LISTED_MAX)
        say(c, "; and %d more", failed - LISTED_MAX);
    if(failed)
        say(c, ".");
    return "file_outputs";
}

/*
 * Which procedures write `v`; with `all`, every statement that writes it too (file:line), for
 * "who writes X".
 */
static const char *procedures(chat_t *c, int v, int all)
{
    json_t *names = json_array();
    const int *list;
    stmts_t writes = {0};
    size_t base = json_array_size(c->sources); /* what earlier names of the question added */
    int n = graph_in_edges(c->s, v, &list);
    graph_stmt_info_t st;
    for(int i = 0; i < n; i++) {
        graph_edge_kind_t k = graph_edge_kind(c->s, list[i]);
        int src = graph_edge_source(c->s, list[i]);
        const char *proc = NULL;
        if(k == GRAPH_WRITES_TO && graph_node_kind(c->s, src) == GRAPH_PROCEDURE)
            proc = nm(c, src);
        if((k == GRAPH_WRITES_TO || k == GRAPH_DERIVES) && graph_edge_statement(c->s, list[i], &st) == 0 &&
           st.routine) {
            proc = proc ? proc : st.routine;
            add_source(c, &st);
        }
        if(all && (k == GRAPH_WRITES_TO || k == GRAPH_DERIVES) && graph_edge_statement(c->s, list[i], &st) == 0) {
            add_source(c, &st);
            stmts_add(&writes, &st);
        }
        if(!proc)
            continue;
        size_t j;
        json_t *have;
        int dup = 0;
        json_array_foreach(names, j, have) dup |= strcmp(json_string_value(have), proc) == 0;
        if(!dup)
            json_array_append_new(names, json_string(proc));
    }
    size_t k = json_array_size(names);
    if(!k)
        say(c, "No stored procedure writes %s in the ingested SQL.", nm(c, v));
    else {
        say(c, "%zu procedure%s write%s %s: ", k, k == 1 ? "" : "s", k == 1 ? "s" : "", nm(c, v));
        size_t i;
        json_t *o;
        json_array_foreach(names, i, o) say(c, "%s%s", i ? ", " : "", json_string_value(o));
        say(c, ".");
    }
    json_decref(names);
    size_t n_src = stmts_count(&writes), listed = json_array_size(c->sources) - base;
    if(!all)
        return "procedures";
    if(!n_src)
        say(c, " No statement in the ingested SQL writes it.");
    else {
        say(c, " %s is written by %zu statement%s", nm(c, v), n_src, n_src == 1 ? "" : "s");
        say_listed(c, n_src, listed);
        say(c, ":");
        size_t i;
        json_t *o;
        json_array_foreach(c->sources, i, o) if(i >= base)
        {
            const char *proc = json_string_value(json_object_get(o, "procedure"));
            say(c, "\n- %s:%lld%s%s%s%s", json_string_value(json_object_get(o, "file")),
                (long long)json_integer_value(json_object_get(o, "line")), json_object_get(o, "kind") ? " " : "",
                json_object_get(o, "kind") ? json_string_value(json_object_get(o, "kind")) : "", proc ? " in " : "",
                proc ? proc : "");
        }
    }
    return "writers";
}

/* What a procedure's body reads and writes, and the procedures it calls. */
static const char *procedure_lineage(chat_t *c, int p)
{
    static const graph_edge_kind_t kinds[] = {GRAPH_READS_FROM, GRAPH_WRITES_TO, GRAPH_CALLS};
    static const char *const verbs[] = {"reads", "writes", "calls"};
    const int *list;
    int n = graph_out_edges(c->s, p, &list), said = 0;
    graph_stmt_info_t st;
    /* a byte per node and kind of edge: each target said once, in one pass however many edges */
    unsigned char *mark = util_calloc((size_t)graph_node_count(c->s) + 1, 1);
    if(!mark)
        return NULL;
    json_array_append_new(c->nodes, qenc_node(c->s, p));
    say(c, "%s", nm(c, p));
    for(int k = 0; k < 3; k++) {
        int listed = 0;
        for(int i = 0; i < n; i++) {
            if(graph_edge_kind(c->s, list[i]) != kinds[k])
                continue;
            int t = graph_edge_target(c->s, list[i]);
            if(graph_edge_statement(c->s, list[i], &st) == 0)
                add_source(c, &st);
            if(mark[t] & (1u << k))
                continue;
            mark[t] |= (unsigned char)(1u << k);
            if(listed++ >= LISTED_MAX)
                continue;
            say(c, "%s%s", listed > 1 ? ", " : (said ? "; it " : " "), listed > 1 ? "" : verbs[k]);
            say(c, "%s%s", listed > 1 ? "" : " ", nm(c, t));
            if(json_array_size(c->nodes) >= CHAT_GRAPH_MAX)
                continue;
            /* placed as lineage is drawn: what it reads to the left, what it writes or calls to the right */
            json_t *node = qenc_node(c->s, t);
            json_object_set_new(node, "depth", json_integer(1));
            json_object_set_new(node, "direction",
                                json_string(kinds[k] == GRAPH_READS_FROM ? "upstream" : "downstream"));
            json_array_append_new(c->nodes, node);
            json_array_append_new(
                c->edges, json_pack("{s:I, s:I, s:s}", "source", (json_int_t)graph_node_db_id(c->s, p), "target",
                                    (json_int_t)graph_node_db_id(c->s, t), "type", graph_edge_kind_name(kinds[k])));
        }
        if(listed > LISTED_MAX)
            say(c, " and %d more", listed - LISTED_MAX);
        said |= listed > 0;
    }
    util_free(mark);
    say(c, "%s", said ? "." : " reads, writes and calls nothing that was recognised.");
    return "procedure_lineage";
}

static const char *describe(chat_t *c, int v)
{
    graph_result_t up, down;
    int nu = 0, nd = 0;
    if(lineage(c, v, GRAPH_UPSTREAM, 1, &up) == 0) {
        nu = up.nnodes - up.nroots;
        graph_result_free(&up);
    }
    if(lineage(c, v, GRAPH_BOTH, 1, &down) == 0) {
        nd = down.nnodes - down.nroots - nu;
        say(c,
            "%s is a %s%s with %d direct source%s and %d direct consumer%s. Ask what feeds it, what depends on "
            "it, where it is defined or which columns it has.",
            nm(c, v), graph_node_temporary(c->s, v) ? "temporary " : "", graph_kind_name(graph_node_kind(c->s, v)), nu,
            nu == 1 ? "" : "s", nd, nd == 1 ? "" : "s");
        sources_from_edges(c, &down);
        graph_data(c, &down);
        graph_result_free(&down);
    }
    return "search";
}

static const char *clarify(chat_t *c, const entity_t *e)
{
    say(c, "\"%s\" matches several nodes: ", e->text);
    for(int i = 0; i < e->ncand && i < QUERY_CANDIDATES; i++) {
        say(c, "%s%s", i ? ", " : "", nm(c, e->cand[i]));
        json_array_append_new(c->nodes, qenc_node(c->s, e->cand[i]));
    }
    say(c, ". Which one do you mean? Qualify it with its schema.");
    return "clarify";
}

/* Close names for the question's words that named nothing, for the "I could not tell" answers. */
static void say_suggestions(chat_t *c, const char *question)
{
    json_t *sugg = json_array();
    const char *p = question;
    int searches = 0; /* each a pass over every node: a long question of unknown words costs a few */
    while(*p && json_array_size(sugg) < QUERY_CANDIDATES && searches < SEARCHES_MAX) {
        while(*p && !name_char((unsigned char)*p))
            p++;
        const char *start = p;
        p = word_end(p);
        size_t n = (size_t)(p - start);
        if(n < 3 || n > TOKEN_MAX)
            continue;
        char tok[TOKEN_MAX + 1];
        memcpy(tok, start, n);
        tok[n] = '\0';
        utf8_lower(tok, tok, n);
        int known = 0;
        for(int i = 0; i < c->nent; i++) {
            char low[TOKEN_MAX + 1];
            size_t len = strlen(c->ent[i].text);
            if(len != n)
                continue;
            utf8_lower(low, c->ent[i].text, len);
            known |= memcmp(low, tok, n) == 0;
        }
        if(known || is_stopword(tok))
            continue;
        graph_hit_t hits[3];
        int k = graph_search(c->s, tok, GRAPH_MASK_ALL, hits, 3);
        searches++;
        /* "marts.nonexistent": nothing is close to the whole name, so offer what its qualifier holds */
        char *dot = k > 0 ? NULL : strrchr(tok, '.');
        if(dot && dot > tok) {
            *dot = '\0';
            searches++;
            k = graph_search(c->s, tok, GRAPH_MASK_TABLES, hits, 3);
        }
        for(int i = 0; i < k; i++)
            json_array_append_new(sugg, json_string(nm(c, hits[i].node)));
    }
    if(json_array_size(sugg)) {
        say(c, " Did you mean ");
        size_t i;
        json_t *o;
        json_array_foreach(sugg, i, o) say(c, "%s%s", i ? ", " : "", json_string_value(o));
        say(c, "?");
    } else {
        say(c, " Try a qualified name such as schema.table.");
    }
    json_decref(sugg);
}

static const char *unknown(chat_t *c, const char *question)
{
    say(c, "I could not find a table, view, column, procedure or file named in the question.");
    say_suggestions(c, question);
    return "unknown";
}

/*
 * Questions about the whole graph ("how many tables are there?", "list the procedures", "what is
 * in the warehouse?"): they name nothing, so they are told apart from a name that was not found by
 * every word being one of these or a common word. A word of the question that could be a name
 * leaves it `unknown`, with suggestions, rather than answered about everything.
 */
static const char *const w_overview[] = {
    "how many",  "number of",  "count",     "list",     "show",           "all",     "overview", "summary", "summarize",
    "summarise", "what is in", "what's in", "whats in", "most connected", "biggest", "largest",  "busiest", "most used",
    "total",     "are there",  "is there",  "exist",    "we have",        NULL};
static const char *const w_overview_filler[] = {
    "many",    "number",  "count",    "counts",    "total",         "overview", "summary",   "summarize", "summarise",
    "biggest", "largest", "busiest",  "most",      "connected",     "main",     "important", "are",       "there",
    "we",      "our",     "exist",    "known",     "got",           "graph",    "warehouse", "database",  "catalog",
    "node",    "nodes",   "edge",     "edges",     "dataset",       "datasets", "please",    "give",      "statistics",
    "stats",   "size",    "big",      "kinds",     "kind",          "types",    "type",      "each",      "every",
    "objects", "object",  "entities", "relations", "relationships", NULL};

#define OVERVIEW_LIST_MAX 20 /* names listed when one kind is asked for */

static int overview_word(const char *w)
{
    if(is_stopword(w))
        return 1;
    for(const char *const *f = w_overview_filler; *f; f++)
        if(strcmp(w, *f) == 0)
            return 1;
    return 0;
}

/* Whether the question asks about the graph as a whole and names nothing else. */
static int overview_asked(const chat_t *c)
{
    if(c->nent || !any_word(c, w_overview))
        return 0;
    for(int i = 0; i < c->nwords; i++) {
        const word_t *w = &c->words[i];
        char low[TOKEN_MAX + 1];
        memcpy(low, c->lower + w->at, w->len);
        low[w->len] = '\0';
        if(!overview_word(low))
            return 0;
    }
    return 1;
}

/* The kinds one question asks to list: "views" alone, "tables" meaning tables and views. */
static unsigned overview_kinds(const chat_t *c)
{
    unsigned mask = 0;
    if(has_word(c, "table") || has_word(c, "dataset"))
        mask |= GRAPH_MASK_TABLES;
    if(has_word(c, "view"))
        mask |= GRAPH_MASK(GRAPH_VIEW);
    if(has_word(c, "column") || has_word(c, "field"))
        mask |= GRAPH_MASK(GRAPH_COLUMN);
    if(has_word(c, "procedure") || has_word(c, "proc") || has_word(c, "routine"))
        mask |= GRAPH_MASK(GRAPH_PROCEDURE);
    if(has_word(c, "file"))
        mask |= GRAPH_MASK(GRAPH_FILE);
    return mask;
}

/* A node's lineage edges in and out: DERIVES, READS_FROM, WRITES_TO and CALLS (not its columns). */
static int lineage_degree(const chat_t *c, int v)
{
    const int *e;
    int n = 0, k = graph_out_edges(c->s, v, &e);
    for(int i = 0; i < k; i++) {
        graph_edge_kind_t t = graph_edge_kind(c->s, e[i]);
        n += t != GRAPH_CONTAINS && t != GRAPH_DEFINED_IN;
    }
    k = graph_in_edges(c->s, v, &e);
    for(int i = 0; i < k; i++) {
        graph_edge_kind_t t = graph_edge_kind(c->s, e[i]);
        n += t != GRAPH_CONTAINS && t != GRAPH_DEFINED_IN;
    }
    return n;
}

typedef struct ranked {
    int node, degree;
} ranked_t;

/* Insert `v` into the `max` best of `top` (most lineage edges first, then by name). */
static void rank_node(const chat_t *c, ranked_t *top, int *n, int max, int v, int degree)
{
    int at = *n;
    while(at > 0 && (top[at - 1].degree < degree ||
                     (top[at - 1].degree == degree && strcmp(nm(c, top[at - 1].node), nm(c, v)) > 0)))
        at--;
    if(at >= max)
        return;
    int last = *n < max ? (*n)++ : max - 1;
    memmove(top + at + 1, top + at, (size_t)(last - at) * sizeof(*top));
    top[at] = (ranked_t){v, degree};
}

static const char *overview(chat_t *c)
{
    int count[GRAPH_KIND_COUNT] = {0}, temporary = 0, nodes = graph_node_count(c->s);
    unsigned asked = overview_kinds(c);
    unsigned ranked_kinds = asked ? asked : GRAPH_MASK_TABLES;
    int max = asked ? OVERVIEW_LIST_MAX : LISTED_MAX, ntop = 0, matching = 0;
    ranked_t top[OVERVIEW_LIST_MAX];
    for(int v = 0; v < nodes; v++) {
        graph_kind_t k = graph_node_kind(c->s, v);
        count[k]++;
        temporary += (k == GRAPH_TABLE || k == GRAPH_VIEW) && graph_node_temporary(c->s, v);
        if(ranked_kinds & GRAPH_MASK(k)) {
            matching++;
            rank_node(c, top, &ntop, max, v, lineage_degree(c, v));
        }
    }
    say(c, "The graph holds %d node%s and %d edge%s: %d table%s", nodes, nodes == 1 ? "" : "s", graph_edge_count(c->s),
        graph_edge_count(c->s) == 1 ? "" : "s", count[GRAPH_TABLE], count[GRAPH_TABLE] == 1 ? "" : "s");
    if(temporary)
        say(c, " (%d of them temporary)", temporary);
    say(c, ", %d view%s, %d column%s, %d procedure%s and %d file%s.", count[GRAPH_VIEW],
        count[GRAPH_VIEW] == 1 ? "" : "s", count[GRAPH_COLUMN], count[GRAPH_COLUMN] == 1 ? "" : "s",
        count[GRAPH_PROCEDURE], count[GRAPH_PROCEDURE] == 1 ? "" : "s", count[GRAPH_FILE],
        count[GRAPH_FILE] == 1 ? "" : "s");
    if(!ntop)
        return "overview";
    say(c, "\n%s (lineage edges in and out):", asked ? "Most connected first" : "Most connected tables and views");
    for(int i = 0; i < ntop; i++) {
        say(c, "\n- %s (%s, %d)", nm(c, top[i].node), graph_kind_name(graph_node_kind(c->s, top[i].node)),
            top[i].degree);
        json_array_append_new(c->nodes, qenc_node(c->s, top[i].node));
    }
    if(matching > ntop)
        say(c, "\n- and %d more", matching - ntop);
    return "overview";
}

static const char *one_end_of_a_path(chat_t *c, const char *question)
{
    say(c, "A path needs two names; I recognised only %s.", nm(c, c->ent[0].node));
    say_suggestions(c, question);
    return "clarify";
}

static const char *const w_path[] = {"path",      "reach",   "between",  "connect",   "connected", "flow",
                                     "flow from", "lead to", "leads to", "end up in", NULL};
/* Words that ask for the way between two names ("how does A reach B", "from A to B"). */
static int path_asked(const chat_t *c)
{
    return any_word(c, w_path) || (has_word(c, "from") && has_word(c, "to"));
}

static const char *const w_proc[] = {"procedure", "proc", "stored procedure", "routine", NULL};
static const char *const w_file[] = {"create", "created", "define", "defines", "produce", "write", NULL};
static const char *const w_writers[] = {"written by", "which statements write", "writers", NULL};
/* "what job writes X", "who loads X": such a verb before the name asks what writes it */
static const char *const w_writes[] = {"writes", "loads",   "fills",    "populates", "inserts", "updates",
                                       "builds", "creates", "produces", "wrote",     "loaded",  NULL};
/* "which tables are used to build X", "what is used by X": what X is made from */
static const char *const w_made_of[] = {
    "used to build", "used to create", "used to make",  "used to populate", "used to compute", "used by", "go into",
    "goes into",     "get its data",   "gets its data", "get data",         "gets data",       NULL};
static const char *const w_callers[] = {"who calls", "what calls", "which procedures call", "callers", NULL};
static const char *const w_cols[] = {"column",    "columns",  "field",        "fields",
                                     "schema of", "describe", "structure of", NULL};
static const char *const w_def[] = {"defined", "definition", "ddl", "declared", "created", NULL};
static const char *const w_used[] = {"used", "use", "usage", "reference", "referenced", "read", "reads", NULL};
static const char *const w_impact[] = {"impact",    "break",   "breaks",       "affect",     "affected",
                                       "depend",    "depends", "dependents",   "downstream", "consume",
                                       "consumers", "change",  "blast radius", NULL};
static const char *const w_up[] = {"feed",       "feeds",   "upstream",   "source",  "sources",     "come from",
                                   "comes from", "derived", "built from", "lineage", "origin",      "dependencies",
                                   "input",      "inputs",  "parents",    "trace",   "coming from", NULL};
static const char *const w_does[] = {"do", "touch", NULL};

/* Whether the first name comes before `w`: "what does X depend on", "what does X read". */
static int name_before(const chat_t *c, const char *w)
{
    const char *p = find_word(c, w);
    return p && c->ent[0].at < (size_t)(p - c->intent);
}

/* A verb of writing before the name, and no word of impact: "what job writes X", not "if I update X". */
static int writer_asked(const chat_t *c)
{
    if(any_word(c, w_writers))
        return 1;
    for(const char *const *w = w_writes; *w; w++)
        if(has_word(c, *w) && !name_before(c, *w) && !any_word(c, w_impact))
            return 1;
    return 0;
}

/* Nodes are told apart by their kind: a column, a file, a procedure, or a table or view. */
static int node_class(const chat_t *c, int v)
{
    graph_kind_t k = graph_node_kind(c->s, v);
    return k == GRAPH_VIEW ? GRAPH_TABLE : (int)k;
}

typedef const char *(*node_answer_fn)(chat_t *c, int v);

/* `fn` for every name asked about that is of the first one's class ("what feeds A and B?"). */
static const char *each(chat_t *c, node_answer_fn fn)
{
    const char *type = NULL;
    int cls = node_class(c, c->ent[0].node);
    for(int i = 0; i < c->nent; i++) {
        if(node_class(c, c->ent[i].node) != cls)
            continue;
        if(type)
            say(c, "\n\n");
        if(!(type = fn(c, c->ent[i].node)))
            return NULL;
    }
    return type;
}

static const char *procedures_only(chat_t *c, int v)
{
    return procedures(c, v, 0);
}

static const char *writers(chat_t *c, int v)
{
    return procedures(c, v, 1);
}

static const char *answer(chat_t *c, const char *question)
{
    for(int i = 0; i < c->nent; i++)
        if(c->ent[i].node == GRAPH_NONE)
            return clarify(c, &c->ent[i]);
    if(overview_asked(c))
        return overview(c);
    if(!c->nent)
        return unknown(c, question);
    int v = c->ent[0].node;
    graph_kind_t kind = graph_node_kind(c->s, v);
    int path_words = path_asked(c);
    /* "how does A get to B", "how is B built from A", "trace A to B": the way between two names */
    if(c->nent >= 2 && (path_words || has_word(c, "how") || has_word(c, "trace")))
        return path(c, v, c->ent[1].node);
    if(path_words && has_word(c, "how"))
        return one_end_of_a_path(c, question);
    if(kind == GRAPH_FILE)
        return file_outputs(c, v);
    if(kind == GRAPH_PROCEDURE && (has_word(c, "used") || has_word(c, "called") || any_word(c, w_callers)))
        return where_used(c, v);
    if(kind == GRAPH_PROCEDURE && any_word(c, w_def))
        return definition(c, v);
    if(kind == GRAPH_PROCEDURE &&
       (any_word(c, w_file) || any_word(c, w_used) || has_word(c, "call") || any_word(c, w_does)))
        return procedure_lineage(c, v);
    if(any_word(c, w_proc) && kind != GRAPH_PROCEDURE)
        return each(c, procedures_only);
    if(kind != GRAPH_PROCEDURE && any_word(c, w_made_of) && !name_before(c, "used"))
        return each(c, upstream);
    if(kind != GRAPH_PROCEDURE && writer_asked(c))
        return each(c, writers);
    if(any_word(c, w_cols) && kind != GRAPH_COLUMN)
        return each(c, columns);
    if(any_word(c, w_def) ||
       (has_word(c, "where is") && !any_word(c, w_used) && !any_word(c, w_up) && !any_word(c, w_impact)))
        return each(c, definition);
    /* "what does X feed", "what is fed by X": downstream of X; "what feeds X": upstream */
    if((has_word(c, "do") && name_before(c, "feed")) || (has_word(c, "fed by") && !name_before(c, "fed")))
        return each(c, impact);
    /* "what does X read / use": what X reads from; "who reads X": where X is used */
    if(has_word(c, "do") && (name_before(c, "read") || name_before(c, "use")))
        return each(c, upstream);
    if(any_word(c, w_used) && !any_word(c, w_impact))
        return each(c, where_used);
    if(any_word(c, w_impact) && !name_before(c, "depend"))
        return each(c, impact);
    if(any_word(c, w_impact) || any_word(c, w_up))
        return each(c, upstream);
    if(any_word(c, w_file) && kind != GRAPH_FILE)
        return each(c, definition);
    return describe(c, v);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void query_chat_graph(const graph_snap_t *s, const char *question, query_result_t *out)
{
    double t0 = now_ms();
    chat_t c = {.s = s, .sources = json_array(), .nodes = json_array(), .edges = json_array()};
    buf_init(&c.resp, 16384);
    size_t qlen = strlen(question);
    utf8_lower(c.lower, question, qlen + 1);
    find_entities(&c);
    const char *type = answer(&c, question);
    json_t *ents = json_array();
    for(int i = 0; i < c.nent; i++)
        if(c.ent[i].node != GRAPH_NONE) {
            json_t *o = qenc_node(s, c.ent[i].node);
            json_object_set_new(o, "matched", json_string(c.ent[i].text));
            json_object_set_new(o, "exact", json_boolean(c.ent[i].exact));
            json_array_append_new(ents, o);
        }
    out->query_type = type ? type : "error";
    out->nodes = (int)json_array_size(c.nodes);
    out->edges = (int)json_array_size(c.edges);
    json_t *body =
        type ? json_pack("{s:s, s:o, s:s, s:f, s:{s:o, s:o}, s:o}", "response", c.resp.data ? c.resp.data : "",
                         "sources", c.sources, "query_type", type, "latency_ms", now_ms() - t0, "graph_data", "nodes",
                         c.nodes, "edges", c.edges, "entities", ents)
             : NULL;
    buf_free(&c.resp);
    if(!type) {
        json_decref(c.sources);
        json_decref(c.nodes);
        json_decref(c.edges);
        json_decref(ents);
    }
    qenc_answer(out, body);
}

void query_chat(duckdb_connection conn, const graph_snap_t *s, const char *mode, const char *body, size_t len,
                query_result_t *out)
{
    out->query_type = "chat";
    if(strcmp(mode, "semantic") == 0 || strcmp(mode, "deep") == 0) {
        query_error(out, 501, "not_implemented",
                    "this mode needs a language model and no model provider is configured; use graph or text");
        return;
    }
    if(strcmp(mode, "graph") != 0 && strcmp(mode, "text") != 0) {
        query_error(out, 404, "not_found", "unknown chat mode; the modes are graph and text");
        return;
    }
    json_error_t err;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &err);
    if(!doc) {
        query_error(out, 400, "bad_json",
                    json_error_code(&err) == json_error_duplicate_key
                        ? "the body names \"query\" or another key twice"
                        : "the body must be a JSON object {\"query\": \"...\"}");
        return;
    }
    const char *q = json_string_value(json_object_get(doc, "query"));
    size_t qlen = q ? strlen(q) : 0;
    for(size_t sp; q && (sp = utf8_space_len((const unsigned char *)q, qlen)) != 0;) {
        q += sp;
        qlen -= sp;
    }
    if(!q || !qlen)
        query_error(out, 400, "bad_request", "query must be a non-empty string");
    else if(qlen > QUERY_QUESTION_MAX)
        query_error(out, 400, "bad_request", "query is longer than 2000 bytes");
    else if(strcmp(mode, "graph") == 0)
        query_chat_graph(s, q, out);
    else
        query_chat_text(conn, s, q, out);
    json_decref(doc);
}
