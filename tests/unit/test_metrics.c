/* Prometheus text rendering of the process counters. */
#include "server/metrics.h"
#include "util/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void renders_contract_names_with_values(void **state)
{
    (void)state;
    metrics_t m;
    metrics_init(&m);
    metrics_inc(&m.ws_connections_total);
    metrics_inc(&m.ws_rejected[METRICS_REJECT_IP_LIMIT]);
    metrics_add(&m.ws_sent[EV_STATS_UPDATE], 41);
    metrics_set(&m.ws_throttled, 7);
    metrics_http_response(&m, 200);
    metrics_http_response(&m, 200);
    metrics_http_response(&m, 403);
    metrics_http_response(&m, 999); /* ignored */
    metrics_ingest_file(&m, METRICS_FILE_FAILED);
    metrics_gauges_t g = {.ws_connections = 3, .active_queries = 2, .active_ingestions = 0, .uptime_seconds = 1.5};
    buf_t out;
    buf_init(&out, 64 * 1024);
    assert_int_equal(metrics_format(&m, &g, &out), 0);
    static const char *const lines[] = {
        "# TYPE lineaged_ws_connections gauge\n",
        "\nlineaged_ws_connections 3\n",
        "\nlineaged_ws_connections_total 1\n",
        "\nlineaged_ws_rejected_total{reason=\"origin\"} 0\n",
        "\nlineaged_ws_rejected_total{reason=\"ip_limit\"} 1\n",
        "\nlineaged_ws_evicted_total 0\n",
        "\nlineaged_ws_messages_sent_total{type=\"stats_update\"} 41\n",
        "\nlineaged_ws_messages_sent_total{type=\"connection_ack\"} 0\n",
        "\nlineaged_ws_messages_throttled_total 7\n",
        "\nlineaged_ws_messages_invalid_total 0\n",
        "\nlineaged_ingest_files_total{status=\"failed\"} 1\n",
        "\nlineaged_http_requests_total{code=\"200\"} 2\n",
        "\nlineaged_http_requests_total{code=\"403\"} 1\n",
        "\nlineaged_active_queries 2\n",
    };
    for(size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if(!strstr(out.data, lines[i]))
            fail_msg("missing %s in:\n%s", lines[i], out.data);
    }
    assert_null(strstr(out.data, "code=\"999\""));
    assert_null(strstr(out.data, "code=\"404\"")); /* codes never seen are left out */
    /* every sample line belongs to a declared family */
    for(char *line = out.data; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if(line[0] != '#') {
            char name[128];
            size_t n = strcspn(line, "{ ");
            assert_true(n < sizeof(name));
            memcpy(name, line, n);
            name[n] = '\0';
            char decl[160];
            snprintf(decl, sizeof(decl), "# TYPE %s ", name);
            if(!strstr(out.data, decl))
                fail_msg("undeclared family %s", name);
        }
        line = nl + 1;
    }
    buf_free(&out);
}

static void bounded_output_fails_cleanly(void **state)
{
    (void)state;
    metrics_t m;
    metrics_init(&m);
    metrics_gauges_t g = {0};
    buf_t out;
    buf_init(&out, 100);
    assert_int_equal(metrics_format(&m, &g, &out), BUF_ERR_TOO_BIG);
    assert_true(out.len <= 100);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_contract_names_with_values),
        cmocka_unit_test(bounded_output_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
