#include "ingest/parsed.h"

#include "sql/lineage.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (256u * 1024)
/* The arena holds names, not text: a few times the file is far more than any real file needs. */
#define ARENA_MIN ((size_t)64 << 20)

typedef struct reader {
    int fd;
    sha256_t sha;
    int64_t size, max;
    const atomic_int *stop;
    buf_t *text;     /* the whole file, kept for the statements' text */
    const char *why; /* set when the reader refuses the input */
    char why_buf[96];
    parsed_file_t *p;
    /* a byte >= 0x80 was read: until then every name the engine gives is ASCII and is copied as it
     * is, without the UTF-8 cleaning (that check was 30% of the copies' instructions) */
    int high;
} reader_t;

static int has_high_byte(const char *s, size_t n)
{
    uint64_t any = 0;
    size_t i = 0;
    for(uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        any |= w;
    }
    for(; i < n; i++)
        any |= (unsigned char)s[i];
    return (any & 0x8080808080808080ull) != 0;
}

static const char *too_large(reader_t *r)
{
    long long mib = (long long)(r->max >> 20);
    if(mib << 20 == r->max)
        snprintf(r->why_buf, sizeof(r->why_buf), "file is larger than the %lld MiB per-file limit", mib);
    else
        snprintf(r->why_buf, sizeof(r->why_buf), "file is larger than the %lld-byte per-file limit",
                 (long long)r->max);
    return r->why_buf;
}

/*
 * One read of the file, straight into the end of its text (sized to the file as it was opened);
 * *got = 0 at its end. A file that grew meanwhile is read into a small buffer and refused.
 */
static int read_chunk(reader_t *r, size_t *got)
{
    *got = 0;
    if(r->stop && atomic_load(r->stop)) {
        r->why = "ingestion was stopped";
        return -1;
    }
    buf_t *t = r->text;
    size_t room = t->cap > t->len + 1 ? t->cap - t->len - 1 : 0;
    char spill[4096];
    char *buf = room ? t->data + t->len : spill;
    size_t cap = room ? (room < READ_CHUNK ? room : READ_CHUNK) : sizeof spill;
    ssize_t n;
    do
        n = read(r->fd, buf, cap);
    while(n < 0 && errno == EINTR);
    if(n < 0) {
        r->why = "the file could not be read";
        return -1;
    }
    if(memchr(buf, '\0', (size_t)n)) {
        r->why = "binary file (it contains NUL bytes), not SQL text";
        return -1;
    }
    r->size += n;
    if(r->size > r->max) {
        r->why = too_large(r);
        return -1;
    }
    if(!room && n) {
        r->why = "the file changed while it was being read";
        return -1;
    }
    t->len += (size_t)n;
    t->data[t->len] = '\0';
    sha256_update(&r->sha, buf, (size_t)n);
    if(!r->high)
        r->high = has_high_byte(buf, (size_t)n);
    *got = (size_t)n;
    return 0;
}

char *parsed_clean_utf8(sql_arena_t *a, const char *s, size_t len)
{
    char *out = sql_arena_alloc(a, len + 1);
    if(out)
        utf8_clean_copy(out, s, len);
    return out;
}

/* A name of the engine's into the parsed file, cleaned when the file has non-ASCII bytes. */
static char *copy_name(const reader_t *r, sql_arena_t *a, const char *s, size_t len)
{
    return r->high ? parsed_clean_utf8(a, s, len) : sql_arena_strndup(a, s, len);
}

static const char **copy_list(const reader_t *r, sql_arena_t *a, const sql_strlist_t *l, uint32_t *n)
{
    *n = 0;
    if(!l->n)
        return NULL;
    const char **items = sql_arena_alloc(a, l->n * sizeof(*items));
    if(!items)
        return NULL;
    for(size_t i = 0; i < l->n; i++) {
        if(!(items[i] = copy_name(r, a, l->items[i], strlen(l->items[i]))))
            return NULL;
    }
    *n = (uint32_t)l->n;
    return items;
}

static char *copy_str(const reader_t *r, sql_arena_t *a, const char *s)
{
    return s ? copy_name(r, a, s, strlen(s)) : NULL;
}

static int on_begin(void *ud, sql_dialect_t dialect)
{
    reader_t *r = ud;
    r->p->dialect = dialect;
    return 0;
}

static int on_statement(void *ud, const sql_statement_t *st)
{
    reader_t *r = ud;
    if(r->stop && atomic_load(r->stop)) {
        r->why = "ingestion was stopped";
        return SQL_ERR_IO;
    }
    parsed_file_t *p = r->p;
    sql_arena_t *a = &p->arena;
    if(p->nstmts == p->stmts_cap) {
        /* first room for a statement per 160 bytes of the file (read whole before the parse) up to
         * 4 MiB: few files have shorter ones, and each doubling copies the array */
        size_t first = (size_t)(r->size < ((int64_t)4 << 20) ? r->size : ((int64_t)4 << 20));
        size_t cap = p->stmts_cap ? p->stmts_cap * 2 : 16 + first / 160;
        parsed_stmt_t *grown = util_realloc(p->stmts, cap * sizeof(*grown));
        if(!grown)
            return SQL_ERR_NOMEM;
        p->stmts = grown;
        p->stmts_cap = cap;
    }
    parsed_stmt_t *s = &p->stmts[p->nstmts];
    memset(s, 0, sizeof(*s));
    s->line = st->line;
    s->column = st->column;
    if(!(s->kind = copy_str(r, a, st->kind ? st->kind : "unknown")) ||
       (st->name && !(s->name = copy_str(r, a, st->name))))
        return SQL_ERR_NOMEM;
    if((st->reads.n && !(s->reads = copy_list(r, a, &st->reads, &s->nreads))) ||
       (st->writes.n && !(s->writes = copy_list(r, a, &st->writes, &s->nwrites))) ||
       (st->calls.n && !(s->calls = copy_list(r, a, &st->calls, &s->ncalls))) ||
       (st->defines.n && !(s->defines = copy_list(r, a, &st->defines, &s->ndefines))) ||
       (st->undefines.n && !(s->undefines = copy_list(r, a, &st->undefines, &s->nundefines))))
        return SQL_ERR_NOMEM;
    if(st->ncolumns) {
        if(!(s->columns = sql_arena_alloc(a, st->ncolumns * sizeof(*s->columns))))
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < st->ncolumns; i++) {
            parsed_column_t *c = &s->columns[i];
            if(!(c->target = copy_str(r, a, st->columns[i].target)))
                return SQL_ERR_NOMEM;
            c->sources = NULL;
            c->subtypes = NULL;
            c->nsources = 0;
            size_t n = st->columns[i].sources.n;
            if(n && (!(c->sources = copy_list(r, a, &st->columns[i].sources, &c->nsources)) ||
                     !(c->subtypes = sql_arena_alloc(a, n * sizeof(*c->subtypes)))))
                return SQL_ERR_NOMEM;
            if(n)
                memcpy(c->subtypes, st->columns[i].subtypes, n * sizeof(*c->subtypes));
        }
        s->ncolumns = (uint32_t)st->ncolumns;
    }
    if(st->nflows) {
        if(!(s->flow_from = sql_arena_alloc(a, st->nflows * sizeof(*s->flow_from))) ||
           !(s->flow_to = sql_arena_alloc(a, st->nflows * sizeof(*s->flow_to))))
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < st->nflows; i++)
            if(!(s->flow_from[i] = copy_str(r, a, st->flows[i].from)) ||
               !(s->flow_to[i] = copy_str(r, a, st->flows[i].to)))
                return SQL_ERR_NOMEM;
        s->nflows = (uint32_t)st->nflows;
    }
    p->nstmts++;
    return 0;
}

/* ---- where each statement's text is in the file ---- */

typedef struct start {
    uint32_t line, column;
    size_t order; /* parsed statements first, then errors: ties keep that order */
    parsed_sql_t *sql;
} start_t;

static int by_position(const void *pa, const void *pb)
{
    const start_t *a = pa, *b = pb;
    if(a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if(a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* A position in the raw text: byte `i`, at `line`:`column` (lines at '\n', columns in characters). */
typedef struct cursor {
    size_t i;
    uint32_t line, column;
} cursor_t;

/*
 * Moves `c` to the first character at or after line:column; 0 when the text ends first. Lines
 * before the target are skipped with memchr: only the target line is walked byte by byte.
 */
static int seek(const unsigned char *t, size_t len, cursor_t *c, uint32_t line, uint32_t column)
{
    while(c->i < len) {
        if(c->line < line) {
            const unsigned char *nl = memchr(t + c->i, '\n', len - c->i);
            if(!nl) {
                c->i = len;
                return 0;
            }
            c->i = (size_t)(nl - t) + 1;
            c->line++;
            c->column = 1;
            continue;
        }
        int lead = (t[c->i] & 0xC0) != 0x80;
        if(lead && (c->line > line || c->column >= column))
            return 1;
        if(t[c->i] == '\n') {
            c->line++;
            c->column = 1;
        } else {
            c->column += (uint32_t)lead;
        }
        c->i++;
    }
    return 0;
}

/*
 * Gives each statement (and parse error) the byte range from its start to the next one's, finding
 * each start in the raw text with the lexer's positions; then cleans the text in place, which
 * keeps every byte where it was. Returns NULL or why the file cannot be used.
 */
static const char *locate_texts(parsed_file_t *p, int high)
{
    size_t n = p->nstmts + p->nerrors;
    if(!n) {
        buf_free(&p->text); /* a file with no statement keeps no text */
        return NULL;
    }
    start_t *starts = util_calloc(n, sizeof(*starts));
    if(!starts)
        return "out of memory while keeping the statements' text";
    for(size_t i = 0; i < n; i++) {
        parsed_sql_t *sql = i < p->nstmts ? &p->stmts[i].sql : &p->errors[i - p->nstmts].sql;
        uint32_t line = i < p->nstmts ? p->stmts[i].line : p->errors[i - p->nstmts].line;
        uint32_t column = i < p->nstmts ? p->stmts[i].column : p->errors[i - p->nstmts].column;
        starts[i] = (start_t){line, column, i, sql};
    }
    /* statements come in file order: only parse errors between them need the sort */
    size_t sorted = 1;
    while(sorted < n && by_position(&starts[sorted - 1], &starts[sorted]) < 0)
        sorted++;
    if(sorted < n)
        qsort(starts, n, sizeof(*starts), by_position);
    const unsigned char *t = (const unsigned char *)p->text.data;
    size_t len = p->text.len, next = 1;
    cursor_t c = {0, 1, 1};
    *starts[0].sql = (parsed_sql_t){1, 1, 0, 0};
    for(; next < n && seek(t, len, &c, starts[next].line, starts[next].column); next++) {
        starts[next - 1].sql->length = (int64_t)c.i - starts[next - 1].sql->offset;
        *starts[next].sql = (parsed_sql_t){c.line, c.column, (int64_t)c.i, 0};
    }
    starts[next - 1].sql->length = (int64_t)len - starts[next - 1].sql->offset;
    /* starts past the end of the file: empty */
    for(; next < n; next++)
        *starts[next].sql = (parsed_sql_t){starts[next].line, starts[next].column, (int64_t)len, 0};
    util_free(starts);
    if(high)
        utf8_clean_copy(p->text.data, p->text.data, len);
    return NULL;
}

static void fail(parsed_file_t *p, enum parsed_outcome outcome, const char *reason)
{
    p->outcome = outcome;
    util_free(p->reason);
    p->reason = util_strdup(reason);
}

/* The engine's errors or warnings, into the file's arena; *out stays NULL when there are none. */
static int keep_notes(const reader_t *r, parsed_file_t *p, const sql_error_t *v, size_t n, parsed_error_t **out)
{
    if(!n)
        return 0;
    if(!(*out = util_calloc(n, sizeof(**out))))
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < n; i++) {
        (*out)[i].line = v[i].line;
        (*out)[i].column = v[i].column;
        if(!((*out)[i].message = copy_str(r, &p->arena, v[i].message)))
            return SQL_ERR_NOMEM;
    }
    return 0;
}

static int keep_errors(const reader_t *r, parsed_file_t *p, const sql_lineage_t *l)
{
    int rc = keep_notes(r, p, l->errors, l->nerrors, &p->errors);
    p->nerrors = p->errors_cap = p->errors ? l->nerrors : 0;
    p->errors_dropped = l->errors_dropped;
    rc = rc ? rc : keep_notes(r, p, l->warnings, l->nwarnings, &p->warnings);
    p->nwarnings = p->warnings ? l->nwarnings : 0;
    p->warnings_dropped = l->warnings_dropped;
    return rc;
}

/* The whole file into r->text through read_chunk (its checks and hash); -1 with r->why set. */
static int read_all(reader_t *r)
{
    size_t got;
    int rc;
    while(!(rc = read_chunk(r, &got)) && got)
        ;
    return rc;
}

parsed_file_t *parsed_file_load(const char *disk_path, sql_dialect_t dialect, int64_t max_bytes, const atomic_int *stop)
{
    return parsed_file_load_known(disk_path, dialect, max_bytes, stop, NULL);
}

parsed_file_t *parsed_file_load_known(const char *disk_path, sql_dialect_t dialect, int64_t max_bytes,
                                      const atomic_int *stop, const char *known_sha256)
{
    parsed_file_t *p = util_calloc(1, sizeof(*p));
    if(!p)
        return NULL;
    p->dialect = dialect;
    sql_arena_init(&p->arena, ARENA_MIN);
    reader_t r = {.fd = -1, .max = max_bytes, .stop = stop, .text = &p->text, .p = p};
    sha256_init(&r.sha);
    struct stat st;
    r.fd = open(disk_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if(r.fd < 0 || fstat(r.fd, &st) || !S_ISREG(st.st_mode)) {
        fail(p, PARSED_FAILED,
             r.fd < 0 && errno == ENOENT ? "the file is no longer there" : "the file could not be opened");
        goto out;
    }
    if(st.st_size > max_bytes) {
        p->size = st.st_size;
        fail(p, PARSED_FAILED, too_large(&r));
        goto out;
    }
    if(st.st_size == 0) {
        sha256_final_hex(&r.sha, p->sha256);
        fail(p, PARSED_SKIPPED, "empty file");
        goto out;
    }
    buf_init(&p->text, (size_t)st.st_size);
    if(buf_reserve(&p->text, (size_t)st.st_size)) {
        p->size = st.st_size;
        fail(p, PARSED_FAILED, "out of memory while reading the file");
        goto out;
    }
    if((size_t)st.st_size * 8 > ARENA_MIN)
        p->arena.max = (size_t)st.st_size * 8;
    sql_lineage_opts_t opts = {.dialect = dialect,
                               .on_begin = on_begin,
                               .on_statement = on_statement,
                               .ud = &r,
                               .statements_only = 1,
                               .no_indirect = 1,
                               .subtypes_only = 1};
    sql_lineage_t *l = NULL;
    /* Read and hash first: the content the path already has needs no parse, and the engine lexes
     * the text kept for the statements where it is, not a copy of it in a buffer of its own. */
    if(read_all(&r)) {
        fail(p, PARSED_FAILED, r.why);
        p->size = r.size;
        /* the hash of what was read before, as the files row has always kept for such a file */
        if(!(known_sha256 && known_sha256[0]))
            sha256_final_hex(&r.sha, p->sha256);
        goto out;
    }
    sha256_final_hex(&r.sha, p->sha256);
    if(known_sha256 && known_sha256[0] && r.size && strcmp(p->sha256, known_sha256) == 0) {
        p->size = r.size;
        p->outcome = PARSED_OK;
        p->hashed_only = 1;
        buf_free(&p->text);
        goto out;
    }
    int rc = sql_lineage_run_text(p->text.data ? p->text.data : "", p->text.len, &opts, &l);
    if(!rc) {
        p->dialect = l->dialect;
        rc = keep_errors(&r, p, l);
    }
    sql_lineage_free(l);
    p->size = r.size;
    if(r.why) {
        fail(p, PARSED_FAILED, r.why);
    } else if(rc) {
        fail(p, PARSED_FAILED, rc == SQL_ERR_NOMEM ? "out of memory while parsing" : sql_strerror(rc));
    } else if(r.size == 0) {
        fail(p, PARSED_SKIPPED, "empty file");
    } else {
        p->outcome = PARSED_OK;
    }
    const char *why = p->outcome == PARSED_OK ? locate_texts(p, r.high) : NULL;
    if(why)
        fail(p, PARSED_FAILED, why);
out:
    if(p->outcome != PARSED_OK)
        buf_free(&p->text);
    if(r.fd >= 0)
        close(r.fd);
    return p;
}

void parsed_file_free(parsed_file_t *p)
{
    if(!p)
        return;
    util_free(p->reason);
    util_free(p->stmts);
    util_free(p->errors);
    util_free(p->warnings);
    buf_free(&p->text);
    sql_arena_free(&p->arena);
    util_free(p);
}
