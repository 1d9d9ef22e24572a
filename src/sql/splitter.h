/* Statement splitting over the token stream: `;` (also inside a `(` left open, but in the statements
 * that hold others in parentheses), T-SQL GO, Oracle `/`, and routine bodies (BEGIN .. END, IS .. END;,
 * T-SQL procedures up to GO) kept whole. */
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
    int execute_as;  /* EXECUTE just seen in a routine header: Snowflake's EXECUTE AS CALLER is no body */
    int plain;       /* a plain statement past its first token, no BEGIN/END pending: the inline path */
    int after_go;    /* GO just ended a batch: a count after it on its line belongs to it */
    int package;     /* CREATE PACKAGE: its AS/IS .. END is a level of its own around its members */
    int paren_body;  /* CREATE RULE, Teradata's MACRO: `;` inside parentheses separates their statements */
} sql_splitter_t;

void sql_splitter_init(sql_splitter_t *s, sql_dialect_t dialect);

sql_split_t sql_splitter_feed_slow(sql_splitter_t *s, const sql_token_t *t, const char *src, size_t len);

/* A plain statement's `(` or `)`, but for counting it (sql_splitter_feed_slow() does the same with
 * them there). */
static inline void sql_splitter_plain_paren(sql_splitter_t *s, char c)
{
    if(c == '(') {
        s->paren++;
        s->expect_body = 0;
    } else if(s->paren > 0) {
        s->paren--;
    }
}

/* Feed every token but comments, in order; `src` is the lexer's buffer. Inline: every token
 * comes through here, and most are a word, literal or parenthesis in the middle of a plain statement. */
static inline sql_split_t sql_splitter_feed(sql_splitter_t *s, const sql_token_t *t, const char *src, size_t len)
{
    if(s->custom_delim ||
       (s->plain && !(t->type == SQL_TOK_WORD && t->kw == SQL_KW_GO) &&
        (t->type != SQL_TOK_OP || (t->len == 1 && t->kw != '(' && t->kw != ')' && t->kw != ';' && t->kw != '/')))) {
        s->ntok++;
        return SQL_SPLIT_NONE;
    }
    if(s->plain && t->type == SQL_TOK_OP && (t->kw == '(' || t->kw == ')')) {
        s->ntok++;
        sql_splitter_plain_paren(s, (char)t->kw);
        return SQL_SPLIT_NONE;
    }
    return sql_splitter_feed_slow(s, t, src, len);
}

#endif
