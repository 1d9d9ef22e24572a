#include "cli/cmd_ingest.h"

#include "cli/config.h"
#include "ingest/ingest.h"
#include "ingest/walk.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH    64
#define PATH_MAX_LEN 4096
#define BAR_WIDTH    30

typedef struct progress {
    char id[INGEST_ID_MAX];
    int tty;
    size_t done, total, processed, failed, skipped;
    pthread_mutex_t mu;
} progress_t;

static void usage(FILE *f)
{
    fputs("usage: lineaged ingest [--db PATH] [--dialect NAME] [--project ID] [--workers N] [--max-file-mb N] PATH...\n"
          "  Ingest SQL files and folders (recursively) into the lineage database, offline.\n"
          "  --db PATH        DuckDB file (default ./data/lineage.duckdb)\n"
          "  --dialect NAME   auto (default), ansi, postgres, tsql, snowflake, bigquery, mysql, oracle, hive,\n"
          "                   sparksql, databricks\n"
          "  --project ID     project the files belong to (default \"default\")\n"
          "  --workers N      parsing threads (default: one per core)\n"
          "  --max-file-mb N  largest file taken, MiB (default 32, the server's per-file limit; at most 256):\n"
          "                   a larger one fails, named, and the others go on\n"
          "  Environment: LINEAGED_DB, LINEAGED_DIALECT, LINEAGED_PROJECT, LINEAGED_WORKERS,\n"
          "  LINEAGED_MAX_FILE_MB (a flag wins).\n"
          "  In folders only files with SQL extensions (.sql .ddl .hql .pls .bteq ...) are taken; hidden\n"
          "  folders are not entered. A file is named relative to the folder given, or by its base name\n"
          "  when given itself. Exit status: 0 all ingested, 1 some files failed, 2 usage.\n",
          f);
}

static void on_file(void *ud, const ingest_file_event_t *ev)
{
    progress_t *p = ud;
    if(strcmp(ev->ingestion_id, p->id) != 0)
        return;
    pthread_mutex_lock(&p->mu);
    p->done = ev->files_done;
    p->total = ev->total_files;
    if(strcmp(ev->status, "processed") == 0)
        p->processed++;
    else if(strcmp(ev->status, "skipped") == 0)
        p->skipped++;
    else
        p->failed++;
    if(p->tty) {
        size_t fill = p->total ? p->done * BAR_WIDTH / p->total : 0;
        char bar[BAR_WIDTH + 1];
        for(size_t i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r\033[K[%s] %zu/%zu files, %zu failed  %.40s", bar, p->done, p->total, p->failed, ev->name);
        if(ev->error) /* an error, or a processed file's warning: the sentence says which */
            fprintf(stderr, "\r\033[K%s %s\n", strcmp(ev->status, "processed") == 0 ? "warning" : ev->status,
                    ev->error);
    } else if(ev->error) {
        fprintf(stderr, "%s %s: %s\n", ev->status, ev->name, ev->error);
    } else {
        fprintf(stderr, "%s %s\n", ev->status, ev->name);
    }
    pthread_mutex_unlock(&p->mu);
}

static const char *plural(long long n)
{
    return n == 1 ? "" : "s";
}

/*
 * The run's files processed with a warning (lineage cut at a bound), counted from their stored rows as
 * the API counts them (src/api/ingestion.c): a processed file's `error` is its warning. -1 when unread.
 */
static long long files_warned(duckdb_connection conn, const char *ingestion_id)
{
    duckdb_prepared_statement st = NULL;
    duckdb_result res;
    long long n = -1;
    if(duckdb_prepare(conn,
                      "SELECT count(*) FROM files WHERE ingestion_id = $1 AND status = 'processed'"
                      " AND error IS NOT NULL",
                      &st) == DuckDBSuccess &&
       duckdb_bind_varchar(st, 1, ingestion_id) == DuckDBSuccess &&
       duckdb_execute_prepared(st, &res) == DuckDBSuccess) {
        n = (long long)duckdb_value_int64(&res, 0, 0);
        duckdb_destroy_result(&res);
    }
    duckdb_destroy_prepare(&st);
    return n;
}

static void problem(void *ud, const char *path, const char *message)
{
    (void)ud;
    fprintf(stderr, "lineaged ingest: %s: %s\n", path, message);
}

static int value_of(int argc, char **argv, int *i, const char *flag, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(flag);
    if(strncmp(a, flag, n) != 0)
        return 0;
    if(a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if(a[n] != '\0')
        return 0;
    if(*i + 1 >= argc) {
        fprintf(stderr, "lineaged ingest: %s needs a value\n", flag);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

/* Each flag, read from LINEAGED_<FLAG> first; `from_env` names the variable in an error. */
enum { OPT_DB, OPT_DIALECT, OPT_PROJECT, OPT_WORKERS, OPT_MAX_FILE_MB, N_OPTS };
typedef struct opt {
    const char *flag, *var, *value;
    int from_env;
} opt_t;

static int bad_value(const opt_t *o, const char *expects)
{
    fprintf(stderr, "lineaged ingest: %s expects %s, got '%.200s'%s%s%s\n", o->flag, expects, o->value,
            o->from_env ? " (from " : "", o->from_env ? o->var : "", o->from_env ? ")" : "");
    return 2;
}

int cmd_ingest(int argc, char **argv)
{
    opt_t flags[N_OPTS] = {{"--db", "LINEAGED_DB", "./data/lineage.duckdb", 0},
                           {"--dialect", "LINEAGED_DIALECT", NULL, 0},
                           {"--project", "LINEAGED_PROJECT", "default", 0},
                           {"--workers", "LINEAGED_WORKERS", NULL, 0},
                           {"--max-file-mb", "LINEAGED_MAX_FILE_MB", NULL, 0}};
    for(int k = 0; k < N_OPTS; k++) {
        const char *v = getenv(flags[k].var);
        if(v && *v) {
            flags[k].value = v;
            flags[k].from_env = 1;
        }
    }
    /* PATHs move to argv[1..paths]: options may follow them (`ingest sql/ --db x`), as with getopt */
    int paths = 0;
    for(int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if(strcmp(a, "--") == 0) {
            while(++i < argc)
                argv[1 + paths++] = argv[i];
            break;
        }
        if(strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        int r = 0;
        for(int k = 0; k < N_OPTS && !r; k++) {
            if((r = value_of(argc, argv, &i, flags[k].flag, &flags[k].value)) > 0)
                flags[k].from_env = 0;
        }
        if(r < 0)
            return 2;
        if(r)
            continue;
        if(a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lineaged ingest: unknown option '%s' (see lineaged ingest --help)\n", a);
            return 2;
        }
        argv[1 + paths++] = argv[i];
    }
    const char *db = flags[OPT_DB].value, *project = flags[OPT_PROJECT].value;
    sql_dialect_t dialect = SQL_DIALECT_AUTO;
    const opt_t *d = &flags[OPT_DIALECT];
    if(d->value && *d->value && sql_dialect_from_name(d->value, &dialect))
        return bad_value(d, "a dialect (see lineaged ingest --help)");
    int workers = 0;
    const opt_t *wk = &flags[OPT_WORKERS];
    if(wk->value) {
        char *end = NULL;
        long v = strtol(wk->value, &end, 10);
        if(!*wk->value || *end || v < 1 || v > 64)
            return bad_value(wk, "a whole number from 1 to 64");
        workers = (int)v;
    }
    int64_t max_file_bytes = INGEST_FILE_MAX_BYTES;
    const opt_t *mf = &flags[OPT_MAX_FILE_MB];
    if(mf->value && config_max_file_mb(mf->value, &max_file_bytes))
        return bad_value(mf, "a whole number of MiB from 1 to 256");
    if(!*project || strlen(project) > 200)
        return bad_value(&flags[OPT_PROJECT], "a name of 1 to 200 characters");
    if(!paths) {
        fprintf(stderr, "lineaged ingest: no PATH given (see lineaged ingest --help)\n");
        return 2;
    }

    log_set_level(LOG_WARN);
    char err[256];
    store_t *store = NULL;
    if(store_open(db, &store, err, sizeof(err))) {
        fprintf(stderr, "lineaged ingest: %s\n", err);
        return 1;
    }
    duckdb_connection conn;
    store_counts_t before = {0}, after = {0};
    if(!store_connect(store, &conn)) {
        store_counts(conn, &before);
        duckdb_disconnect(&conn);
    }
    progress_t p = {.tty = isatty(STDERR_FILENO)};
    pthread_mutex_init(&p.mu, NULL);
    ingest_opts_t opts = {
        .store = store, .workers = workers, .max_file_bytes = max_file_bytes, .on_file = on_file, .ud = &p};
    ingest_t *in = NULL;
    int rc = ingest_open(&opts, &in);
    if(!rc && (rc = ingest_wait_ready(in)) != INGEST_OK) /* the graph's state could not be read */
        ingest_close(in, 0);
    if(rc) {
        fprintf(stderr, "lineaged ingest: %s\n", ingest_strerror(rc));
        store_close(store);
        pthread_mutex_destroy(&p.mu);
        return 1;
    }
    int64_t t0 = time_mono_ms();
    ingest_meta_t meta = {.source = "cli", .project_id = project, .dialect = dialect};
    rc = ingest_begin(in, &meta, p.id);
    ingest_walk_t w = {.in = in, .id = p.id, .on_problem = problem};
    for(int i = 1; !rc && i <= paths; i++)
        rc = ingest_walk_add(&w, argv[i]);
    ingest_walk_free(&w);
    if(rc)
        fprintf(stderr, "lineaged ingest: %s\n", ingest_strerror(rc));
    else
        ingest_end(in, p.id);
    ingest_close(in, 1);
    double secs = (double)(time_mono_ms() - t0) / 1000.0;
    long long warned = -1;
    if(!store_connect(store, &conn)) {
        store_counts(conn, &after);
        warned = files_warned(conn, p.id);
        duckdb_disconnect(&conn);
    }
    store_close(store);
    if(p.tty && p.done)
        fputc('\n', stderr);
    char warnings[64] = "";
    if(warned > 0)
        snprintf(warnings, sizeof(warnings), " (%lld with a warning)", warned);
    printf("ingested %zu file%s in %.2f s: %zu processed%s, %zu failed, %zu skipped, %zu ignored; graph %+lld nodes, "
           "%+lld edges (now %lld node%s, %lld edge%s, %lld file%s)\n",
           w.added, plural((long long)w.added), secs, p.processed, warnings, p.failed + w.problems, p.skipped,
           w.ignored, (long long)(after.nodes - before.nodes), (long long)(after.edges - before.edges),
           (long long)after.nodes, plural(after.nodes), (long long)after.edges, plural(after.edges),
           (long long)after.files_processed, plural(after.files_processed));
    fflush(stdout);
    pthread_mutex_destroy(&p.mu);
    return rc || p.failed || w.problems || p.done < w.added ? 1 : 0;
}
