#include "sql/keywords.h"

#include <string.h>

static const char *const kw_names[] = {
    "",
#define SQL_KW_NAME(name, flags) #name,
    SQL_KEYWORDS(SQL_KW_NAME)
#undef SQL_KW_NAME
};

static const unsigned char kw_flags[] = {
    0,
#define SQL_KW_FLAG(name, flags) (flags),
    SQL_KEYWORDS(SQL_KW_FLAG)
#undef SQL_KW_FLAG
};

/* Longest keyword is CURRENT_TIMESTAMP (17); anything longer cannot match. */
#define KW_MAX_LEN 24

sql_kw_t sql_keyword_lookup(const char *s, size_t len)
{
    if(len == 0 || len > KW_MAX_LEN)
        return SQL_KW_NONE;
    char up[KW_MAX_LEN + 1];
    for(size_t i = 0; i < len; i++) {
        char c = s[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    up[len] = '\0';
    size_t lo = 1, hi = SQL_KW_COUNT_;
    while(lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(up, kw_names[mid]);
        if(cmp == 0)
            return (sql_kw_t)mid;
        if(cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
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
