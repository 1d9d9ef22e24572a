#include "server/multipart.h"

#include "util/alloc.h"

#include <string.h>
#include <strings.h>

enum state { ST_PREAMBLE, ST_AFTER, ST_AFTER_CR, ST_DASH, ST_HEADERS, ST_BODY, ST_EPILOGUE };
enum part { PART_SKIP, PART_FILE, PART_FIELD };

struct multipart {
    multipart_ops_t ops;
    enum state state;
    char delim[4 + MULTIPART_BOUNDARY_MAX + 1]; /* CRLF "--" boundary */
    size_t dlen, match;                         /* bytes of delim matched so far */
    char line[MULTIPART_LINE_HEAD + 2 * MULTIPART_LINE_TAIL + 1];
    size_t line_len;
    int line_cut; /* bytes between line[MULTIPART_LINE_HEAD] and the tail were dropped */
    int n_headers, n_plain;
    int has_filename;
    char field[MULTIPART_NAME_MAX + 1];
    char filename[MULTIPART_FILENAME_MAX + 1];
    enum part part;
    int field_index;
    const char *const *fields;
    int n_fields;
    const char *values[MULTIPART_FIELDS_MAX];
    size_t value_at; /* where the current field's value starts in storage */
    size_t used, cap;
    char storage[];
};

/* Skips optional whitespace. */
static const char *ows(const char *p)
{
    while(*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int is_token(char c)
{
    return c > ' ' && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/*
 * One parameter value, a token or a quoted-string, into out (cut at outlen - 1; *cut set then).
 * A backslash escapes only '"' and '\': clients that send Windows paths do not escape them.
 */
static const char *param_value(const char *p, char *out, size_t outlen, int *cut)
{
    size_t n = 0;
    *cut = 0;
    if(*p == '"') {
        for(p++; *p && *p != '"'; p++) {
            if(*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if(n + 1 < outlen)
                out[n++] = *p;
            else
                *cut = 1;
        }
        if(*p == '"')
            p++;
    } else {
        for(; is_token(*p); p++) {
            if(n + 1 < outlen)
                out[n++] = *p;
            else
                *cut = 1;
        }
    }
    out[n] = '\0';
    return p;
}

/* The parameter name at p (a token), lower-cased into out; returns where its '=' is (or NULL). */
static const char *param_name(const char *p, char *out, size_t outlen)
{
    size_t n = 0;
    for(; is_token(*p); p++) {
        if(n + 1 < outlen)
            out[n++] = *p;
    }
    out[n] = '\0';
    p = ows(p);
    return *p == '=' ? ows(p + 1) : NULL;
}

multipart_t *multipart_new(const char *content_type, const char *const *fields, int n_fields, size_t storage,
                           const multipart_ops_t *ops, const char **why)
{
    static const char type[] = "multipart/form-data";
    const char *p = ows(content_type ? content_type : "");
    if(strncasecmp(p, type, sizeof(type) - 1) != 0 || (p[sizeof(type) - 1] && !strchr(" \t;", p[sizeof(type) - 1]))) {
        *why = "send the files as multipart/form-data (with a boundary)";
        return NULL;
    }
    p += sizeof(type) - 1;
    char boundary[MULTIPART_BOUNDARY_MAX + 2] = "";
    while(*(p = ows(p)) == ';') {
        char name[16];
        int cut = 0;
        const char *v = param_name(ows(p + 1), name, sizeof(name));
        if(!v)
            break;
        if(strcasecmp(name, "boundary") == 0) {
            p = param_value(v, boundary, sizeof(boundary), &cut);
            if(cut || strlen(boundary) > MULTIPART_BOUNDARY_MAX) {
                *why = "the multipart boundary is longer than 70 bytes";
                return NULL;
            }
        } else {
            char ignored[64];
            p = param_value(v, ignored, sizeof(ignored), &cut);
        }
    }
    size_t blen = strlen(boundary);
    if(!blen || strpbrk(boundary, "\r\n")) {
        *why = "send the files as multipart/form-data (with a boundary)";
        return NULL;
    }
    if(n_fields > MULTIPART_FIELDS_MAX)
        n_fields = MULTIPART_FIELDS_MAX;
    multipart_t *m = util_calloc(1, sizeof(*m) + storage);
    if(!m) {
        *why = "out of memory";
        return NULL;
    }
    m->ops = *ops;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, blen);
    m->dlen = 4 + blen;
    m->match = 2; /* the body may start with the boundary line itself */
    m->fields = fields;
    m->n_fields = n_fields;
    m->cap = storage;
    return m;
}

void multipart_free(multipart_t *m)
{
    util_free(m);
}

int multipart_complete(const multipart_t *m)
{
    return m->state == ST_EPILOGUE;
}

const char *multipart_value(const multipart_t *m, int i)
{
    return i >= 0 && i < m->n_fields ? m->values[i] : NULL;
}

/* A header line of a part: only Content-Disposition matters (RFC 7578 §4.2). */
static int part_header(multipart_t *m, const char **why)
{
    static const char cd[] = "content-disposition:";
    if(++m->n_headers > MULTIPART_HEADERS_MAX) {
        *why = "a multipart part with more than 16 header lines";
        return -1;
    }
    if(strncasecmp(m->line, cd, sizeof(cd) - 1) != 0)
        return 0;
    const char *p = ows(m->line + sizeof(cd) - 1);
    while(is_token(*p))
        p++; /* form-data */
    while(*(p = ows(p)) == ';') {
        char name[16], value[MULTIPART_FILENAME_MAX + 1];
        int cut = 0;
        const char *v = param_name(ows(p + 1), name, sizeof(name));
        if(!v)
            break;
        p = param_value(v, value, sizeof(value), &cut);
        if(strcasecmp(name, "name") == 0) {
            if(cut || strlen(value) > MULTIPART_NAME_MAX) {
                *why = "a multipart field name longer than 64 bytes";
                return -1;
            }
            memcpy(m->field, value, strlen(value) + 1);
        } else if(strcasecmp(name, "filename") == 0) {
            m->has_filename = 1;
            memcpy(m->filename, value, strlen(value) + 1);
        }
    }
    return 0;
}

/* A line is complete: its CR dropped; a cut one becomes head "..." and its last MULTIPART_LINE_TAIL bytes. */
static void line_end(multipart_t *m)
{
    if(m->line_len && m->line[m->line_len - 1] == '\r')
        m->line_len--;
    if(m->line_cut) {
        size_t tail = MULTIPART_LINE_TAIL;
        memmove(m->line + MULTIPART_LINE_HEAD + 3, m->line + m->line_len - tail, tail);
        memcpy(m->line + MULTIPART_LINE_HEAD, "...", 3);
        m->line_len = MULTIPART_LINE_HEAD + 3 + tail;
    }
    m->line[m->line_len] = '\0';
}

/* The blank line after a part's headers: what its bytes are for. */
static int part_begin(multipart_t *m, const char **why)
{
    m->state = ST_BODY;
    if(m->has_filename && m->filename[0]) {
        m->part = PART_FILE;
        return m->ops.open(m->ops.data, m->field, m->filename);
    }
    if(++m->n_plain > MULTIPART_PLAIN_PARTS) {
        *why = "more than 256 multipart parts without a file name";
        return -1;
    }
    m->part = PART_SKIP;
    for(int i = 0; i < m->n_fields; i++) {
        if(strcmp(m->fields[i], m->field) == 0) {
            m->part = PART_FIELD;
            m->field_index = i;
            m->value_at = m->used;
        }
    }
    return 0;
}

static int part_content(multipart_t *m, const char *p, size_t n, int final, const char **why)
{
    if(m->part == PART_FILE)
        return (n || final) ? m->ops.content(m->ops.data, p, n, final) : 0;
    if(m->part != PART_FIELD)
        return 0;
    if(n + (final ? 1 : 0) > m->cap - m->used) {
        *why = "the form fields are longer than their limit in all";
        return -1;
    }
    memcpy(m->storage + m->used, p, n);
    m->used += n;
    if(final) {
        m->storage[m->used++] = '\0';
        m->values[m->field_index] = m->storage + m->value_at;
    }
    return 0;
}

static void part_reset(multipart_t *m)
{
    m->line_len = 0;
    m->n_headers = 0;
    m->has_filename = 0;
    m->field[0] = '\0';
    m->filename[0] = '\0';
    m->part = PART_SKIP;
}

/*
 * Body bytes, looking for the delimiter. A partial match that began in an earlier piece is not
 * kept: those bytes are delim[0..held), given out as content if the match fails. The delimiter's
 * first byte (CR) occurs nowhere else in it, so a failed match restarts at the failing byte.
 */
static int body(multipart_t *m, const char *in, size_t len, size_t *at, const char **why)
{
    size_t i = *at, run = i;
    while(i < len) {
        if(!m->match) {
            const char *cr = memchr(in + i, '\r', len - i);
            if(!cr) {
                i = len;
                break;
            }
            i = (size_t)(cr - in);
        }
        if(in[i] == m->delim[m->match]) {
            i++;
            if(++m->match < m->dlen)
                continue;
            size_t here = i - run < m->dlen ? i - run : m->dlen;
            m->match = 0;
            *at = i;
            if(m->state == ST_PREAMBLE) {
                m->state = ST_AFTER;
                return 0;
            }
            m->state = ST_AFTER;
            return part_content(m, in + run, i - here - run, 1, why);
        }
        size_t here = i - run < m->match ? i - run : m->match;
        size_t held = m->match - here;
        m->match = 0;
        if(held && m->state == ST_BODY && part_content(m, m->delim, held, 0, why))
            return -1;
        if(in[i] != m->delim[0])
            i++;
    }
    size_t here = i - run < m->match ? i - run : m->match;
    *at = len;
    return m->state == ST_BODY ? part_content(m, in + run, len - here - run, 0, why) : 0;
}

int multipart_feed(multipart_t *m, const char *in, size_t len, const char **why)
{
    size_t i = 0;
    while(i < len) {
        char c = in[i];
        switch(m->state) {
        case ST_PREAMBLE:
        case ST_BODY:
            if(body(m, in, len, &i, why))
                return -1;
            continue;
        case ST_AFTER:
            if(c == '-')
                m->state = ST_DASH;
            else if(c == '\r')
                m->state = ST_AFTER_CR;
            else if(c == '\n') {
                m->state = ST_HEADERS;
                part_reset(m);
            } else if(c != ' ' && c != '\t') {
                *why = "a multipart boundary followed by something other than a line end";
                return -1;
            }
            break;
        case ST_AFTER_CR:
            if(c != '\n') {
                *why = "a multipart boundary followed by something other than a line end";
                return -1;
            }
            m->state = ST_HEADERS;
            part_reset(m);
            break;
        case ST_DASH:
            if(c != '-') {
                *why = "a multipart boundary followed by something other than a line end";
                return -1;
            }
            m->state = ST_EPILOGUE;
            break;
        case ST_HEADERS:
            if(c == '\n') {
                line_end(m);
                int rc = m->line_len ? part_header(m, why) : part_begin(m, why);
                m->line_len = 0;
                m->line_cut = 0;
                if(rc)
                    return -1;
            } else {
                if(m->line_len == sizeof(m->line) - 1) {
                    /* keep the head and the last MULTIPART_LINE_TAIL bytes at least: amortised O(1) a byte */
                    memmove(m->line + MULTIPART_LINE_HEAD, m->line + MULTIPART_LINE_HEAD + MULTIPART_LINE_TAIL,
                            MULTIPART_LINE_TAIL);
                    m->line_len = MULTIPART_LINE_HEAD + MULTIPART_LINE_TAIL;
                    m->line_cut = 1;
                }
                m->line[m->line_len++] = c;
            }
            break;
        case ST_EPILOGUE: return 0;
        }
        i++;
    }
    return 0;
}
