/*
 * The text of ingested SQL as the writer stored it (docs/graph.md "Statement text"): each file's
 * text once (migration 6), each statement its byte range of it, or rows written by migration 4
 * with their own text; for files of every source, since uploaded and cloned files are deleted
 * after processing.
 */
#ifndef LINEAGED_QUERY_SOURCE_H
#define LINEAGED_QUERY_SOURCE_H

#include <duckdb.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCE_TEXT_MAX ((64u << 10) + 256) /* one statement's text in an export: the stored cap and its marker */
#define SOURCE_PATH_MAX 4096                /* longer paths are cut in answers */

typedef struct source_text {
    int64_t statement_id;
    const char *path; /* the file as the user knows it */
    int line, column; /* where `text` starts in the file */
    const char *text; /* `len` bytes, not NUL-terminated */
    size_t len;
    int64_t cut; /* bytes past the cap (the text then ends with a marker line saying so), or 0 */
} source_text_t;

/* Returns 0 to go on; anything else stops source_each, which returns it. */
typedef int (*source_text_fn)(void *ud, const source_text_t *t);

/*
 * Calls `fn` for each stored statement text of the current files, by statement id (a file's
 * statements are consecutive). Returns 0, `fn`'s value, or -1 when the database failed.
 */
int source_each(duckdb_connection conn, source_text_fn fn, void *ud);
/* Current files whose statements have no stored text (ingested before texts were kept); -1 on error. */
int64_t source_files_without_text(duckdb_connection conn);

#endif
