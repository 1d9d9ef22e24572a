#include "sql/lexer.h"

#include "sql/error.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void sql_lexer_init(sql_lexer_t *lx, const char *src, size_t len, sql_dialect_t dialect, int eof)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
    lx->eof = eof;
    lx->nl = 1;
    lx->tr = sql_dialect_traits(dialect);
    sql_keywords_init();
}

void sql_lexer_rebase(sql_lexer_t *lx, const char *src, size_t len, size_t shift, int eof)
{
    lx->src = src;
    lx->len = len;
    lx->pos -= shift;
    lx->eof = eof;
}

/* SQL_LEXC_* of each byte (lexer.h) */
const unsigned char sql_lex_class[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,   0,  8,  8,  8,  8,  8,  0,   0,   0,  0,  0,   0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  8,  0,   0,  0,  82, 0,  0,  0,  128, 128, 0,  0,  128, 0,  0,  0,  22, 22, 22, 22,
    22, 22, 22, 22, 22, 22, 0,  128, 0,  0,  0,  0,  0,  3,  3,   3,   3,  3,  3,   3,  3,  3,  3,  3,  3,  3,
    3,  3,  3,  3,  3,  3,  3,  3,   3,  3,  3,  3,  3,  0,  0,   0,   0,  3,  0,   3,  3,  3,  3,  3,  3,  3,
    3,  3,  3,  3,  3,  3,  3,  3,   3,  3,  3,  3,  3,  3,  3,   3,   3,  3,  3,   0,  0,  0,  0,  0,  51, 51,
    51, 51, 51, 51, 51, 51, 51, 51,  51, 51, 51, 51, 51, 51, 51,  51,  51, 51, 51,  51, 51, 51, 51, 51, 51, 51,
    51, 51, 51, 51, 51, 51, 51, 51,  51, 51, 51, 51, 51, 51, 51,  51,  51, 51, 51,  51, 51, 51, 51, 51, 51, 51,
    51, 51, 51, 51, 51, 51, 51, 51,  51, 51, 51, 51, 51, 51, 51,  51,  51, 51, 51,  51, 51, 51, 51, 51, 51, 51,
    51, 51, 51, 51, 51, 51, 51, 51,  51, 51, 51, 51, 51, 51, 51,  51,  51, 51, 51,  51, 51, 51, 51, 51, 51, 51,
    51, 51, 51, 51, 51, 51, 51, 51,  51, 51, 51, 51, 51, 51, 51,  51,  51, 51, 51,  51, 51, 51,
};

static inline int is_ident_start(unsigned char c)
{
    return sql_lex_class[c] & SQL_LEXC_START;
}

static inline int is_ident_char(unsigned char c)
{
    return sql_lex_class[c] & SQL_LEXC_IDENT;
}

static inline int is_digit(unsigned char c)
{
    return sql_lex_class[c] & SQL_LEXC_DIGIT;
}

/* Move the position to `end`, keeping line and column in step. */
static void advance(sql_lexer_t *lx, size_t end)
{
    const unsigned char *p = (const unsigned char *)lx->src;
    uint32_t col = lx->col;
    for(size_t i = lx->pos; i < end; i++) {
        if(p[i] == '\n') {
            lx->line++;
            col = 1;
        } else {
            col += (p[i] & 0xC0) != 0x80;
        }
    }
    lx->col = col;
    lx->pos = end;
}

/* For tokens that cannot hold a newline: only the column moves. */
/* 1 when s[0..n) is well-formed UTF-8 (lead and continuation bytes; enough to tell Latin-1 apart). */
static int utf8_well_formed(const unsigned char *s, size_t n)
{
    for(size_t i = 0; i < n;) {
        size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xF0 && s[i] <= 0xF4 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC2 ? 2 : 0;
        if(k == 0 || i + k > n)
            return 0;
        for(size_t m = 1; m < k; m++)
            if((s[i + m] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

static void advance_line(sql_lexer_t *lx, size_t end)
{
    const unsigned char *p = (const unsigned char *)lx->src;
    uint32_t cont = 0;
    for(size_t i = lx->pos; i < end; i++)
        cont += (p[i] & 0xC0) == 0x80;
    lx->col += (uint32_t)(end - lx->pos) - cont;
    lx->pos = end;
}

void sql_lexer_skip(sql_lexer_t *lx, size_t off)
{
    if(off > lx->len)
        off = lx->len;
    if(off > lx->pos)
        advance(lx, off);
}

void sql_lexer_rewind(sql_lexer_t *lx, const sql_token_t *t)
{
    lx->pos = t->off;
    lx->line = t->line;
    lx->col = t->col;
    lx->nl = (t->flags & SQL_TOKF_NL_BEFORE) != 0;
}

/* Scanners return the end offset of the token, or 0 when more input is needed
 * (a token never ends at offset 0). *unterminated is set when input ended first. */
typedef struct scan {
    const sql_lexer_t *lx;
    int unterminated;
    int word; /* a number that turned out to be a name (0020_big_table) */
} scan_t;

static size_t need(scan_t *s, size_t i)
{
    if(!s->lx->eof)
        return 0;
    s->unterminated = 1;
    return i;
}

/* Quoted run closed by `close`; a doubled `close` is an escaped one. */
static size_t scan_quoted(scan_t *s, size_t i, char close, int backslash)
{
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    while(i < len) {
        char c = p[i];
        if(backslash && c == '\\') {
            if(i + 1 >= len)
                return need(s, len);
            i += 2;
            continue;
        }
        if(c == close) {
            if(i + 1 >= len && !s->lx->eof)
                return 0;
            if(i + 1 < len && p[i + 1] == close) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return need(s, len);
}

/* The end of what `close` closes; with `escapes`, a backslash takes the byte after it (BigQuery's
 * triple-quoted strings: \" inside does not end one). */
static size_t scan_until_esc(scan_t *s, size_t i, const char *close, int escapes)
{
    size_t cl = strlen(close);
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    while(i + cl <= len) {
        if(escapes && p[i] == '\\') {
            i += 2;
            continue;
        }
        if(memcmp(p + i, close, cl) == 0)
            return i + cl;
        i++;
    }
    return need(s, len);
}

static size_t scan_until(scan_t *s, size_t i, const char *close)
{
    return scan_until_esc(s, i, close, 0);
}

/* ${...} on one line, at most 256 bytes: the end offset, 0 for more input, 1 when it is not one. */
static size_t scan_placeholder(scan_t *s, size_t i)
{
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    if(i + 1 >= len)
        return s->lx->eof ? 1 : 0;
    for(size_t j = i + 2; j < len && j < i + 256; j++) {
        if(p[j] == '}')
            return j > i + 2 ? j + 1 : 1;
        if(p[j] == '\n' || p[j] == '{' || p[j] == '$')
            return 1;
    }
    return i + 256 > len && !s->lx->eof ? 0 : 1;
}

/* iBATIS #name# and MyBatis #{name}: parameters of SQL kept in Java mappers; end as `${..}`
 * does (1: not one; 0: more input needed). */
static size_t scan_hash_param(scan_t *s, size_t i)
{
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    if(i + 1 < len && p[i + 1] == '{')
        return scan_placeholder(s, i);
    size_t j = i + 1;
    while(j < len && j < i + 256 && is_ident_char((unsigned char)p[j]))
        j++;
    if(j >= len)
        return s->lx->eof ? 1 : 0;
    return p[j] == '#' && j > i + 1 ? j + 1 : 1;
}

static size_t scan_block_comment(scan_t *s, size_t i, int nested)
{
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    int depth = 1;
    i += 2;
    while(i + 1 < len) {
        if(p[i] == '*' && p[i + 1] == '/') {
            i += 2;
            if(--depth == 0)
                return i;
        } else if(nested && p[i] == '/' && p[i + 1] == '*') {
            depth++;
            i += 2;
        } else {
            i++;
        }
    }
    return need(s, len);
}

static size_t scan_line_comment(scan_t *s, size_t i)
{
    const char *nl = memchr(s->lx->src + i, '\n', s->lx->len - i);
    if(nl)
        return (size_t)(nl - s->lx->src);
    return s->lx->eof ? s->lx->len : 0;
}

static size_t scan_word(scan_t *s, size_t i)
{
    while(i < s->lx->len && is_ident_char((unsigned char)s->lx->src[i]))
        i++;
    if(i == s->lx->len && !s->lx->eof)
        return 0;
    return i;
}

/* What may end a name before a qualifying dot: db.2023_sales is a name, not db and .2023 */
static int qualifies(char c)
{
    return is_ident_char((unsigned char)c) || c == '"' || c == '`' || c == ']';
}

static size_t scan_number(scan_t *s, size_t i)
{
    const char *p = s->lx->src;
    size_t len = s->lx->len;
    if(p[i] == '0' && i + 1 < len && (p[i + 1] == 'x' || p[i + 1] == 'X'))
        return scan_word(s, i + 2);
    size_t start = i;
    while(i < len && is_digit((unsigned char)p[i]))
        i++;
    size_t digits = i;
    if(i < len && p[i] == '.') {
        i++;
        while(i < len && is_digit((unsigned char)p[i]))
            i++;
    }
    if(i + 1 < len && (p[i] == 'e' || p[i] == 'E') &&
       (is_digit((unsigned char)p[i + 1]) ||
        ((p[i + 1] == '+' || p[i + 1] == '-') && i + 2 < len && is_digit((unsigned char)p[i + 2])))) {
        i += 2;
        while(i < len && is_digit((unsigned char)p[i]))
            i++;
    }
    /* 1st_col, 0020_big_table: names that start with digits (MySQL, Hive allow them unquoted),
     * unlike Spark's typed literals 10L, 10S, 10Y, 1D, 1F, 1BD */
    if(i < len && is_ident_start((unsigned char)p[i])) {
        size_t end = scan_word(s, i);
        size_t tail = end - i;
        int typed = i == digits &&
                    (tail == 1 ? strchr("lLsSyYdDfF", p[i]) != NULL : tail == 2 && strncasecmp(p + i, "bd", 2) == 0);
        s->word = end && i == digits && digits > start && !typed;
        return end;
    }
    if(i >= len && !s->lx->eof)
        return 0;
    return i;
}

/* Operators: <=> ->> #>> :: := <= >= <> << <@ != !~ || |= => == -> -= >> && &= @> ~* #> and
 * +=, *=, /=, %=, ^=; everything else is one character. */
static size_t scan_op(scan_t *s, size_t i)
{
    const char *p = s->lx->src;
    size_t avail = s->lx->len - i;
    char c = p[i];
    switch(c) {
    case '<':
    case '>':
    case '-':
    case '#':
    case ':':
    case '!':
    case '|':
    case '=':
    case '&':
    case '@':
    case '~':
    case '+':
    case '*':
    case '/':
    case '%':
    case '^': break;
    default: return i + 1;
    }
    if(avail < 3 && !s->lx->eof)
        return 0;
    char n = avail > 1 ? p[i + 1] : 0;
    char n2 = avail > 2 ? p[i + 2] : 0;
    switch(c) {
    case '<':
        if(n == '=' && n2 == '>')
            return i + 3;
        return n == '=' || n == '>' || n == '<' || n == '@' ? i + 2 : i + 1;
    case '>': return n == '=' || n == '>' ? i + 2 : i + 1;
    case '-':
        if(n == '>' && n2 == '>')
            return i + 3;
        return n == '>' || n == '=' ? i + 2 : i + 1;
    case '#':
        if(n == '>' && n2 == '>')
            return i + 3;
        return n == '>' ? i + 2 : i + 1;
    case ':': return n == ':' || n == '=' ? i + 2 : i + 1;
    case '!': return n == '=' || n == '~' ? i + 2 : i + 1;
    case '|': return n == '|' || n == '=' ? i + 2 : i + 1;
    case '=': return n == '>' || n == '=' ? i + 2 : i + 1;
    case '&': return n == '&' || n == '=' ? i + 2 : i + 1;
    case '@': return n == '>' ? i + 2 : i + 1;
    case '~': return n == '*' ? i + 2 : i + 1;
    default: return n == '=' ? i + 2 : i + 1;
    }
}

/* Length of a dollar-quote tag "$tag$" starting at i, 0 if there is none. */
static size_t dollar_tag(const char *p, size_t i, size_t len)
{
    size_t j = i + 1;
    if(j < len && p[j] == '$')
        return 2;
    if(j >= len || !(is_ident_start((unsigned char)p[j]) && (unsigned char)p[j] < 0x80))
        return 0;
    while(j < len && (is_ident_char((unsigned char)p[j]) && p[j] != '$'))
        j++;
    return j < len && p[j] == '$' ? j + 1 - i : 0;
}

static int string_prefix(const char *p, size_t n)
{
    if(n == 0 || n > 2)
        return 0;
    for(size_t i = 0; i < n; i++) {
        char c = p[i];
        if(!strchr("nNeEbBxXrRuU", c))
            return 0;
    }
    return 1;
}

/* MySQL: `--` starts a comment only before white space, a control character or the end, so
 * `1--1` is 1 - (-1) and the rest of the line is still read. `--text` after white space or at the
 * start of a line stays a comment: scripts written for other databases are full of them. */
static int dash_is_operator(const sql_lexer_t *lx, size_t i)
{
    if(!lx->tr.dash_space_comment || i == 0 || i + 2 >= lx->len || (unsigned char)lx->src[i + 2] <= ' ')
        return 0;
    unsigned char b = (unsigned char)lx->src[i - 1];
    return isalnum(b) || b == '_' || b == ')' || b == '\'' || b == '"' || b == '`';
}

/* Every token but plain words and , ( ) ; at offset i (the token header is filled in);
 * `word_end` is where the word ends when a string prefix starts there. */
static __attribute__((noinline)) int lex_other(sql_lexer_t *lx, sql_token_t *tok, size_t i, size_t word_end)
{
    const char *p = lx->src;
    size_t len = lx->len;
    scan_t s = {.lx = lx};
    unsigned char c = (unsigned char)p[i];
    unsigned char n1 = i + 1 < len ? (unsigned char)p[i + 1] : 0;
    int more = i + 1 >= len && !lx->eof;
    size_t end;
    uint8_t type;
    if(is_ident_start(c)) {
        /* a string with a prefix: N'..', E'..', b"..", r'..' (the caller saw the word) */
        int bs = lx->tr.backslash_escapes || c == 'e' || c == 'E';
        if(c == 'r' || c == 'R')
            bs = 0;
        type = SQL_TOK_STRING;
        char q = p[word_end];
        if(lx->tr.backslash_escapes && word_end + 2 < len && p[word_end + 1] == q && p[word_end + 2] == q) {
            /* BigQuery's r"""..""", b'''..''': a quote after a backslash ends none, raw or not */
            const char triple[4] = {q, q, q, 0};
            end = scan_until_esc(&s, word_end + 3, triple, 1);
        } else {
            end = scan_quoted(&s, word_end + 1, q, bs);
        }
    } else if(c == '-' && (n1 == '-' || more) && !dash_is_operator(lx, i)) {
        if(more || (lx->tr.dash_space_comment && i + 2 >= len && !lx->eof))
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_COMMENT;
        end = scan_line_comment(&s, i);
    } else if(c == '/' && (n1 == '*' || more)) {
        if(more)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_COMMENT;
        end = scan_block_comment(&s, i, lx->tr.nested_comments);
    } else if(c == '#' && lx->tr.hash_space_comment && (n1 == '{' || is_ident_start(n1) || more) &&
              (end = scan_hash_param(&s, i)) != 1) {
        if(end == 0)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_TEMPLATE;
    } else if(c == '#' && (lx->tr.hash_comment || (lx->tr.hash_space_comment &&
                                                   (more || (sql_lex_class[(unsigned char)n1] & SQL_LEXC_SPACE))))) {
        if(more)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_COMMENT;
        end = scan_line_comment(&s, i);
    } else if(c == '#' && lx->tr.hash_ident && (n1 == '#' || is_ident_start(n1) || more)) {
        type = SQL_TOK_WORD;
        end = scan_word(&s, n1 == '#' ? i + 2 : i + 1);
    } else if(c == '\'') {
        type = SQL_TOK_STRING;
        if(i + 2 < len && n1 == '\'' && p[i + 2] == '\'' && !lx->tr.dq_ident)
            end = scan_until_esc(&s, i + 3, "'''", lx->tr.backslash_escapes);
        else
            end = scan_quoted(&s, i + 1, '\'', lx->tr.backslash_escapes);
    } else if(c == '"') {
        type = lx->tr.dq_ident ? SQL_TOK_QUOTED : SQL_TOK_STRING;
        if(i + 2 < len && n1 == '"' && p[i + 2] == '"' && !lx->tr.dq_ident)
            end = scan_until_esc(&s, i + 3, "\"\"\"", lx->tr.backslash_escapes);
        else
            end = scan_quoted(&s, i + 1, '"', lx->tr.backslash_escapes);
    } else if(c == '`') {
        type = SQL_TOK_QUOTED;
        end = scan_quoted(&s, i + 1, '`', 0);
    } else if(c == '[' && lx->tr.bracket_ident) {
        type = SQL_TOK_QUOTED;
        end = scan_quoted(&s, i + 1, ']', 0);
    } else if(c == '$' && (n1 == '{' || more) && (end = scan_placeholder(&s, i)) != 1) {
        /* ${var}, ${hiveconf:x}: a template placeholder, as in Hive scripts and shell-driven SQL */
        if(more || end == 0)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_TEMPLATE;
    } else if(c == '$' && !lx->tr.dollar_quotes) {
        type = is_digit(n1) ? SQL_TOK_VAR : SQL_TOK_OP;
        end = is_digit(n1) ? scan_word(&s, i + 1) : i + 1;
    } else if(c == '$' && lx->tr.dollar_vars && is_ident_start(n1)) {
        type = SQL_TOK_VAR;
        end = scan_word(&s, i + 1);
    } else if(c == '$') {
        size_t tl = dollar_tag(p, i, len);
        if(tl) {
            char tag[64];
            if(tl >= sizeof tag) {
                type = SQL_TOK_OP;
                end = i + 1;
            } else {
                memcpy(tag, p + i, tl);
                tag[tl] = '\0';
                type = SQL_TOK_STRING;
                end = scan_until(&s, i + tl, tag);
            }
        } else if(is_digit(n1)) {
            type = SQL_TOK_VAR;
            end = scan_word(&s, i + 1);
        } else if(more) {
            return SQL_ERR_NEED_MORE;
        } else {
            /* "$ab" could still become "$ab$" with more input */
            if(!lx->eof && is_ident_start(n1)) {
                size_t j = i + 1;
                while(j < len && is_ident_char((unsigned char)p[j]) && p[j] != '$')
                    j++;
                if(j >= len)
                    return SQL_ERR_NEED_MORE;
            }
            type = SQL_TOK_OP;
            end = i + 1;
        }
    } else if(c == '@' && (n1 == '@' || is_ident_start(n1) || more || (lx->tr.stages && (n1 == '~' || n1 == '%')))) {
        if(more)
            return SQL_ERR_NEED_MORE;
        size_t j = i + 1;
        if(n1 == '@' || n1 == '~' || n1 == '%')
            j++;
        while(j < len && (is_ident_char((unsigned char)p[j]) || p[j] == '.' || p[j] == '#'))
            j++;
        if(j >= len && !lx->eof)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_VAR;
        end = j;
    } else if(c == ':' && (is_ident_start(n1) || is_digit(n1)) && !lx->tr.no_colon_binds) {
        type = SQL_TOK_VAR;
        end = scan_word(&s, i + 1);
    } else if(c == ':' &&
              ((n1 == '"' && (lx->tr.quoted_binds || lx->tr.psql_vars)) || (n1 == '\'' && lx->tr.psql_vars))) {
        type = SQL_TOK_VAR;
        end = scan_quoted(&s, i + 2, (char)n1, 0);
    } else if(c == '?') {
        type = SQL_TOK_VAR;
        end = i + 1;
    } else if(c == '{' && (n1 == '{' || n1 == '%' || n1 == '#' || more)) {
        if(more)
            return SQL_ERR_NEED_MORE;
        type = SQL_TOK_TEMPLATE;
        end = scan_until(&s, i + 2, n1 == '{' ? "}}" : n1 == '%' ? "%}" : "#}");
    } else if(is_digit(c) || (c == '.' && is_digit(n1) && !(i > 0 && qualifies(p[i - 1])))) {
        end = scan_number(&s, i);
        type = s.word ? SQL_TOK_WORD : SQL_TOK_NUMBER;
    } else {
        type = SQL_TOK_OP;
        end = scan_op(&s, i);
    }
    if(end == 0)
        return SQL_ERR_NEED_MORE;
    tok->type = type;
    if(lx->nl)
        tok->flags |= SQL_TOKF_NL_BEFORE;
    if(s.unterminated) {
        /* an unclosed quote, comment or template ends with its line: a stray quote costs that
         * line (reported), not the rest of the input (the token too: it held the rest) */
        const char *nl = memchr(p + i, '\n', end - i);
        if(nl)
            end = (size_t)(nl - p);
        tok->flags |= SQL_TOKF_UNTERMINATED;
    }
    tok->len = (uint32_t)(end - i);
    if(type == SQL_TOK_OP && tok->len == 1)
        tok->kw = c;
    lx->nl = 0;
    if(type == SQL_TOK_WORD || type == SQL_TOK_OP || type == SQL_TOK_NUMBER || type == SQL_TOK_VAR) {
        advance_line(lx, end);
    } else {
        advance(lx, end);
    }
    return 0;
}

int sql_lexer_slow(sql_lexer_t *lx, sql_token_t *tok, size_t i, uint32_t col)
{
    const char *p = lx->src;
    size_t len = lx->len;
    lx->col = col;
    lx->pos = i;
    *tok = (sql_token_t){.off = i, .line = lx->line, .col = col};
    if(i >= len) {
        if(!lx->eof)
            return SQL_ERR_NEED_MORE;
        tok->type = SQL_TOK_EOF;
        return 0;
    }
    unsigned char c = (unsigned char)p[i];
    if(!is_ident_start(c))
        return lex_other(lx, tok, i, 0);
    /* one class lookup per byte; the classes seen decide the rest */
    size_t j = i + 1;
    unsigned seen = sql_lex_class[c], cl;
    while(j < len && ((cl = sql_lex_class[(unsigned char)p[j]]) & SQL_LEXC_IDENT)) {
        seen |= cl;
        j++;
    }
    if(j < len && p[j] == '#' && lx->tr.hash_in_words) {
        seen |= SQL_LEXC_NOTKW;
        while(j < len && (is_ident_char((unsigned char)p[j]) || p[j] == '#'))
            j++;
    }
    /* t_${env}: a template placeholder ends the word */
    for(size_t k = i; (seen & SQL_LEXC_DOLLAR) && k < j; k++) {
        if(p[k] == '$' && k + 1 < len && p[k + 1] == '{') {
            j = k;
            break;
        }
    }
    if(j == len && !lx->eof)
        return SQL_ERR_NEED_MORE;
    if(j < len && (p[j] == '\'' || (p[j] == '"' && !lx->tr.dq_ident)) && string_prefix(p + i, j - i))
        return lex_other(lx, tok, i, j);
    tok->type = SQL_TOK_WORD;
    tok->len = (uint32_t)(j - i);
    tok->flags = lx->nl ? SQL_TOKF_NL_BEFORE : 0;
    if(!(seen & SQL_LEXC_NOTKW))
        tok->kw = (uint16_t)sql_keyword_lookup_plain(p + i, j - i, len - i);
    lx->nl = 0;
    if(seen & SQL_LEXC_HIGH) {
        if(!utf8_well_formed((const unsigned char *)p + i, j - i))
            tok->flags |= SQL_TOKF_NOT_UTF8;
        advance_line(lx, j);
    } else {
        lx->col = col + tok->len;
        lx->pos = j;
    }
    return 0;
}

int sql_lexer_next(sql_lexer_t *lx, sql_token_t *tok)
{
    return sql_lexer_next_inline(lx, tok);
}

void sql_tokens_dialect_words(sql_dialect_t d, sql_token_t *toks, size_t n, const char *src)
{
    if(!sql_dialect_traits(d).sel_keyword)
        return;
    for(size_t i = 0; i < n; i++)
        if(toks[i].type == SQL_TOK_WORD && toks[i].len == 3 && strncasecmp(src + toks[i].off, "sel", 3) == 0)
            toks[i].kw = SQL_KW_SELECT;
}
