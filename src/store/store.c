#include "store/store.h"

#include "store/migrations.h"
#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
    duckdb_database db;
    char *path;
    int schema_version;
    int memory_mb; /* DuckDB's memory limit; 0 when none was set */
};

const char *store_strerror(int code)
{
    switch(code) {
    case STORE_OK: return "ok";
    case STORE_ERR_OPEN: return "cannot open the database";
    case STORE_ERR_LOCKED: return "the database is in use by another process";
    case STORE_ERR_SCHEMA: return "the database schema cannot be used";
    case STORE_ERR_QUERY: return "a database query failed";
    case STORE_ERR_NOMEM: return "out of memory";
    case STORE_ERR_CONFIG: return "DuckDB refused a setting";
    }
    return "unknown store error";
}

static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    if(snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
        snprintf(err, errlen, "database path is too long");
        return STORE_ERR_OPEN;
    }
    char *slash = strrchr(dir, '/');
    if(!slash || slash == dir)
        return STORE_OK;
    *slash = '\0';
    for(char *p = dir + 1;; p++) {
        char saved = *p;
        if(saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        struct stat st;
        if(mkdir(dir, 0755) && (errno != EEXIST || stat(dir, &st) || !S_ISDIR(st.st_mode))) {
            snprintf(err, errlen, "cannot create folder %s: %s", dir,
                     errno == EEXIST ? "a file is in the way" : strerror(errno));
            return STORE_ERR_OPEN;
        }
        *p = saved;
        if(!saved)
            return STORE_OK;
    }
}

/* Runs SQL that returns nothing of interest; on failure copies DuckDB's message. */
static int exec(duckdb_connection conn, const char *sql, char *err, size_t errlen)
{
    duckdb_result res;
    int rc = STORE_OK;
    if(duckdb_query(conn, sql, &res) == DuckDBError) {
        snprintf(err, errlen, "%s", duckdb_result_error(&res));
        rc = STORE_ERR_QUERY;
    }
    duckdb_destroy_result(&res);
    return rc;
}

static int query_int64(duckdb_connection conn, const char *sql, int64_t *out)
{
    duckdb_result res;
    int rc = STORE_ERR_QUERY;
    if(duckdb_query(conn, sql, &res) == DuckDBSuccess && duckdb_row_count(&res) == 1) {
        *out = duckdb_value_int64(&res, 0, 0);
        rc = STORE_OK;
    }
    duckdb_destroy_result(&res);
    return rc;
}

static int migrate(store_t *s, duckdb_connection conn, char *err, size_t errlen)
{
    int rc = exec(conn,
                  "CREATE TABLE IF NOT EXISTS schema_version ("
                  " version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
                  err, errlen);
    if(rc)
        return STORE_ERR_SCHEMA;
    int64_t version = 0;
    if(query_int64(conn, "SELECT coalesce(max(version), 0) FROM schema_version", &version)) {
        snprintf(err, errlen, "cannot read the schema version");
        return STORE_ERR_SCHEMA;
    }
    if(version > store_n_migrations) {
        snprintf(err, errlen, "schema version %lld is newer than this lineaged knows (%d)", (long long)version,
                 store_n_migrations);
        return STORE_ERR_SCHEMA;
    }
    for(int v = (int)version + 1; v <= store_n_migrations; v++) {
        char record[96];
        snprintf(record, sizeof(record), "INSERT INTO schema_version (version) VALUES (%d)", v);
        rc = exec(conn, "BEGIN TRANSACTION", err, errlen);
        if(!rc)
            rc = exec(conn, store_migrations[v - 1], err, errlen);
        if(!rc)
            rc = exec(conn, record, err, errlen);
        if(!rc)
            rc = exec(conn, "COMMIT", err, errlen);
        if(rc) {
            char ignored[8];
            exec(conn, "ROLLBACK", ignored, sizeof(ignored));
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (migration %d)", v);
            return STORE_ERR_SCHEMA;
        }
        log_info("store.migrated", "version=%d", v);
    }
    s->schema_version = store_n_migrations;
    return STORE_OK;
}

static int classify_open_error(const char *path, const char *msg, char *err, size_t errlen)
{
    if(msg && strstr(msg, "Could not set lock")) {
        const char *pid = strstr(msg, "(PID ");
        long holder = 0;
        if(pid)
            holder = strtol(pid + 5, NULL, 10);
        if(holder > 0)
            snprintf(err, errlen, "database %s is in use by another process (PID %ld)", path, holder);
        else
            snprintf(err, errlen, "database %s is in use by another process", path);
        return STORE_ERR_LOCKED;
    }
    /* DuckDB's message can run on for lines (hints, links): its first line is the reason */
    const char *why = msg ? msg : "unknown error";
    snprintf(err, errlen, "cannot open database %s: %.*s", path, (int)strcspn(why, "\r\n"), why);
    return STORE_ERR_OPEN;
}

/* A setting DuckDB refuses is named with the value, not mistaken for a lack of memory. */
static int set_option(duckdb_config config, const char *name, const char *value, char *err, size_t errlen)
{
    if(duckdb_set_config(config, name, value) == DuckDBSuccess)
        return STORE_OK;
    snprintf(err, errlen, "DuckDB refused the setting %s = '%s'", name, value);
    return STORE_ERR_CONFIG;
}

int store_open(const char *path, store_t **out, char *err, size_t errlen)
{
    return store_open_with(path, STORE_MEMORY_MB_DEFAULT, out, err, errlen);
}

/*
 * A file that is there and not empty must be DuckDB's: its main header holds "DUCK" at byte 8. DuckDB
 * would otherwise read another format's file (a SQLite header) by fetching and loading an extension.
 */
static int check_format(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if(fd < 0)
        return STORE_OK; /* not there yet (DuckDB creates it), or DuckDB says why it cannot open it */
    char magic[12];
    ssize_t n = pread(fd, magic, sizeof(magic), 0);
    close(fd);
    if(n <= 0 || (n == (ssize_t)sizeof(magic) && memcmp(magic + 8, "DUCK", 4) == 0))
        return STORE_OK;
    snprintf(err, errlen, "cannot open database %s: it is not a valid DuckDB database file", path);
    return STORE_ERR_OPEN;
}

int store_open_with(const char *path, int memory_mb, store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    int memory = strcmp(path, ":memory:") == 0;
    if(!memory) {
        int rc = make_parent_dirs(path, err, errlen);
        rc = rc ? rc : check_format(path, err, errlen);
        if(rc)
            return rc;
    }
    store_t *s = util_calloc(1, sizeof(*s));
    if(s)
        s->memory_mb = memory || memory_mb <= 0 ? 0 : memory_mb + STORE_COMMIT_ROOM_MB;
    if(!s || !(s->path = util_strdup(path))) {
        util_free(s);
        snprintf(err, errlen, "out of memory");
        return STORE_ERR_NOMEM;
    }
    /* One DuckDB thread: our own workers and pool give the parallelism, and DuckDB's task threads
     * cost ~25% of ingest CPU in scheduling and handoff for commits that cannot use them
     * (bench_ingest 16: 3.35 -> 2.5 CPU-s). A memory limit for a file: DuckDB's cache of what it
     * wrote otherwise grows with the corpus (bench_ingest 64: 322 MB peak RSS unlimited). */
    duckdb_config config = NULL;
    char limit[32];
    snprintf(limit, sizeof(limit), "%dMiB", s->memory_mb);
    int rc = duckdb_create_config(&config) == DuckDBError ? STORE_ERR_NOMEM : STORE_OK;
    if(rc)
        snprintf(err, errlen, "out of memory");
    rc = rc ? rc : set_option(config, "threads", "1", err, errlen);
    /* No extension is fetched or loaded on the file's say-so: a file in another format (a SQLite
     * header) made DuckDB download its scanner from the network and load it. What the server uses
     * (core functions, json, icu, parquet) is linked into libduckdb. */
    rc = rc ? rc : set_option(config, "autoinstall_known_extensions", "false", err, errlen);
    rc = rc ? rc : set_option(config, "autoload_known_extensions", "false", err, errlen);
    if(!rc && s->memory_mb)
        rc = set_option(config, "memory_limit", limit, err, errlen);
    if(rc) {
        duckdb_destroy_config(&config);
        util_free(s->path);
        util_free(s);
        return rc;
    }
    char *open_err = NULL;
    duckdb_state opened = duckdb_open_ext(memory ? NULL : path, &s->db, config, &open_err);
    duckdb_destroy_config(&config);
    if(opened == DuckDBError) {
        rc = classify_open_error(path, open_err, err, errlen);
        duckdb_free(open_err);
        util_free(s->path);
        util_free(s);
        return rc;
    }
    duckdb_connection conn;
    rc = store_connect(s, &conn);
    if(rc) {
        snprintf(err, errlen, "cannot connect to database %s", path);
    } else {
        rc = migrate(s, conn, err, errlen);
        duckdb_disconnect(&conn);
    }
    if(rc) {
        store_close(s);
        return rc;
    }
    *out = s;
    return STORE_OK;
}

void store_close(store_t *s)
{
    if(!s)
        return;
    duckdb_close(&s->db);
    util_free(s->path);
    util_free(s);
}

int store_connect(store_t *s, duckdb_connection *out)
{
    return duckdb_connect(s->db, out) == DuckDBSuccess ? STORE_OK : STORE_ERR_OPEN;
}

int store_memory_mb(store_t *s)
{
    return s->memory_mb;
}

int store_schema_version(store_t *s)
{
    return s->schema_version;
}

int store_counts(duckdb_connection conn, store_counts_t *out)
{
    memset(out, 0, sizeof(*out));
    /* a column under its bare name is never shown (docs/graph.md), so it is not counted */
    int rc = query_int64(conn, "SELECT count(*) FROM nodes WHERE kind <> 'column' OR contains(name, '.')", &out->nodes);
    if(!rc)
        rc = query_int64(conn, "SELECT count(*) FROM edges", &out->edges);
    if(!rc)
        rc = query_int64(conn, "SELECT count(*) FROM nodes WHERE kind IN ('table', 'view')", &out->table_nodes);
    if(!rc)
        rc = query_int64(conn, "SELECT count(*) FROM files WHERE status = 'processed' AND is_current",
                         &out->files_processed);
    return rc;
}

int store_out_of_memory(duckdb_result *res)
{
    return duckdb_result_error_type(res) == DUCKDB_ERROR_OUT_OF_MEMORY;
}
