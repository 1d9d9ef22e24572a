/*
 * The published lineage index: readers take a refcounted snapshot, a rebuild publishes a new one.
 * Rebuilds run on a thread of their own with their own DuckDB connection; requests made while one
 * runs coalesce into one more.
 */
#ifndef LINEAGED_GRAPH_INDEX_H
#define LINEAGED_GRAPH_INDEX_H

#include "graph/graph.h"
#include "store/store.h"

#include <duckdb.h>

typedef struct graph_index graph_index_t;

/* Reads the graph (docs/graph.md) from DuckDB into a new snapshot. */
int graph_load(duckdb_connection conn, graph_snap_t **out);
/* The graph's rows from DuckDB, all read as of one commit, kept as a base for updates. */
int graph_base_load(duckdb_connection conn, graph_builder_t **out);
/*
 * Brings `base` up to date by reading only the current files that are new since it was read and
 * dropping the rows of those no longer current; *changed says whether any did. Returns 0; 1 when
 * the whole graph should be read instead (too many new files for one query, garbage in the string
 * pool, or counts that no longer match the store's); or a negative error. Unless it returns 0, `base` is to be dropped.
 */
int graph_base_update(duckdb_connection conn, graph_builder_t *base, int *changed);

/*
 * Loads the first snapshot (an empty one, with a warning, when the graph cannot be read yet) and
 * starts the rebuild thread.
 */
int graph_index_open(store_t *store, graph_index_t **out);
void graph_index_close(graph_index_t *ix);
/* The current snapshot, retained: release it with graph_snap_release. Never NULL once open. */
graph_snap_t *graph_index_acquire(graph_index_t *ix);
/* Safe from any thread (the ingest writer's on_commit hook): never waits on the rebuild. */
void graph_index_request_rebuild(graph_index_t *ix);
/* How many snapshots have been published (tests wait for a rebuild with it). */
unsigned long graph_index_generation(graph_index_t *ix);

#endif
