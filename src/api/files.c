/*
 * Files: POST /api/v1/files/upload (multipart, streamed to disk, then ingested), GET /api/v1/files
 * (paged, filtered) and GET /api/v1/files/stats.
 */
#include "api/api.h"
#include "api/room.h"
#include "api/rows.h"
#include "api/upload.h"

#include "server/http.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/utf8.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILES_PAGE_MAX 500
#define PROJECT_MAX    128
#define REPOSITORY_MAX 256

static const char *const upload_fields[] = {"project_id", "repository_name", "dialect"};
static const char *const file_statuses[] = {"pending", "processing", "processed", "error", "skipped"};

typedef struct upload_req {
    api_t *api;
    upload_t *u;
    int64_t reserved; /* its share of --upload-inflight-mb, until the split thread takes it */
} upload_req_t;

/* The upload ops answer with the upload's own status and sentence. */
static int upload_refused(upload_t *u, int rc, http_response_t *resp)
{
    if(!rc)
        return 0;
    http_respond_error(resp, rc,
                       rc == 413   ? "payload_too_large"
                       : rc == 400 ? "bad_upload"
                                   : "internal",
                       upload_error(u));
    return -1;
}

static void *upload_begin(void *ctx, const http_request_t *req, int64_t length, http_response_t *resp)
{
    (void)req;
    api_t *api = ctx;
    if(!api->ingest) {
        http_respond_error(resp, 503, "unavailable", "ingestion is not running on this server");
        return NULL;
    }
    /* Files wait on disk until parsed: a client that uploads faster than they are parsed fills it. The
     * body is on disk twice while its spool is split into files. The free space is the room thread's
     * figure: this thread never waits on the disk. */
    int64_t twice = length > 0 ? 2 * length : 0;
    if(!room_has(api->room, twice)) {
        http_respond_error(resp, 507, "insufficient_storage", UPLOAD_NO_ROOM);
        return NULL;
    }
    if(room_reserve(api->room, twice)) {
        char detail[256];
        snprintf(detail, sizeof(detail),
                 "uploads not yet handed to ingestion hold %lld of the %lld MiB this server allows them at once"
                 " (--upload-inflight-mb; each counts twice its length); try again shortly",
                 (long long)(room_inflight(api->room) >> 20), (long long)(room_inflight_limit(api->room) >> 20));
        http_respond_error(resp, 503, "uploads_busy", detail);
        log_limited(LOG_WARN, "upload.rejected",
                    "reason=inflight_limit bytes=%lld inflight=%lld limit_mb=%d status=503", (long long)twice,
                    (long long)room_inflight(api->room), api->cfg->upload_inflight_mb);
        return NULL;
    }
    upload_limits_t lim = {api->upload_dir, UPLOAD_FILE_MAX_BYTES, UPLOAD_MAX_FILES, "files", ingest_supported_name};
    upload_req_t *r = util_calloc(1, sizeof(*r));
    if(r) {
        r->api = api;
        r->reserved = twice;
        r->u = upload_new(&lim);
    }
    if(!r || !r->u) {
        util_free(r);
        room_release(api->room, twice);
        http_respond_error(resp, 500, "internal", "out of memory");
        return NULL;
    }
    return r;
}

static int upload_open(void *state, const char *field, const char *filename, http_response_t *resp)
{
    upload_req_t *r = state;
    return upload_refused(r->u, upload_file_open(r->u, field, filename), resp);
}

static int upload_data(void *state, const char *data, size_t len, int final, http_response_t *resp)
{
    upload_req_t *r = state;
    return upload_refused(r->u, upload_file_data(r->u, data, len, final), resp);
}

/* A form field that must be short printable text; 0, or -1 with a 400. */
static int text_field(const char *name, const char *value, size_t max, http_response_t *resp)
{
    if(!value)
        return 0;
    size_t n = strlen(value);
    if(n == 0 || n > max || !utf8_printable(value, n) || utf8_blank(value, n)) {
        char detail[160];
        snprintf(detail, sizeof(detail),
                 "form field '%s' must be 1 to %zu bytes of printable UTF-8 text, not only spaces", name, max);
        http_respond_error(resp, 400, "bad_request", detail);
        return -1;
    }
    return 0;
}

static json_t *file_results(upload_t *u, size_t *accepted)
{
    json_t *files = json_array();
    *accepted = 0;
    for(size_t i = 0; files && i < upload_count(u); i++) {
        const upload_file_t *f = upload_file(u, i);
        json_t *o = json_pack("{s:s, s:s, s:I}", "file", f->name, "status", f->skip ? "skipped" : "accepted",
                              "size_bytes", (json_int_t)f->size);
        if(o && f->skip)
            json_object_set_new(o, "reason", json_string(f->skip));
        if(!o || json_array_append_new(files, o)) {
            json_decref(files);
            return NULL;
        }
        *accepted += !f->skip;
    }
    return files;
}

/* What the writer thread needs to answer the upload once its rows are committed. */
typedef struct upload_answer {
    http_ticket_t ticket;
    json_t *accepted; /* the 202 body, its ingestion_id filled in then */
    size_t n, n_accepted;
} upload_answer_t;

/*
 * Writer thread, before it records the upload: not once the client was answered 503 for the wait
 * (--api-timeout). From here the deadline's answer names the ingestion being recorded.
 */
static int upload_claim(void *ud, const char *id)
{
    return api_claim_recording(&((upload_answer_t *)ud)->ticket, "upload", id);
}

/*
 * Writer thread: the ingestion and all its files are in the database, so a restart resumes them; only
 * now is the upload accepted (202). Otherwise nothing of it was kept.
 */
static void upload_recorded(void *ud, const char *id, int rc)
{
    upload_answer_t *a = ud;
    if(!rc) {
        log_info("upload.accepted", "ingestion=%s files=%zu accepted=%zu skipped=%zu", id, a->n, a->n_accepted,
                 a->n - a->n_accepted);
        json_object_set_new(a->accepted, "ingestion_id", json_string(id));
        http_ticket_complete_json(&a->ticket, 202, a->accepted);
    } else {
        json_decref(a->accepted);
        if(rc != INGEST_ERR_EXPIRED) /* then the writer logged it */
            log_warn("upload.refused", "ingestion=%s reason=\"%s\"", id, ingest_strerror(rc));
        api_refuse_recording(&a->ticket, "upload", rc);
    }
    util_free(a);
}

/*
 * The split thread: an upload's parts arrive in one spool file (upload.c); here each becomes a file of
 * its own and the whole is handed to ingestion. Creating files can take a file system ~0.5 ms each
 * (ext4 looking for a free inode among recently deleted ones), so a 10,000-file upload held the
 * service thread for seconds when it created them itself.
 */
typedef struct splitjob {
    struct splitjob *next;
    upload_t *u;
    int64_t reserved; /* the upload's share of --upload-inflight-mb, released once its files are handed over */
    upload_answer_t *a;
    char *project, *repository;
    sql_dialect_t dialect;
} splitjob_t;

static int files_routes(api_t *api);

struct splitter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    splitjob_t *head, *tail;
    atomic_int stop;
    pthread_t thread;
    int started;
};

static void splitjob_free(api_t *api, splitjob_t *job, int free_upload)
{
    if(!job)
        return;
    if(free_upload) {
        upload_free(job->u);
        room_release(api->room, job->reserved);
    }
    util_free(job->project);
    util_free(job->repository);
    util_free(job);
}

/* The upload is not taken: its answer says why, and its files are removed. */
static void split_refused(api_t *api, splitjob_t *job, int status, const char *detail)
{
    upload_answer_t *a = job->a;
    json_decref(a->accepted);
    http_ticket_complete_json(&a->ticket, status,
                              json_pack("{s:s, s:s}", "error",
                                        status == 503   ? "unavailable"
                                        : status == 507 ? "insufficient_storage"
                                                        : "internal",
                                        "detail", detail));
    util_free(a);
    splitjob_free(api, job, 1);
}

static void split_one(api_t *api, splitjob_t *job)
{
    upload_t *u = job->u;
    if(http_ticket_expired(&job->a->ticket)) {
        log_warn("upload.unclaimed", "files=%zu reason=\"answered 503 at --api-timeout before it was split: nothing of "
                 "it was kept\"", upload_count(u));
        split_refused(api, job, 503, "");
        return;
    }
    /* Its files are about to be written beside the spool: asked of the disk now, not of the figure the
     * upload was let in by. */
    int rc = room_has_now(api->room, upload_spool_bytes(u)) ? upload_split(u, &api->splitter->stop) : 507;
    if(rc) {
        const char *why = rc == 507 && !upload_error(u)[0] ? UPLOAD_NO_ROOM : upload_error(u);
        log_warn("upload.refused", "reason=%s", LOG_Q(why));
        split_refused(api, job, rc, why);
        return;
    }
    size_t n = upload_count(u);
    ingest_file_t *list = util_calloc(n, sizeof(*list));
    if(!list) {
        split_refused(api, job, 500, "out of memory");
        return;
    }
    for(size_t i = 0; i < n; i++) {
        const upload_file_t *f = upload_file(u, i);
        /* A skipped file has no content on disk: "" says so. */
        list[i] = (ingest_file_t){f->disk_path ? f->disk_path : "", f->name, f->skip, f->disk_path != NULL, f->size};
    }
    ingest_meta_t meta = {"upload", job->project, job->repository, NULL, NULL, job->dialect, NULL, 0};
    char id[INGEST_ID_MAX];
    upload_answer_t *a = job->a;
    rc = ingest_submit(api->ingest, &meta, list, n, upload_claim, upload_recorded, a, id); /* the writer's now */
    util_free(list);
    if(rc) {
        log_warn("upload.refused", "reason=\"%s\"", ingest_strerror(rc));
        split_refused(api, job, rc == INGEST_ERR_BUSY || rc == INGEST_ERR_CLOSED ? 503 : 500, ingest_strerror(rc));
        return;
    }
    /* Ingestion owns the written files now (it removes them even when recording fails). */
    for(size_t i = 0; i < n; i++)
        upload_disown(u, i);
    splitjob_free(api, job, 1);
}

static void *splitter_main(void *arg)
{
    api_t *api = arg;
    splitter_t *sp = api->splitter;
    pthread_mutex_lock(&sp->mu);
    for(;;) {
        while(!sp->head && !atomic_load(&sp->stop))
            pthread_cond_wait(&sp->cv, &sp->mu);
        splitjob_t *job = sp->head;
        if(!job)
            break;
        sp->head = job->next;
        if(!sp->head)
            sp->tail = NULL;
        pthread_mutex_unlock(&sp->mu);
        if(atomic_load(&sp->stop))
            split_refused(api, job, 503, "the server is shutting down; send the upload again later");
        else
            split_one(api, job);
        pthread_mutex_lock(&sp->mu);
    }
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

int api_files_start(api_t *api)
{
    splitter_t *sp = util_calloc(1, sizeof(*sp));
    if(!sp)
        return -1;
    api->splitter = sp;
    pthread_mutex_init(&sp->mu, NULL);
    pthread_cond_init(&sp->cv, NULL);
    if(pthread_create(&sp->thread, NULL, splitter_main, api))
        return -1;
    sp->started = 1;
    return files_routes(api);
}

void api_files_stop(api_t *api)
{
    splitter_t *sp = api->splitter;
    if(!sp)
        return;
    atomic_store(&sp->stop, 1);
    pthread_mutex_lock(&sp->mu);
    pthread_cond_broadcast(&sp->cv);
    pthread_mutex_unlock(&sp->mu);
    if(sp->started)
        pthread_join(sp->thread, NULL);
    pthread_mutex_destroy(&sp->mu);
    pthread_cond_destroy(&sp->cv);
    util_free(sp);
    api->splitter = NULL;
}

/*
 * The body is in: the files become one ingestion, handed over in one step (ingest_submit only
 * queues). The answer waits for the writer to commit the ingestion's rows (upload_recorded): a 202
 * is a promise that a crash right after it loses no file. Not for ever: at --api-timeout the
 * transport answers 503 (http_defer_recorded), and an upload the writer had not begun to record by
 * then is dropped whole (upload_claim).
 */
static void upload_end(void *state, const http_request_t *req, const char *const *values, http_response_t *resp)
{
    upload_req_t *r = state;
    upload_t *u = r->u;
    if(upload_refused(u, upload_finish(u), resp))
        return;
    size_t n = upload_count(u);
    if(n == 0) {
        http_respond_error(resp, 400, "bad_upload", "no files: send them as parts of the form field 'files'");
        return;
    }
    const char *project = values[0], *repository = values[1], *dialect_name = values[2];
    sql_dialect_t dialect = SQL_DIALECT_AUTO;
    if(text_field("project_id", project, PROJECT_MAX, resp) ||
       text_field("repository_name", repository, REPOSITORY_MAX, resp))
        return;
    if(dialect_name && *dialect_name && strcmp(dialect_name, "auto") != 0 &&
       sql_dialect_from_name(dialect_name, &dialect)) {
        http_respond_error(resp, 400, "bad_request",
                           "unknown dialect; use auto, ansi, postgres, tsql, snowflake, bigquery, mysql, oracle, hive,"
                           " sparksql or databricks");
        return;
    }
    size_t accepted = 0;
    json_t *files = file_results(u, &accepted);
    upload_answer_t *a = util_calloc(1, sizeof(*a));
    if(a && files) {
        a->n = n;
        a->n_accepted = accepted;
        a->accepted = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "ingestion_id", "", "status", "accepted",
                                "total_files", (json_int_t)n, "accepted", (json_int_t)accepted, "skipped",
                                (json_int_t)(n - accepted), "files", files);
        files = NULL;
    }
    if(!a || !a->accepted) {
        json_decref(files);
        if(a)
            json_decref(a->accepted);
        util_free(a);
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    splitjob_t *job = util_calloc(1, sizeof(*job));
    if(job) {
        job->u = u;
        job->a = a;
        job->dialect = dialect;
        job->project = project ? util_strdup(project) : NULL;
        job->repository = repository ? util_strdup(repository) : NULL;
    }
    if(!job || (project && !job->project) || (repository && !job->repository) || http_defer_recorded(req, &a->ticket)) {
        splitjob_free(r->api, job, 0);
        json_decref(a->accepted);
        util_free(a);
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    r->u = NULL; /* the split thread's now */
    /* The body is in: what stays in flight is the spool and the copies the split makes of it. */
    job->reserved = 2 * upload_spool_bytes(u);
    if(job->reserved > r->reserved)
        job->reserved = r->reserved;
    room_release(r->api->room, r->reserved - job->reserved);
    r->reserved = 0;
    splitter_t *sp = r->api->splitter;
    pthread_mutex_lock(&sp->mu);
    if(sp->tail)
        sp->tail->next = job;
    else
        sp->head = job;
    sp->tail = job;
    pthread_cond_signal(&sp->cv);
    pthread_mutex_unlock(&sp->mu);
}

static void upload_release(void *state)
{
    upload_req_t *r = state;
    upload_free(r->u);
    if(r->api->room) /* a request cut at shutdown is released after api_stop */
        room_release(r->api->room, r->reserved);
    util_free(r);
}

static const route_upload_ops_t upload_ops = {
    upload_fields, 3, upload_begin, upload_open, upload_data, upload_end, upload_release,
};

typedef struct files_job {
    char status[16];
    char project[PROJECT_MAX + 1], ingestion[INGEST_ID_MAX];
    int current; /* 1: current versions only, 0: all */
    long long limit, offset;
} files_job_t;

static json_t *files_job(duckdb_connection conn, void *arg, int *status)
{
    files_job_t *job = arg;
    const char *params[] = {job->status[0] ? job->status : NULL, job->project[0] ? job->project : NULL,
                            job->ingestion[0] ? job->ingestion : NULL, job->current ? "1" : NULL};
    const char *where = " WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR project_id = $2)"
                        " AND ($3 IS NULL OR ingestion_id = $3)"
                        " AND ($4 IS NULL OR is_current OR status IN ('pending', 'processing', 'skipped'))";
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT id, path, project_id, repository, dialect, sha256, size_bytes, status, " ROWS_FILE_NOTES
             ", is_current,"
             " ingestion_id, statements, nodes_created, strftime(updated_at, '%%Y-%%m-%%dT%%H:%%M:%%S.%%gZ') AS"
             " updated_at FROM files%s ORDER BY id DESC LIMIT $5 OFFSET $6",
             where);
    duckdb_result res;
    if(rows_query_paged(conn, sql, params, 4, job->limit, job->offset, &res))
        return NULL;
    json_t *rows = rows_json(&res);
    duckdb_destroy_result(&res);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM files%s", where);
    if(!rows || rows_query(conn, sql, params, 4, &res)) {
        json_decref(rows);
        return NULL;
    }
    json_int_t total = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    *status = 200;
    return json_pack("{s:o, s:I, s:I, s:I}", "files", rows, "total", total, "limit", (json_int_t)job->limit, "offset",
                     (json_int_t)job->offset);
}

static void get_files(void *ctx, const http_request_t *req, http_response_t *resp)
{
    files_job_t *job = util_calloc(1, sizeof(*job));
    if(!job) {
        http_respond_error(resp, 500, "internal", "out of memory");
        return;
    }
    static const char *const currents[] = {"true", "false"};
    char current[8];
    const char *project = http_query(req, "project_id"), *ingestion = http_query(req, "ingestion_id");
    int bad = http_query_int(req, "limit", 50, 1, FILES_PAGE_MAX, &job->limit, resp) ||
              http_query_int(req, "offset", 0, 0, 1000000000, &job->offset, resp) ||
              api_filter(req, "status", file_statuses, 5, job->status, sizeof(job->status), resp) ||
              api_filter(req, "current", currents, 2, current, sizeof(current), resp);
    if(!bad && ((project && strlen(project) > PROJECT_MAX) || (ingestion && strlen(ingestion) >= INGEST_ID_MAX))) {
        http_respond_error(resp, 400, "bad_request", "project_id or ingestion_id is too long");
        bad = 1;
    }
    /* given empty, it names nothing (no project or ingestion is ""), as an empty status does: not "all" */
    if(!bad && ((project && !*project) || (ingestion && !*ingestion))) {
        http_respond_error(resp, 400, "bad_request", "project_id and ingestion_id, when given, must not be empty");
        bad = 1;
    }
    if(bad) {
        util_free(job);
        return;
    }
    snprintf(job->project, sizeof(job->project), "%s", project ? project : "");
    snprintf(job->ingestion, sizeof(job->ingestion), "%s", ingestion ? ingestion : "");
    job->current = strcmp(current, "false") != 0;
    api_defer(ctx, req, resp, files_job, job, util_free);
}

/*
 * Current versions by outcome, plus what is still queued and the skipped records (duplicates,
 * unsupported types), which never become current.
 */
static json_t *files_stats_job(duckdb_connection conn, void *arg, int *status)
{
    (void)arg;
    duckdb_result res;
    if(rows_query(conn,
                  "SELECT count(*) FILTER (WHERE is_current AND status = 'processed') AS processed,"
                  " count(*) FILTER (WHERE status IN ('pending', 'processing')) AS pending,"
                  " count(*) FILTER (WHERE is_current AND status = 'error') AS errors,"
                  " count(*) FILTER (WHERE status = 'skipped') AS skipped FROM files",
                  NULL, 0, &res))
        return NULL;
    json_t *rows = rows_json(&res);
    duckdb_destroy_result(&res);
    json_t *doc = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if(!doc)
        return NULL;
    json_int_t total = 0;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) total += json_integer_value(v);
    json_object_set_new(doc, "total", json_integer(total));
    *status = 200;
    return doc;
}

static void get_files_stats(void *ctx, const http_request_t *req, http_response_t *resp)
{
    api_defer(ctx, req, resp, files_stats_job, NULL, NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Files left in the upload folder by a previous run that ingestion does not hold (the server died
 * mid-upload, before handing them over, or between storing a file and removing its copy): removed
 * at start, after ingestion recovered its own.
 * Runs once before serving, so reading the database here keeps no client waiting.
 */
int api_files_sweep(api_t *api)
{
    duckdb_connection conn;
    duckdb_result res;
    if(store_connect(api->store, &conn))
        return -1;
    int rc = rows_query(conn, "SELECT disk_path FROM files WHERE owned AND status IN ('pending', 'processing')", NULL,
                        0, &res);
    duckdb_disconnect(&conn);
    if(rc)
        return -1;
    /* The held paths, sorted, so a large folder is checked in n log n. */
    idx_t n = duckdb_row_count(&res);
    char **held = util_calloc(n ? n : 1, sizeof(*held));
    size_t n_held = 0;
    for(idx_t r = 0; held && r < n; r++) {
        char *p = duckdb_value_varchar(&res, 0, r);
        if(p)
            held[n_held] = util_strdup(p);
        duckdb_free(p);
        n_held += held[n_held] != NULL;
    }
    duckdb_destroy_result(&res);
    if(!held)
        return -1;
    qsort(held, n_held, sizeof(*held), cmp_str);
    DIR *d = opendir(api->upload_dir);
    size_t removed = 0;
    for(struct dirent *e; d && (e = readdir(d));) {
        char path[4096];
        const char *key = path;
        if(e->d_name[0] == '.' ||
           snprintf(path, sizeof(path), "%s/%s", api->upload_dir, e->d_name) >= (int)sizeof(path))
            continue;
        if(!bsearch(&key, held, n_held, sizeof(*held), cmp_str) && unlink(path) == 0)
            removed++;
    }
    if(d)
        closedir(d);
    for(size_t i = 0; i < n_held; i++)
        util_free(held[i]);
    util_free(held);
    if(removed)
        log_info("upload.swept",
                 "files=%zu reason=\"left by a previous run: never handed to ingestion, or already processed\"",
                 removed);
    return 0;
}

static int files_routes(api_t *api)
{
    const route_t upload = {"/api/v1/files/upload", HTTP_POST, NULL, api, (int64_t)api->cfg->max_upload_mb << 20, 0};
    const route_t routes[] = {
        {"/api/v1/files", HTTP_GET | HTTP_HEAD, get_files, api, 0, 0},
        {"/api/v1/files/stats", HTTP_GET | HTTP_HEAD, get_files_stats, api, 0, 0},
    };
    if(server_route_upload(api->srv, &upload, &upload_ops))
        return -1;
    for(size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if(server_route(api->srv, &routes[i]))
            return -1;
    }
    return 0;
}
