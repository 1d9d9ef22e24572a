#include "server/router.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void handler(void *ctx, const http_request_t *req, http_response_t *resp)
{
    (void)ctx;
    (void)req;
    (void)resp;
}

static int tag_literal, tag_param, tag_two, tag_debug;

static void setup_router(router_t *r)
{
    router_init(r);
    const route_t routes[] = {
        {"/api/v1/lineage/{name}", HTTP_GET, handler, &tag_param, 0, 0},
        {"/api/v1/lineage/path", HTTP_GET, handler, &tag_literal, 0, 0},
        {"/api/v1/a/{x}/b/{y}", HTTP_GET, handler, &tag_two, 0, 0},
        {"/api/v1/debug/thing", HTTP_GET, handler, &tag_debug, 0, 1},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        assert_int_equal(router_add(r, &routes[i]), 0);
}

static void literal_route_wins_over_parameter(void **state)
{
    (void)state;
    router_t r;
    setup_router(&r);
    http_args_t a;
    http_args_init(&a);
    const route_t *rt = router_match(&r, "/api/v1/lineage/path", 0, &a);
    assert_non_null(rt);
    assert_ptr_equal(rt->ctx, &tag_literal);
    assert_int_equal(a.n_params, 0);
    http_args_init(&a);
    rt = router_match(&r, "/api/v1/lineage/sales.orders", 0, &a);
    assert_non_null(rt);
    assert_ptr_equal(rt->ctx, &tag_param);
    http_request_t req = {.args = &a};
    assert_string_equal(http_param(&req, "name"), "sales.orders");
    assert_null(http_param(&req, "other"));
    router_free(&r);
}

static void parameters_are_whole_nonempty_segments(void **state)
{
    (void)state;
    router_t r;
    setup_router(&r);
    http_args_t a;
    http_args_init(&a);
    const route_t *rt = router_match(&r, "/api/v1/a/1/b/two", 0, &a);
    assert_non_null(rt);
    assert_ptr_equal(rt->ctx, &tag_two);
    http_request_t req = {.args = &a};
    assert_string_equal(http_param(&req, "x"), "1");
    assert_string_equal(http_param(&req, "y"), "two");
    static const char *const misses[] = {"/api/v1/lineage/",   "/api/v1/lineage",   "/api/v1/lineage/a/b",
                                         "/api/v1/a//b/c",     "/api/v1/a/1/b/",    "/api/v1/a/1/c/2",
                                         "/api/v1/lineage/x/", "/api/v1/a/1/b/2/3", ""};
    for(size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
        http_args_init(&a);
        if(router_match(&r, misses[i], 0, &a))
            fail_msg("'%s' should not match", misses[i]);
        assert_int_equal(a.n_params, 0);
    }
    router_free(&r);
}

/* A file node's name is a path: a last "{name*}" keeps its slashes. */
static void rest_parameter_takes_the_rest_of_the_path(void **state)
{
    (void)state;
    router_t r;
    router_init(&r);
    route_t rest = {"/api/v1/nodes/{name*}", HTTP_GET, handler, &tag_param, 0, 0};
    route_t lit = {"/api/v1/nodes/path", HTTP_GET, handler, &tag_literal, 0, 0};
    assert_int_equal(router_add(&r, &rest), 0);
    assert_int_equal(router_add(&r, &lit), 0);
    static const char *const hits[][2] = {{"/api/v1/nodes/etl/load.sql", "etl/load.sql"},
                                          {"/api/v1/nodes/sales.orders", "sales.orders"},
                                          {"/api/v1/nodes/</script>", "</script>"},
                                          {"/api/v1/nodes/path/x", "path/x"}};
    for(size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        http_args_t a;
        http_args_init(&a);
        const route_t *rt = router_match(&r, hits[i][0], 0, &a);
        assert_non_null(rt);
        assert_ptr_equal(rt->ctx, &tag_param);
        http_request_t req = {.args = &a};
        assert_string_equal(http_param(&req, "name"), hits[i][1]);
    }
    http_args_t a;
    http_args_init(&a);
    assert_ptr_equal(router_match(&r, "/api/v1/nodes/path", 0, &a)->ctx, &tag_literal);
    http_args_init(&a);
    assert_null(router_match(&r, "/api/v1/nodes/", 0, &a));
    static const char *const bad[] = {"/a/{x*}/b", "/a/{*}", "/a/x*}"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        route_t rt = {bad[i], HTTP_GET, handler, NULL, 0, 0};
        if(router_add(&r, &rt) == 0)
            fail_msg("pattern '%s' should be refused", bad[i]);
    }
    router_free(&r);
}

static void debug_routes_only_when_enabled(void **state)
{
    (void)state;
    router_t r;
    setup_router(&r);
    http_args_t a;
    http_args_init(&a);
    assert_null(router_match(&r, "/api/v1/debug/thing", 0, &a));
    assert_non_null(router_match(&r, "/api/v1/debug/thing", 1, &a));
    router_free(&r);
}

static void malformed_patterns_are_refused(void **state)
{
    (void)state;
    router_t r;
    router_init(&r);
    static const char *const bad[] = {"api/v1",  "/a//b", "/a/{}", "/a/x{y}",
                                      "/a/{y}z", "/a/{y", "/a/",   "/{a}/{b}/{c}/{d}/{e}"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        route_t rt = {bad[i], HTTP_GET, handler, NULL, 0, 0};
        if(router_add(&r, &rt) == 0)
            fail_msg("pattern '%s' should be refused", bad[i]);
    }
    route_t no_methods = {"/a", 0, handler, NULL, 0, 0};
    assert_int_equal(router_add(&r, &no_methods), -1);
    route_t ok = {"/", HTTP_GET, handler, NULL, 0, 0};
    assert_int_equal(router_add(&r, &ok), 0);
    assert_int_equal(r.n, 1);
    router_free(&r);
}

static void router_has_a_capacity(void **state)
{
    (void)state;
    router_t r;
    router_init(&r);
    route_t rt = {"/x/{id}", HTTP_GET, handler, NULL, 0, 0};
    for(int i = 0; i < ROUTER_MAX_ROUTES; i++)
        assert_int_equal(router_add(&r, &rt), 0);
    assert_int_equal(router_add(&r, &rt), -1);
    router_free(&r);
}

static void query_pairs_are_stored_and_found(void **state)
{
    (void)state;
    http_args_t a;
    http_args_init(&a);
    char why[128];
    assert_int_equal(http_args_add_query(&a, "direction=upstream", 18, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "flag", 4, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "q=a=b c", 7, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "name=s\xc3\xa9", 8, why, sizeof(why)), 0);
    http_request_t req = {.args = &a};
    assert_string_equal(http_query(&req, "direction"), "upstream");
    assert_string_equal(http_query(&req, "flag"), "");
    assert_string_equal(http_query(&req, "q"), "a=b c");
    assert_string_equal(http_query(&req, "name"), "s\xc3\xa9");
    assert_null(http_query(&req, "Direction"));
}

static void malformed_query_pairs_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *pair;
        size_t len;
        const char *why;
    } cases[] = {
        {"=x", 2, "no name"},       {"a=\xc3\x28", 4, "UTF-8"}, {"a=\xed\xa0\x80", 5, "UTF-8"}, /* a UTF-16 surrogate */
        {"a=\xc0\xaf", 4, "UTF-8"},                                                             /* overlong '/' */
        {"a=x\0y", 5, "UTF-8"},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        http_args_t a;
        http_args_init(&a);
        char why[128] = "";
        assert_int_equal(http_args_add_query(&a, cases[i].pair, cases[i].len, why, sizeof(why)), -1);
        assert_non_null(strstr(why, cases[i].why));
        assert_int_equal(a.n_query, 0);
    }
    http_args_t a;
    http_args_init(&a);
    char why[128];
    assert_int_equal(http_args_add_query(&a, "k=1", 3, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "k=2", 3, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "twice"));
}

static void query_limits_hold(void **state)
{
    (void)state;
    http_args_t a;
    http_args_init(&a);
    char why[128], pair[16];
    for(int i = 0; i < QUERY_MAX_PARAMS; i++) {
        int n = snprintf(pair, sizeof(pair), "p%d=%d", i, i);
        assert_int_equal(http_args_add_query(&a, pair, (size_t)n, why, sizeof(why)), 0);
    }
    assert_int_equal(http_args_add_query(&a, "one=more", 8, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "more than"));

    http_args_init(&a);
    static char big[QUERY_MAX_BYTES + 8];
    memset(big, 'v', sizeof(big));
    memcpy(big, "a=", 2);
    assert_int_equal(http_args_add_query(&a, big, QUERY_MAX_BYTES - 1, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "b=xx", 4, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "longer than"));
    http_args_init(&a);
    assert_int_equal(http_args_add_query(&a, big, sizeof(big), why, sizeof(why)), -1);
}

static void integer_parameters_are_checked(void **state)
{
    (void)state;
    http_args_t a;
    http_args_init(&a);
    char why[128];
    assert_int_equal(http_args_add_query(&a, "depth=7", 7, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "limit=abc", 9, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "big=99999999999999999999", 24, why, sizeof(why)), 0);
    assert_int_equal(http_args_add_query(&a, "empty=", 6, why, sizeof(why)), 0);
    http_request_t req = {.args = &a};
    http_response_t resp;
    memset(&resp, 0, sizeof(resp));
    long long v = 0;
    assert_int_equal(http_query_int(&req, "depth", 3, 0, 50, &v, &resp), 0);
    assert_int_equal(v, 7);
    assert_int_equal(http_query_int(&req, "absent", 3, 0, 50, &v, &resp), 0);
    assert_int_equal(v, 3);
    assert_int_equal(resp.status, 0);
    static const char *const bad[] = {"limit", "big", "empty"};
    for(size_t i = 0; i < 3; i++) {
        assert_int_equal(http_query_int(&req, bad[i], 3, 0, 50, &v, &resp), -1);
        assert_int_equal(resp.status, 400);
        assert_non_null(strstr(resp.body, bad[i]));
        util_free(resp.body);
        memset(&resp, 0, sizeof(resp));
    }
    assert_int_equal(http_query_int(&req, "depth", 3, 0, 5, &v, &resp), -1);
    assert_int_equal(resp.status, 400);
    util_free(resp.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_route_wins_over_parameter),
        cmocka_unit_test(parameters_are_whole_nonempty_segments),
        cmocka_unit_test(debug_routes_only_when_enabled),
        cmocka_unit_test(rest_parameter_takes_the_rest_of_the_path),
        cmocka_unit_test(malformed_patterns_are_refused),
        cmocka_unit_test(router_has_a_capacity),
        cmocka_unit_test(query_pairs_are_stored_and_found),
        cmocka_unit_test(malformed_query_pairs_are_refused),
        cmocka_unit_test(query_limits_hold),
        cmocka_unit_test(integer_parameters_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
