/* Dialect guessing: the guess for every corpus case and example file is pinned in dialect_guesses.txt,
 * so a faster scan cannot silently change what a file is parsed as. When the scoring changes on
 * purpose, regenerate the file with DIALECT_GUESSES_WRITE=path ./build/tests/test_sql_dialect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/dialect.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LINES 4096

typedef struct lines {
    char *v[MAX_LINES];
    size_t n;
} lines_t;

static void add_line(lines_t *l, const char *key, const char *text, size_t len)
{
    assert_true(l->n < MAX_LINES);
    buf_t b;
    buf_init(&b, 1024);
    assert_int_equal(buf_printf(&b, "%s %s", key, sql_dialect_name(sql_dialect_guess(text, len))), 0);
    l->v[l->n++] = buf_take(&b, NULL);
}

static void add_corpus(lines_t *l, const char *path, const char *name)
{
    json_error_t err;
    json_t *cases = json_load_file(path, 0, &err);
    if(!cases)
        fail_msg("cannot load %s: %s", path, err.text);
    for(size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        const char *sql = json_string_value(json_object_get(c, "sql"));
        assert_non_null(sql);
        char key[256];
        snprintf(key, sizeof key, "%s#%zu", name, i);
        add_line(l, key, sql, strlen(sql));
    }
    json_decref(cases);
}

static void add_dir(lines_t *l, const char *root, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while((e = readdir(d))) {
        if(e->d_name[0] == '.')
            continue;
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        snprintf(path, sizeof path, "%s/%s", root, sub);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if(S_ISDIR(st.st_mode)) {
            add_dir(l, root, sub);
            continue;
        }
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *text = util_malloc((size_t)st.st_size + 1);
        assert_non_null(text);
        size_t got = fread(text, 1, (size_t)st.st_size, f);
        fclose(f);
        add_line(l, sub, text, got);
        util_free(text);
    }
    closedir(d);
}

/* Texts mixing every dialect's tell-tale words with separators that do and do not end a word, so
 * the pinned guesses cover each dialect's score and not only the mostly plain corpus. */
static void add_mixed(lines_t *l)
{
    static const char *const words[] = {"GO",
                                        "nolock",
                                        "@@rowcount",
                                        "TOP",
                                        "NVARCHAR",
                                        "CROSS APPLY",
                                        "getdate",
                                        "::",
                                        "$$",
                                        "ILIKE",
                                        "plpgsql",
                                        "serial",
                                        ":=",
                                        "NVL",
                                        "dual",
                                        "VARCHAR2",
                                        "ROWNUM",
                                        "SYSDATE",
                                        "ELSIF",
                                        "FLATTEN",
                                        "VARIANT",
                                        "CLONE",
                                        "COPY INTO",
                                        "IFF",
                                        "SWAP",
                                        "STRUCT",
                                        "SAFE_CAST",
                                        "INT64",
                                        "FLOAT64",
                                        "EXCEPT(",
                                        "ARRAY_AGG",
                                        "INSERT OVERWRITE",
                                        "LATERAL VIEW",
                                        "PARTITIONED BY",
                                        "STORED AS",
                                        "TBLPROPERTIES",
                                        "CLUSTERED BY",
                                        "MergeTree",
                                        "ReplacingMergeTree",
                                        "SummingMergeTree",
                                        "AggregatingMergeTree",
                                        "ARRAY JOIN",
                                        "PREWHERE",
                                        "dictGet",
                                        "LowCardinality",
                                        "FINAL",
                                        "Nullable",
                                        "read_parquet",
                                        "read_csv_auto",
                                        "read_csv",
                                        "read_json",
                                        "approx_distinct",
                                        "try_cast",
                                        "CROSS JOIN UNNEST",
                                        "DISTKEY",
                                        "SORTKEY",
                                        "DISTSTYLE",
                                        "UNLOAD",
                                        "AUTO_INCREMENT",
                                        "ENGINE",
                                        "ON DUPLICATE KEY",
                                        "DELIMITER",
                                        "`t`",
                                        "[col]",
                                        "[a b]",
                                        "select",
                                        "x",
                                        "1"};
    static const char *const seps[] = {" ", "\n", "_", "a", "(", ",", "9", ""};
    unsigned seed = 12345;
    for(int t = 0; t < 400; t++) {
        char text[2048];
        size_t len = 0;
        int count = 1 + t % 12;
        for(int k = 0; k < count; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *w = words[(seed >> 8) % (sizeof words / sizeof words[0])];
            const char *sep = seps[(seed >> 20) % (sizeof seps / sizeof seps[0])];
            int n = snprintf(text + len, sizeof text - len, "%s%s", w, sep);
            assert_true(n > 0 && (size_t)n < sizeof text - len);
            len += (size_t)n;
        }
        char key[32];
        snprintf(key, sizeof key, "mixed#%03d", t);
        add_line(l, key, text, len);
    }
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_guesses_pinned(void **state)
{
    (void)state;
    lines_t *l = util_calloc(1, sizeof *l);
    assert_non_null(l);
    add_corpus(l, LINEAGED_CORPUS_DIR "/sqllineage_table_cases.json", "sqllineage_table");
    add_corpus(l, LINEAGED_CORPUS_DIR "/sqllineage_column_cases.json", "sqllineage_column");
    add_corpus(l, LINEAGED_TEST_DIR "/corpus/datahub_cases.json", "datahub");
    add_dir(l, LINEAGED_TEST_DIR "/..", "examples");
    add_mixed(l);
    qsort(l->v, l->n, sizeof l->v[0], cmp_line);
    buf_t got;
    buf_init(&got, 1 << 20);
    for(size_t i = 0; i < l->n; i++)
        assert_int_equal(buf_printf(&got, "%s\n", l->v[i]), 0);

    const char *out = getenv("DIALECT_GUESSES_WRITE");
    if(out) {
        FILE *f = fopen(out, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(got.data, 1, got.len, f), got.len);
        fclose(f);
    }
    FILE *f = fopen(LINEAGED_TEST_DIR "/unit/dialect_guesses.txt", "rb");
    assert_non_null(f);
    buf_t want;
    buf_init(&want, 1 << 20);
    char chunk[4096];
    size_t n;
    while((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(buf_add(&want, chunk, n), 0);
    fclose(f);
    /* The first differing line names the input whose guess changed. */
    size_t i = 0;
    while(i < got.len && i < want.len && got.data[i] == want.data[i])
        i++;
    if(i < got.len || i < want.len) {
        size_t start = i;
        while(start > 0 && want.data[start - 1] != '\n')
            start--;
        fail_msg("guess changed at: %.*s", (int)strcspn(want.data + start, "\n"), want.data + start);
    }
    buf_free(&got);
    buf_free(&want);
    for(size_t k = 0; k < l->n; k++)
        util_free(l->v[k]);
    util_free(l);
}

/* Words at the very start and end of the text, inside longer identifiers, and across the 64 KiB
 * limit: the edges a single scan can get wrong. */
static void test_guess_edges(void **state)
{
    (void)state;
    assert_int_equal(sql_dialect_guess("GO", 2), SQL_DIALECT_TSQL);
    assert_int_equal(sql_dialect_guess("x::int", 6), SQL_DIALECT_POSTGRES);
    assert_int_equal(sql_dialect_guess("select 1 from dual", 18), SQL_DIALECT_ORACLE);
    /* GO and DUAL inside identifiers are not words */
    assert_int_equal(sql_dialect_guess("select ago, dual_x, go_1 from t", 31), SQL_DIALECT_ANSI);
    /* MergeTree inside ReplacingMergeTree counts once, as the longer engine */
    const char *ch = "ENGINE = ReplacingMergeTree";
    assert_int_equal(sql_dialect_guess(ch, strlen(ch)), SQL_DIALECT_CLICKHOUSE);
    /* overlapping matches count as before: '::::' is three '::' */
    assert_int_equal(sql_dialect_guess("a::::b GO", 9), SQL_DIALECT_POSTGRES);
    assert_int_equal(sql_dialect_guess("a::b GO", 7), SQL_DIALECT_TSQL);
    /* the last byte is looked at too (a backtick there tips STRUCT's 1 over ANSI's), a `[name]` at the
     * start, and a word right after a non-word byte, whatever case the tell's bytes are in */
    assert_int_equal(sql_dialect_guess("STRUCT `", 8), SQL_DIALECT_BIGQUERY);
    assert_int_equal(sql_dialect_guess("STRUCT", 6), SQL_DIALECT_ANSI);
    assert_int_equal(sql_dialect_guess("[dbo]", 5), SQL_DIALECT_TSQL);
    assert_int_equal(sql_dialect_guess("(nVl)", 5), SQL_DIALECT_ANSI);
    assert_int_equal(sql_dialect_guess("(nVl) x := 1", 12), SQL_DIALECT_ORACLE);

    size_t len = 65536 + 64;
    char *text = util_malloc(len);
    assert_non_null(text);
    memset(text, ' ', len);
    /* a word that ends past 64 KiB is not seen; the bytes before it decide */
    memcpy(text + 65536 - 2, "DUAL", 4);
    assert_int_equal(sql_dialect_guess(text, len), SQL_DIALECT_ANSI);
    memcpy(text + 65536 - 4, "DUAL", 4);
    assert_int_equal(sql_dialect_guess(text, len), SQL_DIALECT_ORACLE);
    /* the limit ends a word, whatever follows it */
    text[65536] = 'x';
    assert_int_equal(sql_dialect_guess(text, len), SQL_DIALECT_ORACLE);
    util_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guesses_pinned),
        cmocka_unit_test(test_guess_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
