/*
 * Receiving uploaded files while the body streams in: each file part is checked (name, type, size,
 * binary content) and its bytes appended to one spool file per request under the upload folder, so a
 * client's file name never chooses a path. That part runs on the service thread and creates one file
 * per request (writes go to the page cache, never fsync). upload_split, on another thread, then writes
 * each kept part to a file of its own with a generated name: creating thousands of files there costs
 * the service thread nothing (docs/design.md "Uploads").
 */
#ifndef LINEAGED_API_UPLOAD_H
#define LINEAGED_API_UPLOAD_H

#include "ingest/ingest.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define UPLOAD_FILE_MAX_BYTES INGEST_FILE_MAX_BYTES /* per file */
#define UPLOAD_MAX_FILES      20000               /* per request */
#define UPLOAD_NAME_MAX       255                 /* bytes of a display name */
#define UPLOAD_WHOLE_NAME_MAX 254 /* longest client file name that surely arrives whole (lws_spa keeps 255 bytes) */

typedef struct upload_limits {
    const char *dir;                    /* where files are written (must exist) */
    int64_t max_file_bytes;             /* larger → 413 */
    size_t max_files;                   /* more → 413 */
    const char *field;                  /* the form field that carries files ("files") */
    int (*supported)(const char *name); /* extension allow-list; others are skipped unread */
} upload_limits_t;

typedef struct upload_file {
    char *name;      /* sanitised display name */
    char *disk_path; /* its own file, once upload_split wrote it; NULL before, or when the content was not kept */
    int64_t size;
    int64_t offset; /* where its bytes start in the spool */
    int kept;       /* its bytes are in the spool, waiting for upload_split */
    const char *skip; /* NULL: accepted; else why it is skipped (a static sentence) */
    char *skip_owned; /* a skip reason built for this file */
} upload_file_t;

typedef struct upload upload_t;

upload_t *upload_new(const upload_limits_t *lim);
/*
 * The parts of the body. Each returns 0, or an HTTP status (400, 413, 500) with a sentence for the
 * client in upload_error(); the upload is then over.
 */
int upload_file_open(upload_t *u, const char *field, const char *filename);
int upload_file_data(upload_t *u, const char *data, size_t len, int final);
/* The body is complete: 0, or 400 when a file part never ended. */
int upload_finish(upload_t *u);
/*
 * Off the service thread, after upload_finish: each kept part to a file of its own (disk_path), then
 * the spool is removed. 0, or an HTTP status (500, 507 when the disk is full, 503 when `stop` is set)
 * with upload_error(); what was written is removed by upload_free.
 */
int upload_split(upload_t *u, const atomic_int *stop);
const char *upload_error(const upload_t *u);

size_t upload_count(const upload_t *u);
const upload_file_t *upload_file(const upload_t *u, size_t i);
/* The file's content now belongs to someone else (ingestion deletes it): not removed at free. */
void upload_disown(upload_t *u, size_t i);
/* Closes what is open and removes every file still owned. */
void upload_free(upload_t *u);

/* The bytes of kept parts in the spool: what upload_split will write again. */
int64_t upload_spool_bytes(const upload_t *u);
#define UPLOAD_NO_ROOM "the server's disk is down to the free space it keeps (--min-free-mb); try again later"

/* A display name for a client's file name: no control characters, no "." or ".." segments, no leading
 * "/", valid UTF-8, at most UPLOAD_NAME_MAX bytes, never empty. */
void upload_display_name(const char *raw, char *out, size_t outlen);

#endif
