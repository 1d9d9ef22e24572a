/* Routing details that the black-box tests cannot reach: the Allow list under a short buffer. */
#include "server/router.h"
#include "server/routes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void allow_lists_every_method_of_the_route(void **state)
{
    (void)state;
    config_t cfg = {0};
    server_t srv = {.cfg = &cfg};
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    char out[64];
    assert_int_equal(routes_allow(&srv, "/health", out, sizeof(out)), 1);
    assert_string_equal(out, "GET, HEAD, OPTIONS");
    assert_int_equal(routes_allow(&srv, "/no-such-path", out, sizeof(out)), 0);
    router_free(&srv.router);
}

/* A list longer than the buffer stops before the name that does not fit, never writes past it. */
static void allow_truncates_at_a_whole_method(void **state)
{
    (void)state;
    config_t cfg = {0};
    server_t srv = {.cfg = &cfg};
    router_init(&srv.router);
    assert_int_equal(routes_init(&srv), 0);
    char out[5];
    assert_int_equal(routes_allow(&srv, "/health", out, sizeof(out)), 1);
    assert_string_equal(out, "GET");
    char tiny[2];
    assert_int_equal(routes_allow(&srv, "/health", tiny, sizeof(tiny)), 1);
    assert_string_equal(tiny, "");
    router_free(&srv.router);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allow_lists_every_method_of_the_route),
        cmocka_unit_test(allow_truncates_at_a_whole_method),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
