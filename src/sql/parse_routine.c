/* Routines and control flow: procedure/function bodies, blocks, T-SQL IF/WHILE, CALL/EXEC. */
#include "sql/parser_int.h"

static int is_body_stmt(const parser_t *p, const sql_token_t *t);
static int parse_body_stmt(parser_t *p);

static int language_is_sql(parser_t *p)
{
    for(size_t i = p->pos; i < p->n; i++) {
        const sql_token_t *t = &p->toks[i];
        if(t_word(p, t, "language") && i + 1 < p->n) {
            const sql_token_t *l = &p->toks[i + 1];
            char *name = sqlp_norm(p, l);
            return name && (strcmp(name, "sql") == 0 || strcmp(name, "plpgsql") == 0 || strcmp(name, "tsql") == 0 ||
                            strcmp(name, "plsql") == 0);
        }
    }
    return 1;
}

static int member_word(const parser_t *p, const sql_token_t *t)
{
    return t_kw(t, SQL_KW_FUNCTION) || t_word(p, t, "procedure");
}

/* Where the member whose IS/AS is at `from` ends: after the `;` of the END closing its BEGIN
 * (END name, or an END at its level once nested routines of its declarations are closed). */
static size_t member_end(const parser_t *p, size_t from, const char *name)
{
    size_t i = from + 1;
    if(i < p->n && (t_word(p, &p->toks[i], "language") || t_word(p, &p->toks[i], "external"))) {
        while(i < p->n && !t_op(p, &p->toks[i], ';'))
            i++;
        return i < p->n ? i + 1 : p->n;
    }
    int depth = 0, nested = 0, begun = 0;
    for(; i < p->n; i++) {
        const sql_token_t *t = &p->toks[i];
        const sql_token_t *nx = i + 1 < p->n ? &p->toks[i + 1] : NULL;
        if(t_kw(t, SQL_KW_BEGIN) || (t_kw(t, SQL_KW_CASE) && !(i > 0 && t_kw(&p->toks[i - 1], SQL_KW_END)))) {
            depth++;
            begun |= t_kw(t, SQL_KW_BEGIN) && depth == 1 && !nested;
        } else if(depth == 0 && !begun && member_word(p, t)) {
            nested++;
        } else if(t_kw(t, SQL_KW_END) && nx &&
                  !(t_kw(nx, SQL_KW_IF) || t_word(p, nx, "loop") || t_kw(nx, SQL_KW_WHILE) || t_word(p, nx, "repeat") ||
                    t_kw(nx, SQL_KW_FOR))) {
            if(depth > 0)
                depth--;
            if(depth > 0)
                continue;
            char *label = is_name_tok(nx) ? sqlp_norm((parser_t *)p, nx) : NULL;
            int mine = label && name && strcmp(label, name) == 0;
            if(!mine && nested > 0) {
                nested--;
                continue;
            }
            while(i < p->n && !t_op(p, &p->toks[i], ';'))
                i++;
            return i < p->n ? i + 1 : p->n;
        }
    }
    return p->n;
}

/* A call to one of the package's own members names it as the package does. */
static void qualify_calls(parser_t *p, sql_stmt_t *st, const char *pkg, const sql_strvec_t *members)
{
    for(uint32_t i = 0; i < st->calls.n; i++) {
        if(strchr(st->calls.v[i], '.'))
            continue;
        for(uint32_t k = 0; k < members->n; k++)
            if(strcmp(members->v[k], st->calls.v[i]) == 0) {
                char *full = sqlp_aconcat(p, pkg, '.', members->v[k]);
                if(full)
                    st->calls.v[i] = full;
                break;
            }
    }
    sql_nameidx_drop(&st->calls.idx);
}

/* An Oracle package body: each procedure and function in it is a routine of its own named
 * pkg.member, holding the lineage and calls of its statements; the package's initialisation
 * statements stay the package's. */
static void parse_package(parser_t *p, const char *pkg)
{
    sql_strvec_t members = {0};
    for(size_t i = p->pos; i + 1 < p->n; i++)
        if(member_word(p, &p->toks[i]) && is_name_tok(&p->toks[i + 1]))
            sqlp_vadd(p, &members, sqlp_norm(p, &p->toks[i + 1]));
    sql_stmt_t *pkg_st = p->st;
    while(p->pos < p->n && p->err != SQL_ERR_NOMEM) {
        const sql_token_t *t = cur(p);
        if(!member_word(p, t) || !is_name_tok(peek(p, 1))) {
            if(!is_body_stmt(p, t))
                next(p);
            else if(parse_body_stmt(p))
                return;
            continue;
        }
        int fn = t_kw(t, SQL_KW_FUNCTION);
        next(p);
        const char *name = sqlp_norm(p, cur(p));
        next(p);
        /* the header up to IS/AS; a `;` first is a declaration without a body */
        while(!at_end(p) && !is_op(p, ';') && !is_kw(p, SQL_KW_AS) && !is_word(p, "is")) {
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
        }
        if(at_end(p) || is_op(p, ';') || !name)
            continue;
        size_t end = member_end(p, p->pos, name), n = p->n;
        sql_token_t eof = p->eof;
        sql_stmt_t *st = sqlp_new_stmt(p, t);
        if(!st)
            return;
        st->kind = fn ? "create_function" : "create_procedure";
        st->name = sqlp_aconcat(p, pkg, '.', name);
        p->in_body = 1;
        p->n = end;
        p->eof = p->toks[end - 1];
        next(p);
        sqlp_parse_body(p);
        p->n = n;
        p->eof = eof;
        p->pos = end;
        p->st = pkg_st;
        if(p->err == SQL_ERR_NOMEM)
            return;
        qualify_calls(p, st, pkg, &members);
        int rc = sqlp_emit(p, st, t);
        if(rc) {
            p->stop = rc;
            sqlp_oom(p);
            return;
        }
    }
    qualify_calls(p, pkg_st, pkg, &members);
}

/* A trigger's events: BEFORE|AFTER|INSTEAD OF INSERT OR UPDATE OF c, d OR DELETE, or an Oracle
 * compound trigger's FOR UPDATE OF c; T-SQL's AFTER INSERT, UPDATE. */
static int trigger_event(const parser_t *p, const sql_token_t *t)
{
    const sql_token_t *n1 = t + 1 < p->toks + p->n ? t + 1 : &p->eof;
    int dml = t_kw(n1, SQL_KW_INSERT) || t_kw(n1, SQL_KW_UPDATE) || t_kw(n1, SQL_KW_DELETE);
    return ((t_word(p, t, "before") || t_word(p, t, "after") || t_kw(t, SQL_KW_FOR)) && dml) ||
           (t_word(p, t, "instead") && t_word(p, n1, "of"));
}

/* Past the events (not statements), to ON table, AS, BEGIN, FOR EACH ROW, WHEN .. */
static void skip_trigger_event(parser_t *p)
{
    next(p);
    while(!at_end(p) && !is_op(p, ';') && !is_kw(p, SQL_KW_ON) && !is_kw(p, SQL_KW_AS) && !is_word(p, "is") &&
          !is_kw(p, SQL_KW_BEGIN) && !is_kw(p, SQL_KW_FOR) && !is_kw(p, SQL_KW_WHEN) && !is_word(p, "referencing") &&
          !is_word(p, "compound") && !is_kw(p, SQL_KW_NOT) && !is_kw(p, SQL_KW_DECLARE))
        next(p);
    if(accept_kw(p, SQL_KW_ON)) {
        qname_t q;
        sqlp_parse_qname(p, &q);
    }
}

/* CREATE PROCEDURE/FUNCTION/TRIGGER: lineage of the statements inside, attributed to it. */
static void add_var(parser_t *p, const sql_token_t *t)
{
    char *name = sqlp_norm(p, t);
    if(name && sqlp_grow(p, (void **)&p->vars, p->nvars, &p->capvars, sizeof *p->vars))
        p->vars[p->nvars++] = name;
}

/* A routine's parameters, at its '(': ([IN|OUT|INOUT|VARIADIC] name type, ..); a type alone
 * (Postgres' unnamed parameters) names nothing. */
static void parse_params(parser_t *p)
{
    size_t start = p->pos, end;
    sqlp_skip_group(p);
    end = p->pos;
    if(p->d == SQL_DIALECT_TSQL)
        return;
    int depth = 0;
    for(size_t k = start; k < end; k++) {
        const sql_token_t *t = &p->toks[k];
        if(t_op(p, t, '(') || t_op(p, t, ')')) {
            depth += t_op(p, t, '(') ? 1 : -1;
            continue;
        }
        if(depth != 1 || !(t_op(p, &p->toks[k - 1], '(') || t_op(p, &p->toks[k - 1], ',')))
            continue;
        while(k + 1 < end && (t_kw(t, SQL_KW_IN) || t_word(p, t, "out") || t_word(p, t, "inout") ||
                              t_word(p, t, "variadic")) &&
              is_name_tok(&p->toks[k + 1]) && is_name_tok(&p->toks[k + 2]))
            t = &p->toks[++k];
        if(is_name_tok(t) && k + 1 < end && is_name_tok(&p->toks[k + 1]))
            add_var(p, t);
    }
}

void sqlp_parse_routine(parser_t *p, const char *kind)
{
    sqlp_set_kind(p, kind);
    next(p);
    if(is_word(p, "body"))
        next(p);
    sqlp_skip_if_exists(p);
    qname_t q;
    if(sqlp_parse_qname(p, &q) && p->st && !p->in_body)
        p->st->name = (char *)q.full;
    int sql_body = language_is_sql(p);
    int saved = p->in_body, split = p->split;
    uint32_t nvars = p->nvars;
    int params = 0;
    p->in_body = 1;
    /* a routine is an object: its statements are its own */
    p->split = 0;
    while(!at_end(p) && !is_op(p, ';')) {
        const sql_token_t *t = cur(p);
        if(is_op(p, '(')) {
            if(!params++)
                parse_params(p);
            else
                sqlp_skip_group(p);
            continue;
        }
        if(t->type == SQL_TOK_STRING && p->src[t->off] == '$') {
            if(sql_body) {
                char *body = sqlp_string_value(p, t);
                if(body && sqlp_parse_embedded(p, body, strlen(body), t))
                    break;
            }
            next(p);
            continue;
        }
        if(t_kw(t, SQL_KW_AS) || t_word(p, t, "is") || t_kw(t, SQL_KW_BEGIN) || t_kw(t, SQL_KW_RETURN)) {
            const sql_token_t *n1 = t_kw(t, SQL_KW_BEGIN) ? t : peek(p, 1);
            if(n1->type == SQL_TOK_STRING && p->src[n1->off] != '$') {
                /* AS 'ClassName' or AS 'obj_file': no SQL body */
                next(p);
                next(p);
                continue;
            }
            if(!t_kw(t, SQL_KW_BEGIN))
                next(p);
            if(cur(p)->type == SQL_TOK_STRING)
                continue;
            if((strcmp(kind, "create_package") == 0 || strcmp(kind, "create_type_body") == 0) && !saved && p->st &&
               p->st->name)
                parse_package(p, p->st->name);
            else
                sqlp_parse_body(p);
            break;
        }
        if(trigger_event(p, t)) {
            skip_trigger_event(p);
            continue;
        }
        if(t_kw(t, SQL_KW_SELECT) || t_kw(t, SQL_KW_INSERT) || t_kw(t, SQL_KW_UPDATE) || t_kw(t, SQL_KW_DELETE)) {
            /* MySQL routines without BEGIN: the body is one statement */
            sqlp_parse_body(p);
            break;
        }
        next(p);
    }
    p->in_body = saved;
    p->split = split;
    p->nvars = nvars;
}

/* The statements of an object's body (a routine's, a rule's, a macro's), attributed to it. */
static void parse_object_body(parser_t *p)
{
    int saved = p->in_body, split = p->split;
    p->in_body = 1;
    p->split = 0;
    sqlp_parse_body(p);
    p->in_body = saved;
    p->split = split;
}

/* Postgres CREATE RULE r AS ON event TO t [WHERE cond] DO [ALSO|INSTEAD] NOTHING | cmd | (cmd; ..):
 * the commands' lineage, attributed to the rule as a trigger's body is to the trigger (NEW and
 * OLD are the event's rows, no table). ON SELECT .. DO INSTEAD query, as pg_dump wrote views
 * once, makes t a view over the query. */
void sqlp_parse_rule(parser_t *p)
{
    sqlp_set_kind(p, "create_rule");
    next(p); /* RULE */
    qname_t name, on;
    if(!sqlp_parse_qname(p, &name) || !accept_kw(p, SQL_KW_AS) || !accept_kw(p, SQL_KW_ON)) {
        sqlp_fail(p, "expected a rule's name and AS ON");
        return;
    }
    int view = is_kw(p, SQL_KW_SELECT);
    next(p); /* the event */
    if(!accept_word(p, "to") || !sqlp_parse_qname(p, &on)) {
        sqlp_fail(p, "expected TO and a table in CREATE RULE");
        return;
    }
    if(p->st && !p->in_body)
        p->st->name = (char *)name.full;
    if(accept_kw(p, SQL_KW_WHERE))
        sqlp_parse_expr(p, NULL);
    if(!accept_word(p, "do")) {
        sqlp_fail(p, "expected DO in CREATE RULE");
        return;
    }
    if(!accept_word(p, "also"))
        accept_word(p, "instead");
    if(!view) {
        parse_object_body(p);
        return;
    }
    sqlp_set_kind(p, "create_view");
    if(p->st && !p->in_body)
        p->st->name = (char *)on.full;
    rel_t *r = sqlp_parse_query(p, NULL);
    if(p->err)
        return;
    sqlp_add_write(p, on.full);
    sqlp_emit_defined_columns(p, on.full, r, NULL, 0);
}

/* DuckDB CREATE MACRO m(a, b := 1) AS expr | AS TABLE query [, (a) AS ..] and Teradata's
 * CREATE MACRO m [(params)] AS (stmt; ..;): what its body reads and writes, attributed to it as a
 * function's body is. */
void sqlp_parse_macro(parser_t *p)
{
    sqlp_set_kind(p, "create_macro");
    next(p); /* MACRO */
    sqlp_skip_if_exists(p);
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a macro's name");
        return;
    }
    if(p->st && !p->in_body)
        p->st->name = (char *)q.full;
    parse_object_body(p);
}

static int is_body_stmt(const parser_t *p, const sql_token_t *t)
{
    if(t->type != SQL_TOK_WORD)
        return 0;
    switch(t->kw) {
    case SQL_KW_UPDATE:
        /* T-SQL triggers: IF UPDATE(col) asks whether col was set */
        return !(p->d == SQL_DIALECT_TSQL && t_op(p, peek(p, 1), '('));
    case SQL_KW_SELECT:
    case SQL_KW_INSERT:
    case SQL_KW_DELETE:
    case SQL_KW_MERGE:
    case SQL_KW_CREATE:
    case SQL_KW_DROP:
    case SQL_KW_TRUNCATE:
    case SQL_KW_ALTER:
    case SQL_KW_EXEC:
    case SQL_KW_EXECUTE:
    case SQL_KW_CALL:
    case SQL_KW_COPY: return 1;
    case SQL_KW_WITH: return sqlp_with_starts_query(p, 0); /* t is cur(p) */
    case SQL_KW_REPLACE: return t_kw(peek(p, 1), SQL_KW_INTO);
    default: return t_word(p, t, "rename") && t_kw(peek(p, 1), SQL_KW_TABLE);
    }
}

/* A statement inside a top-level block or script, as a statement of its own: a block is no
 * object of its own (unlike a routine), so nothing is lost, and each statement keeps its own line,
 * columns and file-level role. */
static void parse_split(parser_t *p)
{
    const sql_token_t *first = cur(p);
    sql_stmt_t *block = p->st;
    cte_t *ctes = p->ctes;
    int in_body = p->in_body;
    flow_scratch_t *flow = p->flow, *feeds = p->feeds;
    sql_stmt_t *st = sqlp_new_stmt(p, first);
    if(!st)
        return;
    p->flow = p->feeds = NULL;
    sqlp_parse_statement(p);
    p->st = block;
    p->ctes = ctes;
    p->in_body = in_body;
    p->flow = flow;
    p->feeds = feeds;
    if(p->err == SQL_ERR_NOMEM)
        return;
    int rc = sqlp_emit(p, st, first);
    if(rc) {
        p->stop = rc;
        sqlp_oom(p);
    }
}

/* One statement inside a body, keeping its own table flows: the body's reads and writes mix
 * every statement's, and their cross product would be wider than any one of them. */
static void parse_inner(parser_t *p)
{
    if(p->split) {
        parse_split(p);
        return;
    }
    flow_scratch_t fs = {0}, *outer = p->flow;
    cte_t *saved = p->ctes;
    p->flow = &fs;
    sqlp_parse_statement(p);
    p->flow = outer;
    p->ctes = saved;
    if(p->err != SQL_ERR_NOMEM)
        sqlp_add_flows(p, &fs);
}

/* Oracle-supplied packages and builtins called as procedures: no lineage of ours */
static const char *const supplied_prefixes[] = {"dbms_", "utl_", "sys.", "owa_", "htp.", "htf.", "apex_"};

/* PL/SQL calls a procedure by naming it as a statement: `p;`, `pkg.p(1, x);` (not `v := ..`, nor
 * `a(i) := ..`). Called where a statement starts. */
static void parse_plsql_call(parser_t *p)
{
    qname_t q;
    if(!sqlp_parse_qname(p, &q))
        return;
    if(is_op(p, '('))
        sqlp_skip_group(p);
    if(!is_op(p, ';') || !p->st || strcmp(q.full, "raise_application_error") == 0)
        return;
    for(size_t i = 0; i < sizeof supplied_prefixes / sizeof supplied_prefixes[0]; i++)
        if(strncmp(q.full, supplied_prefixes[i], strlen(supplied_prefixes[i])) == 0)
            return;
    sqlp_vadd(p, &p->st->calls, q.full);
}

static int plsql_stmt_start(const parser_t *p)
{
    if(p->pos == 0)
        return 1;
    const sql_token_t *t = &p->toks[p->pos - 1];
    return t_op(p, t, ';') || t_kw(t, SQL_KW_BEGIN) || t_kw(t, SQL_KW_THEN) || t_kw(t, SQL_KW_ELSE) ||
           t_word(p, t, "loop") || t_ops(p, t, ">>");
}

/* Procedure bodies and control flow: find the lineage-bearing statements among the rest. */
/* In a declaration section (before a body's BEGIN, after DECLARE): `name type ..;` declares a
 * variable, and so does each name of DECLARE a, b INT (MySQL). */
static void note_declaration(parser_t *p, size_t body, int *decl)
{
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_BEGIN)) {
        *decl = 0;
        return;
    }
    int declare = t_kw(t, SQL_KW_DECLARE);
    if(declare) {
        *decl = 1;
        for(size_t k = p->pos + 1; is_name_tok(peek(p, k - p->pos)) && !(t_flags(peek(p, k - p->pos)) & SQL_KW_R);
            k += 2) {
            add_var(p, peek(p, k - p->pos));
            if(!t_op(p, peek(p, k - p->pos + 1), ','))
                break;
        }
        return;
    }
    if(*decl && is_name_tok(t) && !(t_flags(t) & SQL_KW_R) && is_name_tok(peek(p, 1)) &&
       (p->pos == body || t_op(p, &p->toks[p->pos - 1], ';')))
        add_var(p, t);
}

void sqlp_parse_body(parser_t *p)
{
    size_t body = p->pos;
    int decl = p->d != SQL_DIALECT_TSQL;
    while(p->pos < p->n && p->err != SQL_ERR_NOMEM) {
        const sql_token_t *t = cur(p);
        if(decl || t_kw(t, SQL_KW_DECLARE))
            note_declaration(p, body, &decl);
        if(!is_body_stmt(p, t)) {
            if(p->d == SQL_DIALECT_ORACLE && is_name_tok(t) && !(t_flags(t) & SQL_KW_R) && !sqlp_is_stmt_start(p, t) &&
               plsql_stmt_start(p)) {
                size_t before = p->pos;
                parse_plsql_call(p);
                if(p->err == SQL_ERR_NOMEM)
                    return;
                p->err = 0;
                if(p->pos == before)
                    next(p);
                continue;
            }
            next(p);
            continue;
        }
        if(parse_body_stmt(p))
            return;
    }
}

/* One statement of a body or of a package's initialisation: an error is reported at its
 * line:column and the body goes on after it, at least a token further on (a package's statement
 * that failed once left the error set and the loop never moved). Non-zero: stop. */
static int parse_body_stmt(parser_t *p)
{
    size_t start = p->pos;
    parse_inner(p);
    if(p->err == SQL_ERR_NOMEM)
        return 1;
    if(p->err) {
        const sql_token_t *e = p->err_pos < p->n ? &p->toks[p->err_pos] : &p->eof;
        if(p->ctx->on_error && p->ctx->on_error(p->ctx->ud, e->line, e->col, p->err_msg)) {
            p->err = SQL_ERR_NOMEM;
            return 1;
        }
        p->err = 0;
        p->depth = 0;
    }
    if(p->pos <= start)
        p->pos = start + 1;
    return 0;
}

static int script_block(const char *s)
{
    while(*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return strncasecmp(s, "begin", 5) == 0 || strncasecmp(s, "declare", 7) == 0;
}

void sqlp_parse_call(parser_t *p)
{
    sqlp_set_kind(p, is_kw(p, SQL_KW_CALL) ? "call" : "exec");
    next(p);
    if(is_word(p, "immediate") && peek(p, 1)->type == SQL_TOK_STRING) {
        next(p);
        char *q = sqlp_string_value(p, cur(p));
        int split = p->split | p->into_vars << 1;
        if(q && !p->in_body && script_block(q)) {
            /* Snowflake's anonymous block: a script, not one dynamic statement */
            sqlp_set_kind(p, "block");
            sqlp_begin_split(p);
        } else {
            p->split = 0;
        }
        int fatal = q && sqlp_parse_embedded(p, q, strlen(q), cur(p));
        sqlp_end_split(p, split);
        if(!fatal)
            sqlp_skim_statement(p);
        return;
    }
    if(cur(p)->type == SQL_TOK_VAR && t_ops(p, peek(p, 1), "=")) {
        next(p);
        next(p);
    }
    sqlp_parse_exec_target(p);
}

void sqlp_parse_exec_target(parser_t *p)
{
    const sql_token_t *sql = NULL;
    qname_t q;
    if(is_op(p, '(') && peek(p, 1)->type == SQL_TOK_STRING) {
        next(p); /* EXEC('dynamic sql') */
        sql = cur(p);
    } else if(sqlp_parse_qname(p, &q)) {
        /* EXEC sp_executesql N'dynamic sql', N'@params', ...: the first argument is the SQL */
        if(strcasecmp(q.last, "sp_executesql") == 0 && cur(p)->type == SQL_TOK_STRING)
            sql = cur(p);
        else if(p->st)
            sqlp_vadd(p, &p->st->calls, q.full);
    }
    if(sql) {
        char *text = sqlp_string_value(p, sql);
        if(text && sqlp_parse_embedded(p, text, strlen(text), sql))
            return;
    }
    sqlp_skim_statement(p);
}

/* One statement of a T-SQL batch inside control flow. */
static void parse_tsql_one(parser_t *p)
{
    while(accept_op(p, ';'))
        ;
    const sql_token_t *t = cur(p);
    if(t_kw(t, SQL_KW_IF) || t_kw(t, SQL_KW_WHILE) || t_kw(t, SQL_KW_BEGIN)) {
        sqlp_parse_tsql_flow(p);
        return;
    }
    if(is_body_stmt(p, t)) {
        parse_inner(p);
        return;
    }
    /* SET, PRINT, DECLARE, RETURN, BREAK ...: to the end of that statement */
    size_t start = p->pos;
    int depth = 0;
    while(!at_end(p)) {
        t = cur(p);
        if(depth == 0 && p->pos > start &&
           (t_op(p, t, ';') || t_kw(t, SQL_KW_END) || ((t->flags & SQL_TOKF_NL_BEFORE) && sqlp_is_stmt_start(p, t))))
            break;
        if(t_op(p, t, '('))
            depth++;
        else if(t_op(p, t, ')') && depth > 0)
            depth--;
        next(p);
    }
}

/* T-SQL IF cond stmt [ELSE stmt], WHILE cond stmt, BEGIN [TRY|CATCH] .. END: without BEGIN the
 * branch is one statement, so batches without semicolons keep their statement boundaries. */
void sqlp_parse_tsql_flow(parser_t *p)
{
    if(!sqlp_enter(p))
        return;
    if(accept_kw(p, SQL_KW_BEGIN)) {
        if(is_word(p, "try") || is_word(p, "catch"))
            next(p);
        while(!at_end(p) && !is_kw(p, SQL_KW_END)) {
            size_t before = p->pos;
            parse_tsql_one(p);
            if(p->pos == before && !p->err)
                next(p);
        }
        if(accept_kw(p, SQL_KW_END) && (is_word(p, "try") || is_word(p, "catch")))
            next(p);
    } else {
        next(p); /* IF, WHILE or ELSE */
        if(!t_word(p, &p->toks[p->pos - 1], "else"))
            sqlp_parse_expr(p, NULL);
        parse_tsql_one(p);
        while(is_op(p, ';') && t_word(p, peek(p, 1), "else"))
            next(p);
        if(is_word(p, "else")) {
            next(p);
            parse_tsql_one(p);
        }
    }
    sqlp_leave(p);
}

int sqlp_begin_split(parser_t *p)
{
    int saved = p->split | p->into_vars << 1;
    if(!p->in_body)
        p->split = p->into_vars = 1;
    return saved;
}

void sqlp_end_split(parser_t *p, int saved)
{
    p->split = saved & 1;
    p->into_vars = saved >> 1 & 1;
}

/* Anonymous blocks and control flow outside routines (or a branch of it that the splitter cut
 * off: ELSE, ELSIF, LOOP ..). */
void sqlp_parse_block(parser_t *p)
{
    sqlp_set_kind(p, "block");
    int saved = p->in_body, split = sqlp_begin_split(p);
    p->in_body = 1;
    if(p->d == SQL_DIALECT_TSQL) {
        sqlp_parse_tsql_flow(p);
    } else {
        next(p);
        sqlp_parse_body(p);
    }
    p->in_body = saved;
    sqlp_end_split(p, split);
}
