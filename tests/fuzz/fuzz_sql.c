/* libFuzzer target over the whole engine: lexer, splitter, parser, lineage, JSON.
 * Build and run: see tests/fuzz/README.md. */
#include "sql/lineage.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The document of `l` (compact JSON, malloc'd), NULL when l is. */
static char *document(const sql_lineage_t *l)
{
    if(!l)
        return NULL;
    json_t *j = sql_lineage_to_json(l, "fuzz");
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if(size == 0)
        return 0;
    /* first byte picks the dialect, so every lexer mode gets exercised */
    sql_dialect_t d = (sql_dialect_t)(data[0] % SQL_DIALECT_COUNT);
    sql_lineage_t *l = NULL;
    int rc = sql_lineage_parse((const char *)data + 1, size - 1, d, &l);
    char *streamed = rc == 0 ? document(l) : NULL;
    sql_lineage_free(l);
    /* the same text lexed where it is (ingest's workers) must give the same document */
    char *text = malloc(size);
    if(text) {
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        sql_lineage_opts_t opts = {.dialect = d};
        sql_lineage_t *w = NULL;
        int wrc = sql_lineage_run_text(text, size - 1, &opts, &w);
        char *whole = wrc == 0 ? document(w) : NULL;
        if(wrc != rc || (streamed && whole && strcmp(streamed, whole) != 0))
            abort();
        free(whole);
        sql_lineage_free(w);
        free(text);
    }
    free(streamed);
    return 0;
}
