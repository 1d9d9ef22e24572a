#include "sql/dialect.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
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
    {"teradata", SQL_DIALECT_TERADATA},
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
    {"dremio", SQL_DIALECT_ANSI},
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
        t.nested_comments = true;
        t.psql_vars = true;
        break;
    case SQL_DIALECT_DUCKDB:
        t.nested_comments = true;
        t.no_colon_binds = true;
        break;
    case SQL_DIALECT_REDSHIFT:
        /* CREATE TABLE #tmp: Redshift's temporary tables */
        t.hash_ident = true;
        t.psql_vars = true;
        break;
    case SQL_DIALECT_SNOWFLAKE:
        t.stages = true;
        t.dollar_vars = true;
        break;
    case SQL_DIALECT_ANSI:
        /* # means nothing in standard SQL; MySQL scripts without other tell-tales end here */
        t.hash_space_comment = true;
        break;
    case SQL_DIALECT_CLICKHOUSE: t.backslash_escapes = true; break;
    case SQL_DIALECT_TERADATA: t.sel_keyword = true; break;
    case SQL_DIALECT_TRINO: t.dollar_quotes = false; break;
    case SQL_DIALECT_ORACLE:
        t.hash_in_words = true;
        t.quoted_binds = true;
        break;
    case SQL_DIALECT_MYSQL:
        t.dollar_quotes = false;
        t.dq_ident = false;
        t.backslash_escapes = true;
        t.hash_comment = true;
        t.dash_space_comment = true;
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
        /* Spark's bracketed comments nest (since Spark 3.1: a comment inside a comment); Hive's do not */
        t.nested_comments = d != SQL_DIALECT_HIVE;
        break;
    default: break;
    }
    return t;
}

/* A tell-tale construct: `word` ones must not be part of a longer identifier. */
typedef struct tell {
    const char *text;
    unsigned char len;
    bool word;
    unsigned char dialect;
    unsigned char weight;
} tell_t;

/* Every tell has two bytes at least (the guess finds them by their first two): a shorter one does
 * not compile. */
#define TELL_LEN(s) (sizeof(s) - 1 + 0 * sizeof(char[sizeof(s) > 2 ? 1 : -1]))
#define WORD(s, d, w)                                                                                                  \
    {                                                                                                                  \
        s, TELL_LEN(s), true, d, w                                                                                     \
    }
#define SUB(s, d, w)                                                                                                   \
    {                                                                                                                  \
        s, TELL_LEN(s), false, d, w                                                                                    \
    }

/* Scores are rough on purpose: only tell-tale constructs that other dialects reject count. */
static const tell_t tells[] = {
    WORD("GO", SQL_DIALECT_TSQL, 3),
    WORD("NOLOCK", SQL_DIALECT_TSQL, 3),
    SUB("@@", SQL_DIALECT_TSQL, 2),
    WORD("TOP", SQL_DIALECT_TSQL, 1),
    WORD("NVARCHAR", SQL_DIALECT_TSQL, 2),
    SUB("CROSS APPLY", SQL_DIALECT_TSQL, 2),
    WORD("GETDATE", SQL_DIALECT_TSQL, 2),
    SUB("::", SQL_DIALECT_POSTGRES, 2),
    SUB("$$", SQL_DIALECT_POSTGRES, 2),
    WORD("ILIKE", SQL_DIALECT_POSTGRES, 1),
    WORD("plpgsql", SQL_DIALECT_POSTGRES, 3),
    WORD("SERIAL", SQL_DIALECT_POSTGRES, 2),
    SUB(":=", SQL_DIALECT_ORACLE, 2),
    WORD("NVL", SQL_DIALECT_ORACLE, 1),
    WORD("DUAL", SQL_DIALECT_ORACLE, 2),
    WORD("VARCHAR2", SQL_DIALECT_ORACLE, 3),
    WORD("ROWNUM", SQL_DIALECT_ORACLE, 2),
    WORD("SYSDATE", SQL_DIALECT_ORACLE, 1),
    WORD("ELSIF", SQL_DIALECT_ORACLE, 3),
    /* SQL*Plus, psql and sqlcmd scripts: their client commands name the dialect */
    SUB("WHENEVER SQLERROR", SQL_DIALECT_ORACLE, 3),
    WORD("SERVEROUTPUT", SQL_DIALECT_ORACLE, 3),
    WORD("SPOOL", SQL_DIALECT_ORACLE, 2),
    SUB("\\connect ", SQL_DIALECT_POSTGRES, 3),
    SUB("\\copy ", SQL_DIALECT_POSTGRES, 3),
    SUB("\\set ", SQL_DIALECT_POSTGRES, 2),
    SUB(":setvar ", SQL_DIALECT_TSQL, 3),
    SUB(":on error", SQL_DIALECT_TSQL, 3),
    WORD("FLATTEN", SQL_DIALECT_SNOWFLAKE, 2),
    WORD("VARIANT", SQL_DIALECT_SNOWFLAKE, 2),
    WORD("CLONE", SQL_DIALECT_SNOWFLAKE, 2),
    SUB("COPY INTO", SQL_DIALECT_SNOWFLAKE, 2),
    WORD("IFF", SQL_DIALECT_SNOWFLAKE, 2),
    WORD("SWAP", SQL_DIALECT_SNOWFLAKE, 2),
    WORD("STRUCT", SQL_DIALECT_BIGQUERY, 1),
    WORD("SAFE_CAST", SQL_DIALECT_BIGQUERY, 2),
    WORD("INT64", SQL_DIALECT_BIGQUERY, 3),
    WORD("FLOAT64", SQL_DIALECT_BIGQUERY, 3),
    SUB("EXCEPT(", SQL_DIALECT_BIGQUERY, 1),
    WORD("ARRAY_AGG", SQL_DIALECT_BIGQUERY, 1),
    SUB("INSERT OVERWRITE", SQL_DIALECT_SPARKSQL, 3),
    SUB("LATERAL VIEW", SQL_DIALECT_SPARKSQL, 3),
    SUB("PARTITIONED BY", SQL_DIALECT_SPARKSQL, 2),
    SUB("STORED AS", SQL_DIALECT_SPARKSQL, 2),
    WORD("TBLPROPERTIES", SQL_DIALECT_SPARKSQL, 2),
    SUB("CLUSTERED BY", SQL_DIALECT_SPARKSQL, 2),
    WORD("MergeTree", SQL_DIALECT_CLICKHOUSE, 4),
    WORD("ReplacingMergeTree", SQL_DIALECT_CLICKHOUSE, 4),
    WORD("SummingMergeTree", SQL_DIALECT_CLICKHOUSE, 4),
    WORD("AggregatingMergeTree", SQL_DIALECT_CLICKHOUSE, 4),
    SUB("ARRAY JOIN", SQL_DIALECT_CLICKHOUSE, 3),
    WORD("PREWHERE", SQL_DIALECT_CLICKHOUSE, 3),
    WORD("dictGet", SQL_DIALECT_CLICKHOUSE, 3),
    WORD("LowCardinality", SQL_DIALECT_CLICKHOUSE, 3),
    WORD("FINAL", SQL_DIALECT_CLICKHOUSE, 1),
    WORD("Nullable", SQL_DIALECT_CLICKHOUSE, 2),
    WORD("read_parquet", SQL_DIALECT_DUCKDB, 3),
    WORD("read_csv_auto", SQL_DIALECT_DUCKDB, 3),
    WORD("read_csv", SQL_DIALECT_DUCKDB, 2),
    WORD("read_json", SQL_DIALECT_DUCKDB, 2),
    WORD("approx_distinct", SQL_DIALECT_TRINO, 2),
    WORD("try_cast", SQL_DIALECT_TRINO, 1),
    SUB("CROSS JOIN UNNEST", SQL_DIALECT_TRINO, 2),
    WORD("DISTKEY", SQL_DIALECT_REDSHIFT, 3),
    WORD("SORTKEY", SQL_DIALECT_REDSHIFT, 3),
    WORD("DISTSTYLE", SQL_DIALECT_REDSHIFT, 3),
    WORD("UNLOAD", SQL_DIALECT_REDSHIFT, 2),
    WORD("AUTO_INCREMENT", SQL_DIALECT_MYSQL, 3),
    WORD("ENGINE", SQL_DIALECT_MYSQL, 2),
    SUB("ON DUPLICATE KEY", SQL_DIALECT_MYSQL, 3),
    WORD("DELIMITER", SQL_DIALECT_MYSQL, 3),
};

#define N_TELLS (sizeof tells / sizeof tells[0])
_Static_assert(N_TELLS < 0xff, "tell indexes fit a byte, 0xff ends a chain");

/* ASCII only, as strncasecmp in the C locale: tolower() would follow a locale. */
static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

#define MAY_WORD  1u /* a whole-word tell starts with these two bytes */
#define MAY_SUB   2u /* an anywhere tell does */
#define MAY_QUOTE 4u /* the first byte is ` or [ */
#define MAY_IDENT 8u /* the first byte is an identifier's (a word goes on after it) */
_Static_assert(MAY_IDENT >> 3 == MAY_WORD, "an identifier byte takes MAY_WORD from the next");

/* The guess's tables, built once: per pair of a raw byte and the raw byte after it, MAY_* (so one
 * lookup a byte says whether anything can start there), and the chain of the tells whose first two
 * bytes they are, folded (head[][] starts it, next[] goes on). */
static struct {
    unsigned char pair[256][256];
    unsigned char head[256][256];
    unsigned char next[N_TELLS];
} guess;
static pthread_once_t guess_once = PTHREAD_ONCE_INIT;

static void guess_init(void)
{
    memset(guess.head, 0xff, sizeof guess.head);
    for(size_t t = N_TELLS; t-- > 0;) {
        unsigned char f = fold((unsigned char)tells[t].text[0]), f2 = fold((unsigned char)tells[t].text[1]);
        guess.next[t] = guess.head[f][f2];
        guess.head[f][f2] = (unsigned char)t;
        for(int c = 0; c < 256; c++)
            for(int c2 = 0; c2 < 256 && fold((unsigned char)c) == f; c2++)
                if(fold((unsigned char)c2) == f2)
                    guess.pair[c][c2] |= tells[t].word ? MAY_WORD : MAY_SUB;
    }
    for(int c = 0; c < 256; c++) {
        for(int c2 = 0; c2 < 256 && ident_char((unsigned char)c); c2++)
            guess.pair[c][c2] |= MAY_IDENT;
        guess.pair['`'][c] |= MAY_QUOTE;
        guess.pair['['][c] |= MAY_QUOTE;
    }
}

/* The tells that start at s[i] (`may` says which kinds may, c2 is the byte after, 0 past the end),
 * added to the scores. */
static void tells_at(const unsigned char *s, size_t len, size_t i, unsigned may, long *score, size_t *backticks)
{
    unsigned char c = s[i], c2 = i + 1 < len ? s[i + 1] : 0;
    if(c == '`')
        (*backticks)++;
    else if(c == '[' && i + 1 < len && (isalpha(c2) || c2 == '_')) {
        size_t j = i + 1;
        while(j < len && (ident_char(s[j]) || s[j] == ' '))
            j++;
        if(j < len && s[j] == ']' && (i == 0 || !isalnum(s[i - 1])))
            score[SQL_DIALECT_TSQL] += 3;
    }
    for(unsigned t = guess.head[fold(c)][fold(c2)]; t != 0xff; t = guess.next[t]) {
        const tell_t *w = &tells[t];
        if((w->word && !(may & MAY_WORD)) || i + w->len > len)
            continue;
        size_t k = 2;
        while(k < w->len && fold(s[i + k]) == fold((unsigned char)w->text[k]))
            k++;
        if(k < w->len || (w->word && i + k < len && ident_char(s[i + k])))
            continue;
        score[w->dialect] += w->weight;
    }
}

/* One pass over the text: at each byte one lookup of it and the next says whether a tell can start
 * there (whole-word ones only where a word starts); only then the tells that begin with those two
 * bytes are tried. */
sql_dialect_t sql_dialect_guess(const char *text, size_t len)
{
    if(len > 65536)
        len = 65536;
    const unsigned char *s = (const unsigned char *)text;
    pthread_once(&guess_once, guess_init);
    long score[SQL_DIALECT_COUNT] = {0};
    size_t backticks = 0;
    if(len) {
        /* MAY_WORD only where no identifier byte comes before */
        unsigned mask = MAY_WORD | MAY_SUB | MAY_QUOTE, c = s[0];
        for(size_t i = 0; i + 1 < len; i++) {
            unsigned c2 = s[i + 1], x = guess.pair[c][c2], may = x & mask;
            mask = (MAY_WORD | MAY_SUB | MAY_QUOTE) ^ ((x & MAY_IDENT) >> 3);
            if(may)
                tells_at(s, len, i, may, score, &backticks);
            c = c2;
        }
        unsigned may = guess.pair[c][0] & mask;
        if(may)
            tells_at(s, len, len - 1, may, score, &backticks);
    }
    /* backticks quote names in all three */
    if(backticks) {
        score[SQL_DIALECT_BIGQUERY] += 1;
        score[SQL_DIALECT_SPARKSQL] += 1;
        score[SQL_DIALECT_MYSQL] += 1;
    }
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
