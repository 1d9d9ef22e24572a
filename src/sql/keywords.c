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

/* The tables sql_keyword_lookup_plain() reads (keywords.h), built once. */
uint16_t sql_kw_slots[SQL_KW_HASH_SIZE];
uint8_t sql_kw_lens[SQL_KW_COUNT_];
uint64_t sql_kw_folded[SQL_KW_COUNT_][SQL_KW_WORDS];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static void kw_build(void)
{
    for(size_t k = 1; k < SQL_KW_COUNT_; k++) {
        size_t len = strlen(kw_names[k]);
        char fold[SQL_KW_WORDS * 8] = {0};
        for(size_t i = 0; i < len; i++)
            fold[i] = (char)(kw_names[k][i] | 0x20);
        memcpy(sql_kw_folded[k], fold, sizeof fold);
        sql_kw_lens[k] = (uint8_t)len;
        uint32_t h = sql_kw_hash(kw_names[k], len) >> (32 - SQL_KW_HASH_BITS);
        while(sql_kw_slots[h])
            h = (h + 1) & (SQL_KW_HASH_SIZE - 1);
        sql_kw_slots[h] = (uint16_t)k;
    }
}

void sql_keywords_init(void)
{
    pthread_once(&kw_once, kw_build);
}

sql_kw_t sql_keyword_lookup(const char *s, size_t len)
{
    for(size_t i = 0; i < len; i++) {
        char c = s[i];
        if(!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != '_')
            return SQL_KW_NONE; /* no keyword has digits or other characters */
    }
    pthread_once(&kw_once, kw_build);
    return sql_keyword_lookup_plain(s, len, len);
}

unsigned sql_keyword_flags(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_flags[kw] : 0;
}

const char *sql_keyword_name(sql_kw_t kw)
{
    return (unsigned)kw < SQL_KW_COUNT_ ? kw_names[kw] : "";
}
