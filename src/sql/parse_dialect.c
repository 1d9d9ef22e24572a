/* Dialect extensions that cut across statements: template placeholders and dbt ref()/source(),
 * Snowflake IDENTIFIER(), ClickHouse join words and ARRAY JOIN. */
#include "sql/parser_int.h"

/* Snowflake IDENTIFIER('db.s.t') / IDENTIFIER($var): the name in the string, or the variable
 * as written. */
int sqlp_parse_identifier_fn(parser_t *p, qname_t *q)
{
    size_t k = 2;
    while(k < 8 && !t_op(p, peek(p, k), ')') && peek(p, k)->type != SQL_TOK_EOF)
        k++;
    if(!t_op(p, peek(p, k), ')') || k == 2)
        return 0;
    const sql_token_t *a = peek(p, 2), *z = peek(p, k - 1);
    char *name;
    if(k == 3 && a->type == SQL_TOK_STRING) {
        name = sqlp_string_value(p, a);
        if(name && !strchr(name, '"'))
            for(char *c = name; *c; c++)
                if(*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c + 32);
    } else {
        name = sqlp_astrndup(p, p->src + a->off, z->off + z->len - a->off);
    }
    if(!name)
        return 0;
    for(size_t i = 0; i <= k; i++)
        next(p);
    const char *dot = strrchr(name, '.');
    q->full = name;
    q->first = name;
    q->last = dot ? dot + 1 : name;
    q->nparts = 1;
    for(const char *c = name; *c; c++)
        q->nparts += *c == '.';
    return 1;
}

/* ClickHouse: JOIN and its strictness words (GLOBAL ANY LEFT JOIN, ALL INNER JOIN). */
int sqlp_join_word(const parser_t *p, const sql_token_t *t)
{
    return t_kw(t, SQL_KW_JOIN) || t_kw(t, SQL_KW_INNER) || t_kw(t, SQL_KW_LEFT) || t_kw(t, SQL_KW_RIGHT) ||
           t_kw(t, SQL_KW_FULL) || t_kw(t, SQL_KW_CROSS) || t_kw(t, SQL_KW_ANY) || t_kw(t, SQL_KW_ALL) ||
           t_kw(t, SQL_KW_SEMI) || t_kw(t, SQL_KW_ANTI) || t_word(p, t, "asof");
}

/* ClickHouse [LEFT] ARRAY JOIN at token k. */
int sqlp_is_array_join(const parser_t *p, size_t k)
{
    if(t_kw(peek(p, k), SQL_KW_LEFT) || t_kw(peek(p, k), SQL_KW_INNER))
        k++;
    return t_word(p, peek(p, k), "array") && t_kw(peek(p, k + 1), SQL_KW_JOIN);
}

/* dbt: {{ ref('model') }} and {{ source('src', 'table') }} name tables. */
const char *sqlp_template_table(parser_t *p, const sql_token_t *t)
{
    const char *s = p->src + t->off;
    size_t len = t->len;
    char args[2][256];
    int nargs = 0;
    const char *kw = NULL;
    for(size_t i = 2; i + 3 < len; i++) {
        if(strncmp(s + i, "ref(", 4) == 0 || strncmp(s + i, "ref (", 5) == 0) {
            kw = "ref";
            i += 3;
        } else if(strncmp(s + i, "source(", 7) == 0) {
            kw = "source";
            i += 6;
        } else {
            continue;
        }
        while(i < len && nargs < 2) {
            while(i < len && s[i] != '\'' && s[i] != '"' && s[i] != ')')
                i++;
            if(i >= len || s[i] == ')')
                break;
            char q = s[i++];
            size_t st = i;
            while(i < len && s[i] != q)
                i++;
            size_t l = i - st;
            if(l >= sizeof args[0] || i >= len)
                break;
            memcpy(args[nargs], s + st, l);
            args[nargs][l] = '\0';
            nargs++;
            i++;
        }
        break;
    }
    if(!kw || nargs == 0)
        return NULL;
    if(strcmp(kw, "source") == 0 && nargs == 2) {
        char *a = sqlp_astrndup(p, args[0], strlen(args[0]));
        return a ? sqlp_aconcat(p, a, '.', args[1]) : NULL;
    }
    return sqlp_astrndup(p, args[nargs - 1], strlen(args[nargs - 1]));
}

/* ARRAY JOIN arr [AS a], ..: each alias is a column over the array's sources. */
void sqlp_parse_array_join(parser_t *p, scope_t *sc)
{
    while(!is_kw(p, SQL_KW_JOIN))
        next(p);
    next(p);
    fitem_t *it = sqlp_scope_add(p, sc);
    rel_t *r = sqlp_new_rel(p);
    if(!it || !r)
        return;
    it->rel = r;
    do {
        sink_t s = {0};
        size_t start = p->pos;
        sqlp_parse_expr(p, &s);
        const char *name = NULL;
        if(accept_kw(p, SQL_KW_AS) || sqlp_can_be_alias(p, cur(p))) {
            name = sqlp_norm(p, cur(p));
            next(p);
        }
        if(!name)
            name = sqlp_item_name(p, start, p->pos);
        outcol_t *c = name ? sqlp_rel_add(p, r, name, 0) : NULL;
        if(c) {
            /* the array's own scope: the FROM items before this one */
            scope_t before = {.items = sc->items, .n = sc->n - 1, .cap = sc->cap};
            sqlp_resolve_sink(p, &before, &s, &c->src, NULL, 0);
        }
    } while(!p->err && accept_op(p, ','));
}
