/* Lexer: quoting, comments, variables, templates, positions, and chunked input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/error.h"
#include "sql/keywords.h"
#include "sql/lexer.h"

#include <ctype.h>
#include <string.h>

#define MAXTOK 64

typedef struct lexed {
    sql_token_t t[MAXTOK];
    int n;
} lexed_t;

static void lex_all(const char *src, sql_dialect_t d, lexed_t *out)
{
    sql_lexer_t lx;
    sql_lexer_init(&lx, src, strlen(src), d, 1);
    out->n = 0;
    for(;;) {
        sql_token_t t;
        assert_int_equal(sql_lexer_next(&lx, &t), 0);
        if(t.type == SQL_TOK_EOF)
            break;
        assert_true(out->n < MAXTOK);
        out->t[out->n++] = t;
    }
}

static void assert_tok(const char *src, const sql_token_t *t, sql_tok_type_t type, const char *text)
{
    assert_int_equal(t->type, type);
    assert_int_equal(t->len, strlen(text));
    assert_memory_equal(src + t->off, text, strlen(text));
}

/* sql_tok_is_op() reads the operator's byte from the token (kw), not the text: every one-byte
 * operator, from the hot path (, ( ) ; .) and the slow one (= + * < $), says which byte it is; a longer
 * operator is none of its bytes. */
static void test_one_byte_operators(void **state)
{
    (void)state;
    static const char src[] = "f(a.b, c) = 1 + x * y < z;\n:: := $";
    static const char ops[] = "(.,)=+*<;";
    lexed_t l;
    lex_all(src, SQL_DIALECT_TRINO, &l);
    size_t k = 0;
    for(int i = 0; i < l.n; i++) {
        const sql_token_t *t = &l.t[i];
        if(t->type != SQL_TOK_OP)
            continue;
        if(t->len == 1) {
            assert_true(sql_tok_is_op(t, src, src[t->off]));
            assert_false(sql_tok_is_op(t, src, src[t->off] == '(' ? ')' : '('));
            if(k < sizeof ops - 1)
                assert_int_equal(src[t->off], ops[k++]);
        } else {
            assert_false(sql_tok_is_op(t, src, ':'));
            assert_false(sql_tok_is_op(t, src, '='));
        }
    }
    assert_int_equal(k, sizeof ops - 1);
    assert_true(sql_tok_is_op(&l.t[l.n - 1], src, '$'));
}

static void test_keywords_sorted(void **state)
{
    (void)state;
    for(int k = SQL_KW_NONE + 2; k < SQL_KW_COUNT_; k++)
        assert_true(strcmp(sql_keyword_name((sql_kw_t)(k - 1)), sql_keyword_name((sql_kw_t)k)) < 0);
    assert_int_equal(sql_keyword_lookup("select", 6), SQL_KW_SELECT);
    assert_int_equal(sql_keyword_lookup("SeLeCt", 6), SQL_KW_SELECT);
    assert_int_equal(sql_keyword_lookup("selects", 7), SQL_KW_NONE);
    assert_int_equal(sql_keyword_lookup("current_timestamp", 17), SQL_KW_CURRENT_TIMESTAMP);
    assert_int_equal(sql_keyword_lookup("current_timestampx", 18), SQL_KW_NONE);
    assert_int_equal(sql_keyword_lookup("s", 1), SQL_KW_NONE);
    assert_int_equal(sql_keyword_lookup("se1ect", 6), SQL_KW_NONE);
    /* every keyword is found in either case: the lookup's length bounds and hash cover them all */
    for(int k = SQL_KW_NONE + 1; k < SQL_KW_COUNT_; k++) {
        const char *name = sql_keyword_name((sql_kw_t)k);
        char lower[32];
        size_t n = strlen(name);
        assert_true(n >= SQL_KW_MIN_LEN && n <= SQL_KW_MAX_LEN && n < sizeof lower);
        for(size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)name[i]);
        assert_int_equal(sql_keyword_lookup(name, n), k);
        assert_int_equal(sql_keyword_lookup(lower, n), k);
    }
}

static void test_quoting_per_dialect(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "SELECT \"a\"\"b\", `c`, [d]] e] FROM t";
    lex_all(s, SQL_DIALECT_TSQL, &l);
    assert_tok(s, &l.t[1], SQL_TOK_QUOTED, "\"a\"\"b\"");
    assert_tok(s, &l.t[3], SQL_TOK_QUOTED, "`c`");
    assert_tok(s, &l.t[5], SQL_TOK_QUOTED, "[d]] e]");
    assert_int_equal(l.t[6].kw, SQL_KW_FROM);

    const char *a = "SELECT ARRAY[1, 2]";
    lex_all(a, SQL_DIALECT_POSTGRES, &l);
    assert_tok(a, &l.t[2], SQL_TOK_OP, "[");

    const char *m = "SELECT \"it\\\"s\", 'x\\'y' # comment\nFROM t";
    lex_all(m, SQL_DIALECT_MYSQL, &l);
    assert_tok(m, &l.t[1], SQL_TOK_STRING, "\"it\\\"s\"");
    assert_tok(m, &l.t[3], SQL_TOK_STRING, "'x\\'y'");
    assert_int_equal(l.t[4].type, SQL_TOK_COMMENT);
    assert_int_equal(l.t[5].kw, SQL_KW_FROM);

    /* no backslash escapes in ANSI: 'a\' ends the string */
    const char *ansi = "SELECT 'a\\', 'it''s'";
    lex_all(ansi, SQL_DIALECT_ANSI, &l);
    assert_tok(ansi, &l.t[1], SQL_TOK_STRING, "'a\\'");
    assert_tok(ansi, &l.t[3], SQL_TOK_STRING, "'it''s'");
}

static void test_dollar_quotes_and_prefixes(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "AS $$ SELECT ';' $$ , $fn$ a $$ b $fn$ , E'a\\'b' , N'x', $1";
    lex_all(s, SQL_DIALECT_POSTGRES, &l);
    assert_tok(s, &l.t[1], SQL_TOK_STRING, "$$ SELECT ';' $$");
    assert_tok(s, &l.t[3], SQL_TOK_STRING, "$fn$ a $$ b $fn$");
    assert_tok(s, &l.t[5], SQL_TOK_STRING, "E'a\\'b'");
    assert_tok(s, &l.t[7], SQL_TOK_STRING, "N'x'");
    assert_tok(s, &l.t[9], SQL_TOK_VAR, "$1");
}

static void test_comments(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "a /* x /* y */ z */ b -- c\nd";
    lex_all(s, SQL_DIALECT_POSTGRES, &l);
    assert_int_equal(l.n, 5);
    assert_tok(s, &l.t[1], SQL_TOK_COMMENT, "/* x /* y */ z */");
    assert_tok(s, &l.t[2], SQL_TOK_WORD, "b");
    assert_tok(s, &l.t[3], SQL_TOK_COMMENT, "-- c");
    /* MySQL comments do not nest: the first star-slash closes */
    lex_all(s, SQL_DIALECT_MYSQL, &l);
    assert_tok(s, &l.t[1], SQL_TOK_COMMENT, "/* x /* y */");
    assert_tok(s, &l.t[2], SQL_TOK_WORD, "z");
}

static void test_variables_and_templates(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "@v @@rowcount :p ? a::int x := 1 {{ ref('m') }} {% if x %} #tmp";
    lex_all(s, SQL_DIALECT_TSQL, &l);
    assert_tok(s, &l.t[0], SQL_TOK_VAR, "@v");
    assert_tok(s, &l.t[1], SQL_TOK_VAR, "@@rowcount");
    assert_tok(s, &l.t[2], SQL_TOK_VAR, ":p");
    assert_tok(s, &l.t[3], SQL_TOK_VAR, "?");
    assert_tok(s, &l.t[5], SQL_TOK_OP, "::");
    assert_tok(s, &l.t[8], SQL_TOK_OP, ":=");
    assert_tok(s, &l.t[10], SQL_TOK_TEMPLATE, "{{ ref('m') }}");
    assert_tok(s, &l.t[11], SQL_TOK_TEMPLATE, "{% if x %}");
    assert_tok(s, &l.t[12], SQL_TOK_WORD, "#tmp");
    /* ${..} placeholders are template tokens, also glued to a word; not across lines */
    const char *h = "${db}.t_${env} '${x}' $1 ${\n}";
    lex_all(h, SQL_DIALECT_HIVE, &l);
    assert_tok(h, &l.t[0], SQL_TOK_TEMPLATE, "${db}");
    assert_tok(h, &l.t[2], SQL_TOK_WORD, "t_");
    assert_tok(h, &l.t[3], SQL_TOK_TEMPLATE, "${env}");
    assert_tok(h, &l.t[4], SQL_TOK_STRING, "'${x}'");
    assert_tok(h, &l.t[5], SQL_TOK_VAR, "$1");
    assert_tok(h, &l.t[6], SQL_TOK_OP, "$");
    const char *r = "CREATE TABLE #tmp";
    lex_all(r, SQL_DIALECT_REDSHIFT, &l);
    assert_tok(r, &l.t[2], SQL_TOK_WORD, "#tmp");
}

static void test_positions(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "SELECT a,\n  b\n\t, 'é' x FROM t";
    lex_all(s, SQL_DIALECT_ANSI, &l);
    assert_int_equal(l.t[0].line, 1);
    assert_int_equal(l.t[0].col, 1);
    assert_int_equal(l.t[3].line, 2);
    assert_int_equal(l.t[3].col, 3);
    assert_true(l.t[3].flags & SQL_TOKF_NL_BEFORE);
    assert_false(l.t[2].flags & SQL_TOKF_NL_BEFORE);
    /* columns count characters, not bytes */
    assert_int_equal(l.t[6].line, 3);
    assert_int_equal(l.t[6].col, 8);
}

static void test_unterminated(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "SELECT 'abc";
    lex_all(s, SQL_DIALECT_ANSI, &l);
    assert_int_equal(l.n, 2);
    assert_true(l.t[1].flags & SQL_TOKF_UNTERMINATED);
    const char *c = "x /* never closed";
    lex_all(c, SQL_DIALECT_ANSI, &l);
    assert_true(l.t[1].flags & SQL_TOKF_UNTERMINATED);
}

/* Words that sql_lexer_next_inline() hands to sql_lexer_slow() (a quote, `#` or `${` right after
 * or in them, non-ASCII bytes, the end of the buffer) and the plain ones it keeps, with their
 * keyword, line, column and first-on-line flag. */
static void test_word_paths(void **state)
{
    (void)state;
    lexed_t l;
    const char *s = "N'x' t_${env} abc\"q\"\n  caf\xc3\xa9 caf\xe9 From";
    lex_all(s, SQL_DIALECT_POSTGRES, &l);
    assert_int_equal(l.n, 8);
    assert_tok(s, &l.t[0], SQL_TOK_STRING, "N'x'");
    assert_tok(s, &l.t[1], SQL_TOK_WORD, "t_");
    assert_tok(s, &l.t[2], SQL_TOK_TEMPLATE, "${env}");
    assert_tok(s, &l.t[3], SQL_TOK_WORD, "abc");
    assert_tok(s, &l.t[4], SQL_TOK_QUOTED, "\"q\"");
    assert_tok(s, &l.t[5], SQL_TOK_WORD, "caf\xc3\xa9");
    assert_true(l.t[5].flags & SQL_TOKF_NL_BEFORE);
    assert_int_equal(l.t[5].line, 2);
    assert_int_equal(l.t[5].col, 3);
    assert_false(l.t[5].flags & SQL_TOKF_NOT_UTF8);
    assert_tok(s, &l.t[6], SQL_TOK_WORD, "caf\xe9");
    assert_true(l.t[6].flags & SQL_TOKF_NOT_UTF8);
    assert_int_equal(l.t[6].col, 8); /* "café " is five characters */
    assert_false(l.t[6].flags & SQL_TOKF_NL_BEFORE);
    assert_int_equal(l.t[7].kw, SQL_KW_FROM);
    assert_int_equal(l.t[7].col, 13);
    const char *m = "SELECT b\"x\" FROM t";
    lex_all(m, SQL_DIALECT_MYSQL, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.t[0].kw, SQL_KW_SELECT);
    assert_tok(m, &l.t[1], SQL_TOK_STRING, "b\"x\"");
    assert_int_equal(l.t[2].kw, SQL_KW_FROM);
    assert_int_equal(l.t[2].col, 13);
    assert_int_equal(l.t[3].kw, SQL_KW_NONE);
    const char *o = "obj# a#b FROM";
    lex_all(o, SQL_DIALECT_ORACLE, &l);
    assert_int_equal(l.n, 3);
    assert_tok(o, &l.t[0], SQL_TOK_WORD, "obj#");
    assert_tok(o, &l.t[1], SQL_TOK_WORD, "a#b");
    assert_int_equal(l.t[2].kw, SQL_KW_FROM);
    /* a word at the end of a buffer that more input may extend waits for it */
    sql_lexer_t lx;
    sql_token_t t;
    sql_lexer_init(&lx, "SELECT", 6, SQL_DIALECT_ANSI, 0);
    assert_int_equal(sql_lexer_next(&lx, &t), SQL_ERR_NEED_MORE);
    sql_lexer_rebase(&lx, "SELECT ", 7, 0, 1);
    assert_int_equal(sql_lexer_next(&lx, &t), 0);
    assert_int_equal(t.kw, SQL_KW_SELECT);
    assert_int_equal(t.len, 6);
}

/* Feeding the input a byte at a time must give the same tokens as all at once. */
static void test_need_more(void **state)
{
    (void)state;
    const char *s = "SELECT \"q\"\"x\", 'a''b', $t$ x $t$, c::int -- end\nFROM [t] WHERE a <= 1e5";
    size_t len = strlen(s);
    lexed_t whole;
    lex_all(s, SQL_DIALECT_POSTGRES, &whole);
    sql_lexer_t lx;
    size_t avail = 0;
    sql_lexer_init(&lx, s, avail, SQL_DIALECT_POSTGRES, 0);
    int n = 0;
    for(;;) {
        sql_token_t t;
        int rc = sql_lexer_next(&lx, &t);
        if(rc == SQL_ERR_NEED_MORE) {
            assert_true(avail < len);
            avail++;
            sql_lexer_rebase(&lx, s, avail, 0, avail == len);
            continue;
        }
        assert_int_equal(rc, 0);
        if(t.type == SQL_TOK_EOF)
            break;
        assert_int_equal(t.type, whole.t[n].type);
        assert_int_equal(t.off, whole.t[n].off);
        assert_int_equal(t.len, whole.t[n].len);
        assert_int_equal(t.line, whole.t[n].line);
        assert_int_equal(t.col, whole.t[n].col);
        n++;
    }
    assert_int_equal(n, whole.n);
}

static void test_dialect_names_and_guess(void **state)
{
    (void)state;
    sql_dialect_t d;
    assert_int_equal(sql_dialect_from_name("Snowflake", &d), 0);
    assert_int_equal(d, SQL_DIALECT_SNOWFLAKE);
    assert_int_equal(sql_dialect_from_name("redshift", &d), 0);
    assert_int_equal(d, SQL_DIALECT_REDSHIFT);
    assert_int_equal(sql_dialect_from_name("athena", &d), 0);
    assert_int_equal(d, SQL_DIALECT_TRINO);
    assert_int_equal(sql_dialect_from_name("presto", &d), 0);
    assert_int_equal(d, SQL_DIALECT_TRINO);
    assert_int_equal(sql_dialect_from_name("DuckDB", &d), 0);
    assert_int_equal(d, SQL_DIALECT_DUCKDB);
    assert_int_equal(sql_dialect_from_name("clickhouse", &d), 0);
    assert_int_equal(d, SQL_DIALECT_CLICKHOUSE);
    assert_string_equal(sql_dialect_name(SQL_DIALECT_TRINO), "trino");
    assert_string_equal(sql_dialect_name(SQL_DIALECT_CLICKHOUSE), "clickhouse");
    assert_int_equal(sql_dialect_from_name("non-validating", &d), 0);
    assert_int_equal(d, SQL_DIALECT_AUTO);
    assert_int_not_equal(sql_dialect_from_name("cobol", &d), 0);
    const char *tsql = "SELECT TOP 10 * FROM [dbo].[t] WITH (NOLOCK)\nGO\n";
    assert_int_equal(sql_dialect_guess(tsql, strlen(tsql)), SQL_DIALECT_TSQL);
    const char *pg = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1::int $$ LANGUAGE plpgsql;";
    assert_int_equal(sql_dialect_guess(pg, strlen(pg)), SQL_DIALECT_POSTGRES);
    const char *ora = "DECLARE v VARCHAR2(10); BEGIN v := NVL(a, 'x'); SELECT 1 FROM DUAL; END;";
    assert_int_equal(sql_dialect_guess(ora, strlen(ora)), SQL_DIALECT_ORACLE);
    const char *bq = "SELECT SAFE_CAST(x AS INT64) FROM `p.d.t`";
    assert_int_equal(sql_dialect_guess(bq, strlen(bq)), SQL_DIALECT_BIGQUERY);
    const char *hive = "INSERT OVERWRITE TABLE t PARTITION (d) SELECT * FROM s LATERAL VIEW explode(a) x";
    assert_int_equal(sql_dialect_guess(hive, strlen(hive)), SQL_DIALECT_SPARKSQL);
    const char *ch = "CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a; SELECT * FROM t FINAL ARRAY JOIN x";
    assert_int_equal(sql_dialect_guess(ch, strlen(ch)), SQL_DIALECT_CLICKHOUSE);
    const char *duck = "CREATE TABLE t AS SELECT * FROM read_parquet('x/*.parquet')";
    assert_int_equal(sql_dialect_guess(duck, strlen(duck)), SQL_DIALECT_DUCKDB);
    const char *rs = "CREATE TABLE t (a int) DISTSTYLE KEY DISTKEY (a) SORTKEY (a)";
    assert_int_equal(sql_dialect_guess(rs, strlen(rs)), SQL_DIALECT_REDSHIFT);
    const char *plain = "SELECT a FROM b";
    assert_int_equal(sql_dialect_guess(plain, strlen(plain)), SQL_DIALECT_ANSI);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_sorted),
        cmocka_unit_test(test_one_byte_operators),
        cmocka_unit_test(test_quoting_per_dialect),
        cmocka_unit_test(test_dollar_quotes_and_prefixes),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_variables_and_templates),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_word_paths),
        cmocka_unit_test(test_need_more),
        cmocka_unit_test(test_dialect_names_and_guess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
