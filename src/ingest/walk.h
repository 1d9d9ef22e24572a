/*
 * Files and folders handed to an ingestion: the same path for `lineaged ingest` and the server's
 * seed folder. Folders are walked in name order (files, then sub-folders), hidden entries skipped,
 * only names ingest_supported_name() accepts taken; a file named directly with another extension is
 * recorded as skipped with the reason.
 *
 * A file's name in the graph is relative to the folder given (`staging/orders.sql` for
 * `/home/me/wh/staging/orders.sql` under `/home/me/wh`), or its base name when the file itself is
 * given, so no path of this machine reaches the graph and a rerun from anywhere finds the same
 * names. Two different files that would get one name in one walk (`a/q.sql b/q.sql`, or two
 * folders holding the same relative path) are ambiguous: the later one is a problem, not added.
 */
#ifndef LINEAGED_INGEST_WALK_H
#define LINEAGED_INGEST_WALK_H

#include "ingest/ingest.h"

#include <stddef.h>

#define INGEST_WALK_DEPTH 64

typedef struct ingest_walk {
    ingest_t *in;
    const char *id;
    /* Optional: a path that could not be taken, with a sentence. */
    void (*on_problem)(void *ud, const char *path, const char *message);
    void *ud;
    size_t added, ignored, problems;
    /* internal */
    size_t root_len; /* the prefix a name leaves out */
    void *names;     /* the names given so far, to refuse an ambiguous one */
} ingest_walk_t;

/* Adds `path` (a file or a folder); returns 0, or the ingest error that stopped it (e.g. BUSY). */
int ingest_walk_add(ingest_walk_t *w, const char *path);
/* Frees what the walks kept (the names given). */
void ingest_walk_free(ingest_walk_t *w);

#endif
