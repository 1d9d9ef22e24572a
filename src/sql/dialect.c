#include "sql/dialect.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    sql_dialect_t d;
} dialect_names[] = {
    {"auto", SQL_DIALECT_AUTO},
    {"ansi", SQL_DIALECT_ANSI},
    {"postgres", SQL_DIALECT_POSTGRES},
    {"tsql", SQL_DIALECT_TSQL},
    {"snowflake", SQL_DIALECT_SNOWFLAKE},
    {"bigquery", SQL_DIALECT_BIGQUERY},
    {"mysql", SQL_DIALECT_MYSQL},
    {"oracle", SQL_DIALECT_ORACLE},
    {"hive", SQL_DIALECT_HIVE},
    {"sparksql", SQL_DIALECT_SPARKSQL},
    {"databricks", SQL_DIALECT_DATABRICKS},
    {"clickhouse", SQL_DIALECT_CLICKHOUSE},
    {"duckdb", SQL_DIALECT_DUCKDB},
    {"trino", SQL_DIALECT_TRINO},
    {"redshift", SQL_DIALECT_REDSHIFT},
    /* aliases: the nearest dialect for lexing and statement syntax */
    {"non-validating", SQL_DIALECT_AUTO},
    {"postgresql", SQL_DIALECT_POSTGRES},
    {"greenplum", SQL_DIALECT_POSTGRES},
    {"materialize", SQL_DIALECT_POSTGRES},
    {"vertica", SQL_DIALECT_POSTGRES},
    {"mssql", SQL_DIALECT_TSQL},
    {"sqlserver", SQL_DIALECT_TSQL},
    {"mariadb", SQL_DIALECT_MYSQL},
    {"spark", SQL_DIALECT_SPARKSQL},
    {"athena", SQL_DIALECT_TRINO},
    {"presto", SQL_DIALECT_TRINO},
    {"db2", SQL_DIALECT_ANSI},
    {"exasol", SQL_DIALECT_ANSI},
    {"teradata", SQL_DIALECT_ANSI},
    {"sqlite", SQL_DIALECT_ANSI},
};

int sql_dialect_from_name(const char *name, sql_dialect_t *out)
{
    for(size_t i = 0; i < sizeof dialect_names / sizeof dialect_names[0]; i++) {
        if(strcasecmp(name, dialect_names[i].name) == 0) {
            *out = dialect_names[i].d;
            return 0;
        }
    }
    return -1;
}

const char *sql_dialect_name(sql_dialect_t d)
{
    for(size_t i = 0; i < sizeof dialect_names / sizeof dialect_names[0]; i++)
        if(dialect_names[i].d == d)
            return dialect_names[i].name;
    return "ansi";
}

sql_dialect_traits_t sql_dialect_traits(sql_dialect_t d)
{
    sql_dialect_traits_t t = {.dq_ident = true, .backtick_ident = true, .dollar_quotes = true};
    switch(d) {
    case SQL_DIALECT_TSQL:
        t.bracket_ident = true;
        t.nested_comments = true;
        t.hash_ident = true;
        break;
    case SQL_DIALECT_POSTGRES:
    case SQL_DIALECT_DUCKDB: t.nested_comments = true; break;
    case SQL_DIALECT_REDSHIFT:
        /* CREATE TABLE #tmp: Redshift's temporary tables */
        t.hash_ident = true;
        break;
    case SQL_DIALECT_CLICKHOUSE: t.backslash_escapes = true; break;
    case SQL_DIALECT_TRINO: t.dollar_quotes = false; break;
    case SQL_DIALECT_MYSQL:
        t.dollar_quotes = false;
        t.dq_ident = false;
        t.backslash_escapes = true;
        t.hash_comment = true;
        break;
    case SQL_DIALECT_BIGQUERY:
        t.dq_ident = false;
        t.backslash_escapes = true;
        t.hash_comment = true;
        break;
    case SQL_DIALECT_HIVE:
    case SQL_DIALECT_SPARKSQL:
    case SQL_DIALECT_DATABRICKS:
        t.dq_ident = false;
        t.backslash_escapes = true;
        break;
    default: break;
    }
    return t;
}

/* Case-insensitive search for a word that is not part of a longer identifier. */
static size_t count_word(const char *s, size_t len, const char *w)
{
    size_t wl = strlen(w), n = 0;
    for(size_t i = 0; i + wl <= len; i++) {
        if(strncasecmp(s + i, w, wl) != 0)
            continue;
        bool left = i == 0 || !(isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_');
        bool right = i + wl == len || !(isalnum((unsigned char)s[i + wl]) || s[i + wl] == '_');
        if(left && right)
            n++;
    }
    return n;
}

static size_t count_sub(const char *s, size_t len, const char *w)
{
    size_t wl = strlen(w), n = 0;
    for(size_t i = 0; i + wl <= len; i++)
        if(strncasecmp(s + i, w, wl) == 0)
            n++;
    return n;
}

/* Scores are rough on purpose: only tell-tale constructs that other dialects reject count. */
sql_dialect_t sql_dialect_guess(const char *text, size_t len)
{
    if(len > 65536)
        len = 65536;
    long score[SQL_DIALECT_COUNT] = {0};
    size_t brackets = 0, backticks = 0;
    for(size_t i = 0; i < len; i++) {
        if(text[i] == '`')
            backticks++;
        else if(text[i] == '[' && i + 1 < len && (isalpha((unsigned char)text[i + 1]) || text[i + 1] == '_')) {
            size_t j = i + 1;
            while(j < len && (isalnum((unsigned char)text[j]) || text[j] == '_' || text[j] == ' '))
                j++;
            if(j < len && text[j] == ']' && (i == 0 || !isalnum((unsigned char)text[i - 1])))
                brackets++;
        }
    }
    score[SQL_DIALECT_TSQL] += (long)brackets * 3 + (long)count_word(text, len, "GO") * 3 +
                               (long)count_word(text, len, "NOLOCK") * 3 + (long)count_sub(text, len, "@@") * 2 +
                               (long)count_word(text, len, "TOP") + (long)count_word(text, len, "NVARCHAR") * 2 +
                               (long)count_sub(text, len, "CROSS APPLY") * 2 +
                               (long)count_word(text, len, "GETDATE") * 2;
    score[SQL_DIALECT_POSTGRES] += (long)count_sub(text, len, "::") * 2 + (long)count_sub(text, len, "$$") * 2 +
                                   (long)count_word(text, len, "ILIKE") + (long)count_word(text, len, "plpgsql") * 3 +
                                   (long)count_word(text, len, "SERIAL") * 2;
    score[SQL_DIALECT_ORACLE] += (long)count_sub(text, len, ":=") * 2 + (long)count_word(text, len, "NVL") +
                                 (long)count_word(text, len, "DUAL") * 2 + (long)count_word(text, len, "VARCHAR2") * 3 +
                                 (long)count_word(text, len, "ROWNUM") * 2 + (long)count_word(text, len, "SYSDATE") +
                                 (long)count_word(text, len, "ELSIF") * 3;
    score[SQL_DIALECT_SNOWFLAKE] +=
        (long)count_word(text, len, "FLATTEN") * 2 + (long)count_word(text, len, "VARIANT") * 2 +
        (long)count_word(text, len, "CLONE") * 2 + (long)count_sub(text, len, "COPY INTO") * 2 +
        (long)count_word(text, len, "IFF") * 2 + (long)count_word(text, len, "SWAP") * 2;
    long bq = (long)count_word(text, len, "STRUCT") + (long)count_word(text, len, "SAFE_CAST") * 2 +
              (long)count_word(text, len, "INT64") * 3 + (long)count_word(text, len, "FLOAT64") * 3 +
              (long)count_sub(text, len, "EXCEPT(") + (long)count_word(text, len, "ARRAY_AGG");
    long hive = (long)count_sub(text, len, "INSERT OVERWRITE") * 3 + (long)count_sub(text, len, "LATERAL VIEW") * 3 +
                (long)count_sub(text, len, "PARTITIONED BY") * 2 + (long)count_sub(text, len, "STORED AS") * 2 +
                (long)count_word(text, len, "TBLPROPERTIES") * 2 + (long)count_sub(text, len, "CLUSTERED BY") * 2;
    score[SQL_DIALECT_CLICKHOUSE] +=
        (long)count_word(text, len, "MergeTree") * 4 + (long)count_word(text, len, "ReplacingMergeTree") * 4 +
        (long)count_word(text, len, "SummingMergeTree") * 4 + (long)count_word(text, len, "AggregatingMergeTree") * 4 +
        (long)count_sub(text, len, "ARRAY JOIN") * 3 + (long)count_word(text, len, "PREWHERE") * 3 +
        (long)count_word(text, len, "dictGet") * 3 + (long)count_word(text, len, "LowCardinality") * 3 +
        (long)count_word(text, len, "FINAL") + (long)count_word(text, len, "Nullable") * 2;
    score[SQL_DIALECT_DUCKDB] +=
        (long)count_word(text, len, "read_parquet") * 3 + (long)count_word(text, len, "read_csv_auto") * 3 +
        (long)count_word(text, len, "read_csv") * 2 + (long)count_word(text, len, "read_json") * 2;
    score[SQL_DIALECT_TRINO] += (long)count_word(text, len, "approx_distinct") * 2 +
                                (long)count_word(text, len, "try_cast") +
                                (long)count_sub(text, len, "CROSS JOIN UNNEST") * 2;
    score[SQL_DIALECT_REDSHIFT] +=
        (long)count_word(text, len, "DISTKEY") * 3 + (long)count_word(text, len, "SORTKEY") * 3 +
        (long)count_word(text, len, "DISTSTYLE") * 3 + (long)count_word(text, len, "UNLOAD") * 2;
    long mysql = (long)count_word(text, len, "AUTO_INCREMENT") * 3 + (long)count_word(text, len, "ENGINE") * 2 +
                 (long)count_sub(text, len, "ON DUPLICATE KEY") * 3 + (long)count_word(text, len, "DELIMITER") * 3;
    if(backticks) {
        bq += 1;
        hive += 1;
        mysql += 1;
    }
    score[SQL_DIALECT_BIGQUERY] += bq;
    score[SQL_DIALECT_SPARKSQL] += hive;
    score[SQL_DIALECT_MYSQL] += mysql;
    sql_dialect_t best = SQL_DIALECT_ANSI;
    long best_score = 1;
    for(int d = SQL_DIALECT_ANSI; d < SQL_DIALECT_COUNT; d++) {
        if(score[d] > best_score) {
            best_score = score[d];
            best = (sql_dialect_t)d;
        }
    }
    return best;
}
