/* The chat modes behind query_chat (src/query/chat.c, src/query/text.c). */
#ifndef LINEAGED_QUERY_CHAT_H
#define LINEAGED_QUERY_CHAT_H

#include "query/query.h"

#define TEXT_HITS_MAX  20          /* lines listed by a text search */
#define TEXT_READ_MAX  (64u << 20) /* bytes of stored SQL the text search holds per snapshot */
#define TEXT_TERMS_MAX 12

void query_chat_graph(const graph_snap_t *s, const char *question, query_result_t *out);
/* Reads the stored SQL on `conn` the first time a snapshot is asked, then answers from memory. */
void query_chat_text(duckdb_connection conn, const graph_snap_t *s, const char *question, query_result_t *out);

#endif
