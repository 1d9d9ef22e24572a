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
    uint16_t kw; /* sql_kw_t for SQL_TOK_WORD; the byte of a one-byte SQL_TOK_OP (sql_tok_is_op()) */
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

/* Character classes, one table lookup per byte. A word is a keyword candidate only when none of
 * its bytes is SQL_LEXC_NOTKW; SQL_LEXC_HIGH and SQL_LEXC_DOLLAR say whether the column count and
 * the template check need a second look at it. */
#define SQL_LEXC_START  1u
#define SQL_LEXC_IDENT  2u
#define SQL_LEXC_DIGIT  4u
#define SQL_LEXC_SPACE  8u
#define SQL_LEXC_NOTKW  16u /* digit, '$' or non-ASCII: inside a word, never in a keyword */
#define SQL_LEXC_HIGH   32u /* byte of a multi-byte UTF-8 character */
#define SQL_LEXC_DOLLAR 64u
#define SQL_LEXC_PUNCT  128u /* , ( ) ; */
extern const unsigned char sql_lex_class[256];

/* Every token sql_lexer_next_inline() leaves to it, from offset i (white space skipped, the column
 * there `col`): the end of the buffer, tokens other than , ( ) ; . and words, and words that need
 * a second look (non-ASCII bytes, `$`, a `#`, `'` or `"` right after, the end of the buffer). */
int sql_lexer_slow(sql_lexer_t *lx, sql_token_t *tok, size_t i, uint32_t col);

/* sql_lexer_next()'s hot path, inline for the engine's token loop: white space, then , ( ) ; .
 * or a plain ASCII word, each token written once; all else goes to sql_lexer_slow(). */
static inline int sql_lexer_next_inline(sql_lexer_t *lx, sql_token_t *tok)
{
    const char *p = lx->src;
    size_t len = lx->len;
    size_t i = lx->pos;
    uint32_t col = lx->col;
    while(i < len && (sql_lex_class[(unsigned char)p[i]] & SQL_LEXC_SPACE)) {
        if(p[i] == '\n') {
            lx->nl = 1;
            lx->line++;
            col = 0;
        }
        col++;
        i++;
    }
    if(i >= len)
        return sql_lexer_slow(lx, tok, i, col);
    unsigned char c = (unsigned char)p[i];
    unsigned seen = sql_lex_class[c];
    uint8_t flags = lx->nl ? SQL_TOKF_NL_BEFORE : 0;
    /* most tokens: words, , ( ) ; and a '.' that starts no number (qualified names) */
    if((seen & SQL_LEXC_PUNCT) ||
       (c == '.' && !(i + 1 < len && (sql_lex_class[(unsigned char)p[i + 1]] & SQL_LEXC_DIGIT)))) {
        *tok = (sql_token_t){
            .type = SQL_TOK_OP, .flags = flags, .kw = c, .len = 1, .off = i, .line = lx->line, .col = col};
        lx->nl = 0;
        lx->col = col + 1;
        lx->pos = i + 1;
        return 0;
    }
    if(!(seen & SQL_LEXC_START))
        return sql_lexer_slow(lx, tok, i, col);
    size_t j = i + 1;
    unsigned cl;
    while(j < len && ((cl = sql_lex_class[(unsigned char)p[j]]) & SQL_LEXC_IDENT)) {
        seen |= cl;
        j++;
    }
    if(j >= len || (seen & (SQL_LEXC_DOLLAR | SQL_LEXC_HIGH)) || p[j] == '#' || p[j] == '\'' || p[j] == '"')
        return sql_lexer_slow(lx, tok, i, col);
    uint16_t kw = (seen & SQL_LEXC_NOTKW) ? SQL_KW_NONE : (uint16_t)sql_keyword_lookup_plain(p + i, j - i, len - i);
    *tok = (sql_token_t){.type = SQL_TOK_WORD,
                         .flags = flags,
                         .kw = kw,
                         .len = (uint32_t)(j - i),
                         .off = i,
                         .line = lx->line,
                         .col = col};
    lx->nl = 0;
    lx->col = col + (uint32_t)(j - i);
    lx->pos = j;
    return 0;
}

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

/* Single-character operator test, e.g. sql_tok_is_op(t, src, '('): the lexer keeps a one-byte
 * operator's byte in its kw, so the text is not read. */
static inline int sql_tok_is_op(const sql_token_t *t, const char *src, char c)
{
    (void)src;
    return t->type == SQL_TOK_OP && t->kw == (unsigned char)c;
}

#endif
