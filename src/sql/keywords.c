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

#define KW_HASH_SIZE 1024

/* Open-addressed table of keyword ids by sql_kw_hash(), built once; kw_len avoids a strlen
 * per probe. */
static uint16_t kw_table[KW_HASH_SIZE];
static uint8_t kw_len[SQL_KW_COUNT_];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static void kw_build(void)
{
    for(size_t k = 1; k < SQL_KW_COUNT_; k++) {
        size_t len = strlen(kw_names[k]);
        kw_len[k] = (uint8_t)len;
        uint32_t h = sql_kw_hash(kw_names[k], len) & (KW_HASH_SIZE - 1);
        while(kw_table[h])
            h = (h + 1) & (KW_HASH_SIZE - 1);
        kw_table[h] = (uint16_t)k;
    }
}

void sql_keywords_init(void)
{
    pthread_once(&kw_once, kw_build);
}

sql_kw_t sql_keyword_lookup_plain(const char *s, size_t len)
{
    if(len < SQL_KW_MIN_LEN || len > SQL_KW_MAX_LEN)
        return SQL_KW_NONE;
    uint32_t h = sql_kw_hash(s, len) & (KW_HASH_SIZE - 1);
    for(unsigned k; (k = kw_table[h]) != 0; h = (h + 1) & (KW_HASH_SIZE - 1)) {
        if(kw_len[k] != len)
            continue;
        const char *name = kw_names[k];
        size_t i = 0;
        while(i < len && ((unsigned char)s[i] | 0x20u) == ((unsigned char)name[i] | 0x20u))
            i++;
        if(i == len)
            return (sql_kw_t)k;
    }
    return SQL_KW_NONE;
}

sql_kw_t sql_keyword_lookup(const char *s, size_t len)
{
    for(size_t i = 0; i < len; i++) {
        char c = s[i];
        if(!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != '_')
            return SQL_KW_NONE; /* no keyword has digits or other characters */
    }
    pthread_once(&kw_once, kw_build);
    return sql_keyword_lookup_plain(s, len);
}

unsigned sql_keyword_flags(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_flags[kw] : 0;
}

const char *sql_keyword_name(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_names[kw] : "";
}
