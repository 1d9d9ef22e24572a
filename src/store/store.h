/* The embedded DuckDB database: opening, schema migrations, per-thread connections. */
#ifndef LINEAGED_STORE_STORE_H
#define LINEAGED_STORE_STORE_H

#include <duckdb.h>
#include <stddef.h>
#include <stdint.h>

enum store_error {
    STORE_OK = 0,
    STORE_ERR_OPEN = -1,   /* cannot create or read the file */
    STORE_ERR_LOCKED = -2, /* another process holds the database */
    STORE_ERR_SCHEMA = -3, /* migration failed, or the file is from a newer lineaged */
    STORE_ERR_QUERY = -4,
    STORE_ERR_NOMEM = -5,
    STORE_ERR_CONFIG = -6, /* DuckDB refused a setting (the sentence names it) */
};

typedef struct store store_t;

typedef struct store_counts {
    int64_t nodes;
    int64_t edges;
    int64_t table_nodes;     /* tables and views */
    int64_t files_processed; /* current version ingested successfully */
} store_counts_t;

/*
 * DuckDB's buffer pool limit for a database file (docs/ingest.md "Memory"): without one, its cache
 * of the blocks it wrote grows with the data ingested. A limit does not cap an in-memory database.
 */
#define STORE_MEMORY_MB_DEFAULT 64

/*
 * DuckDB checkpoints inside the commit whose WAL size plus its estimate of the transaction (rows
 * appended times their columns' fixed widths, and its undo buffer) passes this; set at open
 * (checkpoint_threshold, DuckDB's default) so the writer can tell which commits may checkpoint.
 */
#define STORE_CHECKPOINT_MB 16

/* Opens (creating folders and the file as needed) and migrates. `err` gets a sentence. */
int store_open(const char *path, store_t **out, char *err, size_t errlen);
/* The same with DuckDB's memory limit for a database file, in MiB (0: DuckDB's own, 80% of RAM). */
int store_open_with(const char *path, int memory_mb, store_t **out, char *err, size_t errlen);
void store_close(store_t *store);
/* One connection per thread; close with duckdb_disconnect. */
int store_connect(store_t *store, duckdb_connection *out);
int store_schema_version(store_t *store);
/* The memory limit the database was opened with, in MiB; 0 when it has none of ours. */
int store_memory_mb(store_t *store);
/* Bytes in the database file's write-ahead log now: 0 when it has none or is in memory, -1 unknown. */
int64_t store_wal_bytes(store_t *store);
int store_counts(duckdb_connection conn, store_counts_t *out);
/*
 * Whether a failed query or prepared statement ran out of DuckDB's memory limit: by the error's
 * type (DUCKDB_ERROR_OUT_OF_MEMORY), which does not change with DuckDB's wording.
 */
int store_out_of_memory(duckdb_result *res);
const char *store_strerror(int code);

#endif
