#include "cli/cmd_export.h"

#include "graph/index.h"
#include "query/query.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fputs("usage: lineaged export [--db PATH] --format openlineage|csv\n"
          "  Print the lineage graph for other tools on standard output.\n"
          "  --db PATH        DuckDB file written by lineaged serve or ingest (default ./data/lineage.duckdb)\n"
          "  --format NAME    openlineage: OpenLineage 2-0-2 JobEvents, one JSON object a line\n"
          "                   csv: one column-lineage edge a line, with a header\n"
          "  Environment: LINEAGED_DB, LINEAGED_FORMAT (a flag wins); LINEAGED_GITHUB_URL (default\n"
          "  https://github.com) is where repositories live, for source locations.\n",
          f);
}

static int write_stdout(void *ud, const char *data, size_t len)
{
    return fwrite(data, 1, len, ud) == len ? 0 : -1;
}

/* One flag's value from "--flag VALUE" or "--flag=VALUE"; 1 when argv[*i] is that flag. */
static int flag(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if(strncmp(argv[*i], name, n) != 0)
        return 0;
    if(argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if(argv[*i][n] != '\0')
        return 0;
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}

int cmd_export(int argc, char **argv)
{
    const char *db = getenv("LINEAGED_DB"), *format = getenv("LINEAGED_FORMAT");
    int format_from_env = format && *format;
    /* the server's --github-url, so exported source locations point where the clones came from */
    const char *repo_base = getenv("LINEAGED_GITHUB_URL");
    if(!repo_base || !*repo_base)
        repo_base = "https://github.com";
    if(!db || !*db)
        db = "./data/lineage.duckdb";
    for(int i = 1; i < argc; i++) {
        const char *v = NULL;
        if(strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char *name = flag(argc, argv, &i, "--db", &v)       ? "--db"
                           : flag(argc, argv, &i, "--format", &v) ? "--format"
                                                                  : NULL;
        if(name) {
            if(!v || !*v) {
                fprintf(stderr, "lineaged export: %s needs a value\n", name);
                return 2;
            }
            *(name[2] == 'd' ? &db : &format) = v;
            format_from_env &= name[2] == 'd';
            continue;
        }
        fprintf(stderr, "lineaged export: unknown argument '%s' (see lineaged export --help)\n", argv[i]);
        return 2;
    }
    if(!format || (strcmp(format, "openlineage") != 0 && strcmp(format, "csv") != 0)) {
        fprintf(stderr, "lineaged export: --format must be openlineage or csv%s\n",
                format_from_env ? " (from LINEAGED_FORMAT)" : "");
        return 2;
    }
    struct stat st;
    if(strcmp(db, ":memory:") != 0 && stat(db, &st) != 0) {
        fprintf(stderr, "lineaged export: no database at %s (ingest first: lineaged ingest --db %s PATH...)\n", db, db);
        return 1;
    }
    log_set_level(LOG_WARN);
    store_t *store = NULL;
    char err[256];
    if(store_open(db, &store, err, sizeof(err))) {
        fprintf(stderr, "lineaged export: %s\n", err);
        return 1;
    }
    duckdb_connection conn;
    graph_snap_t *s = NULL;
    int rc = store_connect(store, &conn) ? GRAPH_ERR_STORE : 0;
    int connected = !rc;
    if(!rc)
        rc = graph_load(conn, &s);
    if(!rc) {
        char now[TIMEFMT_ISO_LEN];
        time_iso8601(time_now_ms(), now);
        rc = strcmp(format, "csv") == 0 ? query_export_csv(s, write_stdout, stdout)
                                        : query_export_openlineage(conn, s, now, repo_base, write_stdout, stdout);
        if(fflush(stdout))
            rc = -1;
        graph_snap_release(s);
        if(rc)
            fprintf(stderr, "lineaged export: writing the output failed\n");
    } else {
        fprintf(stderr, "lineaged export: %s\n", graph_strerror(rc));
    }
    if(connected)
        duckdb_disconnect(&conn);
    store_close(store);
    return rc ? 1 : 0;
}
