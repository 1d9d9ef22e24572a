/* Definitions: CREATE TABLE/VIEW (and the CREATE dispatch), ALTER, DROP, TRUNCATE, RENAME. */
#include "sql/parser_int.h"

/* Snowflake WITH TAG (..), Trino WITH [NO] DATA: options, not a WITH query. */
static int is_with_option(const parser_t *p)
{
    return is_kw(p, SQL_KW_WITH) &&
           ((t_word(p, peek(p, 1), "tag") && t_op(p, peek(p, 2), '(')) || t_word(p, peek(p, 1), "data") ||
            (t_word(p, peek(p, 1), "no") && t_word(p, peek(p, 2), "data")));
}

static int is_create_query_start(const parser_t *p)
{
    if(is_kw(p, SQL_KW_SELECT) || is_kw(p, SQL_KW_VALUES) || (is_kw(p, SQL_KW_FROM) && p->d == SQL_DIALECT_DUCKDB))
        return 1;
    if(is_kw(p, SQL_KW_WITH) && is_name_tok(peek(p, 1)) && !t_op(p, peek(p, 1), '(') && !is_with_option(p))
        return 1;
    return is_op(p, '(') && sqlp_paren_is_query(p, 1);
}

/* Column definitions of CREATE TABLE (...): names only; constraints skipped. */
static int parse_column_defs(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        const sql_token_t *t = cur(p);
        int constraint = t_kw(t, SQL_KW_CONSTRAINT) || t_kw(t, SQL_KW_PRIMARY) || t_kw(t, SQL_KW_FOREIGN) ||
                         t_kw(t, SQL_KW_UNIQUE) || t_word(p, t, "check") || t_word(p, t, "index") ||
                         t_word(p, t, "key") || t_word(p, t, "period") || t_kw(t, SQL_KW_LIKE) ||
                         t_word(p, t, "fulltext") || t_word(p, t, "spatial") || t_word(p, t, "exclude");
        if(!constraint && is_name_tok(t) && n < max)
            cols[n++] = sqlp_norm(p, t);
        while(!at_end(p) && !is_op(p, ',') && !is_op(p, ')')) {
            if(is_op(p, '(') || is_op(p, '['))
                sqlp_skip_group(p);
            else
                next(p);
        }
        accept_op(p, ',');
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

static void record_schema(parser_t *p, const char *table, const char **cols, int n)
{
    if(n > 0 && p->ctx->schema && sql_schema_put(p->ctx->schema, table, (char *const *)cols, (size_t)n))
        sqlp_oom(p);
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
        record_schema(p, q.full, cols, ncols);
    }
    while(!at_end(p) && !is_op(p, ';')) {
        if(is_create_query_start(p)) {
            rel_t *r = sqlp_parse_query(p, NULL);
            sqlp_emit_columns(p, q.full, r, cols, ncols);
            if(r && ncols == 0) {
                const char *names[1024];
                int nn = 0;
                for(uint32_t i = 0; i < r->n && nn < 1024; i++)
                    if(!r->cols[i].star && r->cols[i].name && *r->cols[i].name)
                        names[nn++] = r->cols[i].name;
                if((uint32_t)nn == r->n)
                    record_schema(p, q.full, names, nn);
            }
            continue;
        }
        if(is_kw(p, SQL_KW_AS)) {
            next(p);
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
        if(is_kw(p, SQL_KW_AS) && (sqlp_is_query_start(peek(p, 1)) || t_op(p, peek(p, 1), '('))) {
            next(p);
            rel_t *r = sqlp_parse_query(p, NULL);
            sqlp_emit_columns(p, target, r, cols, ncols);
            return;
        }
        if(is_create_query_start(p) && !is_op(p, '(')) {
            rel_t *r = sqlp_parse_query(p, NULL);
            sqlp_emit_columns(p, target, r, cols, ncols);
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
    if(t_kw(t, SQL_KW_TABLE)) {
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
    } else if(t_word(p, t, "task")) {
        sqlp_parse_routine(p, "create_task");
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
        sqlp_emit_columns(p, q.full, r, NULL, 0);
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
    sqlp_skip_statement(p);
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
