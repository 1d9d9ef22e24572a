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

/* Names and words in any script match whatever their case; offsets hold (length-preserving). */
static void test_lower(void **state)
{
    (void)state;
    const char *in = "SALES.\xc3\x9c"
                     "BERSICHT \xce\xa3\xce\x9f \xd0\x94\xd0\x90\xd0\x9d\xd0\x9d\xd0\xab";
    const char *want = "sales.\xc3\xbc"
                       "bersicht \xcf\x83\xce\xbf \xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd\xd1\x8b";
    char out[64];
    size_t len = strlen(in);
    utf8_lower(out, in, len);
    assert_memory_equal(out, want, len);
    /* U+0130 lowers to a 1-byte 'i': kept, as is an invalid byte; U+1E9E lowers to U+00DF (3 to 2 bytes): kept */
    utf8_lower(out, "\xc4\xb0X\xffY\xe1\xba\x9e", 8);
    assert_memory_equal(out, "\xc4\xb0x\xffy\xe1\xba\x9e", 8);
    /* in place */
    char buf[] = "\xc3\x84RGER";
    utf8_lower(buf, buf, strlen(buf));
    assert_string_equal(buf, "\xc3\xa4rger");
    const char *line = "  INSERT INTO caf\xc3\x89.\xc3\x9c"
                       "BERSICHT SELECT 1";
    assert_true(utf8_has_lower(line, strlen(line),
                               "caf\xc3\xa9.\xc3\xbc"
                               "bersicht",
                               15));
    assert_true(utf8_has_lower(line, strlen(line), "select", 6));
    assert_false(utf8_has_lower(line, strlen(line), "caf\xc3\xa9x", 6));
    /* a needle longer than the text, and one cut off by the end */
    assert_false(utf8_has_lower("ab", 2, "abc", 3));
    assert_false(utf8_has_lower("x\xc3", 2, "x\xc3\xa4", 3));
}

/* Unicode's white space counts as blank, as ASCII's does; a look-alike or a cut sequence does not. */
static void test_space(void **state)
{
    (void)state;
    const unsigned char *u = (const unsigned char *)"\xc2\xa0\xe3\x80\x80\xef\xbb\xbf\xe2\x80\xaf";
    assert_int_equal(utf8_space_len(u, 2), 2);                                     /* U+00A0 */
    assert_int_equal(utf8_space_len(u + 2, 3), 3);                                 /* U+3000 */
    assert_int_equal(utf8_space_len(u + 5, 3), 3);                                 /* U+FEFF */
    assert_int_equal(utf8_space_len(u + 8, 3), 3);                                 /* U+202F */
    assert_int_equal(utf8_space_len(u + 2, 2), 0);                                 /* cut off */
    assert_int_equal(utf8_space_len((const unsigned char *)"\xe2\x80\x8b", 3), 0); /* U+200B: not White_Space */
    assert_int_equal(utf8_space_len((const unsigned char *)"\xc3\xa0", 2), 0);     /* U+00E0 */
    assert_int_equal(utf8_space_len((const unsigned char *)"\xa0", 1), 0);         /* a lone byte */
    assert_int_equal(utf8_space_len((const unsigned char *)"\v", 1), 1);
    assert_int_equal(utf8_space_len((const unsigned char *)"x", 1), 0);
    assert_int_equal(utf8_space_len(u, 0), 0);
    assert_true(utf8_blank("", 0));
    assert_true(utf8_blank(" \t\xc2\xa0\xe3\x80\x80", 7));
    assert_false(utf8_blank(" \xc2\xa0x", 4));
    assert_false(utf8_blank("\xc2", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_copy),
        cmocka_unit_test(test_clean_dup),
        cmocka_unit_test(test_lower),
        cmocka_unit_test(test_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
