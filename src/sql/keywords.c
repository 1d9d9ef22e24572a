#include "sql/keywords.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static const char *const kw_names[] = {"",
#define SQL_KW_NAME(name, flags) #name,
                                       SQL_KEYWORDS(SQL_KW_NAME)
#undef SQL_KW_NAME
};

static const unsigned char kw_flags[] = {0,
#define SQL_KW_FLAG(name, flags) (flags),
                                         SQL_KEYWORDS(SQL_KW_FLAG)
#undef SQL_KW_FLAG
};

/* Longest keyword is CURRENT_TIMESTAMP (17); anything longer cannot match. */
#define KW_MAX_LEN   24
#define KW_HASH_SIZE 1024

/* Open-addressed table of keyword ids by hash of the upper-cased word, built once. */
static uint16_t kw_table[KW_HASH_SIZE];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static uint32_t kw_hash(const char *up, size_t len)
{
    uint32_t h = SQL_KW_HASH_INIT;
    for(size_t i = 0; i < len; i++)
        h = SQL_KW_HASH_STEP(h, (unsigned char)up[i]);
    return h;
}

static void kw_build(void)
{
    for(size_t k = 1; k < SQL_KW_COUNT_; k++) {
        uint32_t h = kw_hash(kw_names[k], strlen(kw_names[k])) & (KW_HASH_SIZE - 1);
        while(kw_table[h])
            h = (h + 1) & (KW_HASH_SIZE - 1);
        kw_table[h] = (uint16_t)k;
    }
}

void sql_keywords_init(void)
{
    pthread_once(&kw_once, kw_build);
}

sql_kw_t sql_keyword_lookup_hashed(const char *s, size_t len, uint32_t hash)
{
    if(len == 0 || len > KW_MAX_LEN)
        return SQL_KW_NONE;
    uint32_t h = hash & (KW_HASH_SIZE - 1);
    while(kw_table[h]) {
        const char *name = kw_names[kw_table[h]];
        size_t i = 0;
        while(i < len && name[i] && (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]) == name[i])
            i++;
        if(i == len && name[len] == '\0')
            return (sql_kw_t)kw_table[h];
        h = (h + 1) & (KW_HASH_SIZE - 1);
    }
    return SQL_KW_NONE;
}

sql_kw_t sql_keyword_lookup(const char *s, size_t len)
{
    if(len == 0 || len > KW_MAX_LEN)
        return SQL_KW_NONE;
    char up[KW_MAX_LEN + 1];
    for(size_t i = 0; i < len; i++) {
        char c = s[i];
        if(c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if(!(c >= 'A' && c <= 'Z') && c != '_')
            return SQL_KW_NONE; /* no keyword has digits or other characters */
        up[i] = c;
    }
    pthread_once(&kw_once, kw_build);
    uint32_t h = kw_hash(up, len) & (KW_HASH_SIZE - 1);
    while(kw_table[h]) {
        const char *name = kw_names[kw_table[h]];
        if(strncmp(name, up, len) == 0 && name[len] == '\0')
            return (sql_kw_t)kw_table[h];
        h = (h + 1) & (KW_HASH_SIZE - 1);
    }
    return SQL_KW_NONE;
}

unsigned sql_keyword_flags(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_flags[kw] : 0;
}

const char *sql_keyword_name(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_names[kw] : "";
}
