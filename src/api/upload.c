#define _GNU_SOURCE /* copy_file_range */
#include "api/upload.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct upload {
    upload_limits_t lim;
    upload_file_t *files;
    size_t n, cap;
    upload_file_t *cur; /* the part being received, NULL between parts */
    int spool;          /* every kept part's bytes, one after another: one file created per request */
    char *spool_path;   /* NULL until the first kept part */
    int64_t spool_size;
    int in_part;
    char error[256];
};

static uint64_t upload_seq;

upload_t *upload_new(const upload_limits_t *lim)
{
    upload_t *u = util_calloc(1, sizeof(*u));
    if(!u)
        return NULL;
    u->lim = *lim;
    u->spool = -1;
    return u;
}

static int fail(upload_t *u, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(upload_t *u, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->error, sizeof(u->error), fmt, ap);
    va_end(ap);
    return status;
}

const char *upload_error(const upload_t *u)
{
    return u->error;
}

void upload_display_name(const char *raw, char *out, size_t outlen)
{
    size_t max = outlen - 1 < UPLOAD_NAME_MAX ? outlen - 1 : UPLOAD_NAME_MAX;
    size_t n = 0, seg_start = 0;
    const unsigned char *p = (const unsigned char *)(raw ? raw : "");
    int full = 0;
    for(;;) {
        unsigned char c = full ? 0 : *p;
        if(c == '/' || c == '\\' || !c) {
            /* End of a segment: drop it if empty, "." or "..". */
            size_t len = n - seg_start;
            if(len == 0 || (len == 1 && out[seg_start] == '.') ||
               (len == 2 && out[seg_start] == '.' && out[seg_start + 1] == '.'))
                n = seg_start;
            else if(c && n < max)
                out[n++] = '/';
            if(!c)
                break;
            seg_start = n;
            p++;
            continue;
        }
        if(c < 0x20 || c == 0x7f) {
            p++;
            continue;
        }
        size_t len = utf8_seq_len(p, 4);
        if(!len) {
            p++; /* not UTF-8: dropped */
            continue;
        }
        if(n + len > max) {
            full = 1;
            continue;
        }
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    while(n && out[n - 1] == '/')
        n--;
    if(!n) {
        snprintf(out, outlen, "unnamed");
        return;
    }
    out[n] = '\0';
}

static void close_part(upload_t *u)
{
    u->cur = NULL;
    u->in_part = 0;
}

/* The part's bytes are not kept: the next part overwrites them in the spool. */
static void drop_part(upload_t *u, upload_file_t *f)
{
    if(f->kept)
        u->spool_size = f->offset;
    f->kept = 0;
}

/* A new file under the upload folder, named by the server: an open descriptor, or -1 with errno. */
static int create_named(const char *dir, const char *suffix, char *path, size_t pathlen)
{
    int fd = -1;
    errno = EEXIST;
    for(int attempt = 0; fd < 0 && errno == EEXIST && attempt < 4; attempt++) {
        uint64_t seq = __atomic_add_fetch(&upload_seq, 1, __ATOMIC_RELAXED);
        if(snprintf(path, pathlen, "%s/up-%lld-%d-%llu%s", dir, (long long)time_now_ms(), (int)getpid(),
                    (unsigned long long)seq, suffix) >= (int)pathlen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    return fd;
}

static void drop_content(upload_file_t *f)
{
    if(f->disk_path) {
        unlink(f->disk_path);
        util_free(f->disk_path);
        f->disk_path = NULL;
    }
}

static void drop_spool(upload_t *u)
{
    if(u->spool >= 0)
        close(u->spool);
    u->spool = -1;
    if(u->spool_path) {
        unlink(u->spool_path);
        util_free(u->spool_path);
        u->spool_path = NULL;
    }
}

static const char *extension(const char *name)
{
    const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
    return dot && (!slash || dot > slash + 1) ? dot : NULL;
}

int upload_file_open(upload_t *u, const char *field, const char *filename)
{
    if(u->in_part)
        return fail(u, 400, "a file part began before the previous one ended");
    if(strcmp(field, u->lim.field) != 0)
        return fail(u, 400, "unexpected file field '%.32s'; send files in the field '%s'", field, u->lim.field);
    if(u->n == u->lim.max_files)
        return fail(u, 413, "more than %zu files in one upload; the limit is %zu", u->lim.max_files, u->lim.max_files);
    if(u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 64;
        if(cap > u->lim.max_files)
            cap = u->lim.max_files;
        upload_file_t *grown = util_realloc(u->files, cap * sizeof(*grown));
        if(!grown)
            return fail(u, 500, "out of memory");
        u->files = grown;
        u->cap = cap;
    }
    char name[UPLOAD_NAME_MAX + 1];
    upload_display_name(filename, name, sizeof(name));
    upload_file_t *f = &u->files[u->n];
    memset(f, 0, sizeof(*f));
    f->name = util_strdup(name);
    if(!f->name)
        return fail(u, 500, "out of memory");
    u->n++;
    u->cur = f;
    u->in_part = 1;
    if(filename && strlen(filename) > UPLOAD_WHOLE_NAME_MAX) { /* cut by the form parser: its extension is unknown */
        f->skip = "file name longer than 254 bytes (its type cannot be told)";
        return 0;
    }
    if(!u->lim.supported(name)) {
        const char *ext = extension(name);
        char why[96];
        snprintf(why, sizeof(why), "unsupported file type%s%.16s%s (not a SQL source)", ext ? " '" : "", ext ? ext : "",
                 ext ? "'" : "");
        f->skip_owned = util_strdup(why);
        f->skip = f->skip_owned ? f->skip_owned : "unsupported file type";
        return 0;
    }
    if(u->spool < 0) {
        char path[4096];
        u->spool = create_named(u->lim.dir, ".spool", path, sizeof(path));
        if(u->spool < 0) {
            log_error("upload.open_failed", "reason=\"%s\"", strerror(errno));
            return fail(u, 500, "the server cannot store uploads right now");
        }
        u->spool_path = util_strdup(path);
        if(!u->spool_path) {
            close(u->spool);
            u->spool = -1;
            unlink(path);
            return fail(u, 500, "out of memory");
        }
    }
    f->offset = u->spool_size;
    f->kept = 1;
    return 0;
}

static int pwrite_all(int fd, const char *p, size_t len, int64_t at)
{
    while(len) {
        ssize_t n = pwrite(fd, p, len, (off_t)at);
        if(n < 0 && errno == EINTR)
            continue;
        if(n <= 0)
            return -1;
        p += n;
        at += n;
        len -= (size_t)n;
    }
    return 0;
}

int upload_file_data(upload_t *u, const char *data, size_t len, int final)
{
    upload_file_t *f = u->cur;
    if(!u->in_part || !f)
        return 0; /* bytes outside a file part (lws reports the preamble that way) */
    f->size += (int64_t)len;
    if(f->size > u->lim.max_file_bytes)
        return fail(u, 413, "file '%.200s' is larger than the per-file limit of %lld MiB", f->name,
                    (long long)(u->lim.max_file_bytes >> 20));
    if(!f->skip && len && memchr(data, '\0', len)) {
        f->skip = "binary file (it contains NUL bytes), not SQL text";
        drop_part(u, f);
    }
    if(f->kept && len) {
        if(pwrite_all(u->spool, data, len, u->spool_size)) {
            log_error("upload.write_failed", "reason=\"%s\"", strerror(errno));
            return fail(u, 500, "the server cannot store uploads right now (%s)",
                        errno == ENOSPC ? "disk full" : "write failed");
        }
        u->spool_size += (int64_t)len;
    }
    if(final) {
        if(!f->skip && f->size == 0) {
            f->skip = "empty file";
            drop_part(u, f);
        }
        close_part(u);
    }
    return 0;
}

int upload_finish(upload_t *u)
{
    if(u->in_part)
        return fail(u, 400, "the upload ended in the middle of file '%.200s'", u->cur ? u->cur->name : "");
    return 0;
}

int64_t upload_spool_bytes(const upload_t *u)
{
    return u->spool_size;
}

size_t upload_count(const upload_t *u)
{
    return u->n;
}

const upload_file_t *upload_file(const upload_t *u, size_t i)
{
    return i < u->n ? &u->files[i] : NULL;
}

void upload_disown(upload_t *u, size_t i)
{
    if(i < u->n) {
        util_free(u->files[i].disk_path);
        u->files[i].disk_path = NULL;
    }
}

/* `len` bytes of the spool from `at` into `out`: in the kernel where it can, else through a buffer. */
static int copy_range(int spool, int64_t at, int out, int64_t len)
{
    off_t in_off = (off_t)at;
    while(len > 0) {
        ssize_t n = copy_file_range(spool, &in_off, out, NULL, (size_t)len, 0);
        if(n < 0 && errno == EINTR)
            continue;
        if(n <= 0)
            break;
        len -= n;
    }
    char buf[64 * 1024];
    int64_t done = in_off - at;
    while(len > 0) { /* copy_file_range refused (an old kernel, another file system) or stopped short */
        ssize_t n = pread(spool, buf, len < (int64_t)sizeof(buf) ? (size_t)len : sizeof(buf), (off_t)(at + done));
        if(n < 0 && errno == EINTR)
            continue;
        if(n <= 0) {
            if(n == 0)
                errno = EIO; /* the spool is shorter than what was written to it */
            return -1;
        }
        if(pwrite_all(out, buf, (size_t)n, done))
            return -1;
        done += n;
        len -= n;
    }
    return 0;
}

int upload_split(upload_t *u, const atomic_int *stop)
{
    for(size_t i = 0; i < u->n; i++) {
        upload_file_t *f = &u->files[i];
        if(!f->kept)
            continue;
        if(stop && atomic_load(stop))
            return fail(u, 503, "the server is shutting down; send the upload again later");
        int64_t len = f->size; /* a kept part has every byte it received in the spool */
        char path[4096];
        int fd = create_named(u->lim.dir, ".sql", path, sizeof(path));
        if(fd < 0 || copy_range(u->spool, f->offset, fd, len)) {
            int err = errno;
            log_error("upload.write_failed", "reason=\"%s\"", strerror(err));
            if(fd >= 0) {
                close(fd);
                unlink(path);
            }
            return fail(u, err == ENOSPC ? 507 : 500, "the server cannot store uploads right now (%s)",
                        err == ENOSPC ? "disk full" : "write failed");
        }
        close(fd);
        f->disk_path = util_strdup(path);
        if(!f->disk_path) {
            unlink(path);
            return fail(u, 500, "out of memory");
        }
        f->kept = 0;
    }
    drop_spool(u);
    return 0;
}

void upload_free(upload_t *u)
{
    if(!u)
        return;
    close_part(u);
    drop_spool(u);
    for(size_t i = 0; i < u->n; i++) {
        drop_content(&u->files[i]);
        util_free(u->files[i].name);
        util_free(u->files[i].skip_owned);
    }
    util_free(u->files);
    util_free(u);
}
