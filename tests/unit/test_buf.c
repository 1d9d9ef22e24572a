#include "util/alloc.h"
#include "util/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void append_and_take(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(buf_adds(&b, "hello"), 0);
    assert_int_equal(buf_addc(&b, ' '), 0);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "hello 42-x");
    size_t len = 0;
    char *s = buf_take(&b, &len);
    assert_int_equal(len, 10);
    assert_string_equal(s, "hello 42-x");
    assert_null(b.data);
    util_free(s);
}

/* A known size is one allocation: the bytes added after it never move. */
static void reserve_makes_room_once(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1000);
    assert_int_equal(buf_reserve(&b, 1000), 0);
    assert_int_equal(b.cap, 1001);
    char *at = b.data;
    char piece[100];
    memset(piece, 'x', sizeof piece);
    for(int i = 0; i < 10; i++)
        assert_int_equal(buf_add(&b, piece, sizeof piece), 0);
    assert_ptr_equal(b.data, at);
    assert_int_equal(b.len, 1000);
    assert_int_equal(buf_reserve(&b, 1), BUF_ERR_TOO_BIG);
    buf_free(&b);
}

static void never_grows_past_max(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 8);
    assert_int_equal(buf_adds(&b, "12345678"), 0);
    assert_int_equal(buf_addc(&b, '9'), BUF_ERR_TOO_BIG);
    assert_int_equal(buf_printf(&b, "%s", "x"), BUF_ERR_TOO_BIG);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    assert_true(b.cap <= 9);
    buf_free(&b);
}

static void huge_request_is_refused_without_allocating(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1024);
    assert_int_equal(buf_add(&b, "x", SIZE_MAX - 1), BUF_ERR_TOO_BIG);
    assert_null(b.data);
    buf_free(&b);
}

static void allocation_failure_leaves_buffer_intact(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_adds(&b, "abc"), 0);
    util_alloc_fail_after(0);
    char big[200];
    memset(big, 'z', sizeof(big));
    assert_int_equal(buf_add(&b, big, sizeof(big)), BUF_ERR_NOMEM);
    util_alloc_fail_after(-1);
    assert_string_equal(b.data, "abc");
    assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
    assert_int_equal(b.len, 203);
    buf_free(&b);
}

static void take_of_empty_buffer_gives_empty_string(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    size_t len = 99;
    char *s = buf_take(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 0);
    assert_string_equal(s, "");
    util_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_and_take),
        cmocka_unit_test(never_grows_past_max),
        cmocka_unit_test(reserve_makes_room_once),
        cmocka_unit_test(huge_request_is_refused_without_allocating),
        cmocka_unit_test(allocation_failure_leaves_buffer_intact),
        cmocka_unit_test(take_of_empty_buffer_gives_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
