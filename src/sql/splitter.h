/* Statement splitting over the token stream: `;`, T-SQL GO, Oracle `/`, and routine
 * bodies (BEGIN .. END, IS .. END;, T-SQL procedures up to GO) kept whole. */
#ifndef LINEAGED_SQL_SPLITTER_H
#define LINEAGED_SQL_SPLITTER_H

#include "sql/dialect.h"
#include "sql/lexer.h"

typedef enum sql_split {
    SQL_SPLIT_NONE = 0,
    SQL_SPLIT_AFTER, /* the token ends the statement and belongs to it */
    SQL_SPLIT_DROP,  /* the token separates statements and belongs to neither */
} sql_split_t;

typedef struct sql_splitter {
    sql_dialect_t dialect;
    int paren;
    int block; /* BEGIN/CASE .. END nesting inside a body */
    int mode;
    int opened;        /* a BEGIN block has been seen */
    int pending_end;   /* END seen; END IF/LOOP/WHILE do not close a block */
    int maybe_txn;     /* statement began with BEGIN: a block unless BEGIN TRANSACTION */
    int pending_begin; /* BEGIN seen inside a block; BEGIN TRAN does not open one */
    int flow;          /* T-SQL IF/WHILE: split at `;` whenever no BEGIN block is open */
    int custom_delim;  /* MySQL DELIMITER in force: the caller splits, `;` does not */
    int ntok;
    int expect_body; /* AS/IS seen in a routine header */
} sql_splitter_t;

void sql_splitter_init(sql_splitter_t *s, sql_dialect_t dialect);
/* Feed every token but comments, in order; `src` is the lexer's buffer. */
sql_split_t sql_splitter_feed(sql_splitter_t *s, const sql_token_t *t, const char *src, size_t len);

#endif
