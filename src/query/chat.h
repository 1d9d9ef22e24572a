/* The chat modes behind query_chat (src/query/chat.c, src/query/text.c). */
#ifndef LINEAGED_QUERY_CHAT_H
#define LINEAGED_QUERY_CHAT_H

#include "query/query.h"

#define TEXT_HITS_MAX  20          /* lines listed by a text search */
#define TEXT_READ_MAX  (64u << 20) /* bytes of SQL one text search reads */
#define TEXT_TERMS_MAX 12

void query_chat_graph(const graph_snap_t *s, const char *question, query_result_t *out);
void query_chat_text(duckdb_connection conn, const char *question, query_result_t *out);

#endif
