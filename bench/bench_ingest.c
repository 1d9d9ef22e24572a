/*
 * End-to-end ingestion: generated SQL files in several dialects → parsing workers → the writer →
 * DuckDB on disk, through the same ingest API the server and `lineaged ingest` use.
 * Usage: bench_ingest [MEGABYTES (default 64)] [SMALL_FILES (default 2000)]. Figures: docs/ingest.md.
 */
#include "ingest/ingest.h"
#include "ingest/walk.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_BYTES (512u * 1024)

typedef struct dialect_templates {
    const char *name, *ext;
    const char *const *t;
} dialect_templates_t;

/* @ is replaced by a table number; each template is one statement in that dialect's style. */
static const char *const postgres[] = {
    "INSERT INTO dw.fact_sales_@ (order_id, customer_id, amount, region)\n"
    "SELECT o.id, c.id, SUM(l.price * l.qty)::numeric(18,2) AS amount, COALESCE(c.region, 'n/a')\n"
    "FROM staging.orders_@ o JOIN staging.customers_@ c ON c.id = o.customer_id\n"
    "LEFT JOIN staging.lines_@ l ON l.order_id = o.id\n"
    "WHERE o.created_at >= DATE '2024-01-01' GROUP BY o.id, c.id, c.region;\n",
    "CREATE OR REPLACE VIEW reporting.revenue_@ AS\n"
    "SELECT region, date_trunc('month', order_date) AS month, sum(amount) AS revenue\n"
    "FROM dw.fact_sales_@ GROUP BY 1, 2;\n",
    NULL};
static const char *const tsql[] = {
    "INSERT INTO [dw].[dim_customer_@] ([id], [name], [segment])\n"
    "SELECT c.[id], c.[name], ISNULL(s.[segment], 'none') FROM [staging].[customers_@] c\n"
    "LEFT JOIN [ref].[segments] s ON s.[code] = c.[segment_code];\n",
    "UPDATE t SET t.[balance] = b.[amount] FROM [core].[accounts_@] t\n"
    "JOIN [staging].[balances_@] b ON b.[account_id] = t.[id];\n",
    NULL};
static const char *const snowflake[] = {
    "MERGE INTO core.customers_@ t USING (SELECT id, name, email FROM staging.customers_@) s ON t.id = s.id\n"
    "WHEN MATCHED THEN UPDATE SET name = s.name, email = s.email\n"
    "WHEN NOT MATCHED THEN INSERT (id, name, email) VALUES (s.id, s.name, s.email);\n",
    "CREATE OR REPLACE TABLE marts.orders_daily_@ AS\n"
    "SELECT o.order_date, COUNT(*) AS orders, SUM(o.amount) AS amount FROM core.orders_@ o GROUP BY o.order_date;\n",
    NULL};
static const char *const bigquery[] = {
    "CREATE OR REPLACE TABLE `marts.sessions_@` AS\n"
    "SELECT e.user_id, DATE(e.ts) AS day, COUNT(DISTINCT e.session_id) AS sessions\n"
    "FROM `events.clicks_@` AS e WHERE e.ts >= TIMESTAMP('2024-01-01') GROUP BY e.user_id, day;\n",
    "INSERT INTO `marts.users_@` (id, email, last_seen)\n"
    "SELECT u.id, u.email, MAX(e.ts) FROM `core.users` AS u JOIN `events.clicks_@` AS e ON e.user_id = u.id\n"
    "GROUP BY u.id, u.email;\n",
    NULL};
static const char *const mysql[] = {
    "REPLACE INTO `shop`.`stock_@` (`sku`, `qty`)\n"
    "SELECT `p`.`sku`, SUM(`m`.`delta`) FROM `shop`.`products` `p` JOIN `shop`.`moves_@` `m` ON `m`.`sku` = "
    "`p`.`sku`\nGROUP BY `p`.`sku`;\n",
    "INSERT INTO shop.daily_@ (day, revenue) SELECT DATE(o.created_at), SUM(o.total) FROM shop.orders_@ o\n"
    "GROUP BY DATE(o.created_at);\n",
    NULL};

static const dialect_templates_t dialects[] = {
    {"postgres", "sql", postgres}, {"tsql", "sql", tsql},   {"snowflake", "sql", snowflake},
    {"bigquery", "sql", bigquery}, {"mysql", "sql", mysql},
};
#define N_DIALECTS (sizeof(dialects) / sizeof(dialects[0]))

static int expand(buf_t *out, const char *t, unsigned n)
{
    for(const char *at; (at = strchr(t, '@')) != NULL; t = at + 1) {
        if(buf_add(out, t, (size_t)(at - t)) || buf_printf(out, "%u", n))
            return -1;
    }
    return buf_adds(out, t);
}

/* One file of about `bytes` in dialect d; tables numbered from a pool of `tables`. */
static int write_file(const char *path, const dialect_templates_t *d, size_t bytes, unsigned seed, unsigned tables)
{
    buf_t b;
    buf_init(&b, bytes + 4096);
    unsigned x = seed * 2654435761u + 1;
    for(unsigned i = 0; b.len < bytes; i++) {
        x = x * 1103515245u + 12345u;
        const char *t = d->t[i % 2];
        if(expand(&b, t, (x >> 8) % tables))
            break;
    }
    FILE *f = fopen(path, "w");
    int rc = !f || fwrite(b.data, 1, b.len, f) != b.len;
    if(f)
        rc |= fclose(f);
    buf_free(&b);
    return rc ? -1 : 0;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct tally {
    size_t processed, other;
} tally_t;

static void on_file(void *ud, const ingest_file_event_t *ev)
{
    tally_t *t = ud;
    if(strcmp(ev->status, "processed") == 0)
        t->processed++;
    else
        t->other++;
}

/* DuckDB's own accounting of its memory once the writer is gone (buffer pool, indexes). */
static double duckdb_mb(store_t *store)
{
    duckdb_connection conn;
    duckdb_result res;
    double mb = -1;
    if(store_connect(store, &conn) == STORE_OK) {
        if(duckdb_query(conn, "SELECT sum(memory_usage_bytes) FROM duckdb_memory()", &res) == DuckDBSuccess)
            mb = (double)duckdb_value_int64(&res, 0, 0) / (1 << 20);
        duckdb_destroy_result(&res);
        duckdb_disconnect(&conn);
    }
    return mb;
}

/* Ingests folder `dir` into a new database `db` and closes it; returns wall seconds (and CPU seconds in *cpu), or -1.
 */
static double ingest_dir(const char *dir, const char *db, int workers, tally_t *t, double *cpu, double *duck_mb)
{
    store_t *store = NULL;
    char err[256];
    if(store_open(db, &store, err, sizeof(err))) {
        fprintf(stderr, "bench_ingest: %s\n", err);
        return -1;
    }
    ingest_opts_t opts = {.store = store, .workers = workers, .on_file = on_file, .ud = t};
    ingest_t *in = NULL;
    if(ingest_open(&opts, &in)) {
        store_close(store);
        return -1;
    }
    int64_t t0 = time_mono_ms();
    double c0 = cpu_seconds();
    char id[INGEST_ID_MAX];
    ingest_meta_t meta = {.source = "cli"};
    int rc = ingest_begin(in, &meta, id);
    ingest_walk_t w = {.in = in, .id = id};
    rc = rc ? rc : ingest_walk_add(&w, dir);
    ingest_walk_free(&w);
    rc = rc ? rc : ingest_end(in, id);
    ingest_close(in, 1);
    double c1 = cpu_seconds();
    int64_t t1 = time_mono_ms();
    *duck_mb = duckdb_mb(store);
    c0 += cpu_seconds() - c1;
    t0 += time_mono_ms() - t1;
    /* closing checkpoints what the WAL still holds: part of the cost of ingesting */
    store_close(store);
    double secs = (double)(time_mono_ms() - t0) / 1000.0;
    *cpu = cpu_seconds() - c0;
    return rc ? -1 : secs;
}

int main(int argc, char **argv)
{
    int mb = argc > 1 ? atoi(argv[1]) : 64;
    int small = argc > 2 ? atoi(argv[2]) : 2000;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char dir[] = "/tmp/lineaged-bench-ingest-XXXXXX";
    if(mb < 1 || small < 1 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_ingest [MEGABYTES] [SMALL_FILES]\n");
        return 2;
    }
    char path[512], big[300], tiny[300], db[300];
    snprintf(big, sizeof(big), "%s/big", dir);
    snprintf(tiny, sizeof(tiny), "%s/small", dir);
    if(mkdir(big, 0755) || mkdir(tiny, 0755))
        return 1;
    size_t nbig = ((size_t)mb << 20) / FILE_BYTES, bytes = 0;
    for(size_t i = 0; i < nbig; i++) {
        const dialect_templates_t *d = &dialects[i % N_DIALECTS];
        snprintf(path, sizeof(path), "%s/%s_%04zu.%s", big, d->name, i, d->ext);
        if(write_file(path, d, FILE_BYTES, (unsigned)i, 2000))
            return 1;
        bytes += FILE_BYTES;
    }
    for(int i = 0; i < small; i++) {
        const dialect_templates_t *d = &dialects[(size_t)i % N_DIALECTS];
        snprintf(path, sizeof(path), "%s/%s_%05d.%s", tiny, d->name, i, d->ext);
        if(write_file(path, d, 600, (unsigned)i, 5000))
            return 1;
    }
    long rss_before = peak_rss_kb();

    tally_t t1 = {0}, t2 = {0};
    snprintf(db, sizeof(db), "%s/big.duckdb", dir);
    double c1 = 0, c2 = 0;
    double duck_mb = 0, duck_small_mb = 0;
    double s1 = ingest_dir(big, db, 0, &t1, &c1, &duck_mb);
    struct stat dbst;
    double disk_mb = stat(db, &dbst) == 0 ? (double)dbst.st_size / (1 << 20) : -1;
    long rss_big = peak_rss_kb();
    snprintf(db, sizeof(db), "%s/small.duckdb", dir);
    double s2 = ingest_dir(tiny, db, 0, &t2, &c2, &duck_small_mb);
    if(s1 <= 0 || s2 <= 0) {
        fprintf(stderr, "bench_ingest: ingestion failed\n");
        return 1;
    }
    double mbytes = (double)bytes / (1 << 20);
    printf("ingest %zu files, %.1f MB (postgres, tsql, snowflake, bigquery, mysql; dialect guessed per file): "
           "%.2f s wall, %.1f MB/s; %.2f CPU-s, %.1f MB per CPU-second (%ld cores); %zu processed, %zu other\n",
           nbig, mbytes, s1, mbytes / s1, c1, mbytes / c1, cores, t1.processed, t1.other);
    printf("ingest %d small files (~600 B): %.2f s wall, %.0f files/s; %.2f CPU-s, %.0f files per CPU-second; "
           "%zu processed, %zu other\n",
           small, s2, (double)small / s2, c2, (double)small / c2, t2.processed, t2.other);
    printf("peak RSS: %ld MB before ingesting, %ld MB after the %.0f MB corpus (largest file %u KB); DuckDB "
           "held %.0f MB of it at the end\n",
           rss_before / 1024, rss_big / 1024, mbytes, FILE_BYTES / 1024, duck_mb);
    printf("database file after the %.0f MB corpus: %.1f MB\n", mbytes, disk_mb);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
