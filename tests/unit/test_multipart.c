#include "server/multipart.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* What the parser handed over: "field|filename|content" per file part, in order. */
typedef struct seen {
    char text[8192];
    size_t len;
    int finals;
} seen_t;

static void put(seen_t *s, const char *p, size_t n)
{
    assert_true(s->len + n < sizeof(s->text));
    memcpy(s->text + s->len, p, n);
    s->len += n;
    s->text[s->len] = '\0';
}

static int on_open(void *data, const char *field, const char *filename)
{
    seen_t *s = data;
    put(s, "[", 1);
    put(s, field, strlen(field));
    put(s, "|", 1);
    put(s, filename, strlen(filename));
    put(s, "|", 1);
    return 0;
}

static int on_content(void *data, const char *buf, size_t len, int final)
{
    seen_t *s = data;
    put(s, buf, len);
    if(final) {
        put(s, "]", 1);
        s->finals++;
    }
    return 0;
}

static const char *const fields[] = {"project_id", "dialect"};

/* Feeds body in pieces of `step` bytes; returns the parser (caller frees) or NULL with *why. */
static multipart_t *run(const char *ctype, const char *body, size_t len, size_t step, seen_t *s, const char **why)
{
    memset(s, 0, sizeof(*s));
    multipart_ops_t ops = {s, on_open, on_content};
    multipart_t *m = multipart_new(ctype, fields, 2, 64, &ops, why);
    if(!m)
        return NULL;
    for(size_t at = 0; at < len; at += step) {
        if(multipart_feed(m, body + at, len - at < step ? len - at : step, why)) {
            multipart_free(m);
            return NULL;
        }
    }
    return m;
}

#define BODY                                                                                                           \
    "preamble to ignore\r\n"                                                                                           \
    "--XyZ\r\n"                                                                                                        \
    "Content-Disposition: form-data; name=\"project_id\"\r\n\r\n"                                                      \
    "p1\r\n"                                                                                                           \
    "--XyZ\r\n"                                                                                                        \
    "content-disposition: form-data; name=\"files\"; filename=\"a;b \\\"q\\\".sql\"\r\n"                               \
    "Content-Type: application/octet-stream\r\n\r\n"                                                                   \
    "SELECT 1;\r\n--XY\r\r\n-\r\n--XyA\r\n--XyZ\r\n"                                                                   \
    "Content-Disposition: form-data; name=files; filename=\"C:\\dir\\b.sql\"\r\n\r\n"                                  \
    "\r\n--XyZ--\r\n"                                                                                                  \
    "epilogue --XyZ junk"

static const char want[] = "[files|a;b \"q\".sql|SELECT 1;\r\n--XY\r\r\n-\r\n--XyA][files|C:\\dir\\b.sql|]";

/* Whole, a byte at a time, in 7-byte pieces: the same parts, the same bytes, near-misses of the
 * boundary kept as content. */
static void test_parts_and_fields(void **state)
{
    (void)state;
    const size_t steps[] = {SIZE_MAX, 1, 2, 7};
    for(size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        seen_t s;
        const char *why = NULL;
        multipart_t *m = run("multipart/form-data; boundary=XyZ", BODY, sizeof(BODY) - 1, steps[k], &s, &why);
        assert_non_null(m);
        assert_string_equal(s.text, want);
        assert_int_equal(s.finals, 2);
        assert_true(multipart_complete(m));
        assert_string_equal(multipart_value(m, 0), "p1");
        assert_null(multipart_value(m, 1));
        multipart_free(m);
    }
}

/* Media type and parameter names in any case, the boundary quoted, other parameters around it. */
static void test_content_type_forms(void **state)
{
    (void)state;
    const char *ok[] = {
        "MULTIPART/FORM-DATA; BOUNDARY=XyZ",
        "Multipart/Form-Data;charset=utf-8;Boundary=\"XyZ\"",
        "multipart/form-data ; boundary=\"XyZ\" ; x=\"a;b\"",
        "multipart/form-data; x=\"boundary=no\"; boundary=XyZ",
    };
    for(size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        seen_t s;
        const char *why = NULL;
        multipart_t *m = run(ok[i], BODY, sizeof(BODY) - 1, SIZE_MAX, &s, &why);
        if(!m)
            fail_msg("%s: %s", ok[i], why);
        assert_string_equal(s.text, want);
        multipart_free(m);
    }
    const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-dataX; boundary=XyZ",
        "multipart/mixed; boundary=XyZ",
        "application/json",
        "multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        multipart_ops_t ops = {NULL, on_open, on_content};
        multipart_t *m = multipart_new(bad[i], fields, 2, 64, &ops, &why);
        if(m)
            fail_msg("%s: accepted", bad[i]);
        assert_non_null(why);
    }
}

/* A file name in a line up to 2 KiB is handed over whole; a longer one keeps its start and its end. */
static void test_long_file_name(void **state)
{
    (void)state;
    static char name[200001], body[210000];
    const size_t lens[] = {1900, 10240, 200000};
    for(size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        size_t len = lens[k];
        for(size_t i = 0; i < len - 4; i++)
            name[i] = (char)('a' + i % 26);
        memcpy(name + len - 4, ".sql", 5);
        int n =
            snprintf(body, sizeof(body),
                     "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n\r\nx\r\n--b--", name);
        seen_t s;
        const char *why = NULL;
        multipart_t *m = run("multipart/form-data; boundary=b", body, (size_t)n, 1000, &s, &why);
        assert_non_null(m);
        if(len < MULTIPART_LINE_HEAD + MULTIPART_LINE_TAIL) { /* the line fits whole */
            assert_non_null(strstr(s.text, name));
        } else {
            /* "[files|" + head of the name ... its last bytes, extension and all */
            assert_memory_equal(s.text + 7, name, 900);
            char *dots = strstr(s.text, "...");
            assert_non_null(dots);
            char *bar = strchr(dots, '|');
            assert_non_null(bar);
            assert_memory_equal(bar - 900, name + len - 900, 900);
            assert_string_equal(bar, "|x]");
        }
        multipart_free(m);
    }
}

static void expect_refused(const char *body, size_t len, const char *word)
{
    seen_t s;
    const char *why = NULL;
    multipart_t *m = run("multipart/form-data; boundary=b", body, len, SIZE_MAX, &s, &why);
    if(m)
        fail_msg("accepted; wanted an error with '%s'", word);
    if(!why || !strstr(why, word))
        fail_msg("error '%s' lacks '%s'", why ? why : "(none)", word);
}

static void test_limits(void **state)
{
    (void)state;
    static char body[80000];
    size_t n = 0;
    /* too many header lines */
    n = (size_t)snprintf(body, sizeof(body), "--b\r\n");
    for(int i = 0; i <= MULTIPART_HEADERS_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "X-%d: 1\r\n", i);
    expect_refused(body, n, "header lines");
    /* many small parts without a file name */
    n = 0;
    for(int i = 0; i <= MULTIPART_PLAIN_PARTS; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n");
    expect_refused(body, n, "without a file name");
    /* field values past their storage (64 bytes here) */
    n = (size_t)snprintf(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=dialect\r\n\r\n");
    memset(body + n, 'd', 100);
    n += 100;
    expect_refused(body, n, "form fields");
    /* a field name past its limit */
    n = (size_t)snprintf(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=\"%0100d\"\r\n\r\n", 0);
    expect_refused(body, n, "field name");
    /* junk after a boundary */
    expect_refused("--b\r\n\r\nx\r\n--bx", 15, "line end");
}

/* A body without the closing boundary is not complete. */
static void test_incomplete(void **state)
{
    (void)state;
    seen_t s;
    const char *why = NULL;
    const char body[] = "--b\r\nContent-Disposition: form-data; name=files; filename=a.sql\r\n\r\nSELE";
    multipart_t *m = run("multipart/form-data; boundary=b", body, sizeof(body) - 1, 3, &s, &why);
    assert_non_null(m);
    assert_false(multipart_complete(m));
    assert_string_equal(s.text, "[files|a.sql|SELE");
    multipart_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_and_fields), cmocka_unit_test(test_content_type_forms),
        cmocka_unit_test(test_long_file_name),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_incomplete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
