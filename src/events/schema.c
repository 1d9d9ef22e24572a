#include "events/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum {
    J_STR = 1 << 0,
    J_INT = 1 << 1,
    J_REAL = 1 << 2,
    J_BOOL = 1 << 3,
    J_NULL = 1 << 4,
    J_OBJ = 1 << 5,
    J_ARR = 1 << 6,
    J_NUM = J_INT | J_REAL,
};

struct field {
    const char *name;
    unsigned types;
    const char *const *values; /* NULL-terminated allowed strings, or NULL for any */
};

static const char *const sources[] = {"upload", "github", NULL};
static const char *const outcomes[] = {"completed", "completed_with_errors", "failed", NULL};
static const char *const severities[] = {"warning", "error", "critical", NULL};

static const struct field ack_fields[] = {{"client_id", J_INT, NULL}, {NULL, 0, NULL}};
static const struct field stats_fields[] = {
    {"totalNodes", J_INT, NULL},    {"totalEdges", J_INT, NULL},    {"filesProcessed", J_INT, NULL},
    {"databaseTables", J_INT, NULL}, {"activeQueries", J_INT, NULL}, {"trends", J_OBJ, NULL},
    {NULL, 0, NULL}};
static const struct field started_fields[] = {
    {"ingestion_id", J_STR, NULL}, {"source", J_STR, sources}, {"total_files", J_INT, NULL},
    {"project_id", J_STR | J_INT | J_NULL, NULL}, {NULL, 0, NULL}};
static const struct field progress_fields[] = {
    {"ingestion_id", J_STR, NULL},   {"current_file", J_STR | J_NULL, NULL}, {"status", J_STR, NULL},
    {"files_processed", J_INT, NULL}, {"total_files", J_INT, NULL},          {"percentage", J_NUM, NULL},
    {"nodes_created", J_INT, NULL},  {"error", J_STR | J_NULL, NULL},        {NULL, 0, NULL}};
static const struct field complete_fields[] = {
    {"ingestion_id", J_STR, NULL},      {"source", J_STR, sources},        {"status", J_STR, outcomes},
    {"files", J_ARR, NULL},             {"files_processed", J_INT, NULL},  {"files_failed", J_INT, NULL},
    {"total_nodes_created", J_INT, NULL}, {"duration_seconds", J_NUM, NULL}, {"errors", J_ARR, NULL},
    {NULL, 0, NULL}};
static const struct field query_fields[] = {
    {"query_type", J_STR, NULL}, {"latency_ms", J_NUM, NULL}, {"status", J_STR, NULL}, {NULL, 0, NULL}};
static const struct field error_fields[] = {
    {"error_type", J_STR, NULL}, {"severity", J_STR, severities}, {"message", J_STR, NULL}, {NULL, 0, NULL}};

static const struct field *const schemas[EV_N_TYPES] = {
    [EV_CONNECTION_ACK] = ack_fields,          [EV_STATS_UPDATE] = stats_fields,
    [EV_INGESTION_STARTED] = started_fields,   [EV_INGESTION_PROGRESS] = progress_fields,
    [EV_INGESTION_COMPLETE] = complete_fields, [EV_QUERY_COMPLETE] = query_fields,
    [EV_ERROR] = error_fields,
};

/* query_complete carries timings, never what was asked or answered. */
static const char *const query_private[] = {"query", "query_text", "sql", "response", "results", "sources",
                                            "graph_data", NULL};

static unsigned json_kind(const json_t *v)
{
    switch(json_typeof(v)) {
    case JSON_STRING: return J_STR;
    case JSON_INTEGER: return J_INT;
    case JSON_REAL: return J_REAL;
    case JSON_TRUE:
    case JSON_FALSE: return J_BOOL;
    case JSON_NULL: return J_NULL;
    case JSON_OBJECT: return J_OBJ;
    case JSON_ARRAY: return J_ARR;
    }
    return 0;
}

static int one_of(const char *s, const char *const *values)
{
    for(; *values; values++) {
        if(strcmp(s, *values) == 0)
            return 1;
    }
    return 0;
}

static int check_items(const json_t *arr, const char *name, const char *k1, const char *k2, char *why,
                       size_t whylen)
{
    size_t i;
    const json_t *item;
    json_array_foreach(arr, i, item) {
        if(!json_is_object(item) || !json_is_string(json_object_get(item, k1)) ||
           !json_is_string(json_object_get(item, k2))) {
            snprintf(why, whylen, "%s[%zu] must be an object with string fields %s and %s", name, i, k1, k2);
            return -1;
        }
    }
    return 0;
}

int schema_validate(enum event_type type, const json_t *data, char *why, size_t whylen)
{
    if((unsigned)type >= EV_N_TYPES) {
        snprintf(why, whylen, "unknown event type");
        return -1;
    }
    if(!json_is_object(data)) {
        snprintf(why, whylen, "data must be a JSON object");
        return -1;
    }
    for(const struct field *f = schemas[type]; f->name; f++) {
        const json_t *v = json_object_get(data, f->name);
        if(!v) {
            snprintf(why, whylen, "missing required field %s", f->name);
            return -1;
        }
        if(!(json_kind(v) & f->types)) {
            snprintf(why, whylen, "field %s has the wrong JSON type", f->name);
            return -1;
        }
        if(f->values && !one_of(json_string_value(v), f->values)) {
            snprintf(why, whylen, "field %s has a value outside the contract", f->name);
            return -1;
        }
    }
    switch(type) {
    case EV_INGESTION_COMPLETE:
        if(check_items(json_object_get(data, "files"), "files", "file", "status", why, whylen) ||
           check_items(json_object_get(data, "errors"), "errors", "file", "error", why, whylen))
            return -1;
        break;
    case EV_INGESTION_PROGRESS: {
        const json_t *final = json_object_get(data, "final");
        if(final && !json_is_boolean(final)) {
            snprintf(why, whylen, "field final must be a boolean");
            return -1;
        }
        break;
    }
    case EV_QUERY_COMPLETE:
        for(const char *const *k = query_private; *k; k++) {
            if(json_object_get(data, *k)) {
                snprintf(why, whylen, "query_complete must not carry %s", *k);
                return -1;
            }
        }
        break;
    case EV_ERROR:
        if(!schema_message_is_safe(json_string_value(json_object_get(data, "message")))) {
            snprintf(why, whylen, "error message is not a plain sentence (trace, path, pointer or SQL)");
            return -1;
        }
        break;
    case EV_STATS_UPDATE: {
        const json_t *trends = json_object_get(data, "trends");
        const char *keys[] = {"nodes", "files"};
        for(size_t i = 0; i < 2; i++) {
            const json_t *t = json_object_get(trends, keys[i]);
            if(!json_is_integer(json_object_get(t, "value")) || !json_is_boolean(json_object_get(t, "isPositive"))) {
                snprintf(why, whylen, "trends.%s must be {value:int, isPositive:bool}", keys[i]);
                return -1;
            }
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for(; *hay; hay++) {
        if(strncasecmp(hay, needle, n) == 0)
            return 1;
    }
    return 0;
}

static int has_pointer(const char *s)
{
    for(; *s; s++) {
        if(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            size_t digits = 0;
            while(isxdigit((unsigned char)s[2 + digits]))
                digits++;
            if(digits >= 4)
                return 1;
        }
    }
    return 0;
}

/* A word with two slashes or a backslash, or a source file with a line number. */
static int has_path(const char *msg)
{
    if(strchr(msg, '\\'))
        return 1;
    const char *s = msg;
    while(*s) {
        while(*s == ' ')
            s++;
        const char *w = s;
        int slashes = 0;
        while(*s && *s != ' ') {
            slashes += *s == '/';
            s++;
        }
        if(slashes >= 2 && !(s - w > 7 && (strncmp(w, "http://", 7) == 0 || strncmp(w, "https://", 8) == 0)))
            return 1;
    }
    static const char *const source_ext[] = {".c:", ".h:", ".py", ".cpp", ".js:", ".go:", ".rs:", NULL};
    for(const char *const *e = source_ext; *e; e++) {
        if(contains_ci(msg, *e))
            return 1;
    }
    return 0;
}

static int has_sql(const char *s)
{
    static const char *const pairs[][2] = {
        {"select ", " from "}, {"insert ", " into "}, {"update ", " set "}, {"delete ", " from "},
        {"create ", " table "}, {"drop ", " table "}, {"with ", " as ("},
    };
    for(size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        if(contains_ci(s, pairs[i][0]) && contains_ci(s, pairs[i][1]))
            return 1;
    }
    return 0;
}

static int has_trace(const char *s)
{
    static const char *const marks[] = {"traceback", "stack trace", "backtrace", " at line ", "#0 ", "#1 ",
                                        "segfault", "abort()", NULL};
    for(const char *const *m = marks; *m; m++) {
        if(contains_ci(s, *m))
            return 1;
    }
    return 0;
}

int schema_message_is_safe(const char *msg)
{
    if(!msg || !*msg || strlen(msg) > SCHEMA_MESSAGE_MAX || strpbrk(msg, "\r\n\t"))
        return 0;
    return !has_pointer(msg) && !has_path(msg) && !has_sql(msg) && !has_trace(msg);
}
