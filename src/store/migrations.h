#ifndef LINEAGED_STORE_MIGRATIONS_H
#define LINEAGED_STORE_MIGRATIONS_H

#include <duckdb.h>
#include <stddef.h>

/* Ordered schema migrations; migration i (1-based) moves the schema to version i. */
extern const char *const store_migrations[];
extern const int store_n_migrations;

/*
 * What migration `version` does that SQL alone cannot, run after its SQL in the same transaction:
 * 0, or -1 with DuckDB's message in `err`.
 */
int store_migration_step(duckdb_connection conn, int version, char *err, size_t errlen);

#endif
