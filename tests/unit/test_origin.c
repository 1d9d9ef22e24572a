/* The browser-Origin policy: exact matches only (case and a trailing slash aside). */
#include "server/origin.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void only_whole_origins_match(void **state)
{
    (void)state;
    config_t cfg = {0};
    cfg.host = "127.0.0.1";
    cfg.port = 8000;
    cfg.allowed_origins[0] = "https://dash.example.com";
    cfg.n_allowed_origins = 1;
    origin_policy_t p;
    assert_int_equal(origin_policy_init(&p, &cfg), 0);
    const char *ok[] = {"https://dash.example.com",
                        "HTTPS://Dash.Example.COM",
                        "https://dash.example.com/",
                        "http://127.0.0.1:8000",
                        "http://localhost:8000",
                        "http://[::1]:8000",
                        NULL,
                        ""};
    for(size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if(!origin_allowed(&p, ok[i]))
            fail_msg("'%s' should be allowed", ok[i] ? ok[i] : "(none)");
    }
    /* a prefix, an extension, another port or scheme of an allowed origin is another site */
    const char *bad[] = {"https://dash.example.co",
                         "https://dash.example.com.evil.net",
                         "https://dash.example.comm",
                         "http://dash.example.com",
                         "http://127.0.0.1:800",
                         "http://127.0.0.1:80001",
                         "http://localhost",
                         "null",
                         "https://"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if(origin_allowed(&p, bad[i]))
            fail_msg("'%s' should be refused", bad[i]);
    }
    origin_policy_free(&p);
}

static void a_public_bind_has_no_loopback_aliases(void **state)
{
    (void)state;
    config_t cfg = {0};
    cfg.host = "192.0.2.10";
    cfg.port = 9000;
    origin_policy_t p;
    assert_int_equal(origin_policy_init(&p, &cfg), 0);
    assert_true(origin_allowed(&p, "http://192.0.2.10:9000"));
    assert_false(origin_allowed(&p, "http://localhost:9000"));
    assert_false(origin_allowed(&p, "http://127.0.0.1:9000"));
    origin_policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_whole_origins_match),
        cmocka_unit_test(a_public_bind_has_no_loopback_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
