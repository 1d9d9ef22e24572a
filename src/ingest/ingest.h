/*
 * Ingestion: files from an upload, a GitHub clone or the command line become file versions, their
 * statements, nodes and edges in the graph (docs/graph.md), one DuckDB transaction per file.
 * Parsing runs on a pool of worker threads; one writer thread owns the DuckDB connection that
 * commits. Every state change is published on the event bus when one is given.
 *
 * All functions except ingest_open/ingest_close only queue work and return: they are safe to call
 * from the WebSocket service thread and never wait on disk, DuckDB or parsing.
 */
#ifndef LINEAGED_INGEST_INGEST_H
#define LINEAGED_INGEST_INGEST_H

#include "events/bus.h"
#include "events/stats.h"
#include "sql/dialect.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define INGEST_ID_MAX 40 /* an ingestion id ("ing_" + hex) with its NUL */

enum ingest_error {
    INGEST_OK = 0,
    INGEST_ERR_NOMEM = -1,
    INGEST_ERR_ARG = -2,
    INGEST_ERR_UNKNOWN = -3, /* no such ingestion, or it has ended */
    INGEST_ERR_BUSY = -4,    /* queues are at their bound: try later (HTTP 503) */
    INGEST_ERR_STORE = -5,
    INGEST_ERR_CLOSED = -6, /* shutting down */
    INGEST_ERR_EXPIRED = -7, /* ingest_submit's claim said its submitter stopped waiting: nothing recorded */
};

typedef struct ingest ingest_t;

/* One file reaching a final state (processed, error, skipped), for progress displays. */
typedef struct ingest_file_event {
    const char *ingestion_id;
    const char *name;   /* the path as the user knows it */
    const char *status; /* "processed" | "error" | "skipped" */
    const char *error;  /* NULL, or a sentence ("file.sql:3:7: ..." for parse errors) */
    size_t files_done, total_files;
} ingest_file_event_t;

/*
 * The per-file limit: uploads, GitHub files, --seed-dir, lineaged ingest and lineaged parse; only the
 * offline commands may raise it (--max-file-mb, up to INGEST_FILE_MAX_MB_CLI).
 */
#define INGEST_FILE_MAX_BYTES  ((int64_t)32 << 20)
#define INGEST_FILE_MAX_MB_CLI 256

typedef struct ingest_opts {
    store_t *store;
    bus_t *bus;     /* NULL: no events (offline `lineaged ingest`) */
    stats_t *stats; /* NULL: no live counters */
    int workers;    /* parsing threads; 0: one per core */
    /* With stats: after commits, store the counters at most this often (stats_snapshots); 0: never. */
    double snapshot_interval_s;
    int64_t max_file_bytes; /* 0: INGEST_FILE_MAX_BYTES */
    /* Tests only: the writer sleeps this long before its start-up read and before each batch of commands. */
    int debug_slow_ms;
    /* Optional, from the writer thread. */
    void (*on_file)(void *ud, const ingest_file_event_t *ev);
    /* Optional, from the writer thread, after a file's transaction committed (the graph changed). */
    void (*on_commit)(void *ud);
    /*
     * Optional, from the writer thread, with a bus: an ingestion's files are all final and committed;
     * call done(arg) from any thread once queries see them (after on_commit of its last file has had
     * its effect), and before ingest_close. Only then is its final status stored and
     * ingestion_complete published, so a client that reads either can query it. NULL: at once.
     */
    void (*when_visible)(void *ud, void (*done)(void *arg), void *arg);
    /* Optional, for tests, from a worker: a file was read and parsed, or hashed only (its content
     * was its path's current version when handed out). */
    void (*on_loaded)(void *ud, const char *name, int hashed_only);
    void *ud;
} ingest_opts_t;

typedef struct ingest_meta {
    const char *source;                       /* "upload" | "github" | "cli" */
    const char *project_id;                   /* NULL: "default" */
    const char *repository, *branch, *commit; /* NULL when unknown */
    sql_dialect_t dialect;                    /* SQL_DIALECT_AUTO: guessed per file */
    const char *origin; /* for the log only: what started it when `source` does not say ("seed"); NULL */
    /*
     * 1: ingestion_started goes out as soon as the writer records the ingestion, with total_files 0
     * when no file is known yet (a repository before its clone), so it precedes every other event.
     */
    int announce;
} ingest_meta_t;

/*
 * Starts the worker and writer threads and returns: the writer then reads the graph's state and
 * recovers what a previous run left unfinished (seconds for millions of nodes); calls made
 * meanwhile queue. ingest_close interrupts that read.
 */
int ingest_open(const ingest_opts_t *opts, ingest_t **out);
/* Waits for that read: INGEST_OK, INGEST_ERR_STORE (the database failed) or INGEST_ERR_CLOSED. */
int ingest_wait_ready(ingest_t *in);
/*
 * A shutdown's first step, before waiting for what the writer owes others (a GitHub request's
 * recording): a start-up read still running stops now, and what was queued meanwhile is refused
 * INGEST_ERR_CLOSED. Once the read is over it does nothing; ingest_close stops the rest.
 */
void ingest_stop_loading(ingest_t *in);
/*
 * Finishes queued work when `drain`. Otherwise stops soon: ingestions whose input was complete stay
 * `running` and are resumed by the next ingest_open; those still receiving files are marked interrupted.
 */
void ingest_close(ingest_t *in, int drain);

/*
 * Starts an ingestion whose files arrive one by one; writes its id into `id`. ingestion_started is
 * published first, before any other event of the ingestion: at once with `meta->announce`, else
 * when its first file is handed to a worker or its first note goes out, with total_files = the
 * files known by then (queued, or announced by ingest_expect_files); files may keep arriving, and
 * every ingestion_progress carries the total known so far. An ingestion whose files are all known
 * at once uses ingest_submit.
 */
int ingest_begin(ingest_t *in, const ingest_meta_t *meta, char id[INGEST_ID_MAX]);
/*
 * Adds a file to a begun ingestion. `disk_path`: where workers read it (deleted after processing
 * when `owned`); `name`: the path as the user knows it (repository-relative, or the sanitised
 * upload name). `skip_reason` non-NULL records the file as skipped with that reason, unread.
 */
int ingest_add_file(ingest_t *in, const char *id, const char *disk_path, const char *name, const char *skip_reason,
                    int owned);
/* ingest_add_file of a file skipped unread (`skip_reason`), its `size` in bytes kept with its row. */
int ingest_add_skipped(ingest_t *in, const char *id, const char *name, const char *skip_reason, int64_t size);
/* One file of ingest_submit: as ingest_add_file's arguments. */
typedef struct ingest_file {
    const char *disk_path, *name, *skip_reason;
    int owned;
    int64_t skip_size; /* a skipped file's size in bytes, stored with it (as the upload's 202 gave it) */
} ingest_file_t;

/*
 * Called once with the ingestion's id from the writer thread (or at shutdown): INGEST_OK once the
 * ingestion and every file of it are committed to the database (a restart resumes them from there),
 * else INGEST_ERR_STORE or INGEST_ERR_CLOSED (nothing of it is kept; owned files are removed).
 */
typedef void (*ingest_recorded_fn)(void *ud, const char *id, int rc);
/*
 * From the writer thread, just before it writes the ingestion's rows: 0 to record it; -1 when its
 * submitter no longer waits for it (an upload answered 503 meanwhile): then nothing of it is
 * recorded or published, its owned files are removed and `recorded` gets INGEST_ERR_EXPIRED.
 */
typedef int (*ingest_claim_fn)(void *ud, const char *id);

/*
 * An ingestion whose files are all known (an upload): begun, its `n` files added and its input ended
 * in one step, recorded by the writer in one transaction, so ingestion_started carries the whole
 * total. On INGEST_OK the owned files belong to ingestion and `recorded` (may be NULL) will be called;
 * on an error nothing was taken and `recorded` is never called. `claim` may be NULL.
 */
int ingest_submit(ingest_t *in, const ingest_meta_t *meta, const ingest_file_t *files, size_t n,
                  ingest_claim_fn claim, ingest_recorded_fn recorded, void *ud, char id[INGEST_ID_MAX]);
/*
 * ingest_begin for a submitter that answers only once the ingestion is recorded (GitHub): `claim` (may
 * be NULL) and `recorded` as ingest_submit's, told of the ingestion's row. Nothing may be added to it
 * before `recorded` says INGEST_OK; on another code nothing of it is kept but for INGEST_ERR_STORE,
 * after which ingest_fail ends it.
 */
int ingest_begin_recorded(ingest_t *in, const ingest_meta_t *meta, ingest_claim_fn claim, ingest_recorded_fn recorded,
                          void *ud, char id[INGEST_ID_MAX]);
/* GitHub: what the clone resolved, once known. */
int ingest_set_commit(ingest_t *in, const char *id, const char *commit);
/* GitHub: the branch, when none was asked for and the remote's default was used. */
int ingest_set_branch(ingest_t *in, const char *id, const char *branch);
/* Publishes an ingestion_progress with a note (clone progress) and no file change. */
int ingest_note_progress(ingest_t *in, const char *id, const char *note, double percentage);
/*
 * The number of files the ingestion will add, known before they are added (a repository's
 * selection): ingestion_started goes out now with that total unless it went out before, and every
 * later progress event counts against it.
 */
int ingest_expect_files(ingest_t *in, const char *id, size_t n);
/* No more files: the ingestion completes once its files are done (publishes ingestion_complete). */
int ingest_end(ingest_t *in, const char *id);
/* Ends a begun ingestion as failed with a human sentence: publishes error and ingestion_complete. */
int ingest_fail(ingest_t *in, const char *id, const char *message);

const char *ingest_strerror(int code);

/* 1 when the file name has an extension of SQL sources we ingest (.sql .ddl .hql .pls .bteq ...), else 0. */
int ingest_supported_name(const char *name);
/*
 * The group commits so far and the files they held (docs/ingest.md "The transaction unit"); from the
 * writer thread only (on_file), for tests.
 */
void ingest_group_counts(const ingest_t *in, int64_t *groups, int64_t *files);

/*
 * The files the workers loaded, those of them hashed only (not parsed: the content their path
 * already has), and those hashed only whose path then got another version, so they were parsed
 * after all; for tests and the close's log.
 */
void ingest_load_counts(ingest_t *in, size_t *loaded, size_t *hashed_only, size_t *reparsed);

#endif
