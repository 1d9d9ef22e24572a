/* GET /api/v1/ingestion/{id} and GET /api/v1/ingestions: ingestions as stored (docs/graph.md). */
#include "api/api.h"
#include "api/rows.h"

#include "server/http.h"
#include "util/alloc.h"

#include <string.h>

#define INGESTIONS_PAGE_MAX 200
#define FILES_PER_INGESTION 20000

/*
 * An ingestion's counts are stored when it ends. While it runs they are those of its files as
 * committed so far (each file's row changes state in the transaction that stores its lineage), so a
 * client polling a running ingestion sees it move, never a constant 0.
 */
#define INGESTION_COLUMNS                                                                                              \
    "id AS ingestion_id, source, project_id, repository, branch, commit_sha AS commit, dialect, status, "              \
    "strftime(started_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS started_at, "                                                    \
    "strftime(finished_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at, "                                                  \
    "round(epoch(coalesce(finished_at, now()::TIMESTAMP) - started_at), 3) AS duration_seconds, "                      \
    "CASE WHEN status = 'running' THEN greatest(total_files, coalesce(live_total, 0)) ELSE total_files END"            \
    " AS total_files, "                                                                                                \
    "CASE WHEN status = 'running' THEN coalesce(live_processed, 0) ELSE files_processed END AS files_processed, "      \
    "CASE WHEN status = 'running' THEN coalesce(live_failed, 0) ELSE files_failed END AS files_failed, "               \
    "CASE WHEN status = 'running' THEN coalesce(live_skipped, 0) ELSE files_skipped END AS files_skipped, "            \
    "CASE WHEN status = 'running' THEN coalesce(live_nodes, 0) ELSE nodes_created END AS nodes_created, "              \
    "coalesce(warned, 0) AS files_warned, error"

/*
 * The running ingestions' counts from their files (one pass over the files of those only), and every
 * ingestion's files processed with a warning (their lineage cut at a bound): the row stores no such
 * count, and the warning is the processed file's `error` (ROWS_FILE_NOTES).
 */
#define INGESTIONS_FROM                                                                                                \
    " FROM ingestions LEFT JOIN (SELECT ingestion_id AS live_id, count(*) AS live_total,"                              \
    " count(*) FILTER (WHERE status = 'processed') AS live_processed,"                                                 \
    " count(*) FILTER (WHERE status = 'error') AS live_failed,"                                                        \
    " count(*) FILTER (WHERE status = 'skipped') AS live_skipped, sum(nodes_created) AS live_nodes FROM files"         \
    " WHERE ingestion_id IN (SELECT id FROM ingestions WHERE status = 'running') GROUP BY ingestion_id)"               \
    " ON live_id = id"                                                                                                 \
    " LEFT JOIN (SELECT ingestion_id AS warned_id, count(*) AS warned FROM files"                                      \
    " WHERE status = 'processed' AND error IS NOT NULL GROUP BY ingestion_id) ON warned_id = id"

#define INGESTIONS_WHERE " WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR source = $2)"

static const char *const statuses[] = {"running", "completed", "completed_with_errors", "failed", "interrupted"};
static const char *const sources[] = {"upload", "github", "cli"};

typedef struct ingestions_job {
    char id[INGEST_ID_MAX];
    char status[32], source[16];
    long long limit, offset;
} ingestions_job_t;

/* Ids are ours ("ing_" and hex): anything else cannot name an ingestion. */
static int id_valid(const char *id)
{
    size_t n = strlen(id);
    if(!n || n >= INGEST_ID_MAX)
        return 0;
    for(const char *p = id; *p; p++) {
        if(!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return 0;
    }
    return 1;
}

static json_t *not_found(int *status)
{
    *status = 404;
    return json_pack("{s:s, s:s}", "error", "not_found", "detail", "no ingestion with that id");
}

static json_t *ingestion_job(duckdb_connection conn, void *arg, int *status)
{
    ingestions_job_t *job = arg;
    const char *params[] = {job->id};
    duckdb_result res;
    if(rows_query(conn, "SELECT " INGESTION_COLUMNS INGESTIONS_FROM " WHERE id = $1", params, 1, &res))
        return NULL;
    json_t *rows = rows_json(&res);
    duckdb_destroy_result(&res);
    if(!rows)
        return NULL;
    if(json_array_size(rows) == 0) {
        json_decref(rows);
        return not_found(status);
    }
    json_t *doc = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if(rows_query_paged(conn,
                        "SELECT path AS file, status, " ROWS_FILE_NOTES
                        ", dialect, size_bytes, sha256, is_current, statements,"
                        " nodes_created FROM files WHERE ingestion_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
                        params, 1, FILES_PER_INGESTION, 0, &res)) {
        json_decref(doc);
        return NULL;
    }
    json_t *files = rows_json(&res);
    duckdb_destroy_result(&res);
    if(!files) {
        json_decref(doc);
        return NULL;
    }
    json_int_t total = json_integer_value(json_object_get(doc, "total_files"));
    json_int_t done = json_integer_value(json_object_get(doc, "files_processed")) +
                      json_integer_value(json_object_get(doc, "files_failed")) +
                      json_integer_value(json_object_get(doc, "files_skipped"));
    json_object_set_new(doc, "percentage", json_real(total > 0 ? 100.0 * (double)done / (double)total : 0.0));
    json_object_set_new(doc, "files", files);
    *status = 200;
    return doc;
}

static void get_ingestion(void *ctx, const http_request_t *req, http_response_t *resp)
{
    const char *id = http_param(req, "id");
    if(!id || !id_valid(id)) {
        http_respond_error(resp, 404, "not_found", "no ingestion with that id");
        return;
    }
    ingestions_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    memcpy(job->id, id, strlen(id) + 1);
    api_defer(ctx, req, resp, ingestion_job, job, util_free);
}

static json_t *ingestions_job(duckdb_connection conn, void *arg, int *status)
{
    ingestions_job_t *job = arg;
    const char *params[] = {job->status[0] ? job->status : NULL, job->source[0] ? job->source : NULL};
    duckdb_result res;
    if(rows_query_paged(conn,
                        "SELECT " INGESTION_COLUMNS INGESTIONS_FROM INGESTIONS_WHERE
                        " ORDER BY started_at DESC, id LIMIT $3 OFFSET $4",
                        params, 2, job->limit, job->offset, &res))
        return NULL;
    json_t *rows = rows_json(&res);
    duckdb_destroy_result(&res);
    if(!rows || rows_query(conn, "SELECT count(*) FROM ingestions" INGESTIONS_WHERE, params, 2, &res)) {
        json_decref(rows);
        return NULL;
    }
    json_int_t total = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    *status = 200;
    return json_pack("{s:o, s:I, s:I, s:I}", "ingestions", rows, "total", total, "limit", (json_int_t)job->limit,
                     "offset", (json_int_t)job->offset);
}

/* Copies an optional filter that must be one of `allowed`; 0, or -1 with a 400 in `resp`. */
int api_filter(const http_request_t *req, const char *name, const char *const *allowed, size_t n_allowed, char *out,
               size_t outlen, http_response_t *resp)
{
    const char *v = http_query(req, name);
    out[0] = '\0';
    if(!v)
        return 0;
    for(size_t i = 0; i < n_allowed; i++) {
        if(strcmp(v, allowed[i]) == 0 && strlen(v) < outlen) {
            memcpy(out, v, strlen(v) + 1);
            return 0;
        }
    }
    char detail[256];
    size_t n = (size_t)snprintf(detail, sizeof(detail), "query parameter '%s' must be one of:", name);
    for(size_t i = 0; i < n_allowed && n < sizeof(detail); i++)
        n += (size_t)snprintf(detail + n, sizeof(detail) - n, " %s", allowed[i]);
    http_respond_error(resp, 400, "bad_request", detail);
    return -1;
}

static void get_ingestions(void *ctx, const http_request_t *req, http_response_t *resp)
{
    ingestions_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    if(http_query_int(req, "limit", 20, 1, INGESTIONS_PAGE_MAX, &job->limit, resp) ||
       http_query_int(req, "offset", 0, 0, 1000000000, &job->offset, resp) ||
       api_filter(req, "status", statuses, sizeof(statuses) / sizeof(statuses[0]), job->status, sizeof(job->status),
                  resp) ||
       api_filter(req, "source", sources, sizeof(sources) / sizeof(sources[0]), job->source, sizeof(job->source),
                  resp)) {
        util_free(job);
        return;
    }
    api_defer(ctx, req, resp, ingestions_job, job, util_free);
}

int api_ingestion_routes(api_t *api)
{
    const route_t routes[] = {
        {"/api/v1/ingestion/{id}", HTTP_GET | HTTP_HEAD, get_ingestion, api, 0, 0},
        {"/api/v1/ingestions", HTTP_GET | HTTP_HEAD, get_ingestions, api, 0, 0},
    };
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if(server_route(api->srv, &routes[i]))
            return -1;
    }
    return 0;
}
