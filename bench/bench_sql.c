/* Throughput of table+column lineage on a generated SQL corpus, one core.
 * Build and run: see docs/sql-lineage.md ("Speed"). Usage: bench_sql [MEGABYTES] */
#include "sql/lineage.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *const templates[] = {
    "INSERT INTO dw.fact_sales_@ (order_id, customer_id, amount, region)\n"
    "SELECT o.id, c.id, SUM(l.price * l.qty) AS amount, COALESCE(c.region, 'n/a')\n"
    "FROM staging.orders_@ o\n"
    "  JOIN staging.customers c ON c.id = o.customer_id\n"
    "  LEFT JOIN staging.lines l ON l.order_id = o.id -- join the lines\n"
    "WHERE o.created_at >= DATE '2024-01-01' AND o.status IN ('paid', 'shipped')\n"
    "GROUP BY o.id, c.id, c.region;\n",
    "WITH recent AS (\n  SELECT user_id, MAX(ts) AS last_seen FROM events.clicks_@ GROUP BY user_id\n),\n"
    "ranked AS (\n  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.user_id ORDER BY r.last_seen DESC) AS rn\n  FROM "
    "recent r\n)\n"
    "INSERT INTO marts.active_users_@\nSELECT u.id, u.email, ranked.last_seen,\n"
    "       CASE WHEN ranked.last_seen > CURRENT_DATE - INTERVAL '7' DAY THEN 'active' ELSE 'idle' END AS status\n"
    "FROM ranked JOIN core.users u ON u.id = ranked.user_id WHERE ranked.rn = 1;\n",
    "CREATE TABLE tmp.snapshot_@ AS\nSELECT p.sku, p.name, (SELECT MAX(s.qty) FROM inv.stock_@ s WHERE s.sku = p.sku) "
    "AS max_qty\n"
    "FROM inv.products p WHERE p.active = TRUE;\n",
    "UPDATE dw.dim_product_@ SET price = s.price, updated_at = s.ts\nFROM staging.prices s WHERE s.sku = "
    "dw.dim_product_@.sku;\n",
    "MERGE INTO dw.customers_@ t USING (SELECT id, name, email FROM staging.customers_@) s ON t.id = s.id\n"
    "WHEN MATCHED THEN UPDATE SET name = s.name, email = s.email\n"
    "WHEN NOT MATCHED THEN INSERT (id, name, email) VALUES (s.id, s.name, s.email);\n",
    "/* daily rebuild */\nCREATE OR REPLACE VIEW reporting.revenue_@ AS\n"
    "SELECT region, DATE_TRUNC('month', order_date) AS month, SUM(amount) AS revenue\n"
    "FROM dw.fact_sales_@ GROUP BY 1, 2 HAVING SUM(amount) > 0;\n",
};

/* Append template `t` with each @ replaced by the next of a, b. */
static int expand(buf_t *out, const char *t, unsigned a, unsigned b)
{
    unsigned vals[2] = {a, b};
    int k = 0;
    for(const char *at; (at = strchr(t, '@')) != NULL; t = at + 1) {
        if(buf_add(out, t, (size_t)(at - t)) || buf_printf(out, "%u", vals[k++ % 2]))
            return -1;
    }
    return buf_adds(out, t);
}

static int mem_read(void *ud, char *buf, size_t cap, size_t *got)
{
    buf_t *src = ((buf_t **)ud)[0];
    size_t *pos = ((size_t **)ud)[1];
    size_t n = src->len - *pos < cap ? src->len - *pos : cap;
    memcpy(buf, src->data + *pos, n);
    *pos += n;
    *got = n;
    return 0;
}

static int count_stmt(void *ud, const sql_statement_t *st)
{
    size_t *n = ud;
    (void)st;
    *n += 1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    if(mb == 0 || mb > 4096) {
        fprintf(stderr, "usage: bench_sql [MEGABYTES 1..4096]\n");
        return 2;
    }
    buf_t sql;
    buf_init(&sql, mb << 21);
    for(unsigned i = 0; sql.len < (mb << 20); i++) {
        const char *t = templates[i % (sizeof templates / sizeof templates[0])];
        if(expand(&sql, t, i % 997, i % 991)) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
    }
    struct timespec a, b, ca, cb;
    size_t pos = 0, stmts = 0;
    void *rd[2] = {&sql, &pos};
    sql_lineage_opts_t opts = {.dialect = SQL_DIALECT_ANSI, .on_statement = count_stmt, .ud = &stmts};
    sql_lineage_t *l = NULL;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
    int rc = sql_lineage_run(mem_read, rd, &opts, &l);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if(rc) {
        fprintf(stderr, "lineage failed: %s\n", sql_strerror(rc));
        return 1;
    }
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    double cpu = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
    double mbytes = (double)sql.len / (1024.0 * 1024.0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("input %.1f MB, %zu statements, %zu errors, %zu sources, %zu targets\n", mbytes, stmts, l->nerrors,
           l->sources.n, l->targets.n);
    printf("wall %.3f s, cpu %.3f s: %.1f MB/s per core (%.1f MB/s wall), %.0f statements/s; peak RSS %ld MB "
           "(the %.0f MB input included)\n",
           secs, cpu, mbytes / cpu, mbytes / secs, (double)stmts / cpu, ru.ru_maxrss / 1024, mbytes);
    sql_lineage_free(l);
    buf_free(&sql);
    return 0;
}
