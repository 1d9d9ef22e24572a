/* Data manipulation: INSERT, UPDATE, DELETE, MERGE, COPY, UNLOAD, LOAD, Hive FROM .. INSERT. */
#include "sql/parser_int.h"

/* Column lineage of rows written to `table` (NULL: the rows a query returns); with `all`, also the
 * columns nothing feeds. */
static void emit_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols, int all)
{
    if(!r)
        return;
    size_t nknown = 0;
    char *const *known = NULL;
    if(ncols == 0 && table && p->ctx->schema)
        known = sql_schema_get(p->ctx->schema, table, &nknown);
    int has_star = sqlp_rel_has_star(r);
    for(uint32_t i = 0; i < r->n; i++) {
        const outcol_t *c = &r->cols[i];
        const char *name = c->name;
        if(c->star)
            name = "*";
        else if((int)i < ncols)
            name = cols[i];
        else if(known && !has_star && nknown == r->n)
            name = known[i];
        if(!name || !*name)
            continue;
        if(all && !c->src.n)
            sqlp_add_column(p, table, name);
        sqlp_add_edge(p, table, name, &c->src);
    }
}

void sqlp_emit_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols)
{
    emit_columns(p, table, r, cols, ncols, 0);
}

void sqlp_emit_defined_columns(parser_t *p, const char *table, const rel_t *r, const char **cols, int ncols)
{
    emit_columns(p, table, r, cols, ncols, 1);
}

/* (a, b, c) column list; returns the count. */
static int parse_column_list(parser_t *p, const char **cols, int max)
{
    int n = 0;
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        if(is_name_tok(cur(p))) {
            qname_t q;
            sqlp_parse_qname(p, &q);
            if(n < max)
                cols[n++] = q.last;
            if(is_op(p, '('))
                sqlp_skip_group(p);
            continue;
        }
        if(is_op(p, '('))
            sqlp_skip_group(p);
        else
            next(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after column list");
    return n;
}

/* Hive/Spark PARTITION (ds = 'x', hr): the columns given a value here (static partitions) take
 * none from the query; returns their count. The current token is PARTITION. */
static int parse_partition_spec(parser_t *p, const char **fixed, int max)
{
    int n = 0;
    next(p); /* PARTITION */
    next(p); /* ( */
    while(!at_end(p) && !is_op(p, ')')) {
        if(is_name_tok(cur(p)) && t_op(p, peek(p, 1), '=') && n < max)
            fixed[n++] = sqlp_norm(p, cur(p));
        sqlp_skip_list_item(p);
    }
    sqlp_expect_op(p, ')', "expected ')' after PARTITION");
    return n;
}

/* The columns an INSERT without a column list fills from its query, in order: the table's known
 * columns less its static partitions. 0 when the table's columns are not known. */
static int insert_columns(parser_t *p, const char *table, const char **fixed, int nfixed, const char **cols, int max)
{
    size_t nknown = 0;
    char *const *known = table && p->ctx->schema ? sql_schema_get(p->ctx->schema, table, &nknown) : NULL;
    int n = 0;
    for(size_t i = 0; known && i < nknown && n < max; i++) {
        int given = 0;
        for(int k = 0; k < nfixed && !given; k++)
            given = strcmp(known[i], fixed[k]) == 0;
        if(!given)
            cols[n++] = known[i];
    }
    return n;
}

/* T-SQL OUTPUT items [INTO t [(cols)]], or Postgres RETURNING items: read where they stand,
 * resolved once the statement's own column lineage is known (inserted.c is what the statement
 * writes to c). */
typedef struct output {
    item_t *items;
    uint32_t n, cap;
    const char *into;
    const char **cols;
    int ncols;
    /* RETURNING: unqualified names and the target's name are the row written (new.c) */
    int returning;
    /* an INSERT's: a returned column it gives no value comes from no table (a default) */
    int insert;
    const char *alias;
    /* RETURNING WITH (OLD AS o, NEW AS n): Postgres 18's own names for the rows before and after */
    const char *old_name, *new_name;
    /* an UPDATE's SET: a column set to a constant comes from no table */
    const assigns_t *set;
} output_t;

static void parse_output_items(parser_t *p, output_t *o)
{
    do {
        if(!sqlp_grow(p, (void **)&o->items, o->n, &o->cap, sizeof *o->items))
            return;
        item_t *it = &o->items[o->n];
        memset(it, 0, sizeof *it);
        size_t start = p->pos;
        if(is_op(p, '*')) {
            it->star = 1;
            next(p);
        } else if(is_name_tok(cur(p)) && t_op(p, peek(p, 1), '.') && t_op(p, peek(p, 2), '*')) {
            it->star = 1;
            it->star_qual = sqlp_norm(p, cur(p));
            next(p);
            next(p);
            next(p);
        } else if(is_op(p, '$') && t_word(p, peek(p, 1), "action")) {
            /* MERGE's $action: which branch, from no column */
            next(p);
            next(p);
            const char *alias = sqlp_parse_alias(p, NULL, NULL, 0);
            it->name = alias ? alias : "$action";
        } else {
            sqlp_parse_expr(p, &it->sink);
            if(p->pos == start) {
                sqlp_fail(p, o->returning ? "expected a RETURNING item" : "expected an OUTPUT item");
                return;
            }
            sqlp_mark_identity(p, &it->sink, start, p->pos);
            size_t end = p->pos;
            const char *alias = sqlp_parse_alias(p, NULL, NULL, 0);
            it->name = alias ? alias : sqlp_item_name(p, start, end);
        }
        o->n++;
    } while(!p->err && accept_op(p, ','));
}

static void parse_output(parser_t *p, output_t *o)
{
    next(p); /* OUTPUT */
    parse_output_items(p, o);
    if(!accept_kw(p, SQL_KW_INTO))
        return;
    qname_t q;
    if(cur(p)->type == SQL_TOK_VAR)
        next(p); /* a table variable */
    else if(sqlp_parse_qname(p, &q))
        o->into = q.full;
    if(is_op(p, '(') && !sqlp_paren_is_query(p, 1) && (o->cols = sqlp_amalloc(p, 1024 * sizeof *o->cols)) != NULL)
        o->ncols = parse_column_list(p, o->cols, 1024);
}

/* RETURNING [WITH (OLD AS o, NEW AS n)] items of a data-modifying CTE's statement, whose rows
 * feed the query around it; elsewhere they go to the client and are skimmed. */
static int parse_returning(parser_t *p, output_t *o, const char *alias)
{
    if(!p->returned || !is_kw(p, SQL_KW_RETURNING))
        return 0;
    next(p);
    if(is_kw(p, SQL_KW_WITH) && t_op(p, peek(p, 1), '(')) {
        next(p);
        next(p);
        while(!p->err && !at_end(p) && !is_op(p, ')')) {
            int old = is_word(p, "old");
            if(!(old || is_word(p, "new")) || !t_kw(peek(p, 1), SQL_KW_AS) || !is_name_tok(peek(p, 2))) {
                sqlp_fail(p, "expected OLD AS name or NEW AS name in RETURNING WITH");
                return 0;
            }
            *(old ? &o->old_name : &o->new_name) = sqlp_norm(p, peek(p, 2));
            p->pos += 3;
            if(!accept_op(p, ','))
                break;
        }
        sqlp_expect_op(p, ')', "expected ')' after RETURNING WITH");
    }
    o->returning = 1;
    o->alias = alias;
    parse_output_items(p, o);
    return 1;
}

static const sql_col_edge_t *find_edge(const parser_t *p, const char *table, const char *col)
{
    size_t tl = strlen(table);
    for(uint32_t i = 0; p->st && i < p->st->nedges; i++) {
        const char *t = p->st->edges[i].target;
        if(strncmp(t, table, tl) == 0 && t[tl] == '.' && strcmp(t + tl + 1, col) == 0)
            return &p->st->edges[i];
    }
    return NULL;
}

/* Does any of `v` name a column of `table`? */
static int reads_own(const sql_srcvec_t *v, const char *table, size_t tl)
{
    for(uint32_t i = 0; i < v->n; i++)
        if(strncmp(v->v[i], table, tl) == 0 && v->v[i][tl] == '.')
            return 1;
    return 0;
}

static int sets_col(const output_t *o, const char *col)
{
    for(uint32_t i = 0; o->set && i < o->set->n; i++)
        if(strcmp(o->set->v[i].col, col) == 0)
            return 1;
    return 0;
}

static int is_qual(const char *qual, const char *a, const char *b, const char *c)
{
    return qual && (strcmp(qual, a) == 0 || strcmp(qual, b) == 0 || (c && strcmp(qual, c) == 0));
}

/* inserted.c, new.c or RETURNING WITH (NEW AS n)'s n.c: the row as written */
static int names_new(const output_t *o, const char *qual)
{
    return is_qual(qual, "inserted", "new", o->new_name);
}

/* deleted.c, old.c or WITH (OLD AS o)'s o.c: the row as it was */
static int names_old(const output_t *o, const char *qual)
{
    return is_qual(qual, "deleted", "old", o->old_name);
}

/* RETURNING's own name for the target: as written, its last part, or its alias. */
static int names_target(const output_t *o, const char *qual, const char *table)
{
    const char *dot = strrchr(table, '.');
    return !qual || strcmp(qual, table) == 0 || (dot && strcmp(qual, dot + 1) == 0) ||
           (o->alias && strcmp(qual, o->alias) == 0);
}

/* The target's columns as the statement left them: what it wrote to each, and (but for an
 * INSERT's) the rest as they were. */
static void add_written_cols(parser_t *p, rel_t *r, const output_t *o, const char *table)
{
    size_t tl = strlen(table);
    for(uint32_t k = 0; p->st && k < p->st->nedges; k++) {
        const sql_col_edge_t *e = &p->st->edges[k];
        outcol_t *c;
        if(strncmp(e->target, table, tl) == 0 && e->target[tl] == '.' &&
           (c = sqlp_rel_add(p, r, e->target + tl + 1, 0)) != NULL)
            sqlp_sadd_all(p, &c->src, &e->sources, 0);
    }
    if(o->returning && !o->insert) {
        outcol_t *c = sqlp_rel_add(p, r, "*", 1);
        char *all = sqlp_aconcat(p, table, '.', "*");
        if(c && all)
            sql_srcvec_add(p->a, &c->src, all, SQL_HOW_IDENTITY);
    }
}

/* The OUTPUT or RETURNING rows: inserted.c (new.c) comes from what the statement writes to
 * `table`.c (the table's own column when the statement leaves c as it was), deleted.c (old.c)
 * from `table`.c as it was; other columns resolve in `sc` (UPDATE/DELETE .. FROM). Returning the
 * target's values reads it. */
static rel_t *output_rel(parser_t *p, const output_t *o, const char *table, scope_t *sc)
{
    rel_t *r = sqlp_new_rel(p);
    if(!r)
        return NULL;
    for(uint32_t i = 0; i < o->n && !p->err; i++) {
        const item_t *it = &o->items[i];
        const char *q = it->star_qual;
        int newq = names_new(o, q) || (o->returning && names_target(o, q, table));
        if(it->star && newq) {
            add_written_cols(p, r, o, table);
            for(uint32_t k = 1; !q && k < sc->n; k++)
                sqlp_expand_star(p, &sc->items[k], r);
            continue;
        }
        fitem_t *from = it->star && o->returning && q && !names_old(o, q) ? sqlp_find_item(sc, q) : NULL;
        if(from) {
            sqlp_expand_star(p, from, r);
            continue;
        }
        if(it->star) {
            outcol_t *c = sqlp_rel_add(p, r, "*", 1);
            char *all = sqlp_aconcat(p, table, '.', "*");
            if(c && all)
                sql_srcvec_add(p->a, &c->src, all, SQL_HOW_IDENTITY);
            continue;
        }
        outcol_t *c = sqlp_rel_add(p, r, it->name, 0);
        if(!c)
            return NULL;
        sink_t rest = {0};
        for(uint32_t k = 0; k < it->sink.n; k++) {
            const ref_t *rf = &it->sink.refs[k];
            int named = names_new(o, rf->qual) || names_old(o, rf->qual);
            int is_new = names_new(o, rf->qual) || (o->returning && names_target(o, rf->qual, table));
            const sql_col_edge_t *e = is_new ? find_edge(p, table, rf->col) : NULL;
            if(e)
                sqlp_sadd_all(p, &c->src, &e->sources, rf->how);
            if(e || (o->returning && is_new && (o->insert || sets_col(o, rf->col))))
                continue; /* what the statement wrote: a constant, or a value the INSERT did not give */
            if(named) {
                char *src = sqlp_aconcat(p, table, '.', rf->col);
                if(src)
                    sql_srcvec_add(p->a, &c->src, src, rf->how);
            } else {
                sqlp_sink_ref_how(p, &rest, rf->qual, rf->col, rf->how);
            }
        }
        sqlp_sadd_all(p, &c->src, &it->sink.resolved, 0);
        sqlp_resolve_sink(p, sc, &rest, &c->src, NULL, 0);
    }
    size_t tl = strlen(table);
    int reads_table = 0;
    for(uint32_t i = 0; i < r->n && !reads_table; i++)
        reads_table = reads_own(&r->cols[i].src, table, tl);
    if(reads_table)
        sqlp_add_read(p, table);
    return r;
}

/* OUTPUT .. INTO t: the rows written to t. Without INTO, or RETURNING, in a data-modifying CTE:
 * the rows the query around it reads. */
static void resolve_output(parser_t *p, const output_t *o, const char *table, scope_t *sc)
{
    if(!table || p->err || !o->n || (!o->into && !p->returned))
        return;
    rel_t *r = output_rel(p, o, table, sc);
    if(!o->into) {
        *p->returned = r;
        return;
    }
    sqlp_add_write(p, o->into);
    sqlp_emit_columns(p, o->into, r, o->cols, o->ncols);
}

static void parse_insert_values_columns(parser_t *p, const char *table, const char **cols, int ncols, scope_t *sc)
{
    next(p); /* VALUES */
    do {
        accept_kw(p, SQL_KW_ROW);
        if(!is_op(p, '(')) {
            sqlp_parse_expr(p, NULL);
            continue;
        }
        if(!sqlp_enter(p))
            return;
        next(p);
        int col = 0;
        while(!at_end(p) && !is_op(p, ')')) {
            sink_t s = {0};
            size_t before = p->pos;
            sqlp_parse_expr(p, &s);
            sqlp_mark_identity(p, &s, before, p->pos); /* MERGE's INSERT VALUES (s.c) copies it */
            if(col < ncols) {
                sql_srcvec_t src = {0};
                sqlp_resolve_sink(p, sc, &s, &src, NULL, 0);
                sqlp_add_edge(p, table, cols[col], &src);
            }
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
}

/* One INTO of Oracle's INSERT ALL|FIRST: its VALUES name the query's output columns. */
typedef struct insert_into {
    const char *table;
    const char **cols;
    int ncols;
    sink_t *values; /* NULL: the query's columns in order */
    uint32_t nvalues, capvalues;
} insert_into_t;

static void parse_into_values(parser_t *p, insert_into_t *in)
{
    next(p); /* VALUES */
    if(!accept_op(p, '(')) {
        sqlp_fail(p, "expected '(' after VALUES");
        return;
    }
    while(!at_end(p) && !is_op(p, ')')) {
        if(!sqlp_grow(p, (void **)&in->values, in->nvalues, &in->capvalues, sizeof *in->values))
            return;
        sink_t *v = &in->values[in->nvalues++];
        memset(v, 0, sizeof *v);
        size_t start = p->pos;
        sqlp_parse_expr(p, v);
        sqlp_mark_identity(p, v, start, p->pos);
        if(!accept_op(p, ',')) {
            if(p->pos == start)
                sqlp_fail(p, "unexpected token in VALUES");
            break;
        }
    }
    sqlp_expect_op(p, ')', "expected ')' after VALUES row");
}

/* Oracle INSERT ALL|FIRST [WHEN .. THEN] INTO t [(..)] [VALUES (..)] ... SELECT ..: each INTO's
 * columns come from the query's output columns its VALUES name (or all of them, in order). */
static void parse_insert_all(parser_t *p)
{
    next(p); /* ALL | FIRST */
    insert_into_t *ins = NULL;
    uint32_t nins = 0, capins = 0;
    while(!at_end(p) && !sqlp_is_query_start(cur(p)) && !(is_op(p, '(') && sqlp_paren_is_query(p, 1))) {
        if(accept_kw(p, SQL_KW_WHEN)) {
            sqlp_parse_expr(p, NULL);
            accept_kw(p, SQL_KW_THEN);
        } else if(accept_kw(p, SQL_KW_ELSE)) {
            continue;
        } else if(accept_kw(p, SQL_KW_INTO)) {
            qname_t q;
            if(!sqlp_parse_qname(p, &q)) {
                sqlp_fail(p, "expected a table after INTO");
                return;
            }
            sqlp_add_write(p, q.full);
            if(!sqlp_grow(p, (void **)&ins, nins, &capins, sizeof *ins))
                return;
            insert_into_t *in = &ins[nins++];
            memset(in, 0, sizeof *in);
            in->table = q.full;
            sqlp_parse_alias(p, NULL, NULL, 0);
            if(is_op(p, '(') && (in->cols = sqlp_amalloc(p, 1024 * sizeof *in->cols)) != NULL)
                in->ncols = parse_column_list(p, in->cols, 1024);
            if(is_kw(p, SQL_KW_VALUES))
                parse_into_values(p, in);
        } else {
            sqlp_fail(p, "unexpected token in INSERT ALL");
            return;
        }
    }
    rel_t *r = sqlp_parse_query(p, NULL);
    if(!r || p->err)
        return;
    scope_t sc = {0};
    fitem_t *it = sqlp_scope_add(p, &sc);
    if(!it)
        return;
    it->rel = r;
    for(uint32_t i = 0; i < nins && !p->err; i++) {
        const insert_into_t *in = &ins[i];
        if(!in->values) {
            sqlp_emit_columns(p, in->table, r, in->cols, in->ncols);
            continue;
        }
        size_t nknown = 0;
        char *const *known = NULL;
        if(in->ncols == 0 && p->ctx->schema)
            known = sql_schema_get(p->ctx->schema, in->table, &nknown);
        for(uint32_t k = 0; k < in->nvalues; k++) {
            const char *col = (int)k < in->ncols ? in->cols[k] : known && k < nknown ? known[k] : NULL;
            if(!col)
                continue;
            sql_srcvec_t src = {0};
            sqlp_resolve_sink(p, &sc, &in->values[k], &src, NULL, 0);
            sqlp_add_edge(p, in->table, col, &src);
        }
    }
}

/* T-SQL TOP (n) [PERCENT] after INSERT, UPDATE or DELETE: which rows, no lineage. */
static void skip_top(parser_t *p)
{
    if(is_kw(p, SQL_KW_TOP)) {
        next(p);
        sqlp_skip_group(p);
        accept_word(p, "percent");
    }
}

/* T-SQL OPENQUERY(server, 'query') or OPENROWSET(..) as the target of INSERT, UPDATE or DELETE: a
 * linked server's rows, named only inside the text it passes through; no table here. */
static int skip_remote_rowset(parser_t *p)
{
    if(!(is_word(p, "openquery") || is_word(p, "openrowset")) || !t_op(p, peek(p, 1), '('))
        return 0;
    next(p);
    sqlp_skip_group(p);
    return 1;
}

static void parse_assignments(parser_t *p, assigns_t *out);
static void resolve_assignments(parser_t *p, const char *table, scope_t *sc, const assigns_t *as);

/* What an upsert's SET may name besides the target: its alias, the row offered, a query's columns */
typedef struct upsert {
    const char *alias, *row;
    const rel_t *query; /* MySQL's INSERT .. SELECT */
    scope_t from;       /* its FROM items */
    size_t qstart, qend; /* its tokens */
    /* MySQL's row alias with columns, AS new(m, n): m is the INSERT's first column */
    const char *rowcols[64];
    int nrowcols;
    const char *const *cols;
    int ncols;
} upsert_t;

/* The INSERT's column a row alias's column names, or NULL */
static const char *row_alias_col(const upsert_t *u, const char *name)
{
    for(int i = 0; i < u->nrowcols && i < u->ncols; i++)
        if(u->rowcols[i] && strcmp(u->rowcols[i], name) == 0)
            return u->cols[i];
    return NULL;
}

static int rel_find_col(const rel_t *r, const char *name)
{
    for(uint32_t i = 0; i < r->n; i++)
        if(!r->cols[i].star && r->cols[i].name && strcmp(r->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* MySQL 8.0.19's row alias for ON DUPLICATE KEY UPDATE: VALUES (..) | SET .. AS new [(m, n)] */
static void parse_row_alias(parser_t *p, upsert_t *u)
{
    if(p->err || !is_kw(p, SQL_KW_AS) || !is_name_tok(peek(p, 1)))
        return;
    next(p);
    u->row = sqlp_norm(p, cur(p));
    next(p);
    if(is_op(p, '('))
        u->nrowcols = parse_column_list(p, u->rowcols, 64);
}

/* A GROUP BY of the SELECT in [start, end), outside parentheses */
static int grouped(const parser_t *p, size_t start, size_t end)
{
    int depth = 0;
    for(size_t k = start; k < end; k++) {
        const sql_token_t *t = &p->toks[k];
        depth += t_op(p, t, '(') ? 1 : t_op(p, t, ')') ? -1 : 0;
        if(depth == 0 && t_kw(t, SQL_KW_GROUP))
            return 1;
    }
    return 0;
}

/* A column the upsert sets or the INSERT fills: the target has it */
static int target_col(const upsert_t *u, const assigns_t *as, const char *name)
{
    for(uint32_t i = 0; i < as->n; i++)
        if(as->v[i].col && strcmp(as->v[i].col, name) == 0)
            return 1;
    for(int i = 0; i < u->ncols; i++)
        if(u->cols[i] && strcmp(u->cols[i], name) == 0)
            return 1;
    return 0;
}

/* The columns an upsert sets (ON CONFLICT .. DO UPDATE SET, ON DUPLICATE KEY UPDATE): a column of
 * the row offered (excluded.c, MySQL's VALUES(c) or row alias new.c) comes from what the INSERT
 * writes to it, anything else resolves over the target as it was, which makes the target a read. */
static void resolve_upsert(parser_t *p, const char *table, const upsert_t *u, const assigns_t *as)
{
    scope_t sc = {0};
    fitem_t *tgt = sqlp_scope_add(p, &sc);
    if(!tgt)
        return;
    tgt->table = table;
    tgt->alias = u->alias;
    output_t names = {.alias = u->alias};
    /* MySQL: the query's tables are in scope too (a union's are not, nor a GROUP BY's) */
    scope_t all = sc;
    uint32_t nfrom = u->query && !u->query->setop && !grouped(p, u->qstart, u->qend) ? u->from.n : 0;
    for(uint32_t i = 0; i < nfrom; i++) {
        fitem_t *it = sqlp_scope_add(p, &all);
        if(it)
            *it = u->from.items[i];
    }
    for(uint32_t i = 0; i < as->n && !p->err; i++) {
        const sink_t *s = &as->v[i].sink;
        sql_srcvec_t src = {0};
        sqlp_sadd_all(p, &src, &s->resolved, 0);
        for(uint32_t k = 0; k < s->n; k++) {
            const ref_t *rf = &s->refs[k];
            const char *offered = !rf->qual || is_qual(rf->qual, "", "", u->row) ? row_alias_col(u, rf->col) : NULL;
            if(offered || is_qual(rf->qual, "excluded", "excluded", u->row)) {
                const sql_col_edge_t *e = find_edge(p, table, offered ? offered : rf->col);
                if(e)
                    sqlp_sadd_all(p, &src, &e->sources, rf->how);
                continue;
            }
            /* MySQL's INSERT .. SELECT: a name may be a column of the query (ambiguity is its
             * error), or of its tables; a name the upsert sets or the INSERT fills is the
             * target's, the rest go to the item that has them (unknown: left bare) */
            int col = !rf->qual && u->query ? rel_find_col(u->query, rf->col) : -1;
            if(col >= 0)
                sqlp_sadd_all(p, &src, &u->query->cols[col].src, rf->how);
            else if(names_target(&names, rf->qual, table) && (rf->qual || all.n == 1 || target_col(u, as, rf->col)))
                sqlp_resolve_ref(p, &sc, rf, &src, NULL, 0);
            else
                sqlp_resolve_ref(p, &all, rf, &src, NULL, 0);
        }
        sqlp_add_edge(p, table, as->v[i].col, &src);
        if(reads_own(&src, table, strlen(table)))
            sqlp_add_read(p, table);
    }
}

/* At ON after an INSERT's rows: Postgres' (SQLite's, DuckDB's) ON CONFLICT [(cols) [WHERE ..] | ON
 * CONSTRAINT c] DO NOTHING | DO UPDATE SET .. [WHERE ..], MySQL's ON DUPLICATE KEY UPDATE ..;
 * anything else is an error, not text skipped. */
static void parse_upsert(parser_t *p, const char *table, const upsert_t *u)
{
    next(p); /* ON */
    if(accept_word(p, "duplicate")) {
        if(!accept_word(p, "key") || !accept_kw(p, SQL_KW_UPDATE)) {
            sqlp_fail(p, "expected KEY UPDATE after ON DUPLICATE");
            return;
        }
    } else if(accept_word(p, "conflict")) {
        if(is_op(p, '(')) {
            sqlp_skip_group(p);
            if(accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_expr(p, NULL);
        } else if(is_kw(p, SQL_KW_ON) && t_word(p, peek(p, 1), "constraint")) {
            p->pos += 2;
            qname_t q;
            sqlp_parse_qname(p, &q);
        }
        /* (DO left out, as sql-metadata's tests write it) */
        if(!accept_word(p, "do") && !is_kw(p, SQL_KW_UPDATE) && !is_word(p, "nothing")) {
            sqlp_fail(p, "expected DO after ON CONFLICT");
            return;
        }
        if(accept_word(p, "nothing"))
            return;
        if(!accept_kw(p, SQL_KW_UPDATE) || !accept_kw(p, SQL_KW_SET)) {
            sqlp_fail(p, "expected NOTHING or UPDATE SET after ON CONFLICT DO");
            return;
        }
    } else {
        sqlp_fail(p, "expected CONFLICT or DUPLICATE KEY UPDATE after INSERT .. ON");
        return;
    }
    assigns_t as = {0};
    const char *saved = p->values_row;
    p->values_row = "excluded";
    parse_assignments(p, &as);
    p->values_row = saved;
    if(!p->err && accept_kw(p, SQL_KW_WHERE))
        sqlp_parse_expr(p, NULL);
    if(!p->err && table)
        resolve_upsert(p, table, u, &as);
}

void sqlp_parse_insert(parser_t *p)
{
    sqlp_set_kind(p, is_kw(p, SQL_KW_REPLACE) ? "replace" : "insert");
    next(p);
    while(is_word(p, "low_priority") || is_word(p, "delayed") || is_word(p, "high_priority") || is_kw(p, SQL_KW_IGNORE))
        next(p);
    skip_top(p);
    /* SQLite/DuckDB INSERT OR REPLACE|IGNORE INTO */
    if(is_kw(p, SQL_KW_OR) && (t_kw(peek(p, 1), SQL_KW_REPLACE) || t_kw(peek(p, 1), SQL_KW_IGNORE))) {
        next(p);
        next(p);
    }
    /* Snowflake INSERT OVERWRITE ALL|FIRST: the multi-table form, truncating its targets first */
    if(is_word(p, "overwrite") && (t_kw(peek(p, 1), SQL_KW_ALL) || t_kw(peek(p, 1), SQL_KW_FIRST)))
        next(p);
    if(is_kw(p, SQL_KW_ALL) ||
       (is_kw(p, SQL_KW_FIRST) && (t_kw(peek(p, 1), SQL_KW_WHEN) || t_kw(peek(p, 1), SQL_KW_INTO)))) {
        parse_insert_all(p);
        return;
    }
    int into = accept_kw(p, SQL_KW_INTO), overwrite = !into && accept_word(p, "overwrite");
    if(overwrite)
        accept_kw(p, SQL_KW_INTO);
    else if(!into && SQL_DIALECT_IS_PG(p->d)) {
        /* their INSERT needs INTO: INSERT ALSO FAILING names no table `also` */
        sqlp_fail(p, "expected INTO after INSERT");
        return;
    }
    accept_kw(p, SQL_KW_TABLE);
    if(overwrite && (is_word(p, "directory") || (is_word(p, "local") && t_word(p, peek(p, 1), "directory")))) {
        accept_word(p, "local");
        next(p);
        if(cur(p)->type == SQL_TOK_STRING && p->st)
            sqlp_vadd(p, &p->st->write_paths, sqlp_string_value(p, cur(p)));
        while(!at_end(p) && !sqlp_is_query_start(cur(p)) && !is_op(p, ';') &&
              !(is_op(p, '(') && sqlp_paren_is_query(p, 1))) {
            if(is_op(p, '('))
                sqlp_skip_group(p);
            else
                next(p);
        }
        if(!at_end(p) && !is_op(p, ';'))
            sqlp_parse_query(p, NULL);
        return;
    }
    const char *table = NULL;
    if(cur(p)->type == SQL_TOK_VAR) {
        next(p);
    } else if(!skip_remote_rowset(p)) {
        qname_t q;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a table name after INSERT");
            return;
        }
        table = q.full;
        sqlp_add_write(p, table);
    }
    const char *cols[1024], *fixed[64], *alias = NULL;
    upsert_t u = {0};
    int ncols = 0, nfixed = 0;
    output_t out = {.insert = 1};
    for(;;) {
        if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '(')) {
            nfixed += parse_partition_spec(p, fixed + nfixed, 64 - nfixed);
        } else if(is_kw(p, SQL_KW_WITH) && t_op(p, peek(p, 1), '(')) {
            /* T-SQL table hints: INSERT INTO t WITH (TABLOCK) */
            next(p);
            sqlp_skip_group(p);
        } else if(is_kw(p, SQL_KW_WITH) && t_word(p, peek(p, 1), "label") && is_name_tok(peek(p, 2))) {
            /* StarRocks' and Doris' INSERT INTO t WITH LABEL l SELECT ..: the load job's name */
            p->pos += 3;
        } else if(is_kw(p, SQL_KW_IF) && t_kw(peek(p, 1), SQL_KW_NOT)) {
            next(p);
            next(p);
            next(p);
        } else if(is_op(p, '(') && !sqlp_paren_is_query(p, 1)) {
            ncols = parse_column_list(p, cols, 1024);
        } else if(is_kw(p, SQL_KW_AS) && is_name_tok(peek(p, 1))) {
            next(p);
            alias = sqlp_norm(p, cur(p));
            next(p);
        } else if(is_kw(p, SQL_KW_BY) && t_word(p, peek(p, 1), "name")) {
            next(p);
            next(p);
        } else if(p->d == SQL_DIALECT_ORACLE && !alias && ncols == 0 && sqlp_can_be_alias(p, cur(p)) &&
                  (t_op(p, peek(p, 1), '(') || sqlp_is_query_start(peek(p, 1)))) {
            /* Oracle's INSERT INTO t d (cols) VALUES ..: an alias without AS */
            alias = sqlp_norm(p, cur(p));
            next(p);
        } else if(is_word(p, "output")) {
            parse_output(p, &out);
        } else if(is_word(p, "overriding") && t_word(p, peek(p, 2), "value")) {
            /* Postgres OVERRIDING SYSTEM|USER VALUE: who numbers identity columns */
            p->pos += 3;
        } else if(is_kw(p, SQL_KW_REPLACE) && (t_kw(peek(p, 1), SQL_KW_USING) || t_kw(peek(p, 1), SQL_KW_WHERE))) {
            /* Databricks INSERT INTO t REPLACE USING (cols) | REPLACE WHERE cond: the rows replaced */
            next(p);
            if(accept_kw(p, SQL_KW_USING))
                sqlp_skip_group(p);
            else if(accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_expr(p, NULL);
        } else {
            break;
        }
        if(p->err)
            return;
    }
    /* without a column list, the columns left by static partitions take the query's in order */
    int from_schema = ncols == 0 && nfixed > 0;
    if(from_schema)
        ncols = insert_columns(p, table, fixed, nfixed, cols, 1024);
    if(is_kw(p, SQL_KW_VALUES)) {
        scope_t empty = {0};
        if(ncols == 0)
            ncols = insert_columns(p, table, NULL, 0, cols, 1024);
        parse_insert_values_columns(p, table, cols, ncols, &empty);
        parse_row_alias(p, &u);
    } else if(is_word(p, "default")) {
        next(p);
        accept_kw(p, SQL_KW_VALUES);
    } else if(is_kw(p, SQL_KW_EXEC) || is_kw(p, SQL_KW_EXECUTE)) {
        next(p);
        sqlp_parse_exec_target(p);
    } else if(accept_kw(p, SQL_KW_SET)) {
        /* MySQL INSERT INTO t SET a = .., b = .. */
        assigns_t as = {0};
        parse_assignments(p, &as);
        resolve_assignments(p, table, &(scope_t){0}, &as);
        parse_row_alias(p, &u);
    } else {
        if(!SQL_DIALECT_IS_PG(p->d) && is_kw(p, SQL_KW_SELECT))
            p->query_scope = &u.from;
        u.qstart = p->pos;
        rel_t *r = sqlp_parse_query(p, NULL);
        u.qend = p->pos;
        p->query_scope = NULL;
        if(!SQL_DIALECT_IS_PG(p->d))
            u.query = r;
        if(table && from_schema && r && (r->n != (uint32_t)ncols || sqlp_rel_has_star(r)))
            ncols = 0; /* the query does not fill them one for one: named by its outputs */
        if(table)
            sqlp_emit_columns(p, table, r, cols, ncols);
    }
    if(p->err)
        return;
    u.alias = alias;
    u.cols = cols;
    u.ncols = ncols;
    while(!p->err && is_kw(p, SQL_KW_ON))
        parse_upsert(p, table, &u);
    if(p->err)
        return;
    parse_returning(p, &out, alias);
    resolve_output(p, &out, table, &(scope_t){0});
    if(is_kw(p, SQL_KW_RETURNING))
        sqlp_skim_statement(p);
}

static int is_assign_op(const parser_t *p, const sql_token_t *t)
{
    static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "||="};
    for(size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if(t_ops(p, t, ops[i]))
            return 1;
    return 0;
}

/* SET a = expr, t.b = expr, (c, d) = (...); resolved by the caller once FROM is known. */
static void parse_assignments(parser_t *p, assigns_t *out)
{
    do {
        if(is_op(p, '(')) {
            /* (a, b) = (..) | ROW(..) | (SELECT ..): the query's tables are read */
            sqlp_skip_group(p);
            if(accept_op(p, '='))
                sqlp_parse_expr(p, NULL);
            continue;
        }
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            if(is_assign_op(p, cur(p)))
                next(p);
            sqlp_parse_expr(p, NULL);
            continue;
        }
        qname_t q;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a column in SET");
            return;
        }
        if(!is_assign_op(p, cur(p))) {
            sqlp_fail(p, "expected '=' in SET");
            return;
        }
        next(p);
        if(!sqlp_grow(p, (void **)&out->v, out->n, &out->cap, sizeof *out->v))
            return;
        assign_t *a = &out->v[out->n++];
        memset(a, 0, sizeof *a);
        a->col = q.last;
        size_t start = p->pos;
        sqlp_parse_expr(p, &a->sink);
        sqlp_mark_identity(p, &a->sink, start, p->pos); /* SET c = s.c copies the value as is */
    } while(!p->err && accept_op(p, ','));
}

static void resolve_assignments(parser_t *p, const char *table, scope_t *sc, const assigns_t *as)
{
    for(uint32_t i = 0; i < as->n && !p->err; i++) {
        sql_srcvec_t src = {0};
        sqlp_resolve_sink(p, sc, &as->v[i].sink, &src, NULL, 0);
        sqlp_add_edge(p, table, as->v[i].col, &src);
    }
}

void sqlp_parse_update(parser_t *p)
{
    sqlp_set_kind(p, "update");
    next(p);
    while(is_word(p, "low_priority") || is_kw(p, SQL_KW_IGNORE) || is_word(p, "only"))
        next(p);
    skip_top(p);
    scope_t sc = {0};
    const char *saved_target = p->dml_target, *saved_table = p->dml_table;
    /* the first table is the target (T-SQL may name it by a FROM alias); MySQL joins more before SET */
    fitem_t *tgt = sqlp_scope_add(p, &sc);
    if(!tgt)
        return;
    if(cur(p)->type == SQL_TOK_VAR) {
        next(p);
    } else if(!skip_remote_rowset(p)) {
        qname_t q;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a table after UPDATE");
            return;
        }
        tgt->table = q.full;
        sqlp_skip_table_modifiers(p);
        if(!is_kw(p, SQL_KW_SET))
            tgt->alias = sqlp_parse_alias(p, NULL, NULL, 0);
        p->dml_target = q.full;
        p->dml_table = NULL;
    }
    sink_t ind = {0};
    sink_t *outer_ind = p->ind;
    p->ind = &ind;
    sqlp_parse_joins(p, &sc);
    while(!p->err && accept_op(p, ','))
        sqlp_parse_table_ref(p, &sc);
    if(!accept_kw(p, SQL_KW_SET)) {
        sqlp_fail(p, "expected SET in UPDATE");
        goto out;
    }
    assigns_t as = {0};
    parse_assignments(p, &as);
    output_t out = {0};
    if(is_word(p, "output"))
        parse_output(p, &out);
    if(accept_kw(p, SQL_KW_FROM))
        sqlp_parse_from_list(p, &sc);
    if(accept_kw(p, SQL_KW_WHERE))
        sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
    if(p->err)
        goto out;
    /* items may have moved as the scope grew: use the index, not tgt */
    const char *table = p->dml_table ? p->dml_table : sc.items[0].table;
    if(p->dml_table)
        sc.items[0].table = NULL;
    if(table)
        sqlp_add_write(p, table);
    uint32_t nedges = p->st ? p->st->nedges : 0;
    resolve_assignments(p, table, &sc, &as);
    sqlp_resolve_indirect(p, &sc, NULL, &ind, NULL);
    /* SET x = x + 1 or a self-join: the target's values are read too. Only selecting rows by
     * the target's columns (WHERE, join keys) is not a read, as the sqllineage corpus has it;
     * those columns are in the indirect list. */
    if(table && p->st) {
        size_t tl = strlen(table);
        int reads_target = 0;
        for(uint32_t i = nedges; i < p->st->nedges && !reads_target; i++)
            reads_target = reads_own(&p->st->edges[i].sources, table, tl);
        if(reads_target)
            sqlp_add_read(p, table);
    }
    out.set = &as;
    parse_returning(p, &out, sc.items[0].alias);
    resolve_output(p, &out, table, &sc);
    if(is_kw(p, SQL_KW_RETURNING) || is_kw(p, SQL_KW_ORDER) || is_kw(p, SQL_KW_LIMIT) || is_word(p, "option"))
        sqlp_skim_statement(p);
out:
    p->ind = outer_ind;
    p->dml_target = saved_target;
    p->dml_table = saved_table;
}

/* DELETE [FROM] t [USING ..|FROM ..] [WHERE ..]. Without anything read it has no lineage. */
void sqlp_parse_delete(parser_t *p)
{
    sqlp_set_kind(p, "delete");
    next(p);
    while(is_word(p, "low_priority") || is_word(p, "quick") || is_kw(p, SQL_KW_IGNORE))
        next(p);
    skip_top(p);
    const char *saved_target = p->dml_target, *saved_table = p->dml_table;
    sql_strvec_t *reads = p->st ? &p->st->reads : NULL;
    uint32_t reads_before = reads ? reads->n : 0;
    unsigned cte_src_before = p->cte_src;
    const char *targets[16];
    int nt = 0;
    int from = accept_kw(p, SQL_KW_FROM);
    accept_word(p, "only");
    if(is_kw(p, SQL_KW_TABLE) && is_name_tok(peek(p, 1)))
        next(p);
    do {
        qname_t q;
        if(cur(p)->type == SQL_TOK_VAR) {
            next(p);
            continue;
        }
        if(skip_remote_rowset(p))
            continue;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a table after DELETE");
            goto out;
        }
        if(p->d == SQL_DIALECT_TSQL && is_op(p, '(')) {
            /* a rowset function: no table of ours (OPENQUERY and OPENROWSET are taken above),
             * unless OPENDATASOURCE(..).db.schema.t names its table */
            sqlp_skip_group(p);
            if(!accept_op(p, '.') || !sqlp_parse_qname(p, &q))
                continue;
        }
        if((is_op(p, '.') && t_op(p, peek(p, 1), '*')) || (SQL_DIALECT_IS_PG(p->d) && is_op(p, '*')))
            p->pos += is_op(p, '*') ? 1 : 2; /* Postgres t *: t and the tables inheriting from it */
        if(nt < 16)
            targets[nt++] = q.full;
    } while(accept_op(p, ','));
    const char *alias = NULL;
    if(!is_kw(p, SQL_KW_FROM) && !is_kw(p, SQL_KW_USING))
        alias = sqlp_parse_alias(p, NULL, NULL, 0);
    sqlp_skip_table_modifiers(p);
    output_t out = {0};
    if(is_word(p, "output"))
        parse_output(p, &out);
    scope_t sc = {0};
    if(nt == 1) {
        fitem_t *it = sqlp_scope_add(p, &sc);
        if(it) {
            it->table = targets[0];
            it->alias = alias;
        }
    }
    p->dml_target = nt == 1 ? targets[0] : NULL;
    p->dml_table = NULL;
    if((from || is_kw(p, SQL_KW_USING)) && (accept_kw(p, SQL_KW_USING) || accept_kw(p, SQL_KW_FROM))) {
        sqlp_parse_from_list(p, &sc);
    } else if(!from && accept_kw(p, SQL_KW_FROM)) {
        sqlp_parse_from_list(p, &sc);
    }
    if(accept_kw(p, SQL_KW_WHERE))
        sqlp_parse_expr(p, NULL);
    parse_returning(p, &out, alias);
    if(is_kw(p, SQL_KW_RETURNING) || is_kw(p, SQL_KW_ORDER) || is_kw(p, SQL_KW_LIMIT) || is_word(p, "option"))
        sqlp_skim_statement(p);
    /* a data-modifying CTE's deleted rows go on into the query around it: that writes the target */
    int returns = p->returned && nt == 1 && out.n && !out.into;
    /* A target's rows go when something else decides which: a table read, a CTE over one, or
     * (MySQL DELETE t1, t2 FROM t1 JOIN t2) another target, which then stays a read. */
    const char *tn[16];
    int written[16] = {0}, nwritten = 0;
    for(int i = 0; i < nt; i++) {
        tn[i] = targets[i];
        if(p->dml_table && nt == 1)
            tn[i] = p->dml_table;
        else if(nt > 1 || (!from && sc.n > 1)) {
            fitem_t *it = sqlp_find_item(&sc, tn[i]);
            if(it && it->table)
                tn[i] = it->table;
        }
    }
    for(int i = 0; i < nt && reads; i++) {
        int other = p->cte_src > cte_src_before;
        for(uint32_t k = reads_before; k < reads->n && !other; k++)
            other = strcmp(reads->v[k], tn[i]) != 0;
        written[i] = other || returns;
        nwritten += other;
    }
    for(int i = 0; i < nt && reads; i++) {
        int source_of_another = nwritten > written[i];
        for(uint32_t k = reads_before; k < reads->n && !source_of_another; k++) {
            if(strcmp(reads->v[k], tn[i]) == 0) {
                memmove(&reads->v[k], &reads->v[k + 1], (reads->n - k - 1) * sizeof(char *));
                reads->n--;
                sql_nameidx_drop(&reads->idx);
                break;
            }
        }
    }
    for(int i = 0; i < nt; i++)
        if(written[i])
            sqlp_add_write(p, tn[i]);
    /* the deleted rows go on into the OUTPUT table: that reads the target */
    if(nt == 1)
        resolve_output(p, &out, p->dml_table ? p->dml_table : targets[0], &sc);
out:
    p->dml_target = saved_target;
    p->dml_table = saved_table;
}

/* Spark/Databricks UPDATE SET * and INSERT * [EXCEPT (cols)]: every column of the target from the
 * source's column of that name, but the columns named after EXCEPT. */
static void merge_star(parser_t *p, const char *table, scope_t *sc)
{
    const char *except[256];
    int nexcept = 0;
    if(is_kw(p, SQL_KW_EXCEPT) && t_op(p, peek(p, 1), '(')) {
        next(p);
        nexcept = parse_column_list(p, except, 256);
    }
    rel_t *r = sc->n > 1 ? sqlp_new_rel(p) : NULL;
    if(!r)
        return;
    sqlp_expand_star(p, &sc->items[1], r);
    uint32_t kept = 0;
    for(uint32_t i = 0; i < r->n; i++) {
        int out = 0;
        for(int k = 0; k < nexcept && !out; k++)
            out = r->cols[i].name && strcmp(r->cols[i].name, except[k]) == 0;
        if(!out)
            r->cols[kept++] = r->cols[i];
    }
    r->n = kept;
    sqlp_emit_columns(p, table, r, NULL, 0);
}

void sqlp_parse_merge(parser_t *p)
{
    sqlp_set_kind(p, "merge");
    next(p);
    accept_kw(p, SQL_KW_INTO);
    scope_t sc = {0};
    qname_t q;
    if(!sqlp_parse_qname(p, &q)) {
        sqlp_fail(p, "expected a table after MERGE");
        return;
    }
    const char *table = q.full;
    sqlp_add_write(p, table);
    fitem_t *tgt = sqlp_scope_add(p, &sc);
    if(!tgt)
        return;
    tgt->table = table;
    sqlp_skip_table_modifiers(p);
    if(!is_kw(p, SQL_KW_USING))
        tgt->alias = sqlp_parse_alias(p, NULL, NULL, 0);
    if(!accept_kw(p, SQL_KW_USING)) {
        sqlp_fail(p, "expected USING in MERGE");
        return;
    }
    /* the ON keys decide which target rows each branch changes, as an UPDATE's join keys and
     * WHERE do; a branch's own conditions filter */
    sink_t ind = {0};
    sink_t *outer_ind = p->ind;
    p->ind = &ind;
    sqlp_parse_table_primary(p, &sc);
    /* Postgres: USING a JOIN b ON .. ON cond, the source a join */
    sqlp_parse_joins(p, &sc);
    sqlp_parse_join_condition(p); /* ON cond, or DuckDB's USING (cols) */
    while(!p->err && accept_kw(p, SQL_KW_WHEN)) {
        accept_kw(p, SQL_KW_NOT);
        accept_word(p, "matched");
        if(accept_kw(p, SQL_KW_BY))
            next(p);
        if(accept_kw(p, SQL_KW_AND))
            sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
        if(!accept_kw(p, SQL_KW_THEN)) {
            sqlp_fail(p, "expected THEN in MERGE");
            break;
        }
        if(is_kw(p, SQL_KW_UPDATE) || is_kw(p, SQL_KW_INSERT)) {
            /* Snowflake UPDATE ALL BY NAME, INSERT ALL BY NAME: as Spark's SET * and INSERT * */
            const sql_token_t *a = peek(p, 1);
            if(t_kw(a, SQL_KW_ALL) && t_kw(peek(p, 2), SQL_KW_BY) && t_word(p, peek(p, 3), "name")) {
                for(int i = 0; i < 4; i++)
                    next(p);
                merge_star(p, table, &sc);
                if(accept_kw(p, SQL_KW_WHERE))
                    sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
                continue;
            }
        }
        if(accept_kw(p, SQL_KW_UPDATE)) {
            if(at_end(p) || is_kw(p, SQL_KW_WHEN) || is_op(p, ';')) {
                /* DuckDB's bare UPDATE: SET * */
                merge_star(p, table, &sc);
                continue;
            }
            if(!accept_kw(p, SQL_KW_SET)) {
                sqlp_fail(p, "expected SET");
                break;
            }
            if(is_op(p, '*')) {
                next(p);
                merge_star(p, table, &sc);
                continue;
            }
            assigns_t as = {0};
            parse_assignments(p, &as);
            resolve_assignments(p, table, &sc, &as);
            if(accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
            if(accept_kw(p, SQL_KW_DELETE) && accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
        } else if(accept_kw(p, SQL_KW_DELETE)) {
            if(accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
        } else if(accept_kw(p, SQL_KW_INSERT)) {
            const char *cols[1024];
            int nc = 0;
            if(is_op(p, '('))
                nc = parse_column_list(p, cols, 1024);
            if(is_kw(p, SQL_KW_VALUES))
                parse_insert_values_columns(p, table, cols, nc, &sc);
            else if(is_op(p, '*')) {
                next(p);
                merge_star(p, table, &sc);
            } else if(is_kw(p, SQL_KW_ROW))
                next(p);
            else if(is_word(p, "default")) {
                next(p);
                accept_kw(p, SQL_KW_VALUES);
            }
            if(accept_kw(p, SQL_KW_WHERE))
                sqlp_parse_indirect_expr(p, SQL_HOW_FILTER);
        } else if(is_word(p, "do")) {
            next(p);
            accept_word(p, "nothing");
        } else {
            sqlp_fail(p, "unexpected MERGE action");
            break;
        }
    }
    p->ind = outer_ind;
    if(p->err)
        return;
    sqlp_resolve_indirect(p, &sc, NULL, &ind, NULL);
    output_t out = {0};
    if(is_word(p, "output"))
        parse_output(p, &out);
    else
        parse_returning(p, &out, sc.items[0].alias);
    resolve_output(p, &out, table, &sc);
    /* Postgres 17's MERGE .. RETURNING: rows for the caller, as a SELECT's (its subqueries still read) */
    if(is_word(p, "option") || is_kw(p, SQL_KW_RETURNING))
        sqlp_skim_statement(p);
}

/* A quoted name holding "://" ("s3://b/k"): a URL, not a table. */
static int quoted_url(const parser_t *p, const sql_token_t *t)
{
    if(t->type != SQL_TOK_QUOTED)
        return 0;
    for(uint32_t i = 0; i + 3 <= t->len; i++)
        if(memcmp(p->src + t->off + i, "://", 3) == 0)
            return 1;
    return 0;
}

/* Location of COPY/UNLOAD: a string path (a quoted URL too) or a @stage. */
static int parse_location(parser_t *p, sql_strvec_t *paths)
{
    const sql_token_t *t = cur(p);
    if(quoted_url(p, t)) {
        if(p->st)
            sqlp_vadd(p, paths, sqlp_norm(p, t));
        next(p);
        return 1;
    }
    if(t->type == SQL_TOK_STRING) {
        if(p->st)
            sqlp_vadd(p, paths, sqlp_string_value(p, t));
        next(p);
        return 1;
    }
    const char *stage = sqlp_parse_stage(p);
    if(stage && p->st)
        sqlp_vadd(p, paths, stage);
    while(stage && (is_op(p, '/') || is_op(p, '.') || (is_name_tok(cur(p)) && !(t_flags(cur(p)) & SQL_KW_R))))
        next(p);
    return stage != NULL;
}

void sqlp_parse_copy(parser_t *p)
{
    sqlp_set_kind(p, "copy");
    next(p);
    if(accept_kw(p, SQL_KW_INTO)) {
        /* Snowflake/T-SQL: COPY INTO target FROM source */
        const char *table = NULL;
        int loc = parse_location(p, p->st ? &p->st->write_paths : NULL);
        if(!loc) {
            qname_t q;
            if(!sqlp_parse_qname(p, &q)) {
                sqlp_fail(p, "expected a table after COPY INTO");
                return;
            }
            table = q.full;
            sqlp_add_write(p, table);
        }
        if(is_op(p, '('))
            sqlp_skip_group(p);
        if(accept_kw(p, SQL_KW_FROM)) {
            if(is_op(p, '(')) {
                sqlp_parse_query(p, NULL);
            } else if(!parse_location(p, p->st ? &p->st->read_paths : NULL)) {
                qname_t q;
                if(sqlp_parse_qname(p, &q))
                    sqlp_add_read(p, q.full);
            }
        }
        sqlp_skim_statement(p);
        return;
    }
    if(is_op(p, '(') && sqlp_dml_at(p, 1)) {
        /* Postgres' COPY (INSERT|UPDATE|DELETE|MERGE .. RETURNING ..) TO ..: the statement's lineage */
        sqlp_parse_dml_rows(p);
    } else if(is_op(p, '(')) {
        next(p);
        sqlp_parse_query(p, NULL);
        sqlp_expect_op(p, ')', "expected ')'");
    } else {
        qname_t q;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a table after COPY");
            return;
        }
        if(is_op(p, '('))
            sqlp_skip_group(p);
        if(is_kw(p, SQL_KW_FROM))
            sqlp_add_write(p, q.full);
        else
            sqlp_add_read(p, q.full);
    }
    if(accept_kw(p, SQL_KW_FROM))
        parse_location(p, p->st ? &p->st->read_paths : NULL);
    else if(accept_word(p, "to"))
        parse_location(p, p->st ? &p->st->write_paths : NULL);
    sqlp_skim_statement(p);
}

/* Redshift UNLOAD ('query') TO 's3://..': the query is inside a string. */
void sqlp_parse_unload(parser_t *p)
{
    sqlp_set_kind(p, "unload");
    next(p);
    if(accept_op(p, '(')) {
        const sql_token_t *t = cur(p);
        if(t->type == SQL_TOK_STRING) {
            char *q = sqlp_string_value(p, t);
            if(q && sqlp_parse_embedded(p, q, strlen(q), t))
                return;
            next(p);
        } else if(sqlp_is_query_start(t)) {
            /* Athena UNLOAD (SELECT ..) TO 's3://..' */
            sqlp_parse_query(p, NULL);
        }
        sqlp_expect_op(p, ')', "expected ')' after UNLOAD query");
    }
    if(accept_word(p, "to"))
        parse_location(p, p->st ? &p->st->write_paths : NULL);
    sqlp_skim_statement(p);
}

/* Hive: FROM src INSERT OVERWRITE TABLE a SELECT .. [INSERT ..]... */
/* FROM .. INSERT (Hive multi-insert) or FROM .. [SELECT ..] (DuckDB)? */
static int from_first_inserts(const parser_t *p)
{
    int depth = 0;
    for(size_t k = p->pos; k < p->n; k++) {
        const sql_token_t *t = &p->toks[k];
        if(t_op(p, t, '('))
            depth++;
        else if(t_op(p, t, ')'))
            depth--;
        else if(depth == 0 && t_op(p, t, ';'))
            return 0;
        else if(depth == 0 && t_kw(t, SQL_KW_INSERT))
            return 1;
    }
    return 0;
}

void sqlp_parse_from_first(parser_t *p)
{
    if(!from_first_inserts(p)) {
        sqlp_parse_select_stmt(p);
        return;
    }
    sqlp_set_kind(p, "insert");
    next(p);
    scope_t sc = {0};
    sqlp_parse_from_list(p, &sc);
    while(!p->err && is_kw(p, SQL_KW_INSERT)) {
        next(p);
        if(!accept_kw(p, SQL_KW_INTO))
            accept_word(p, "overwrite");
        accept_kw(p, SQL_KW_TABLE);
        qname_t q;
        if(!sqlp_parse_qname(p, &q)) {
            sqlp_fail(p, "expected a table after INSERT");
            return;
        }
        sqlp_add_write(p, q.full);
        const char *cols[1024], *fixed[64];
        int nc = 0, nfixed = 0;
        if(is_kw(p, SQL_KW_PARTITION) && t_op(p, peek(p, 1), '('))
            nfixed = parse_partition_spec(p, fixed, 64);
        if(is_op(p, '(') && !sqlp_paren_is_query(p, 1))
            nc = parse_column_list(p, cols, 1024);
        else
            nc = insert_columns(p, q.full, fixed, nfixed, cols, 1024);
        /* MAP|REDUCE .. USING 'script', or SELECT TRANSFORM (..) USING: Hive's script transforms */
        int transform = sqlp_transform_at(p, 0);
        if(!transform && !accept_kw(p, SQL_KW_SELECT)) {
            sqlp_fail(p, "expected SELECT");
            return;
        }
        transform = transform || sqlp_transform_at(p, 0);
        if(!transform)
            accept_kw(p, SQL_KW_DISTINCT);
        item_t *items = NULL;
        uint32_t n = 0, cap = 0;
        if(transform)
            sqlp_parse_transform(p, &items, &n, &cap);
        while(!transform) {
            if(!sqlp_grow(p, (void **)&items, n, &cap, sizeof *items))
                return;
            item_t *it = &items[n++];
            memset(it, 0, sizeof *it);
            size_t start = p->pos;
            sqlp_parse_expr(p, &it->sink);
            size_t end = p->pos;
            if(accept_kw(p, SQL_KW_AS) || sqlp_can_be_alias(p, cur(p))) {
                it->name = sqlp_norm(p, cur(p));
                next(p);
            }
            if(!it->name)
                it->name = sqlp_item_name(p, start, end);
            sqlp_mark_identity(p, &it->sink, start, end);
            if(p->err || !accept_op(p, ','))
                break;
        }
        /* an INSERT's SELECT may name its own FROM instead of the shared one */
        scope_t own = {0}, *from = &sc;
        if(accept_kw(p, SQL_KW_FROM)) {
            sqlp_parse_from_list(p, &own);
            from = &own;
        }
        /* the table's columns in order, when they are known and the SELECT fills each */
        int positional = nc == (int)n;
        for(uint32_t i = 0; i < n && positional; i++)
            positional = !items[i].name || !strchr(items[i].name, '*');
        for(uint32_t i = 0; i < n && !p->err; i++) {
            sql_srcvec_t src = {0};
            sqlp_resolve_sink(p, from, &items[i].sink, &src, NULL, 0);
            sqlp_add_edge(p, q.full, positional ? cols[i] : items[i].name, &src);
        }
        sqlp_parse_filter_clauses(p);
        sqlp_parse_tail_clauses(p);
    }
}

void sqlp_parse_load(parser_t *p)
{
    sqlp_set_kind(p, "load");
    if(is_word(p, "bulk")) {
        p->pos += 2;
        qname_t q;
        if(sqlp_parse_qname(p, &q))
            sqlp_add_write(p, q.full);
        if(accept_kw(p, SQL_KW_FROM) && cur(p)->type == SQL_TOK_STRING)
            parse_location(p, p->st ? &p->st->read_paths : NULL);
        sqlp_skim_statement(p);
        return;
    }
    while(!at_end(p) && !is_op(p, ';')) {
        if((is_word(p, "inpath") || is_word(p, "infile")) && peek(p, 1)->type == SQL_TOK_STRING) {
            next(p);
            parse_location(p, p->st ? &p->st->read_paths : NULL);
            continue;
        }
        if(is_kw(p, SQL_KW_INTO) && t_kw(peek(p, 1), SQL_KW_TABLE)) {
            next(p);
            next(p);
            qname_t q;
            if(sqlp_parse_qname(p, &q))
                sqlp_add_write(p, q.full);
            continue;
        }
        next(p);
    }
}
