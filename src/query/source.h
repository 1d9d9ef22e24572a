/* The text of ingested SQL, read back from files still on disk (bounded), for snippets and exports. */
#ifndef LINEAGED_QUERY_SOURCE_H
#define LINEAGED_QUERY_SOURCE_H

#include "util/buf.h"

#include <stddef.h>

#define SOURCE_FILE_MAX (16u << 20) /* larger files are not read back */
#define SOURCE_TEXT_MAX (64u << 10) /* one statement's text */

/* Reads the whole file into `out` (max SOURCE_FILE_MAX). 0, or -1 when absent, unreadable or too large. */
int source_read(const char *disk_path, buf_t *out);
/*
 * Lines [from, to] (1-based; to <= 0: to the end) of `text`, trailing blank lines dropped, at most
 * `max` bytes; writes a pointer into `text` and the length.
 */
void source_lines(const char *text, size_t len, int from, int to, const char **start, size_t *n, size_t max);

#endif
