/* SQL keywords the lexer recognises, with how the parser may treat them. */
#ifndef LINEAGED_SQL_KEYWORDS_H
#define LINEAGED_SQL_KEYWORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Flags: R reserved (never a bare alias, column or table), N a value without
 * arguments (CURRENT_DATE), S skipped inside function arguments and window
 * specs, T starts a statement. Keep the list sorted (a unit test checks it). */
#define SQL_KW_R 1u
#define SQL_KW_N 2u
#define SQL_KW_S 4u
#define SQL_KW_T 8u

#define SQL_KEYWORDS(X)                                                                                                \
    X(ALL, SQL_KW_R)                                                                                                   \
    X(ALTER, SQL_KW_R | SQL_KW_T)                                                                                      \
    X(ANALYZE, SQL_KW_T)                                                                                               \
    X(AND, SQL_KW_R)                                                                                                   \
    X(ANTI, SQL_KW_R)                                                                                                  \
    X(ANY, SQL_KW_R)                                                                                                   \
    X(APPLY, SQL_KW_R)                                                                                                 \
    X(ARRAY, 0)                                                                                                        \
    X(AS, SQL_KW_R)                                                                                                    \
    X(ASC, SQL_KW_R)                                                                                                   \
    X(BEGIN, SQL_KW_R | SQL_KW_T)                                                                                      \
    X(BETWEEN, SQL_KW_R)                                                                                               \
    X(BOTH, SQL_KW_S)                                                                                                  \
    X(BY, SQL_KW_R)                                                                                                    \
    X(CALL, SQL_KW_R | SQL_KW_T)                                                                                       \
    X(CASE, SQL_KW_R)                                                                                                  \
    X(CAST, 0)                                                                                                         \
    X(CLONE, 0)                                                                                                        \
    X(CLUSTER, SQL_KW_R)                                                                                               \
    X(COLLATE, SQL_KW_R)                                                                                               \
    X(CONNECT, SQL_KW_R)                                                                                               \
    X(CONSTRAINT, SQL_KW_R)                                                                                            \
    X(CONVERT, 0)                                                                                                      \
    X(COPY, SQL_KW_T)                                                                                                  \
    X(CREATE, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(CROSS, SQL_KW_R)                                                                                                 \
    X(CURRENT, SQL_KW_S)                                                                                               \
    X(CURRENT_DATE, SQL_KW_N)                                                                                          \
    X(CURRENT_TIME, SQL_KW_N)                                                                                          \
    X(CURRENT_TIMESTAMP, SQL_KW_N)                                                                                     \
    X(CURRENT_USER, SQL_KW_N)                                                                                          \
    X(DATE, 0)                                                                                                         \
    X(DATETIME, 0)                                                                                                     \
    X(DECLARE, SQL_KW_R | SQL_KW_T)                                                                                    \
    X(DELETE, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(DESC, SQL_KW_R)                                                                                                  \
    X(DISTINCT, SQL_KW_R)                                                                                              \
    X(DISTRIBUTE, SQL_KW_R)                                                                                            \
    X(DROP, SQL_KW_R | SQL_KW_T)                                                                                       \
    X(ELSE, SQL_KW_R)                                                                                                  \
    X(END, SQL_KW_R)                                                                                                   \
    X(ESCAPE, SQL_KW_R)                                                                                                \
    X(EXCEPT, SQL_KW_R)                                                                                                \
    X(EXEC, SQL_KW_R | SQL_KW_T)                                                                                       \
    X(EXECUTE, SQL_KW_R | SQL_KW_T)                                                                                    \
    X(EXISTS, SQL_KW_R)                                                                                                \
    X(FALSE, SQL_KW_R | SQL_KW_N)                                                                                      \
    X(FETCH, SQL_KW_R)                                                                                                 \
    X(FILTER, 0)                                                                                                       \
    X(FIRST, SQL_KW_S)                                                                                                 \
    X(FOLLOWING, SQL_KW_S)                                                                                             \
    X(FOR, SQL_KW_R)                                                                                                   \
    X(FOREIGN, SQL_KW_R)                                                                                               \
    X(FROM, SQL_KW_R)                                                                                                  \
    X(FULL, SQL_KW_R)                                                                                                  \
    X(FUNCTION, 0)                                                                                                     \
    X(GO, 0)                                                                                                           \
    X(GRANT, SQL_KW_R | SQL_KW_T)                                                                                      \
    X(GROUP, SQL_KW_R)                                                                                                 \
    X(GROUPS, SQL_KW_S)                                                                                                \
    X(HAVING, SQL_KW_R)                                                                                                \
    X(IF, SQL_KW_R | SQL_KW_T)                                                                                         \
    X(IGNORE, SQL_KW_S)                                                                                                \
    X(ILIKE, SQL_KW_R)                                                                                                 \
    X(IN, SQL_KW_R)                                                                                                    \
    X(INNER, SQL_KW_R)                                                                                                 \
    X(INSERT, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(INTERSECT, SQL_KW_R)                                                                                             \
    X(INTERVAL, 0)                                                                                                     \
    X(INTO, SQL_KW_R)                                                                                                  \
    X(IS, SQL_KW_R)                                                                                                    \
    X(JOIN, SQL_KW_R)                                                                                                  \
    X(LAST, SQL_KW_S)                                                                                                  \
    X(LATERAL, SQL_KW_R)                                                                                               \
    X(LEADING, SQL_KW_S)                                                                                               \
    X(LEFT, SQL_KW_R)                                                                                                  \
    X(LIKE, SQL_KW_R)                                                                                                  \
    X(LIMIT, SQL_KW_R)                                                                                                 \
    X(LOCALTIME, SQL_KW_N)                                                                                             \
    X(LOCALTIMESTAMP, SQL_KW_N)                                                                                        \
    X(MERGE, SQL_KW_R | SQL_KW_T)                                                                                      \
    X(MINUS, SQL_KW_R)                                                                                                 \
    X(NATURAL, SQL_KW_R)                                                                                               \
    X(NOT, SQL_KW_R)                                                                                                   \
    X(NULL, SQL_KW_R | SQL_KW_N)                                                                                       \
    X(NULLS, SQL_KW_S)                                                                                                 \
    X(OFFSET, SQL_KW_R)                                                                                                \
    X(ON, SQL_KW_R)                                                                                                    \
    X(OR, SQL_KW_R)                                                                                                    \
    X(ORDER, SQL_KW_R)                                                                                                 \
    X(ORDINALITY, SQL_KW_S)                                                                                            \
    X(OUTER, SQL_KW_R)                                                                                                 \
    X(OVER, SQL_KW_R)                                                                                                  \
    X(PARTITION, SQL_KW_R)                                                                                             \
    X(PIVOT, SQL_KW_R)                                                                                                 \
    X(PRECEDING, SQL_KW_S)                                                                                             \
    X(PRIMARY, SQL_KW_R)                                                                                               \
    X(PRINT, SQL_KW_T)                                                                                                 \
    X(QUALIFY, SQL_KW_R)                                                                                               \
    X(RANGE, SQL_KW_S)                                                                                                 \
    X(RECURSIVE, 0)                                                                                                    \
    X(REFERENCES, SQL_KW_R)                                                                                            \
    X(REGEXP, SQL_KW_R)                                                                                                \
    X(REPLACE, SQL_KW_T)                                                                                               \
    X(RESPECT, SQL_KW_S)                                                                                               \
    X(RETURN, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(RETURNING, SQL_KW_R)                                                                                             \
    X(RIGHT, SQL_KW_R)                                                                                                 \
    X(RLIKE, SQL_KW_R)                                                                                                 \
    X(ROW, SQL_KW_S)                                                                                                   \
    X(ROWS, SQL_KW_S)                                                                                                  \
    X(SELECT, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(SEMI, SQL_KW_R)                                                                                                  \
    X(SEPARATOR, SQL_KW_S)                                                                                             \
    X(SET, SQL_KW_R | SQL_KW_T)                                                                                        \
    X(SORT, SQL_KW_R)                                                                                                  \
    X(STRAIGHT_JOIN, SQL_KW_R)                                                                                         \
    X(SYSDATE, SQL_KW_N)                                                                                               \
    X(SYSTIMESTAMP, SQL_KW_N)                                                                                          \
    X(TABLE, SQL_KW_R)                                                                                                 \
    X(TABLESAMPLE, SQL_KW_R)                                                                                           \
    X(THEN, SQL_KW_R)                                                                                                  \
    X(TIME, 0)                                                                                                         \
    X(TIMESTAMP, 0)                                                                                                    \
    X(TOP, SQL_KW_R)                                                                                                   \
    X(TRAILING, SQL_KW_S)                                                                                              \
    X(TRUE, SQL_KW_R | SQL_KW_N)                                                                                       \
    X(TRUNCATE, SQL_KW_R | SQL_KW_T)                                                                                   \
    X(UNBOUNDED, SQL_KW_S)                                                                                             \
    X(UNION, SQL_KW_R)                                                                                                 \
    X(UNIQUE, SQL_KW_R)                                                                                                \
    X(UNPIVOT, SQL_KW_R)                                                                                               \
    X(UPDATE, SQL_KW_R | SQL_KW_T)                                                                                     \
    X(USE, SQL_KW_T)                                                                                                   \
    X(USING, SQL_KW_R)                                                                                                 \
    X(VALUES, SQL_KW_R)                                                                                                \
    X(WHEN, SQL_KW_R)                                                                                                  \
    X(WHERE, SQL_KW_R)                                                                                                 \
    X(WHILE, SQL_KW_R | SQL_KW_T)                                                                                      \
    X(WINDOW, SQL_KW_R)                                                                                                \
    X(WITH, SQL_KW_R | SQL_KW_T)                                                                                       \
    X(ZONE, SQL_KW_S)

typedef enum sql_kw {
    SQL_KW_NONE = 0,
#define SQL_KW_ENUM(name, flags) SQL_KW_##name,
    SQL_KEYWORDS(SQL_KW_ENUM)
#undef SQL_KW_ENUM
        SQL_KW_COUNT_
} sql_kw_t;

/* Keyword id of an unquoted word (case-insensitive), SQL_KW_NONE if it is none. */
sql_kw_t sql_keyword_lookup(const char *s, size_t len);

/* The lexer's lookup, inline for the lexer's sake: `s` holds only ASCII letters and '_'
 * (checked while scanning it), so OR-ing 0x20 folds case, and the hash needs only the length
 * and the first and last two bytes. `avail` bytes from `s` may be read (at least `len`):
 * with room, names compare eight bytes at a time. sql_keywords_init() must have run first. */
#define SQL_KW_MIN_LEN   2
#define SQL_KW_MAX_LEN   17 /* CURRENT_TIMESTAMP */
#define SQL_KW_HASH_BITS 10
#define SQL_KW_HASH_SIZE (1u << SQL_KW_HASH_BITS)
#define SQL_KW_WORDS     ((SQL_KW_MAX_LEN + 7) / 8)

void sql_keywords_init(void);
/* keyword ids by the top bits of sql_kw_hash() (open addressing); each keyword's length and
 * case-folded name, zero-padded to whole 8-byte words */
extern uint16_t sql_kw_slots[SQL_KW_HASH_SIZE];
extern uint8_t sql_kw_lens[SQL_KW_COUNT_];
extern uint64_t sql_kw_folded[SQL_KW_COUNT_][SQL_KW_WORDS];

static inline uint32_t sql_kw_hash(const char *s, size_t len)
{
    uint16_t a, b; /* byte order only changes the values the table is built with */
    memcpy(&a, s, 2);
    memcpy(&b, s + len - 2, 2);
    return (a | 0x2020u) * 0x9E3779B1u ^ (b | 0x2020u) * 0x85EBCA6Bu ^ (uint32_t)len * 0xC2B2AE35u;
}

static inline int sql_kw_equal(const char *s, size_t len, size_t avail, const uint64_t *name)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if(avail >= ((len + 7) & ~(size_t)7)) {
        const uint64_t fold = 0x2020202020202020ull;
        size_t i = 0;
        uint64_t x;
        for(; i + 8 < len; i += 8) {
            memcpy(&x, s + i, 8);
            if((x | fold) != name[i / 8])
                return 0;
        }
        /* the last word: only its first len - i bytes (the low ones) belong to the word */
        memcpy(&x, s + i, 8);
        return ((x | fold) & (~0ull >> (8 * (i + 8 - len)))) == name[i / 8];
    }
#else
    (void)avail;
#endif
    const unsigned char *n = (const unsigned char *)name;
    for(size_t i = 0; i < len; i++)
        if(((unsigned char)s[i] | 0x20u) != n[i])
            return 0;
    return 1;
}

static inline sql_kw_t sql_keyword_lookup_plain(const char *s, size_t len, size_t avail)
{
    if(len < SQL_KW_MIN_LEN || len > SQL_KW_MAX_LEN)
        return SQL_KW_NONE;
    uint32_t h = sql_kw_hash(s, len) >> (32 - SQL_KW_HASH_BITS);
    for(unsigned k; (k = sql_kw_slots[h]) != 0; h = (h + 1) & (SQL_KW_HASH_SIZE - 1))
        if(sql_kw_lens[k] == len && sql_kw_equal(s, len, avail, sql_kw_folded[k]))
            return (sql_kw_t)k;
    return SQL_KW_NONE;
}
unsigned sql_keyword_flags(sql_kw_t kw);
const char *sql_keyword_name(sql_kw_t kw);

#endif
