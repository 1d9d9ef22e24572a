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
};

const int store_n_migrations = (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
