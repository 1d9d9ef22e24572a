#include "store/migrations.h"

const char *const store_migrations[] = {
    /* 1: file metadata and the lineage graph. */
    "CREATE SEQUENCE file_ids START 1;"
    "CREATE TABLE files ("
    "  id BIGINT PRIMARY KEY DEFAULT nextval('file_ids'),"
    "  project_id VARCHAR, repository VARCHAR, path VARCHAR NOT NULL,"
    "  content_sha256 VARCHAR, size_bytes BIGINT, dialect VARCHAR,"
    "  status VARCHAR NOT NULL CHECK (status IN ('pending', 'processed', 'error', 'skipped')),"
    "  error VARCHAR, ingestion_id VARCHAR, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp);"
    "CREATE SEQUENCE node_ids START 1;"
    "CREATE TABLE nodes ("
    "  id BIGINT PRIMARY KEY DEFAULT nextval('node_ids'),"
    "  name VARCHAR NOT NULL, type VARCHAR NOT NULL, file_id BIGINT,"
    "  created_at TIMESTAMP NOT NULL DEFAULT current_timestamp);"
    "CREATE TABLE edges ("
    "  source BIGINT NOT NULL, target BIGINT NOT NULL, type VARCHAR NOT NULL,"
    "  file_id BIGINT, statement_line INTEGER);",
    /* 2: the graph of docs/graph.md. Migration 1's tables were never written by any release. */
    "DROP TABLE edges; DROP TABLE nodes; DROP TABLE files;"
    "DROP SEQUENCE file_ids; DROP SEQUENCE node_ids;"
    "CREATE TABLE ingestions ("
    "  id VARCHAR PRIMARY KEY,"
    "  source VARCHAR NOT NULL CHECK (source IN ('upload', 'github', 'cli')),"
    "  project_id VARCHAR NOT NULL, repository VARCHAR, branch VARCHAR, commit_sha VARCHAR, dialect VARCHAR,"
    "  status VARCHAR NOT NULL CHECK (status IN"
    "    ('running', 'completed', 'completed_with_errors', 'failed', 'interrupted')),"
    "  input_complete BOOLEAN NOT NULL DEFAULT false,"
    "  started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,"
    "  total_files INTEGER NOT NULL DEFAULT 0, files_processed INTEGER NOT NULL DEFAULT 0,"
    "  files_failed INTEGER NOT NULL DEFAULT 0, files_skipped INTEGER NOT NULL DEFAULT 0,"
    "  nodes_created BIGINT NOT NULL DEFAULT 0, error VARCHAR);"
    "CREATE TABLE files ("
    "  id BIGINT PRIMARY KEY, ingestion_id VARCHAR NOT NULL, project_id VARCHAR NOT NULL,"
    "  repository VARCHAR, path VARCHAR NOT NULL, disk_path VARCHAR, owned BOOLEAN NOT NULL DEFAULT false,"
    "  dialect VARCHAR, sha256 VARCHAR, size_bytes BIGINT,"
    "  status VARCHAR NOT NULL CHECK (status IN ('pending', 'processing', 'processed', 'error', 'skipped')),"
    "  error VARCHAR, is_current BOOLEAN NOT NULL DEFAULT false, statements INTEGER, nodes_created INTEGER,"
    "  created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);"
    "CREATE TABLE statements ("
    "  id BIGINT PRIMARY KEY, file_id BIGINT NOT NULL, ordinal INTEGER NOT NULL, kind VARCHAR NOT NULL,"
    "  name VARCHAR, line_start INTEGER NOT NULL, column_start INTEGER NOT NULL, routine VARCHAR, error VARCHAR);"
    "CREATE TABLE nodes ("
    "  id BIGINT PRIMARY KEY,"
    "  kind VARCHAR NOT NULL CHECK (kind IN ('table', 'view', 'column', 'procedure', 'file')),"
    "  name VARCHAR NOT NULL, project_id VARCHAR NOT NULL, temporary BOOLEAN NOT NULL,"
    "  first_seen TIMESTAMP NOT NULL);"
    "CREATE TABLE edges ("
    "  source BIGINT NOT NULL, target BIGINT NOT NULL,"
    "  kind VARCHAR NOT NULL CHECK (kind IN"
    "    ('DERIVES', 'READS_FROM', 'WRITES_TO', 'CONTAINS', 'DEFINED_IN', 'CALLS')),"
    "  statement_id BIGINT NOT NULL, file_id BIGINT NOT NULL, transformation VARCHAR);",
    /* 3: the live counters over time, so `trends` survive a restart. */
    "CREATE TABLE stats_snapshots ("
    "  taken_at TIMESTAMP NOT NULL, nodes BIGINT NOT NULL, edges BIGINT NOT NULL, files BIGINT NOT NULL);",
    /* 4: each statement's SQL text, so chat and export need not read files back (uploads are deleted). */
    "ALTER TABLE statements ADD COLUMN sql VARCHAR;"
    "ALTER TABLE statements ADD COLUMN sql_line INTEGER;"
    "ALTER TABLE statements ADD COLUMN sql_column INTEGER;"
    "ALTER TABLE statements ADD COLUMN sql_cut BIGINT;",
    /*
     * 5: no primary key on nodes and statements. The writer alone assigns their ids (unique by
     * construction), and keeping the key's index cost ~10% of ingest CPU and memory growing with the
     * graph (docs/ingest.md). DuckDB cannot drop a key, so both tables are copied.
     */
    "CREATE TABLE nodes_v5 ("
    "  id BIGINT NOT NULL,"
    "  kind VARCHAR NOT NULL CHECK (kind IN ('table', 'view', 'column', 'procedure', 'file')),"
    "  name VARCHAR NOT NULL, project_id VARCHAR NOT NULL, temporary BOOLEAN NOT NULL,"
    "  first_seen TIMESTAMP NOT NULL);"
    "INSERT INTO nodes_v5 SELECT id, kind, name, project_id, temporary, first_seen FROM nodes;"
    "DROP TABLE nodes; ALTER TABLE nodes_v5 RENAME TO nodes;"
    "CREATE TABLE statements_v5 ("
    "  id BIGINT NOT NULL, file_id BIGINT NOT NULL, ordinal INTEGER NOT NULL, kind VARCHAR NOT NULL,"
    "  name VARCHAR, line_start INTEGER NOT NULL, column_start INTEGER NOT NULL, routine VARCHAR, error VARCHAR,"
    "  sql VARCHAR, sql_line INTEGER, sql_column INTEGER, sql_cut BIGINT);"
    "INSERT INTO statements_v5 SELECT id, file_id, ordinal, kind, name, line_start, column_start, routine, error,"
    "  sql, sql_line, sql_column, sql_cut FROM statements;"
    "DROP TABLE statements; ALTER TABLE statements_v5 RENAME TO statements;",
    /*
     * 6: a file's text once, not cut per statement: each statement keeps the byte range of its part.
     * Compressing and analysing the per-statement copies cost ~15% of ingest CPU (docs/ingest.md).
     */
    "CREATE TABLE file_texts (file_id BIGINT NOT NULL, text VARCHAR NOT NULL);"
    "ALTER TABLE statements ADD COLUMN sql_offset BIGINT;"
    "ALTER TABLE statements ADD COLUMN sql_length BIGINT;",
    /*
     * 7: narrower edges, each column's compression chosen here. An edge's kind and transformation
     * are one byte (ENUMs, appended as integers) instead of strings, and DuckDB no longer tries
     * every compression method on every column at each checkpoint, nor FSST and dictionaries on
     * whole file texts that it then stores uncompressed anyway: that choice was ~15% of ingest
     * instructions (docs/ingest.md). The ENUMs' order is the writer's (src/ingest/writer.c).
     */
    "CREATE TYPE edge_kind AS ENUM ('DERIVES', 'READS_FROM', 'WRITES_TO', 'CONTAINS', 'DEFINED_IN', 'CALLS');"
    "CREATE TYPE edge_transformation AS ENUM ('DEFINED', 'IDENTITY', 'TRANSFORMATION', 'AGGREGATION', 'JOIN',"
    "  'FILTER', 'GROUP_BY', 'SORT', 'WINDOW', 'CONDITIONAL');"
    "CREATE TABLE edges_v7 ("
    "  source BIGINT NOT NULL USING COMPRESSION bitpacking, target BIGINT NOT NULL USING COMPRESSION bitpacking,"
    "  kind edge_kind NOT NULL USING COMPRESSION bitpacking,"
    "  statement_id BIGINT NOT NULL USING COMPRESSION bitpacking, file_id BIGINT NOT NULL USING COMPRESSION rle,"
    "  transformation edge_transformation USING COMPRESSION rle);"
    "INSERT INTO edges_v7 SELECT source, target, kind::edge_kind, statement_id, file_id,"
    "  transformation::edge_transformation FROM edges;"
    "DROP TABLE edges; ALTER TABLE edges_v7 RENAME TO edges;"
    "CREATE TABLE file_texts_v7 (file_id BIGINT NOT NULL, text VARCHAR NOT NULL USING COMPRESSION uncompressed);"
    "INSERT INTO file_texts_v7 SELECT file_id, text FROM file_texts;"
    "DROP TABLE file_texts; ALTER TABLE file_texts_v7 RENAME TO file_texts;"
    "CREATE TABLE nodes_v7 ("
    "  id BIGINT NOT NULL USING COMPRESSION bitpacking,"
    "  kind VARCHAR NOT NULL USING COMPRESSION dictionary"
    "    CHECK (kind IN ('table', 'view', 'column', 'procedure', 'file')),"
    "  name VARCHAR NOT NULL USING COMPRESSION uncompressed,"
    "  project_id VARCHAR NOT NULL USING COMPRESSION dictionary, temporary BOOLEAN NOT NULL,"
    "  first_seen TIMESTAMP NOT NULL USING COMPRESSION rle);"
    "INSERT INTO nodes_v7 SELECT id, kind, name, project_id, temporary, first_seen FROM nodes;"
    "DROP TABLE nodes; ALTER TABLE nodes_v7 RENAME TO nodes;"
    "CREATE TABLE statements_v7 ("
    "  id BIGINT NOT NULL USING COMPRESSION bitpacking, file_id BIGINT NOT NULL USING COMPRESSION rle,"
    "  ordinal INTEGER NOT NULL USING COMPRESSION bitpacking, kind VARCHAR NOT NULL USING COMPRESSION dictionary,"
    "  name VARCHAR USING COMPRESSION uncompressed, line_start INTEGER NOT NULL USING COMPRESSION bitpacking,"
    "  column_start INTEGER NOT NULL USING COMPRESSION bitpacking, routine VARCHAR USING COMPRESSION uncompressed,"
    "  error VARCHAR USING COMPRESSION uncompressed, sql VARCHAR USING COMPRESSION uncompressed,"
    "  sql_line INTEGER USING COMPRESSION bitpacking, sql_column INTEGER USING COMPRESSION bitpacking,"
    "  sql_cut BIGINT USING COMPRESSION bitpacking, sql_offset BIGINT USING COMPRESSION bitpacking,"
    "  sql_length BIGINT USING COMPRESSION bitpacking);"
    "INSERT INTO statements_v7 SELECT id, file_id, ordinal, kind, name, line_start, column_start, routine, error,"
    "  sql, sql_line, sql_column, sql_cut, sql_offset, sql_length FROM statements;"
    "DROP TABLE statements; ALTER TABLE statements_v7 RENAME TO statements;",
    /*
     * 8: 'DROPPED' joins the edge transformations (a CONTAINS edge of a column that ALTER TABLE
     * drops or renames away, docs/graph.md). DuckDB cannot add a value to an ENUM, so the edges
     * move to a table with a new one, their compression as in 7.
     */
    "CREATE TYPE edge_transformation_v8 AS ENUM ('DEFINED', 'IDENTITY', 'TRANSFORMATION', 'AGGREGATION', 'JOIN',"
    "  'FILTER', 'GROUP_BY', 'SORT', 'WINDOW', 'CONDITIONAL', 'DROPPED');"
    "CREATE TABLE edges_v8 ("
    "  source BIGINT NOT NULL USING COMPRESSION bitpacking, target BIGINT NOT NULL USING COMPRESSION bitpacking,"
    "  kind edge_kind NOT NULL USING COMPRESSION bitpacking,"
    "  statement_id BIGINT NOT NULL USING COMPRESSION bitpacking, file_id BIGINT NOT NULL USING COMPRESSION rle,"
    "  transformation edge_transformation_v8 USING COMPRESSION rle);"
    "INSERT INTO edges_v8 SELECT source, target, kind, statement_id, file_id,"
    "  transformation::VARCHAR::edge_transformation_v8 FROM edges;"
    "DROP TABLE edges; ALTER TABLE edges_v8 RENAME TO edges; DROP TYPE edge_transformation;",
    /*
     * 9: the strings of files and ingestions uncompressed. Each commit updates its file's row, so
     * every checkpoint rewrote the files table and tried FSST and dictionaries on each of its string
     * columns: a cost per checkpoint, 3.8% of ingest instructions (docs/ingest.md).
     */
    "CREATE TABLE files_v9 ("
    "  id BIGINT PRIMARY KEY, ingestion_id VARCHAR NOT NULL USING COMPRESSION uncompressed,"
    "  project_id VARCHAR NOT NULL USING COMPRESSION uncompressed, repository VARCHAR USING COMPRESSION uncompressed,"
    "  path VARCHAR NOT NULL USING COMPRESSION uncompressed, disk_path VARCHAR USING COMPRESSION uncompressed,"
    "  owned BOOLEAN NOT NULL DEFAULT false, dialect VARCHAR USING COMPRESSION uncompressed,"
    "  sha256 VARCHAR USING COMPRESSION uncompressed, size_bytes BIGINT,"
    "  status VARCHAR NOT NULL USING COMPRESSION uncompressed"
    "    CHECK (status IN ('pending', 'processing', 'processed', 'error', 'skipped')),"
    "  error VARCHAR USING COMPRESSION uncompressed, is_current BOOLEAN NOT NULL DEFAULT false,"
    "  statements INTEGER, nodes_created INTEGER, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);"
    "INSERT INTO files_v9 SELECT id, ingestion_id, project_id, repository, path, disk_path, owned, dialect, sha256,"
    "  size_bytes, status, error, is_current, statements, nodes_created, created_at, updated_at FROM files;"
    "DROP TABLE files; ALTER TABLE files_v9 RENAME TO files;"
    "CREATE TABLE ingestions_v9 ("
    "  id VARCHAR PRIMARY KEY USING COMPRESSION uncompressed,"
    "  source VARCHAR NOT NULL USING COMPRESSION uncompressed CHECK (source IN ('upload', 'github', 'cli')),"
    "  project_id VARCHAR NOT NULL USING COMPRESSION uncompressed, repository VARCHAR USING COMPRESSION uncompressed,"
    "  branch VARCHAR USING COMPRESSION uncompressed, commit_sha VARCHAR USING COMPRESSION uncompressed,"
    "  dialect VARCHAR USING COMPRESSION uncompressed,"
    "  status VARCHAR NOT NULL USING COMPRESSION uncompressed CHECK (status IN"
    "    ('running', 'completed', 'completed_with_errors', 'failed', 'interrupted')),"
    "  input_complete BOOLEAN NOT NULL DEFAULT false,"
    "  started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,"
    "  total_files INTEGER NOT NULL DEFAULT 0, files_processed INTEGER NOT NULL DEFAULT 0,"
    "  files_failed INTEGER NOT NULL DEFAULT 0, files_skipped INTEGER NOT NULL DEFAULT 0,"
    "  nodes_created BIGINT NOT NULL DEFAULT 0, error VARCHAR USING COMPRESSION uncompressed);"
    "INSERT INTO ingestions_v9 SELECT id, source, project_id, repository, branch, commit_sha, dialect, status,"
    "  input_complete, started_at, finished_at, total_files, files_processed, files_failed, files_skipped,"
    "  nodes_created, error FROM ingestions;"
    "DROP TABLE ingestions; ALTER TABLE ingestions_v9 RENAME TO ingestions;",
    /*
     * 10: a node's kind is a one-byte ENUM (appended as its index, in the writer's order) instead of
     * a string: each node's kind was a string to append, check, hash for DuckDB's statistics and
     * dictionary-compress at every checkpoint (docs/ingest.md). The type refuses other values, as the
     * CHECK did; SQL still compares it with strings.
     */
    "CREATE TYPE node_kind AS ENUM ('table', 'view', 'column', 'procedure', 'file');"
    "CREATE TABLE nodes_v10 ("
    "  id BIGINT NOT NULL USING COMPRESSION bitpacking,"
    "  kind node_kind NOT NULL USING COMPRESSION bitpacking,"
    "  name VARCHAR NOT NULL USING COMPRESSION uncompressed,"
    "  project_id VARCHAR NOT NULL USING COMPRESSION dictionary, temporary BOOLEAN NOT NULL,"
    "  first_seen TIMESTAMP NOT NULL USING COMPRESSION rle);"
    "INSERT INTO nodes_v10 SELECT id, kind::node_kind, name, project_id, temporary, first_seen FROM nodes;"
    "DROP TABLE nodes; ALTER TABLE nodes_v10 RENAME TO nodes;",
    /*
     * 11: narrower edges, the table of ~55,000 rows per MB of SQL. Their ids are UINTEGER, half the
     * bytes DuckDB appends, moves into the table and compresses (the writer refuses an id past
     * 2^32 - 1: ingest.id_limit), and file_id is gone: an edge's statement names its file
     * (statements.file_id), and a file's statements have consecutive ids (docs/ingest.md, tenth round).
     */
    "CREATE TABLE edges_v11 ("
    "  source UINTEGER NOT NULL USING COMPRESSION bitpacking, target UINTEGER NOT NULL USING COMPRESSION bitpacking,"
    "  kind edge_kind NOT NULL USING COMPRESSION bitpacking,"
    "  statement_id UINTEGER NOT NULL USING COMPRESSION bitpacking,"
    "  transformation edge_transformation_v8 USING COMPRESSION rle);"
    "INSERT INTO edges_v11 SELECT source, target, kind, statement_id, transformation FROM edges;"
    "DROP TABLE edges; ALTER TABLE edges_v11 RENAME TO edges;",
    /*
     * 12: a node's project is an id into projects, not the name again on every row: ~7,500 rows per MB
     * of SQL each carried a string that DuckDB appended, checked, hashed for its statistics, logged and
     * dictionary-analysed at every checkpoint (docs/ingest.md, eleventh round). The project of a node
     * is still the one of the file that first named it: `JOIN projects p ON p.id = nodes.project`.
     */
    "CREATE TABLE projects (id INTEGER NOT NULL, name VARCHAR NOT NULL);"
    "INSERT INTO projects SELECT row_number() OVER (ORDER BY project_id), project_id"
    "  FROM (SELECT DISTINCT project_id FROM nodes);"
    "CREATE TABLE nodes_v12 ("
    "  id BIGINT NOT NULL USING COMPRESSION bitpacking,"
    "  kind node_kind NOT NULL USING COMPRESSION bitpacking,"
    "  name VARCHAR NOT NULL USING COMPRESSION uncompressed,"
    "  project INTEGER NOT NULL USING COMPRESSION rle, temporary BOOLEAN NOT NULL,"
    "  first_seen TIMESTAMP NOT NULL USING COMPRESSION rle);"
    "INSERT INTO nodes_v12 SELECT n.id, n.kind, n.name, p.id, n.temporary, n.first_seen"
    "  FROM nodes n JOIN projects p ON p.name = n.project_id ORDER BY n.id;"
    "DROP TABLE nodes; ALTER TABLE nodes_v12 RENAME TO nodes;",
    /*
     * 13: one identity per GitHub repository. Its name is stored lower-cased (GitHub ignores case), but
     * rows stored before that kept the case asked for, so `Acme/X` and `acme/x` were two repositories
     * and a file of both was current twice. Their names are lower-cased; where a file is then current
     * more than once, the newest version stays and the older ones are superseded as the writer does it
     * (their edges, statements and texts go, nodes left without an edge go with them).
     */
    "CREATE TEMP TABLE m13_key AS SELECT f.id, f.project_id, f.path, f.is_current,"
    "  CASE WHEN i.source = 'github' THEN lower(f.repository) ELSE f.repository END AS repository"
    "  FROM files f LEFT JOIN ingestions i ON i.id = f.ingestion_id;"
    "CREATE TEMP TABLE m13_old AS SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY project_id,"
    "  coalesce(repository, ''), path ORDER BY id DESC) AS newest FROM m13_key WHERE is_current) WHERE newest > 1;"
    "CREATE TEMP TABLE m13_stmts AS SELECT id FROM statements WHERE file_id IN (SELECT id FROM m13_old);"
    "CREATE TEMP TABLE m13_touched AS SELECT source AS id FROM edges WHERE statement_id IN (SELECT id FROM m13_stmts)"
    "  UNION SELECT target FROM edges WHERE statement_id IN (SELECT id FROM m13_stmts);"
    "DELETE FROM edges WHERE statement_id IN (SELECT id FROM m13_stmts);"
    "DELETE FROM statements WHERE id IN (SELECT id FROM m13_stmts);"
    "DELETE FROM file_texts WHERE file_id IN (SELECT id FROM m13_old);"
    "UPDATE files SET is_current = false WHERE id IN (SELECT id FROM m13_old);"
    "DELETE FROM nodes WHERE id IN (SELECT id FROM m13_touched)"
    "  AND id NOT IN (SELECT source FROM edges UNION SELECT target FROM edges);"
    "UPDATE files SET repository = lower(repository) WHERE repository <> lower(repository)"
    "  AND ingestion_id IN (SELECT id FROM ingestions WHERE source = 'github');"
    "UPDATE ingestions SET repository = lower(repository) WHERE source = 'github' AND repository <> lower(repository);"
    "DROP TABLE m13_key; DROP TABLE m13_old; DROP TABLE m13_stmts; DROP TABLE m13_touched;",
    /*
     * 14: statements without the columns no reader needs, ~5,200 rows per MB of SQL that DuckDB
     * appends twice (into the transaction, then the table) and logs: sql and sql_cut, NULL on every
     * row since migration 6 (the rows of migrations 4-5 that carry their own text keep it in
     * statement_sql), and routine, always the name of a create_procedure or create_function statement
     * (the graph index derives it). The other columns keep their types, compression (7) and data:
     * DuckDB drops a column without copying the table, so the file does not grow.
     */
    "CREATE TABLE statement_sql (statement_id BIGINT NOT NULL,"
    "  sql VARCHAR NOT NULL USING COMPRESSION uncompressed, sql_cut BIGINT);"
    "INSERT INTO statement_sql SELECT id, sql, sql_cut FROM statements WHERE sql IS NOT NULL;"
    "ALTER TABLE statements DROP COLUMN routine; ALTER TABLE statements DROP COLUMN sql;"
    "ALTER TABLE statements DROP COLUMN sql_cut;",
};

const int store_n_migrations = (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
