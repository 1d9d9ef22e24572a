/* Event schemas (contract §6) and the error-message safety check. */
#include "events/error_event.h"
#include "events/schema.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

struct schema_case {
    enum event_type type;
    const char *json;
    int valid;
};

static const struct schema_case cases[] = {
    {EV_INGESTION_STARTED, "{\"ingestion_id\":\"a\",\"source\":\"upload\",\"total_files\":2,\"project_id\":null}", 1},
    {EV_INGESTION_STARTED, "{\"ingestion_id\":\"a\",\"source\":\"ftp\",\"total_files\":2,\"project_id\":null}", 0},
    {EV_INGESTION_STARTED, "{\"ingestion_id\":\"a\",\"source\":\"github\",\"total_files\":\"2\",\"project_id\":\"p\"}", 0},
    {EV_INGESTION_PROGRESS,
     "{\"ingestion_id\":\"a\",\"current_file\":\"x.sql\",\"status\":\"parsing\",\"files_processed\":1,"
     "\"total_files\":2,\"percentage\":50,\"nodes_created\":3,\"error\":null}", 1},
    {EV_INGESTION_PROGRESS,
     "{\"ingestion_id\":\"a\",\"current_file\":\"x.sql\",\"status\":\"processed\",\"files_processed\":2,"
     "\"total_files\":2,\"percentage\":100,\"nodes_created\":3,\"error\":null,\"final\":true}", 1},
    {EV_INGESTION_PROGRESS,
     "{\"ingestion_id\":\"a\",\"current_file\":\"x.sql\",\"status\":\"processed\",\"files_processed\":2,"
     "\"total_files\":2,\"percentage\":100,\"nodes_created\":3,\"error\":null,\"final\":1}", 0},
    {EV_INGESTION_PROGRESS, "{\"ingestion_id\":\"a\",\"status\":\"parsing\"}", 0},
    {EV_INGESTION_COMPLETE,
     "{\"ingestion_id\":\"a\",\"source\":\"upload\",\"status\":\"completed_with_errors\",\"files\":[{\"file\":\"a.sql\","
     "\"status\":\"processed\"}],\"files_processed\":1,\"files_failed\":1,\"total_nodes_created\":4,"
     "\"duration_seconds\":1.5,\"errors\":[{\"file\":\"b.sql\",\"error\":\"syntax error at line 3\"}]}", 1},
    {EV_INGESTION_COMPLETE,
     "{\"ingestion_id\":\"a\",\"source\":\"upload\",\"status\":\"done\",\"files\":[],\"files_processed\":0,"
     "\"files_failed\":0,\"total_nodes_created\":0,\"duration_seconds\":1,\"errors\":[]}", 0},
    {EV_INGESTION_COMPLETE,
     "{\"ingestion_id\":\"a\",\"source\":\"upload\",\"status\":\"failed\",\"files\":[3],\"files_processed\":0,"
     "\"files_failed\":0,\"total_nodes_created\":0,\"duration_seconds\":1,\"errors\":[]}", 0},
    {EV_QUERY_COMPLETE, "{\"query_type\":\"graph\",\"latency_ms\":12.5,\"status\":\"success\",\"nodes\":3}", 1},
    {EV_QUERY_COMPLETE, "{\"query_type\":\"graph\",\"latency_ms\":1,\"status\":\"ok\",\"query\":\"who reads t\"}", 0},
    {EV_QUERY_COMPLETE, "{\"query_type\":\"graph\",\"latency_ms\":1,\"status\":\"ok\",\"results\":[]}", 0},
    {EV_ERROR, "{\"error_type\":\"x\",\"severity\":\"warning\",\"message\":\"The file could not be parsed.\"}", 1},
    {EV_ERROR, "{\"error_type\":\"x\",\"severity\":\"panic\",\"message\":\"Bad.\"}", 0},
    {EV_ERROR, "{\"error_type\":\"x\",\"severity\":\"error\",\"message\":\"crash at 0x7ffd1234abcd\"}", 0},
    {EV_STATS_UPDATE,
     "{\"totalNodes\":1,\"totalEdges\":2,\"filesProcessed\":3,\"databaseTables\":4,\"activeQueries\":0,"
     "\"trends\":{\"nodes\":{\"value\":1,\"isPositive\":true},\"files\":{\"value\":0,\"isPositive\":false}}}", 1},
    {EV_STATS_UPDATE,
     "{\"totalNodes\":1,\"totalEdges\":2,\"filesProcessed\":3,\"databaseTables\":4,\"activeQueries\":0,"
     "\"trends\":{\"nodes\":{\"value\":\"1\",\"isPositive\":true},\"files\":{}}}", 0},
    {EV_CONNECTION_ACK, "{\"client_id\":1}", 1},
    {EV_CONNECTION_ACK, "[]", 0},
};

static void schemas_accept_and_reject(void **state)
{
    (void)state;
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *data = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        assert_non_null(data);
        char why[160] = "";
        int rc = schema_validate(cases[i].type, data, why, sizeof(why));
        if(cases[i].valid != (rc == 0))
            fail_msg("case %zu (%s): expected %s, got rc=%d why=%s", i, cases[i].json,
                     cases[i].valid ? "valid" : "invalid", rc, why);
        if(!cases[i].valid)
            assert_true(strlen(why) > 0);
        json_decref(data);
    }
}

static void messages_for_people_only(void **state)
{
    (void)state;
    static const char *const safe[] = {
        "The upload could not be read.", "GitHub did not answer within 30 seconds.",
        "See https://docs.example.com/errors/limits for the limits.", "3 of 10 files failed to parse.",
    };
    static const char *const unsafe[] = {
        "", "Segfault at 0x7ffd5e8a1c20", "open /var/lib/lineaged/data/x.sql failed", "failed in ws.c:120",
        "Traceback (most recent call last): boom", "line one\nline two", "query SELECT a FROM b failed",
        "C:\\Users\\x failed", "insert into t values failed",
    };
    for(size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
        if(!schema_message_is_safe(safe[i]))
            fail_msg("should be safe: %s", safe[i]);
    }
    for(size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
        if(schema_message_is_safe(unsafe[i]))
            fail_msg("should be unsafe: %s", unsafe[i]);
    }
}

static void error_api_replaces_internals_with_a_sentence(void **state)
{
    (void)state;
    bus_t *bus = bus_new(4, NULL, NULL);
    assert_int_equal(error_event_raise(bus, "store_failed", ERROR_SEVERITY_CRITICAL,
                                       "duckdb: IO Error at /data/lineage.duckdb (0xdeadbeef)"),
                     BUS_OK);
    assert_int_equal(error_event_raise(bus, "Bad Type!", ERROR_SEVERITY_WARNING, "Disk is almost full."), BUS_OK);
    bus_event_t *list = bus_drain(bus);
    const char *msg = json_string_value(json_object_get(list->data, "message"));
    assert_true(schema_message_is_safe(msg));
    assert_null(strstr(msg, "/data"));
    assert_string_equal(json_string_value(json_object_get(list->data, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(list->next->data, "error_type")), "internal");
    char why[160];
    assert_int_equal(schema_validate(EV_ERROR, list->data, why, sizeof(why)), 0);
    bus_event_free_list(list);
    bus_free(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemas_accept_and_reject),
        cmocka_unit_test(messages_for_people_only),
        cmocka_unit_test(error_api_replaces_internals_with_a_sentence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
