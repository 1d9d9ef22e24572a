#include "cli/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define ARGV(...) ((char *[]){"serve", __VA_ARGS__})
#define ARGC(...) ((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(char *)))

static int parse(config_t *cfg, int argc, char **argv, char *err)
{
    return config_parse(cfg, argc, argv, err, 256);
}

static void defaults_follow_the_contract(void **state)
{
    (void)state;
    config_t cfg;
    char err[256] = "";
    char *argv[] = {"serve"};
    assert_int_equal(parse(&cfg, 1, argv, err), 0);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_int_equal(cfg.port, 8000);
    assert_string_equal(cfg.db_path, "./data/lineage.duckdb");
    assert_true(cfg.stats_interval == 5.0);
    assert_int_equal(cfg.max_conn_per_ip, 10);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.ipv6_prefix, 64);
    assert_int_equal(cfg.header_timeout, 10);
    assert_int_equal(cfg.max_http_per_ip, 16);
    assert_string_equal(cfg.github_url, "https://github.com");
    assert_int_equal(cfg.n_allowed_origins, 0);
    config_free(&cfg);
}

static void flags_override_environment(void **state)
{
    (void)state;
    setenv("LINEAGED_PORT", "9100", 1);
    setenv("LINEAGED_STATS_INTERVAL", "0.5", 1);
    setenv("LINEAGED_ALLOWED_ORIGIN", "http://a.example, https://b.example/", 1);
    config_t cfg;
    char err[256] = "";
    assert_int_equal(parse(&cfg, ARGC("--port", "9200", "--allowed-origin=http://c.example:8080"),
                           ARGV("--port", "9200", "--allowed-origin=http://c.example:8080"), err),
                     0);
    assert_int_equal(cfg.port, 9200);
    assert_true(cfg.stats_interval == 0.5);
    assert_int_equal(cfg.n_allowed_origins, 3);
    assert_string_equal(cfg.allowed_origins[0], "http://a.example");
    assert_string_equal(cfg.allowed_origins[1], "https://b.example");
    assert_string_equal(cfg.allowed_origins[2], "http://c.example:8080");
    config_free(&cfg);
    char *fractions[] = {"serve", "--stats-interval", ".25", "--progress-rate", "2."};
    assert_int_equal(parse(&cfg, 5, fractions, err), 0);
    assert_true(cfg.stats_interval == 0.25 && cfg.progress_rate == 2.0);
    config_free(&cfg);
    unsetenv("LINEAGED_PORT");
    unsetenv("LINEAGED_STATS_INTERVAL");
    unsetenv("LINEAGED_ALLOWED_ORIGIN");
}

static void bad_values_are_refused_with_a_sentence(void **state)
{
    (void)state;
    struct {
        char *flag, *value, *fragment;
    } cases[] = {
        {"--port", "0", "--port"},
        {"--port", "8o", "--port"},
        {"--stats-interval", "-1", "--stats-interval"},
        {"--max-connections", "99999999999", "--max-connections"},
        {"--nope", "1", "unknown option '--nope'"},
        {"--allowed-origin", "ftp://x", "--allowed-origin"},
        {"--host", "", "--host"},
        {"--ipv6-prefix", "0", "--ipv6-prefix expects a whole number from 1 to 128"},
        {"--ipv6-prefix", "129", "--ipv6-prefix"},
        /* plain decimal only: strtol/strtod took these */
        {"--stats-interval", "0x10", "--stats-interval expects a number"},
        {"--stats-interval", "1e1", "--stats-interval"},
        {"--stats-interval", " 1", "--stats-interval"},
        {"--stats-interval", ".", "--stats-interval"},
        {"--port", " 80", "--port expects a whole number"},
        {"--port", "+80", "--port"},
        {"--allowed-origin", "", "--allowed-origin needs a non-empty value"},
        {"--allowed-host", " ", "--allowed-host needs a non-empty value"},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        config_t cfg;
        char err[256] = "";
        char *argv[] = {"serve", cases[i].flag, cases[i].value};
        assert_int_equal(parse(&cfg, 3, argv, err), -1);
        if(!strstr(err, cases[i].fragment))
            fail_msg("case %zu: '%s' does not mention '%s'", i, err, cases[i].fragment);
        config_free(&cfg);
    }
}

static void missing_value_is_an_error(void **state)
{
    (void)state;
    config_t cfg;
    char err[256] = "";
    char *argv[] = {"serve", "--db"};
    assert_int_equal(parse(&cfg, 2, argv, err), -1);
    assert_string_equal(err, "--db needs a value");
    config_free(&cfg);
}

static void too_many_origins(void **state)
{
    (void)state;
    char *argv[1 + 2 * (CONFIG_MAX_ORIGINS + 1)];
    argv[0] = "serve";
    for(int i = 0; i <= CONFIG_MAX_ORIGINS; i++) {
        argv[1 + 2 * i] = "--allowed-origin";
        argv[2 + 2 * i] = "http://x.example";
    }
    config_t cfg;
    char err[256] = "";
    assert_int_equal(parse(&cfg, 1 + 2 * (CONFIG_MAX_ORIGINS + 1), argv, err), -1);
    assert_non_null(strstr(err, "too many"));
    config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_follow_the_contract),
        cmocka_unit_test(flags_override_environment),
        cmocka_unit_test(bad_values_are_refused_with_a_sentence),
        cmocka_unit_test(missing_value_is_an_error),
        cmocka_unit_test(too_many_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
