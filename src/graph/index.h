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
#include <stdatomic.h>

typedef struct graph_index graph_index_t;

/* Reads the graph (docs/graph.md) from DuckDB into a new snapshot. */
int graph_load(duckdb_connection conn, graph_snap_t **out);
/*
 * The graph's rows from DuckDB, all read as of one commit, kept as a base for updates. `stop`
 * (may be NULL), once set by another thread, ends the read between two chunks with GRAPH_ERR_STOPPED
 * (duckdb_interrupt only stops a query while it runs, not the reading of its result); the builder
 * and its clones keep it, so graph_builder_finish stops between its steps too. It must outlive them.
 */
int graph_base_load(duckdb_connection conn, const atomic_int *stop, graph_builder_t **out);
/*
 * Brings `base` up to date by reading only the current files that are new since it was read and
 * dropping the rows of those no longer current; *changed says whether any did. Returns 0; 1 when
 * the whole graph should be read instead (too many new files for one query, garbage in the string
 * pool, or counts that no longer match the store's); or a negative error. Unless it returns 0, `base` is to be dropped.
 */
int graph_base_update(duckdb_connection conn, const atomic_int *stop, graph_builder_t *base, int *changed);

/*
 * Publishes an empty snapshot and starts the rebuild thread, which reads the graph from the store
 * at once (a graph of a million nodes takes seconds: never on the caller's thread). When it cannot
 * be read yet, the empty snapshot stays, with a warning, until a commit triggers a rebuild that works.
 */
int graph_index_open(store_t *store, graph_index_t **out);
/* Waits up to `timeout_ms` for that first read to end; returns graph_index_loaded(). */
int graph_index_wait_loaded(graph_index_t *ix, int timeout_ms);
/* Whether the first read of the store is over: before, snapshots are empty for want of time, not data. */
int graph_index_loaded(graph_index_t *ix);
/* No more rebuilds; interrupts a read of the store in progress (a snapshot being built from rows
 * already read still completes). Snapshots stay readable until graph_index_close. */
void graph_index_stop(graph_index_t *ix);
/* graph_index_stop, then joins the rebuild thread and frees the index. */
void graph_index_close(graph_index_t *ix);
/* The current snapshot, retained: release it with graph_snap_release. Never NULL once open. */
graph_snap_t *graph_index_acquire(graph_index_t *ix);
/* The same, and its generation (graph_index_generation when it was published): a version of the graph. */
graph_snap_t *graph_index_acquire_generation(graph_index_t *ix, unsigned long *generation);
/* Safe from any thread (the ingest writer's on_commit hook): never waits on the rebuild. */
void graph_index_request_rebuild(graph_index_t *ix);
/*
 * Calls fn(arg) once the published snapshot reflects every rebuild requested before this call (what
 * had committed by then): at once on the caller's thread when it already does, else on the rebuild
 * thread after the rebuild that read the store after the last of them. A rebuild that fails, a
 * stop and a lack of memory call it too (late rather than never). Never waits.
 */
void graph_index_when_current(graph_index_t *ix, void (*fn)(void *arg), void *arg);
/* How many snapshots have been published (tests wait for a rebuild with it). */
unsigned long graph_index_generation(graph_index_t *ix);

#endif
