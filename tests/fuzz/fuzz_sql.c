/* libFuzzer target over the whole engine: lexer, splitter, parser, lineage, JSON.
 * Build and run: see tests/fuzz/README.md. */
#include "sql/lineage.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if(size == 0)
        return 0;
    /* first byte picks the dialect, so every lexer mode gets exercised */
    sql_dialect_t d = (sql_dialect_t)(data[0] % SQL_DIALECT_COUNT);
    sql_lineage_t *l = NULL;
    if(sql_lineage_parse((const char *)data + 1, size - 1, d, &l) == 0) {
        json_t *j = sql_lineage_to_json(l, "fuzz");
        char *s = json_dumps(j, JSON_COMPACT);
        free(s);
        json_decref(j);
    }
    sql_lineage_free(l);
    return 0;
}
