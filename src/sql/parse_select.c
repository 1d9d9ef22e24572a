/* SELECT and queries: set operations, WITH, table references and joins, expressions. */
#include "sql/parser_int.h"

#include <ctype.h>
#include <stdlib.h>

static const char *const date_funcs[] = {
    "extract",  "datepart",       "datename",      "datediff",      "dateadd",      "date_part",       "date_diff",
    "date_add", "date_sub",       "timestampdiff", "timestampadd",  "date_trunc",   "timestamp_trunc", "datetime_trunc",
    "last_day", "timestamp_diff", "timestamp_add", "datetime_diff", "datetime_add", "time_diff",       "datetrunc",
};

static const char *const date_parts[] = {
    "year",        "month",       "day",        "week",      "hour",      "minute",  "second",  "quarter",
    "millisecond", "microsecond", "nanosecond", "dayofweek", "dayofyear", "isoweek", "isoyear", "epoch",
    "dow",         "doy",         "yy",         "yyyy",      "mm",        "m",       "dd",      "d",
    "hh",          "mi",          "n",          "ss",        "s",         "ms",      "wk",      "ww",
    "qq",          "q",           "dy",         "y",         "weekday",   "date",    "time",    "days",
    "months",      "years",       "hours",      "minutes",   "seconds",   "weeks",    "milliseconds", "microseconds",
};

int sqlp_is_query_start(const sql_token_t *t)
{
    return t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_WITH) || t_kw(t, SQL_KW_VALUES);
}

/* sqlp_table_query_at past its TABLE: the name, then the end of the statement or of its
 * parentheses, a set operator or a pipe. */
int sqlp_table_query_rest(const parser_t *p, size_t k)
{
    if(!is_name_tok(peek(p, k + 1)))
        return 0;
    k += 2;
    while(t_op(p, peek(p, k), '.') && is_name_tok(peek(p, k + 1)))
        k += 2;
    const sql_token_t *t = peek(p, k);
    return t->type == SQL_TOK_EOF || t_op(p, t, ';') || t_op(p, t, ')') || t_op(p, t, '|') || t_kw(t, SQL_KW_UNION) ||
           t_kw(t, SQL_KW_INTERSECT) || t_kw(t, SQL_KW_EXCEPT) || t_kw(t, SQL_KW_MINUS) || t_kw(t, SQL_KW_ORDER) ||
           t_kw(t, SQL_KW_LIMIT);
}

/* After `(`: is this a parenthesised query (possibly in more parentheses)? */
int sqlp_paren_is_query(const parser_t *p, size_t k)
{
    while(t_op(p, peek(p, k), '('))
        k++;
    const sql_token_t *t = peek(p, k);
    return t_kw(t, SQL_KW_SELECT) || (t_kw(t, SQL_KW_WITH) && is_name_tok(peek(p, k + 1))) || sqlp_table_query_at(p, k) ||
           sqlp_duckdb_pivot_at(p, k);
}

static void add_rel_sources(parser_t *p, sink_t *sink, const rel_t *r)
{
    if(!sink || !r)
        return;
    unsigned how = sqlp_cur_how(p);
    for(uint32_t i = 0; i < r->n; i++)
        sqlp_sadd_all(p, &sink->resolved, &r->cols[i].src, how);
}

/* `(` in an expression: a subquery or a parenthesised list. */
void sqlp_parse_paren(parser_t *p, sink_t *sink)
{
    if(!sqlp_enter(p))
        return;
    next(p);
    /* FROM first: DuckDB's and the pipe syntax's (FROM t |> ..) queries (no call's, TRIM(FROM x)) */
    if((sqlp_is_query_start(cur(p)) && !is_kw(p, SQL_KW_VALUES)) || sqlp_table_query_at(p, 0) ||
       is_kw(p, SQL_KW_FROM)) {
        rel_t *r = sqlp_parse_query(p, sink);
        add_rel_sources(p, sink, r);
    } else {
        sqlp_parse_loose(p, sink, ')', NULL);
    }
    sqlp_expect_op(p, ')', "expected ')'");
    sqlp_leave(p);
}

/* Skip a type name after :: or AS (timestamp with time zone, decimal(18, 0), int[]). */
static void skip_type(parser_t *p)
{
    static const char *const type_words[] = {"with",      "without", "time",     "zone",
                                             "precision", "varying", "unsigned", "local"};
    if(is_name_tok(cur(p)))
        next(p);
    while(is_op(p, '.') && is_name_tok(peek(p, 1))) {
        next(p);
        next(p);
    }
    while(sqlp_tok_in_list(p, cur(p), type_words, sizeof type_words / sizeof type_words[0]))
        next(p);
    if(is_op(p, '(') || is_op(p, '<'))
        sqlp_skip_group(p);
    while(is_op(p, '[') && !at_end(p))
        sqlp_skip_group(p);
}

/* Past BigQuery's type parameters <..> (STRUCT<x INT64, y ARRAY<STRING>>), nested, `>>` closing two. */
static void skip_angle_params(parser_t *p)
{
    int depth = 0;
    do {
        if(is_op(p, '<'))
            depth++;
        else if(is_op(p, '>'))
            depth--;
        else if(t_ops(p, cur(p), ">>"))
            depth -= 2;
        else if(is_op(p, ';'))
            return;
        next(p);
    } while(depth > 0 && !at_end(p));
}

static int is_qmark(const parser_t *p, const sql_token_t *t)
{
    return t->type == SQL_TOK_VAR && t->len == 1 && p->src[t->off] == '?';
}

/* Snowflake t.$1: a staged file's first column */
static int is_stage_column(const parser_t *p, const sql_token_t *t)
{
    return p->d == SQL_DIALECT_SNOWFLAKE && t->type == SQL_TOK_VAR && p->src[t->off] == '$';
}

/* The next token touches this one: `?&` and `@?` are one operator lexed as two. */
static int adjacent(const sql_token_t *t, const sql_token_t *n)
{
    return n->off == t->off + t->len;
}

/* Sorted (byte order): looked up by halves (is_aggregate). */
static const char *const aggregate_funcs[] = {
    "any_value",
    "approx_count_distinct",
    "approx_distinct",
    "approx_percentile",
    "approx_quantiles",
    "approx_top_count",
    "arbitrary",
    "arg_max",
    "arg_min",
    "argmax",
    "argmin",
    "array_agg",
    "array_concat_agg",
    "avg",
    "avgif",
    "bit_and",
    "bit_or",
    "bit_xor",
    "bool_and",
    "bool_or",
    "checksum_agg",
    "collect_list",
    "collect_set",
    "corr",
    "count",
    "count_big",
    "count_if",
    "countif",
    "covar_pop",
    "covar_samp",
    "every",
    "first",
    "group_concat",
    "grouparray",
    "groupuniqarray",
    "histogram",
    "hll_count",
    "json_agg",
    "json_object_agg",
    "jsonb_agg",
    "jsonb_object_agg",
    "kurtosis",
    "last",
    "list",
    "listagg",
    "logical_and",
    "logical_or",
    "map_agg",
    "max",
    "max_by",
    "median",
    "min",
    "min_by",
    "mode",
    "multimap_agg",
    "object_agg",
    "percentile_cont",
    "percentile_disc",
    "product",
    "skewness",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "stdev",
    "stdevp",
    "string_agg",
    "sum",
    "sum_distinct",
    "sumif",
    "uniq",
    "uniqexact",
    "var",
    "var_pop",
    "var_samp",
    "variance",
    "varp",
    "xmlagg",
};

/* A binary search whose steps compare the first bytes in line: bsearch's strcmp per step was
 * ~6 calls per function called. */
static int is_aggregate(const char *f)
{
    size_t lo = 0, hi = sizeof aggregate_funcs / sizeof aggregate_funcs[0];
    while(lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = aggregate_funcs[mid];
        int c = (int)(unsigned char)f[0] - (int)(unsigned char)m[0];
        if(c == 0)
            c = strcmp(f, m);
        if(c == 0)
            return 1;
        if(c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

static void parse_function(parser_t *p, sink_t *sink, const sql_token_t *name_tok, const char *fname)
{
    /* Teradata: col (TITLE 'x') is a column with a display title */
    if(t_word(p, peek(p, 1), "title") && peek(p, 2)->type == SQL_TOK_STRING && t_op(p, peek(p, 3), ')')) {
        sqlp_sink_ref(p, sink, NULL, sqlp_norm(p, name_tok));
        for(int i = 0; i < 4; i++)
            next(p);
        return;
    }
    if(sqlp_streq(fname, "swap_partitions_between_tables") && peek(p, 1)->type == SQL_TOK_STRING &&
       t_op(p, peek(p, 2), ',') && p->st) {
        /* Vertica: swap_partitions_between_tables('staging', lo, hi, 'target') */
        size_t k = 1, argi = 0;
        const sql_token_t *args[4] = {NULL};
        while(!t_op(p, peek(p, k), ')') && peek(p, k)->type != SQL_TOK_EOF && argi < 4) {
            const sql_token_t *t = peek(p, k);
            if(t_op(p, t, ','))
                argi++;
            else if(!args[argi])
                args[argi] = t;
            k++;
        }
        if(args[0] && args[3] && args[0]->type == SQL_TOK_STRING && args[3]->type == SQL_TOK_STRING) {
            sqlp_add_read(p, sqlp_string_value(p, args[0]));
            sqlp_add_write(p, sqlp_string_value(p, args[3]));
        }
    }
    int dict =
        fname[0] == 'd' && strncmp(fname, "dict", 4) == 0 &&
        (strncmp(fname + 4, "get", 3) == 0 || strncmp(fname + 4, "has", 3) == 0 || strncmp(fname + 4, "isin", 4) == 0);
    if(dict && peek(p, 1)->type == SQL_TOK_STRING) {
        /* ClickHouse dictGet('db.dict', 'attr', key): the dictionary is read */
        sqlp_add_read(p, sqlp_string_value(p, peek(p, 1)));
    }
    if(!sqlp_enter(p))
        return;
    int agg = is_aggregate(fname);
    p->agg += agg;
    next(p);
    if(dict && is_part_tok(cur(p)) && (t_op(p, peek(p, 1), '.') || t_op(p, peek(p, 1), ','))) {
        /* dictGet(db.dict, ..): the dictionary named without quotes, read and no column */
        qname_t q;
        if(sqlp_parse_qname(p, &q))
            sqlp_add_read(p, q.full);
    }
    uint32_t nrefs = sink ? sink->n : 0;
    sqlp_parse_loose(p, sink, ')', fname);
    sqlp_expect_op(p, ')', "expected ')' after function arguments");
    p->agg -= agg;
    if(p->values_row && sink && sqlp_streq(fname, "values"))
        for(uint32_t i = nrefs; i < sink->n; i++)
            if(!sink->refs[i].qual)
                sink->refs[i].qual = p->values_row;
    if(p->d == SQL_DIALECT_CLICKHOUSE && is_op(p, '(') && !p->err) {
        /* a parametric aggregate, quantile(0.5)(x): its parameters, then the columns it aggregates */
        next(p);
        p->agg++;
        sqlp_parse_loose(p, sink, ')', fname);
        p->agg--;
        sqlp_expect_op(p, ')', "expected ')' after aggregate arguments");
    }
    sqlp_leave(p);
}

static const char *const teradata_ops[] = {"eq", "ge", "gt", "le", "lt", "ne"};

static int is_binop(const parser_t *p, const sql_token_t *t)
{
    if(t->type == SQL_TOK_VAR)
        return (t->len == 1 && p->src[t->off] == '?') ||
               (SQL_DIALECT_IS_PG(p->d) && t->len == 2 && memcmp(p->src + t->off, "@@", 2) == 0);
    if(t->type == SQL_TOK_WORD && p->d == SQL_DIALECT_TERADATA)
        return sqlp_tok_in_list(p, t, teradata_ops, sizeof teradata_ops / sizeof teradata_ops[0]);
    if(t->type != SQL_TOK_OP)
        return 0;
    const char *s = p->src + t->off;
    if(t->len == 1)
        return strchr("+-*/%=<>&|^~?:#@", s[0]) != NULL;
    static const char *const ops[] = {"||", "<=", ">=", "<>", "!=", "==", "<<", ">>",
                                      "->", "#>", "@>", "<@", "&&", "!~", "~*", "=>"};
    if(t->len == 2) {
        for(size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if(s[0] == ops[i][0] && s[1] == ops[i][1])
                return 1;
        return 0;
    }
    return t_ops(p, t, "<=>") || t_ops(p, t, "->>") || t_ops(p, t, "#>>") || t_ops(p, t, "!~*");
}

static const char *const type_literals[] = {"date", "time",    "timestamp",  "datetime", "timestamptz", "interval",
                                            "json", "numeric", "bignumeric", "uuid",     "inet"};

/* ASC, DESC, BEGIN or END where an operand goes, before `,` or FROM, names a column: none of them
 * starts an expression, and DB2 (DESC) and MySQL (BEGIN, END) do not reserve them all. So does
 * Hive's SORT, CLUSTER or DISTRIBUTE without BY (MySQL's `ORDER BY running, sort DESC`). */
static int reserved_is_column(const parser_t *p)
{
    static const char *const words[] = {"asc", "desc", "begin", "end"};
    static const char *const by_words[] = {"sort", "cluster", "distribute"};
    const sql_token_t *n = peek(p, 1);
    if(sqlp_tok_in_list(p, cur(p), by_words, sizeof by_words / sizeof by_words[0]))
        return !t_kw(n, SQL_KW_BY) && !t_op(p, n, '(');
    return sqlp_tok_in_list(p, cur(p), words, sizeof words / sizeof words[0]) &&
           (t_op(p, n, ',') || t_kw(n, SQL_KW_FROM));
}

/* OFFSET where an operand goes names a column (BigQuery, MySQL and T-SQL do not reserve the word);
 * followed by a value it is LIMIT's OFFSET n. */
static int offset_is_column(const parser_t *p)
{
    const sql_token_t *n = peek(p, 1);
    return is_kw(p, SQL_KW_OFFSET) && n->type != SQL_TOK_NUMBER && n->type != SQL_TOK_VAR &&
           n->type != SQL_TOK_TEMPLATE && !t_op(p, n, '(') && !t_op(p, n, '?');
}

/* One expression; stops before `,`, `)`, a clause keyword or an alias. */
/* Operators that are functions too where an operand stands: Snowflake's LIKE(s, p), ILIKE, RLIKE,
 * REGEXP; ClickHouse's and(a, b), or(..) */
static int operator_function(const sql_token_t *t)
{
    return t_kw(t, SQL_KW_LIKE) || t_kw(t, SQL_KW_ILIKE) || t_kw(t, SQL_KW_RLIKE) || t_kw(t, SQL_KW_REGEXP) ||
           t_kw(t, SQL_KW_AND) || t_kw(t, SQL_KW_OR);
}

void sqlp_parse_expr(parser_t *p, sink_t *sink)
{
    if(!sqlp_enter(p))
        return;
    int operand = 1;
    int cases = 0;
    /* per CASE level (the first 64): in its condition part (operand or WHEN) */
    uint64_t condbits = 0;
    int cond0 = p->cond;
    while(!at_end(p)) {
        const sql_token_t *t = cur(p);
        if(cases > 0 && (t_kw(t, SQL_KW_WHEN) || t_kw(t, SQL_KW_THEN) || t_kw(t, SQL_KW_ELSE))) {
            if(cases <= 64) {
                uint64_t bit = (uint64_t)1 << (cases - 1);
                int in_cond = t_kw(t, SQL_KW_WHEN);
                if(in_cond && !(condbits & bit))
                    p->cond++;
                else if(!in_cond && (condbits & bit))
                    p->cond--;
                condbits = in_cond ? condbits | bit : condbits & ~bit;
            }
            next(p);
            operand = 1;
            continue;
        }
        if(cases > 0 && t_kw(t, SQL_KW_END) && !operand) {
            if(cases <= 64 && (condbits & ((uint64_t)1 << (cases - 1)))) {
                condbits &= ~((uint64_t)1 << (cases - 1));
                p->cond--;
            }
            cases--;
            next(p);
            continue;
        }
        if(operand) {
            if(t_op(p, t, '(')) {
                sqlp_parse_paren(p, sink);
                operand = 0;
            } else if(t_op(p, t, '[') || t_op(p, t, '{')) {
                if(!sqlp_enter(p))
                    break;
                next(p);
                sqlp_parse_loose(p, sink, t_op(p, t, '[') ? ']' : '}', NULL);
                if(!accept_op(p, ']') && !accept_op(p, '}'))
                    sqlp_fail(p, "expected ']'");
                sqlp_leave(p);
                operand = 0;
            } else if(t_kw(t, SQL_KW_CASE)) {
                cases++;
                /* CASE x WHEN ..: the operand only decides */
                if(cases <= 64 && !t_kw(peek(p, 1), SQL_KW_WHEN)) {
                    condbits |= (uint64_t)1 << (cases - 1);
                    p->cond++;
                }
                next(p);
            } else if(t_kw(t, SQL_KW_NOT) || t_kw(t, SQL_KW_EXISTS) || t_kw(t, SQL_KW_DISTINCT) ||
                      t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL) || t_word(p, t, "some") || t_word(p, t, "prior") ||
                      (p->d == SQL_DIALECT_REDSHIFT && t_word(p, t, "approximate") && peek(p, 1)->type == SQL_TOK_WORD &&
                       t_op(p, peek(p, 2), '(')) ||
                      t_word(p, t, "connect_by_root") || t_word(p, t, "binary") || t_ops(p, t, "-") ||
                      t_ops(p, t, "+") || t_ops(p, t, "~") || t_ops(p, t, "!")) {
                next(p);
            } else if(t_kw(t, SQL_KW_INTERVAL) && (peek(p, 1)->type == SQL_TOK_STRING ||
                                                   peek(p, 1)->type == SQL_TOK_NUMBER || t_op(p, peek(p, 1), '-'))) {
                next(p);
                accept_op(p, '-');
                next(p);
                /* its units, several in Spark: INTERVAL 1 YEAR 2 MONTHS, -1 month 1 day -1 second, '1' DAY TO SECOND */
                for(;;) {
                    size_t k = t_ops(p, cur(p), "-") ? 1 : 0;
                    if(sqlp_tok_in_list(p, cur(p), date_parts, sizeof date_parts / sizeof date_parts[0]) ||
                       (is_word(p, "to") &&
                        sqlp_tok_in_list(p, peek(p, 1), date_parts, sizeof date_parts / sizeof date_parts[0])))
                        next(p);
                    else if((peek(p, k)->type == SQL_TOK_NUMBER || peek(p, k)->type == SQL_TOK_STRING) &&
                            sqlp_tok_in_list(p, peek(p, k + 1), date_parts, sizeof date_parts / sizeof date_parts[0]))
                        p->pos += k + 1;
                    else
                        break;
                }
                operand = 0;
            } else if(t->type == SQL_TOK_NUMBER || t->type == SQL_TOK_STRING || t->type == SQL_TOK_VAR ||
                      t->type == SQL_TOK_TEMPLATE) {
                next(p);
                /* T-SQL's methods of a variable: @x.value('(/a)[1]', 'int'), @h.GetAncestor(1) */
                if(t->type == SQL_TOK_VAR && p->d == SQL_DIALECT_TSQL && is_op(p, '(') &&
                   memchr(p->src + t->off, '.', t->len))
                    sqlp_parse_paren(p, sink);
                operand = 0;
            } else if(t_op(p, t, '*')) {
                /* COUNT(*) reads no column */
                if(!(p->pos > 0 && t_op(p, &p->toks[p->pos - 1], '(') && t_op(p, peek(p, 1), ')')))
                    sqlp_sink_ref(p, sink, NULL, "*");
                next(p);
                operand = 0;
            } else if(t_kw(t, SQL_KW_CURRENT) && t_word(p, peek(p, 1), "of") && is_name_tok(peek(p, 2))) {
                /* WHERE CURRENT OF cursor: the cursor's row, no column */
                p->pos += 3;
                operand = 0;
            } else if((t_word(p, t, "struct") || t_kw(t, SQL_KW_ARRAY)) && t_op(p, peek(p, 1), '<')) {
                next(p);
                skip_angle_params(p);
                if(is_op(p, '(')) {
                    parse_function(p, sink, t, t_kw(t, SQL_KW_ARRAY) ? "array" : "struct");
                    operand = 0;
                }
            } else if(t->type == SQL_TOK_WORD && peek(p, 1)->type == SQL_TOK_STRING &&
                      (sqlp_tok_in_list(p, t, type_literals, sizeof type_literals / sizeof type_literals[0]) ||
                       (SQL_DIALECT_IS_PG(p->d) && !(t_flags(t) & SQL_KW_R)))) {
                /* a typed literal: DATE '..'; in Postgres any type, text 'x', point '(1, 2)' */
                next(p);
                next(p);
                operand = 0;
            } else if(t->type == SQL_TOK_WORD && t_op(p, peek(p, 1), '(') &&
                      (!(t_flags(t) & SQL_KW_R) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
                       t_kw(t, SQL_KW_IF) || t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_VALUES) ||
                       t_kw(t, SQL_KW_TRUNCATE) || operator_function(t))) {
                char *fname = sqlp_norm(p, t);
                next(p);
                if(fname)
                    parse_function(p, sink, t, fname);
                /* Spark's IDENTIFIER('abs')(c1): a function named by a string, then its arguments */
                if(fname && is_op(p, '(') && strcmp(fname, "identifier") == 0 &&
                   (p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS))
                    sqlp_parse_paren(p, sink);
                operand = 0;
            } else if(t_word(p, t, "next") && t_word(p, peek(p, 1), "value") && t_kw(peek(p, 2), SQL_KW_FOR)) {
                /* NEXT VALUE FOR seq: the sequence's next number, no column */
                p->pos += 3;
                qname_t q;
                sqlp_parse_qname(p, &q);
                operand = 0;
            } else if(t_flags(t) & SQL_KW_N) {
                next(p);
                operand = 0;
            } else if(is_name_tok(t) && (!(t_flags(t) & SQL_KW_R) || offset_is_column(p) || reserved_is_column(p))) {
                /* column, qualified column, q.*, or schema.function(...) */
                const char *parts[8];
                const sql_token_t *last = t;
                int np = 0, star = 0;
                for(;;) {
                    const sql_token_t *w = cur(p);
                    if(np < 8)
                        parts[np] = sqlp_norm(p, w);
                    np++;
                    last = w;
                    next(p);
                    if(is_op(p, '.') && (is_name_tok(peek(p, 1)) || is_stage_column(p, peek(p, 1)))) {
                        next(p);
                        continue;
                    }
                    if(is_op(p, '.') && t_op(p, peek(p, 1), '*')) {
                        next(p);
                        next(p);
                        star = 1;
                    }
                    break;
                }
                if(p->err)
                    break;
                if(!star && is_op(p, '(') && (np > 1 || last->type == SQL_TOK_QUOTED)) {
                    char *fname = sqlp_norm(p, last);
                    if(fname)
                        parse_function(p, sink, last, fname);
                } else if(np == 1 && t_word(p, last, "default")) {
                    /* VALUES (.., DEFAULT), SET c = DEFAULT: the column's default, no column named default */
                } else if(sink && !(np == 1 && cur(p)->type == SQL_TOK_OP && t_ops(p, cur(p), "=>"))) {
                    /* (a name before `=>` names an argument: FLATTEN(INPUT => c)) */
                    int nk = np > 8 ? 8 : np;
                    const char *col = star ? "*" : parts[nk - 1];
                    int nq = star ? nk : nk - 1;
                    const char *qual = NULL;
                    for(int i = 0; i < nq; i++)
                        qual = qual ? sqlp_aconcat(p, qual, '.', parts[i]) : parts[i];
                    if(!(p->nvars && !qual && col && sqlp_var_hides(p, col)))
                        sqlp_sink_ref(p, sink, qual, col);
                }
                operand = 0;
            } else {
                break;
            }
            continue;
        }
        /* after an operand */
        if(t_ops(p, t, "::")) {
            next(p);
            skip_type(p);
        } else if(t_op(p, t, '[')) {
            if(!sqlp_enter(p))
                break;
            next(p);
            sqlp_parse_loose(p, sink, ']', NULL);
            sqlp_expect_op(p, ']', "expected ']'");
            sqlp_leave(p);
        } else if(t_op(p, t, '.') && (is_name_tok(peek(p, 1)) || t_op(p, peek(p, 1), '*'))) {
            /* field access; BigQuery expr.* expands a struct, (x).UPPER() calls a function on x */
            next(p);
            const sql_token_t *name = cur(p);
            next(p);
            if(p->d == SQL_DIALECT_BIGQUERY && is_name_tok(name) && is_op(p, '(')) {
                char *fname = sqlp_norm(p, name);
                if(fname)
                    parse_function(p, sink, name, fname);
            }
        } else if(t->type == SQL_TOK_VAR && p->src[t->off] == ':') {
            next(p);
        } else if(SQL_DIALECT_IS_PG(p->d) && adjacent(t, peek(p, 1)) &&
                  ((is_qmark(p, t) && (t_op(p, peek(p, 1), '&') || t_op(p, peek(p, 1), '|'))) ||
                   (t_ops(p, t, "@") && is_qmark(p, peek(p, 1))))) {
            /* Postgres jsonb ?& ?| @? */
            p->pos += 2;
            operand = 1;
        } else if((t_ops(p, t, ">") || t_ops(p, t, "<") || t_ops(p, t, "!")) &&
                  (t_ops(p, peek(p, 1), "=") || (t_ops(p, t, "<") && t_ops(p, peek(p, 1), ">")))) {
            /* `> =`, `< =`, `! =`, `< >` with white space inside: one operator to Oracle and SQL Server */
            p->pos += 2;
            operand = 1;
        } else if(sqlp_at_pipe(p)) {
            /* |> ends the expression: the next step of a pipe query, not `|` then `>` */
            break;
        } else if(is_binop(p, t) || (p->d == SQL_DIALECT_MYSQL && t_ops(p, t, ":="))) {
            next(p);
            /* Spark's unsigned shift a >>> b: the lexer reads `>>` then `>` (it closes nested type
             * parameters, ARRAY<ARRAY<INT>>>) */
            if(t_ops(p, t, ">>") && t_ops(p, cur(p), ">") && adjacent(t, cur(p)))
                next(p);
            operand = 1;
        } else if(SQL_DIALECT_IS_PG(p->d) && t_word(p, t, "operator") && t_op(p, peek(p, 1), '(')) {
            /* a schema-qualified operator: a OPERATOR(pg_catalog.~) b */
            next(p);
            sqlp_skip_group(p);
            operand = 1;
        } else if(p->d == SQL_DIALECT_ORACLE && t_word(p, t, "multiset") &&
                  (t_kw(peek(p, 1), SQL_KW_UNION) || t_kw(peek(p, 1), SQL_KW_EXCEPT) ||
                   t_kw(peek(p, 1), SQL_KW_INTERSECT))) {
            /* nested tables: a MULTISET UNION [ALL | DISTINCT] b */
            p->pos += 2;
            if(!accept_kw(p, SQL_KW_ALL))
                accept_kw(p, SQL_KW_DISTINCT);
            operand = 1;
        } else if(t_word(p, t, "against") && t_op(p, peek(p, 1), '(')) {
            /* MySQL MATCH (cols) AGAINST ('words' IN BOOLEAN MODE) */
            next(p);
            if(!sqlp_enter(p))
                break;
            next(p);
            sqlp_parse_expr(p, sink);
            while(!at_end(p) && !is_op(p, ')') && !is_op(p, ';')) /* IN BOOLEAN MODE, WITH QUERY EXPANSION */
                next(p);
            sqlp_expect_op(p, ')', "expected ')' after AGAINST");
            sqlp_leave(p);
        } else if(t_kw(t, SQL_KW_AND) || t_kw(t, SQL_KW_OR) || t_kw(t, SQL_KW_LIKE) || t_kw(t, SQL_KW_ILIKE) ||
                  t_kw(t, SQL_KW_RLIKE) || t_kw(t, SQL_KW_REGEXP) || t_kw(t, SQL_KW_BETWEEN) ||
                  t_kw(t, SQL_KW_ESCAPE) || t_kw(t, SQL_KW_IN) || t_word(p, t, "similar") || t_word(p, t, "glob") ||
                  t_word(p, t, "div") || t_word(p, t, "mod") || t_word(p, t, "xor") || t_word(p, t, "overlaps") ||
                  t_word(p, t, "member")) {
            next(p);
            if(is_word(p, "to") || is_word(p, "of"))
                next(p);
            operand = 1;
        } else if(t_kw(t, SQL_KW_NOT) ||
                  (t_word(p, t, "global") && (t_kw(peek(p, 1), SQL_KW_IN) || t_kw(peek(p, 1), SQL_KW_NOT)))) {
            next(p);
        } else if(t_kw(t, SQL_KW_IS)) {
            next(p);
            accept_kw(p, SQL_KW_NOT);
            if(accept_kw(p, SQL_KW_DISTINCT))
                accept_kw(p, SQL_KW_FROM);
            operand = 1;
        } else if(t_kw(t, SQL_KW_COLLATE)) {
            next(p);
            next(p);
        } else if(t_kw(t, SQL_KW_OVER)) {
            next(p);
            if(is_op(p, '(')) {
                if(!sqlp_enter(p))
                    break;
                next(p);
                p->win++;
                sqlp_parse_loose(p, sink, ')', NULL);
                p->win--;
                sqlp_expect_op(p, ')', "expected ')' after window");
                sqlp_leave(p);
            } else if(is_name_tok(cur(p))) {
                next(p);
            }
        } else if((t_kw(t, SQL_KW_FILTER) || t_word(p, t, "within")) &&
                  (t_op(p, peek(p, 1), '(') || t_kw(peek(p, 1), SQL_KW_GROUP))) {
            /* FILTER (WHERE ..) decides which rows an aggregate sees */
            int filter = t_kw(t, SQL_KW_FILTER);
            next(p);
            accept_kw(p, SQL_KW_GROUP);
            if(is_op(p, '(')) {
                if(!sqlp_enter(p))
                    break;
                next(p);
                p->cond += filter;
                p->agg += !filter;
                sqlp_parse_loose(p, sink, ')', NULL);
                p->cond -= filter;
                p->agg -= !filter;
                sqlp_expect_op(p, ')', "expected ')'");
                sqlp_leave(p);
            }
        } else if(SQL_DIALECT_IS_PG(p->d) && (t_word(p, t, "isnull") || t_word(p, t, "notnull"))) {
            /* postfix a ISNULL, a NOTNULL: IS [NOT] NULL */
            next(p);
        } else if(t_word(p, t, "keep") && t_op(p, peek(p, 1), '(') && t_word(p, peek(p, 2), "dense_rank")) {
            /* Oracle's MIN(x) KEEP (DENSE_RANK FIRST|LAST ORDER BY y): y picks the rows aggregated */
            next(p);
            if(!sqlp_enter(p))
                break;
            p->pos += 3; /* ( DENSE_RANK FIRST|LAST */
            if(is_kw(p, SQL_KW_ORDER) && t_kw(peek(p, 1), SQL_KW_BY))
                p->pos += 2;
            p->cond++;
            sqlp_parse_loose(p, sink, ')', NULL);
            p->cond--;
            sqlp_expect_op(p, ')', "expected ')' after KEEP");
            sqlp_leave(p);
        } else if((t_kw(t, SQL_KW_IGNORE) || t_kw(t, SQL_KW_RESPECT)) && t_kw(peek(p, 1), SQL_KW_NULLS)) {
            next(p);
            next(p);
        } else if(t_kw(t, SQL_KW_FROM) && (t_kw(peek(p, 1), SQL_KW_FIRST) || t_word(p, peek(p, 1), "last")) &&
                  (t_kw(peek(p, 2), SQL_KW_OVER) || t_kw(peek(p, 2), SQL_KW_IGNORE) ||
                   t_kw(peek(p, 2), SQL_KW_RESPECT))) {
            /* NTH_VALUE(x, n) FROM FIRST|LAST OVER (..): where it counts from, no table */
            next(p);
            next(p);
        } else if(t_word(p, t, "at") && t_kw(peek(p, 1), SQL_KW_TIME) && t_kw(peek(p, 2), SQL_KW_ZONE)) {
            next(p);
            next(p);
            next(p);
            operand = 1;
        } else {
            break;
        }
    }
    p->cond = cond0;
    sqlp_leave(p);
}

/* Comma lists and keyword soup inside (...) of function calls, windows and lists:
 * keep the column references, skip keywords and type names. */
void sqlp_parse_loose(parser_t *p, sink_t *sink, char close, const char *fname)
{
    if(!sqlp_enter(p))
        return;
    int argi = 0;
    int datefn =
        fname && strchr("delt", fname[0]) && sqlp_in_list(fname, date_funcs, sizeof date_funcs / sizeof date_funcs[0]);
    int convert = fname && sqlp_streq(fname, "convert") && p->d == SQL_DIALECT_TSQL;
    /* IF(cond, a, b), IIF(..): the first argument only decides */
    int condfn = fname && (sqlp_streq(fname, "if") || sqlp_streq(fname, "iif"));
    while(!at_end(p) && !is_op(p, close)) {
        const sql_token_t *t = cur(p);
        if(t_op(p, t, ',')) {
            argi++;
            next(p);
            continue;
        }
        if(t_kw(t, SQL_KW_AS) && !t_kw(peek(p, 1), SQL_KW_SELECT)) {
            /* CAST(x AS type), STRUCT(a AS b): the name after AS is not a column */
            next(p);
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                skip_type(p);
            continue;
        }
        if(convert && argi == 0) {
            /* T-SQL CONVERT(type[(n)], expr [, style]): the type, with its length */
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
            continue;
        }
        if((t_kw(t, SQL_KW_TABLE) || t_word(p, t, "model")) && is_part_tok(peek(p, 1)) && !t_op(p, peek(p, 2), '(')) {
            /* BigQuery ML.PREDICT(MODEL m, TABLE t), table-valued arguments: both are read */
            next(p);
            qname_t q;
            if(sqlp_parse_qname(p, &q) && !(q.nparts == 1 && sqlp_find_cte(p, q.full)))
                sqlp_add_read(p, q.full);
            continue;
        }
        if(is_name_tok(t) && t_ops(p, peek(p, 1), "->") && peek(p, 2)->type != SQL_TOK_STRING &&
           !SQL_DIALECT_IS_PG(p->d)) {
            /* a lambda x -> expr (Trino, Spark, ClickHouse, DuckDB): x is its parameter, not a column */
            next(p);
            next(p);
            sqlp_parse_expr(p, NULL);
            continue;
        }
        if(fname && argi == 0 && sqlp_streq(fname, "semantic_view") && is_part_tok(t)) {
            /* Snowflake SEMANTIC_VIEW(v DIMENSIONS .. METRICS ..) reads the semantic view */
            qname_t q;
            if(sqlp_parse_qname(p, &q))
                sqlp_add_read(p, q.full);
            while(!at_end(p) && !is_op(p, close)) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else
                    next(p);
            }
            continue;
        }
        if(datefn && t->type == SQL_TOK_WORD && !t_op(p, peek(p, 1), '(') && !t_op(p, peek(p, 1), '.') &&
           sqlp_tok_in_list(p, t, date_parts, sizeof date_parts / sizeof date_parts[0])) {
            next(p);
            continue;
        }
        unsigned f = t_flags(t);
        if(t->type == SQL_TOK_WORD && !t_op(p, peek(p, 1), '(') &&
           ((f & SQL_KW_S) || ((f & SQL_KW_R) && !(f & SQL_KW_N) && !t_kw(t, SQL_KW_CASE) && !t_kw(t, SQL_KW_NOT) &&
                               !t_kw(t, SQL_KW_EXISTS) && !offset_is_column(p)))) {
            if(t_kw(t, SQL_KW_SELECT) || (t_kw(t, SQL_KW_WITH) && sqlp_with_starts_query(p, 0))) {
                rel_t *r = sqlp_parse_query(p, sink);
                add_rel_sources(p, sink, r);
                continue;
            }
            next(p);
            /* MySQL CONVERT(x USING charset), CHAR(.. USING charset): a character set, no column */
            if(t_kw(t, SQL_KW_USING) && cur(p)->type == SQL_TOK_WORD && t_op(p, peek(p, 1), close))
                next(p);
            /* an option's words: WITH ARRAY WRAPPER, WITH LOCAL TIME ZONE */
            while(t_kw(t, SQL_KW_WITH) && cur(p)->type == SQL_TOK_WORD && !t_op(p, peek(p, 1), '(') &&
                  !t_op(p, peek(p, 1), '.'))
                next(p);
            continue;
        }
        size_t before = p->pos;
        int c = condfn && argi == 0;
        p->cond += c;
        sqlp_parse_expr(p, sink);
        p->cond -= c;
        if(p->pos == before && !p->err) {
            if(t_op(p, cur(p), ')') || t_op(p, cur(p), ']') || t_op(p, cur(p), '}'))
                break;
            next(p);
        }
    }
    sqlp_leave(p);
}

/* Table functions whose columns are fixed, whatever their arguments: Snowflake's FLATTEN and
 * SPLIT_TO_TABLE, T-SQL's OPENJSON (without WITH) and STRING_SPLIT, Postgres' json_each. A name
 * none of them is belongs to another FROM item. */
static const char *const flatten_cols[] = {"seq", "key", "path", "index", "value", "this", NULL};
static const char *const split_cols[] = {"seq", "index", "value", NULL};
static const char *const openjson_cols[] = {"key", "value", "type", NULL};
static const char *const string_split_cols[] = {"value", "ordinal", NULL};
static const char *const each_cols[] = {"key", "value", NULL};

static const char *const *fixed_columns(const char *fn)
{
    static const struct {
        const char *name;
        const char *const *cols;
    } fns[] = {{"flatten", flatten_cols},        {"split_to_table", split_cols}, {"strtok_split_to_table", split_cols},
               {"openjson", openjson_cols},      {"string_split", string_split_cols},
               {"json_each", each_cols},         {"jsonb_each", each_cols},      {"json_each_text", each_cols},
               {"jsonb_each_text", each_cols}};
    for(size_t i = 0; fn && i < sizeof fns / sizeof fns[0]; i++)
        if(strcmp(fn, fns[i].name) == 0)
            return fns[i].cols;
    return NULL;
}

static const char *const file_formats[] = {"parquet", "json",  "csv",        "orc",    "avro",
                                           "text",    "delta", "binaryfile", "iceberg"};

static int is_setop_word(const sql_token_t *t)
{
    return t_kw(t, SQL_KW_UNION) || t_kw(t, SQL_KW_INTERSECT) || t_kw(t, SQL_KW_EXCEPT) || t_kw(t, SQL_KW_MINUS);
}

/* BigQuery's FULL|LEFT|INNER [OUTER] before a set operator, k tokens ahead: how many words, or 0. */
static inline size_t setop_mode_at(const parser_t *p, size_t k)
{
    const sql_token_t *t = peek(p, k);
    if(t->type != SQL_TOK_WORD || (t->kw != SQL_KW_FULL && t->kw != SQL_KW_LEFT && t->kw != SQL_KW_INNER))
        return 0;
    size_t n = 1 + (size_t)t_kw(peek(p, k + 1), SQL_KW_OUTER);
    return is_setop_word(peek(p, k + n)) ? n : 0;
}

static int is_join_start(const parser_t *p)
{
    const sql_token_t *t = cur(p);
    if((t_kw(t, SQL_KW_INNER) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_FULL)) && setop_mode_at(p, 0))
        return 0;
    return t_kw(t, SQL_KW_JOIN) || t_kw(t, SQL_KW_INNER) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
           t_kw(t, SQL_KW_FULL) || t_kw(t, SQL_KW_CROSS) || t_kw(t, SQL_KW_NATURAL) || t_kw(t, SQL_KW_STRAIGHT_JOIN) ||
           (t_kw(t, SQL_KW_OUTER) && t_kw(peek(p, 1), SQL_KW_APPLY)) || t_kw(t, SQL_KW_SEMI) || t_kw(t, SQL_KW_ANTI) ||
           (t_word(p, t, "asof") && (t_kw(peek(p, 1), SQL_KW_JOIN) || t_kw(peek(p, 1), SQL_KW_LEFT))) ||
           (t_word(p, t, "positional") && t_kw(peek(p, 1), SQL_KW_JOIN)) || sqlp_is_array_join(p, 0) ||
           ((t_word(p, t, "global") || t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL)) && sqlp_join_word(p, peek(p, 1)));
}

/* [AS] alias [(col, ...)]; returns the alias (normalised) or NULL. */
const char *sqlp_parse_alias(parser_t *p, const char **cols, int *ncols, int maxcols)
{
    const char *alias = NULL;
    if(ncols)
        *ncols = 0;
    if(sqlp_is_array_join(p, 0) || (is_word(p, "global") && sqlp_join_word(p, peek(p, 1))) ||
       (p->d == SQL_DIALECT_CLICKHOUSE && (is_word(p, "final") || is_word(p, "sample"))))
        return NULL;
    if(is_kw(p, SQL_KW_AS) && (is_name_tok(peek(p, 1)) || peek(p, 1)->type == SQL_TOK_STRING)) {
        next(p);
        alias = sqlp_norm(p, cur(p));
        next(p);
    } else if(sqlp_can_be_alias(p, cur(p))) {
        alias = sqlp_norm(p, cur(p));
        next(p);
    }
    if(ncols)
        *ncols = 0;
    if(alias && is_op(p, '(') && is_name_tok(peek(p, 1))) {
        next(p);
        while(!at_end(p) && !is_op(p, ')')) {
            if(is_name_tok(cur(p)) && cols && *ncols < maxcols)
                cols[(*ncols)++] = sqlp_norm(p, cur(p));
            next(p);
        }
        sqlp_expect_op(p, ')', "expected ')' after column aliases");
    }
    return alias;
}

static void rename_cols(rel_t *r, const char **cols, int n)
{
    for(int i = 0; i < n && r && (uint32_t)i < r->n; i++) {
        r->cols[i].name = cols[i];
        r->cols[i].star = 0;
    }
}

/* Table-level things that may follow a table name: hints, time travel, sampling. */
void sqlp_skip_table_modifiers(parser_t *p)
{
    int changes = 0;
    for(;;) {
        const sql_token_t *prev = p->pos ? &p->toks[p->pos - 1] : NULL;
        if(SQL_DIALECT_IS_PG(p->d) && is_op(p, '*') && prev && prev->off + prev->len == cur(p)->off &&
           is_name_tok(prev)) {
            /* Postgres' t* (t and the tables inheriting from it, as without the star) */
            next(p);
        } else if(is_kw(p, SQL_KW_FOR) && t_word(p, peek(p, 1), "portion") && t_word(p, peek(p, 2), "of")) {
            /* SQL:2011 UPDATE|DELETE t FOR PORTION OF period FROM a TO b (Postgres 19: or (range)) */
            p->pos += 3;
            if(is_name_tok(cur(p)))
                next(p);
            if(accept_kw(p, SQL_KW_FROM))
                sqlp_parse_expr(p, NULL);
            if(accept_word(p, "to") || is_op(p, '('))
                sqlp_parse_expr(p, NULL);
        } else if(is_kw(p, SQL_KW_FOR) && (is_word(p, "system_time") || t_word(p, peek(p, 1), "system_time") ||
                                           t_kw(peek(p, 1), SQL_KW_TIMESTAMP) || t_word(p, peek(p, 1), "version"))) {
            next(p);
            next(p);
            while(is_kw(p, SQL_KW_AS) || is_word(p, "of") || is_word(p, "between") || is_word(p, "from"))
                next(p);
            sqlp_parse_expr(p, NULL);
            if(accept_kw(p, SQL_KW_AND) || is_word(p, "to"))
                sqlp_parse_expr(p, NULL);
        } else if((is_kw(p, SQL_KW_TIMESTAMP) || is_word(p, "version")) && t_kw(peek(p, 1), SQL_KW_AS) &&
                  t_word(p, peek(p, 2), "of")) {
            next(p);
            next(p);
            next(p);
            sqlp_parse_expr(p, NULL);
        } else if((is_word(p, "at") || is_word(p, "before") || is_word(p, "changes") ||
                   (is_kw(p, SQL_KW_END) && changes)) &&
                  t_op(p, peek(p, 1), '(')) {
            /* Snowflake time travel; CHANGES (..) AT|BEFORE (..) [END (..)] */
            changes |= is_word(p, "changes");
            next(p);
            sqlp_skip_group(p);
        } else if(is_kw(p, SQL_KW_TABLESAMPLE) ||
                  (p->d == SQL_DIALECT_SNOWFLAKE && is_word(p, "sample") &&
                   (t_op(p, peek(p, 1), '(') || (is_name_tok(peek(p, 1)) && t_op(p, peek(p, 2), '('))))) {
            next(p);
            if(is_name_tok(cur(p)) && !is_op(p, '('))
                next(p);
            if(is_op(p, '('))
                sqlp_skip_group(p);
            if((is_word(p, "repeatable") || is_word(p, "seed")) && t_op(p, peek(p, 1), '(')) {
                next(p);
                sqlp_skip_group(p);
            }
        } else if(is_kw(p, SQL_KW_WITH) && t_op(p, peek(p, 1), '(') && !sqlp_paren_is_query(p, 2)) {
            next(p);
            sqlp_skip_group(p);
        } else if((is_word(p, "use") || is_word(p, "force") || is_kw(p, SQL_KW_IGNORE)) &&
                  (t_word(p, peek(p, 1), "index") || t_word(p, peek(p, 1), "key"))) {
            next(p);
            next(p);
            if(is_kw(p, SQL_KW_FOR)) {
                next(p);
                next(p);
                accept_kw(p, SQL_KW_BY);
            }
            if(is_op(p, '('))
                sqlp_skip_group(p);
        } else if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '(')) {
            next(p);
            sqlp_skip_group(p);
        } else if(p->d == SQL_DIALECT_CLICKHOUSE && is_word(p, "final")) {
            next(p);
        } else if(p->d == SQL_DIALECT_ORACLE && is_word(p, "sample") &&
                  (t_op(p, peek(p, 1), '(') || (t_word(p, peek(p, 1), "block") && t_op(p, peek(p, 2), '(')))) {
            /* SAMPLE [BLOCK] (percent [, group]) [SEED (n)] */
            next(p);
            accept_word(p, "block");
            sqlp_skip_group(p);
            if(is_word(p, "seed") && t_op(p, peek(p, 1), '(')) {
                next(p);
                sqlp_skip_group(p);
            }
        } else if(p->d == SQL_DIALECT_ORACLE && is_kw(p, SQL_KW_AS) && t_word(p, peek(p, 1), "of")) {
            /* flashback: AS OF SCN|TIMESTAMP expr, AS OF SNAPSHOT(..) */
            next(p);
            next(p);
            if((is_word(p, "scn") || is_kw(p, SQL_KW_TIMESTAMP)) && !t_op(p, peek(p, 1), '('))
                next(p);
            sqlp_parse_expr(p, NULL);
        } else if(p->d == SQL_DIALECT_CLICKHOUSE && is_word(p, "sample") && peek(p, 1)->type == SQL_TOK_NUMBER) {
            /* SAMPLE k [OFFSET m], k may be a fraction a/b */
            next(p);
            sqlp_parse_expr(p, NULL);
            if(accept_kw(p, SQL_KW_OFFSET))
                sqlp_parse_expr(p, NULL);
        } else {
            return;
        }
        if(p->err)
            return;
    }
}

static const char *const tsql_hints[] = {
    "nolock",  "readuncommitted", "updlock",  "holdlock", "rowlock",      "tablock",        "tablockx",
    "paglock", "nowait",          "readpast", "xlock",    "serializable", "repeatableread", "readcommitted",
    "index",   "forceseek",       "snapshot", "noexpand", "fastfirstrow", "forcescan",      "readcommittedlock",
};

/* A name or a parenthesised list of names (at most `max`); the count. */
static int parse_name_group(parser_t *p, const char **out, int max)
{
    int n = 0;
    if(accept_op(p, '(')) {
        while(!at_end(p) && !is_op(p, ')')) {
            if(is_name_tok(cur(p)) && n < max)
                out[n++] = sqlp_norm(p, cur(p));
            next(p);
        }
        return accept_op(p, ')') ? n : 0;
    }
    if(is_name_tok(cur(p)) && max > 0) {
        out[n++] = sqlp_norm(p, cur(p));
        next(p);
    }
    return n;
}

/* Sources of column `name` of relation `in` (a listed column, else through its star). */
static void rel_col_src(parser_t *p, const rel_t *in, const char *name, unsigned how, sql_srcvec_t *dst)
{
    for(uint32_t i = 0; i < in->n; i++)
        if(!in->cols[i].star && in->cols[i].name && strcmp(in->cols[i].name, name) == 0) {
            sqlp_sadd_all(p, dst, &in->cols[i].src, how);
            return;
        }
    for(uint32_t i = 0; i < in->n; i++)
        for(uint32_t k = 0; in->cols[i].star && k < in->cols[i].src.n; k++) {
            const char *s = in->cols[i].src.v[k];
            size_t l = strlen(s);
            char *base = l >= 2 && strcmp(s + l - 2, ".*") == 0 ? sqlp_astrndup(p, s, l - 2) : NULL;
            if(base && sql_srcvec_add(p->a, dst, sqlp_aconcat(p, base, '.', name), how))
                sqlp_oom(p);
        }
}

static int in_names(const char *const *v, int n, const char *name)
{
    for(int i = 0; i < n; i++)
        if(v[i] && name && strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

/* The input's columns that the operator did not consume, first in its output. */
static void pass_through(parser_t *p, const rel_t *in, const char *const *used, int nused, rel_t *out)
{
    for(uint32_t i = 0; i < in->n; i++) {
        const outcol_t *c = &in->cols[i];
        if(!c->star && in_names(used, nused, c->name))
            continue;
        outcol_t *o = sqlp_rel_add(p, out, c->name, c->star);
        if(o)
            sqlp_sadd_all(p, &o->src, &c->src, 0);
    }
}

/* UNPIVOT (v FOR n IN (c1, c2 ..)): the input's other columns, then n (a label made of the
 * unpivoted columns), then v (each of them in turn). (v1, v2) FOR n IN ((a1, a2), (b1, b2)):
 * v1 comes from a1 and b1. 0 when the shape is not this one. */
static int parse_unpivot_body(parser_t *p, const rel_t *in, rel_t *out)
{
    const char *vals[16], *label = NULL, *used[256];
    int nv = parse_name_group(p, vals, 16), nused = 0;
    if(nv == 0 || !accept_kw(p, SQL_KW_FOR) || !is_name_tok(cur(p)))
        return 0;
    label = sqlp_norm(p, cur(p));
    next(p);
    if(!accept_kw(p, SQL_KW_IN) || !accept_op(p, '('))
        return 0;
    sql_srcvec_t vsrc[16], lsrc;
    memset(vsrc, 0, sizeof vsrc);
    memset(&lsrc, 0, sizeof lsrc);
    while(!at_end(p) && !is_op(p, ')')) {
        const char *g[16];
        int ng = parse_name_group(p, g, 16);
        if(ng == 0)
            return 0;
        for(int k = 0; k < ng; k++) {
            if(nused < 256)
                used[nused++] = g[k];
            rel_col_src(p, in, g[k], SQL_HOW_IDENTITY, &vsrc[k % nv]);
            rel_col_src(p, in, g[k], SQL_HOW_TRANSFORMATION, &lsrc);
        }
        if(accept_kw(p, SQL_KW_AS) || cur(p)->type == SQL_TOK_STRING || is_name_tok(cur(p)))
            next(p);
        accept_op(p, ',');
    }
    if(!accept_op(p, ')') || !accept_op(p, ')'))
        return 0;
    pass_through(p, in, used, nused, out);
    outcol_t *o = sqlp_rel_add(p, out, label, 0);
    if(o)
        sqlp_sadd_all(p, &o->src, &lsrc, 0);
    for(int k = 0; k < nv; k++)
        if((o = sqlp_rel_add(p, out, vals[k], 0)))
            sqlp_sadd_all(p, &o->src, &vsrc[k], 0);
    return 1;
}

/* PIVOT (agg(v) [AS a], .. FOR k IN ('x' [AS y], ..)): the input's columns but v and k, then one
 * column per value (and aggregate: `y_a` when aliased), each from what its aggregate reads.
 * 0 when the shape is not this one (IN (ANY ..), IN (subquery): the columns are unknown). */
static int parse_pivot_body(parser_t *p, const rel_t *in, rel_t *out)
{
    const char *used[256], *aggname[16];
    sql_srcvec_t aggsrc[16];
    int nused = 0, nagg = 0;
    memset(aggsrc, 0, sizeof aggsrc);
    while(!at_end(p) && !is_kw(p, SQL_KW_FOR) && nagg < 16) {
        sink_t s = {0};
        sqlp_parse_expr(p, &s);
        if(p->err)
            return 0;
        for(uint32_t i = 0; i < s.n; i++) {
            rel_col_src(p, in, s.refs[i].col, s.refs[i].how, &aggsrc[nagg]);
            if(nused < 256)
                used[nused++] = s.refs[i].col;
        }
        aggname[nagg] = NULL;
        if(accept_kw(p, SQL_KW_AS) || (is_name_tok(cur(p)) && !is_kw(p, SQL_KW_FOR))) {
            aggname[nagg] = sqlp_norm(p, cur(p));
            next(p);
        }
        nagg++;
        if(!accept_op(p, ','))
            break;
    }
    if(nagg == 0 || !accept_kw(p, SQL_KW_FOR))
        return 0;
    nused += parse_name_group(p, used + nused, 256 - nused);
    if(!accept_kw(p, SQL_KW_IN) || !accept_op(p, '(') || is_kw(p, SQL_KW_ANY) || sqlp_is_query_start(cur(p)))
        return 0;
    pass_through(p, in, used, nused, out);
    while(!at_end(p) && !is_op(p, ')')) {
        const sql_token_t *v = cur(p);
        const char *name = v->type == SQL_TOK_STRING ? sqlp_string_value(p, v)
                           : is_name_tok(v)          ? sqlp_norm(p, v)
                                                     : sqlp_astrndup(p, p->src + v->off, v->len);
        if(is_op(p, '('))
            sqlp_skip_group(p);
        else
            next(p);
        if(accept_kw(p, SQL_KW_AS) || is_name_tok(cur(p))) {
            name = sqlp_norm(p, cur(p));
            next(p);
        }
        for(int a = 0; a < nagg && name; a++) {
            const char *col = aggname[a] ? sqlp_aconcat(p, name, '_', aggname[a]) : name;
            outcol_t *o = col ? sqlp_rel_add(p, out, col, 0) : NULL;
            if(o)
                sqlp_sadd_all(p, &o->src, &aggsrc[a], 0);
        }
        if(!accept_op(p, ','))
            break;
    }
    return accept_op(p, ')') && accept_op(p, ')');
}

/* PIVOT/UNPIVOT over the FROM item `it`: it becomes the operator's output relation, so a query
 * over it finds the pivoted columns' sources; a shape not understood is skipped as before. */
static int parse_pivot(parser_t *p, fitem_t *it, int unpivot)
{
    size_t start = p->pos;
    rel_t *in = sqlp_new_rel(p), *out = sqlp_new_rel(p);
    if(!in || !out)
        return 0;
    sqlp_expand_star(p, it, in);
    next(p);
    int ok = unpivot ? parse_unpivot_body(p, in, out) : parse_pivot_body(p, in, out);
    if(p->err)
        return 0;
    if(!ok) {
        p->pos = start;
        sqlp_skip_group(p);
        return 0;
    }
    it->rel = out;
    return 1;
}

/* After the table primary: PIVOT/UNPIVOT, Hive LATERAL VIEW, MATCH_RECOGNIZE. */
static void parse_table_suffixes(parser_t *p, scope_t *sc)
{
    for(;;) {
        if((is_kw(p, SQL_KW_PIVOT) || is_kw(p, SQL_KW_UNPIVOT) || is_word(p, "match_recognize"))) {
            int op = is_kw(p, SQL_KW_PIVOT) ? 1 : is_kw(p, SQL_KW_UNPIVOT) ? 2 : 0;
            next(p);
            if(is_word(p, "include") || is_word(p, "exclude")) {
                next(p);
                next(p);
            }
            fitem_t *it = op && sc->n ? &sc->items[sc->n - 1] : NULL;
            int done = 0;
            if(is_op(p, '(') && it)
                done = parse_pivot(p, it, op == 2);
            else if(is_op(p, '('))
                sqlp_skip_group(p);
            if(p->err)
                return;
            const char *cols[64];
            int nc = 0;
            const char *alias = sqlp_parse_alias(p, cols, &nc, 64);
            if(done) {
                /* AS t(a, b ..) names the operator's output columns in order */
                rename_cols(it->rel, cols, nc);
                if(alias)
                    it->alias = alias;
            }
        } else if(is_kw(p, SQL_KW_WITH) && t_kw(peek(p, 1), SQL_KW_OFFSET)) {
            /* BigQuery: UNNEST(a) AS v WITH OFFSET [AS o], the element's position (no source) */
            next(p);
            next(p);
            sqlp_parse_alias(p, NULL, NULL, 0);
        } else if(is_kw(p, SQL_KW_LATERAL) && t_word(p, peek(p, 1), "view")) {
            next(p);
            next(p);
            accept_kw(p, SQL_KW_OUTER);
            sink_t sink = {0};
            if(is_name_tok(cur(p))) {
                qname_t q;
                sqlp_parse_qname(p, &q);
            }
            if(is_op(p, '(')) {
                if(!sqlp_enter(p))
                    return;
                next(p);
                sqlp_parse_loose(p, &sink, ')', NULL);
                sqlp_expect_op(p, ')', "expected ')'");
                sqlp_leave(p);
            }
            fitem_t *it = sqlp_scope_add(p, sc);
            if(!it)
                return;
            if(sqlp_can_be_alias(p, cur(p))) {
                it->alias = sqlp_norm(p, cur(p));
                next(p);
            }
            /* Spark: LATERAL VIEW f(..) t [AS] a, b */
            if(accept_kw(p, SQL_KW_AS) || (it->alias && sqlp_can_be_alias(p, cur(p)))) {
                rel_t *r = sqlp_amalloc(p, sizeof *r);
                if(!r)
                    return;
                memset(r, 0, sizeof *r);
                it->rel = r;
                do {
                    if(!is_name_tok(cur(p)))
                        break;
                    outcol_t *c = sqlp_rel_add(p, r, sqlp_norm(p, cur(p)), 0);
                    if(c) {
                        for(uint32_t i = 0; i < sink.n; i++) {
                            ref_t *rf = &sink.refs[i];
                            sqlp_resolve_ref(p, sc, rf, &c->src, NULL, 0);
                        }
                    }
                    next(p);
                } while(accept_op(p, ','));
            }
        } else {
            return;
        }
        if(p->err)
            return;
    }
}

/* ((SELECT ..) x JOIN ..): the outer parentheses hold a join whose first item is a subquery,
 * told from ((SELECT ..) UNION ..) by what follows the inner parentheses. */
static int paren_is_join(const parser_t *p)
{
    if(!t_op(p, peek(p, 1), '('))
        return 0;
    size_t k = 1, depth = 0;
    do {
        const sql_token_t *t = peek(p, k++);
        if(t->type == SQL_TOK_EOF)
            return 0;
        if(t_op(p, t, '('))
            depth++;
        else if(t_op(p, t, ')'))
            depth--;
    } while(depth);
    const sql_token_t *t = peek(p, k);
    if(setop_mode_at(p, k))
        return 0;
    return t_op(p, t, ',') || t_kw(t, SQL_KW_AS) || t_kw(t, SQL_KW_JOIN) || t_kw(t, SQL_KW_LEFT) ||
           t_kw(t, SQL_KW_CROSS) || t_kw(t, SQL_KW_NATURAL) || t_word(p, t, "inner") || t_word(p, t, "right") ||
           t_word(p, t, "full") || (is_name_tok(t) && !(t_flags(t) & SQL_KW_R));
}

static int glued(const parser_t *p)
{
    const sql_token_t *t = cur(p), *prev = t - 1;
    return p->pos > 0 && p->pos < p->n && t->off == prev->off + prev->len && !is_op(p, '(') && !is_op(p, ')') &&
           !is_op(p, ',') && !is_op(p, ';');
}

/* A Snowflake stage, @s, @~, @%t, @db.s.st, @"s", with a path glued after it (@s/dir/f.csv): the
 * stage as written, without the path; NULL when the current token starts none. */
const char *sqlp_parse_stage(parser_t *p)
{
    const sql_token_t *t = cur(p);
    if(at_end(p) || !(t->type == SQL_TOK_VAR || t->type == SQL_TOK_OP) || p->src[t->off] != '@')
        return NULL;
    size_t start = t->off;
    next(p);
    while(glued(p) && !is_op(p, '/'))
        next(p);
    const sql_token_t *last = &p->toks[p->pos - 1];
    const char *stage = sqlp_astrndup(p, p->src + start, last->off + last->len - start);
    while(glued(p))
        next(p);
    return stage;
}

/* One table, subquery, table function, VALUES list or parenthesised join. */
void sqlp_parse_table_primary(parser_t *p, scope_t *sc)
{
    if(!sqlp_enter(p))
        return;
    const char *cols[256];
    int nc = 0;
    if(p->d == SQL_DIALECT_DUCKDB && is_name_tok(cur(p)) && t_ops(p, peek(p, 1), ":")) {
        /* DuckDB's FROM alias: t, alias: (query), alias: f(..) */
        const char *alias = sqlp_norm(p, cur(p));
        uint32_t n0 = sc->n;
        p->pos += 2;
        sqlp_parse_table_primary(p, sc);
        if(sc->n == n0 + 1)
            sc->items[n0].alias = alias;
        goto out;
    }
    accept_kw(p, SQL_KW_LATERAL);
    if(is_word(p, "only") && is_name_tok(peek(p, 1)))
        next(p);
    const sql_token_t *t = cur(p);
    if(t_op(p, t, '(')) {
        const sql_token_t *body = peek(p, 1);
        int dml = sqlp_dml_at(p, 1);
        /* (FROM t ..): a FROM-first query (BigQuery, Spark), never joined tables */
        if(((sqlp_paren_is_query(p, 1) || t_kw(body, SQL_KW_VALUES)) && !paren_is_join(p)) || dml ||
           t_kw(body, SQL_KW_FROM)) {
            /* T-SQL's FROM (MERGE .. OUTPUT ..) AS x read a table named merge */
            rel_t *r = dml ? sqlp_parse_dml_rows(p) : sqlp_parse_query(p, NULL);
            if(p->err)
                goto out;
            fitem_t *it = sqlp_scope_add(p, sc);
            if(!it)
                goto out;
            it->rel = r;
            sqlp_skip_table_modifiers(p);
            it->alias = sqlp_parse_alias(p, cols, &nc, 256);
            rename_cols(r, cols, nc);
            sqlp_skip_table_modifiers(p);
        } else {
            next(p);
            sqlp_parse_table_ref(p, sc);
            while(accept_op(p, ','))
                sqlp_parse_table_ref(p, sc);
            sqlp_expect_op(p, ')', "expected ')' after joined tables");
            /* (a JOIN b) AS x: the alias names nothing we resolve through */
            if(!p->err)
                sqlp_parse_alias(p, cols, &nc, 256);
        }
        goto out;
    }
    if(t_kw(t, SQL_KW_VALUES)) {
        rel_t *r = sqlp_parse_query(p, NULL);
        fitem_t *it = p->err ? NULL : sqlp_scope_add(p, sc);
        if(it) {
            it->rel = r;
            it->alias = sqlp_parse_alias(p, cols, &nc, 256);
            rename_cols(r, cols, nc);
        }
        goto out;
    }
    if(t->type == SQL_TOK_TEMPLATE && p->src[t->off] == '{' &&
       !(t_op(p, peek(p, 1), '.') || (is_part_tok(peek(p, 1)) && peek(p, 1)->off == t->off + t->len))) {
        const char *tn = sqlp_template_table(p, t);
        next(p);
        fitem_t *it = sqlp_scope_add(p, sc);
        if(!it)
            goto out;
        if(tn) {
            it->table = tn;
            sqlp_add_read(p, tn);
        }
        it->alias = sqlp_parse_alias(p, cols, &nc, 256);
        goto out;
    }
    const char *stage = p->d == SQL_DIALECT_SNOWFLAKE ? sqlp_parse_stage(p) : NULL;
    if(stage || t->type == SQL_TOK_VAR || t->type == SQL_TOK_STRING) {
        /* @table_variable, a file path, or a Snowflake stage (@db.s.st/dir/f.gz (FILE_FORMAT => ..):
         * the stage is read) */
        if(p->st && (stage || t->type == SQL_TOK_STRING))
            sqlp_vadd(p, &p->st->read_paths, stage ? stage : sqlp_string_value(p, t));
        if(!stage)
            next(p);
        if(is_op(p, '('))
            sqlp_skip_group(p);
        fitem_t *it = sqlp_scope_add(p, sc);
        if(it)
            it->alias = sqlp_parse_alias(p, cols, &nc, 256);
        goto out;
    }
    /* Postgres ROWS FROM (f(..), g(..)): the functions' rows side by side, a table function */
    int rows_from = t_kw(peek(p, 1), SQL_KW_FROM) && is_word(p, "rows") && t_op(p, peek(p, 2), '(');
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a table name");
        goto out;
    }
    if(rows_from)
        next(p);
    fitem_t *it = sqlp_scope_add(p, sc);
    if(!it)
        goto out;
    if(is_op(p, '(') && !(p->d == SQL_DIALECT_TSQL &&
                          sqlp_tok_in_list(p, peek(p, 1), tsql_hints, sizeof tsql_hints / sizeof tsql_hints[0]))) {
        /* table function: UNNEST(..), TABLE(..), generate_series(..), LATERAL f(..) */
        if(!sqlp_enter(p))
            goto out;
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st &&
           sqlp_in_list(q.last, file_readers, sizeof file_readers / sizeof file_readers[0]))
            sqlp_vadd(p, &p->st->read_paths, sqlp_string_value(p, cur(p)));
        sink_t args = {0};
        if(strcmp(q.last, "semantic_view") == 0 && is_part_tok(cur(p))) {
            /* SEMANTIC_VIEW(v ...): its dimensions, facts and metrics are columns of v */
            size_t at = p->pos;
            qname_t v;
            if(sqlp_parse_qname(p, &v))
                it->table = v.full;
            p->pos = at;
        }
        /* UNNEST's arguments one by one: UNNEST(a, b) AS u(x, y) takes x from a, y from b */
        int unnest = strcmp(q.last, "unnest") == 0, nargs = 0;
        sink_t argv[16] = {{0}};
        if(unnest) {
            do {
                sqlp_parse_expr(p, nargs < 16 ? &argv[nargs] : &args);
                nargs += nargs < 16;
            } while(!p->err && accept_op(p, ','));
            for(int i = 0; i < nargs; i++) {
                for(uint32_t k = 0; k < argv[i].n; k++)
                    sqlp_sink_ref_how(p, &args, argv[i].refs[k].qual, argv[i].refs[k].col, argv[i].refs[k].how);
                sqlp_sadd_all(p, &args.resolved, &argv[i].resolved, 0);
            }
        } else {
            sqlp_parse_loose(p, &args, ')', q.last);
        }
        sqlp_expect_op(p, ')', "expected ')' after table function arguments");
        sqlp_leave(p);
        int ordinality = 0;
        it->fncols = fixed_columns(q.last);
        if(is_kw(p, SQL_KW_WITH) && (t_kw(peek(p, 1), SQL_KW_ORDINALITY) || t_kw(peek(p, 1), SQL_KW_OFFSET))) {
            next(p);
            next(p);
            ordinality = 1;
        } else if(p->d == SQL_DIALECT_TSQL && is_kw(p, SQL_KW_WITH) && t_op(p, peek(p, 1), '(')) {
            /* OPENJSON(..) WITH (name type 'path', ..): the rows' shape, each column from the arguments */
            next(p);
            sqlp_skip_group(p);
            it->fncols = NULL;
        }
        it->alias = sqlp_parse_alias(p, cols, &nc, 256);
        if(nc) {
            /* UNNEST(a) AS u(x): the columns come from the arguments, in the items before; with
             * one per argument, each from its own, and WITH ORDINALITY's last from none (one
             * array of rows gives several columns, all from it) */
            rel_t *r = sqlp_new_rel(p);
            it->rel = r;
            scope_t before = {.items = sc->items, .n = sc->n - 1, .cap = sc->cap};
            int values = nc - ordinality;
            for(int i = 0; r && i < nc; i++) {
                outcol_t *c = sqlp_rel_add(p, r, cols[i], 0);
                if(!c || !unnest || i >= values)
                    continue;
                sqlp_resolve_sink(p, &before, values == nargs ? &argv[i] : &args, &c->src, NULL, 0);
            }
        } else if(args.n && !it->table) {
            /* CROSS APPLY OPENJSON(c.payload) AS j, LATERAL FLATTEN(t.v) f: j's columns come from
             * the arguments, in the items before */
            sql_srcvec_t *fs = sqlp_amalloc(p, sizeof *fs);
            if(fs) {
                memset(fs, 0, sizeof *fs);
                scope_t before = {.items = sc->items, .n = sc->n - 1, .cap = sc->cap};
                sqlp_resolve_sink(p, &before, &args, fs, NULL, 0);
                it->fnsrc = fs->n ? fs : NULL;
            }
        }
        goto out;
    }
    if(is_op(p, '('))
        sqlp_skip_group(p);
    if(q.nparts == 2 && q.last_quoted &&
       sqlp_in_list(q.first, file_formats, sizeof file_formats / sizeof file_formats[0]) &&
       (strchr(q.last, '/') || strchr(q.last, ':'))) {
        /* Spark: SELECT * FROM parquet.`path/to/files` */
        if(p->st)
            sqlp_vadd(p, &p->st->read_paths, q.last);
    } else {
        cte_t *c = sqlp_find_cte(p, q.full);
        int alias_path = 0;
        for(uint32_t i = 0; q.nparts > 1 && i + 1 < sc->n; i++)
            alias_path |= sc->items[i].alias && sqlp_streq(sc->items[i].alias, q.first);
        if(alias_path) {
            /* FROM t, t.items: an array of an earlier item (BigQuery, Snowflake), not a table */
        } else if(c) {
            if(c->pending)
                c->self_ref = 1;
            p->cte_src += (unsigned)c->has_src;
            it->rel = c->rel;
            it->alias = q.full;
        } else if(sqlp_is_bind_name(q.full)) {
            /* IDENTIFIER(:t): a table named from outside, columns unknown */
        } else {
            it->table = q.full;
            if(!(p->dml_target && sqlp_streq(p->dml_target, q.full) && !p->dml_table))
                sqlp_add_read(p, q.full);
            else
                p->dml_table = q.full;
        }
    }
    sqlp_skip_table_modifiers(p);
    const char *alias = sqlp_parse_alias(p, cols, &nc, 256);
    if(alias)
        it->alias = alias;
    if(p->dml_target && !p->dml_table && alias && it->table && strcmp(alias, p->dml_target) == 0) {
        /* UPDATE alias ... FROM table alias: the aliased table is the target */
        p->dml_table = it->table;
        for(uint32_t i = 0; p->st && i < p->st->reads.n; i++) {
            if(sqlp_streq(p->st->reads.v[i], it->table)) {
                memmove(&p->st->reads.v[i], &p->st->reads.v[i + 1], (p->st->reads.n - i - 1) * sizeof(char *));
                p->st->reads.n--;
                sql_nameidx_drop(&p->st->reads.idx);
                break;
            }
        }
    }
    sqlp_skip_table_modifiers(p);
out:
    if(!p->err)
        parse_table_suffixes(p, sc);
    sqlp_leave(p);
}

/* Parse a clause's expression into the innermost SELECT's indirect columns as `how`. */
void sqlp_parse_indirect_expr(parser_t *p, unsigned how)
{
    unsigned saved = p->clause_how;
    p->clause_how = how;
    sqlp_parse_expr(p, p->ind);
    p->clause_how = saved;
}

static void parse_join_condition(parser_t *p)
{
    if(is_word(p, "match_condition") && t_op(p, peek(p, 1), '(')) {
        /* Snowflake ASOF JOIN .. MATCH_CONDITION (a.t >= b.t) [ON ..] */
        next(p);
        sqlp_parse_indirect_expr(p, SQL_HOW_JOIN);
    }
    if(accept_kw(p, SQL_KW_ON)) {
        sqlp_parse_indirect_expr(p, SQL_HOW_JOIN);
    } else if(accept_kw(p, SQL_KW_USING)) {
        if(!is_op(p, '('))
            return;
        next(p);
        while(!at_end(p) && !is_op(p, ')')) {
            if(is_name_tok(cur(p)))
                sqlp_sink_ref_how(p, p->ind, NULL, sqlp_norm(p, cur(p)), SQL_HOW_JOIN);
            next(p);
        }
        sqlp_expect_op(p, ')', "expected ')' after USING columns");
        /* Postgres 14's USING (a) AS j: j names the join columns */
        if(!p->err && is_kw(p, SQL_KW_AS) && is_name_tok(peek(p, 1))) {
            next(p);
            next(p);
        }
    }
}

void sqlp_parse_joins(parser_t *p, scope_t *sc)
{
    /* joins whose ON or USING comes after a later join's, nested without parentheses (standard
     * SQL: a JOIN b JOIN c ON b.k = c.k ON a.k = b.k) */
    int pending = 0;
    while(!p->err && is_join_start(p)) {
        if(sqlp_is_array_join(p, 0)) {
            sqlp_parse_array_join(p, sc);
            continue;
        }
        const sql_token_t *first = cur(p);
        while(!at_end(p) && !is_kw(p, SQL_KW_JOIN) && !is_kw(p, SQL_KW_APPLY) && !is_kw(p, SQL_KW_STRAIGHT_JOIN))
            next(p);
        const sql_token_t *join = cur(p);
        next(p);
        sqlp_parse_table_primary(p, sc);
        size_t before = p->pos;
        parse_join_condition(p);
        if(p->pos == before && !t_kw(first, SQL_KW_CROSS) && !t_kw(first, SQL_KW_NATURAL) && !t_kw(join, SQL_KW_APPLY))
            pending++;
        if(!p->err)
            parse_table_suffixes(p, sc);
        for(; pending > 0 && !p->err && (is_kw(p, SQL_KW_ON) || is_kw(p, SQL_KW_USING)); pending--)
            parse_join_condition(p);
    }
}

void sqlp_parse_join_condition(parser_t *p)
{
    parse_join_condition(p);
}

/* table_primary { join table_primary [ON ..|USING (..)] } */
void sqlp_parse_table_ref(parser_t *p, scope_t *sc)
{
    sqlp_parse_table_primary(p, sc);
    sqlp_parse_joins(p, sc);
}

void sqlp_parse_from_list(parser_t *p, scope_t *sc)
{
    do {
        sqlp_parse_table_ref(p, sc);
    } while(!p->err && accept_op(p, ','));
}

/* Output name of a select item without an alias: the column for a bare (cast)
 * reference, otherwise the expression's text with whitespace collapsed. */
const char *sqlp_item_name(parser_t *p, size_t start, size_t end)
{
    size_t k = start;
    const sql_token_t *lastname = NULL;
    while(k < end && is_name_tok(&p->toks[k])) {
        lastname = &p->toks[k];
        k++;
        if(k < end && t_op(p, &p->toks[k], '.'))
            k++;
        else
            break;
    }
    if(lastname && (k == end || t_ops(p, &p->toks[k], "::")))
        return sqlp_norm(p, lastname);
    if(lastname && k + 4 == end && t_op(p, &p->toks[k], '(') && t_word(p, &p->toks[k + 1], "title"))
        return sqlp_norm(p, lastname);
    size_t total = 0;
    for(size_t i = start; i < end; i++)
        total += p->toks[i].len + 1;
    char *out = sqlp_amalloc(p, total + 1);
    if(!out)
        return NULL;
    size_t o = 0;
    for(size_t i = start; i < end; i++) {
        const sql_token_t *t = &p->toks[i];
        if(i > start && t->off > p->toks[i - 1].off + p->toks[i - 1].len)
            out[o++] = ' ';
        if(t_kw(t, SQL_KW_AS)) {
            memcpy(out + o, "as", 2);
            o += 2;
        } else {
            memcpy(out + o, p->src + t->off, t->len);
            o += t->len;
        }
    }
    out[o] = '\0';
    return out;
}

static int select_clause_end(const parser_t *p)
{
    const sql_token_t *t = cur(p);
    return t_kw(t, SQL_KW_WHERE) || t_kw(t, SQL_KW_GROUP) || t_kw(t, SQL_KW_HAVING) || t_kw(t, SQL_KW_QUALIFY) ||
           t_kw(t, SQL_KW_WINDOW) || t_kw(t, SQL_KW_CONNECT) ||
           (t_word(p, t, "start") && t_kw(peek(p, 1), SQL_KW_WITH)) || t_kw(t, SQL_KW_CLUSTER) ||
           t_kw(t, SQL_KW_DISTRIBUTE) || t_kw(t, SQL_KW_SORT) || t_word(p, t, "prewhere");
}

/* WHERE/GROUP BY/HAVING/QUALIFY/WINDOW/...: only their subqueries matter for lineage. */
void sqlp_parse_filter_clauses(parser_t *p)
{
    while(!p->err && select_clause_end(p)) {
        const sql_token_t *kw = cur(p);
        unsigned how = t_kw(kw, SQL_KW_GROUP)    ? SQL_HOW_GROUP_BY
                       : t_kw(kw, SQL_KW_WINDOW) ? SQL_HOW_WINDOW
                       : t_kw(kw, SQL_KW_CLUSTER) || t_kw(kw, SQL_KW_DISTRIBUTE) || t_kw(kw, SQL_KW_SORT)
                           ? SQL_HOW_SORT
                           : SQL_HOW_FILTER;
        next(p);
        while(is_kw(p, SQL_KW_BY) || is_word(p, "with") || is_word(p, "nocycle"))
            next(p);
        if(is_word(p, "grouping") || is_word(p, "rollup") || is_word(p, "cube")) {
            if(t_word(p, peek(p, 1), "sets"))
                next(p);
        }
        do {
            if(is_kw(p, SQL_KW_ALL) || is_kw(p, SQL_KW_DISTINCT))
                next(p);
            size_t before = p->pos;
            if(is_name_tok(cur(p)) && t_kw(peek(p, 1), SQL_KW_AS) && t_op(p, peek(p, 2), '(')) {
                /* WINDOW w AS (...) */
                next(p);
                next(p);
            } else if(how == SQL_HOW_WINDOW && is_name_tok(cur(p)) && t_kw(peek(p, 1), SQL_KW_AS) &&
                      is_name_tok(peek(p, 2))) {
                /* WINDOW c AS b: another window's name */
                p->pos += 3;
                continue;
            }
            if(is_word(p, "grouping") && t_word(p, peek(p, 1), "sets"))
                next(p); /* GROUP BY a, GROUPING SETS ((b), ()) */
            sqlp_parse_indirect_expr(p, how);
            if(p->pos == before)
                break;
            while(is_kw(p, SQL_KW_ASC) || is_kw(p, SQL_KW_DESC))
                next(p);
        } while(!p->err && accept_op(p, ','));
        if(is_kw(p, SQL_KW_WITH) &&
           (t_word(p, peek(p, 1), "rollup") || t_word(p, peek(p, 1), "cube") || t_word(p, peek(p, 1), "totals"))) {
            next(p);
            next(p);
        }
        /* Hive/Spark: GROUP BY a, b GROUPING SETS ((a), (a, b)) */
        if(is_word(p, "grouping") && t_word(p, peek(p, 1), "sets") && t_op(p, peek(p, 2), '(')) {
            next(p);
            next(p);
            sqlp_parse_indirect_expr(p, how);
        }
    }
}

/* ClickHouse's ORDER BY x WITH FILL [FROM a] [TO b] [STEP c] [STALENESS d]: rows added between
 * the values, from constants */
static void skip_with_fill(parser_t *p)
{
    if(p->d != SQL_DIALECT_CLICKHOUSE || !is_kw(p, SQL_KW_WITH) || !t_word(p, peek(p, 1), "fill"))
        return;
    p->pos += 2;
    while(!p->err && (is_kw(p, SQL_KW_FROM) || is_word(p, "to") || is_word(p, "step") || is_word(p, "staleness"))) {
        next(p);
        sqlp_parse_expr(p, NULL);
    }
}

/* ORDER BY, Oracle's ORDER SIBLINGS BY (within a hierarchy's levels) */
static inline int order_by_at(const parser_t *p)
{
    return is_kw(p, SQL_KW_ORDER) &&
           (t_kw(peek(p, 1), SQL_KW_BY) || (t_word(p, peek(p, 1), "siblings") && t_kw(peek(p, 2), SQL_KW_BY)));
}

static void parse_order_by(parser_t *p)
{
    next(p);
    accept_word(p, "siblings");
    next(p);
    do {
        sqlp_parse_indirect_expr(p, SQL_HOW_SORT);
        /* Postgres' ORDER BY x USING > (an operator instead of ASC/DESC) */
        if(is_kw(p, SQL_KW_USING) && peek(p, 1)->type == SQL_TOK_OP && !t_op(p, peek(p, 1), ',') &&
           !t_op(p, peek(p, 1), ';') && !t_op(p, peek(p, 1), ')')) {
            next(p);
            next(p);
        }
        while(is_kw(p, SQL_KW_ASC) || is_kw(p, SQL_KW_DESC) || is_kw(p, SQL_KW_NULLS) || is_kw(p, SQL_KW_FIRST) ||
              is_kw(p, SQL_KW_LAST))
            next(p);
        skip_with_fill(p);
    } while(!p->err && accept_op(p, ','));
    if(p->d == SQL_DIALECT_CLICKHOUSE && is_word(p, "interpolate")) {
        /* INTERPOLATE [(col [AS expr], ..)]: the filled rows' values, from the same columns */
        next(p);
        if(is_op(p, '('))
            sqlp_skip_group(p);
    }
}

/* ORDER BY, LIMIT, OFFSET, FETCH, FOR UPDATE, T-SQL FOR XML/OPTION. */
static const char *const db2_isolation[] = {"ur", "cs", "rs", "rr"};

void sqlp_parse_tail_clauses(parser_t *p)
{
    for(;;) {
        if(p->err)
            return;
        if(order_by_at(p)) {
            parse_order_by(p);
        } else if((is_kw(p, SQL_KW_DISTRIBUTE) || is_kw(p, SQL_KW_SORT) || is_kw(p, SQL_KW_CLUSTER)) &&
                  t_kw(peek(p, 1), SQL_KW_BY)) {
            /* Hive's (q UNION q) DISTRIBUTE BY .. SORT BY ..: the whole query's */
            sqlp_parse_filter_clauses(p);
        } else if(is_kw(p, SQL_KW_LIMIT) || is_kw(p, SQL_KW_OFFSET)) {
            next(p);
            if(!accept_kw(p, SQL_KW_ALL))
                sqlp_parse_expr(p, NULL);
            if(accept_op(p, ','))
                sqlp_parse_expr(p, NULL);
            accept_word(p, "percent"); /* DuckDB's LIMIT 10 PERCENT */
            while(is_kw(p, SQL_KW_ROWS) || is_kw(p, SQL_KW_ROW))
                next(p);
            if(accept_kw(p, SQL_KW_BY)) {
                /* ClickHouse LIMIT n BY cols */
                do
                    sqlp_parse_indirect_expr(p, SQL_HOW_SORT);
                while(!p->err && accept_op(p, ','));
            }
        } else if(is_word(p, "settings") && is_name_tok(peek(p, 1)) && t_ops(p, peek(p, 2), "=")) {
            /* ClickHouse SETTINGS k = v, .. */
            next(p);
            do {
                next(p);
                next(p);
                sqlp_parse_expr(p, NULL);
            } while(!p->err && is_op(p, ',') && is_name_tok(peek(p, 1)) && t_ops(p, peek(p, 2), "=") &&
                    accept_op(p, ','));
        } else if(is_word(p, "format") && is_name_tok(peek(p, 1)) && p->d == SQL_DIALECT_CLICKHOUSE) {
            next(p);
            next(p);
        } else if(is_kw(p, SQL_KW_FETCH)) {
            next(p);
            /* FETCH FIRST (expr) | NULL ROWS .. (Postgres): the count may be any expression */
            if((is_kw(p, SQL_KW_FIRST) || is_word(p, "next")) &&
               (t_op(p, peek(p, 1), '(') || t_kw(peek(p, 1), SQL_KW_NULL))) {
                next(p);
                sqlp_parse_expr(p, NULL);
            }
            while(!at_end(p) &&
                  (is_kw(p, SQL_KW_FIRST) || is_word(p, "next") || cur(p)->type == SQL_TOK_NUMBER ||
                   is_kw(p, SQL_KW_ROWS) || is_kw(p, SQL_KW_ROW) || is_word(p, "only") || is_word(p, "percent") ||
                   is_kw(p, SQL_KW_WITH) || is_word(p, "ties") || cur(p)->type == SQL_TOK_VAR))
                next(p);
        } else if(is_kw(p, SQL_KW_FOR) &&
                  (t_kw(peek(p, 1), SQL_KW_UPDATE) || t_word(p, peek(p, 1), "share") || t_word(p, peek(p, 1), "xml") ||
                   t_word(p, peek(p, 1), "json") || t_word(p, peek(p, 1), "no") || t_word(p, peek(p, 1), "key") ||
                   t_word(p, peek(p, 1), "read") || t_word(p, peek(p, 1), "browse"))) {
            next(p);
            /* FOR [NO KEY] UPDATE [OF ..] [NOWAIT|SKIP LOCKED]: that UPDATE starts no statement */
            while(
                !at_end(p) && !is_op(p, ';') && !is_op(p, ')') &&
                (!(t_flags(cur(p)) & SQL_KW_T) || (is_kw(p, SQL_KW_UPDATE) && !(cur(p)->flags & SQL_TOKF_NL_BEFORE)))) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else
                    next(p);
            }
        } else if(is_word(p, "option") && t_op(p, peek(p, 1), '(')) {
            next(p);
            sqlp_skip_group(p);
        } else if(is_word(p, "optimize") && t_kw(peek(p, 1), SQL_KW_FOR) && peek(p, 2)->type == SQL_TOK_NUMBER) {
            /* DB2 OPTIMIZE FOR n ROW[S]: a hint for the optimiser */
            p->pos += 3;
            if(!accept_kw(p, SQL_KW_ROWS))
                accept_kw(p, SQL_KW_ROW);
        } else if(is_word(p, "log") && t_word(p, peek(p, 1), "errors")) {
            /* Oracle LOG ERRORS [INTO t] [(tag)] [REJECT LIMIT n|UNLIMITED]: where failed rows go */
            next(p);
            next(p);
            while(!at_end(p) && !is_op(p, ';') && !is_op(p, ')')) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else
                    next(p);
            }
        } else if(is_kw(p, SQL_KW_WITH) && sqlp_tok_in_list(p, peek(p, 1), db2_isolation, 4) &&
                  (peek(p, 2)->type == SQL_TOK_EOF || t_op(p, peek(p, 2), ';') || t_op(p, peek(p, 2), ')'))) {
            /* DB2 WITH UR|CS|RS|RR: the isolation level of the query */
            next(p);
            next(p);
        } else if(is_kw(p, SQL_KW_USING) && t_word(p, peek(p, 1), "sample")) {
            /* DuckDB USING SAMPLE 10% [(method, seed)] */
            next(p);
            next(p);
            sqlp_parse_expr(p, NULL);
            while(is_op(p, '%') || is_word(p, "percent") || is_kw(p, SQL_KW_ROWS) || is_word(p, "repeatable") ||
                  is_op(p, '(')) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else
                    next(p);
            }
        } else {
            return;
        }
    }
}

/* SELECT ... INTO target (T-SQL, Postgres). Inside routines of other dialects INTO names variables. */
static void parse_select_into(parser_t *p)
{
    next(p);
    accept_word(p, "temp");
    accept_word(p, "temporary");
    accept_word(p, "unlogged");
    accept_kw(p, SQL_KW_TABLE);
    if(is_word(p, "outfile") || is_word(p, "dumpfile")) {
        static const char *const export_words[] = {"character",  "set",        "fields",   "columns", "lines",
                                                   "terminated", "optionally", "enclosed", "escaped", "starting"};
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st)
            sqlp_vadd(p, &p->st->write_paths, sqlp_string_value(p, cur(p)));
        next(p);
        /* FIELDS TERMINATED BY ',' LINES STARTING BY 'x' ..: the file's format */
        while(sqlp_tok_in_list(p, cur(p), export_words, sizeof export_words / sizeof export_words[0]) ||
              (t_kw(cur(p), SQL_KW_BY) && peek(p, 1)->type == SQL_TOK_STRING)) {
            if(is_kw(p, SQL_KW_BY) || is_word(p, "set"))
                next(p);
            next(p);
        }
        return;
    }
    int vars = (p->in_body || p->into_vars) && p->d != SQL_DIALECT_TSQL;
    /* INTO a, b: one target per output column, so variables (MySQL, PL/SQL); a SELECT creates
     * one table at most */
    size_t at = p->pos;
    qname_t first;
    if(!vars && cur(p)->type != SQL_TOK_VAR && sqlp_parse_qname(p, &first) && is_op(p, ','))
        vars = 1;
    p->pos = at;
    do {
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            continue;
        }
        qname_t q;
        if(!sqlp_parse_qname(p, &q))
            return;
        if(!vars) {
            sqlp_add_write(p, q.full);
            sqlp_set_kind(p, "select_into");
            if(!p->into_table && !p->in_body)
                p->into_table = q.full;
        }
    } while(!p->err && accept_op(p, ','));
}

/* A bare column reference (a, t.a, s.t.a) is copied as is. */
void sqlp_mark_identity(parser_t *p, sink_t *s, size_t start, size_t end)
{
    if(s->n != 1 || s->resolved.n || end <= start)
        return;
    for(size_t k = start; k < end; k++)
        if((k - start) % 2 ? !t_op(p, &p->toks[k], '.') : !is_name_tok(&p->toks[k]))
            return;
    if((end - start) % 2 == 1 && s->refs[0].how == SQL_HOW_TRANSFORMATION)
        s->refs[0].how = SQL_HOW_IDENTITY;
}

/* The join, filter, grouping and sorting columns of one SELECT, into the statement's indirect
 * list; a name that is one of the SELECT's outputs (ORDER BY alias) stands for its sources. */
void sqlp_resolve_indirect(parser_t *p, scope_t *sc, const rel_t *r, const sink_t *ind, sink_t *bubble)
{
    if(!p->st)
        return;
    sql_srcvec_t *out = &p->st->indirect;
    sqlp_sadd_all(p, out, &ind->resolved, 0);
    for(uint32_t i = 0; i < ind->n; i++) {
        const ref_t *rf = &ind->refs[i];
        int done = 0;
        if(!rf->qual && r && !(sc->n == 1 && sqlp_item_has(p, &sc->items[0], rf->col))) {
            for(uint32_t k = 0; k < r->n; k++) {
                const outcol_t *c = &r->cols[k];
                if(!c->star && c->name && strcmp(c->name, rf->col) == 0) {
                    sqlp_sadd_all(p, out, &c->src, rf->how);
                    done = 1;
                }
            }
        }
        if(!done)
            sqlp_resolve_ref(p, sc, rf, out, bubble, 0);
    }
}

/* Case-insensitive LIKE: % any run, _ one character; O(len(s) * len(pat)) on any input. */
static int ilike(const char *s, const char *pat)
{
    const char *star = NULL, *resume = s;
    while(*s) {
        if(*pat == '%') {
            star = pat++;
            resume = s;
        } else if(*pat && (*pat == '_' || tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
            pat++;
            s++;
        } else if(star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while(*pat == '%')
        pat++;
    return *pat == '\0';
}

/* The expanded columns r->cols[n0..] after `* EXCLUDE/RENAME/REPLACE/ILIKE`; an unexpanded
 * `t.*` (columns unknown) is left as it is. */
static void apply_star_mods(parser_t *p, const item_t *it, rel_t *r, uint32_t n0, scope_t *sc, sink_t *outer,
                            unsigned outer_how)
{
    uint32_t o = n0;
    for(uint32_t i = n0; i < r->n; i++) {
        outcol_t c = r->cols[i];
        int keep = 1;
        for(uint32_t m = 0; m < it->nmods && keep && !c.star && c.name; m++) {
            const star_mod_t *md = &it->mods[m];
            if(md->kind == STAR_ILIKE)
                keep = ilike(c.name, md->name);
            else if(strcmp(c.name, md->name) != 0)
                continue;
            else if(md->kind == STAR_DROP)
                keep = 0;
            else if(md->kind == STAR_RENAME)
                c.name = md->to;
            else {
                memset(&c.src, 0, sizeof c.src);
                sqlp_resolve_sink(p, sc, &md->sink, &c.src, outer, outer_how);
            }
        }
        if(keep)
            r->cols[o++] = c;
    }
    r->n = o;
}

/* ClickHouse's `expr APPLY(f)`, `* APPLY(f) APPLY(g)`, `COLUMNS('re') APPLY(x -> ..)`: f runs over
 * each column, an aggregate (APPLY(sum)) making the sink's columns aggregated */
static void skip_apply(parser_t *p, sink_t *sink)
{
    while(p->d == SQL_DIALECT_CLICKHOUSE && is_kw(p, SQL_KW_APPLY) && t_op(p, peek(p, 1), '(')) {
        next(p);
        char *f = is_name_tok(peek(p, 1)) && t_op(p, peek(p, 2), ')') ? sqlp_norm(p, peek(p, 1)) : NULL;
        sqlp_skip_group(p);
        if(sink && f && is_aggregate(f))
            for(uint32_t i = 0; i < sink->n; i++)
                sink->refs[i].how = (sink->refs[i].how & ~SQL_HOW_DIRECT) | SQL_HOW_AGGREGATION;
    }
}

/* `* EXCEPT (a, b)`, `* EXCLUDE a`, `* RENAME (a AS b)`, `* REPLACE (expr AS a)`, `* ILIKE 'p'`
 * (BigQuery, Snowflake, DuckDB), in any number. */
static void parse_star_mods(parser_t *p, item_t *it)
{
    for(;;) {
        int kind;
        if((is_kw(p, SQL_KW_EXCEPT) || is_word(p, "exclude")) && (t_op(p, peek(p, 1), '(') || is_name_tok(peek(p, 1))))
            kind = STAR_DROP;
        else if(is_word(p, "rename") && (t_op(p, peek(p, 1), '(') || is_name_tok(peek(p, 1))))
            kind = STAR_RENAME;
        else if(is_kw(p, SQL_KW_REPLACE) && t_op(p, peek(p, 1), '('))
            kind = STAR_REPLACE;
        else if(is_word(p, "ilike") && peek(p, 1)->type == SQL_TOK_STRING)
            kind = STAR_ILIKE;
        else
            return;
        next(p);
        int paren = accept_op(p, '(');
        do {
            if(!sqlp_grow(p, (void **)&it->mods, it->nmods, &it->capmods, sizeof *it->mods))
                return;
            star_mod_t *md = &it->mods[it->nmods];
            memset(md, 0, sizeof *md);
            md->kind = kind;
            if(kind == STAR_ILIKE) {
                md->name = sqlp_string_value(p, cur(p));
                next(p);
            } else if(kind == STAR_REPLACE) {
                size_t from = p->pos;
                sqlp_parse_expr(p, &md->sink);
                sqlp_mark_identity(p, &md->sink, from, p->pos);
                accept_kw(p, SQL_KW_AS);
                if(!is_name_tok(cur(p)))
                    break;
                md->name = sqlp_norm(p, cur(p));
                next(p);
            } else {
                /* a qualified name in EXCLUDE (t.a) drops the column a */
                while(is_name_tok(cur(p)) && t_op(p, peek(p, 1), '.') && is_name_tok(peek(p, 2))) {
                    next(p);
                    next(p);
                }
                if(!is_name_tok(cur(p)))
                    break;
                md->name = sqlp_norm(p, cur(p));
                next(p);
                if(kind == STAR_RENAME) {
                    accept_kw(p, SQL_KW_AS);
                    if(!is_name_tok(cur(p)))
                        break;
                    md->to = sqlp_norm(p, cur(p));
                    next(p);
                }
            }
            if(md->name)
                it->nmods++;
        } while(!p->err && paren && accept_op(p, ','));
        if(paren)
            sqlp_expect_op(p, ')', "expected ')' after the star's column list");
        if(p->err)
            return;
    }
}

/* Hive's and Spark's script transforms: SELECT TRANSFORM (exprs) | MAP exprs | REDUCE exprs, then
 * [ROW FORMAT ..] [RECORDWRITER 'w'] USING 'script' [AS (a [type], ..) | AS a [type], ..] [ROW FORMAT
 * ..] [RECORDREADER 'r']. Is a transform's first word (TRANSFORM, MAP, REDUCE) `k` tokens ahead
 * (the dialect is sqlp_transform_at's to check)? TRANSFORM( alone is Spark's array function, so
 * its parenthesis must be followed by a transform's own words. */
int sqlp_transform_here(parser_t *p, size_t k)
{
    const sql_token_t *t = peek(p, k);
    if(t_word(p, t, "map") || t_word(p, t, "reduce"))
        return !t_op(p, peek(p, k + 1), '(') && !t_op(p, peek(p, k + 1), '.') && !t_op(p, peek(p, k + 1), ',');
    if(!t_word(p, t, "transform") || !t_op(p, peek(p, k + 1), '('))
        return 0;
    size_t saved = p->pos;
    p->pos += k + 1;
    sqlp_skip_group(p);
    int yes = is_kw(p, SQL_KW_USING) || is_kw(p, SQL_KW_ROW) || is_word(p, "recordwriter");
    p->pos = saved;
    return yes;
}

/* ROW FORMAT DELIMITED [FIELDS TERMINATED BY 'x' ..] | ROW FORMAT SERDE 'c' [WITH SERDEPROPERTIES (..)],
 * then RECORDWRITER 'w' or RECORDREADER 'r': how a transform's rows are written or read, no lineage */
static void skip_transform_format(parser_t *p)
{
    static const char *const words[] = {
        "delimited", "fields", "terminated", "by",      "escaped", "collection", "items", "map",
        "keys",      "lines",  "null",       "defined", "as",      "serde",      "with",  "serdeproperties"};
    if(is_kw(p, SQL_KW_ROW) && t_word(p, peek(p, 1), "format")) {
        next(p);
        next(p);
        while(!p->err && (cur(p)->type == SQL_TOK_STRING || is_op(p, '(') ||
                          sqlp_tok_in_list(p, cur(p), words, sizeof words / sizeof words[0]))) {
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
        }
    }
    if((is_word(p, "recordwriter") || is_word(p, "recordreader")) && peek(p, 1)->type == SQL_TOK_STRING) {
        next(p);
        next(p);
    }
}

/* The end of one column of a transform's AS list: a comma, or what may follow the list. */
static int transform_col_end(parser_t *p, int paren)
{
    if(at_end(p) || is_op(p, ',') || is_op(p, ';') || is_op(p, ')'))
        return 1;
    if(paren)
        return 0;
    return is_kw(p, SQL_KW_ROW) || is_word(p, "recordreader") || is_kw(p, SQL_KW_FROM) || is_kw(p, SQL_KW_WHERE) ||
           is_kw(p, SQL_KW_GROUP) || is_kw(p, SQL_KW_HAVING) || is_kw(p, SQL_KW_ORDER) || is_kw(p, SQL_KW_LIMIT) ||
           is_kw(p, SQL_KW_UNION) || is_kw(p, SQL_KW_INTERSECT) || is_kw(p, SQL_KW_EXCEPT) || is_word(p, "window") ||
           is_kw(p, SQL_KW_LATERAL) || is_word(p, "cluster") || is_word(p, "distribute") || is_word(p, "sort") ||
           is_kw(p, SQL_KW_INSERT);
}

/* A script transform's select list (sqlp_transform_at): its output columns, each from every column
 * the script is given (a script's output depends on all of its input); `key` and `value` when
 * it names none (Hive's default). */
void sqlp_parse_transform(parser_t *p, item_t **items, uint32_t *nitems, uint32_t *capitems)
{
    int paren = is_word(p, "transform");
    next(p);
    if(paren)
        next(p);
    if(is_kw(p, SQL_KW_DISTINCT) || is_kw(p, SQL_KW_ALL))
        next(p);
    sink_t in = {0};
    do {
        size_t before = p->pos;
        sqlp_parse_expr(p, &in);
        if(p->pos == before) {
            sqlp_fail(p, "expected an expression in the transform");
            return;
        }
        /* Spark rejects aliases here; read them anyway */
        if(accept_kw(p, SQL_KW_AS) || (is_name_tok(cur(p)) && !is_kw(p, SQL_KW_USING) && !is_kw(p, SQL_KW_ROW)))
            next(p);
    } while(!p->err && accept_op(p, ','));
    if(paren)
        sqlp_expect_op(p, ')', "expected ')' after the transform's input");
    skip_transform_format(p);
    if(!accept_kw(p, SQL_KW_USING) || cur(p)->type != SQL_TOK_STRING) {
        sqlp_fail(p, "expected USING 'script' in the transform");
        return;
    }
    next(p);
    const char *names[256];
    int n = 0;
    if(accept_kw(p, SQL_KW_AS)) {
        int in_paren = accept_op(p, '(');
        do {
            if(!is_name_tok(cur(p))) {
                sqlp_fail(p, "expected a column name in the transform's AS list");
                return;
            }
            if(n < 256)
                names[n++] = sqlp_norm(p, cur(p));
            next(p);
            /* its type: ARRAY<INT>, MAP<STRING, INT>, DECIMAL(38, 18) */
            int angle = 0;
            while(!p->err && (angle > 0 || !transform_col_end(p, in_paren))) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else {
                    angle += is_op(p, '<') ? 1 : t_ops(p, cur(p), ">>") ? -2 : is_op(p, '>') ? -1 : 0;
                    next(p);
                }
            }
        } while(!p->err && accept_op(p, ','));
        if(in_paren)
            sqlp_expect_op(p, ')', "expected ')' after the transform's columns");
    } else {
        names[n++] = "key";
        names[n++] = "value";
    }
    skip_transform_format(p);
    for(int i = 0; i < n && !p->err; i++) {
        if(!sqlp_grow(p, (void **)items, *nitems, capitems, sizeof **items))
            return;
        item_t *it = &(*items)[*nitems];
        memset(it, 0, sizeof *it);
        it->name = names[i];
        it->sink = in;
        (*nitems)++;
    }
}

static rel_t *select_core(parser_t *p, sink_t *outer, scope_t *scp)
{
    unsigned outer_how = p->outer_how;
    scope_t sc = *scp; /* empty, or a pipe's table (|> SELECT ..) */
    /* DuckDB FROM t [SELECT ..]: the FROM clause first, SELECT * when there is none */
    int from_first = is_kw(p, SQL_KW_FROM);
    if(from_first) {
        next(p);
        sqlp_parse_from_list(p, &sc);
        if(!is_kw(p, SQL_KW_SELECT) && !sqlp_transform_at(p, 0)) {
            sqlp_parse_filter_clauses(p);
            *scp = sc;
            rel_t *r = p->err ? NULL : sqlp_new_rel(p);
            for(uint32_t k = 0; r && k < sc.n; k++)
                sqlp_expand_star(p, &sc.items[k], r);
            return r;
        }
    }
    if(is_kw(p, SQL_KW_SELECT))
        next(p); /* else MAP or REDUCE */
    for(;;) {
        if(is_kw(p, SQL_KW_DISTINCT) && t_kw(peek(p, 1), SQL_KW_ON) && t_op(p, peek(p, 2), '(')) {
            next(p);
            next(p);
            sqlp_skip_group(p);
        } else if(is_kw(p, SQL_KW_DISTINCT) || is_kw(p, SQL_KW_ALL) || is_kw(p, SQL_KW_UNIQUE) ||
                  is_word(p, "distinctrow") || is_word(p, "straight_join") || is_word(p, "sql_calc_found_rows") ||
                  is_word(p, "sql_no_cache") || is_word(p, "high_priority") || is_word(p, "sql_small_result") ||
                  is_word(p, "sql_big_result") || is_word(p, "sql_buffer_result") || is_word(p, "sql_cache")) {
            next(p);
        } else if(is_kw(p, SQL_KW_TOP)) {
            next(p);
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
            accept_word(p, "percent");
            if(is_kw(p, SQL_KW_WITH) && t_word(p, peek(p, 1), "ties")) {
                next(p);
                next(p);
            }
        } else if(is_kw(p, SQL_KW_AS) && (t_word(p, peek(p, 1), "struct") || t_word(p, peek(p, 1), "value"))) {
            next(p);
            next(p);
        } else {
            break;
        }
    }
    item_t *items = NULL;
    uint32_t nitems = 0, capitems = 0;
    int transform = sqlp_transform_at(p, 0);
    if(transform)
        sqlp_parse_transform(p, &items, &nitems, &capitems);
    while(!transform) {
        if(p->err)
            return NULL;
        if(!sqlp_grow(p, (void **)&items, nitems, &capitems, sizeof *items))
            return NULL;
        item_t *it = &items[nitems];
        memset(it, 0, sizeof *it);
        size_t start = p->pos;
        const sql_token_t *t = cur(p);
        if(t_op(p, t, '*')) {
            next(p);
            it->star = 1;
        } else if(is_name_tok(t) && t_op(p, peek(p, 1), '.') && t_op(p, peek(p, 2), '*')) {
            it->star = 1;
            it->star_qual = sqlp_norm(p, t);
            next(p);
            next(p);
            next(p);
        } else if(is_name_tok(t) && t_op(p, peek(p, 1), '.') && is_name_tok(peek(p, 2)) && t_op(p, peek(p, 3), '.') &&
                  t_op(p, peek(p, 4), '*')) {
            it->star = 1;
            const char *a = sqlp_norm(p, t);
            const char *b = sqlp_norm(p, peek(p, 2));
            it->star_qual = a && b ? sqlp_aconcat(p, a, '.', b) : NULL;
            for(int i = 0; i < 5; i++)
                next(p);
        } else if(is_name_tok(t) && ((p->d == SQL_DIALECT_TSQL && t_ops(p, peek(p, 1), "=")) ||
                                     (p->d == SQL_DIALECT_DUCKDB && t_ops(p, peek(p, 1), ":")))) {
            /* T-SQL's SELECT alias = expr, DuckDB's SELECT alias: expr */
            it->name = sqlp_norm(p, t);
            next(p);
            next(p);
            size_t from = p->pos;
            sqlp_parse_expr(p, &it->sink);
            sqlp_mark_identity(p, &it->sink, from, p->pos);
        } else if(t_kw(t, SQL_KW_FROM) || t_op(p, t, ')') || t->type == SQL_TOK_EOF || t_op(p, t, ';')) {
            break;
        } else {
            sqlp_parse_expr(p, &it->sink);
            if(p->pos == start) {
                sqlp_fail(p, "expected a select item");
                return NULL;
            }
            skip_apply(p, &it->sink);
            sqlp_mark_identity(p, &it->sink, start, p->pos);
            it->expr_star =
                p->pos >= start + 3 && t_op(p, &p->toks[p->pos - 1], '*') && t_op(p, &p->toks[p->pos - 2], '.');
        }
        if(it->star) {
            parse_star_mods(p, it);
            skip_apply(p, NULL);
        } else if(it->expr_star) {
            /* BigQuery IF(..).* EXCEPT/REPLACE (..): the struct's fields are not known */
            while((is_kw(p, SQL_KW_EXCEPT) || is_word(p, "exclude") || is_kw(p, SQL_KW_REPLACE) ||
                   is_word(p, "rename")) &&
                  (t_op(p, peek(p, 1), '(') || is_name_tok(peek(p, 1)))) {
                next(p);
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else
                    next(p);
            }
        }
        size_t end = p->pos;
        const char *more[64];
        int nmore = 0;
        if(!it->star && !it->expr_star) {
            const char *alias = NULL;
            if(is_kw(p, SQL_KW_AS) && t_op(p, peek(p, 1), '(') && is_name_tok(peek(p, 2)) &&
               (p->d == SQL_DIALECT_HIVE || p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS)) {
                /* a table-generating function's columns: explode(m) AS (key, value), each from its arguments */
                next(p);
                next(p);
                alias = sqlp_norm(p, cur(p));
                next(p);
                while(accept_op(p, ',') && is_name_tok(cur(p))) {
                    if(nmore < 64)
                        more[nmore++] = sqlp_norm(p, cur(p));
                    next(p);
                }
                sqlp_expect_op(p, ')', "expected ')' after column aliases");
            } else if(is_kw(p, SQL_KW_AS)) {
                next(p);
                if(is_name_tok(cur(p)) || cur(p)->type == SQL_TOK_STRING) {
                    alias = sqlp_norm(p, cur(p));
                    next(p);
                } else if(cur(p)->type == SQL_TOK_VAR && p->src[cur(p)->off] == ':' && cur(p)->len > 1) {
                    /* AS :name, a bind variable naming the column */
                    sql_token_t name = *cur(p);
                    name.off++;
                    name.len--;
                    name.type = SQL_TOK_WORD;
                    alias = sqlp_norm(p, &name);
                    next(p);
                } else {
                    sqlp_fail(p, "expected an alias after AS");
                }
            } else if(sqlp_can_be_alias(p, cur(p)) ||
                      (cur(p)->type == SQL_TOK_STRING && p->d != SQL_DIALECT_ANSI && p->d != SQL_DIALECT_TERADATA) ||
                      (p->d == SQL_DIALECT_ORACLE && is_kw(p, SQL_KW_CASE) && p->pos > start)) {
                /* Oracle does not reserve CASE, and no CASE expression follows an expression: an alias */
                alias = sqlp_norm(p, cur(p));
                next(p);
            }
            if(!it->name)
                it->name = alias ? alias : sqlp_item_name(p, start, end);
        }
        nitems++;
        for(int i = 0; i < nmore; i++) {
            if(!sqlp_grow(p, (void **)&items, nitems, &capitems, sizeof *items))
                return NULL;
            items[nitems] = items[nitems - 1];
            items[nitems].name = more[i];
            nitems++;
        }
        if(!accept_op(p, ','))
            break;
    }
    if(is_word(p, "bulk") && t_word(p, peek(p, 1), "collect") && t_kw(peek(p, 2), SQL_KW_INTO)) {
        /* PL/SQL SELECT .. BULK COLLECT INTO collections */
        next(p);
        next(p);
    }
    if(is_kw(p, SQL_KW_INTO))
        parse_select_into(p);
    if(!from_first && accept_kw(p, SQL_KW_FROM))
        sqlp_parse_from_list(p, &sc);
    sqlp_parse_filter_clauses(p);
    if(p->d == SQL_DIALECT_MYSQL && is_kw(p, SQL_KW_INTO))
        parse_select_into(p); /* MySQL: SELECT .. FROM t WHERE .. INTO @v */
    /* ORDER BY after a later set operand sorts the whole result: sqlp_parse_query has it */
    if(!p->in_setop && order_by_at(p))
        parse_order_by(p);
    *scp = sc;
    if(p->err)
        return NULL;
    rel_t *r = sqlp_new_rel(p);
    if(!r)
        return NULL;
    for(uint32_t i = 0; i < nitems; i++) {
        item_t *it = &items[i];
        if(it->star) {
            uint32_t n0 = r->n;
            if(it->star_qual) {
                fitem_t *fi = sqlp_find_item(&sc, it->star_qual);
                if(fi)
                    sqlp_expand_star(p, fi, r);
            } else {
                for(uint32_t k = 0; k < sc.n; k++)
                    sqlp_expand_star(p, &sc.items[k], r);
            }
            if(it->nmods)
                apply_star_mods(p, it, r, n0, &sc, outer, outer_how);
            continue;
        }
        outcol_t *c = sqlp_rel_add(p, r, it->expr_star ? "*" : it->name, it->expr_star);
        if(c)
            sqlp_resolve_sink(p, &sc, &it->sink, &c->src, outer, outer_how);
    }
    return r;
}

/* One SELECT with its own join/filter/grouping/sorting columns; correlated ones go to the
 * enclosing SELECT's. */
static rel_t *parse_select_core(parser_t *p, sink_t *outer)
{
    sink_t ind = {0};
    sink_t *outer_ind = p->ind;
    scope_t sc = {0}, *keep = p->query_scope;
    p->ind = &ind;
    p->query_scope = NULL;
    rel_t *r = select_core(p, outer, &sc);
    p->ind = outer_ind;
    if(keep)
        *keep = sc;
    if(r)
        sqlp_resolve_indirect(p, &sc, r, &ind, outer_ind);
    return r;
}

static void rel_union(parser_t *p, rel_t *a, const rel_t *b)
{
    for(uint32_t i = 0; i < b->n; i++) {
        if(i < a->n) {
            /* an unexpanded * on one side only: its position says nothing about the other's */
            if(b->cols[i].star && !a->cols[i].star)
                continue;
            sqlp_sadd_all(p, &a->cols[i].src, &b->cols[i].src, 0);
        } else {
            outcol_t *c = sqlp_rel_add(p, a, b->cols[i].name, b->cols[i].star);
            if(c)
                sqlp_sadd_all(p, &c->src, &b->cols[i].src, 0);
        }
    }
}

/* How a set operation lines its operands' columns up: by position, or by name (BY NAME,
 * CORRESPONDING) keeping every name (FULL), the first operand's (LEFT), the shared ones (INNER)
 * or those listed (BY NAME ON (..), CORRESPONDING BY (..)). */
typedef struct setop {
    int by_name;
    char mode; /* 'F', 'L', 'I' */
    const char **only;
    int nonly;
} setop_t;

/* [FULL|LEFT|INNER [OUTER]] UNION|INTERSECT|EXCEPT|MINUS [ALL|DISTINCT] [BY NAME [ON (..)] |
 * [STRICT] CORRESPONDING [BY (..)]] */
static void parse_setop(parser_t *p, setop_t *o)
{
    size_t nmode = setop_mode_at(p, 0);
    memset(o, 0, sizeof *o);
    o->mode = nmode ? (char)(is_kw(p, SQL_KW_LEFT) ? 'L' : is_kw(p, SQL_KW_INNER) ? 'I' : 'F') : 0;
    p->pos += nmode + 1;
    for(;;) {
        if(is_kw(p, SQL_KW_BY) && t_word(p, peek(p, 1), "name")) {
            next(p);
            o->by_name = 'F';
        } else if(is_word(p, "corresponding")) {
            o->by_name = 'I';
        } else if(!is_kw(p, SQL_KW_ALL) && !is_kw(p, SQL_KW_DISTINCT) && !is_word(p, "name") &&
                  !(is_word(p, "strict") && t_word(p, peek(p, 1), "corresponding"))) {
            break;
        }
        next(p);
    }
    if(!o->mode)
        o->mode = (char)o->by_name;
    if(!o->by_name || !(is_kw(p, SQL_KW_ON) || is_kw(p, SQL_KW_BY)) || !t_op(p, peek(p, 1), '('))
        return;
    next(p);
    next(p);
    o->only = sqlp_amalloc(p, 256 * sizeof *o->only);
    while(o->only && !at_end(p) && !is_op(p, ')')) {
        if(is_name_tok(cur(p)) && o->nonly < 256)
            o->only[o->nonly++] = sqlp_norm(p, cur(p));
        next(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after the set operation's columns");
    if(!o->only)
        o->by_name = 0;
}

static int rel_find(const rel_t *r, const char *name)
{
    for(uint32_t i = 0; name && i < r->n; i++)
        if(r->cols[i].name && strcmp(r->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int listed(const char *const *names, int n, const char *name)
{
    for(int i = 0; name && i < n; i++)
        if(strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* `b`'s rows added to `a`'s as the set operation lines them up; by name only when every column
 * is named (an unexpanded * leaves the names unknown: by position as before). */
static void rel_combine(parser_t *p, rel_t *a, const rel_t *b, const setop_t *o)
{
    if(!o->by_name || sqlp_rel_has_star(a) || sqlp_rel_has_star(b)) {
        rel_union(p, a, b);
        return;
    }
    for(uint32_t i = 0; i < b->n; i++) {
        int k = rel_find(a, b->cols[i].name);
        outcol_t *c = k >= 0 ? &a->cols[k] : o->mode == 'F' ? sqlp_rel_add(p, a, b->cols[i].name, 0) : NULL;
        if(c)
            sqlp_sadd_all(p, &c->src, &b->cols[i].src, 0);
    }
    uint32_t kept = 0;
    for(uint32_t i = 0; i < a->n; i++)
        if(o->only ? listed(o->only, o->nonly, a->cols[i].name) : o->mode != 'I' || rel_find(b, a->cols[i].name) >= 0)
            a->cols[kept++] = a->cols[i];
    a->n = kept;
}

static rel_t *parse_values(parser_t *p)
{
    next(p); /* VALUES */
    rel_t *r = sqlp_new_rel(p);
    if(!r)
        return NULL;
    do {
        accept_kw(p, SQL_KW_ROW);
        if(!is_op(p, '(')) {
            sqlp_parse_expr(p, NULL);
            continue;
        }
        if(!sqlp_enter(p))
            return NULL;
        next(p);
        uint32_t col = 0;
        while(!at_end(p) && !is_op(p, ')')) {
            sink_t s = {0};
            size_t before = p->pos;
            sqlp_parse_expr(p, &s);
            if(col >= r->n && !sqlp_rel_add(p, r, "", 0))
                return NULL;
            sqlp_resolve_sink(p, &(scope_t){0}, &s, &r->cols[col].src, NULL, 0);
            col++;
            if(!accept_op(p, ',')) {
                if(p->pos == before)
                    sqlp_fail(p, "unexpected token in VALUES");
                break;
            }
        }
        sqlp_expect_op(p, ')', "expected ')' after VALUES row");
        sqlp_leave(p);
    } while(!p->err && accept_op(p, ','));
    return r;
}

/* Spark's VALUES (1, 2) [AS] t(a, b) where a query stands (a statement, a view's query, a
 * subquery), also without the name: the columns take the names given */
static void parse_values_alias(parser_t *p, rel_t *r)
{
    accept_kw(p, SQL_KW_AS);
    if(sqlp_can_be_alias(p, cur(p)))
        next(p);
    if(is_op(p, '(') && is_name_tok(peek(p, 1))) {
        const char *cols[256];
        rename_cols(r, cols, parse_name_group(p, cols, 256));
    }
}

/* The end of one of a DuckDB PIVOT's clauses or list items, k tokens ahead */
static int pivot_clause_end(const parser_t *p, size_t k)
{
    const sql_token_t *t = peek(p, k);
    return t->type == SQL_TOK_EOF || t_op(p, t, ')') || t_op(p, t, ';') || t_op(p, t, ',') ||
           t_kw(t, SQL_KW_USING) || t_kw(t, SQL_KW_GROUP) || t_kw(t, SQL_KW_INTO) || t_kw(t, SQL_KW_ORDER) ||
           t_kw(t, SQL_KW_LIMIT);
}

/* The rest of DuckDB's PIVOT t ON cols [IN (..)] USING agg(v) [GROUP BY g] or UNPIVOT t ON cols
 * INTO NAME n VALUE v, over `in` (t's columns). A PIVOT keeps its GROUP BY columns (without one,
 * those neither pivoted nor aggregated); the columns it makes from the pivoted values are not
 * named here. An UNPIVOT keeps the others, then n (labels of the columns unpivoted) and v (their
 * values). Columns chosen by an expression (COLUMNS(* EXCLUDE ..)) leave `in` as it is. */
static rel_t *duckdb_pivot(parser_t *p, rel_t *in, int unpivot)
{
    const char *used[256], *group[256], *into[16];
    int nused = 0, ngroup = 0, ninto = 0, opaque = 0, grouped = 0;
    sink_t aggs = {0};
    while(!at_end(p) && !is_op(p, ')') && !is_op(p, ';')) {
        if(accept_kw(p, SQL_KW_ON)) {
            do {
                if(is_name_tok(cur(p)) && (t_kw(peek(p, 1), SQL_KW_IN) || pivot_clause_end(p, 1))) {
                    if(nused < 256)
                        used[nused++] = sqlp_norm(p, cur(p));
                    next(p);
                } else {
                    opaque = 1;
                }
                while(!pivot_clause_end(p, 0)) {
                    if(is_op(p, '('))
                        sqlp_skip_group(p);
                    else
                        next(p);
                }
            } while(accept_op(p, ','));
        } else if(accept_kw(p, SQL_KW_USING)) {
            do
                sqlp_parse_expr(p, &aggs);
            while(!p->err && accept_op(p, ','));
            if(sqlp_can_be_alias(p, cur(p)) && !is_kw(p, SQL_KW_GROUP))
                next(p);
        } else if(is_kw(p, SQL_KW_GROUP) && t_kw(peek(p, 1), SQL_KW_BY)) {
            p->pos += 2;
            grouped = 1;
            do {
                if(is_name_tok(cur(p)) && ngroup < 256)
                    group[ngroup++] = sqlp_norm(p, cur(p));
                else
                    opaque = 1;
                while(!pivot_clause_end(p, 0))
                    next(p);
            } while(accept_op(p, ','));
        } else if(accept_kw(p, SQL_KW_INTO)) {
            /* NAME n VALUE v [, v2 ..] */
            while(!at_end(p) && !is_op(p, ')') && !is_op(p, ';')) {
                if((is_word(p, "name") || is_word(p, "value") || is_op(p, ',')) && is_name_tok(peek(p, 1)) &&
                   ninto < 16)
                    into[ninto++] = sqlp_norm(p, peek(p, 1));
                next(p);
            }
        } else if(is_op(p, '(')) {
            sqlp_skip_group(p);
        } else {
            next(p);
        }
    }
    if(opaque || p->err)
        return in;
    rel_t *out = sqlp_new_rel(p);
    if(!out)
        return in;
    if(unpivot) {
        pass_through(p, in, used, nused, out);
        for(int k = 0; k < ninto; k++) {
            outcol_t *o = sqlp_rel_add(p, out, into[k], 0);
            for(int i = 0; o && i < nused; i++)
                rel_col_src(p, in, used[i], k == 0 ? SQL_HOW_TRANSFORMATION : SQL_HOW_IDENTITY, &o->src);
        }
        return out;
    }
    if(grouped) {
        for(int k = 0; k < ngroup; k++) {
            outcol_t *o = sqlp_rel_add(p, out, group[k], 0);
            if(o)
                rel_col_src(p, in, group[k], SQL_HOW_IDENTITY, &o->src);
        }
        return out;
    }
    for(uint32_t i = 0; i < aggs.n && nused < 256; i++)
        used[nused++] = aggs.refs[i].col;
    pass_through(p, in, used, nused, out);
    return out;
}

static rel_t *parse_set_term(parser_t *p, sink_t *outer)
{
    if(is_op(p, '(')) {
        if(!sqlp_enter(p))
            return NULL;
        next(p);
        rel_t *r = sqlp_parse_query(p, outer);
        sqlp_expect_op(p, ')', "expected ')' after subquery");
        sqlp_leave(p);
        return r;
    }
    if(is_kw(p, SQL_KW_SELECT) || is_kw(p, SQL_KW_FROM) || sqlp_transform_at(p, 0))
        return parse_select_core(p, outer);
    if(is_kw(p, SQL_KW_VALUES)) {
        rel_t *r = parse_values(p);
        if(!p->err && (p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS))
            parse_values_alias(p, r);
        return r;
    }
    if(is_kw(p, SQL_KW_WITH))
        return sqlp_parse_query(p, outer);
    int pivot = sqlp_duckdb_pivot_at(p, 0);
    size_t start = p->pos;
    if(pivot && t_op(p, peek(p, 1), '(')) {
        next(p);
        rel_t *r = parse_set_term(p, outer);
        return r && !p->err ? duckdb_pivot(p, r, t_kw(&p->toks[start], SQL_KW_UNPIVOT)) : r;
    }
    if(pivot || is_kw(p, SQL_KW_TABLE)) {
        next(p);
        qname_t q;
        rel_t *r = sqlp_new_rel(p);
        if(sqlp_parse_qname(p, &q) && r) {
            /* its columns are those of SELECT * FROM t */
            cte_t *c = sqlp_find_cte(p, q.full);
            fitem_t it = {.table = q.full};
            if(c) {
                c->self_ref |= c->pending;
                p->cte_src += (unsigned)c->has_src;
                it = (fitem_t){.rel = c->rel};
            } else {
                sqlp_add_read(p, q.full);
            }
            sqlp_expand_star(p, &it, r);
        }
        return pivot && r ? duckdb_pivot(p, r, t_kw(&p->toks[start], SQL_KW_UNPIVOT)) : r;
    }
    sqlp_fail(p, "expected a query");
    return NULL;
}

/* Spark's MAX RECURSION LEVEL n after a CTE's name and columns, k tokens ahead: its length in
 * tokens, 0 when there is none */
static size_t recursion_level_at(const parser_t *p, size_t k)
{
    return t_word(p, peek(p, k), "max") && t_word(p, peek(p, k + 1), "recursion") &&
                   t_word(p, peek(p, k + 2), "level") && peek(p, k + 3)->type == SQL_TOK_NUMBER
               ? 4
               : 0;
}

/* name AS .., name (cols) AS .., name (query), k tokens ahead: a CTE; anything else is
 * ClickHouse's expr AS name, or after WITH an option (WITH CONNECTION c, WITH HOLD, WITH ARRAY
 * WRAPPER). name [(cols)] AS: also a qualified name (WITH db.x AS (..)), which some tools accept
 * and the query then names as written; Spark's MAX RECURSION LEVEL n may follow the columns */
static int is_cte_head_at(const parser_t *p, size_t k)
{
    if(!is_name_tok(peek(p, k)))
        return 0;
    k++;
    while(t_op(p, peek(p, k), '.') && is_name_tok(peek(p, k + 1)))
        k += 2;
    k += recursion_level_at(p, k);
    if(t_kw(peek(p, k), SQL_KW_AS))
        return 1;
    if(!t_op(p, peek(p, k), '('))
        return 0;
    if(sqlp_paren_is_query(p, k + 1))
        return 1;
    k++;
    while(is_name_tok(peek(p, k)) || t_op(p, peek(p, k), ','))
        k++;
    if(!t_op(p, peek(p, k), ')'))
        return 0;
    k += 1 + recursion_level_at(p, k + 1);
    return t_kw(peek(p, k), SQL_KW_AS) || t_op(p, peek(p, k), '(');
}

static int is_cte_head(const parser_t *p)
{
    return is_cte_head_at(p, 0);
}

int sqlp_with_starts_query(const parser_t *p, size_t k)
{
    if(p->d == SQL_DIALECT_CLICKHOUSE)
        return 1;
    k++;
    if(t_word(p, peek(p, k), "recursive"))
        k++;
    return is_cte_head_at(p, k);
}

static int is_dml_word(const sql_token_t *t)
{
    return t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_UPDATE) || t_kw(t, SQL_KW_DELETE) || t_kw(t, SQL_KW_MERGE);
}

/* INSERT, UPDATE, DELETE or MERGE k tokens ahead, also after a WITH clause of its own (WITH b AS
 * (..) INSERT ..): a statement in parentheses whose rows are those it returns. */
int sqlp_dml_at(const parser_t *p, size_t k)
{
    const sql_token_t *t = peek(p, k);
    if(t_kw(t, SQL_KW_WITH)) {
        /* past the CTEs' parentheses to the first word of what they belong to */
        int depth = 0;
        do {
            t = peek(p, ++k);
            if(t == &p->eof || (t_op(p, t, ')') && --depth < 0))
                return 0;
            depth += t_op(p, t, '(');
        } while(depth > 0 || !(sqlp_is_query_start(t) || t_op(p, t, ';') || is_dml_word(t)));
    }
    return is_dml_word(t);
}

/* Postgres WITH d AS (DELETE FROM t .. RETURNING ..), T-SQL's FROM (MERGE .. OUTPUT ..) AS x: the
 * statement's lineage joins the statement around it (it writes its target), and its rows are
 * those it returns (RETURNING, or OUTPUT without INTO): what it wrote, or the target's rows as
 * they were, which reads the target. */
rel_t *sqlp_parse_dml_rows(parser_t *p)
{
    next(p); /* ( */
    const char *kind = p->st ? p->st->kind : NULL;
    int saved = p->in_parens;
    rel_t *rows = NULL, **saved_rows = p->returned;
    p->in_parens = 1;
    p->returned = &rows;
    sqlp_parse_statement(p);
    p->in_parens = saved;
    p->returned = saved_rows;
    if(p->st)
        p->st->kind = kind;
    while(!at_end(p) && !is_op(p, ')')) {
        if(is_op(p, '('))
            sqlp_skip_group(p);
        else
            next(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after the CTE's statement");
    return rows ? rows : sqlp_new_rel(p);
}

/* An inline routine's BEGIN .. END (Trino's WITH FUNCTION f() RETURNS .. BEGIN ..; END SELECT ..): its
 * statements end with ';', and END IF, END WHILE, END LOOP, END REPEAT close no block. */
static void skip_routine_block(parser_t *p)
{
    int depth = 0;
    do {
        if(is_kw(p, SQL_KW_BEGIN) || is_kw(p, SQL_KW_CASE)) {
            depth++;
        } else if(is_kw(p, SQL_KW_END)) {
            const sql_token_t *n = peek(p, 1);
            if(t_kw(n, SQL_KW_IF) || t_kw(n, SQL_KW_WHILE) || t_word(p, n, "loop") || t_word(p, n, "repeat") ||
               t_kw(n, SQL_KW_FOR)) {
                next(p);
            } else {
                if(t_kw(n, SQL_KW_CASE))
                    next(p);
                depth--;
            }
        }
        next(p);
    } while(depth > 0 && !at_end(p));
}

void sqlp_parse_with(parser_t *p)
{
    next(p); /* WITH */
    int recursive = accept_kw(p, SQL_KW_RECURSIVE);
    do {
        if(is_word(p, "function") && is_name_tok(peek(p, 1)) && !t_kw(peek(p, 1), SQL_KW_AS)) {
            /* Trino inline function (WITH FUNCTION f(x INT) RETURNS INT RETURN x + 1 SELECT ..):
             * its body ends where the query or the next WITH item starts */
            next(p);
            while(!at_end(p) && !is_op(p, ',') && !is_op(p, ';') && !is_kw(p, SQL_KW_SELECT) &&
                  !is_kw(p, SQL_KW_VALUES)) {
                if(is_op(p, '('))
                    sqlp_skip_group(p);
                else if(is_kw(p, SQL_KW_BEGIN))
                    skip_routine_block(p);
                else
                    next(p);
            }
            continue;
        }
        if(!is_cte_head(p) && !is_op(p, ';') && !at_end(p)) {
            /* ClickHouse WITH expr AS name: a named value; its subqueries still read */
            size_t before = p->pos;
            sqlp_parse_expr(p, NULL);
            if(p->pos == before || !accept_kw(p, SQL_KW_AS) || !is_name_tok(cur(p))) {
                sqlp_fail(p, "expected a CTE name");
                return;
            }
            next(p);
            continue;
        }
        if(!is_name_tok(cur(p))) {
            sqlp_fail(p, "expected a CTE name");
            return;
        }
        cte_t *c = sqlp_amalloc(p, sizeof *c);
        if(!c)
            return;
        memset(c, 0, sizeof *c);
        qname_t qn;
        sqlp_parse_qname(p, &qn);
        c->name = qn.full;
        const char *cols[256];
        int nc = 0;
        if(is_op(p, '(') && !sqlp_paren_is_query(p, 1)) {
            next(p);
            while(!at_end(p) && !is_op(p, ')')) {
                if(is_name_tok(cur(p)) && nc < 256)
                    cols[nc++] = sqlp_norm(p, cur(p));
                next(p);
            }
            sqlp_expect_op(p, ')', "expected ')' after CTE columns");
        }
        for(size_t n = recursion_level_at(p, 0); n > 0; n--)
            next(p);
        accept_kw(p, SQL_KW_AS);
        accept_kw(p, SQL_KW_NOT);
        accept_word(p, "materialized");
        c->pending = 1;
        c->next = p->ctes;
        p->ctes = c;
        if(!is_op(p, '(')) {
            sqlp_fail(p, "expected '(' before CTE query");
            return;
        }
        uint32_t reads_before = p->st ? p->st->reads.n : 0;
        unsigned src_before = p->cte_src;
        rel_t *r = sqlp_dml_at(p, 1) ? sqlp_parse_dml_rows(p) : parse_set_term(p, NULL);
        if(p->err)
            return;
        c->has_src = (p->st && p->st->reads.n > reads_before) || p->cte_src > src_before;
        c->pending = 0;
        c->rel = r;
        rename_cols(r, cols, nc);
        if(c->self_ref && !recursive && r && !r->setop)
            sqlp_add_read(p, c->name);
        /* SEARCH/CYCLE clauses of recursive CTEs */
        while((is_word(p, "search") || is_word(p, "cycle")) && !at_end(p)) {
            /* SEARCH DEPTH|BREADTH FIRST BY a, b SET ordercol; CYCLE a, b SET mark [TO v DEFAULT w]
             * USING path: the columns they add, not statements; their lists' commas end no CTE */
            while(!at_end(p) && !is_kw(p, SQL_KW_SET) && !sqlp_is_query_start(cur(p)) && !is_op(p, ';'))
                next(p);
            if(!accept_kw(p, SQL_KW_SET))
                break;
            next(p);
            for(int k = is_word(p, "to") && t_word(p, peek(p, 2), "default") ? 4 : 0; k > 0; k--)
                next(p);
            for(int k = is_kw(p, SQL_KW_USING) ? 2 : 0; k > 0; k--)
                next(p);
        }
    } while(!p->err && accept_op(p, ','));
}

/* The pipe's current table as one relation: every column of its FROM items, as `*` gives them. */
static rel_t *pipe_rel(parser_t *p, scope_t *sc)
{
    if(sc->n == 1 && sc->items[0].rel && !sc->items[0].alias)
        return sc->items[0].rel;
    rel_t *r = sqlp_new_rel(p);
    for(uint32_t k = 0; r && k < sc->n; k++)
        sqlp_expand_star(p, &sc->items[k], r);
    return r;
}

/* The pipe goes on from relation `r` (named `alias` when not NULL). */
static void pipe_set(parser_t *p, scope_t *sc, rel_t *r, const char *alias)
{
    sc->n = 0;
    fitem_t *it = r ? sqlp_scope_add(p, sc) : NULL;
    if(it) {
        memset(it, 0, sizeof *it);
        it->rel = r;
        it->alias = alias;
    }
}

/* Index in `r` of the column named `name`, or -1. */
static int pipe_col(const rel_t *r, const char *name)
{
    for(uint32_t i = 0; name && i < r->n; i++)
        if(!r->cols[i].star && r->cols[i].name && strcmp(r->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* |> SET c = expr, .. / DROP c, .. / RENAME a [AS] b, ..: the current table with those columns
 * changed; over columns not known (`t.*`) a set or renamed column is added, a dropped one stays. */
static rel_t *pipe_columns(parser_t *p, scope_t *sc, int what)
{
    rel_t *in = pipe_rel(p, sc), *r = sqlp_new_rel(p);
    if(!in || !r)
        return NULL;
    for(uint32_t i = 0; i < in->n; i++) {
        outcol_t *c = sqlp_rel_add(p, r, in->cols[i].name, in->cols[i].star);
        if(c)
            sqlp_sadd_all(p, &c->src, &in->cols[i].src, 0);
    }
    do {
        if(!is_name_tok(cur(p)))
            break;
        const char *name = sqlp_norm(p, cur(p));
        next(p);
        int k = pipe_col(r, name);
        if(what == 'd') {
            if(k >= 0) {
                memmove(&r->cols[k], &r->cols[k + 1], (r->n - (uint32_t)k - 1) * sizeof *r->cols);
                r->n--;
            }
            continue;
        }
        sink_t sink = {0};
        const char *to = name;
        if(what == 's') {
            if(!is_op(p, '='))
                break;
            next(p);
            sqlp_parse_expr(p, &sink);
        } else {
            accept_kw(p, SQL_KW_AS);
            if(!is_name_tok(cur(p)))
                break;
            to = sqlp_norm(p, cur(p));
            next(p);
            sqlp_sink_ref_how(p, &sink, NULL, name, SQL_HOW_IDENTITY);
        }
        if(k >= 0) {
            r->cols[k].name = to;
            if(what == 's') {
                r->cols[k].src.n = 0;
                sqlp_resolve_sink(p, sc, &sink, &r->cols[k].src, NULL, 0);
            }
        } else {
            outcol_t *c = sqlp_rel_add(p, r, to, 0);
            if(c)
                sqlp_resolve_sink(p, sc, &sink, &c->src, NULL, 0);
        }
    } while(!p->err && accept_op(p, ','));
    return r;
}

/* |> AGGREGATE aggs [GROUP [AND ORDER] BY keys]: the keys, then the aggregates. */
static rel_t *pipe_aggregate(parser_t *p, scope_t *sc)
{
    size_t from = p->pos, by = 0;
    int depth = 0;
    for(size_t i = p->pos; i < p->n && !(depth == 0 && (t_op(p, &p->toks[i], ';'))); i++) {
        const sql_token_t *t = &p->toks[i];
        depth += t_op(p, t, '(') ? 1 : t_op(p, t, ')') ? -1 : 0;
        if(depth < 0 || (depth == 0 && t_op(p, t, '|') && i + 1 < p->n && t_op(p, &p->toks[i + 1], '>')))
            break;
        if(depth == 0 && t_kw(t, SQL_KW_GROUP)) {
            by = i + 1;
            if(by + 1 < p->n && t_kw(&p->toks[by], SQL_KW_AND) && t_kw(&p->toks[by + 1], SQL_KW_ORDER))
                by += 2;
            if(by < p->n && t_kw(&p->toks[by], SQL_KW_BY))
                by++;
            break;
        }
    }
    rel_t *r = sqlp_new_rel(p);
    size_t end = p->pos;
    if(by) {
        p->pos = by;
        scope_t keys = *sc;
        rel_t *g = select_core(p, NULL, &keys);
        if(g && r)
            rel_union(p, r, g);
        end = p->pos;
        p->pos = from;
    }
    if(!p->err && !is_kw(p, SQL_KW_GROUP)) {
        scope_t aggs = *sc;
        rel_t *a = select_core(p, NULL, &aggs);
        for(uint32_t i = 0; a && r && i < a->n; i++) {
            outcol_t *c = sqlp_rel_add(p, r, a->cols[i].name, a->cols[i].star);
            if(c)
                sqlp_sadd_all(p, &c->src, &a->cols[i].src, 0);
        }
    }
    if(p->pos < end)
        p->pos = end;
    return r;
}

/* Pipe syntax (BigQuery, Spark), FROM t |> WHERE .. |> LEFT JOIN u ON .. |> EXTEND .. |> SELECT ..:
 * each operator takes the table so far (`r`, the query before the first pipe) and gives the next,
 * whose columns are the query's. SELECT, EXTEND, AGGREGATE, SET, DROP, RENAME, AS, joins and set
 * operations are followed; the others keep the columns (WHERE, ORDER BY, LIMIT, TABLESAMPLE ..)
 * or are read for their tables only (PIVOT, UNPIVOT: the columns stay those before them). */
static rel_t *parse_pipes(parser_t *p, rel_t *r)
{
    scope_t sc = {0};
    pipe_set(p, &sc, r, NULL);
    int depth = 0;
    while(!p->err && sqlp_at_pipe(p)) {
        next(p);
        next(p);
        sink_t ind = {0};
        sink_t *outer_ind = p->ind;
        p->ind = &ind;
        int select = is_kw(p, SQL_KW_SELECT), extend = is_word(p, "extend");
        if(select || extend) {
            rel_t *in = extend ? pipe_rel(p, &sc) : NULL;
            next(p);
            scope_t items = sc;
            rel_t *out = select_core(p, NULL, &items);
            if(extend && in && out) {
                rel_t *all = sqlp_new_rel(p);
                for(uint32_t i = 0; all && i < in->n + out->n; i++) {
                    const outcol_t *c = i < in->n ? &in->cols[i] : &out->cols[i - in->n];
                    outcol_t *o = sqlp_rel_add(p, all, c->name, c->star);
                    if(o)
                        sqlp_sadd_all(p, &o->src, &c->src, 0);
                }
                out = all;
            }
            pipe_set(p, &sc, out, NULL);
        } else if(is_word(p, "aggregate")) {
            next(p);
            pipe_set(p, &sc, pipe_aggregate(p, &sc), NULL);
        } else if(is_kw(p, SQL_KW_SET) || is_kw(p, SQL_KW_DROP) || is_word(p, "rename")) {
            int what = is_kw(p, SQL_KW_SET) ? 's' : is_kw(p, SQL_KW_DROP) ? 'd' : 'r';
            next(p);
            pipe_set(p, &sc, pipe_columns(p, &sc, what), NULL);
        } else if(is_kw(p, SQL_KW_AS) && is_name_tok(peek(p, 1))) {
            next(p);
            pipe_set(p, &sc, pipe_rel(p, &sc), sqlp_norm(p, cur(p)));
            next(p);
        } else if(is_setop_word(cur(p)) || setop_mode_at(p, 0)) {
            rel_t *in = pipe_rel(p, &sc), *out = sqlp_new_rel(p);
            for(uint32_t i = 0; in && out && i < in->n; i++) {
                outcol_t *o = sqlp_rel_add(p, out, in->cols[i].name, in->cols[i].star);
                if(o)
                    sqlp_sadd_all(p, &o->src, &in->cols[i].src, 0);
            }
            setop_t op;
            parse_setop(p, &op);
            do {
                if(!is_op(p, '('))
                    break;
                rel_t *q = sqlp_parse_query(p, NULL);
                if(q && out)
                    rel_combine(p, out, q, &op);
            } while(!p->err && accept_op(p, ','));
            pipe_set(p, &sc, out, NULL);
        }
        while(!at_end(p) && !is_op(p, ';') && !sqlp_at_pipe(p)) {
            /* ( FROM t |> ..): a subquery, unless the ( is a call's (TRIM(FROM x)) */
            int from_query = is_op(p, '(') && t_kw(peek(p, 1), SQL_KW_FROM) && !is_name_tok(&p->toks[p->pos - 1]);
            if(is_kw(p, SQL_KW_JOIN)) {
                next(p);
                sqlp_parse_table_primary(p, &sc);
                parse_join_condition(p);
            } else if(is_op(p, '(') && (from_query || sqlp_paren_is_query(p, 1))) {
                sqlp_parse_query(p, NULL);
            } else if(is_op(p, '(')) {
                depth++;
                next(p);
            } else if(is_op(p, ')')) {
                if(depth-- == 0)
                    break;
                next(p);
            } else if(is_kw(p, SQL_KW_WHERE)) {
                next(p);
                sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
            } else if(is_kw(p, SQL_KW_ORDER) && t_kw(peek(p, 1), SQL_KW_BY)) {
                parse_order_by(p);
            } else {
                next(p);
            }
        }
        p->ind = outer_ind;
        if(!p->err)
            sqlp_resolve_indirect(p, &sc, NULL, &ind, NULL);
        if(depth < 0)
            break;
    }
    return p->err ? NULL : pipe_rel(p, &sc);
}

/* [WITH ...] set_term { UNION|INTERSECT|EXCEPT|MINUS set_term } [ORDER BY ...] [LIMIT ...] */
rel_t *sqlp_parse_query(parser_t *p, sink_t *outer)
{
    if(!sqlp_enter(p))
        return NULL;
    cte_t *saved = p->ctes;
    /* the query starts a context of its own; how the enclosing expression uses it is applied
     * to what bubbles out */
    unsigned saved_outer = p->outer_how, saved_clause = p->clause_how;
    int saved_cond = p->cond, saved_win = p->win, saved_agg = p->agg, saved_setop = p->in_setop;
    p->outer_how = sqlp_cur_how(p);
    p->clause_how = 0;
    p->cond = p->win = p->agg = 0;
    p->in_setop = 0;
    if(is_kw(p, SQL_KW_WITH))
        sqlp_parse_with(p);
    rel_t *r = p->err ? NULL : parse_set_term(p, outer);
    while(!p->err && (is_setop_word(cur(p)) || setop_mode_at(p, 0))) {
        setop_t op;
        parse_setop(p, &op);
        p->in_setop = 1;
        rel_t *b = p->err ? NULL : parse_set_term(p, outer);
        if(r && b) {
            rel_combine(p, r, b, &op);
            r->setop = 1;
        }
    }
    p->in_setop = 0;
    /* ORDER BY of a set operation names its output columns */
    sink_t order = {0};
    sink_t *outer_ind = p->ind;
    p->ind = &order;
    sqlp_parse_tail_clauses(p);
    p->ind = outer_ind;
    if(r && !p->err)
        sqlp_resolve_indirect(p, &(scope_t){0}, r, &order, NULL);
    if(sqlp_at_pipe(p))
        r = parse_pipes(p, r);
    p->ctes = saved;
    p->outer_how = saved_outer;
    p->clause_how = saved_clause;
    p->cond = saved_cond;
    p->win = saved_win;
    p->agg = saved_agg;
    p->in_setop = saved_setop;
    sqlp_leave(p);
    return p->err ? NULL : r;
}

/* A query statement: its output columns are the lineage targets, in the INTO table if any. */
void sqlp_parse_select_stmt(parser_t *p)
{
    sqlp_set_kind(p, "select");
    p->into_table = NULL;
    rel_t *r = sqlp_parse_query(p, NULL);
    if(!p->in_body && !p->err)
        sqlp_emit_columns(p, p->into_table, r, NULL, 0);
}
