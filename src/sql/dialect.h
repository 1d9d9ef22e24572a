/* SQL dialects: names, the lexical traits that differ between them, and guessing one. */
#ifndef LINEAGED_SQL_DIALECT_H
#define LINEAGED_SQL_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sql_dialect {
    SQL_DIALECT_AUTO = 0,
    SQL_DIALECT_ANSI,
    SQL_DIALECT_POSTGRES,
    SQL_DIALECT_TSQL,
    SQL_DIALECT_SNOWFLAKE,
    SQL_DIALECT_BIGQUERY,
    SQL_DIALECT_MYSQL,
    SQL_DIALECT_ORACLE,
    SQL_DIALECT_HIVE,
    SQL_DIALECT_SPARKSQL,
    SQL_DIALECT_DATABRICKS,
    SQL_DIALECT_CLICKHOUSE,
    SQL_DIALECT_DUCKDB,
    SQL_DIALECT_TRINO, /* also Presto and Athena */
    SQL_DIALECT_REDSHIFT,
    SQL_DIALECT_TERADATA,
} sql_dialect_t;

#define SQL_DIALECT_COUNT (SQL_DIALECT_TERADATA + 1)

/* Postgres and the dialects built on its grammar. */
#define SQL_DIALECT_IS_PG(d) ((d) == SQL_DIALECT_POSTGRES || (d) == SQL_DIALECT_REDSHIFT || (d) == SQL_DIALECT_DUCKDB)

typedef struct sql_dialect_traits {
    bool dq_ident;           /* "x" is an identifier, not a string */
    bool backtick_ident;     /* `x` */
    bool bracket_ident;      /* [x] */
    bool backslash_escapes;  /* \' inside '..' and ".." */
    bool hash_comment;       /* # to end of line */
    bool hash_space_comment; /* # then white space to end of line (MySQL's comments in generic SQL) */
    bool dash_space_comment; /* -- starts a comment only before white space or a control character (MySQL) */
    bool nested_comments;    /* block comments nest */
    bool hash_ident;         /* #temp, ##global */
    bool hash_in_words;      /* # inside a name after its first character (Oracle's obj#) */
    bool quoted_binds;       /* :"SYS_B_0" (Oracle's cursor sharing) */
    bool psql_vars;          /* :'v', :"v" (psql's variables, interpolated as a literal or a name) */
    bool stages;             /* @~ and @%t (Snowflake's user and table stages) */
    bool dollar_vars;        /* $name is a session variable; $$ the only dollar quote (Snowflake) */
    bool dollar_quotes;      /* $$..$$, $tag$..$tag$ */
    bool sel_keyword;        /* SEL abbreviates SELECT (Teradata) */
    bool no_colon_binds;     /* :name is no parameter (DuckDB: x:a is the prefix alias x of a) */
} sql_dialect_traits_t;

/* Accepts the canonical names and the corpus' other dialect names (athena, redshift, ...). */
int sql_dialect_from_name(const char *name, sql_dialect_t *out);
const char *sql_dialect_name(sql_dialect_t d);
sql_dialect_traits_t sql_dialect_traits(sql_dialect_t d);
/* Guess from tell-tale syntax in (a prefix of) the text; never returns AUTO. */
sql_dialect_t sql_dialect_guess(const char *text, size_t len);

#endif
