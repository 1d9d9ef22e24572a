#include "sql/parser.h"

#include "sql/error.h"
#include "util/alloc.h"

#include <stdint.h>
#include <string.h>

/* Bounded so a DDL dump cannot grow it without limit. */
#define SCHEMA_MAX_TABLES 200000
#define SCHEMA_BUCKETS    4096

/* One allocation a table: the entry with its name; its columns another, replaced whole by a put. */
typedef struct schema_entry {
    struct schema_entry *next; /* in its bucket */
    struct schema_entry *all;  /* every entry, for the free */
    char **cols;               /* the pointers, then the strings they point to */
    size_t n;
    char table[];
} schema_entry_t;

/* A script's variables (BigQuery's DECLARE x ..; before the statements that use x), bounded */
#define SCHEMA_MAX_VARS 4096

struct sql_schema {
    schema_entry_t *buckets[SCHEMA_BUCKETS];
    schema_entry_t *all;
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

void sql_schema_free(sql_schema_t *s)
{
    if(!s)
        return;
    for(schema_entry_t *e = s->all, *next; e; e = next) {
        next = e->all;
        util_free(e->cols);
        util_free(e);
    }
    for(size_t i = 0; i < s->nvars; i++)
        util_free(s->vars[i]);
    util_free(s->vars);
    util_free(s);
}

/* The n names (NULL as "") copied into one block behind their pointers: a malloc a table, not a column. */
static char **copy_cols(char *const *cols, size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(char *);
    if(n > SIZE_MAX / 2 / sizeof(char *))
        return NULL;
    for(size_t i = 0; i < n; i++) {
        size_t len = cols[i] ? strlen(cols[i]) : 0;
        if(len >= SIZE_MAX / 2 - bytes)
            return NULL;
        bytes += len + 1;
    }
    char **copy = util_malloc(bytes);
    if(!copy)
        return NULL;
    char *at = (char *)(copy + (n ? n : 1));
    for(size_t i = 0; i < n; i++) {
        copy[i] = at;
        at = stpcpy(at, cols[i] ? cols[i] : "") + 1;
    }
    return copy;
}

int sql_schema_put(sql_schema_t *s, const char *table, char *const *cols, size_t n)
{
    char **copy = copy_cols(cols, n);
    if(!copy)
        return SQL_ERR_NOMEM;
    size_t h = hash(table);
    for(schema_entry_t *e = s->buckets[h]; e; e = e->next) {
        if(strcmp(e->table, table) == 0) {
            util_free(e->cols);
            e->cols = copy;
            e->n = n;
            return 0;
        }
    }
    if(s->count >= SCHEMA_MAX_TABLES) {
        util_free(copy);
        return 0;
    }
    size_t len = strlen(table);
    schema_entry_t *e = util_malloc(sizeof *e + len + 1);
    if(!e) {
        util_free(copy);
        return SQL_ERR_NOMEM;
    }
    memcpy(e->table, table, len + 1);
    e->cols = copy;
    e->n = n;
    e->next = s->buckets[h];
    s->buckets[h] = e;
    e->all = s->all;
    s->all = e;
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
    for(const schema_entry_t *e = s->all; e; e = e->all)
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
