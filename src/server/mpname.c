#include "server/mpname.h"

#include "util/alloc.h"

#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 127 /* lws_spa keeps "\r\n--" and the boundary in 128 bytes */

enum state {
    S_CONTENT,    /* looking for "\r\n--boundary" (the preamble too) */
    S_AFTER,      /* the rest of a boundary line */
    S_AFTER_CR,   /* its CR seen: the LF starts the part's headers */
    S_AFTER_DASH, /* one '-' after the boundary: a second ends the body */
    S_HEADER,     /* a part header line */
    S_HEADER_LF,  /* a header line's CR seen */
    S_DONE,       /* the closing boundary: the rest is ignored */
};

struct mpname {
    char boundary[BOUNDARY_MAX + 1];
    size_t blen, mp; /* mp: bytes of the boundary matched so far */
    enum state state;
    char line[MPNAME_LINE_MAX];
    size_t line_len; /* bytes of the line seen; those past MPNAME_LINE_MAX are not kept */
    int is_file, has_name;
    char name[MPNAME_LINE_MAX + 1];
    char field[MPNAME_FIELD_MAX + 1]; /* the part's name=, "" when it had none */
    char unknown[MPNAME_FIELD_MAX + 1]; /* the part's first header we do not know, "" when none */
};

/* The boundary as lws_spa takes it: after "boundary=", up to a space, a ';' or the end, quotes and all. */
mpname_t *mpname_new(const char *content_type)
{
    mpname_t *m = util_calloc(1, sizeof(*m));
    if(!m)
        return NULL;
    memcpy(m->boundary, "\r\n--", 4);
    m->blen = 4;
    const char *p = content_type ? strstr(content_type, "boundary=") : NULL;
    m->mp = 2;                         /* the body may open with "--boundary", without a CRLF before it */
    m->state = p ? S_CONTENT : S_DONE; /* without one lws_spa finds no part */
    for(p = p ? p + 9 : ""; *p && *p != ' ' && *p != ';' && m->blen < BOUNDARY_MAX; p++)
        m->boundary[m->blen++] = *p;
    return m;
}

void mpname_free(mpname_t *m)
{
    util_free(m);
}

int mpname_is_file(const mpname_t *m)
{
    return m->is_file;
}

const char *mpname_filename(const mpname_t *m)
{
    return m->has_name ? m->name : NULL;
}

const char *mpname_field(const mpname_t *m)
{
    return m->field;
}

const char *mpname_unknown_header(const mpname_t *m)
{
    return m->unknown[0] ? m->unknown : NULL;
}

int mpname_in_headers(const mpname_t *m)
{
    return m->state == S_HEADER || m->state == S_HEADER_LF;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* A parameter's value at *pp: a quoted-string (RFC 9110 §5.6.4) or a token, up to the next ';'. */
static size_t read_value(const char **pp, const char *end, char *out, size_t outlen)
{
    const char *p = *pp;
    size_t n = 0;
    if(p < end && *p == '"') {
        for(p++; p < end && *p != '"'; p++) {
            if(*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
                p++; /* a Windows path's other backslashes stay: the display name splits at them */
            if(n + 1 < outlen)
                out[n++] = *p;
        }
    } else {
        for(; p < end && *p != ';'; p++) {
            if(n + 1 < outlen)
                out[n++] = *p;
        }
        while(n && is_space(out[n - 1]))
            n--;
    }
    while(p < end && *p != ';') /* anything after a closing quote */
        p++;
    *pp = p;
    out[n] = '\0';
    return n;
}

/* `form-data; name="files"; filename="a;b.sql"`: the part's field name and which file it names, if any. */
static void read_disposition(mpname_t *m, const char *p, const char *end)
{
    while(p < end && *p != ';')
        p++;
    while(p < end) {
        for(p++; p < end && is_space(*p); p++)
            ;
        const char *name = p;
        while(p < end && *p != '=' && *p != ';')
            p++;
        size_t nlen = (size_t)(p - name);
        while(nlen && is_space(name[nlen - 1]))
            nlen--;
        if(p == end || *p == ';')
            continue;
        for(p++; p < end && is_space(*p); p++)
            ;
        if(nlen == 8 && strncasecmp(name, "filename", 8) == 0 && !m->has_name) {
            read_value(&p, end, m->name, sizeof(m->name));
            m->is_file = m->has_name = 1;
        } else if(nlen == 4 && strncasecmp(name, "name", 4) == 0 && !m->field[0]) {
            read_value(&p, end, m->field, sizeof(m->field));
        } else {
            char skipped[1];
            read_value(&p, end, skipped, sizeof(skipped));
            if(nlen == 9 && strncasecmp(name, "filename*", 9) == 0)
                m->is_file = 1;
        }
    }
}

/* A header line other than Content-Disposition: the part's first that is not Content-Type is kept. */
static void other_header(mpname_t *m, size_t kept)
{
    static const char ct[] = "content-type:";
    if(m->unknown[0] || (kept >= sizeof(ct) - 1 && strncasecmp(m->line, ct, sizeof(ct) - 1) == 0))
        return;
    size_t n = 0;
    for(; n < kept && n < MPNAME_FIELD_MAX && m->line[n] != ':'; n++)
        m->unknown[n] = m->line[n] > 0x20 && m->line[n] < 0x7f ? m->line[n] : '?';
    if(!n)
        m->unknown[n++] = '?'; /* a line that begins with ':' */
    m->unknown[n] = '\0';
}

/* A part header line ended (at its CR): 1 when it was the Content-Disposition. */
static int header_line(mpname_t *m)
{
    static const char cd[] = "content-disposition:";
    size_t kept = m->line_len < sizeof(m->line) ? m->line_len : sizeof(m->line);
    if(kept < sizeof(cd) - 1 || strncasecmp(m->line, cd, sizeof(cd) - 1) != 0) {
        other_header(m, kept);
        return 0;
    }
    m->is_file = m->has_name = 0;
    m->name[0] = m->field[0] = '\0';
    read_disposition(m, m->line + sizeof(cd) - 1, m->line + kept);
    return 1;
}

/* In content: the bytes up to the next one that could begin the boundary are nothing to us. */
static size_t skip_content(const mpname_t *m, const char *in, size_t len)
{
    if(m->mp)
        return 0;
    const char *cr = memchr(in, '\r', len);
    return cr ? (size_t)(cr - in) : len;
}

size_t mpname_feed(mpname_t *m, const char *in, size_t len, int *disposition)
{
    size_t i = 0;
    *disposition = 0;
    while(i < len) {
        if(m->state == S_CONTENT && (i += skip_content(m, in + i, len - i)) == len)
            break;
        char c = in[i++];
        switch(m->state) {
        case S_CONTENT:
            /* as lws_spa matches: a byte that breaks a partial match is tried as the first again */
            if(m->mp && c != m->boundary[m->mp])
                m->mp = 0;
            if(c == m->boundary[m->mp] && ++m->mp == m->blen) {
                m->mp = 0;
                m->state = S_AFTER;
            }
            break;
        case S_AFTER: m->state = c == '\r' ? S_AFTER_CR : c == '-' ? S_AFTER_DASH : S_AFTER; break;
        case S_AFTER_CR:
            if(c == '\n') {
                m->state = S_HEADER;
                m->line_len = 0;
                m->unknown[0] = '\0';
            }
            break;
        case S_AFTER_DASH: m->state = c == '-' ? S_DONE : c == '\r' ? S_AFTER : S_AFTER_DASH; break;
        case S_HEADER:
            if(c == '\r') {
                m->state = S_HEADER_LF;
                if(m->line_len == 0)
                    break;
                if((*disposition = header_line(m)))
                    return i;
                break;
            }
            if(m->line_len < sizeof(m->line))
                m->line[m->line_len] = c;
            m->line_len++;
            break;
        case S_HEADER_LF:
            if(c != '\n')
                break;
            /* the blank line that ends the headers: content follows */
            m->state = m->line_len == 0 ? S_CONTENT : S_HEADER;
            m->line_len = 0;
            break;
        case S_DONE: return len;
        }
    }
    return len;
}
