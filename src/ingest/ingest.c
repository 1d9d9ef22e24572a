#include "ingest/ingest.h"

#include "events/error_event.h"
#include "ingest/parsed.h"
#include "ingest/writer.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS        64
#define MAX_OUTSTANDING    200000 /* files added and not yet final, over all ingestions */
#define MAX_RESULTS        10000  /* per-file results kept for ingestion_complete */
#define MAX_RESULT_BYTES   (1u << 20) /* their entries, serialised: the event is one frame to every dashboard */
#define RESULT_ENTRY_BYTES 40 /* an entry's keys, quotes and status: {"file":"","status":"processed"}, */
#define MIN_INFLIGHT       16 /* parsed files in memory at once, at least (group commit, docs/ingest.md) */
/*
 * Small files (docs/ingest.md "twelfth round"): up to SMALL_INFLIGHT of them in flight while they hold
 * at most SMALL_INFLIGHT_BYTES together, and the writer gathers the ones still being parsed while what
 * it holds is under GATHER_BYTES (gather), so a group commit takes dozens of them.
 */
#define SMALL_INFLIGHT       64
#define SMALL_INFLIGHT_BYTES ((int64_t)4 << 20)
#define GATHER_MS            5
#define GATHER_MAX_MS        50
#define GATHER_BYTES         ((int64_t)256 << 10)

typedef struct file_result {
    char *name, *error;
    const char *status;
} file_result_t;

typedef struct ingestion {
    struct ingestion *next;
    char id[INGEST_ID_MAX];
    char *source, *project, *repository, *branch;
    sql_dialect_t dialect;
    /* Taken together when it is accepted: the row's started_at and the event's duration both count
     * from here, not from the writer's turn (a slow disk delays that turn, not the ingestion's start). */
    int64_t started_ms, started_mono_ms;
    int ended;    /* under the lock: ingest_end or ingest_fail was called */
    int announce; /* ingestion_started goes out at its CMD_BEGIN (ingest_meta_t.announce) */
    int visible; /* under the lock: when_visible said queries see its files */
    int unclaimed; /* writer thread: its submitter stopped waiting before it was recorded */
    /* Writer thread only. */
    int input_complete, started_published, awaiting_visible;
    char *fail_message;
    size_t total, done, processed, failed, skipped;
    size_t warned;   /* processed files whose lineage was cut at a bound (their `warning`) */
    size_t expected; /* files announced before they are added (ingest_expect_files) */
    int64_t nodes_created;
    file_result_t *results;
    size_t nresults, results_cap, results_omitted, results_bytes;
} ingestion_t;

typedef struct job {
    struct job *next;
    ingestion_t *ing;
    writer_file_t file; /* strings owned by the job */
    char *skip_reason;  /* recorded as skipped, never read */
    parsed_file_t *parsed;
    int64_t bytes; /* its size on disk when queued for a worker (pend), in in->inflight_bytes till stored */
    char known_sha256[SHA256_HEX_LEN]; /* its path's current version when handed out: not parsed if equal */
} job_t;

enum cmd_type { CMD_BEGIN, CMD_ADD, CMD_END, CMD_FAIL, CMD_COMMIT, CMD_BRANCH, CMD_NOTE, CMD_EXPECT };

typedef struct cmd {
    struct cmd *next;
    enum cmd_type type;
    ingestion_t *ing;
    char *disk_path, *name, *text; /* text: skip reason, commit, note or failure */
    int owned;
    int64_t skip_size; /* CMD_ADD of a skipped file: its size, or -1 */
    int lost; /* an added file the writer could not take (out of memory): final as an error */
    double percentage;
    size_t count;                /* CMD_EXPECT */
    ingest_recorded_fn recorded; /* CMD_END of ingest_submit: told when the batch is committed */
    ingest_claim_fn claim;       /* and asked first whether to record it at all */
    void *ud;
} cmd_t;

typedef struct queue {
    void *head, *tail; /* cmd_t or job_t: both start with `next` */
} queue_t;

struct ingest {
    ingest_opts_t opts;
    pthread_mutex_t mu;
    pthread_cond_t writer_cv, worker_cv;
    queue_t cmds, parse, parsed; /* to the writer, to the workers, back to the writer */
    ingestion_t *live;
    size_t outstanding;
    int closing, drain, workers_stop;
    int ready, broken; /* the writer has read the graph (broken: it could not); commands wait till then */
    int newly_visible; /* an ingestion's `visible` was set: the writer ends it */
    pthread_cond_t ready_cv;
    atomic_int stop; /* workers abandon the file they read; the writer its start-up read */
    pthread_t writer_thread, workers[MAX_WORKERS];
    int nworkers, writer_started;
    /* What the workers' parsing and the writer thread cost in CPU, logged at close (docs/ingest.md). */
    int64_t parse_ns, parse_bytes, writer_ns;
    size_t parse_files, hashed_only, reparsed; /* reparsed: hashed only, then their path changed */
    /* Writer thread only. */
    writer_t *w;
    int64_t last_snapshot_ms;
    queue_t pending; /* added files waiting for a worker */
    size_t inflight, max_inflight;
    int64_t inflight_bytes;
};

const char *ingest_strerror(int code)
{
    switch(code) {
    case INGEST_OK: return "ok";
    case INGEST_ERR_NOMEM: return "out of memory";
    case INGEST_ERR_ARG: return "invalid argument";
    case INGEST_ERR_UNKNOWN: return "no such ingestion, or it has ended";
    case INGEST_ERR_BUSY: return "too many files are waiting to be ingested; try again later";
    case INGEST_ERR_STORE: return "the database could not record the ingestion";
    case INGEST_ERR_CLOSED: return "ingestion is shutting down";
    case INGEST_ERR_EXPIRED: return "its submitter stopped waiting before it was recorded";
    }
    return "unknown ingest error";
}

/* The extensions of SQL sources we parse (dialect-specific ones included). */
int ingest_supported_name(const char *name)
{
    static const char *const exts[] = {".sql",  ".ddl",   ".dml", ".hql",     ".pls",   ".pks",  ".pkb",  ".plb",
                                       ".prc",  ".fnc",   ".trg", ".vw",      ".tab",   ".bteq", ".psql", ".pgsql",
                                       ".tsql", ".spsql", ".udf", ".snowsql", ".bqsql", NULL};
    const char *dot = name ? strrchr(name, '.') : NULL;
    if(!dot || dot == name || strchr(dot, '/'))
        return 0;
    for(const char *const *e = exts; *e; e++) {
        if(strcasecmp(dot, *e) == 0)
            return 1;
    }
    return 0;
}

static void push(queue_t *q, void *item)
{
    *(void **)item = NULL;
    if(q->tail)
        *(void **)q->tail = item;
    else
        q->head = item;
    q->tail = item;
}

static void *pop(queue_t *q)
{
    void *item = q->head;
    if(item) {
        q->head = *(void **)item;
        if(!q->head)
            q->tail = NULL;
    }
    return item;
}

static void *take_all(queue_t *q)
{
    void *head = q->head;
    q->head = q->tail = NULL;
    return head;
}

/* ---- ingestions ---- */

static void ingestion_free(ingestion_t *ing)
{
    if(!ing)
        return;
    util_free(ing->source);
    util_free(ing->project);
    util_free(ing->repository);
    util_free(ing->branch);
    util_free(ing->fail_message);
    for(size_t i = 0; i < ing->nresults; i++) {
        util_free(ing->results[i].name);
        util_free(ing->results[i].error);
    }
    util_free(ing->results);
    util_free(ing);
}

static char *dup_or_null(const char *s)
{
    return s ? util_strdup(s) : NULL;
}

static ingestion_t *ingestion_new(const char *id, const char *source, const char *project, const char *repository,
                                  const char *branch, sql_dialect_t dialect)
{
    ingestion_t *ing = util_calloc(1, sizeof(*ing));
    if(!ing)
        return NULL;
    snprintf(ing->id, sizeof(ing->id), "%s", id);
    ing->source = util_strdup(source);
    ing->project = util_strdup(project && *project ? project : "default");
    ing->repository = dup_or_null(repository);
    ing->branch = dup_or_null(branch);
    ing->dialect = dialect;
    ing->started_ms = time_now_ms();
    ing->started_mono_ms = time_mono_ms();
    if(!ing->source || !ing->project || (repository && !ing->repository) || (branch && !ing->branch)) {
        ingestion_free(ing);
        return NULL;
    }
    return ing;
}

static ingestion_t *find_live(ingest_t *in, const char *id)
{
    for(ingestion_t *ing = in->live; ing; ing = ing->next) {
        if(strcmp(ing->id, id) == 0)
            return ing;
    }
    return NULL;
}

static void unlink_live(ingest_t *in, ingestion_t *ing)
{
    pthread_mutex_lock(&in->mu);
    for(ingestion_t **pp = &in->live; *pp; pp = &(*pp)->next) {
        if(*pp == ing) {
            *pp = ing->next;
            break;
        }
    }
    pthread_mutex_unlock(&in->mu);
}

/* ---- events (writer thread) ---- */

static void publish(ingest_t *in, const char *type, json_t *data)
{
    if(!data)
        return;
    if(!in->opts.bus) {
        json_decref(data);
        return;
    }
    int rc = bus_publish(in->opts.bus, type, data);
    if(rc)
        log_warn("ingest.event_dropped", "type=%s reason=\"%s\"", type, bus_strerror(rc));
}

/* The files an ingestion has, or will have when announced before they are added. */
static size_t total_of(const ingestion_t *ing)
{
    return ing->total > ing->expected ? ing->total : ing->expected;
}

/*
 * ingestion_started goes out once the first files are known, so it carries a real total, or at the
 * begin of an ingestion that announces itself. Either way it is the ingestion's first event.
 */
static void ensure_started(ingest_t *in, ingestion_t *ing)
{
    if(ing->started_published)
        return;
    ing->started_published = 1;
    publish(in, "ingestion_started",
            json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s?, s:s}", "ingestion_id", ing->id, "source", ing->source,
                      "total_files", (json_int_t)total_of(ing), "project_id", ing->project, "repository",
                      ing->repository, "branch", ing->branch, "dialect", sql_dialect_name(ing->dialect)));
}

/*
 * files_processed, files_failed and files_skipped count as ingestion_complete's do; percentage is of
 * the files done (all three) against the total known. A note (a clone's) brings its own percentage.
 * `final` marks the last progress of an ingestion (its input is complete and every file done), which
 * the broadcast throttle always delivers: counts alone cannot say it, since a clone's notes carry
 * 0 of 0 files before the selection is known.
 */
static void publish_progress(ingest_t *in, ingestion_t *ing, const char *file, const char *status, const char *error,
                             const char *note, double percentage)
{
    ensure_started(in, ing);
    size_t total = total_of(ing);
    if(percentage < 0)
        percentage = total ? 100.0 * (double)ing->done / (double)total : 0.0;
    json_t *data = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:f, s:I, s:s?}", "ingestion_id", ing->id,
                             "current_file", file, "status", status, "files_processed", (json_int_t)ing->processed,
                             "files_failed", (json_int_t)ing->failed, "files_skipped", (json_int_t)ing->skipped,
                             "total_files", (json_int_t)total, "percentage", percentage, "nodes_created",
                             (json_int_t)ing->nodes_created, "error", strcmp(status, "processed") == 0 ? NULL : error);
    if(data && error && strcmp(status, "processed") == 0) /* a processed file's sentence: what was cut */
        json_object_set_new(data, "warning", json_string(error));
    if(data && note)
        json_object_set_new(data, "note", json_string(note));
    if(data)
        json_object_set_new(data, "final", json_boolean(!note && ing->input_complete && ing->done >= total));
    publish(in, "ingestion_progress", data);
}

/* Bytes of `s` as a JSON string's content (jansson, no ASCII escaping), at most: \" \\ and \u00XX. */
static size_t json_text_len(const char *s)
{
    size_t n = 0;
    for(const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p == '"' || *p == '\\' ? 2 : *p < 0x20 ? 6 : 1;
    return n;
}

/* A file reached its final state: counts, results, callbacks, progress; its upload copy is removed. */
static void count_final(ingestion_t *ing, const char *name, const char *status, const char *error,
                        int64_t nodes_created)
{
    ing->done++;
    ing->nodes_created += nodes_created;
    if(strcmp(status, "processed") == 0) {
        ing->processed++;
        ing->warned += error != NULL;
    } else if(strcmp(status, "skipped") == 0) {
        ing->skipped++;
    } else {
        ing->failed++;
    }
    if(ing->nresults == ing->results_cap && ing->results_cap < MAX_RESULTS) {
        size_t cap = ing->results_cap ? ing->results_cap * 2 : 16;
        cap = cap > MAX_RESULTS ? MAX_RESULTS : cap;
        file_result_t *grown = util_realloc(ing->results, cap * sizeof(*grown));
        if(grown) {
            ing->results = grown;
            ing->results_cap = cap;
        }
    }
    /*
     * A client that reads nothing keeps a copy of what its socket refused of one frame: 10,000
     * names of a repository's 4 KiB paths made a 40 MB ingestion_complete, that much per client.
     * Counted as publish_complete writes it: a failed file's name twice (files, errors), a warned
     * one's twice and its warning twice (files, warnings); a skipped file's reason is not sent.
     */
    const char *sent = strcmp(status, "skipped") == 0 ? NULL : error;
    size_t bytes = json_text_len(name) + RESULT_ENTRY_BYTES;
    if(sent)
        bytes += json_text_len(name) + RESULT_ENTRY_BYTES + json_text_len(sent) * (strcmp(status, "processed") ? 1 : 2);
    file_result_t *r = ing->nresults < ing->results_cap && ing->results_bytes + bytes <= MAX_RESULT_BYTES
                           ? &ing->results[ing->nresults]
                           : NULL;
    if(r && (r->name = util_strdup(name))) {
        r->status = status;
        r->error = dup_or_null(sent);
        ing->nresults++;
        ing->results_bytes += bytes;
    } else {
        ing->results_omitted++;
    }
}

static void file_final(ingest_t *in, ingestion_t *ing, const char *name, const char *disk_path, int owned,
                       const char *status, const char *error, int64_t nodes_created)
{
    count_final(ing, name, status, error, nodes_created);
    if(owned && disk_path && unlink(disk_path) && errno != ENOENT)
        log_warn("ingest.unlink_failed", "ingestion=%s reason=\"%s\"", ing->id, strerror(errno));
    if(in->opts.on_file) {
        ingest_file_event_t ev = {ing->id, name, status, error, ing->done, total_of(ing)};
        in->opts.on_file(in->opts.ud, &ev);
    }
    publish_progress(in, ing, name, status, error, NULL, -1);
    pthread_mutex_lock(&in->mu);
    in->outstanding--;
    pthread_mutex_unlock(&in->mu);
}

/*
 * What an error of the ingestion itself (a failed clone) names in errors[].file: the repository
 * ("owner/name", or the upload's repository_name), else the project. Never a path of this machine:
 * `lineaged ingest` gives no repository.
 */
static const char *ingestion_label(const ingestion_t *ing)
{
    return ing->repository && *ing->repository ? ing->repository : ing->project;
}

static void publish_complete(ingest_t *in, ingestion_t *ing, const char *status, int64_t elapsed_ms)
{
    ensure_started(in, ing);
    json_t *files = json_array(), *errors = json_array(), *warnings = json_array();
    for(size_t i = 0; files && errors && warnings && i < ing->nresults; i++) {
        const file_result_t *r = &ing->results[i];
        /* a processed file's sentence says where its lineage was cut: a warning, beside the errors */
        const char *warning = r->error && strcmp(r->status, "processed") == 0 ? r->error : NULL;
        json_array_append_new(files,
                              json_pack("{s:s, s:s, s:s*}", "file", r->name, "status", r->status, "warning", warning));
        if(r->error && strcmp(r->status, "error") == 0)
            json_array_append_new(errors, json_pack("{s:s, s:s}", "file", r->name, "error", r->error));
        if(warning)
            json_array_append_new(warnings, json_pack("{s:s, s:s}", "file", r->name, "warning", warning));
    }
    if(ing->fail_message)
        json_array_append_new(errors,
                              json_pack("{s:s, s:s}", "file", ingestion_label(ing), "error", ing->fail_message));
    double secs = (double)elapsed_ms / 1000.0;
    json_t *data = json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:I}", "ingestion_id", ing->id,
                             "source", ing->source, "status", status, "files", files ? files : json_array(),
                             "files_processed", (json_int_t)ing->processed, "files_failed", (json_int_t)ing->failed,
                             "files_skipped", (json_int_t)ing->skipped, "total_files", (json_int_t)ing->total,
                             "total_nodes_created", (json_int_t)ing->nodes_created, "duration_seconds", secs, "errors",
                             errors ? errors : json_array(), "files_omitted", (json_int_t)ing->results_omitted);
    if(data) {
        json_object_set_new(data, "files_warned", json_integer((json_int_t)ing->warned));
        json_object_set_new(data, "warnings", warnings ? warnings : json_array());
    } else {
        json_decref(warnings);
    }
    publish(in, "ingestion_complete", data);
}

typedef struct visible_arg {
    ingest_t *in;
    ingestion_t *ing;
} visible_arg_t;

/* when_visible's callback, from any thread: the writer ends the ingestion at its next turn. */
static void ingestion_visible(void *arg)
{
    visible_arg_t *v = arg;
    pthread_mutex_lock(&v->in->mu);
    v->ing->visible = 1;
    v->in->newly_visible = 1;
    pthread_cond_signal(&v->in->writer_cv);
    pthread_mutex_unlock(&v->in->mu);
    util_free(v);
}

/*
 * 1 once queries can see the ingestion's files. The first call asks when_visible; until it answers,
 * the ingestion stays `running` in the database and in memory (its files are all final by then).
 */
static int visible_yet(ingest_t *in, ingestion_t *ing)
{
    if(!in->opts.bus || !in->opts.when_visible)
        return 1;
    if(!ing->awaiting_visible) {
        visible_arg_t *v = util_malloc(sizeof(*v));
        if(!v)
            return 1; /* ending it now is better than never */
        *v = (visible_arg_t){in, ing};
        ing->awaiting_visible = 1;
        in->opts.when_visible(in->opts.ud, ingestion_visible, v);
    }
    pthread_mutex_lock(&in->mu);
    int visible = ing->visible;
    pthread_mutex_unlock(&in->mu);
    return visible;
}

/* Stores the ingestion's final status, publishes ingestion_complete and forgets it. */
static void finish(ingest_t *in, ingestion_t *ing)
{
    const char *status = ing->fail_message                          ? "failed"
                         : ing->failed && ing->failed == ing->total ? "failed"
                         : ing->failed                              ? "completed_with_errors"
                                                                    : "completed";
    writer_totals_t t = {(int64_t)ing->total, (int64_t)ing->processed, (int64_t)ing->failed, (int64_t)ing->skipped,
                         ing->nodes_created};
    /* one measurement for the row and the event (a wall-clock step between them moves neither) */
    int64_t elapsed_ms = time_mono_ms() - ing->started_mono_ms;
    if(writer_ingestion_finish(in->w, ing->id, status, &t, ing->fail_message, ing->started_ms + elapsed_ms))
        log_error("ingest.finish_failed", "ingestion=%s", ing->id);
    log_info("ingest.completed", "ingestion=%s status=%s files=%zu processed=%zu failed=%zu skipped=%zu nodes=%lld",
             ing->id, status, ing->total, ing->processed, ing->failed, ing->skipped, (long long)ing->nodes_created);
    publish_complete(in, ing, status, elapsed_ms);
    if(in->opts.stats)
        stats_ingestion_end(in->opts.stats);
    unlink_live(in, ing);
    ingestion_free(ing);
}

/* Ends an ingestion whose input is complete and whose files are all final and visible to queries. */
static void maybe_complete(ingest_t *in, ingestion_t *ing)
{
    if(!ing->input_complete || ing->done < ing->total || !visible_yet(in, ing))
        return;
    finish(in, ing);
}

/* ---- writer thread ---- */

static int recover(ingest_t *in);

static void job_free(job_t *j)
{
    if(!j)
        return;
    util_free((char *)j->file.disk_path);
    util_free((char *)j->file.path);
    util_free(j->skip_reason);
    parsed_file_free(j->parsed);
    util_free(j);
}

static void cmd_free(cmd_t *c)
{
    util_free(c->disk_path);
    util_free(c->name);
    util_free(c->text);
    util_free(c);
}

static cmd_t *cmd_new(enum cmd_type type, const char *text)
{
    cmd_t *c = util_calloc(1, sizeof(*c));
    if(!c)
        return NULL;
    c->type = type;
    if(text && !(c->text = util_strdup(text))) {
        util_free(c);
        return NULL;
    }
    return c;
}

/* Shutdown drops commands not yet run: an upload they carried was never recorded, so remove it. */
static void cmd_discard(cmd_t *c, int why)
{
    if(c->type == CMD_ADD && c->owned && c->disk_path && c->disk_path[0])
        unlink(c->disk_path);
    if(c->recorded)
        c->recorded(c->ud, c->ing ? c->ing->id : "", why);
    cmd_free(c);
}

static void discard_cmds(ingest_t *in, int why)
{
    for(cmd_t *c = take_all(&in->cmds), *next; c; c = next) {
        next = c->next;
        cmd_discard(c, why);
    }
}

static job_t *job_new(ingestion_t *ing, const char *disk_path, const char *name, int owned)
{
    job_t *j = util_calloc(1, sizeof(*j));
    if(!j)
        return NULL;
    j->ing = ing;
    j->file.ingestion_id = ing->id;
    j->file.project = ing->project;
    j->file.repository = ing->repository;
    j->file.disk_path = util_strdup(disk_path);
    j->file.path = util_strdup(name);
    j->file.owned = owned;
    if(!j->file.disk_path || !j->file.path) {
        job_free(j);
        return NULL;
    }
    return j;
}

/*
 * A file waits for a worker. Its size, which dispatch weighs under the lock callers take, is read
 * here, off that lock: a stat() can wait on the disk (writer thread).
 */
static void pend(ingest_t *in, job_t *j)
{
    struct stat st;
    j->bytes = stat(j->file.disk_path, &st) == 0 && st.st_size > 0 ? (int64_t)st.st_size : 0;
    push(&in->pending, j);
}

/* Before a commit; before the start-up read it stands in for a long read, which a stop cuts short. */
static void debug_slow(ingest_t *in, int stoppable)
{
    int ms = in->opts.debug_slow_ms;
    if(ms <= 0)
        return;
    if(!stoppable) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        return;
    }
    struct timespec at = time_after_ns(CLOCK_REALTIME, (int64_t)ms * 1000000);
    pthread_mutex_lock(&in->mu);
    while(!atomic_load(&in->stop) && pthread_cond_timedwait(&in->writer_cv, &in->mu, &at) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&in->mu);
}

/*
 * Submissions whose claim is refused (the upload was answered 503 while the writer was busy) are
 * taken out of the batch before any row of them is written: their files removed, their ingestion
 * forgotten. An ingest_submit's commands are queued together, so all of them are in this batch.
 */
static cmd_t *drop_unclaimed(ingest_t *in, cmd_t *list)
{
    for(cmd_t *c = list; c; c = c->next) {
        if(c->claim && c->claim(c->ud, c->ing->id))
            c->ing->unclaimed = 1;
    }
    cmd_t *kept = NULL, **tail = &kept;
    for(cmd_t *c = list, *next; c; c = next) {
        next = c->next;
        c->next = NULL;
        ingestion_t *ing = c->ing;
        if(!ing->unclaimed) {
            *tail = c;
            tail = &c->next;
            continue;
        }
        /* its last command: the ending of a submission, or the beginning of one begun recorded (nothing
         * else of it is queued before its recording is told) */
        int adds = c->type == CMD_ADD, ends = c->type == CMD_END || (c->type == CMD_BEGIN && c->claim);
        ing->total += adds;
        if(ends)
            log_warn("ingest.unclaimed",
                     "ingestion=%s files=%zu reason=\"its submitter stopped waiting before the writer got to it (an "
                     "upload or a GitHub request answered 503 at --api-timeout): nothing of it was recorded\"",
                     ing->id, ing->total);
        cmd_discard(c, INGEST_ERR_EXPIRED);
        if(adds) {
            pthread_mutex_lock(&in->mu);
            in->outstanding--;
            pthread_mutex_unlock(&in->mu);
        }
        if(ends) {
            unlink_live(in, ing);
            if(in->opts.stats)
                stats_ingestion_end(in->opts.stats);
            ingestion_free(ing);
        }
    }
    return kept;
}

/*
 * Commands arrive in batches: their rows go in one transaction. After a failure the rest of the batch
 * still runs in memory, so every file added is made final and every ending ends its ingestion.
 */
static void run_commands(ingest_t *in, cmd_t *list)
{
    debug_slow(in, 0);
    int rc = writer_begin(in->w);
    queue_t added = {0};
    for(cmd_t *c = list; c; c = c->next) {
        ingestion_t *ing = c->ing;
        switch(c->type) {
        case CMD_BEGIN: {
            writer_ingestion_t row = {
                ing->id, ing->source, ing->project, ing->repository, ing->branch, NULL, sql_dialect_name(ing->dialect)};
            rc = rc ? rc : writer_ingestion_insert(in->w, &row, ing->started_ms);
            if(ing->announce)
                ensure_started(in, ing);
            break;
        }
        case CMD_ADD: {
            ing->total++;
            job_t *j = job_new(ing, c->disk_path, c->name, c->owned);
            if(!j) {
                c->lost = 1;
                rc = rc ? rc : -1;
                break;
            }
            j->skip_reason = c->text;
            j->file.skip_size = c->skip_size;
            c->text = NULL;
            rc = rc ? rc : writer_file_add(in->w, &j->file, j->skip_reason);
            push(&added, j);
            break;
        }
        case CMD_END:
        case CMD_FAIL:
            if(c->type == CMD_FAIL) {
                ing->fail_message = c->text;
                c->text = NULL;
            }
            ing->input_complete = 1;
            rc = rc ? rc : writer_ingestion_input_complete(in->w, ing->id, (int64_t)ing->total);
            break;
        case CMD_COMMIT: rc = rc ? rc : writer_ingestion_set_commit(in->w, ing->id, c->text); break;
        case CMD_BRANCH:
            rc = rc ? rc : writer_ingestion_set_branch(in->w, ing->id, c->text);
            util_free(ing->branch);
            ing->branch = c->text;
            c->text = NULL;
            break;
        case CMD_NOTE: break;
        case CMD_EXPECT:
            ing->expected = c->count;
            ensure_started(in, ing);
            break;
        }
    }
    rc = rc ? rc : writer_commit(in->w);
    if(in->opts.stats)
        stats_db_write(in->opts.stats, !rc);
    if(rc) {
        writer_rollback(in->w);
        log_error("ingest.batch_failed", "reason=\"the database refused the new ingestion rows\"");
        if(in->opts.bus)
            error_event_raise(in->opts.bus, "ingestion_failed", ERROR_SEVERITY_ERROR,
                              "The database could not record new files for ingestion.");
    }
    for(job_t *j = take_all(&added), *next; j; j = next) {
        next = j->next;
        if(rc || j->skip_reason) {
            file_final(in, j->ing, j->file.path, j->file.disk_path, j->file.owned, rc ? "error" : "skipped",
                       rc ? "the database could not record the file" : j->skip_reason, 0);
            job_free(j);
        } else {
            pend(in, j);
        }
    }
    for(cmd_t *c = list; c; c = c->next) {
        if(c->lost)
            file_final(in, c->ing, c->name, c->disk_path, c->owned, "error", "out of memory", 0);
        else if(c->type == CMD_NOTE)
            publish_progress(in, c->ing, NULL, "cloning", NULL, c->text, c->percentage);
        if(rc && c->type == CMD_END && !c->ing->fail_message)
            c->ing->fail_message = util_strdup("The database could not record this ingestion.");
        if(c->recorded) {
            c->recorded(c->ud, c->ing->id, rc ? INGEST_ERR_STORE : INGEST_OK);
            c->recorded = NULL;
        }
    }
}

#define SNAPSHOT_KEEP_S (8 * 24 * 3600) /* longer than the longest --trend-window */

/* The counters as they are now, kept for trends after a restart; at most once per interval. */
static void snapshot(ingest_t *in)
{
    int64_t now = time_mono_ms();
    if(in->opts.snapshot_interval_s <= 0 ||
       (in->last_snapshot_ms && now - in->last_snapshot_ms < (int64_t)(in->opts.snapshot_interval_s * 1000)))
        return;
    in->last_snapshot_ms = now;
    stats_t *st = in->opts.stats;
    if(writer_snapshot(in->w, atomic_load(&st->nodes), atomic_load(&st->edges), atomic_load(&st->files_processed),
                       SNAPSHOT_KEEP_S))
        log_warn("ingest.snapshot_failed", "reason=\"the counters could not be stored\"");
}

/* A parsed file's outcome from the writer, made public: only once its transaction has committed. */
static void file_stored(ingest_t *in, job_t *j, int rc, writer_result_t *res)
{
    ingestion_t *ing = j->ing;
    if(in->opts.stats)
        stats_db_write(in->opts.stats, !rc);
    if(rc) {
        writer_file_state(in->w, j->file.id, "error", "the database could not store the file's lineage", j->parsed);
        file_final(in, ing, j->file.path, j->file.disk_path, j->file.owned, "error",
                   "the database could not store the file's lineage", 0);
        if(in->opts.bus)
            error_event_raise(in->opts.bus, "ingestion_failed", ERROR_SEVERITY_ERROR,
                              "A file's lineage could not be stored in the database.");
        return;
    }
    if(!res->duplicate) {
        if(in->opts.stats) {
            snapshot(in); /* the counters as they stood since the last change */
            stats_ingest_committed(in->opts.stats, &res->delta);
        }
        if(in->opts.on_commit)
            in->opts.on_commit(in->opts.ud);
    }
    file_final(in, ing, j->file.path, j->file.disk_path, j->file.owned, res->status,
               res->duplicate ? "duplicate: the same content is already current" : res->error, res->nodes_created);
    util_free(res->error);
    res->error = NULL;
}

void ingest_group_counts(const ingest_t *in, int64_t *groups, int64_t *files)
{
    writer_group_counts(in->w, groups, files);
}

void ingest_load_counts(ingest_t *in, size_t *loaded, size_t *hashed_only, size_t *reparsed)
{
    pthread_mutex_lock(&in->mu);
    *loaded = in->parse_files;
    *hashed_only = in->hashed_only;
    *reparsed = in->reparsed;
    pthread_mutex_unlock(&in->mu);
}

static int parsed_ok(const job_t *j)
{
    return j->parsed && j->parsed->outcome == PARSED_OK;
}

/* A file that did not parse (unreadable, binary, too large, abandoned by a shutdown): no graph rows. */
static void store_unparsed(ingest_t *in, job_t *j)
{
    parsed_file_t *p = j->parsed;
    ingestion_t *ing = j->ing;
    if(p && atomic_load(&in->stop) && !in->drain) {
        /* Abandoned by a shutdown: the row stays 'processing' and the next start takes it up again. */
        return;
    }
    const char *status = p && p->outcome == PARSED_SKIPPED ? "skipped" : "error";
    const char *why = p && p->reason ? p->reason : "out of memory";
    if(writer_file_state(in->w, j->file.id, status, why, p))
        log_error("ingest.file_state_failed", "ingestion=%s", ing->id);
    file_final(in, ing, j->file.path, j->file.disk_path, j->file.owned, status, why, 0);
}

/*
 * Files that were read and hashed only (their content was their path's current version when handed
 * out) go first, so that nothing in their group changes that version before they are found to be
 * duplicates; those whose path got another version meanwhile (another ingestion's file committed)
 * go back to the workers for a parse. Returns the list to store.
 */
static job_t *hashed_first(ingest_t *in, job_t *list)
{
    job_t *hashed = NULL, **htail = &hashed, *rest = NULL, **rtail = &rest;
    for(job_t *j = list, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        char now[SHA256_HEX_LEN];
        if(!parsed_ok(j) || !j->parsed->hashed_only) {
            *rtail = j;
            rtail = &j->next;
        } else if(writer_current_sha(in->w, &j->file, now) > 0 && strcmp(now, j->parsed->sha256) == 0) {
            *htail = j;
            htail = &j->next;
        } else {
            parsed_file_free(j->parsed);
            j->parsed = NULL;
            j->known_sha256[0] = '\0';
            pthread_mutex_lock(&in->mu);
            in->reparsed++;
            push(&in->parse, j);
            pthread_cond_signal(&in->worker_cv);
            pthread_mutex_unlock(&in->mu);
        }
    }
    *htail = rest;
    return hashed;
}

/*
 * The parsed files waiting for the writer, all at once: those without rows alone, the rest through
 * writer_store_files, several to a transaction when several are waiting (group commit). Each
 * file's events and counters follow its own commit. Returns the files stored (hashed_first).
 */
static job_t *store_parsed(ingest_t *in, job_t *list)
{
    list = hashed_first(in, list);
    size_t n = 0;
    for(job_t *j = list; j; j = j->next) {
        if(parsed_ok(j))
            n++;
        else
            store_unparsed(in, j);
    }
    job_t **jobs = n ? util_calloc(n, sizeof(*jobs)) : NULL;
    const writer_file_t **files = n ? util_calloc(n, sizeof(*files)) : NULL;
    const parsed_file_t **parsed = n ? util_calloc(n, sizeof(*parsed)) : NULL;
    writer_result_t *res = n ? util_calloc(n, sizeof(*res)) : NULL;
    int *rc = n ? util_calloc(n, sizeof(*rc)) : NULL;
    if(n && (!jobs || !files || !parsed || !res || !rc))
        n = 0; /* out of memory: each file alone, below */
    size_t k = 0;
    for(job_t *j = list; j; j = j->next) {
        if(!parsed_ok(j))
            continue;
        if(!n) {
            writer_result_t one;
            file_stored(in, j, writer_store_file(in->w, &j->file, j->parsed, &one), &one);
            continue;
        }
        jobs[k] = j;
        files[k] = &j->file;
        parsed[k++] = j->parsed;
    }
    if(n)
        writer_store_files(in->w, n, files, parsed, res, rc);
    for(size_t i = 0; i < n; i++)
        file_stored(in, jobs[i], rc[i], &res[i]);
    util_free(jobs);
    util_free(files);
    util_free(parsed);
    util_free(res);
    util_free(rc);
    return list;
}

/*
 * Whether a file of `bytes` may go to the workers: max_inflight files whatever their size, or up to
 * SMALL_INFLIGHT while those in flight hold SMALL_INFLIGHT_BYTES at most.
 */
static int has_room(const ingest_t *in, int64_t bytes)
{
    if(in->inflight < in->max_inflight)
        return 1;
    return in->inflight < SMALL_INFLIGHT && in->inflight_bytes + bytes <= SMALL_INFLIGHT_BYTES;
}

/* Hands waiting files to the workers, keeping the parsed files in memory bounded (has_room). */
static void dispatch(ingest_t *in)
{
    int64_t ids[64];
    job_t *sent[64];
    size_t n = 0;
    pthread_mutex_lock(&in->mu);
    /* Refill in batches (below half): each batch costs one 'processing' update. */
    int refill = in->inflight <= in->max_inflight / 2;
    while(refill && in->pending.head && n < 64 && !(atomic_load(&in->stop) && !in->drain)) {
        job_t *j = in->pending.head;
        if(!has_room(in, j->bytes))
            break;
        pop(&in->pending);
        in->inflight++;
        in->inflight_bytes += j->bytes;
        ids[n] = j->file.id;
        sent[n++] = j;
    }
    pthread_mutex_unlock(&in->mu);
    if(!n)
        return;
    if(writer_files_processing(in->w, ids, n))
        log_error("ingest.file_state_failed", "what=processing");
    for(size_t i = 0; i < n; i++)
        if(writer_current_sha(in->w, &sent[i]->file, sent[i]->known_sha256) < 0)
            sent[i]->known_sha256[0] = '\0'; /* out of memory: parsed as any file */
    for(size_t i = 0; i < n; i++)
        publish_progress(in, sent[i]->ing, sent[i]->file.path, "processing", NULL, NULL, -1);
    pthread_mutex_lock(&in->mu);
    for(size_t i = 0; i < n; i++)
        push(&in->parse, sent[i]);
    pthread_cond_broadcast(&in->worker_cv);
    pthread_mutex_unlock(&in->mu);
}

static void complete_ready(ingest_t *in)
{
    pthread_mutex_lock(&in->mu);
    ingestion_t *ing = in->live;
    pthread_mutex_unlock(&in->mu);
    while(ing) {
        pthread_mutex_lock(&in->mu);
        ingestion_t *next = ing->next;
        pthread_mutex_unlock(&in->mu);
        maybe_complete(in, ing);
        ing = next;
    }
}

static int writer_done(ingest_t *in)
{
    if(!in->closing)
        return 0;
    if(in->drain)
        return !in->cmds.head && !in->parsed.head && !in->pending.head && in->inflight == 0;
    return !in->parsed.head && in->inflight == 0;
}

/*
 * The graph's state and what the last run left unfinished, read here rather than in ingest_open: a
 * large graph takes seconds, which would hold up the server's start and a shutdown asked for then.
 * Commands queue meanwhile. 0, or -1 when stopped or the database failed (then nothing will run).
 */
static int load(ingest_t *in)
{
    debug_slow(in, 1);
    int rc = writer_load(in->w, &in->stop);
    /* a stop interrupts recover's queries (duckdb_interrupt): that failure is the stop, not an error */
    if(!rc && !atomic_load(&in->stop) && recover(in) && !atomic_load(&in->stop)) {
        log_error("ingest.recover_failed", "reason=\"cannot read unfinished ingestions\"");
        rc = -1;
    }
    int stopped = atomic_load(&in->stop);
    pthread_mutex_lock(&in->mu);
    in->ready = 1;
    in->broken = rc || stopped;
    pthread_cond_broadcast(&in->ready_cv);
    if(in->broken)
        discard_cmds(in, stopped ? INGEST_ERR_CLOSED : INGEST_ERR_STORE);
    pthread_mutex_unlock(&in->mu);
    if(stopped) {
        log_info("ingest.load_stopped",
                 "reason=\"shutdown during the start-up read; the rest of it runs at the next start\"");
        return -1;
    }
    if(rc) {
        log_error("ingest.unavailable", "reason=\"the graph could not be read from the database\"");
        if(in->opts.stats)
            stats_db_write(in->opts.stats, 0); /* nothing can be stored: /health says so */
        if(in->opts.bus)
            error_event_raise(in->opts.bus, "ingestion_failed", ERROR_SEVERITY_ERROR,
                              "Ingestion is unavailable: the graph could not be read from the database.");
    }
    return rc;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * Small files parsed while others of theirs are still being parsed: the writer waits for those, as
 * long as each comes within GATHER_MS of the one before and for GATHER_MAX_MS at most, so that they
 * share one commit (~20 M instructions each) instead of the workers' timing splitting them into
 * many. A lone file, a list of GATHER_BYTES or more, or a command waiting never waits. Called and
 * returns with in->mu held.
 */
static job_t *gather(ingest_t *in, job_t *list)
{
    size_t n = 0;
    int64_t bytes = 0;
    job_t *tail = NULL;
    for(job_t *j = list; j; j = j->next, n++) {
        bytes += j->bytes;
        tail = j;
    }
    int64_t start = time_mono_ms(), last = start;
    while(list && n < in->inflight && n < SMALL_INFLIGHT && bytes < GATHER_BYTES && !in->cmds.head &&
          !atomic_load(&in->stop)) {
        int64_t now = time_mono_ms();
        int64_t left = last + GATHER_MS < start + GATHER_MAX_MS ? last + GATHER_MS - now : start + GATHER_MAX_MS - now;
        if(left <= 0)
            break;
        struct timespec at = time_after_ns(CLOCK_REALTIME, left * 1000000);
        pthread_cond_timedwait(&in->writer_cv, &in->mu, &at);
        for(job_t *j = take_all(&in->parsed); j; j = j->next, n++) {
            bytes += j->bytes;
            tail->next = j;
            tail = j;
            last = time_mono_ms();
        }
    }
    return list;
}

static void *writer_main(void *arg)
{
    ingest_t *in = arg;
    if(load(in))
        return NULL;
    complete_ready(in); /* resumed ingestions whose files were all final before the restart */
    pthread_mutex_lock(&in->mu);
    for(;;) {
        int can_dispatch = in->pending.head && in->inflight <= in->max_inflight / 2 && (in->drain || !in->closing);
        if(!in->cmds.head && !in->parsed.head && !can_dispatch && !in->newly_visible) {
            if(writer_done(in))
                break;
            pthread_cond_wait(&in->writer_cv, &in->mu);
            continue;
        }
        cmd_t *cmds = (in->closing && !in->drain) ? NULL : take_all(&in->cmds);
        job_t *parsed = gather(in, take_all(&in->parsed));
        in->newly_visible = 0; /* complete_ready below ends them */
        pthread_mutex_unlock(&in->mu);
        cmds = drop_unclaimed(in, cmds);
        if(cmds)
            run_commands(in, cmds);
        while(cmds) {
            cmd_t *next = cmds->next;
            cmd_free(cmds);
            cmds = next;
        }
        if(parsed)
            parsed = store_parsed(in, parsed);
        while(parsed) {
            job_t *next = parsed->next;
            pthread_mutex_lock(&in->mu);
            in->inflight--;
            in->inflight_bytes -= parsed->bytes;
            job_free(parsed);
            pthread_mutex_unlock(&in->mu);
            parsed = next;
        }
        dispatch(in);
        complete_ready(in);
        pthread_mutex_lock(&in->mu);
        if(in->closing && !in->drain && in->cmds.head)
            discard_cmds(in, INGEST_ERR_CLOSED);
    }
    in->writer_ns = thread_cpu_ns();
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

/* ---- workers ---- */

static void *worker_main(void *arg)
{
    ingest_t *in = arg;
    pthread_mutex_lock(&in->mu);
    for(;;) {
        job_t *j = pop(&in->parse);
        if(!j) {
            if(in->workers_stop)
                break;
            pthread_cond_wait(&in->worker_cv, &in->mu);
            continue;
        }
        pthread_mutex_unlock(&in->mu);
        int64_t t0 = thread_cpu_ns();
        j->parsed = parsed_file_load_known(j->file.disk_path, j->ing->dialect, in->opts.max_file_bytes, &in->stop,
                                           j->known_sha256);
        int64_t spent = thread_cpu_ns() - t0;
        if(in->opts.on_loaded)
            in->opts.on_loaded(in->opts.ud, j->file.path, j->parsed && j->parsed->hashed_only);
        pthread_mutex_lock(&in->mu);
        in->parse_ns += spent;
        in->parse_files++;
        in->parse_bytes += j->parsed ? j->parsed->size : 0;
        in->hashed_only += j->parsed && j->parsed->hashed_only;
        push(&in->parsed, j);
        pthread_cond_signal(&in->writer_cv);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

/* ---- recovery ---- */

static int64_t col_int(duckdb_result *r, idx_t c, idx_t row)
{
    return duckdb_value_is_null(r, c, row) ? 0 : duckdb_value_int64(r, c, row);
}

/* Files of a resumed ingestion: final ones counted, unfinished ones queued again when still on disk. */
static int resume_files(ingest_t *in, ingestion_t *ing)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT id, path, disk_path, owned, status, error, coalesce(nodes_created, 0) FROM files"
             " WHERE ingestion_id = '%s' ORDER BY id",
             ing->id);
    duckdb_result res;
    if(duckdb_query(writer_conn(in->w), sql, &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return -1;
    }
    idx_t rows = duckdb_row_count(&res);
    size_t requeued = 0, lost = 0;
    for(idx_t r = 0; r < rows; r++) {
        char *path = duckdb_value_varchar(&res, 1, r), *disk = duckdb_value_varchar(&res, 2, r);
        char *status = duckdb_value_varchar(&res, 4, r), *error = duckdb_value_varchar(&res, 5, r);
        int owned = duckdb_value_boolean(&res, 3, r);
        ing->total++;
        int unfinished = path && status && (strcmp(status, "pending") == 0 || strcmp(status, "processing") == 0);
        pthread_mutex_lock(&in->mu);
        in->outstanding += unfinished;
        pthread_mutex_unlock(&in->mu);
        if(unfinished) {
            job_t *j = disk && access(disk, R_OK) == 0 ? job_new(ing, disk, path, owned) : NULL;
            if(j) {
                j->file.id = col_int(&res, 0, r);
                pend(in, j);
                requeued++;
            } else {
                const char *why = "interrupted by a restart, and the input was no longer on disk";
                writer_file_state(in->w, col_int(&res, 0, r), "error", why, NULL);
                file_final(in, ing, path, NULL, 0, "error", why, 0);
                lost++;
            }
        } else if(path && status) {
            const char *final = strcmp(status, "processed") == 0 ? "processed"
                                : strcmp(status, "skipped") == 0 ? "skipped"
                                                                 : "error";
            count_final(ing, path, final, error, col_int(&res, 6, r));
        }
        duckdb_free(path);
        duckdb_free(disk);
        duckdb_free(status);
        duckdb_free(error);
    }
    duckdb_destroy_result(&res);
    log_info("ingest.resumed", "ingestion=%s files=%zu requeued=%zu lost=%zu", ing->id, ing->total, requeued, lost);
    return 0;
}

/* Interrupted before all of its input arrived: it cannot be finished honestly. */
static void interrupt_ingestion(ingest_t *in, const char *id, const char *why)
{
    char sql[1024];
    duckdb_connection conn = writer_conn(in->w);
    snprintf(sql, sizeof(sql),
             "SELECT disk_path FROM files WHERE ingestion_id = '%s' AND owned AND status IN ('pending', 'processing')",
             id);
    duckdb_result res;
    if(duckdb_query(conn, sql, &res) == DuckDBSuccess) {
        for(idx_t r = 0; r < duckdb_row_count(&res); r++) {
            char *disk = duckdb_value_varchar(&res, 0, r);
            if(disk)
                unlink(disk);
            duckdb_free(disk);
        }
    }
    duckdb_destroy_result(&res);
    snprintf(sql, sizeof(sql),
             "UPDATE files SET status = 'error', error = 'interrupted: %s', updated_at = current_timestamp"
             " WHERE ingestion_id = '%s' AND status IN ('pending', 'processing');"
             "UPDATE ingestions SET status = 'interrupted', error = '%s', finished_at = current_timestamp,"
             " total_files = c.n, files_processed = c.p, files_failed = c.f, files_skipped = c.s, nodes_created = c.k"
             " FROM (SELECT count(*) AS n, count(*) FILTER (WHERE status = 'processed') AS p,"
             " count(*) FILTER (WHERE status = 'error') AS f, count(*) FILTER (WHERE status = 'skipped') AS s,"
             " coalesce(sum(nodes_created), 0) AS k FROM files WHERE ingestion_id = '%s') c WHERE id = '%s'",
             why, id, why, id, id);
    if(duckdb_query(conn, sql, NULL) == DuckDBError)
        log_error("ingest.recover_failed", "ingestion=%s", id);
    log_warn("ingest.interrupted", "ingestion=%s reason=\"%s\"", id, why);
}

/* An id is "ing_" and hex digits: safe inside the SQL text above. */
static int valid_id(const char *id)
{
    if(strncmp(id, "ing_", 4) != 0 || strlen(id) >= INGEST_ID_MAX)
        return 0;
    for(const char *p = id + 4; *p; p++) {
        if(!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    }
    return 1;
}

static int recover(ingest_t *in)
{
    duckdb_result res;
    if(duckdb_query(writer_conn(in->w),
                    "SELECT id, source, project_id, repository, branch, dialect, input_complete FROM ingestions"
                    " WHERE status = 'running' ORDER BY started_at",
                    &res) == DuckDBError) {
        duckdb_destroy_result(&res);
        return -1;
    }
    int rc = 0;
    /* a stop between two queries (duckdb_interrupt reaches only a running one) ends it here */
    for(idx_t r = 0; r < duckdb_row_count(&res) && !rc && !atomic_load(&in->stop); r++) {
        char *v[6];
        for(idx_t c = 0; c < 6; c++)
            v[c] = duckdb_value_is_null(&res, c, r) ? NULL : duckdb_value_varchar(&res, c, r);
        if(v[0] && valid_id(v[0])) {
            if(!duckdb_value_boolean(&res, 6, r)) {
                interrupt_ingestion(in, v[0], "the server stopped before all of its files had arrived");
            } else {
                sql_dialect_t d = SQL_DIALECT_AUTO;
                if(v[5])
                    sql_dialect_from_name(v[5], &d);
                ingestion_t *ing = ingestion_new(v[0], v[1] ? v[1] : "cli", v[2], v[3], v[4], d);
                if(!ing) {
                    rc = -1;
                } else {
                    ing->input_complete = 1;
                    ing->ended = 1;
                    pthread_mutex_lock(&in->mu); /* other threads look ingestions up by id */
                    ing->next = in->live;
                    in->live = ing;
                    pthread_mutex_unlock(&in->mu);
                    if(in->opts.stats)
                        stats_ingestion_begin(in->opts.stats);
                    rc = resume_files(in, ing);
                }
            }
        }
        for(idx_t c = 0; c < 6; c++)
            duckdb_free(v[c]);
    }
    duckdb_destroy_result(&res);
    /* Files of no running ingestion cannot be waited for by anyone. */
    if(!rc && duckdb_query(writer_conn(in->w),
                           "UPDATE files SET status = 'error', error = 'interrupted: its ingestion had ended'"
                           " WHERE status IN ('pending', 'processing') AND ingestion_id NOT IN"
                           " (SELECT id FROM ingestions WHERE status = 'running')",
                           NULL) == DuckDBError)
        rc = -1;
    return rc;
}

/* ---- public API ---- */

static int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

int ingest_open(const ingest_opts_t *opts, ingest_t **out)
{
    *out = NULL;
    if(!opts || !opts->store)
        return INGEST_ERR_ARG;
    ingest_t *in = util_calloc(1, sizeof(*in));
    if(!in)
        return INGEST_ERR_NOMEM;
    in->opts = *opts;
    if(in->opts.max_file_bytes <= 0)
        in->opts.max_file_bytes = INGEST_FILE_MAX_BYTES;
    in->nworkers = opts->workers > 0 ? (opts->workers > MAX_WORKERS ? MAX_WORKERS : opts->workers) : cpu_count();
    /* Half of them wait for the writer at a time: 8 files of 512 KiB make a group of one row group. */
    in->max_inflight = (size_t)in->nworkers * 4 < MIN_INFLIGHT ? MIN_INFLIGHT : (size_t)in->nworkers * 4;
    atomic_init(&in->stop, 0);
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->writer_cv, NULL);
    pthread_cond_init(&in->worker_cv, NULL);
    pthread_cond_init(&in->ready_cv, NULL);
    char err[256];
    if(writer_open(opts->store, &in->w, err, sizeof(err))) {
        log_error("ingest.open_failed", "reason=\"%s\"", err);
        ingest_close(in, 0);
        return INGEST_ERR_STORE;
    }
    for(int i = 0; i < in->nworkers; i++) {
        if(pthread_create(&in->workers[i], NULL, worker_main, in)) {
            in->nworkers = i;
            ingest_close(in, 0);
            return INGEST_ERR_NOMEM;
        }
    }
    if(pthread_create(&in->writer_thread, NULL, writer_main, in)) {
        ingest_close(in, 0);
        return INGEST_ERR_NOMEM;
    }
    in->writer_started = 1;
    *out = in;
    return INGEST_OK;
}

int ingest_wait_ready(ingest_t *in)
{
    pthread_mutex_lock(&in->mu);
    while(!in->ready)
        pthread_cond_wait(&in->ready_cv, &in->mu);
    int rc = in->broken ? (in->closing ? INGEST_ERR_CLOSED : INGEST_ERR_STORE) : INGEST_OK;
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/*
 * Ingestions still waiting for input at close cannot be finished: marked interrupted now. Those whose
 * files are all final end now, visible or not: no query runs after the close.
 */
static void close_unfinished(ingest_t *in)
{
    for(ingestion_t *ing = in->live, *next; ing; ing = next) {
        next = ing->next;
        if(in->ready && !in->broken && ing->input_complete && ing->done >= ing->total) {
            finish(in, ing);
            continue;
        }
        if(!ing->input_complete)
            interrupt_ingestion(in, ing->id, "the server stopped before all of its files had arrived");
        else
            log_info("ingest.deferred", "ingestion=%s files_left=%zu reason=\"resumed at the next start\"", ing->id,
                     ing->total - ing->done);
        ingestion_free(ing);
    }
    in->live = NULL;
}

static void stop_locked(ingest_t *in)
{
    atomic_store(&in->stop, 1);
    if(in->writer_started && !in->ready)
        writer_interrupt(in->w); /* the start-up read's query; the flag stops it between queries */
}

void ingest_stop_loading(ingest_t *in)
{
    if(!in)
        return;
    pthread_mutex_lock(&in->mu);
    if(!in->ready) {
        stop_locked(in);
        pthread_cond_broadcast(&in->writer_cv);
    }
    pthread_mutex_unlock(&in->mu);
}

void ingest_close(ingest_t *in, int drain)
{
    if(!in)
        return;
    pthread_mutex_lock(&in->mu);
    in->closing = 1;
    in->drain = drain;
    if(!drain)
        stop_locked(in);
    pthread_cond_broadcast(&in->writer_cv);
    pthread_mutex_unlock(&in->mu);
    if(in->writer_started)
        pthread_join(in->writer_thread, NULL);
    pthread_mutex_lock(&in->mu);
    in->workers_stop = 1;
    pthread_cond_broadcast(&in->worker_cv);
    pthread_mutex_unlock(&in->mu);
    for(int i = 0; i < in->nworkers; i++)
        pthread_join(in->workers[i], NULL);
    if(in->parse_files)
        log_info("ingest.cpu",
                 "files=%zu bytes=%" PRId64 " hashed_only=%zu reparsed=%zu parse_cpu_ms=%.1f writer_cpu_ms=%.1f",
                 in->parse_files, in->parse_bytes, in->hashed_only, in->reparsed, (double)in->parse_ns / 1e6,
                 (double)in->writer_ns / 1e6);
    for(job_t *j = take_all(&in->pending), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    for(job_t *j = take_all(&in->parse), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    discard_cmds(in, INGEST_ERR_CLOSED);
    if(in->w)
        close_unfinished(in);
    else
        for(ingestion_t *ing = in->live, *next; ing; ing = next) {
            next = ing->next;
            ingestion_free(ing);
        }
    writer_close(in->w);
    pthread_cond_destroy(&in->writer_cv);
    pthread_cond_destroy(&in->worker_cv);
    pthread_cond_destroy(&in->ready_cv);
    pthread_mutex_destroy(&in->mu);
    util_free(in);
}

/* Queues a command for the writer; the caller holds the lock. */
static void enqueue(ingest_t *in, cmd_t *c)
{
    push(&in->cmds, c);
    pthread_cond_signal(&in->writer_cv);
}

static int make_id(char id[INGEST_ID_MAX])
{
    unsigned char rnd[8];
    if(getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return -1;
    static const char hex[] = "0123456789abcdef";
    memcpy(id, "ing_", 4);
    for(size_t i = 0; i < sizeof(rnd); i++) {
        id[4 + 2 * i] = hex[rnd[i] >> 4];
        id[5 + 2 * i] = hex[rnd[i] & 15];
    }
    id[4 + 2 * sizeof(rnd)] = '\0';
    return 0;
}

static void free_cmds(queue_t *q)
{
    for(cmd_t *c = take_all(q), *next; c; c = next) {
        next = c->next;
        cmd_free(c);
    }
}

/*
 * A new ingestion and its first commands (`cmds`: files and an ending, or none) queued together, so
 * the writer takes them in one batch. Takes `cmds` whatever happens.
 */
static int start_ingestion(ingest_t *in, const ingest_meta_t *meta, queue_t *cmds, size_t adds, int ends,
                           const cmd_t *hooks, char id[INGEST_ID_MAX])
{
    if(!in || !meta || !meta->source || !id ||
       (strcmp(meta->source, "upload") && strcmp(meta->source, "github") && strcmp(meta->source, "cli"))) {
        free_cmds(cmds);
        return INGEST_ERR_ARG;
    }
    char new_id[INGEST_ID_MAX];
    ingestion_t *ing = make_id(new_id) ? NULL
                                       : ingestion_new(new_id, meta->source, meta->project_id, meta->repository,
                                                       meta->branch, meta->dialect);
    if(ing)
        ing->announce = meta->announce;
    cmd_t *c = cmd_new(CMD_BEGIN, NULL);
    if(c && hooks) {
        c->claim = hooks->claim;
        c->recorded = hooks->recorded;
        c->ud = hooks->ud;
    }
    cmd_t *cc = meta->commit ? cmd_new(CMD_COMMIT, meta->commit) : NULL;
    if(!ing || !c || (meta->commit && !cc)) {
        ingestion_free(ing);
        util_free(c);
        util_free(cc);
        free_cmds(cmds);
        return INGEST_ERR_NOMEM;
    }
    pthread_mutex_lock(&in->mu);
    int rc = in->closing                                ? INGEST_ERR_CLOSED
             : in->broken                               ? INGEST_ERR_STORE
             : in->outstanding + adds > MAX_OUTSTANDING ? INGEST_ERR_BUSY
                                                        : INGEST_OK;
    if(!rc) {
        ing->next = in->live;
        in->live = ing;
        ing->ended = ends;
        in->outstanding += adds;
        c->ing = ing;
        enqueue(in, c);
        if(cc) {
            cc->ing = ing;
            enqueue(in, cc);
        }
        for(cmd_t *x = take_all(cmds), *next; x; x = next) {
            next = x->next;
            x->ing = ing;
            enqueue(in, x);
        }
    }
    pthread_mutex_unlock(&in->mu);
    if(rc) {
        ingestion_free(ing);
        util_free(c);
        util_free(cc);
        free_cmds(cmds);
        return rc;
    }
    if(in->opts.stats)
        stats_ingestion_begin(in->opts.stats);
    memcpy(id, new_id, INGEST_ID_MAX);
    /* files added one by one (GitHub, a folder) are not known yet: ingest.completed counts them */
    char files[32] = "arriving";
    if(ends)
        snprintf(files, sizeof(files), "%zu", adds);
    log_info("ingest.begun", "ingestion=%s source=%s%s%s files=%s", new_id, meta->source,
             meta->origin ? " origin=" : "", meta->origin ? meta->origin : "", files);
    return INGEST_OK;
}

int ingest_begin(ingest_t *in, const ingest_meta_t *meta, char id[INGEST_ID_MAX])
{
    queue_t none = {0};
    return start_ingestion(in, meta, &none, 0, 0, NULL, id);
}

int ingest_begin_recorded(ingest_t *in, const ingest_meta_t *meta, ingest_claim_fn claim, ingest_recorded_fn recorded,
                          void *ud, char id[INGEST_ID_MAX])
{
    queue_t none = {0};
    cmd_t hooks = {.claim = claim, .recorded = recorded, .ud = ud};
    return recorded ? start_ingestion(in, meta, &none, 0, 0, &hooks, id) : INGEST_ERR_ARG;
}

static cmd_t *add_cmd(const char *disk_path, const char *name, const char *skip_reason, int owned, int64_t skip_size)
{
    cmd_t *c = cmd_new(CMD_ADD, skip_reason);
    if(!c)
        return NULL;
    c->owned = owned ? 1 : 0;
    c->skip_size = skip_size;
    if(!(c->disk_path = util_strdup(disk_path)) || !(c->name = utf8_clean_dup(name))) {
        cmd_free(c);
        return NULL;
    }
    return c;
}

int ingest_submit(ingest_t *in, const ingest_meta_t *meta, const ingest_file_t *files, size_t n,
                  ingest_claim_fn claim, ingest_recorded_fn recorded, void *ud, char id[INGEST_ID_MAX])
{
    queue_t cmds = {0};
    int rc = n && !files ? INGEST_ERR_ARG : INGEST_OK;
    for(size_t i = 0; !rc && i < n; i++) {
        const ingest_file_t *f = &files[i];
        cmd_t *c =
            f->disk_path && f->name && *f->name ? add_cmd(f->disk_path, f->name, f->skip_reason, f->owned, f->skip_size)
                                                : NULL;
        if(c)
            push(&cmds, c);
        else
            rc = f->disk_path && f->name && *f->name ? INGEST_ERR_NOMEM : INGEST_ERR_ARG;
    }
    cmd_t *end = rc ? NULL : cmd_new(CMD_END, NULL);
    if(!end) {
        free_cmds(&cmds);
        return rc ? rc : INGEST_ERR_NOMEM;
    }
    end->recorded = recorded;
    end->claim = claim;
    end->ud = ud;
    push(&cmds, end);
    return start_ingestion(in, meta, &cmds, n, 1, NULL, id);
}

/* Queues a command for a live ingestion that has not ended; takes `c` whatever happens. */
static int submit(ingest_t *in, const char *id, cmd_t *c, int ends, int adds)
{
    if(!in || !id) {
        cmd_free(c);
        return INGEST_ERR_ARG;
    }
    pthread_mutex_lock(&in->mu);
    int rc = INGEST_OK;
    ingestion_t *ing = find_live(in, id);
    if(in->closing)
        rc = INGEST_ERR_CLOSED;
    else if(in->broken)
        rc = INGEST_ERR_STORE;
    else if(!ing || ing->ended)
        rc = INGEST_ERR_UNKNOWN;
    else if(adds && in->outstanding >= MAX_OUTSTANDING)
        rc = INGEST_ERR_BUSY;
    if(!rc) {
        c->ing = ing;
        if(ends)
            ing->ended = 1;
        if(adds)
            in->outstanding++;
        enqueue(in, c);
    }
    pthread_mutex_unlock(&in->mu);
    if(rc)
        cmd_free(c);
    return rc;
}

int ingest_add_file(ingest_t *in, const char *id, const char *disk_path, const char *name, const char *skip_reason,
                    int owned)
{
    if(!disk_path || !name || !*name)
        return INGEST_ERR_ARG;
    cmd_t *c = add_cmd(disk_path, name, skip_reason, owned, -1);
    return c ? submit(in, id, c, 0, 1) : INGEST_ERR_NOMEM;
}

int ingest_add_skipped(ingest_t *in, const char *id, const char *name, const char *skip_reason, int64_t size)
{
    if(!name || !*name || !skip_reason)
        return INGEST_ERR_ARG;
    cmd_t *c = add_cmd("", name, skip_reason, 0, size);
    return c ? submit(in, id, c, 0, 1) : INGEST_ERR_NOMEM;
}

int ingest_set_commit(ingest_t *in, const char *id, const char *commit)
{
    if(!commit)
        return INGEST_ERR_ARG;
    cmd_t *c = cmd_new(CMD_COMMIT, commit);
    return c ? submit(in, id, c, 0, 0) : INGEST_ERR_NOMEM;
}

int ingest_set_branch(ingest_t *in, const char *id, const char *branch)
{
    if(!branch || !*branch)
        return INGEST_ERR_ARG;
    cmd_t *c = cmd_new(CMD_BRANCH, branch);
    return c ? submit(in, id, c, 0, 0) : INGEST_ERR_NOMEM;
}

int ingest_note_progress(ingest_t *in, const char *id, const char *note, double percentage)
{
    cmd_t *c = cmd_new(CMD_NOTE, note);
    if(!c)
        return INGEST_ERR_NOMEM;
    c->percentage = percentage < 0 ? 0 : percentage > 100 ? 100 : percentage;
    return submit(in, id, c, 0, 0);
}

int ingest_expect_files(ingest_t *in, const char *id, size_t n)
{
    cmd_t *c = cmd_new(CMD_EXPECT, NULL);
    if(!c)
        return INGEST_ERR_NOMEM;
    c->count = n;
    return submit(in, id, c, 0, 0);
}

int ingest_end(ingest_t *in, const char *id)
{
    cmd_t *c = cmd_new(CMD_END, NULL);
    return c ? submit(in, id, c, 1, 0) : INGEST_ERR_NOMEM;
}

int ingest_fail(ingest_t *in, const char *id, const char *message)
{
    if(!message || !*message)
        return INGEST_ERR_ARG;
    cmd_t *c = cmd_new(CMD_FAIL, message);
    if(!c)
        return INGEST_ERR_NOMEM;
    int rc = submit(in, id, c, 1, 0);
    if(!rc && in->opts.bus)
        error_event_raise(in->opts.bus, "ingestion_failed", ERROR_SEVERITY_ERROR, message);
    return rc;
}
