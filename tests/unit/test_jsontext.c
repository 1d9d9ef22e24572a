/* jsontext: DEL, C1 controls and U+2028/U+2029 in JSON text become \u escapes, the rest is left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/jsontext.h"

#include <string.h>

#define B(literal) literal, sizeof(literal) - 1

static void check(const char *in, size_t len, const char *want)
{
    char buf[128];
    size_t extra = jsontext_extra(in, len);
    assert_int_equal(len + extra, strlen(want));
    assert_true(len + extra < sizeof(buf));
    memcpy(buf, in, len);
    jsontext_escape(buf, len, extra);
    buf[len + extra] = '\0';
    assert_string_equal(buf, want);
}

static void test_escaped(void **state)
{
    (void)state;
    check(B(""), "");
    check(B("{\"name\":\"plain\"}"), "{\"name\":\"plain\"}");
    check(B("\"a\xc2\x85" "b\""), "\"a\\u0085b\"");
    check(B("\xc2\x80\xc2\x9f"), "\\u0080\\u009F");
    check(B("\"\xe2\x80\xa8|\xe2\x80\xa9\""), "\"\\u2028|\\u2029\"");
    check(B("\xc2\x9b[2J at the end \xc2\x9b"), "\\u009B[2J at the end \\u009B");
    check(B("\"a\x7f\xc2\x85\x7f\""), "\"a\\u007F\\u0085\\u007F\"");
    check(B("\x7f"), "\\u007F");
}

static void test_left_alone(void **state)
{
    (void)state;
    /* NBSP and (c) share C2, U+2000 and U+202F share E2 80, U+20AC (euro) E2 82: none is escaped */
    const char text[] = "\xc2\xa0\xc2\xa9 \xe2\x80\x80\xe2\x80\xaf\xe2\x82\xac caf\xc3\xa9 \\u0085";
    check(text, sizeof(text) - 1, text);
    size_t n = 1;
    assert_int_equal(jsontext_next(text, sizeof(text) - 1, &n), sizeof(text) - 1);
    assert_int_equal(n, 0);
    /* a character cut at the end of a piece is not one */
    check(B("x\xc2"), "x\xc2");
    check(B("x\xe2\x80"), "x\xe2\x80");
}

static void test_next(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(jsontext_next(B("ab\xe2\x80\xa9" "c\xc2\x85"), &n), 2);
    assert_int_equal(n, 3);
    char out[JSONTEXT_ESCAPE_LEN];
    jsontext_escape_char("\xe2\x80\xa9", 3, out);
    assert_memory_equal(out, "\\u2029", JSONTEXT_ESCAPE_LEN);
    assert_int_equal(jsontext_next(B("c\xc2\x85"), &n), 1);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaped),
        cmocka_unit_test(test_left_alone),
        cmocka_unit_test(test_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
