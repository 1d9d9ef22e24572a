/* No statement is lost silently: over every corpus input and fuzz seed, the pieces the engine took
 * (sql_lineage_opts_t.on_unit) cover the input and each one reports a statement or an error.
 *
 * The definition checked, per input:
 *  1. the pieces come in order without overlap;
 *  2. every token of the input, lexed here on its own in the dialect used, lies inside a piece,
 *     unless it is a comment, a template (`{{ .. }}`, `{% .. %}`: not SQL), a `;` or a `/`;
 *  3. every statement piece reports at least one statement or one error, except the pieces of
 *     control flow with nothing in them to report (control_flow() below), listed by `-v`;
 *  4. the statements and errors of the pieces add up to those of the result.
 * A piece the parser gave no kind and that reported nothing is a statement lost without a word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/lexer.h"
#include "sql/lineage.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef LINEAGED_CORPUS_DIR
#error "LINEAGED_CORPUS_DIR must point at the shared corpus"
#endif

#define MAX_UNITS 100000

typedef struct piece {
    uint64_t start, end;
    char kind[32];
    int has_kind;
    size_t statements, errors;
} piece_t;

typedef struct pieces {
    piece_t *v;
    size_t n;
} pieces_t;

typedef struct reader {
    const char *p;
    size_t len, pos;
} reader_t;

static int read_mem(void *ud, char *buf, size_t cap, size_t *got)
{
    reader_t *r = ud;
    size_t n = r->len - r->pos < cap ? r->len - r->pos : cap;
    memcpy(buf, r->p + r->pos, n);
    r->pos += n;
    *got = n;
    return 0;
}

static int keep_unit(void *ud, const sql_unit_t *u)
{
    pieces_t *ps = ud;
    if(ps->n == MAX_UNITS)
        return 0;
    piece_t *p = &ps->v[ps->n++];
    p->start = u->start;
    p->end = u->end;
    p->has_kind = u->kind != NULL;
    snprintf(p->kind, sizeof p->kind, "%s", u->kind ? u->kind : "");
    p->statements = u->statements;
    p->errors = u->errors;
    return 0;
}

static const char *const control_words[] = {
    "end",  "else",   "elsif", "elseif", "exception", "when",  "then",    "loop",    "go",
    "do",   "repeat", "until", "begin",  "if",        "while", "for",     "foreach", "case",
    "null", "label",  "goto",  "break",  "continue",  "leave", "iterate", "exit",
};

/* The word at *at in [.., end), lower-cased into w (empty when none); *at moves past it and the
 * white space after it. */
static void next_word(const char *text, uint64_t *at, uint64_t end, char *w, size_t cap)
{
    size_t n = 0;
    while(*at < end && (text[*at] == '_' || ((text[*at] | 0x20) >= 'a' && (text[*at] | 0x20) <= 'z'))) {
        if(n + 1 < cap)
            w[n++] = (char)(text[*at] | 0x20);
        (*at)++;
    }
    w[n] = '\0';
    while(*at < end && (text[*at] == ' ' || text[*at] == '\t' || text[*at] == '\r' || text[*at] == '\n'))
        (*at)++;
}

static int in_list(const char *w, const char *const *list, size_t n)
{
    for(size_t i = 0; i < n; i++)
        if(strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

/* The piece [start, end) is control flow: the parser took it as a block (kind `block`: BEGIN ..
 * END, DECLARE .. BEGIN .. END, a label:LOOP ..) or it starts with a control word, and it is no
 * statement that starts with one: a transaction's BEGIN [TRAN|TRANSACTION|WORK|DISTRIBUTED|NAME]
 * (and BEGIN alone but in T-SQL, where BEGIN; opens a block), T-SQL's BEGIN DIALOG, BEGIN
 * CONVERSATION TIMER, END CONVERSATION. */
static int control_flow(const char *text, uint64_t start, uint64_t end, const char *kind, sql_dialect_t d)
{
    static const char *const after_begin[] = {"tran",   "transaction",  "work", "distributed",
                                              "dialog", "conversation", "name"};
    char w[32], w2[32];
    uint64_t at = start;
    next_word(text, &at, end, w, sizeof w);
    if(strcmp(kind, "block") != 0 && !in_list(w, control_words, sizeof control_words / sizeof control_words[0]))
        return 0;
    next_word(text, &at, end, w2, sizeof w2);
    if(strcmp(w, "begin") == 0)
        return !in_list(w2, after_begin, sizeof after_begin / sizeof after_begin[0]) &&
               !(d != SQL_DIALECT_TSQL && !w2[0] && (at == end || text[at] == ';'));
    return !(strcmp(w, "end") == 0 && strcmp(w2, "conversation") == 0);
}

static uint32_t line_of(const char *text, uint64_t off)
{
    uint32_t line = 1;
    for(uint64_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

typedef struct totals {
    size_t inputs, pieces, lost, uncovered, structural, bad;
} totals_t;

static int verbose;

/* Checks one input; prints what breaks the definition above under `name`. 0 when it holds. */
static int check_input(const char *name, const char *text, size_t len, sql_dialect_t dialect, totals_t *tot)
{
    pieces_t ps = {calloc(MAX_UNITS, sizeof(piece_t)), 0};
    reader_t rd = {text, len, 0};
    sql_lineage_opts_t opts = {.dialect = dialect, .on_unit = keep_unit, .ud = &ps};
    sql_lineage_t *l = NULL;
    assert_int_equal(sql_lineage_run(read_mem, &rd, &opts, &l), 0);
    int failed = 0;
    tot->inputs++;
    tot->pieces += ps.n;
    size_t nst = 0, ner = 0;
    for(size_t i = 0; i < ps.n; i++) {
        const piece_t *p = &ps.v[i];
        nst += p->statements;
        ner += p->errors;
        if(p->end < p->start || (i && p->start < ps.v[i - 1].end) || (p->end != UINT64_MAX && p->end > len)) {
            printf("  %s: piece %zu [%llu, %llu) out of order or outside the input\n", name, i,
                   (unsigned long long)p->start, (unsigned long long)p->end);
            tot->bad++;
            failed = 1;
        }
        if(p->statements || p->errors ||
           (p->has_kind &&
            (strcmp(p->kind, "client") == 0 || strcmp(p->kind, "separator") == 0 || strcmp(p->kind, "data") == 0)))
            continue;
        if(p->has_kind && control_flow(text, p->start, p->end, p->kind, l->dialect)) {
            tot->structural++;
            if(verbose)
                printf("  %s:%u: control flow (%s), nothing to report: %.*s\n", name, line_of(text, p->start), p->kind,
                       (int)(p->end - p->start > 60 ? 60 : p->end - p->start), text + p->start);
            continue;
        }
        printf("  %s:%u: lost (%s, no statement, no error): %.*s\n", name, line_of(text, p->start),
               p->has_kind ? p->kind : "no kind", (int)(p->end - p->start > 80 ? 80 : p->end - p->start),
               text + p->start);
        tot->lost++;
        failed = 1;
    }
    if(nst != l->nstatements || ner != l->nerrors + l->errors_dropped) {
        printf("  %s: pieces report %zu statements and %zu errors, the result %zu and %zu\n", name, nst, ner,
               l->nstatements, l->nerrors + l->errors_dropped);
        tot->bad++;
        failed = 1;
    }
    /* every token, lexed on its own, inside a piece */
    size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    int utf16 = len >= 2 && ((unsigned char)text[0] == 0xFF || (unsigned char)text[0] == 0xFE) &&
                ((unsigned char)text[0] ^ (unsigned char)text[1]) == 0x01;
    sql_lexer_t lx;
    sql_lexer_init(&lx, text + skip, len - skip, l->dialect, 1);
    size_t k = 0;
    for(sql_token_t t; !utf16 && sql_lexer_next(&lx, &t) == 0 && t.type != SQL_TOK_EOF;) {
        uint64_t off = t.off + skip;
        if(t.type == SQL_TOK_COMMENT || t.type == SQL_TOK_TEMPLATE ||
           (t.type == SQL_TOK_OP && t.len == 1 && (text[off] == ';' || text[off] == '/')))
            continue;
        while(k < ps.n && ps.v[k].end <= off)
            k++;
        if(k < ps.n && ps.v[k].start <= off)
            continue;
        printf("  %s:%u: '%.*s' in no piece\n", name, t.line, (int)(t.len > 40 ? 40 : t.len), text + off);
        tot->uncovered++;
        failed = 1;
        break;
    }
    sql_lineage_free(l);
    free(ps.v);
    return failed;
}

static json_t *load_json(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if(!j)
        fail_msg("cannot load %s: %s", path, err.text);
    return j;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every case of every JSON corpus in `dir`, in its case's dialect. */
static int check_corpus_dir(const char *dir, totals_t *tot)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), failed = 0;
    assert_true(n > 0);
    for(int i = 0; i < n; i++) {
        size_t nl = strlen(names[i]->d_name);
        if(nl > 5 && strcmp(names[i]->d_name + nl - 5, ".json") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            json_t *cases = load_json(path);
            for(size_t c = 0; c < json_array_size(cases); c++) {
                json_t *e = json_array_get(cases, c);
                const char *sql = json_string_value(json_object_get(e, "sql"));
                json_t *id = json_object_get(e, "id");
                if(!id)
                    id = json_object_get(e, "file");
                char name[512];
                snprintf(name, sizeof name, "%s:%s", names[i]->d_name, json_string_value(id));
                sql_dialect_t d = SQL_DIALECT_AUTO;
                sql_dialect_from_name(json_string_value(json_object_get(e, "dialect")), &d);
                failed |= check_input(name, sql, strlen(sql), d, tot);
            }
            json_decref(cases);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

static void report(const char *what, const totals_t *t)
{
    printf("%s: %zu inputs, %zu pieces, %zu lost, %zu uncovered, %zu out of order or not adding up; %zu control "
           "flow pieces with nothing to report\n",
           what, t->inputs, t->pieces, t->lost, t->uncovered, t->bad, t->structural);
}

static void test_corpora_lose_nothing(void **state)
{
    (void)state;
    totals_t tot = {0};
    int failed = check_corpus_dir(LINEAGED_TEST_DIR "/corpus", &tot);
    failed |= check_corpus_dir(LINEAGED_CORPUS_DIR, &tot);
    report("corpora", &tot);
    assert_int_equal(failed, 0);
}

/* The fuzz seeds as the fuzz target reads them: the first byte picks the dialect. */
static void test_fuzz_seeds_lose_nothing(void **state)
{
    (void)state;
    const char *dir = LINEAGED_TEST_DIR "/fuzz/seeds";
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), failed = 0;
    assert_true(n > 0);
    totals_t tot = {0};
    for(int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        FILE *f = names[i]->d_name[0] == '.' ? NULL : fopen(path, "rb");
        if(f) {
            char *buf = malloc(1 << 20);
            size_t len = fread(buf, 1, 1 << 20, f);
            fclose(f);
            if(len > 1)
                failed |= check_input(names[i]->d_name, buf + 1, len - 1,
                                      (sql_dialect_t)((unsigned char)buf[0] % SQL_DIALECT_COUNT), &tot);
            free(buf);
        }
        free(names[i]);
    }
    free(names);
    report("fuzz seeds", &tot);
    assert_int_equal(failed, 0);
}

int main(int argc, char **argv)
{
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpora_lose_nothing),
        cmocka_unit_test(test_fuzz_seeds_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
