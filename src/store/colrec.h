/*
 * A file's column record (table file_columns, migration 11): the CONTAINS edges that say which
 * columns of which tables the file names, one row per file instead of one edge row per column.
 * Each entry is the edge as it was (table -> column, its statement) and where it stood among the
 * file's stored edges (`pos`: how many of them came before it), so readers rebuild the same edge
 * list in the same order. Bytes: per entry four varints (LEB128), `pos` as the step from the
 * previous entry's, the ids as zigzag steps from the previous entry's.
 */
#ifndef LINEAGED_STORE_COLREC_H
#define LINEAGED_STORE_COLREC_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

#define COLREC_ENTRY_MAX 40u /* bytes an entry can take */

typedef struct colrec_entry {
    int64_t pos, table, column, statement;
} colrec_entry_t;

/* Writes entries one after another into `out`; `prev` starts zeroed and is kept between calls. */
int colrec_add(buf_t *out, colrec_entry_t *prev, const colrec_entry_t *e);

typedef struct colrec_reader {
    const uint8_t *p, *end;
    colrec_entry_t prev;
} colrec_reader_t;

void colrec_read(colrec_reader_t *r, const void *data, size_t len);
/* 1 and the next entry in `e`, 0 at the end, -1 when the bytes are not a record. */
int colrec_next(colrec_reader_t *r, colrec_entry_t *e);

#endif
