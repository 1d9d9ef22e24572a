#include "ingest/parsed.h"

#include "sql/lineage.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
    const char *why; /* set when the reader refuses the input */
} reader_t;

static int read_chunk(void *ud, char *buf, size_t cap, size_t *got)
{
    reader_t *r = ud;
    *got = 0;
    if(r->stop && atomic_load(r->stop)) {
        r->why = "ingestion was stopped";
        return SQL_ERR_IO;
    }
    ssize_t n;
    do
        n = read(r->fd, buf, cap < READ_CHUNK ? cap : READ_CHUNK);
    while(n < 0 && errno == EINTR);
    if(n < 0) {
        r->why = "the file could not be read";
        return SQL_ERR_IO;
    }
    if(memchr(buf, '\0', (size_t)n)) {
        r->why = "binary file (it contains NUL bytes), not SQL text";
        return SQL_ERR_IO;
    }
    r->size += n;
    if(r->size > r->max) {
        r->why = "file is larger than the per-file limit";
        return SQL_ERR_IO;
    }
    sha256_update(&r->sha, buf, (size_t)n);
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

static const char **copy_list(sql_arena_t *a, const sql_strlist_t *l, uint32_t *n)
{
    *n = 0;
    if(!l->n)
        return NULL;
    const char **items = sql_arena_alloc(a, l->n * sizeof(*items));
    if(!items)
        return NULL;
    for(size_t i = 0; i < l->n; i++) {
        if(!(items[i] = parsed_clean_utf8(a, l->items[i], strlen(l->items[i]))))
            return NULL;
    }
    *n = (uint32_t)l->n;
    return items;
}

/* The transformation subtype of each source: the DIRECT one when there is one (static strings). */
static const char **subtypes_of(sql_arena_t *a, const sql_column_lineage_t *c)
{
    const char **out = sql_arena_alloc(a, c->sources.n * sizeof(*out));
    if(!out)
        return NULL;
    for(size_t i = 0; i < c->sources.n; i++) {
        out[i] = NULL;
        for(size_t t = 0; t < c->ntransformations; t++) {
            const sql_transformation_t *tr = &c->transformations[t];
            if(!tr->source || !tr->subtype || strcmp(tr->source, c->sources.items[i]) != 0)
                continue;
            if(!out[i] || (tr->type && strcmp(tr->type, "DIRECT") == 0))
                out[i] = tr->subtype;
        }
    }
    return out;
}

static char *copy_str(sql_arena_t *a, const char *s)
{
    return s ? parsed_clean_utf8(a, s, strlen(s)) : NULL;
}

static int on_begin(void *ud, sql_dialect_t dialect)
{
    parsed_file_t *p = ud;
    p->dialect = dialect;
    return 0;
}

static int on_statement(void *ud, const sql_statement_t *st)
{
    parsed_file_t *p = ud;
    sql_arena_t *a = &p->arena;
    if(p->nstmts == p->stmts_cap) {
        size_t cap = p->stmts_cap ? p->stmts_cap * 2 : 16;
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
    if(!(s->kind = copy_str(a, st->kind ? st->kind : "unknown")) || (st->name && !(s->name = copy_str(a, st->name))))
        return SQL_ERR_NOMEM;
    if((st->reads.n && !(s->reads = copy_list(a, &st->reads, &s->nreads))) ||
       (st->writes.n && !(s->writes = copy_list(a, &st->writes, &s->nwrites))) ||
       (st->calls.n && !(s->calls = copy_list(a, &st->calls, &s->ncalls))) ||
       (st->defines.n && !(s->defines = copy_list(a, &st->defines, &s->ndefines))))
        return SQL_ERR_NOMEM;
    if(st->ncolumns) {
        if(!(s->columns = sql_arena_alloc(a, st->ncolumns * sizeof(*s->columns))))
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < st->ncolumns; i++) {
            parsed_column_t *c = &s->columns[i];
            if(!(c->target = copy_str(a, st->columns[i].target)))
                return SQL_ERR_NOMEM;
            c->sources = NULL;
            c->subtypes = NULL;
            c->nsources = 0;
            if(st->columns[i].sources.n && (!(c->sources = copy_list(a, &st->columns[i].sources, &c->nsources)) ||
                                            !(c->subtypes = subtypes_of(a, &st->columns[i]))))
                return SQL_ERR_NOMEM;
        }
        s->ncolumns = (uint32_t)st->ncolumns;
    }
    if(st->nflows) {
        if(!(s->flow_from = sql_arena_alloc(a, st->nflows * sizeof(*s->flow_from))) ||
           !(s->flow_to = sql_arena_alloc(a, st->nflows * sizeof(*s->flow_to))))
            return SQL_ERR_NOMEM;
        for(size_t i = 0; i < st->nflows; i++)
            if(!(s->flow_from[i] = copy_str(a, st->flows[i].from)) || !(s->flow_to[i] = copy_str(a, st->flows[i].to)))
                return SQL_ERR_NOMEM;
        s->nflows = (uint32_t)st->nflows;
    }
    p->nstmts++;
    return 0;
}

/* ---- each statement's text, from a second read of the file ---- */

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

/* Stores the segment gathered in `seg` as `sql`'s text, cut on a UTF-8 boundary with a marker. */
static int finish_segment(sql_arena_t *a, buf_t *seg, int64_t cut, parsed_sql_t *sql)
{
    if(cut) {
        /* drop a character the cap split in two */
        size_t j = seg->len;
        while(j > 0 && seg->len - j < 4 && ((unsigned char)seg->data[j - 1] & 0xC0) == 0x80)
            j--;
        if(j > 0) {
            unsigned char c = (unsigned char)seg->data[j - 1];
            size_t need = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
            if(seg->len - (j - 1) < need) {
                cut += (int64_t)(seg->len - (j - 1));
                seg->len = j - 1;
            }
        }
        char marker[128];
        int m = snprintf(marker, sizeof(marker),
                         "\n-- [lineaged: statement text cut here; %" PRId64 " more bytes were not stored]\n", cut);
        if(m > 0 && buf_add(seg, marker, (size_t)m))
            return SQL_ERR_NOMEM;
    }
    sql->cut = cut;
    sql->text = parsed_clean_utf8(a, seg->data ? seg->data : "", seg->len);
    buf_reset(seg);
    return sql->text ? 0 : SQL_ERR_NOMEM;
}

/*
 * Reads the file again from its start and gives each statement (and parse error) the text from its
 * start to the next one's, matching the lexer's positions (lines at '\n', columns in characters).
 * The content must hash as the first read did. Returns NULL or why the file cannot be used.
 */
static const char *keep_texts(parsed_file_t *p, int fd, const atomic_int *stop)
{
    size_t n = p->nstmts + p->nerrors;
    if(!n)
        return NULL;
    start_t *starts = util_calloc(n, sizeof(*starts));
    if(!starts)
        return "out of memory while keeping the statements' text";
    for(size_t i = 0; i < n; i++) {
        parsed_sql_t *sql = i < p->nstmts ? &p->stmts[i].sql : &p->errors[i - p->nstmts].sql;
        uint32_t line = i < p->nstmts ? p->stmts[i].line : p->errors[i - p->nstmts].line;
        uint32_t column = i < p->nstmts ? p->stmts[i].column : p->errors[i - p->nstmts].column;
        starts[i] = (start_t){line, column, i, sql};
    }
    qsort(starts, n, sizeof(*starts), by_position);
    const char *why = NULL;
    buf_t seg;
    buf_init(&seg, PARSED_SQL_MAX + 128);
    sha256_t sha;
    sha256_init(&sha);
    char chunk[64 * 1024];
    uint32_t line = 1, column = 1;
    size_t cur = 0, next = 1;
    int64_t cut = 0, size = 0;
    starts[0].sql->line = 1;
    starts[0].sql->column = 1;
    if(lseek(fd, 0, SEEK_SET) < 0)
        why = "the file could not be read";
    while(!why) {
        if(stop && atomic_load(stop)) {
            why = "ingestion was stopped";
            break;
        }
        ssize_t got = read(fd, chunk, sizeof(chunk));
        if(got < 0 && errno == EINTR)
            continue;
        if(got < 0) {
            why = "the file could not be read";
            break;
        }
        if(got == 0)
            break;
        sha256_update(&sha, chunk, (size_t)got);
        size += got;
        for(ssize_t i = 0; i < got && !why; i++) {
            unsigned char c = (unsigned char)chunk[i];
            int lead = (c & 0xC0) != 0x80;
            while(lead && next < n &&
                  (line > starts[next].line || (line == starts[next].line && column >= starts[next].column))) {
                if(finish_segment(&p->arena, &seg, cut, starts[cur].sql))
                    why = "out of memory while keeping the statements' text";
                cut = 0;
                cur = next++;
                starts[cur].sql->line = line;
                starts[cur].sql->column = column;
            }
            if(seg.len < PARSED_SQL_MAX) {
                if(buf_addc(&seg, (char)c))
                    why = "out of memory while keeping the statements' text";
            } else {
                cut++;
            }
            if(c == '\n') {
                line++;
                column = 1;
            } else {
                column += lead;
            }
        }
    }
    char hex[SHA256_HEX_LEN];
    sha256_final_hex(&sha, hex);
    if(!why && (size != p->size || strcmp(hex, p->sha256) != 0))
        why = "the file changed while it was being read";
    /* the last segment, then starts past the end of the file (empty) */
    if(!why && finish_segment(&p->arena, &seg, cut, starts[cur].sql))
        why = "out of memory while keeping the statements' text";
    for(; !why && next < n; next++) {
        starts[next].sql->line = starts[next].line;
        starts[next].sql->column = starts[next].column;
        if(finish_segment(&p->arena, &seg, 0, starts[next].sql))
            why = "out of memory while keeping the statements' text";
    }
    buf_free(&seg);
    util_free(starts);
    return why;
}

static void fail(parsed_file_t *p, enum parsed_outcome outcome, const char *reason)
{
    p->outcome = outcome;
    util_free(p->reason);
    p->reason = util_strdup(reason);
}

static int keep_errors(parsed_file_t *p, const sql_lineage_t *l)
{
    if(!l->nerrors)
        return 0;
    if(!(p->errors = util_calloc(l->nerrors, sizeof(*p->errors))))
        return SQL_ERR_NOMEM;
    for(size_t i = 0; i < l->nerrors; i++) {
        p->errors[i].line = l->errors[i].line;
        p->errors[i].column = l->errors[i].column;
        if(!(p->errors[i].message = copy_str(&p->arena, l->errors[i].message)))
            return SQL_ERR_NOMEM;
    }
    p->nerrors = p->errors_cap = l->nerrors;
    p->errors_dropped = l->errors_dropped;
    return 0;
}

parsed_file_t *parsed_file_load(const char *disk_path, sql_dialect_t dialect, int64_t max_bytes, const atomic_int *stop)
{
    parsed_file_t *p = util_calloc(1, sizeof(*p));
    if(!p)
        return NULL;
    p->dialect = dialect;
    sql_arena_init(&p->arena, ARENA_MIN);
    reader_t r = {.fd = -1, .max = max_bytes, .stop = stop};
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
        fail(p, PARSED_FAILED, "file is larger than the per-file limit");
        goto out;
    }
    if(st.st_size == 0) {
        sha256_final_hex(&r.sha, p->sha256);
        fail(p, PARSED_SKIPPED, "empty file");
        goto out;
    }
    if((size_t)st.st_size * 8 > ARENA_MIN)
        p->arena.max = (size_t)st.st_size * 8;
    sql_lineage_opts_t opts = {.dialect = dialect, .on_begin = on_begin, .on_statement = on_statement, .ud = p};
    sql_lineage_t *l = NULL;
    int rc = sql_lineage_run(read_chunk, &r, &opts, &l);
    if(!rc) {
        p->dialect = l->dialect;
        rc = keep_errors(p, l);
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
    sha256_final_hex(&r.sha, p->sha256);
    const char *why = p->outcome == PARSED_OK ? keep_texts(p, r.fd, stop) : NULL;
    if(why)
        fail(p, PARSED_FAILED, why);
out:
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
    sql_arena_free(&p->arena);
    util_free(p);
}
