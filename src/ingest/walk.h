/*
 * Files and folders handed to an ingestion: the same path for `lineaged ingest` and the server's
 * seed folder. Folders are walked in name order (files, then sub-folders), hidden entries skipped,
 * only names ingest_supported_name() accepts taken; a file named directly with another extension is
 * recorded as skipped with the reason.
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
    /* Name files relative to the folder given (the server's seed: no path of this machine reaches
     * the graph, as with uploads); otherwise by the path as given (`lineaged ingest`). */
    int relative;
    size_t added, ignored, problems;
    size_t root_len; /* internal: the prefix `relative` leaves out */
} ingest_walk_t;

/* Adds `path` (a file or a folder); returns 0, or the ingest error that stopped it (e.g. BUSY). */
int ingest_walk_add(ingest_walk_t *w, const char *path);

#endif
