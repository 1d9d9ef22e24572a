/* Definitions: CREATE TABLE/VIEW (and the CREATE dispatch), ALTER, DROP, TRUNCATE, RENAME. */
#include "sql/parser_int.h"

/* Words after WITH that make it an option of the definition: Snowflake governance (CONTACT (..),
 * ROW ACCESS / AGGREGATION / MASKING / PROJECTION / JOIN POLICY), a view's [CASCADED|LOCAL] CHECK
 * OPTION, T-SQL SCHEMABINDING, ENCRYPTION, VIEW_METADATA, Hive WITH SERDEPROPERTIES (..). */
static const char *const with_option_words[] = {
    "contact",  "row",        "aggregation",   "masking",       "projection",      "join", "check", "local",
    "cascaded", "encryption", "schemabinding", "view_metadata", "serdeproperties",
};

/* Snowflake WITH TAG (..), Trino/Postgres WITH [NO] DATA, the words above, and whatever does not
 * start a CTE (Redshift WITH NO SCHEMA BINDING, Spark WITH SCHEMA EVOLUTION): options, not a WITH
 * query. */
static int is_with_option(const parser_t *p)
{
    return is_kw(p, SQL_KW_WITH) &&
           (!sqlp_with_starts_query(p, 0) || (t_word(p, peek(p, 1), "tag") && t_op(p, peek(p, 2), '(')) ||
            t_word(p, peek(p, 1), "data") ||
            (t_word(p, peek(p, 1), "no") && (t_word(p, peek(p, 2), "data") || t_word(p, peek(p, 2), "schema"))) ||
            (sqlp_tok_in_list(p, peek(p, 1), with_option_words,
                              sizeof with_option_words / sizeof with_option_words[0]) &&
             (!t_kw(peek(p, 2), SQL_KW_AS) || !t_op(p, peek(p, 3), '('))));
}

/* After a view's or table's query: WITH [NO] DATA, WITH [CASCADED|LOCAL] CHECK OPTION. */
static void skip_with_options(parser_t *p)
{
    while(is_with_option(p)) {
        next(p);
        while(!at_end(p) && !is_op(p, ';') && !is_kw(p, SQL_KW_WITH) && !sqlp_is_stmt_start(p, cur(p))) {
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
        }
    }
}

static int is_create_query_start(const parser_t *p)
{
    /* FROM t [SELECT ..] or FROM t |> ..: DuckDB's queries, BigQuery's and Spark's pipe syntax */
    if(is_kw(p, SQL_KW_SELECT) || is_kw(p, SQL_KW_VALUES) ||
       (is_kw(p, SQL_KW_FROM) && (p->d == SQL_DIALECT_DUCKDB || p->d == SQL_DIALECT_BIGQUERY ||
                                  p->d == SQL_DIALECT_SPARKSQL || p->d == SQL_DIALECT_DATABRICKS)))
        return 1;
    if(is_kw(p, SQL_KW_WITH) && sqlp_with_starts_query(p, 0) && !is_with_option(p))
        return 1;
    return (is_op(p, '(') && sqlp_paren_is_query(p, 1)) || sqlp_table_query_at(p, 0) || sqlp_duckdb_pivot_at(p, 0);
}

/* KEY, INDEX, CHECK, PERIOD, FULLTEXT, SPATIAL and EXCLUDE are column names too where they are not
 * reserved (Hive's `key STRING`, `index INT`): the word starts a constraint only in a constraint's
 * shape. `KEY idx (a)` and `key VARCHAR(10)` differ in what the parenthesis holds: a column or a
 * size. */
static int is_soft_constraint_start(const parser_t *p)
{
    const sql_token_t *t = cur(p), *n1 = peek(p, 1), *n2 = peek(p, 2);
    if(t_op(p, n1, '('))
        return 1;
    if(t_word(p, t, "period"))
        return t_word(p, n1, "for");
    if(t_word(p, t, "exclude"))
        return t_word(p, n1, "using");
    if(t_word(p, t, "fulltext") || t_word(p, t, "spatial")) {
        if(t_word(p, n1, "key") || t_word(p, n1, "index"))
            return 1;
    } else if(!t_word(p, t, "key") && !t_word(p, t, "index")) {
        return 0; /* CHECK takes only a parenthesis */
    }
    if(t_word(p, n1, "using") || t_word(p, n2, "using"))
        return 1;
    return is_name_tok(n1) && t_op(p, n2, '(') && peek(p, 3)->type != SQL_TOK_NUMBER;
}

/* Whether the current token starts a table constraint (or LIKE) rather than a column definition. */
static int is_constraint_start(const parser_t *p)
{
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_CONSTRAINT) || t_kw(t, SQL_KW_PRIMARY) || t_kw(t, SQL_KW_FOREIGN) || t_kw(t, SQL_KW_UNIQUE) ||
       t_kw(t, SQL_KW_LIKE))
        return 1;
    static const char *const soft[] = {"check", "index", "key", "period", "fulltext", "spatial", "exclude", NULL};
    for(const char *const *w = soft; *w; w++)
        if(t_word(p, t, *w))
            return is_soft_constraint_start(p);
    return 0;
}

/* Column definitions of CREATE TABLE (...): names only; constraints skipped. */
static int parse_column_defs(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        const sql_token_t *t = cur(p);
        if(!is_constraint_start(p) && is_name_tok(t) && n < max)
            cols[n++] = sqlp_norm(p, t);
        sqlp_skip_list_item(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after column definitions");
    return n;
}

/* IF [NOT] EXISTS before a CREATE, DROP or ALTER target. */
void sqlp_skip_if_exists(parser_t *p)
{
    if(accept_kw(p, SQL_KW_IF)) {
        accept_kw(p, SQL_KW_NOT);
        accept_kw(p, SQL_KW_EXISTS);
    }
}

/* Reported with the statement, for the catalog across files (docs/graph.md). */
static void define_columns(parser_t *p, const char *table, const char *const *cols, int n)
{
    for(int i = 0; p->st && i < n; i++)
        if(cols[i] && *cols[i])
            sqlp_vadd(p, &p->st->defines, sqlp_aconcat(p, table, '.', cols[i]));
}

/* The columns a definition gives `table`: known to the rest of the input, and reported as defined. */
static void record_columns(parser_t *p, const char *table, const char **cols, int n)
{
    if(n > 0 && p->ctx->schema && sql_schema_put(p->ctx->schema, table, (char *const *)cols, (size_t)n))
        sqlp_oom(p);
    define_columns(p, table, cols, n);
}

/* Hive PARTITIONED BY (ds STRING, hr INT): columns of their own, after the others; the current token
 * is the '('. Spark's PARTITIONED BY (b) names a column defined already, an Iceberg transform
 * (days(ts)) none: only `name type` items count. */
static int parse_partition_columns(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        if(is_name_tok(cur(p)) && peek(p, 1)->type == SQL_TOK_WORD && n < max)
            cols[n++] = sqlp_norm(p, cur(p));
        sqlp_skip_list_item(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after PARTITIONED BY");
    return n;
}

/* A query's output names define the table or view it creates, unless a star leaves them unknown. */
static void record_query_columns(parser_t *p, const char *table, const rel_t *r)
{
    if(!r)
        return;
    const char *names[1024];
    int nn = 0;
    for(uint32_t i = 0; i < r->n && nn < 1024; i++)
        if(!r->cols[i].star && r->cols[i].name && *r->cols[i].name)
            names[nn++] = r->cols[i].name;
    if((uint32_t)nn == r->n)
        record_columns(p, table, names, nn);
}

static void parse_create_table(parser_t *p)
{
    sqlp_set_kind(p, "create_table");
    next(p); /* TABLE */
    sqlp_skip_if_exists(p);
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a table name");
        return;
    }
    sqlp_add_write(p, q.full);
    const char *cols[1024];
    int ncols = 0;
    if(is_op(p, '(') && !sqlp_paren_is_query(p, 1)) {
        ncols = parse_column_defs(p, cols, 1024);
        record_columns(p, q.full, cols, ncols);
    }
    while(!at_end(p) && !is_op(p, ';')) {
        if(is_create_query_start(p)) {
            rel_t *r = sqlp_parse_query(p, NULL);
            sqlp_emit_defined_columns(p, q.full, r, cols, ncols);
            if(ncols == 0)
                record_query_columns(p, q.full, r);
            continue;
        }
        if(is_kw(p, SQL_KW_AS)) {
            next(p);
            continue;
        }
        if(ncols > 0 && is_word(p, "partitioned") && t_kw(peek(p, 1), SQL_KW_BY) && t_op(p, peek(p, 2), '(')) {
            next(p);
            next(p);
            int before = ncols;
            ncols += parse_partition_columns(p, cols + ncols, 1024 - ncols);
            if(ncols > before && p->ctx->schema &&
               sql_schema_put(p->ctx->schema, q.full, (char *const *)cols, (size_t)ncols))
                sqlp_oom(p);
            define_columns(p, q.full, cols + before, ncols - before);
            continue;
        }
        if((is_kw(p, SQL_KW_LIKE) || is_word(p, "clone")) && is_name_tok(peek(p, 1))) {
            next(p);
            qname_t src;
            if(sqlp_parse_qname(p, &src))
                sqlp_add_read(p, src.full);
            continue;
        }
        if(is_op(p, '(') || is_op(p, '[')) {
            sqlp_skip_group(p);
            continue;
        }
        if(p->d == SQL_DIALECT_TSQL && (cur(p)->flags & SQL_TOKF_NL_BEFORE) && sqlp_is_stmt_start(p, cur(p)))
            return;
        next(p);
    }
}

/* CREATE [MATERIALIZED] VIEW v [(cols)] [options] AS query; also ALTER VIEW. */
static void parse_create_view(parser_t *p)
{
    sqlp_set_kind(p, "create_view");
    next(p); /* VIEW */
    sqlp_skip_if_exists(p);
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a view name");
        return;
    }
    sqlp_add_write(p, q.full);
    if(p->st && !p->in_body)
        p->st->name = (char *)q.full;
    const char *cols[1024];
    int ncols = 0;
    if(is_op(p, '(') && !sqlp_paren_is_query(p, 1))
        ncols = parse_column_defs(p, cols, 1024);
    const char *target = q.full;
    while(!at_end(p) && !is_op(p, ';')) {
        if((is_kw(p, SQL_KW_AS) && (sqlp_is_query_start(peek(p, 1)) || t_op(p, peek(p, 1), '('))) ||
           (is_create_query_start(p) && !is_op(p, '('))) {
            accept_kw(p, SQL_KW_AS);
            rel_t *r = sqlp_parse_query(p, NULL);
            /* ClickHouse's TO t: rows for a table defined elsewhere, as an INSERT's */
            (target == q.full ? sqlp_emit_defined_columns : sqlp_emit_columns)(p, target, r, cols, ncols);
            if(ncols)
                record_columns(p, target, cols, ncols);
            else
                record_query_columns(p, target, r);
            skip_with_options(p);
            return;
        }
        if(is_word(p, "to") && is_part_tok(peek(p, 1)) && p->st && target == q.full) {
            /* ClickHouse CREATE MATERIALIZED VIEW v TO t: the rows go to t */
            next(p);
            qname_t to;
            if(!sqlp_parse_qname(p, &to))
                return;
            target = to.full;
            for(uint32_t i = 0; i < p->st->writes.n; i++)
                if(strcmp(p->st->writes.v[i], q.full) == 0)
                    p->st->writes.v[i] = (char *)target;
            sql_nameidx_drop(&p->st->writes.idx);
            if(is_op(p, '(') && !sqlp_paren_is_query(p, 1))
                ncols = parse_column_defs(p, cols, 1024);
            continue;
        }
        if(is_op(p, '('))
            sqlp_skip_group(p);
        else
            next(p);
    }
}

/* ClickHouse CREATE DICTIONARY d (..) PRIMARY KEY .. SOURCE(KIND(.. TABLE 't' DB 'db' | QUERY '..'))
 * LAYOUT(..) LIFETIME(..): the dictionary is filled from its source table or query. */
static void parse_create_dictionary(parser_t *p)
{
    sqlp_set_kind(p, "create_dictionary");
    next(p);
    if(is_kw(p, SQL_KW_IF) && t_kw(peek(p, 1), SQL_KW_NOT) && t_kw(peek(p, 2), SQL_KW_EXISTS)) {
        next(p);
        next(p);
        next(p);
    }
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a dictionary name");
        return;
    }
    const char *table = NULL, *db = NULL;
    while(!at_end(p)) {
        if(!(is_word(p, "source") && t_op(p, peek(p, 1), '('))) {
            next(p);
            continue;
        }
        next(p);
        int depth = 0;
        do {
            const sql_token_t *t = cur(p);
            if(t_op(p, t, '('))
                depth++;
            else if(t_op(p, t, ')'))
                depth--;
            else if(peek(p, 1)->type == SQL_TOK_STRING) {
                const sql_token_t *v = peek(p, 1);
                if(t_kw(t, SQL_KW_TABLE) || t_word(p, t, "table"))
                    table = sqlp_string_value(p, v);
                else if(t_word(p, t, "db"))
                    db = sqlp_string_value(p, v);
                else if(t_word(p, t, "query")) {
                    char *sql = sqlp_string_value(p, v);
                    if(sql && sqlp_parse_embedded(p, sql, strlen(sql), v))
                        return;
                }
            }
            next(p);
        } while(depth > 0 && !at_end(p));
    }
    if(table && *table)
        sqlp_add_read(p, db && *db ? sqlp_aconcat(p, db, '.', table) : table);
    sqlp_add_write(p, q.full);
}

void sqlp_parse_create(parser_t *p)
{
    next(p); /* CREATE */
    for(;;) {
        const sql_token_t *t = cur(p);
        if(t_kw(t, SQL_KW_OR) && (t_kw(peek(p, 1), SQL_KW_REPLACE) || t_kw(peek(p, 1), SQL_KW_ALTER))) {
            next(p);
            next(p);
        } else if(t_word(p, t, "definer") && t_ops(p, peek(p, 1), "=")) {
            next(p);
            next(p);
            next(p);
            if(cur(p)->type == SQL_TOK_VAR)
                next(p);
        } else if(t_word(p, t, "algorithm") && t_ops(p, peek(p, 1), "=")) {
            next(p);
            next(p);
            next(p);
        } else if(t_word(p, t, "sql") && t_word(p, peek(p, 1), "security")) {
            next(p);
            next(p);
            next(p);
        } else if(t->type == SQL_TOK_WORD &&
                  (t_word(p, t, "temp") || t_word(p, t, "temporary") || t_word(p, t, "volatile") ||
                   t_word(p, t, "transient") || t_word(p, t, "global") || t_word(p, t, "local") ||
                   t_word(p, t, "external") || t_word(p, t, "secure") || t_word(p, t, "multiset") ||
                   t_kw(t, SQL_KW_SET) || t_word(p, t, "unlogged") || t_word(p, t, "private") ||
                   t_word(p, t, "public") || t_word(p, t, "force") || t_word(p, t, "noforce") ||
                   t_word(p, t, "editionable") || t_word(p, t, "noneditionable") || t_kw(t, SQL_KW_RECURSIVE) ||
                   t_word(p, t, "materialized") || t_word(p, t, "streaming") || t_word(p, t, "live") ||
                   t_word(p, t, "dynamic") || t_word(p, t, "iceberg") || t_word(p, t, "hybrid") ||
                   t_word(p, t, "shadow") || t_word(p, t, "aggregate"))) {
            next(p);
        } else {
            break;
        }
    }
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_TABLE) && t_kw(peek(p, 1), SQL_KW_FUNCTION) && is_part_tok(peek(p, 2))) {
        /* BigQuery's CREATE TABLE FUNCTION f(..) AS query: a function returning rows, no table */
        next(p);
        sqlp_parse_routine(p, "create_function");
    } else if(t_kw(t, SQL_KW_TABLE)) {
        parse_create_table(p);
    } else if(t_word(p, t, "view")) {
        parse_create_view(p);
    } else if(t_word(p, t, "procedure") || t_word(p, t, "proc")) {
        sqlp_parse_routine(p, "create_procedure");
    } else if(t_kw(t, SQL_KW_FUNCTION)) {
        sqlp_parse_routine(p, "create_function");
    } else if(t_word(p, t, "trigger")) {
        sqlp_parse_routine(p, "create_trigger");
    } else if(t_word(p, t, "package")) {
        sqlp_parse_routine(p, "create_package");
    } else if(p->d == SQL_DIALECT_ORACLE && t_word(p, t, "type") && t_word(p, peek(p, 1), "body")) {
        /* an object type's body holds its member routines as a package body does */
        sqlp_parse_routine(p, "create_type_body");
    } else if(t_word(p, t, "task")) {
        sqlp_parse_routine(p, "create_task");
    } else if(t_word(p, t, "dictionary")) {
        parse_create_dictionary(p);
    } else if(t_word(p, t, "rule") && t_kw(peek(p, 2), SQL_KW_AS) && t_kw(peek(p, 3), SQL_KW_ON)) {
        /* Postgres' (T-SQL's CREATE RULE r AS @v .. is a check on values) */
        sqlp_parse_rule(p);
    } else if(t_word(p, t, "macro")) {
        sqlp_parse_macro(p);
    } else {
        sqlp_set_kind(p, "create");
        sqlp_skip_statement(p);
    }
}

static void add_rename(parser_t *p, const char *from, const char *to)
{
    if(!p->st)
        return;
    /* renames are ordered pairs: keep duplicates */
    sql_strvec_t *f = &p->st->rename_from, *t = &p->st->rename_to;
    if(!sqlp_grow(p, (void **)&f->v, f->n, &f->cap, sizeof *f->v) ||
       !sqlp_grow(p, (void **)&t->v, t->n, &t->cap, sizeof *t->v))
        return;
    f->v[f->n++] = (char *)from;
    t->v[t->n++] = (char *)to;
}

/* The end of an ALTER: ';', or in T-SQL (no ';' needed) a new statement on a new line. */
static int alter_ends(const parser_t *p, size_t start)
{
    const sql_token_t *t = cur(p);
    return at_end(p) || t_op(p, t, ';') ||
           (p->d == SQL_DIALECT_TSQL && p->pos > start && (t->flags & SQL_TOKF_NL_BEFORE) && sqlp_is_stmt_start(p, t) &&
            !t_kw(t, SQL_KW_SET));
}

/* After DROP: what is dropped is not a column (a constraint, index, partition, ...). */
static int drops_other_than_columns(const parser_t *p)
{
    static const char *const other[] = {
        "constraint", "index",   "key",          "primary",      "foreign", "partition", "check",      "unique",
        "default",    "period",  "system",       "fulltext",     "spatial", "trigger",   "statistics", "identity",
        "expression", "not",     "subpartition", "supplemental", "unused",  "row",       "clustering", "search",
        "rowid",      "foreign", "projection",   "nocheck",      NULL};
    const sql_token_t *t = cur(p);
    for(const char *const *w = other; *w; w++)
        if(t_word(p, t, *w))
            return 1;
    return !is_name_tok(t) && !is_op(p, '(');
}

/* What one ALTER TABLE does to the table's columns. */
typedef struct col_changes {
    const char *add[1024], *drop[1024], *from[256], *to[256];
    int nadd, ndrop, nren;
} col_changes_t;

/* RENAME [COLUMN] a TO b, or MySQL's CHANGE [COLUMN] a b type: the current token is after RENAME/CHANGE. */
static void parse_column_rename(parser_t *p, col_changes_t *ch, int change)
{
    accept_word(p, "column");
    const sql_token_t *from = cur(p);
    if(!is_name_tok(from) || (!change && (t_word(p, from, "constraint") || t_word(p, from, "index") ||
                                          t_word(p, from, "key") || t_word(p, from, "partition"))))
        return;
    next(p);
    if(!change && !accept_word(p, "to"))
        return;
    const sql_token_t *to = cur(p);
    if(!is_name_tok(to) || ch->nren >= 256)
        return;
    ch->from[ch->nren] = sqlp_norm(p, from);
    ch->to[ch->nren++] = sqlp_norm(p, to);
}

/* The table's columns known in this input, changed by `ch`: renamed in place, dropped, then added. */
static void apply_to_schema(parser_t *p, const char *table, const col_changes_t *ch)
{
    size_t nknown = 0;
    char *const *known = p->ctx->schema ? sql_schema_get(p->ctx->schema, table, &nknown) : NULL;
    if(!known)
        return;
    const char **all = sqlp_amalloc(p, (nknown + (size_t)ch->nadd + 1) * sizeof *all);
    if(!all)
        return;
    size_t n = 0;
    for(size_t i = 0; i < nknown; i++) {
        const char *c = known[i];
        for(int r = 0; r < ch->nren; r++)
            if(ch->from[r] && strcmp(c, ch->from[r]) == 0)
                c = ch->to[r];
        int dropped = 0;
        for(int d = 0; d < ch->ndrop && !dropped; d++)
            dropped = ch->drop[d] && strcmp(c, ch->drop[d]) == 0;
        if(!dropped)
            all[n++] = c;
    }
    for(int i = 0; i < ch->nadd; i++)
        all[n++] = ch->add[i];
    if(sql_schema_put(p->ctx->schema, table, (char *const *)all, n))
        sqlp_oom(p);
}

/*
 * The actions of ALTER TABLE t that change its columns: ADD [COLUMN] [IF NOT EXISTS] c type
 * [, ADD c2 ..] (T-SQL's ADD c type, c2 type; Oracle's ADD (c type, ..)), DROP [COLUMN] [IF EXISTS]
 * c (T-SQL's DROP COLUMN a, b; Oracle's DROP (a, b)), RENAME [COLUMN] a TO b and MySQL's CHANGE a b.
 * The table's known columns in this input follow them; the statement defines the columns added or
 * renamed to and undefines those dropped or renamed from, for the catalog across files.
 */
static void parse_alter_actions(parser_t *p, const char *table)
{
    col_changes_t *ch = sqlp_amalloc(p, sizeof *ch);
    if(!ch)
        return;
    memset(ch, 0, sizeof *ch);
    enum { NONE, ADDING, DROPPING, DROPPING_OTHER } mode = NONE;
    size_t start = p->pos;
    while(!alter_ends(p, start)) {
        if(accept_word(p, "add")) {
            mode = ADDING;
            accept_word(p, "column");
            sqlp_skip_if_exists(p);
            if(is_op(p, '(') && !sqlp_paren_is_query(p, 1)) {
                ch->nadd += parse_column_defs(p, ch->add + ch->nadd, 1024 - ch->nadd);
                accept_op(p, ',');
                continue;
            }
        } else if(accept_word(p, "drop") || ((mode == DROPPING || mode == DROPPING_OTHER) && is_word(p, "column"))) {
            /* T-SQL continues a DROP with "CONSTRAINT x, COLUMN c" */
            mode = DROPPING_OTHER;
            if(accept_word(p, "column") || !drops_other_than_columns(p)) {
                mode = DROPPING;
                sqlp_skip_if_exists(p);
                if(is_op(p, '(')) {
                    ch->ndrop += parse_column_defs(p, ch->drop + ch->ndrop, 1024 - ch->ndrop);
                    accept_op(p, ',');
                    continue;
                }
            }
        } else if(is_word(p, "rename") || is_word(p, "change")) {
            int change = is_word(p, "change");
            next(p);
            mode = NONE;
            parse_column_rename(p, ch, change);
        } else if(mode == DROPPING) {
            /* T-SQL's DROP COLUMN a, b: a bare name alone continues the list */
            const sql_token_t *after = peek(p, 1);
            if(!(t_op(p, after, ',') || t_op(p, after, ';') || after->type == SQL_TOK_EOF ||
                 (after->flags & SQL_TOKF_NL_BEFORE)))
                mode = NONE;
        } else if(is_word(p, "alter") || is_word(p, "modify")) {
            mode = NONE;
        }
        const sql_token_t *t = cur(p);
        if(mode == ADDING && is_name_tok(t) && !is_constraint_start(p) && !t_word(p, t, "partition") &&
           !t_word(p, t, "default") && ch->nadd < 1024)
            ch->add[ch->nadd++] = sqlp_norm(p, t);
        else if(mode == DROPPING && is_name_tok(t) && ch->ndrop < 1024)
            ch->drop[ch->ndrop++] = sqlp_norm(p, t);
        while(!alter_ends(p, start) && !is_op(p, ',')) {
            if(is_op(p, '(') || is_op(p, '['))
                sqlp_skip_group(p);
            else
                next(p);
        }
        accept_op(p, ',');
    }
    if(ch->nadd + ch->ndrop + ch->nren == 0)
        return;
    apply_to_schema(p, table, ch);
    define_columns(p, table, ch->add, ch->nadd);
    define_columns(p, table, ch->to, ch->nren);
    for(int i = 0; p->st && i < ch->ndrop; i++)
        if(ch->drop[i] && *ch->drop[i])
            sqlp_vadd(p, &p->st->undefines, sqlp_aconcat(p, table, '.', ch->drop[i]));
    for(int i = 0; p->st && i < ch->nren; i++)
        if(ch->from[i] && *ch->from[i] && strcmp(ch->from[i], ch->to[i]) != 0)
            sqlp_vadd(p, &p->st->undefines, sqlp_aconcat(p, table, '.', ch->from[i]));
}

void sqlp_parse_alter(parser_t *p)
{
    sqlp_set_kind(p, "alter");
    next(p);
    int view = is_word(p, "view");
    if(!is_kw(p, SQL_KW_TABLE) && !view) {
        sqlp_skip_statement(p);
        return;
    }
    next(p);
    sqlp_skip_if_exists(p);
    accept_word(p, "only");
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a table name");
        return;
    }
    if(is_word(p, "rename") && (t_word(p, peek(p, 1), "to") || t_kw(peek(p, 1), SQL_KW_AS))) {
        next(p);
        next(p);
        qname_t to;
        if(sqlp_parse_qname(p, &to)) {
            sqlp_set_kind(p, "rename");
            add_rename(p, q.full, to.full);
        }
        return;
    }
    if(view && is_kw(p, SQL_KW_AS)) {
        sqlp_set_kind(p, "create_view");
        sqlp_add_write(p, q.full);
        next(p);
        rel_t *r = sqlp_parse_query(p, NULL);
        sqlp_emit_defined_columns(p, q.full, r, NULL, 0);
        return;
    }
    if(is_word(p, "exchange") || is_word(p, "swap")) {
        /* Hive EXCHANGE PARTITION (..) WITH TABLE t2, Snowflake SWAP WITH t2 */
        while(!at_end(p) && !is_kw(p, SQL_KW_WITH) && !is_op(p, ';'))
            next(p);
        if(accept_kw(p, SQL_KW_WITH)) {
            accept_kw(p, SQL_KW_TABLE);
            qname_t other;
            if(sqlp_parse_qname(p, &other)) {
                sqlp_add_read(p, other.full);
                sqlp_add_write(p, q.full);
            }
        }
        return;
    }
    if(view) {
        sqlp_skip_statement(p);
        return;
    }
    if(is_word(p, "append") && t_kw(peek(p, 1), SQL_KW_FROM)) {
        /* Redshift ALTER TABLE t APPEND FROM s: s's rows move into t */
        next(p);
        next(p);
        qname_t from;
        if(sqlp_parse_qname(p, &from)) {
            sqlp_add_read(p, from.full);
            sqlp_add_write(p, q.full);
        }
        sqlp_skip_statement(p);
        return;
    }
    /* the table's definition changes: a write, as DataHub and OpenLineage record it */
    sqlp_add_write(p, q.full);
    parse_alter_actions(p, q.full);
}

void sqlp_parse_drop(parser_t *p)
{
    sqlp_set_kind(p, "drop");
    next(p);
    accept_word(p, "temporary");
    accept_word(p, "materialized");
    accept_word(p, "external");
    int table = is_kw(p, SQL_KW_TABLE) || is_word(p, "view");
    if(!table) {
        sqlp_skip_statement(p);
        return;
    }
    next(p);
    sqlp_skip_if_exists(p);
    do {
        qname_t q;
        if(!sqlp_parse_qname(p, &q))
            break;
        if(p->st)
            sqlp_vadd(p, &p->st->drops, q.full);
    } while(accept_op(p, ','));
    sqlp_skip_statement(p);
}

void sqlp_parse_truncate(parser_t *p)
{
    sqlp_set_kind(p, "truncate");
    next(p);
    accept_kw(p, SQL_KW_TABLE);
    sqlp_skip_statement(p);
}

void sqlp_parse_rename(parser_t *p)
{
    sqlp_set_kind(p, "rename");
    next(p);
    if(!accept_kw(p, SQL_KW_TABLE)) {
        sqlp_skip_statement(p);
        return;
    }
    do {
        qname_t from, to;
        if(!sqlp_parse_qname(p, &from) || !accept_word(p, "to") || !sqlp_parse_qname(p, &to)) {
            sqlp_fail(p, "expected RENAME TABLE a TO b");
            return;
        }
        add_rename(p, from.full, to.full);
    } while(accept_op(p, ','));
}
