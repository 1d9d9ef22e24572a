#include "sql/parser.h"

#include "sql/error.h"
#include "util/alloc.h"

#include <string.h>

/* Bounded so a DDL dump cannot grow it without limit. */
#define SCHEMA_MAX_TABLES 200000
#define SCHEMA_BUCKETS    4096

typedef struct schema_entry {
    struct schema_entry *next;
    char *table;
    char **cols;
    size_t n;
} schema_entry_t;

/* A script's variables (BigQuery's DECLARE x ..; before the statements that use x), bounded */
#define SCHEMA_MAX_VARS 4096

struct sql_schema {
    schema_entry_t *buckets[SCHEMA_BUCKETS];
    size_t count;
    char **vars;
    size_t nvars, capvars;
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for(; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h % SCHEMA_BUCKETS;
}

sql_schema_t *sql_schema_new(void)
{
    return util_calloc(1, sizeof(sql_schema_t));
}

static void free_cols(char **cols, size_t n)
{
    for(size_t i = 0; i < n; i++)
        util_free(cols[i]);
    util_free(cols);
}

void sql_schema_free(sql_schema_t *s)
{
    if(!s)
        return;
    for(size_t b = 0; b < SCHEMA_BUCKETS; b++) {
        schema_entry_t *e = s->buckets[b];
        while(e) {
            schema_entry_t *next = e->next;
            free_cols(e->cols, e->n);
            util_free(e->table);
            util_free(e);
            e = next;
        }
    }
    free_cols(s->vars, s->nvars);
    util_free(s);
}

int sql_schema_put(sql_schema_t *s, const char *table, char *const *cols, size_t n)
{
    char **copy = util_calloc(n ? n : 1, sizeof *copy);
    if(!copy)
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < n; i++) {
        copy[i] = util_strdup(cols[i] ? cols[i] : "");
        if(!copy[i]) {
            free_cols(copy, i);
            return SQL_ERR_NOMEM;
        }
    }
    size_t h = hash(table);
    for(schema_entry_t *e = s->buckets[h]; e; e = e->next) {
        if(strcmp(e->table, table) == 0) {
            free_cols(e->cols, e->n);
            e->cols = copy;
            e->n = n;
            return 0;
        }
    }
    if(s->count >= SCHEMA_MAX_TABLES) {
        free_cols(copy, n);
        return 0;
    }
    schema_entry_t *e = util_malloc(sizeof *e);
    char *name = util_strdup(table);
    if(!e || !name) {
        util_free(e);
        util_free(name);
        free_cols(copy, n);
        return SQL_ERR_NOMEM;
    }
    e->table = name;
    e->cols = copy;
    e->n = n;
    e->next = s->buckets[h];
    s->buckets[h] = e;
    s->count++;
    return 0;
}

char *const *sql_schema_get(const sql_schema_t *s, const char *table, size_t *n)
{
    for(schema_entry_t *e = s->buckets[hash(table)]; e; e = e->next) {
        if(strcmp(e->table, table) == 0) {
            *n = e->n;
            return e->cols;
        }
    }
    *n = 0;
    return NULL;
}

int sql_schema_has_column(const sql_schema_t *s, const char *col)
{
    for(size_t b = 0; b < SCHEMA_BUCKETS; b++)
        for(const schema_entry_t *e = s->buckets[b]; e; e = e->next)
            for(size_t i = 0; i < e->n; i++)
                if(strcmp(e->cols[i], col) == 0)
                    return 1;
    return 0;
}

int sql_schema_add_var(sql_schema_t *s, const char *name)
{
    for(size_t i = 0; i < s->nvars; i++)
        if(strcmp(s->vars[i], name) == 0)
            return 0;
    if(s->nvars >= SCHEMA_MAX_VARS)
        return 0;
    if(s->nvars == s->capvars) {
        size_t cap = s->capvars ? s->capvars * 2 : 8;
        char **v = util_realloc(s->vars, cap * sizeof *v);
        if(!v)
            return SQL_ERR_NOMEM;
        s->vars = v;
        s->capvars = cap;
    }
    if(!(s->vars[s->nvars] = util_strdup(name)))
        return SQL_ERR_NOMEM;
    s->nvars++;
    return 0;
}

const char *const *sql_schema_vars(const sql_schema_t *s, size_t *n)
{
    *n = s->nvars;
    return (const char *const *)s->vars;
}
