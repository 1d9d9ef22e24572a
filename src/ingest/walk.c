#include "ingest/walk.h"

#include "ingest/map.h"
#include "util/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_PATH_MAX 4096

static void problem(ingest_walk_t *w, const char *path, const char *message)
{
    w->problems++;
    if(w->on_problem)
        w->on_problem(w->ud, path, message);
}

/* "./a//b" → "a/b": the name a file is known by, so the same file is the same path next time. */
static void normalise(const char *path, char *out, size_t outlen)
{
    size_t n = 0;
    while(path[0] == '.' && path[1] == '/')
        for(path += 2; *path == '/'; path++)
            ;
    for(const char *p = path; *p && n + 1 < outlen; p++) {
        if(*p == '/' && n > 0 && out[n - 1] == '/')
            continue;
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* A name given in this walk: the file it was given to, and the path it was given as. */
typedef struct given {
    dev_t dev;
    ino_t ino;
    char *path;
    char name[];
} given_t;

static const void *given_key(const void *item, size_t *len)
{
    const given_t *g = item;
    *len = strlen(g->name);
    return g->name;
}

static void given_free(void *item)
{
    given_t *g = item;
    util_free(g->path);
    util_free(g);
}

/* 1 when the name is new and now kept, 0 when the same file had it already, -1 ambiguous or no memory. */
static int claim(ingest_walk_t *w, const char *path, const char *name, const struct stat *st)
{
    if(!w->names && (w->names = util_calloc(1, sizeof(map_t))))
        map_init(w->names, given_key, NULL, NULL);
    map_t *m = w->names;
    size_t len = strlen(name);
    given_t *g = m ? map_get(m, name, len) : NULL;
    if(g && g->dev == st->st_dev && g->ino == st->st_ino)
        return 0;
    if(g) {
        char msg[WALK_PATH_MAX + 256];
        snprintf(msg, sizeof(msg), "its name '%s' is already that of %s in this run; give the folder that holds both",
                 name, g->path);
        problem(w, path, msg);
        return -1;
    }
    if((g = m ? util_malloc(sizeof(*g) + len + 1) : NULL)) {
        g->dev = st->st_dev;
        g->ino = st->st_ino;
        g->path = util_strdup(path);
        memcpy(g->name, name, len + 1);
    }
    if(!g || !g->path || map_put(m, g)) {
        if(g)
            given_free(g);
        problem(w, path, "out of memory");
        return -1;
    }
    return 1;
}

static int add(ingest_walk_t *w, const char *path, const struct stat *st, const char *skip_reason)
{
    char name[WALK_PATH_MAX];
    normalise(path + w->root_len, name, sizeof(name));
    if(claim(w, path, name, st) <= 0)
        return 0;
    /* a skipped file is never read: its row keeps the size, as an upload's and a repository's do */
    int rc = skip_reason ? ingest_add_skipped(w->in, w->id, name, skip_reason, (int64_t)st->st_size)
                         : ingest_add_file(w->in, w->id, path, name, NULL, 0);
    if(!rc)
        w->added++;
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a folder in name order, then its sub-folders, so runs are repeatable. */
static int walk_dir(ingest_walk_t *w, const char *dir, int depth)
{
    if(depth > INGEST_WALK_DEPTH) {
        problem(w, dir, "folders nested this deep are not entered");
        return 0;
    }
    DIR *d = opendir(dir);
    if(!d) {
        problem(w, dir, strerror(errno));
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while(!rc && (e = readdir(d))) {
        if(e->d_name[0] == '.')
            continue;
        if(n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **g = util_realloc(names, ncap * sizeof(*g));
            if(!g) {
                rc = -1;
                break;
            }
            names = g;
            cap = ncap;
        }
        if(!(names[n] = util_strdup(e->d_name)))
            rc = INGEST_ERR_NOMEM;
        else
            n++;
    }
    closedir(d);
    if(n)
        qsort(names, n, sizeof(*names), cmp_names);
    for(int pass = 0; pass < 2 && !rc; pass++) {
        for(size_t i = 0; i < n && !rc; i++) {
            char path[WALK_PATH_MAX];
            if(snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path)) {
                problem(w, dir, "a path under this folder is too long");
                continue;
            }
            struct stat st;
            if(lstat(path, &st))
                continue;
            if(pass == 0 && S_ISREG(st.st_mode)) {
                if(ingest_supported_name(names[i]))
                    rc = add(w, path, &st, NULL);
                else
                    w->ignored++;
            } else if(pass == 1 && S_ISDIR(st.st_mode)) {
                rc = walk_dir(w, path, depth + 1);
            }
        }
    }
    for(size_t i = 0; i < n; i++)
        util_free(names[i]);
    util_free(names);
    return rc;
}

int ingest_walk_add(ingest_walk_t *w, const char *path)
{
    struct stat st;
    if(stat(path, &st)) {
        problem(w, path, strerror(errno));
        return 0;
    }
    if(S_ISDIR(st.st_mode)) {
        char dir[WALK_PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", path);
        size_t len = strlen(dir);
        while(len > 1 && dir[len - 1] == '/')
            dir[--len] = '\0';
        w->root_len = len + (dir[len - 1] != '/');
        int rc = walk_dir(w, dir, 0);
        w->root_len = 0;
        return rc;
    }
    if(!S_ISREG(st.st_mode)) {
        problem(w, path, "not a regular file or folder");
        return 0;
    }
    const char *slash = strrchr(path, '/');
    w->root_len = slash ? (size_t)(slash + 1 - path) : 0;
    int rc = add(w, path, &st, ingest_supported_name(path) ? NULL : "not a SQL file (unsupported extension)");
    w->root_len = 0;
    return rc;
}

void ingest_walk_free(ingest_walk_t *w)
{
    if(w->names)
        map_free(w->names, given_free);
    util_free(w->names);
    w->names = NULL;
}
