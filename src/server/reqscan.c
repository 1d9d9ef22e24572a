#include "server/reqscan.h"

#include <stdlib.h>
#include <strings.h>
#include <string.h>

enum state { S_START, S_REQLINE, S_REQLINE_CR, S_FIELD_START, S_NAME, S_VALUE, S_VALUE_CR, S_END_CR, S_BODY };

/* The fields that frame a request: whether bytes after the header block are a body, and how many. */
enum { F_CL = 1, F_TE = 2, F_UP = 4, F_CT = 8 };

/* Where a Content-Type value is: in its media type or a parameter name, in a quoted value, escaped. */
enum { CT_NAME = 1, CT_QUOTED = 2, CT_ESCAPED = 4 };

#define CL_DIGITS_MAX 18 /* below INT64_MAX; larger bodies are refused by every route anyway */

static const char *known[REQSCAN_KNOWN_MAX]; /* sorted */
static size_t known_len[REQSCAN_KNOWN_MAX];
static size_t n_known;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void reqscan_known_names(const char *const *names, size_t n)
{
    n_known = 0;
    for(size_t i = 0; i < n && n_known < REQSCAN_KNOWN_MAX; i++) {
        if(names[i] && names[i][0] && strlen(names[i]) <= REQSCAN_NAME_KEPT)
            known[n_known++] = names[i];
    }
    qsort(known, n_known, sizeof(known[0]), by_name);
    for(size_t i = 0; i < n_known; i++)
        known_len[i] = strlen(known[i]);
}

void reqscan_init(reqscan_t *s)
{
    memset(s, 0, sizeof(*s));
}

static int name_is(const reqscan_t *s, const char *name, size_t len)
{
    return s->name_len == len && memcmp(s->name, name, len) == 0;
}

enum kind { NAME_UNKNOWN, NAME_KNOWN, NAME_MISREAD };

/* At ':': lws stores a known name's value in its table; a name that begins a known one without being "name:" it
 * misreads. */
static enum kind name_kind(const reqscan_t *s)
{
    size_t len = s->name_len, lo = 0, hi = n_known;
    if(len > REQSCAN_NAME_KEPT)
        return NAME_UNKNOWN; /* longer than every known name */
    while(lo < hi) {         /* the first known name not below this one */
        size_t mid = lo + (hi - lo) / 2;
        size_t k = known_len[mid] < len ? known_len[mid] : len;
        int c = memcmp(known[mid], s->name, k);
        if(c < 0 || (c == 0 && known_len[mid] < len))
            lo = mid + 1;
        else
            hi = mid;
    }
    int begins = 0;
    for(size_t i = lo; i < n_known && known_len[i] >= len && memcmp(known[i], s->name, len) == 0; i++) {
        if(known_len[i] == len + 1 && known[i][len] == ':')
            return NAME_KNOWN;
        begins = 1;
    }
    return begins ? NAME_MISREAD : NAME_UNKNOWN;
}

static size_t table_bytes = 4096, table_frags = 95;

void reqscan_table(size_t bytes, size_t frags)
{
    table_bytes = bytes;
    table_frags = frags;
}

/* RFC 9110 §5.6.2 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~, as a bit per byte value below 128 */
static const uint64_t tchars[2] = {0x03ff6cfa00000000u, 0x57ffffffc7fffffeu};

static int is_tchar(unsigned char c)
{
    return c < 128 && (tchars[c >> 6] >> (c & 63) & 1);
}

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int hex_value(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/*
 * An escape that decodes to a byte no name holds, or one lws cannot take: the sentence that names
 * it, or NULL. Names are data: a quoted identifier may hold any other control, and %01 or %7F ask
 * for it (the answer escapes it). lws fails on %00 without a word (the client would see only a
 * closed connection); a decoded %0A or %0D ends its request line there (it answered "no version").
 */
static const char *encoded_control(unsigned v)
{
    switch(v) {
    case 0x00: return "an encoded NUL (%00) in the request target: no name holds one";
    case 0x0a:
        return "an encoded line feed (%0A) in the request target: libwebsockets ends the request line there, so a "
               "path or query holds no line breaks";
    case 0x0d:
        return "an encoded carriage return (%0D) in the request target: libwebsockets ends the request line there, "
               "so a path or query holds no line breaks";
    }
    return NULL;
}

#define C1_NAMED(hex)                                                                                                  \
    "a C1 control character (U+00" hex ", UTF-8 C2 " hex ") sent raw in the request target: percent-encode both its " \
    "bytes (%C2%" hex ")"
#define C1_ROW(hi)                                                                                                     \
    C1_NAMED(hi "0"), C1_NAMED(hi "1"), C1_NAMED(hi "2"), C1_NAMED(hi "3"), C1_NAMED(hi "4"), C1_NAMED(hi "5"),        \
        C1_NAMED(hi "6"), C1_NAMED(hi "7"), C1_NAMED(hi "8"), C1_NAMED(hi "9"), C1_NAMED(hi "A"), C1_NAMED(hi "B"),    \
        C1_NAMED(hi "C"), C1_NAMED(hi "D"), C1_NAMED(hi "E"), C1_NAMED(hi "F")

/*
 * U+0080 to U+009F are controls too: a terminal that shows a request line can take U+009B as CSI,
 * as it takes ESC [. Raw on the wire (either byte) they are refused, as raw C0 bytes are; both
 * bytes escaped (%C2%9B) they ask for a name that holds one.
 */
static const char *c1_control(unsigned second)
{
    static const char *const c1[32] = {C1_ROW("8"), C1_ROW("9")};
    return second >= 0x80 && second < 0xa0 ? c1[second - 0x80] : NULL;
}

/* A byte of the request line as the target decodes it: the control it makes, if any. */
static const char *decoded_byte(reqscan_t *s, unsigned v, int escaped)
{
    const char *what = escaped ? encoded_control(v) : NULL;
    if(!what && s->after_c2 && !(escaped && s->after_c2 == 1))
        what = c1_control(v);
    s->after_c2 = v == 0xc2 ? (uint8_t)(escaped ? 1 : 2) : 0;
    return what;
}

static void name_char(reqscan_t *s, unsigned char c)
{
    if(s->name_len < REQSCAN_NAME_KEPT)
        s->name[s->name_len] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if(s->name_len < UINT8_MAX)
        s->name_len++;
}

/* At ':': which framing field the name was, if any. */
static void name_end(reqscan_t *s)
{
    uint8_t field = name_is(s, "content-length", 14)      ? F_CL
                    : name_is(s, "transfer-encoding", 17) ? F_TE
                    : name_is(s, "upgrade", 7)            ? F_UP
                    : name_is(s, "content-type", 12)      ? F_CT
                                                          : 0;
    if(field == F_CL) /* a second Content-Length makes the length unknown */
        s->cl_state = (s->seen & F_CL) ? 3 : 0;
    s->seen |= field;
    s->field = field;
    s->ct = CT_NAME;
}

/*
 * A Content-Type's media type and parameter names are case-insensitive (RFC 9110 §8.3.1), but
 * lws_spa compares "multipart/form-data" and "boundary=" as written: they are lower-cased here,
 * before lws reads them. Values (a boundary) are left as sent.
 */
static void ct_char(reqscan_t *s, unsigned char *c)
{
    if(s->ct & CT_ESCAPED)
        s->ct &= (uint8_t)~CT_ESCAPED;
    else if(s->ct & CT_QUOTED)
        s->ct = *c == '\\' ? (uint8_t)(s->ct | CT_ESCAPED) : *c == '"' ? (uint8_t)(s->ct & ~CT_QUOTED) : s->ct;
    else if(*c == '"')
        s->ct |= CT_QUOTED;
    else if(*c == ';')
        s->ct |= CT_NAME;
    else if(*c == '=')
        s->ct &= (uint8_t)~CT_NAME;
    else if((s->ct & CT_NAME) && *c >= 'A' && *c <= 'Z')
        *c = (unsigned char)(*c - 'A' + 'a');
}

static void cl_char(reqscan_t *s, unsigned char c)
{
    if(c == ' ' || c == '\t') {
        if(s->cl_state == 1)
            s->cl_state = 2;
        return;
    }
    if(c < '0' || c > '9' || s->cl_state >= 2 || s->cl_digits == CL_DIGITS_MAX) {
        s->cl_state = 3;
        return;
    }
    s->cl_state = 1;
    s->cl = s->cl * 10 + (c - '0');
    s->cl_digits++;
}

/* The blank line: the next bytes are a body, the next request, or nothing this scanner frames. */
static enum reqscan_result too_big(reqscan_t *s, const char **why)
{
    s->off = 1;
    if(s->state == S_REQLINE && s->frags + 1 < table_frags) { /* the target alone fills the table */
        *why = "the request target does not fit libwebsockets' 4 KiB header table";
        return REQSCAN_TOO_LONG;
    }
    *why = s->frags + 1 >= table_frags ? "too many header fields and query parameters for libwebsockets' header table"
                                       : "the request line and headers do not fit libwebsockets' 4 KiB header table";
    return REQSCAN_TOO_BIG;
}

static int table_full(const reqscan_t *s)
{
    return s->stored + 1 >= table_bytes || s->frags + 1 >= table_frags;
}

static enum reqscan_result headers_done(reqscan_t *s, const char **why)
{
    if(table_full(s))
        return too_big(s, why);
    s->stored = 0;
    s->frags = 0;
    int cl_ok = !(s->seen & F_CL) || s->cl_state == 1 || s->cl_state == 2;
    if((s->seen & (F_TE | F_UP)) || !cl_ok) {
        s->off = 1;
        return REQSCAN_OFF;
    }
    s->body_left = (s->seen & F_CL) ? s->cl : 0;
    s->state = s->body_left ? S_BODY : S_START;
    s->seen = 0;
    s->cl = 0;
    s->cl_digits = 0;
    s->cl_state = 0;
    return REQSCAN_OK;
}

static enum reqscan_result bad(reqscan_t *s, const char **why, const char *what)
{
    s->off = 1;
    *why = what;
    return REQSCAN_BAD;
}

/* Scans up to n bytes; stops after the byte that ends a request (*used says how many were taken). */
static enum reqscan_result scan(reqscan_t *s, unsigned char *p, size_t n, size_t *used, const char **why)
{
    size_t i = 0;
    for(; i < n && !(i && s->state == S_START); i++) {
        unsigned char c = p[i];
        s->stored += s->state != S_BODY; /* an upper bound of what lws keeps of the block */
        switch(s->state) {
        case S_BODY: {
            s->stored = 0;
            size_t take = n - i < (uint64_t)s->body_left ? n - i : (size_t)s->body_left;
            s->body_left -= (int64_t)take;
            i += take - 1;
            if(!s->body_left)
                s->state = S_START;
            break;
        }
        case S_START:
            if(c == '\r' || c == '\n')
                return bad(s, why, "an empty line before the request line");
            s->state = S_REQLINE;
            /* fall through */
        case S_REQLINE:
            if(c == '\r' || c == '\n') {
                if(table_full(s))
                    return too_big(s, why);
                s->state = c == '\r' ? S_REQLINE_CR : S_FIELD_START;
                s->pct = 0;
                s->after_c2 = 0;
                s->query = 0;
                s->frags += 2; /* the path and the version */
                break;
            }
            if(is_ctl(c))
                return bad(s, why, "a control character in the request line");
            s->query += c == '?' && !s->query;
            s->frags += s->query && (c == '?' || c == '&'); /* lws keeps each query parameter apart */
            int hex = hex_value(c);
            const char *what = NULL;
            if(s->pct == 2 && hex >= 0) {
                what = decoded_byte(s, (unsigned)s->pct_hi << 4 | (unsigned)hex, 1);
                s->stored -= 2; /* lws keeps "%XX" decoded: one byte */
            }
            else if(s->pct == 0 && c != '%')
                what = decoded_byte(s, c, 0);
            if(what)
                return bad(s, why, what);
            s->pct_hi = (uint8_t)hex;
            s->pct = c == '%' ? 1 : s->pct == 1 && hex >= 0 ? 2 : 0;
            break;
        case S_REQLINE_CR:
            if(c != '\n')
                return bad(s, why, "a bare CR in the request line");
            s->state = S_FIELD_START;
            break;
        case S_FIELD_START:
            if(c == '\r') {
                s->state = S_END_CR;
            } else if(c == '\n') {
                enum reqscan_result r = headers_done(s, why);
                if(r != REQSCAN_OK)
                    return r;
            } else if(c == ' ' || c == '\t') {
                return bad(s, why, "a header line starting with whitespace (obs-fold)");
            } else if(!is_tchar(c)) {
                return bad(s, why, c == ':' ? "a header line with no field name" : "an invalid byte in a field name");
            } else {
                s->state = S_NAME;
                s->name_len = 0;
                name_char(s, c);
            }
            break;
        case S_NAME:
            if(c == ':') {
                enum kind kind = name_kind(s);
                if(kind == NAME_MISREAD) {
                    if(!i)
                        return bad(s, why, "a field name libwebsockets would misread, split across reads");
                    p[i - 1] = '~';
                }
                /* a known field takes a fragment; an unknown one 8 bytes of bookkeeping */
                s->frags += kind == NAME_KNOWN;
                s->stored += kind == NAME_KNOWN ? 0 : 8;
                name_end(s);
                s->state = S_VALUE;
            } else if(c == ' ' || c == '\t') {
                return bad(s, why, "whitespace between a field name and ':'");
            } else if(c == '\r' || c == '\n') {
                return bad(s, why, "a header line without ':'");
            } else if(!is_tchar(c)) {
                return bad(s, why, "an invalid byte in a field name");
            } else {
                name_char(s, c);
            }
            break;
        case S_VALUE:
            if(s->field != F_CL && s->field != F_CT && c > '\r') {
                /* the bulk of a header block: nothing to judge in a byte past CR */
                while(i + 1 < n && p[i + 1] > '\r') {
                    i++;
                    s->stored++;
                }
                break;
            }
            if(c == '\r') {
                s->state = S_VALUE_CR;
            } else if(c == '\n') {
                s->state = S_FIELD_START;
            } else if(!c) {
                /* other control bytes RFC 9110 §5.5 lets a recipient keep: logged escaped */
                return bad(s, why, "a NUL byte in a header value");
            } else if(s->field == F_CL) {
                cl_char(s, c);
            } else if(s->field == F_CT) {
                ct_char(s, &p[i]);
            }
            break;
        case S_VALUE_CR:
            if(c != '\n')
                return bad(s, why, "a bare CR in a header value");
            s->state = S_FIELD_START;
            break;
        case S_END_CR:
            if(c != '\n')
                return bad(s, why, "a bare CR after the header block");
            enum reqscan_result r = headers_done(s, why);
            if(r != REQSCAN_OK)
                return r;
            break;
        }
    }
    *used = i;
    return REQSCAN_OK;
}

/* lws parses the bytes once they are handed on: a block it cannot hold is refused first. */
static enum reqscan_result handed_on(reqscan_t *s, const char **why)
{
    return s->state != S_BODY && table_full(s) ? too_big(s, why) : REQSCAN_OK;
}

enum reqscan_result reqscan_feed(reqscan_t *s, unsigned char *p, size_t n, const char **why)
{
    if(s->off)
        return REQSCAN_OFF;
    for(size_t at = 0, used; at < n; at += used) {
        enum reqscan_result r = scan(s, p + at, n - at, &used, why);
        if(r != REQSCAN_OK)
            return r;
    }
    return handed_on(s, why);
}

static int (*allowed_host)(const char *authority, void *ud);
static void *allowed_ud;

void reqscan_hosts(int (*allowed)(const char *authority, void *ud), void *ud)
{
    allowed_host = allowed;
    allowed_ud = ud;
}

/* The bytes at p (n of them) begin `lit` (len bytes), ignoring case, as far as they go. */
static int begins(const unsigned char *p, size_t n, const char *lit, size_t len)
{
    return strncasecmp((const char *)p, lit, n < len ? n : len) == 0;
}

enum form { FORM_ORIGIN, FORM_UNKNOWN, FORM_HTTP, FORM_HTTPS, FORM_FOREIGN };

#define METHOD_MAX    23  /* bytes of a method looked past for a target in absolute form */
#define AUTHORITY_MAX 255 /* bytes of an authority that may name this server */

/*
 * At a request's first byte: the form of its target, as far as the n bytes there tell. FORM_HTTP
 * sets *t (where the target starts) and *end (where its authority ends). Anything lws reads as it
 * is (origin form, "*", a malformed line) is FORM_ORIGIN.
 */
static enum form target_form(const unsigned char *p, size_t n, size_t *t, size_t *end)
{
    size_t m = 0;
    while(m < n && m <= METHOD_MAX && p[m] != ' ' && !is_ctl(p[m]))
        m++;
    if(m == n && m <= METHOD_MAX)
        return FORM_UNKNOWN;
    if(m > METHOD_MAX || p[m] != ' ')
        return FORM_ORIGIN;
    *t = m + 1;
    const unsigned char *q = p + *t;
    size_t avail = n - *t;
    int http = begins(q, avail, "http://", 7), https = begins(q, avail, "https://", 8);
    if(https && avail >= 8)
        return FORM_HTTPS;
    if(!http)
        return https ? FORM_UNKNOWN : FORM_ORIGIN;
    if(avail < 7)
        return FORM_UNKNOWN;
    size_t a = *t + 7;
    *end = a;
    while(*end < n && p[*end] != '/' && p[*end] != '?' && p[*end] != ' ' && p[*end] != '#' && !is_ctl(p[*end]))
        (*end)++;
    if(*end - a > AUTHORITY_MAX)
        return FORM_FOREIGN;
    if(*end == n)
        return FORM_UNKNOWN;
    return *end == a ? FORM_ORIGIN : FORM_HTTP; /* no authority: lws refuses it */
}

/*
 * A request starts at p: a target in absolute form naming this server is cut to the origin form
 * ("/path", "/" for none) in place, *n shrinking by the bytes cut.
 */
static enum reqscan_result request_start(reqscan_t *s, unsigned char *p, size_t *n, const char **why)
{
    size_t t = 0, end = 0;
    switch(target_form(p, *n, &t, &end)) {
    case FORM_ORIGIN: return REQSCAN_OK;
    case FORM_UNKNOWN: return REQSCAN_MORE;
    case FORM_HTTPS:
        s->off = 1;
        *why = "an https:// request target on a plain HTTP connection: this server speaks no TLS";
        return REQSCAN_MISDIRECTED;
    case FORM_FOREIGN: break;
    case FORM_HTTP: {
        char authority[AUTHORITY_MAX + 1];
        memcpy(authority, p + t + 7, end - t - 7);
        authority[end - t - 7] = '\0';
        if(!allowed_host || !allowed_host(authority, allowed_ud))
            break;
        size_t cut = p[end] == '/' ? end - t : end - 1 - t; /* no path: the last byte kept becomes "/" */
        memmove(p + t, p + t + cut, *n - t - cut);
        p[t] = '/';
        *n -= cut;
        return REQSCAN_OK;
    }
    }
    s->off = 1;
    *why = "the request target names another host (see --allowed-host)";
    return REQSCAN_MISDIRECTED;
}

int64_t reqscan_body_left(const reqscan_t *s)
{
    return !s->off && s->state == S_BODY ? s->body_left : 0;
}

enum reqscan_result reqscan_take(reqscan_t *s, unsigned char *p, size_t *n, size_t *held, size_t *after,
                                 const char **why)
{
    *held = 0;
    *after = 0;
    if(s->off)
        return REQSCAN_OFF;
    for(size_t at = 0, used; at < *n; at += used) {
        size_t rest = *n - at;
        enum reqscan_result r = s->state == S_START ? request_start(s, p + at, &rest, why) : REQSCAN_OK;
        if(r == REQSCAN_MORE) { /* kept back until the target's form is known */
            *held = rest;
            *n = at;
            break;
        }
        *n = at + rest;
        if(r == REQSCAN_OK)
            r = scan(s, p + at, rest, &used, why);
        if(r != REQSCAN_OK)
            return r;
        if(s->state == S_START && at + used < *n) { /* one request a read: the next one stays unread */
            *after = *n - at - used;
            *n = at + used;
            break;
        }
    }
    return handed_on(s, why);
}
