/* utf8_clean_copy: valid text unchanged, each invalid byte and NUL one '?', in and around ASCII runs, copied or in
 * place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "util/utf8.h"

#include <string.h>

static void check(const char *in, size_t len, const char *want)
{
    char out[64];
    assert_true(len < sizeof out);
    memset(out, 'Z', sizeof out);
    utf8_clean_copy(out, in, len);
    assert_memory_equal(out, want, len);
    assert_int_equal(out[len], '\0');
    /* in place, as ingest cleans a whole file */
    memset(out, 'Z', sizeof out);
    memcpy(out, in, len);
    utf8_clean_copy(out, out, len);
    assert_memory_equal(out, want, len);
    assert_int_equal(out[len], '\0');
}

static void test_clean_copy(void **state)
{
    (void)state;
    check("", 0, "");
    check("select a from t", 15, "select a from t");
    check("caf\xc3\xa9 \xe2\x82\xac x", 10, "caf\xc3\xa9 \xe2\x82\xac x");
    check("a\0b", 3, "a?b");
    check("\0\0", 2, "??");
    check("x\xff"
          "y",
          3, "x?y");
    check("\xe9t\xe9", 3, "?t?");
    /* a sequence cut by the length, an overlong form, a surrogate */
    check("ab\xc3", 3, "ab?");
    check("\xc0\xaf"
          "z",
          3, "??z");
    check("\xed\xa0\x80!", 4,
          "??"
          "?!");
    /* the length is the bound, not a NUL or the caller's buffer */
    check("abcdef", 3, "abc");
    check("\x7f\x01 ", 3, "\x7f\x01 ");
}

static void test_clean_dup(void **state)
{
    (void)state;
    char *d = utf8_clean_dup("n\xe4me.sql");
    assert_non_null(d);
    assert_string_equal(d, "n?me.sql");
    util_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_copy),
        cmocka_unit_test(test_clean_dup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
