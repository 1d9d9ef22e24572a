/* Dialect-aware SQL tokenizer. Works on a buffer that may hold only part of the input:
 * a token that could continue past the end yields SQL_ERR_NEED_MORE until `eof` is set. */
#ifndef LINEAGED_SQL_LEXER_H
#define LINEAGED_SQL_LEXER_H

#include "sql/dialect.h"
#include "sql/keywords.h"

#include <stddef.h>
#include <stdint.h>

typedef enum sql_tok_type {
    SQL_TOK_EOF = 0,
    SQL_TOK_WORD,   /* unquoted identifier or keyword */
    SQL_TOK_QUOTED, /* "x", `x`, [x] identifier */
    SQL_TOK_STRING, /* 'x', N'x', E'x', $$x$$, $tag$x$tag$, "x" where that is a string */
    SQL_TOK_NUMBER,
    SQL_TOK_OP,       /* punctuation and operators */
    SQL_TOK_VAR,      /* @x, @@x, :x, $1, ? */
    SQL_TOK_TEMPLATE, /* {{ .. }}, {% .. %}, {# .. #} */
    SQL_TOK_COMMENT,
} sql_tok_type_t;

#define SQL_TOKF_NL_BEFORE    1u /* first token on its line */
#define SQL_TOKF_UNTERMINATED 2u /* string, quote or comment ran to the end of input */
#define SQL_TOKF_NOT_UTF8     4u /* a word with bytes >= 0x80 that are not UTF-8 (a Latin-1 file) */

typedef struct sql_token {
    uint8_t type;
    uint8_t flags;
    uint16_t kw; /* sql_kw_t for SQL_TOK_WORD */
    uint32_t len;
    size_t off;    /* byte offset in the lexer's buffer */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, in characters */
} sql_token_t;

typedef struct sql_lexer {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;
    uint32_t col;
    int eof;
    int nl; /* a newline (or start of input) since the last token */
    sql_dialect_traits_t tr;
} sql_lexer_t;

void sql_lexer_init(sql_lexer_t *lx, const char *src, size_t len, sql_dialect_t dialect, int eof);
/* Point the lexer at a new buffer: `shift` bytes were dropped from the front of the old one. */
void sql_lexer_rebase(sql_lexer_t *lx, const char *src, size_t len, size_t shift, int eof);
/* Move forward to byte `off` (line and column follow), or back to the start of token `t`. */
void sql_lexer_skip(sql_lexer_t *lx, size_t off);
void sql_lexer_rewind(sql_lexer_t *lx, const sql_token_t *t);
/* 0 and a token (SQL_TOK_EOF at the end), or SQL_ERR_NEED_MORE with the position unchanged. */
int sql_lexer_next(sql_lexer_t *lx, sql_token_t *tok);

/* Words a dialect makes keywords, applied to one statement's tokens before parsing (kept out of
 * the lexer's hot loop): Teradata's SEL is SELECT. */
void sql_tokens_dialect_words(sql_dialect_t d, sql_token_t *toks, size_t n, const char *src);

/* Jinja {% .. %} control and {# .. #} comments: the parser reads the SQL around them as if
 * they were not there (both branches of an {% if %}), so a template never costs a statement. */
static inline int sql_tok_is_jinja_block(const sql_token_t *t, const char *src)
{
    return t->type == SQL_TOK_TEMPLATE && t->len >= 2 && src[t->off] == '{' &&
           (src[t->off + 1] == '%' || src[t->off + 1] == '#');
}

/* Single-character operator test, e.g. sql_tok_is_op(t, src, '('). */
static inline int sql_tok_is_op(const sql_token_t *t, const char *src, char c)
{
    return t->type == SQL_TOK_OP && t->len == 1 && src[t->off] == c;
}

#endif
