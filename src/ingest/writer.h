/*
 * The writer: the one DuckDB connection that changes the graph and file metadata (docs/graph.md).
 * It keeps the node name → id map and each node's edge count in memory, so a commit never looks
 * nodes up row by row, and knows which node a superseded file leaves without edges. Writer thread only.
 */
#ifndef LINEAGED_INGEST_WRITER_H
#define LINEAGED_INGEST_WRITER_H

#include "ingest/parsed.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct writer writer_t;

/* A file row as the writer needs it. */
typedef struct writer_file {
    int64_t id;
    const char *ingestion_id, *project, *repository, *path, *disk_path;
    int owned;
    int64_t skip_size; /* a skipped file's size_bytes; < 0 unknown (NULL) */
} writer_file_t;

typedef struct writer_ingestion {
    const char *id, *source, *project, *repository, *branch, *commit, *dialect;
} writer_ingestion_t;

/* What a commit did. */
typedef struct writer_result {
    int duplicate;      /* the same content is current at that path: nothing written but the file row */
    const char *status; /* "processed" | "error" | "skipped" */
    char *error;        /* NULL, or the file's error sentence (util_free) */
    int64_t nodes_created;
    store_counts_t delta; /* for stats_ingest_committed */
} writer_result_t;

typedef struct writer_totals {
    int64_t total, processed, failed, skipped, nodes_created;
} writer_totals_t;

/* Connects and prepares; the graph's state is read by writer_load before the first change. */
int writer_open(store_t *store, writer_t **out, char *err, size_t errlen);
/*
 * Reads the node map, edge counts and current files from the database (seconds for a graph of
 * millions of nodes). `stop` non-NULL and set, or writer_interrupt: gives up early, returns -1.
 */
int writer_load(writer_t *w, const atomic_int *stop);
/* Cuts short the query writer_load runs; any thread. */
void writer_interrupt(writer_t *w);
void writer_close(writer_t *w);
/* Test-only: at most `max` - 1 blocks of nodes (0: the real limit, 2^20 - 1 blocks, 64 GiB of nodes). */
void writer_limit_node_blocks(writer_t *w, uint32_t max);
/* Test-only: node and statement ids up to `max` (0: the real limit, 2^32 - 1, edges' UINTEGER ids). */
void writer_limit_ids(writer_t *w, int64_t max);
duckdb_connection writer_conn(writer_t *w);
/* Commits so far, and how many times DuckDB's memory limit was changed (a file stored again after running out). */
void writer_commit_counts(const writer_t *w, int64_t *commits, int64_t *limit_sets);
/* The groups committed so far and the files they held (a file stored alone is in neither). */
void writer_group_counts(const writer_t *w, int64_t *groups, int64_t *files);
/* Test-only: the UPDATEs of the files' final state run so far (one per transaction with processed files). */
int64_t writer_done_flushes(const writer_t *w);

/*
 * Batches of small changes: one transaction around several of the calls below. A failed
 * writer_commit has ended the transaction already; writer_rollback ends one still open after a
 * failed call, and does nothing when none is.
 */
int writer_begin(writer_t *w);
int writer_commit(writer_t *w);
void writer_rollback(writer_t *w);

int writer_ingestion_insert(writer_t *w, const writer_ingestion_t *ing, int64_t started_ms);
/* Input complete: no more files will be added; `total` of them. */
int writer_ingestion_input_complete(writer_t *w, const char *id, int64_t total);
int writer_ingestion_set_commit(writer_t *w, const char *id, const char *commit);
int writer_ingestion_set_branch(writer_t *w, const char *id, const char *branch);
/* Final state, reached at `finished_ms` (Unix ms). */
int writer_ingestion_finish(writer_t *w, const char *id, const char *status, const writer_totals_t *t,
                            const char *error, int64_t finished_ms);
/* A new file row, pending (skip_reason NULL) or skipped. Assigns f->id. */
int writer_file_add(writer_t *w, writer_file_t *f, const char *skip_reason);
int writer_files_processing(writer_t *w, const int64_t *ids, size_t n);
/* A final state without graph rows (read failure, empty file, interruption). */
int writer_file_state(writer_t *w, int64_t id, const char *status, const char *error, const parsed_file_t *p);

/*
 * The SHA-256 of the current version of f's path (project, repository, path) into `out`: 1 when
 * there is one, 0 when there is none, -1 out of memory.
 */
int writer_current_sha(writer_t *w, const writer_file_t *f, char out[SHA256_HEX_LEN]);

/* The live counters at this moment (for trends after a restart); prunes rows older than `keep_s`. */
int writer_snapshot(writer_t *w, int64_t nodes, int64_t edges, int64_t files, int64_t keep_s);

/*
 * One transaction: the file's statements, nodes and edges; the version it supersedes (same project,
 * repository and path) and the nodes left without edges removed. Identical current content gives
 * res->duplicate and a skipped row instead.
 */
int writer_store_file(writer_t *w, const writer_file_t *f, const parsed_file_t *p, writer_result_t *res);

/*
 * Stores n parsed files, several to a transaction (group commit, docs/ingest.md "The transaction
 * unit"); the last one left alone goes by writer_store_file at once. Each file is wholly in or
 * out: when a group's transaction fails it is rolled back and each of its files is stored alone,
 * so rc[i] (0, or -1) and res[i] are the file's own outcome, as writer_store_file gives it.
 */
void writer_store_files(writer_t *w, size_t n, const writer_file_t *const *f, const parsed_file_t *const *p,
                        writer_result_t *res, int *rc);

#endif
