#include "cli/cmd_parse.h"

#include "cli/config.h"
#include "ingest/ingest.h"
#include "sql/lineage.h"
#include "util/alloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct out_state {
    FILE *out;
    const char *file;
    int index, nfiles; /* which FILE of how many: the first document opens the array, the others follow a comma */
    int begun;         /* the document's header went out: an error must close it */
    int listed;        /* its statements array is closed */
    size_t nstmts;
    buf_t line; /* one statement's JSON, reused */
} out_state_t;

/* A FIFO, stdin or /dev/zero has no size to check up front: the bytes are counted as they come. */
typedef struct reader {
    FILE *f;
    int64_t size, max;
    int too_big;
    int binary;
} reader_t;

static int file_read(void *ud, char *buf, size_t cap, size_t *got)
{
    reader_t *r = ud;
    *got = fread(buf, 1, cap, r->f);
    r->size += (int64_t)*got;
    if(r->size > r->max) {
        r->too_big = 1;
        return SQL_ERR_IO;
    }
    /* as ingest does: NUL bytes are no SQL text (and /dev/zero was lexed up to the limit) */
    if(memchr(buf, '\0', *got)) {
        r->binary = 1;
        return SQL_ERR_IO;
    }
    return *got == 0 && ferror(r->f) ? SQL_ERR_IO : 0;
}

static void too_big(char *why, size_t len, int64_t max)
{
    snprintf(why, len, "larger than the %lld MiB per-file limit%s", (long long)(max >> 20),
             max == INGEST_FILE_MAX_BYTES ? " (--max-file-mb raises it)" : "");
}

static int dump(out_state_t *o, json_t *j)
{
    if(!j)
        return SQL_ERR_NOMEM;
    int rc = json_dumpf(j, o->out, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    json_decref(j);
    return rc ? SQL_ERR_IO : 0;
}

/* The document is streamed: header once the dialect is known, then one statement a line. */
static int on_begin(void *ud, sql_dialect_t d)
{
    out_state_t *o = ud;
    fputs(o->index ? ",\n" : o->nfiles > 1 ? "[\n" : "", o->out);
    o->begun = 1;
    fputs("{\"file\": ", o->out);
    json_t *name = json_string(o->file);
    int rc = dump(o, name ? name : json_string("(file name is not UTF-8)"));
    fprintf(o->out, ", \"dialect\": \"%s\", \"statements\": [", sql_dialect_name(d));
    return rc;
}

static int on_statement(void *ud, const sql_statement_t *st)
{
    out_state_t *o = ud;
    buf_reset(&o->line);
    int rc = buf_adds(&o->line, o->nstmts++ ? ",\n  " : "\n  ") ? SQL_ERR_NOMEM : 0;
    rc = rc ? rc : sql_statement_write_json(&o->line, st);
    if(!rc && fwrite(o->line.data, 1, o->line.len, o->out) != o->line.len)
        rc = SQL_ERR_IO;
    return rc;
}

static int print_tail(out_state_t *o, const sql_lineage_t *l)
{
    json_t *doc = sql_lineage_to_json(l, o->file);
    if(!doc)
        return SQL_ERR_NOMEM;
    fputs(o->nstmts ? "\n ]" : "]", o->out);
    o->listed = 1;
    static const char *const keys[] = {"sources",        "targets",  "intermediates",   "errors",
                                       "errors_dropped", "warnings", "warnings_dropped"};
    int rc = 0;
    for(size_t i = 0; i < sizeof keys / sizeof keys[0] && !rc; i++) {
        json_t *v = json_object_get(doc, keys[i]);
        if(!v)
            continue;
        fprintf(o->out, ", \"%s\": ", keys[i]);
        rc = dump(o, json_incref(v));
    }
    fputc('}', o->out);
    json_decref(doc);
    return rc;
}

/*
 * A stream has no size to check up front, and a NUL or a read error may come after statements were
 * printed: the document is closed with the reason, so a reader (jq) gets JSON, not a syntax error.
 */
static void close_with_error(out_state_t *o, const char *why)
{
    if(!o->begun)
        return;
    if(!o->listed)
        fputs(o->nstmts ? "\n ]" : "]", o->out);
    fputs(", \"error\": ", o->out);
    dump(o, json_string(why));
    fputc('}', o->out);
}

static void usage(FILE *f)
{
    fputs("usage: lineaged parse [--dialect NAME] [--max-file-mb N] FILE...\n"
          "  Print the lineage of SQL files as JSON (one document per file, an array when several).\n"
          "  --dialect NAME  auto (default), ansi, postgres, tsql, snowflake, bigquery, mysql, oracle,\n"
          "                  hive, sparksql, databricks (also: redshift, athena, duckdb, ... as aliases)\n"
          "  --max-file-mb N largest file or stream read, MiB (default 32, the server's per-file limit;\n"
          "                  at most 256): a larger one is refused with exit 1 (a stream cut after some\n"
          "                  statements went out ends its document with an \"error\" member)\n"
          "  Environment: LINEAGED_DIALECT, LINEAGED_MAX_FILE_MB (a flag wins).\n"
          "  FILE may be - for standard input.\n",
          f);
}

int cmd_parse(int argc, char **argv)
{
    sql_dialect_t dialect = SQL_DIALECT_AUTO;
    const char *env = getenv("LINEAGED_DIALECT");
    if(env && *env && sql_dialect_from_name(env, &dialect)) {
        fprintf(stderr, "lineaged parse: unknown dialect '%s' in LINEAGED_DIALECT\n", env);
        return 2;
    }
    int64_t max = INGEST_FILE_MAX_BYTES;
    env = getenv("LINEAGED_MAX_FILE_MB");
    if(env && *env && config_max_file_mb(env, &max)) {
        fprintf(stderr, "lineaged parse: LINEAGED_MAX_FILE_MB expects a whole number of MiB from 1 to 256, got '%.200s'\n",
                env);
        return 2;
    }
    /* FILEs move to argv[1..nfiles]: options may follow them (`parse a.sql --dialect tsql`), as with getopt */
    int nfiles = 0;
    for(int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = NULL;
        if(strcmp(a, "--") == 0) {
            while(++i < argc)
                argv[1 + nfiles++] = argv[i];
            break;
        }
        if(strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        int limit = strncmp(a, "--max-file-mb", 13) == 0 && (a[13] == '\0' || a[13] == '=');
        if(strcmp(a, "--dialect") == 0 || strcmp(a, "--max-file-mb") == 0) {
            if(i + 1 >= argc) {
                fprintf(stderr, "lineaged parse: %s needs a value\n", a);
                return 2;
            }
            value = argv[++i];
        } else if(strncmp(a, "--dialect=", 10) == 0 || limit) {
            value = strchr(a, '=') + 1;
        } else if(a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lineaged parse: unknown option '%s' (see lineaged parse --help)\n", a);
            return 2;
        } else {
            argv[1 + nfiles++] = argv[i];
            continue;
        }
        if(limit && config_max_file_mb(value, &max)) {
            fprintf(stderr, "lineaged parse: --max-file-mb expects a whole number of MiB from 1 to 256, got '%.200s'\n",
                    value);
            return 2;
        }
        if(!limit && sql_dialect_from_name(value, &dialect)) {
            fprintf(stderr, "lineaged parse: unknown dialect '%s'\n", value);
            return 2;
        }
    }
    const int first = 1;
    if(nfiles <= 0) {
        fprintf(stderr, "lineaged parse: no FILE given (see lineaged parse --help)\n");
        return 2;
    }
    FILE **files = util_calloc((size_t)nfiles, sizeof *files);
    if(!files) {
        fprintf(stderr, "lineaged parse: out of memory\n");
        return 1;
    }
    int status = 0;
    char why[160];
    for(int i = 0; i < nfiles; i++) {
        const char *path = argv[first + i];
        files[i] = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        struct stat st = {0};
        if(!files[i]) {
            fprintf(stderr, "lineaged parse: cannot read %s: %s\n", path, strerror(errno));
            status = 1;
        } else if(fstat(fileno(files[i]), &st) == 0 && S_ISDIR(st.st_mode)) {
            /* fopen takes a folder; its first read fails, after earlier files' output went out */
            fprintf(stderr, "lineaged parse: cannot read %s: it is a folder (lineaged ingest takes folders)\n", path);
            status = 1;
        } else if(S_ISREG(st.st_mode) && st.st_size > max) {
            too_big(why, sizeof(why), max); /* the same bound as the server's uploads and GitHub files */
            fprintf(stderr, "lineaged parse: cannot read %s: %s\n", path, why);
            status = 1;
        }
    }
    int printed = 0;
    for(int i = 0; i < nfiles && status == 0; i++) {
        out_state_t o = {.out = stdout, .file = argv[first + i], .index = printed, .nfiles = nfiles};
        buf_init(&o.line, SQL_JSON_MAX);
        sql_lineage_opts_t opts = {.dialect = dialect, .on_begin = on_begin, .on_statement = on_statement, .ud = &o};
        sql_lineage_t *l = NULL;
        reader_t r = {.f = files[i], .max = max};
        int rc = sql_lineage_run(file_read, &r, &opts, &l);
        if(!rc)
            rc = print_tail(&o, l);
        sql_lineage_free(l);
        buf_free(&o.line);
        printed += o.begun;
        if(rc) {
            if(r.too_big)
                too_big(why, sizeof(why), max);
            else
                snprintf(why, sizeof(why), "%s",
                         r.binary ? "binary file (it contains NUL bytes), not SQL text" : sql_strerror(rc));
            close_with_error(&o, why);
            fprintf(stderr, r.too_big || r.binary ? "lineaged parse: cannot read %s: %s\n" : "lineaged parse: %s: %s\n",
                    argv[first + i], why);
            status = 1;
        }
    }
    if(printed)
        fputs(nfiles > 1 ? "\n]\n" : "\n", stdout);
    for(int i = 0; i < nfiles; i++)
        if(files[i] && files[i] != stdin)
            fclose(files[i]);
    util_free(files);
    if(fflush(stdout) != 0 && status == 0) {
        fprintf(stderr, "lineaged parse: cannot write output: %s\n", strerror(errno));
        status = 1;
    }
    return status;
}
