#include "store/store.h"

#include "store/migrations.h"
#include "store/rows.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void memory_database_is_migrated_and_empty(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    assert_int_equal(store_schema_version(s), store_n_migrations);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    store_counts_t c;
    assert_int_equal(store_counts(conn, &c), STORE_OK);
    assert_int_equal(c.nodes, 0);
    assert_int_equal(c.edges, 0);
    assert_int_equal(c.files_processed, 0);
    duckdb_disconnect(&conn);
    store_close(s);
}

/* DuckDB's own task threads cost ingest a quarter of its CPU (docs/ingest.md): the store opens it with one. */
static void duckdb_runs_one_thread(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    duckdb_result res;
    assert_int_equal(duckdb_query(conn, "SELECT current_setting('threads')", &res), DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), 1);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    store_close(s);
}

static void counts_reflect_rows(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    assert_int_equal(duckdb_query(conn,
                                  "INSERT INTO nodes VALUES (1, 'table', 'a.t', 1, false, now()),"
                                  " (2, 'view', 'a.v', 1, false, now()),"
                                  " (3, 'column', 'a.t.c', 1, false, now());"
                                  "INSERT INTO edges VALUES (1, 2, 'DERIVES', 1, NULL);"
                                  "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current,"
                                  " created_at, updated_at) VALUES"
                                  " (1, 'i', 'p', 'x.sql', 'processed', true, now(), now()),"
                                  " (2, 'i', 'p', 'y.sql', 'error', true, now(), now()),"
                                  " (3, 'i', 'p', 'z.sql', 'processed', true, now(), now()),"
                                  " (4, 'i', 'p', 'old.sql', 'processed', false, now(), now())",
                                  NULL),
                     DuckDBSuccess);
    store_counts_t c;
    assert_int_equal(store_counts(conn, &c), STORE_OK);
    assert_int_equal(c.nodes, 3);
    assert_int_equal(c.table_nodes, 2);
    assert_int_equal(c.edges, 1);
    assert_int_equal(c.files_processed, 2);
    duckdb_disconnect(&conn);
    store_close(s);
}

static void reopen_keeps_version_and_refuses_newer_schema(void **state)
{
    (void)state;
    char dir[] = "/tmp/lineaged-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/sub/l.duckdb", dir);
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    assert_int_equal(duckdb_query(conn, "INSERT INTO schema_version (version) VALUES (999)", NULL), DuckDBSuccess);
    duckdb_disconnect(&conn);
    store_close(s);

    assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_ERR_SCHEMA);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));

    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A file in another database's format is refused in one line, without fetching an extension for it. */
static void foreign_file_is_refused_without_extensions(void **state)
{
    (void)state;
    char dir[] = "/tmp/lineaged-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/other.db", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static const char header[16] = "SQLite format 3"; /* and its NUL */
    static const char page[4080];
    assert_int_equal(fwrite(header, 1, sizeof(header), f), sizeof(header));
    assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
    assert_int_equal(fclose(f), 0);

    store_t *s = NULL;
    char err[1024] = "";
    assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_ERR_OPEN);
    assert_null(s);
    assert_non_null(strstr(err, path));
    assert_null(strchr(err, '\n'));
    assert_null(strstr(err, "download"));
    assert_null(strstr(err, "http"));
    assert_non_null(strstr(err, "not a valid DuckDB database file"));

    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int64_t count_of(duckdb_connection conn, const char *sql)
{
    duckdb_result res;
    assert_int_equal(duckdb_query(conn, sql, &res), DuckDBSuccess);
    int64_t n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    return n;
}

/* A database at schema `version` (migrations 1..version applied, as a release of then left it), with `rows`. */
static void old_database(const char *path, int version, const char *rows)
{
    duckdb_database db;
    duckdb_connection conn;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &conn), DuckDBSuccess);
    assert_int_equal(
        duckdb_query(conn, "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)", NULL),
        DuckDBSuccess);
    for(int v = 1; v <= version; v++) {
        char record[80];
        snprintf(record, sizeof(record), "INSERT INTO schema_version VALUES (%d, now())", v);
        assert_int_equal(duckdb_query(conn, store_migrations[v - 1], NULL), DuckDBSuccess);
        assert_int_equal(duckdb_query(conn, record, NULL), DuckDBSuccess);
    }
    assert_int_equal(duckdb_query(conn, rows, NULL), DuckDBSuccess);
    duckdb_disconnect(&conn);
    duckdb_close(&db);
}

/* Opens `path` through the store (migrating it) and connects. */
static store_t *open_migrated(const char *path, duckdb_connection *conn)
{
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_OK);
    assert_int_equal(store_schema_version(s), store_n_migrations);
    assert_int_equal(store_connect(s, conn), STORE_OK);
    return s;
}

/* A database at schema `version` holding `rows`, in a folder of its own, opened through the store (migrated). */
typedef struct migrated {
    char dir[32];
    store_t *s;
    duckdb_connection conn;
} migrated_t;

static void migrated_open(migrated_t *m, int version, const char *rows)
{
    snprintf(m->dir, sizeof(m->dir), "/tmp/lineaged-store-XXXXXX");
    assert_non_null(mkdtemp(m->dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/v%d.duckdb", m->dir, version);
    old_database(path, version, rows);
    m->s = open_migrated(path, &m->conn);
}

static void migrated_close(migrated_t *m)
{
    duckdb_disconnect(&m->conn);
    store_close(m->s);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", m->dir);
    assert_int_equal(system(cmd), 0);
}

/* A database written at version 4 (keys on nodes and statements, statement text inline) keeps its rows. */
static void version_4_database_upgrades(void **state)
{
    (void)state;
    migrated_t m;
    migrated_open(&m, 4,
                  "INSERT INTO nodes VALUES (1, 'table', 'a.t', 'p', false, now()),"
                  " (2, 'column', 'a.t.c', 'p', false, now());"
                  "INSERT INTO statements VALUES (7, 3, 0, 'insert', NULL, 2, 1, NULL, NULL,"
                  " 'INSERT INTO a.t SELECT 1', 1, 1, 0)");
    duckdb_connection conn = m.conn;
    assert_int_equal(count_of(conn, "SELECT count(*) FROM nodes WHERE name IN ('a.t', 'a.t.c')"), 2);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements s JOIN statement_sql o ON o.statement_id = s.id"
                                    " WHERE s.id = 7 AND s.file_id = 3 AND o.sql = 'INSERT INTO a.t SELECT 1'"
                                    " AND o.sql_cut = 0 AND s.sql_line = 1"),
                     1);
    /* the writer guarantees unique ids; no index is kept for them */
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
                                    " AND table_name IN ('nodes', 'statements')"),
                     0);
    migrated_close(&m);
}

/*
 * A database written at version 11 (each node row naming its project as a string) keeps every node's
 * project: migration 12 lists each project once in projects and nodes name it by id, in id order.
 */
static void version_11_database_upgrades(void **state)
{
    (void)state;
    migrated_t m;
    migrated_open(&m, 11,
                  "INSERT INTO nodes VALUES (3, 'table', 'a.t', 'p', false, now()), (1, 'column', 'a.t.c', 'p', false,"
                  " now()), (2, 'view', 'b.v', 'q', true, now());"
                  "INSERT INTO nodes SELECT range + 10, 'table', 'big.t' || range, 'r', false, now() FROM range(3000)");
    duckdb_connection conn = m.conn;
    assert_int_equal(count_of(conn, "SELECT count(*) FROM projects"), 3);
    assert_int_equal(count_of(conn, "SELECT count(DISTINCT id) FROM projects"), 3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM nodes n JOIN projects p ON p.id = n.project WHERE"
                                    " (n.id, n.kind::VARCHAR, n.name, p.name, n.temporary) IN ((3, 'table', 'a.t', 'p',"
                                    " false), (1, 'column', 'a.t.c', 'p', false), (2, 'view', 'b.v', 'q', true))"),
                     3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM nodes n JOIN projects p ON p.id = n.project"
                                    " WHERE p.name = 'r' AND n.name = 'big.t' || (n.id - 10)"),
                     3000);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'nodes'"
                                    " AND column_name = 'project' AND data_type = 'INTEGER'"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'nodes'"
                                    " AND column_name = 'project_id'"),
                     0);
    /* rows in id order, as the writer appends them */
    assert_int_equal(count_of(conn, "SELECT count(*) FROM (SELECT id, lag(id) OVER () AS before FROM nodes)"
                                    " WHERE before >= id"),
                     0);
    migrated_close(&m);
}

/*
 * A database written at version 13 keeps its statements in the narrower table of migration 14: a
 * statement's own text (migrations 4-5) moves to statement_sql, routine is gone (the graph index
 * derives it from the kind and name it always equalled), rows stay in id order.
 */
static void version_13_database_upgrades(void **state)
{
    (void)state;
    migrated_t m;
    migrated_open(&m, 13,
                  "INSERT INTO statements VALUES (1, 3, 0, 'create_procedure', 'dbo.load', 1, 1, 'dbo.load', NULL,"
                  " NULL, 1, 1, NULL, 0, 40), (2, 3, 1, 'create_view', 'a.v', 5, 1, NULL, NULL, NULL, 5, 1, NULL, 40, 9),"
                  " (3, 3, 2, 'error', NULL, 7, 3, NULL, 'bad', NULL, 7, 1, NULL, 49, 4),"
                  " (4, 8, 0, 'insert', NULL, 2, 1, NULL, NULL, 'INSERT INTO a.t SELECT 1', 1, 1, 70000, NULL, NULL);"
                  "INSERT INTO statements SELECT range + 10, 9, range, 'select', NULL, range + 1, 1, NULL, NULL, NULL,"
                  " range + 1, 1, NULL, range * 9, 9 FROM range(3000)");
    duckdb_connection conn = m.conn;
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements"), 3004);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements WHERE (id, file_id, ordinal, kind, name,"
                                    " line_start, column_start, error, sql_line, sql_column, sql_offset, sql_length)"
                                    " IN ((1, 3, 0, 'create_procedure', 'dbo.load', 1, 1, NULL, 1, 1, 0, 40),"
                                    " (2, 3, 1, 'create_view', 'a.v', 5, 1, NULL, 5, 1, 40, 9))"),
                     2);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements WHERE id = 3 AND kind = 'error' AND error = 'bad'"
                                    " AND sql_offset = 49 AND sql_length = 4"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements WHERE id >= 10 AND file_id = 9"
                                    " AND sql_offset = (id - 10) * 9 AND sql_line = id - 9"),
                     3000);
    /* the one statement with its own text, and how many bytes were cut from it */
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statement_sql WHERE statement_id = 4"
                                    " AND sql = 'INSERT INTO a.t SELECT 1' AND sql_cut = 70000"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statement_sql"), 1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'statements'"
                                    " AND column_name IN ('sql', 'sql_cut', 'routine')"),
                     0);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM (SELECT id, lag(id) OVER () AS before FROM statements)"
                                    " WHERE before >= id"),
                     0);
    migrated_close(&m);
}

/*
 * A database written at version 6 (edge kinds and transformations as strings) keeps its edges and
 * texts; they are ENUMs afterwards and each column keeps the compression migration 7 chose.
 */
static void version_6_database_upgrades(void **state)
{
    (void)state;
    migrated_t m;
    migrated_open(
        &m, 6,
        "INSERT INTO edges VALUES (1, 2, 'CONTAINS', 7, 3, 'DEFINED'), (4, 2, 'DERIVES', 7, 3, 'AGGREGATION'),"
        " (5, 1, 'READS_FROM', 8, 3, NULL);"
        "INSERT INTO file_texts VALUES (3, 'CREATE TABLE a.t (c int);');"
        "INSERT INTO nodes VALUES (1, 'table', 'a.t', 'p', false, now()), (2, 'column', 'a.t.c', 'p', false,"
        " now()), (4, 'view', 'a.v', 'p', false, now()), (5, 'file', 'a/t.sql', 'p', false, now()),"
        " (6, 'procedure', 'a.p', 'p', false, now());"
        "INSERT INTO ingestions (id, source, project_id, status, started_at)"
        " VALUES ('ing_1', 'cli', 'p', 'completed', now());"
        "INSERT INTO files (id, ingestion_id, project_id, path, status, is_current, created_at, updated_at)"
        " VALUES (3, 'ing_1', 'p', 'a/t.sql', 'processed', true, now(), now());"
        /* enough varied rows that DuckDB would not store them as one constant */
        "INSERT INTO edges SELECT range + 10, range + 11, 'READS_FROM', range, 100 + range % 7, NULL"
        " FROM range(3000);");
    duckdb_connection conn = m.conn;
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges"), 3003);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges WHERE kind = 'CONTAINS' AND transformation = 'DEFINED'"
                                    " AND source = 1 AND target = 2 AND statement_id = 7"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges WHERE kind::VARCHAR = 'DERIVES'"
                                    " AND transformation::VARCHAR = 'AGGREGATION'"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges WHERE kind = 'READS_FROM' AND transformation IS NULL"),
                     3001);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'edges'"
                                    " AND column_name IN ('kind', 'transformation') AND data_type LIKE 'ENUM%'"),
                     2);
    /* migration 11: 32-bit ids and no file_id (an edge's statement names its file) */
    assert_int_equal(count_of(conn,
                              "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'edges'"
                              " AND column_name IN ('source', 'target', 'statement_id') AND data_type = 'UINTEGER'"),
                     3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'edges'"), 5);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM file_texts WHERE file_id = 3"
                                    " AND text = 'CREATE TABLE a.t (c int);'"),
                     1);
    /* nodes keep their kinds as the one-byte ENUM of migration 10 */
    assert_int_equal(count_of(conn,
                              "SELECT count(*) FROM nodes WHERE (id, kind::VARCHAR, name) IN ((1, 'table', 'a.t'),"
                              " (2, 'column', 'a.t.c'), (4, 'view', 'a.v'), (5, 'file', 'a/t.sql'),"
                              " (6, 'procedure', 'a.p'))"),
                     5);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'nodes'"
                                    " AND column_name = 'kind' AND data_type LIKE 'ENUM%'"),
                     1);
    assert_int_not_equal(duckdb_query(conn, "INSERT INTO nodes VALUES (9, 'index', 'a.i', 1, false, now())", NULL),
                         DuckDBSuccess);
    /* files and ingestions were copied by migration 9, their keys and checks kept */
    assert_int_equal(count_of(conn,
                              "SELECT count(*) FROM files f JOIN ingestions i ON i.id = f.ingestion_id"
                              " WHERE f.id = 3 AND f.path = 'a/t.sql' AND f.is_current AND i.status = 'completed'"),
                     1);
    assert_int_not_equal(duckdb_query(conn,
                                      "INSERT INTO files (id, ingestion_id, project_id, path, status, created_at,"
                                      " updated_at) VALUES (3, 'ing_1', 'p', 'b.sql', 'pending', now(), now())",
                                      NULL),
                         DuckDBSuccess);
    assert_int_not_equal(duckdb_query(conn,
                                      "INSERT INTO ingestions (id, source, project_id, status, started_at)"
                                      " VALUES ('ing_2', 'cli', 'p', 'done', now())",
                                      NULL),
                         DuckDBSuccess);
    /* an unknown kind is refused by the type itself, as the CHECK did before */
    assert_int_not_equal(duckdb_query(conn, "INSERT INTO edges VALUES (1, 2, 'LINKS', 7, NULL)", NULL), DuckDBSuccess);
    /* an id past the edges' 32 bits is refused, not wrapped */
    assert_int_not_equal(duckdb_query(conn, "INSERT INTO edges VALUES (4294967296, 2, 'DERIVES', 7, NULL)", NULL),
                         DuckDBSuccess);
    /* the pinned compressions survive a checkpoint */
    assert_int_equal(duckdb_query(conn, "CHECKPOINT", NULL), DuckDBSuccess);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM pragma_storage_info('edges') WHERE segment_type <> 'VALIDITY'"
                                    " AND column_name = 'statement_id' AND compression <> 'BitPacking'"),
                     0);
    assert_int_equal(count_of(conn,
                              "SELECT count(*) > 0 FROM pragma_storage_info('edges') WHERE column_name = 'statement_id'"
                              " AND compression = 'BitPacking'"),
                     1);
    assert_int_equal(
        count_of(conn, "SELECT count(*) FROM pragma_storage_info('file_texts')"
                       " WHERE column_name = 'text' AND segment_type = 'VARCHAR' AND compression <> 'Uncompressed'"),
        0);
    migrated_close(&m);
}

/*
 * A database written at version 11, when a GitHub repository was stored as its name was asked for:
 * "Acme/Widgets" and, ingested again after names were lower-cased, "acme/widgets", each with m.sql
 * current. Afterwards it is one repository with one current m.sql, the newer; the older version's
 * lineage is gone as a superseded version's is, and an upload's repository_name keeps its case.
 */
static void version_11_github_repositories_get_one_identity(void **state)
{
    (void)state;
    migrated_t m;
    migrated_open(&m, 11,
                  "INSERT INTO ingestions (id, source, project_id, repository, status, started_at) VALUES"
                  " ('ing_old', 'github', 'p', 'Acme/Widgets', 'completed', now()),"
                  " ('ing_new', 'github', 'p', 'acme/widgets', 'completed', now()),"
                  " ('ing_up', 'upload', 'p', 'Acme/Widgets', 'completed', now());"
                  "INSERT INTO files (id, ingestion_id, project_id, repository, path, status, is_current, created_at,"
                  " updated_at) VALUES (1, 'ing_old', 'p', 'Acme/Widgets', 'm.sql', 'processed', true, now(), now()),"
                  " (2, 'ing_old', 'p', 'Acme/Widgets', 'only_old.sql', 'processed', true, now(), now()),"
                  " (3, 'ing_new', 'p', 'acme/widgets', 'm.sql', 'processed', true, now(), now()),"
                  " (4, 'ing_up', 'p', 'Acme/Widgets', 'm.sql', 'processed', true, now(), now());"
                  "INSERT INTO statements (id, file_id, ordinal, kind, line_start, column_start) VALUES"
                  " (10, 1, 0, 'insert', 1, 1), (11, 2, 0, 'insert', 1, 1), (12, 3, 0, 'insert', 1, 1),"
                  " (13, 4, 0, 'insert', 1, 1);"
                  "INSERT INTO nodes VALUES (1, 'table', 'old_src', 'p', false, now()),"
                  " (2, 'table', 'shared', 'p', false, now()), (3, 'table', 'new_src', 'p', false, now()),"
                  " (4, 'table', 'kept_src', 'p', false, now()), (5, 'table', 'up_src', 'p', false, now());"
                  "INSERT INTO edges VALUES (1, 2, 'DERIVES', 10, NULL), (4, 2, 'DERIVES', 11, NULL),"
                  " (3, 2, 'DERIVES', 12, NULL), (5, 2, 'DERIVES', 13, NULL);"
                  "INSERT INTO file_texts VALUES (1, 'old'), (2, 'kept'), (3, 'new'), (4, 'up');");
    duckdb_connection conn = m.conn;
    assert_int_equal(count_of(conn, "SELECT count(*) FROM (SELECT project_id, repository, path FROM files"
                                    " WHERE is_current GROUP BY ALL HAVING count(*) > 1)"),
                     0);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM files WHERE is_current AND id IN (2, 3, 4)"), 3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM files WHERE id = 1 AND NOT is_current"), 1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM files WHERE repository = 'acme/widgets'"), 3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM files WHERE id = 4 AND repository = 'Acme/Widgets'"), 1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM ingestions WHERE repository = 'acme/widgets'"), 2);
    assert_int_equal(
        count_of(conn, "SELECT count(*) FROM ingestions WHERE id = 'ing_up' AND repository = 'Acme/Widgets'"), 1);
    /* the older m.sql's lineage left; what other files use stays */
    assert_int_equal(count_of(conn, "SELECT count(*) FROM statements WHERE file_id = 1"), 0);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges WHERE statement_id = 10"), 0);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM file_texts WHERE file_id = 1"), 0);
    assert_int_equal(count_of(conn, "SELECT string_agg(name, ',' ORDER BY name) = 'kept_src,new_src,shared,up_src'"
                                    " FROM nodes"),
                     1);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM edges"), 3);
    assert_int_equal(count_of(conn, "SELECT count(*) FROM file_texts"), 3);
    migrated_close(&m);
}

/* DuckDB's memory_limit setting as it shows it ("48.0 MiB"), after opening `path`. */
static void memory_limit_shown(const char *path, int memory_mb, char *out, size_t outlen)
{
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(memory_mb < 0 ? store_open(path, &s, err, sizeof(err))
                                   : store_open_with(path, memory_mb, &s, err, sizeof(err)),
                     STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    duckdb_result res;
    assert_int_equal(duckdb_query(conn, "SELECT current_setting('memory_limit')", &res), DuckDBSuccess);
    char *v = duckdb_value_varchar(&res, 0, 0);
    snprintf(out, outlen, "%s", v ? v : "");
    duckdb_free(v);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    store_close(s);
}

/*
 * A database file gets a memory limit, its cache plus the writer's commit room (the cache otherwise
 * grows with the corpus); :memory: does not.
 */
static void database_file_memory_is_limited(void **state)
{
    (void)state;
    char dir[] = "/tmp/lineaged-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/m.duckdb", dir);
    char shown[64], want[64];
    snprintf(want, sizeof(want), "%d.0 MiB", STORE_MEMORY_MB_DEFAULT + STORE_COMMIT_ROOM_MB);
    memory_limit_shown(path, -1, shown, sizeof(shown));
    assert_string_equal(shown, want);
    snprintf(want, sizeof(want), "%d.0 MiB", 48 + STORE_COMMIT_ROOM_MB);
    memory_limit_shown(path, 48, shown, sizeof(shown));
    assert_string_equal(shown, want);
    memory_limit_shown(":memory:", 48, shown, sizeof(shown));
    assert_string_not_equal(shown, want);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/*
 * Running out of DuckDB's memory limit is told by the error's type, for a query and for a prepared
 * statement alike (the writer's prepared statements were not recognised by the message match); any
 * other failure is not mistaken for it.
 */
static void out_of_memory_is_told_by_its_type(void **state)
{
    (void)state;
    char dir[] = "/tmp/lineaged-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], err[256] = "";
    snprintf(path, sizeof(path), "%s/oom.duckdb", dir);
    store_t *s = NULL;
    assert_int_equal(store_open_with(path, 16, &s, err, sizeof(err)), STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    /* one list of 3 million strings: a single allocation over the 16 MiB limit, which cannot spill */
    static const char big[] = "SELECT list(i::VARCHAR || 'abcdefghijklmnopqrstuvwxyz0123456') FROM range(3000000) t(i)";
    duckdb_result res;
    assert_int_equal(duckdb_query(conn, big, &res), DuckDBError);
    assert_int_equal(store_out_of_memory(&res), 1);
    duckdb_destroy_result(&res);
    duckdb_prepared_statement st;
    assert_int_equal(duckdb_prepare(conn, "SELECT list(i::VARCHAR || repeat('x', 32)) FROM range($1) t(i)", &st),
                     DuckDBSuccess);
    assert_int_equal(duckdb_bind_int64(st, 1, 3000000), DuckDBSuccess);
    assert_int_equal(duckdb_execute_prepared(st, &res), DuckDBError);
    assert_int_equal(store_out_of_memory(&res), 1);
    duckdb_destroy_result(&res);
    assert_int_equal(duckdb_bind_int64(st, 1, 10), DuckDBSuccess);
    assert_int_equal(duckdb_execute_prepared(st, &res), DuckDBSuccess);
    duckdb_destroy_result(&res);
    duckdb_destroy_prepare(&st);
    /* other failures, including one whose text names memory, are not a shortage */
    assert_int_equal(duckdb_query(conn, "SELECT * FROM no_such_table_of_64_MiB_used", &res), DuckDBError);
    assert_int_equal(store_out_of_memory(&res), 0);
    duckdb_destroy_result(&res);
    assert_int_equal(duckdb_query(conn, "SELECT error('could not allocate block (63.7 MiB/64.0 MiB used)')", &res),
                     DuckDBError);
    assert_int_equal(store_out_of_memory(&res), 0);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    store_close(s);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Rows written into chunks arrive whole: across a full chunk, with NULLs, long and short strings, ENUM bytes. */
static void rows_go_in_by_chunks(void **state)
{
    (void)state;
    store_t *s = NULL;
    char err[256] = "";
    assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
    duckdb_connection conn;
    assert_int_equal(store_connect(s, &conn), STORE_OK);
    assert_int_equal(
        duckdb_query(conn,
                     "CREATE TYPE t_kind AS ENUM ('a', 'b', 'c');"
                     "CREATE TABLE t (i BIGINT, n INTEGER, flag BOOLEAN, ts TIMESTAMP, s VARCHAR, k t_kind)",
                     NULL),
        DuckDBSuccess);
    duckdb_appender app;
    assert_int_equal(duckdb_appender_create(conn, NULL, "t", &app), DuckDBSuccess);
    store_rows_t r;
    const store_col_t wrong[] = {STORE_COL_BIGINT,    STORE_COL_BIGINT,  STORE_COL_BOOLEAN,
                                 STORE_COL_TIMESTAMP, STORE_COL_VARCHAR, STORE_COL_ENUM8};
    assert_int_equal(store_rows_open(&r, app, wrong, 6), -1);
    assert_int_equal(store_rows_open(&r, app, wrong, 5), -1);
    const store_col_t cols[] = {STORE_COL_BIGINT,    STORE_COL_INTEGER, STORE_COL_BOOLEAN,
                                STORE_COL_TIMESTAMP, STORE_COL_VARCHAR, STORE_COL_ENUM8};
    assert_int_equal(store_rows_open(&r, app, cols, 6), 0);
    const int64_t total = 5000; /* two full chunks and a part */
    for(int64_t i = 0; i < total; i++) {
        char text[64];
        int len = snprintf(text, sizeof(text), i % 2 ? "row %lld, a string past twelve bytes" : "r%lld", (long long)i);
        store_rows_i64(&r, 0, i);
        store_rows_i32(&r, 1, (int32_t)(i * 3));
        store_rows_bool(&r, 2, i % 3 == 0);
        store_rows_ts(&r, 3, (duckdb_timestamp){i * 1000000});
        if(i % 7 == 0)
            store_rows_str(&r, 4, NULL, 0);
        else
            store_rows_str(&r, 4, text, (size_t)len);
        if(i % 5 == 0)
            store_rows_null(&r, 5);
        else
            store_rows_u8(&r, 5, (uint8_t)(i % 3));
        assert_int_equal(store_rows_end(&r), 0);
    }
    assert_int_equal(store_rows_push(&r), 0);
    assert_int_equal(duckdb_appender_flush(app), DuckDBSuccess);
    store_rows_close(&r);
    duckdb_appender_destroy(&app);
    duckdb_result res;
    assert_int_equal(
        duckdb_query(conn,
                     "SELECT count(*), sum(i), sum(n), count(*) FILTER (flag), count(s), count(k),"
                     " count(*) FILTER (k = 'c'), count(*) FILTER (s = 'row 4999, a string past twelve bytes'),"
                     " count(*) FILTER (s = 'r4996'), count(*) FILTER (epoch(ts) = i) FROM t",
                     &res),
        DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), total);
    assert_int_equal(duckdb_value_int64(&res, 1, 0), total * (total - 1) / 2);
    assert_int_equal(duckdb_value_int64(&res, 2, 0), 3 * total * (total - 1) / 2);
    assert_int_equal(duckdb_value_int64(&res, 3, 0), (total + 2) / 3);
    assert_int_equal(duckdb_value_int64(&res, 4, 0), total - (total + 6) / 7);
    assert_int_equal(duckdb_value_int64(&res, 5, 0), total - total / 5);
    int64_t c = 0;
    for(int64_t i = 0; i < total; i++)
        c += i % 5 != 0 && i % 3 == 2;
    assert_int_equal(duckdb_value_int64(&res, 6, 0), c);
    assert_int_equal(duckdb_value_int64(&res, 7, 0), 1);
    assert_int_equal(duckdb_value_int64(&res, 8, 0), 1);
    assert_int_equal(duckdb_value_int64(&res, 9, 0), total);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&conn);
    store_close(s);
}

static void error_codes_have_text(void **state)
{
    (void)state;
    for(int code = STORE_ERR_CONFIG; code <= STORE_OK; code++)
        assert_string_not_equal(store_strerror(code), "unknown store error");
    assert_string_equal(store_strerror(12345), "unknown store error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_database_is_migrated_and_empty),
        cmocka_unit_test(duckdb_runs_one_thread),
        cmocka_unit_test(counts_reflect_rows),
        cmocka_unit_test(reopen_keeps_version_and_refuses_newer_schema),
        cmocka_unit_test(foreign_file_is_refused_without_extensions),
        cmocka_unit_test(version_4_database_upgrades),
        cmocka_unit_test(version_6_database_upgrades),
        cmocka_unit_test(version_11_database_upgrades),
        cmocka_unit_test(version_13_database_upgrades),
        cmocka_unit_test(version_11_github_repositories_get_one_identity),
        cmocka_unit_test(database_file_memory_is_limited),
        cmocka_unit_test(out_of_memory_is_told_by_its_type),
        cmocka_unit_test(rows_go_in_by_chunks),
        cmocka_unit_test(error_codes_have_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
