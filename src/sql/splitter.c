#include "sql/splitter.h"

#include <string.h>
#include <strings.h>

enum { MODE_NORMAL, MODE_CREATE, MODE_ROUTINE, MODE_BLOCK, MODE_UNTIL_GO, MODE_WITH };

void sql_splitter_init(sql_splitter_t *s, sql_dialect_t dialect)
{
    memset(s, 0, sizeof *s);
    s->dialect = dialect;
}

static void reset(sql_splitter_t *s)
{
    sql_dialect_t d = s->dialect;
    int custom = s->custom_delim;
    sql_splitter_init(s, d);
    s->custom_delim = custom;
}

static inline __attribute__((always_inline)) int word(const sql_token_t *t, const char *src, const char *w)
{
    size_t l = strlen(w);
    return t->type == SQL_TOK_WORD && t->len == l && strncasecmp(src + t->off, w, l) == 0;
}

static inline int kw(const sql_token_t *t, sql_kw_t k)
{
    return t->type == SQL_TOK_WORD && t->kw == k;
}

/* Oracle's `/` on a line of its own runs the buffer: a separator. */
static int lone_slash(const sql_token_t *t, const char *src, size_t len)
{
    if(!sql_tok_is_op(t, src, '/') || !(t->flags & SQL_TOKF_NL_BEFORE))
        return 0;
    for(size_t i = t->off + 1; i < len && src[i] != '\n'; i++)
        if(src[i] != ' ' && src[i] != '\t' && src[i] != '\r')
            return 0;
    return 1;
}

/* Hive, Spark, Databricks: CREATE FUNCTION f AS 'com.x.Udf' (or a class named unquoted) names a class,
 * a body only after BEGIN */
static int hive_like(sql_dialect_t d)
{
    return d == SQL_DIALECT_HIVE || d == SQL_DIALECT_SPARKSQL || d == SQL_DIALECT_DATABRICKS;
}

static sql_split_t feed_slow(sql_splitter_t *s, const sql_token_t *t, const char *src, size_t len)
{
    int end_suffix = 0;
    if(s->after_go) {
        /* T-SQL `GO 5` runs the batch five times: the count is part of the separator */
        s->after_go = 0;
        if(t->type == SQL_TOK_NUMBER && !(t->flags & SQL_TOKF_NL_BEFORE))
            return SQL_SPLIT_DROP;
    }
    if(s->pending_begin) {
        s->pending_begin = 0;
        if(!word(t, src, "tran") && !word(t, src, "transaction") && !word(t, src, "distributed")) {
            s->block++;
            s->opened = 1;
        }
    }
    if(s->pending_end) {
        s->pending_end = 0;
        if(kw(t, SQL_KW_IF) || word(t, src, "loop") || kw(t, SQL_KW_WHILE) || word(t, src, "repeat") ||
           kw(t, SQL_KW_FOR))
            end_suffix = 1;
        else if(s->block > 0)
            s->block--;
        if(kw(t, SQL_KW_CASE))
            end_suffix = 1;
    }
    if(s->paren == 0 && kw(t, SQL_KW_GO) && (t->flags & SQL_TOKF_NL_BEFORE) &&
       (s->dialect == SQL_DIALECT_TSQL || s->mode == MODE_UNTIL_GO)) {
        reset(s);
        s->after_go = 1;
        return SQL_SPLIT_DROP;
    }
    if(s->dialect == SQL_DIALECT_ORACLE && s->paren == 0 && lone_slash(t, src, len)) {
        reset(s);
        return SQL_SPLIT_DROP;
    }
    s->ntok++;
    if(s->maybe_txn) {
        s->maybe_txn = 0;
        /* BEGIN TRANSACTION and its kin; T-SQL's BEGIN DIALOG and BEGIN CONVERSATION TIMER, Snowflake's
         * BEGIN NAME t open no block either */
        if(sql_tok_is_op(t, src, ';') || word(t, src, "transaction") || word(t, src, "tran") || word(t, src, "work") ||
           word(t, src, "distributed") ||
           (s->dialect == SQL_DIALECT_TSQL && (word(t, src, "dialog") || word(t, src, "conversation"))) ||
           (s->dialect == SQL_DIALECT_SNOWFLAKE && word(t, src, "name"))) {
            s->mode = MODE_NORMAL;
            s->block = 0;
        }
    }
    if(s->ntok == 1) {
        if(kw(t, SQL_KW_BEGIN)) {
            s->mode = MODE_BLOCK;
            s->block = 1;
            s->opened = 1;
            s->maybe_txn = 1;
        } else if(kw(t, SQL_KW_DECLARE) && (s->dialect == SQL_DIALECT_ORACLE || s->dialect == SQL_DIALECT_SNOWFLAKE)) {
            /* DECLARE .. BEGIN .. END: Snowflake's declarations are a block's too */
            s->mode = MODE_BLOCK;
        } else if((kw(t, SQL_KW_IF) || kw(t, SQL_KW_WHILE) || word(t, src, "else")) && s->dialect == SQL_DIALECT_TSQL) {
            s->mode = MODE_BLOCK;
            s->flow = 1;
        } else if(kw(t, SQL_KW_CREATE) || (s->dialect == SQL_DIALECT_TERADATA && word(t, src, "replace"))) {
            s->mode = MODE_CREATE;
        } else if(kw(t, SQL_KW_WITH) && s->dialect == SQL_DIALECT_TRINO) {
            s->mode = MODE_WITH;
        }
    } else if(s->mode == MODE_WITH) {
        /* Trino's WITH FUNCTION f() RETURNS .. BEGIN ..; END SELECT ..: a routine's body first */
        s->mode = kw(t, SQL_KW_FUNCTION) ? MODE_ROUTINE : MODE_NORMAL;
    } else if(s->mode == MODE_CREATE && s->ntok <= 10) {
        if(word(t, src, "procedure") || word(t, src, "proc") || kw(t, SQL_KW_FUNCTION) || word(t, src, "trigger") ||
           word(t, src, "package")) {
            s->mode = s->dialect == SQL_DIALECT_TSQL ? MODE_UNTIL_GO : MODE_ROUTINE;
            s->package = word(t, src, "package");
        } else if(s->dialect == SQL_DIALECT_ORACLE && word(t, src, "body")) {
            /* CREATE TYPE BODY: member routines, each ending with END;, as in a package body */
            s->mode = MODE_ROUTINE;
            s->package = 1;
        } else if(word(t, src, "rule") || word(t, src, "macro")) {
            /* Postgres' DO INSTEAD (a; b) and Teradata's CREATE MACRO m AS (a; b;): statements in parentheses */
            s->mode = MODE_NORMAL;
            s->paren_body = 1;
        } else if(kw(t, SQL_KW_TABLE) || word(t, src, "view") || word(t, src, "index") || t->type != SQL_TOK_WORD) {
            s->mode = MODE_NORMAL;
        }
    } else if(s->mode == MODE_CREATE) {
        s->mode = MODE_NORMAL;
    }
    if(sql_tok_is_op(t, src, '(')) {
        s->paren++;
        if(s->expect_body) {
            s->expect_body = 0;
            s->mode = MODE_NORMAL;
        }
        return SQL_SPLIT_NONE;
    }
    if(sql_tok_is_op(t, src, ')')) {
        if(s->paren > 0)
            s->paren--;
        return SQL_SPLIT_NONE;
    }
    if(s->paren > 0 && sql_tok_is_op(t, src, ';') && s->mode == MODE_NORMAL && !s->paren_body) {
        /* a `(` left open: the statement ends here all the same, not at the end of the file */
        reset(s);
        return SQL_SPLIT_AFTER;
    }
    if(s->paren > 0)
        return SQL_SPLIT_NONE;
    switch(s->mode) {
    case MODE_ROUTINE: {
        int after_execute = s->execute_as;
        s->execute_as = word(t, src, "execute");
        if(s->expect_body) {
            s->expect_body = 0;
            /* a body in a string, or in a psql variable (AS :'body'), or a query (BigQuery's CREATE TABLE
             * FUNCTION .. AS SELECT ..), or AS RETURN expr (SQL/PSM, Databricks); Postgres' only other body is BEGIN ATOMIC .. END (Oracle's IS/AS
             * goes on with declarations) */
            if(t->type == SQL_TOK_STRING || t->type == SQL_TOK_VAR || kw(t, SQL_KW_SELECT) || kw(t, SQL_KW_WITH) ||
               kw(t, SQL_KW_RETURN) ||
               ((SQL_DIALECT_IS_PG(s->dialect) || hive_like(s->dialect)) && !kw(t, SQL_KW_BEGIN))) {
                s->mode = MODE_NORMAL;
            } else {
                s->mode = MODE_BLOCK;
                if(kw(t, SQL_KW_BEGIN) || s->package) {
                    /* a package's members end with END; the package with the END after them */
                    s->block = 1;
                    s->opened = 1;
                    /* an empty package, AS END [name];, ends there too (it took in what followed) */
                    s->pending_end = s->package && kw(t, SQL_KW_END);
                }
            }
        } else if(kw(t, SQL_KW_BEGIN)) {
            s->mode = MODE_BLOCK;
            s->block = 1;
            s->opened = 1;
        } else if(kw(t, SQL_KW_AS) || kw(t, SQL_KW_IS)) {
            s->expect_body = !after_execute;
        } else if(kw(t, SQL_KW_RETURN) || word(t, src, "language") || word(t, src, "returns")) {
            /* a single-expression function or one whose body is a string */
            if(kw(t, SQL_KW_RETURN))
                s->mode = MODE_NORMAL;
        }
        break;
    }
    case MODE_BLOCK:
        if(kw(t, SQL_KW_BEGIN) && s->ntok > 1) {
            s->pending_begin = 1;
        } else if(kw(t, SQL_KW_CASE) && !end_suffix) {
            s->block++;
        } else if(kw(t, SQL_KW_END) && !end_suffix) {
            s->pending_end = 1;
        } else if(sql_tok_is_op(t, src, ';') && (s->opened || s->flow) && s->block == 0) {
            reset(s);
            return SQL_SPLIT_AFTER;
        }
        return SQL_SPLIT_NONE;
    case MODE_UNTIL_GO: return SQL_SPLIT_NONE;
    default: break;
    }
    if(sql_tok_is_op(t, src, ';')) {
        reset(s);
        return SQL_SPLIT_AFTER;
    }
    return SQL_SPLIT_NONE;
}

sql_split_t sql_splitter_feed_slow(sql_splitter_t *s, const sql_token_t *t, const char *src, size_t len)
{
    sql_split_t r = feed_slow(s, t, src, len);
    s->plain = s->mode == MODE_NORMAL && s->ntok > 0 && !s->pending_end && !s->maybe_txn;
    return r;
}
