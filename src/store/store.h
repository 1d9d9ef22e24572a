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
 * DuckDB's memory limit for a database file is the cache above plus this room for the writer's
 * commits (a group is at most 8 MiB of SQL): with the cache full, a commit of 1 MiB files failed at a
 * 16 MiB limit and passed at 20 MiB (docs/ingest.md "sixth round"). A fixed room, not a limit raised
 * per commit: each change of the limit purges DuckDB's allocator and trims every heap of the process.
 */
#define STORE_COMMIT_ROOM_MB 16

/* Opens (creating folders and the file as needed) and migrates. `err` gets a sentence. */
int store_open(const char *path, store_t **out, char *err, size_t errlen);
/*
 * The same with DuckDB's cache of a database file, in MiB (0: no limit of ours, DuckDB's 80% of RAM);
 * its memory limit is that plus STORE_COMMIT_ROOM_MB.
 */
int store_open_with(const char *path, int memory_mb, store_t **out, char *err, size_t errlen);
void store_close(store_t *store);
/* One connection per thread; close with duckdb_disconnect. */
int store_connect(store_t *store, duckdb_connection *out);
int store_schema_version(store_t *store);
/* DuckDB's memory limit as opened (the cache plus the commit room), in MiB; 0 when it has none of ours. */
int store_memory_mb(store_t *store);
int store_counts(duckdb_connection conn, store_counts_t *out);
/*
 * Whether a failed query or prepared statement ran out of DuckDB's memory limit: by the error's
 * type (DUCKDB_ERROR_OUT_OF_MEMORY), which does not change with DuckDB's wording.
 */
int store_out_of_memory(duckdb_result *res);
const char *store_strerror(int code);

#endif
