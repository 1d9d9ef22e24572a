/*
 * POST /api/v1/github/ingest: a repository cloned or fetched with libgit2 into a bare mirror under
 * the data directory, on a thread of its own, then the selected SQL files handed to ingestion. The
 * request is answered 202 once the writer has recorded the ingestion (a restart finds it), without
 * the service thread waiting: the clone starts then; progress and failure arrive as events.
 */
/* nftw */
#define _XOPEN_SOURCE 700

#include "api/api.h"
#include "api/room.h"
#include "api/upload.h"

#include "server/http.h"
#include "server/sockwait.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define GITHUB_BODY_MAX   (64 * 1024)
#define GITHUB_QUEUE_MAX  16
#define GITHUB_ITEMS_MAX  256
#define GITHUB_PATH_MAX   1024
#define GITHUB_FILE_PATH_MAX    4096         /* a file's path in the repository (Linux's PATH_MAX) */
#define GITHUB_TREE_ENTRIES_MAX 4000000      /* files and folders one ingestion's walk looks at */
#define GITHUB_STACK_BYTES      (256u << 20) /* the clone thread's stack */
#define GITHUB_FETCH_SECS 600
#define GITHUB_NOTE_MS    250 /* clone progress at most this often */
#define GITHUB_RETRY_S    30  /* Retry-After of a client over --github-max-per-ip */
#define GITHUB_CLIENT_MAX 64  /* a client's per-IP key (server/iplimit.h) */

static const char fetch_too_long[] = "the clone took longer than the 600-second limit";
static const char took_too_long[] = "it took longer than the 600-second limit";
static const char shutting_down[] = "the server is shutting down";
static const char no_room[] = "the server's disk is down to the free space it keeps (--min-free-mb)";

typedef struct gh_item {
    char *path; /* "" for the whole repository */
    int dir;    /* 1 dir, 0 file, -1 either */
} gh_item_t;

typedef struct gh_job {
    struct gh_job *next;
    struct github *gh;
    http_ticket_t ticket; /* the request, answered once the writer has recorded the ingestion */
    int recorded;         /* under gh->mu: 0 not yet, 1 recorded, -1 not (`record_rc` says why) */
    int record_rc;
    char id[INGEST_ID_MAX];
    char client[GITHUB_CLIENT_MAX]; /* who asked, as per-IP limits key it */
    char owner[40], name[101];      /* as asked, less a `.git` suffix: the remote's URL */
    char repo[141];                 /* owner/name lower-cased: the mirror's folder and the stored repository */
    char *branch;       /* NULL until resolved when none was asked for */
    int default_branch; /* `branch` is the remote's default, resolved here */
    gh_item_t *items;
    int n_items;
    /* fetch progress */
    int64_t started_ms, last_note_ms;
    int auth_tries;
    int aborted; /* a bound was hit: why in `abort_why` */
    const char *abort_why;
    int too_large; /* the mirror went over --github-max-mb: why in `abort_buf` */
    char abort_buf[128];
    uint64_t mirror_had; /* bytes the mirror held before this fetch */
} gh_job_t;

struct github {
    api_t *api;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gh_job_t *head, *tail;
    int queued;
    char cloning[GITHUB_CLIENT_MAX]; /* the client of the job the clone thread runs now, or "" */
    atomic_int stop;
    int started;
    char *token;  /* LINEAGED_GITHUB_TOKEN, never logged or stored */
    char *mirror; /* <data-dir>/github */
};

static void job_free(gh_job_t *j)
{
    if(!j)
        return;
    for(int i = 0; i < j->n_items; i++)
        util_free(j->items[i].path);
    util_free(j->items);
    util_free(j->branch);
    util_free(j);
}

/* GitHub's rules: owner 1-39 of [A-Za-z0-9-] not starting with '-'; name 1-100 of [A-Za-z0-9._-], not "." or "..". */
static int split_repo(const char *repo, char *owner, size_t olen, char *name, size_t nlen)
{
    const char *slash = strchr(repo, '/');
    if(!slash)
        return -1;
    size_t ol = (size_t)(slash - repo), nl = strlen(slash + 1);
    if(ol < 1 || ol >= olen || nl < 1 || nl >= nlen || repo[0] == '-')
        return -1;
    for(size_t i = 0; i < ol; i++) {
        char c = repo[i];
        if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return -1;
    }
    const char *n = slash + 1;
    for(size_t i = 0; i < nl; i++) {
        char c = n[i];
        if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
             c == '.'))
            return -1;
    }
    if(strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        return -1;
    memcpy(owner, repo, ol);
    owner[ol] = '\0';
    memcpy(name, n, nl + 1);
    return 0;
}

/*
 * The repository a request names, once: GitHub serves `x` and `x.git` as one repository and ignores
 * case in both parts, so `Acme/X.git` and `acme/x` share one mirror and one stored `repository`
 * ("acme/x"). The spelling asked for, less the suffix, stays in owner/name for the remote's URL
 * (a file:// or self-hosted base may care about case). Returns 0, -1 when it is no repository, or -2
 * when nothing is left of the name without its `.git` ("acme/.git").
 */
static int job_repo(gh_job_t *j, const char *repo)
{
    if(split_repo(repo, j->owner, sizeof(j->owner), j->name, sizeof(j->name)))
        return -1;
    size_t nl = strlen(j->name);
    if(nl >= 4 && strcasecmp(j->name + nl - 4, ".git") == 0)
        j->name[nl -= 4] = '\0';
    if(nl == 0)
        return -2;
    if(strcmp(j->name, ".") == 0 || strcmp(j->name, "..") == 0)
        return -1;
    snprintf(j->repo, sizeof(j->repo), "%s/%s", j->owner, j->name);
    for(char *c = j->repo; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return 0;
}

/* git check-ref-format, for a branch name. */
static int branch_valid(const char *b)
{
    size_t n = strlen(b);
    if(!n || n > 255 || b[0] == '-' || b[0] == '/' || b[n - 1] == '/' || b[n - 1] == '.' || strstr(b, "..") ||
       strstr(b, "//") || strstr(b, "@{") || strstr(b, "/.") || b[0] == '.' ||
       (n >= 5 && strcmp(b + n - 5, ".lock") == 0) || strcmp(b, "@") == 0)
        return 0;
    for(const unsigned char *p = (const unsigned char *)b; *p; p++) {
        if(*p < 0x21 || *p == 0x7f || strchr("~^:?*[\\", *p))
            return 0;
    }
    return utf8_valid(b, n);
}

/* A path inside the repository: relative, no "." or ".." segment, no control characters. */
static int item_path_valid(const char *p)
{
    size_t n = strlen(p);
    if(n > GITHUB_PATH_MAX || p[0] == '/' || !utf8_valid(p, n))
        return 0;
    for(const unsigned char *c = (const unsigned char *)p; *c; c++) {
        if(*c < 0x20 || *c == 0x7f || *c == '\\')
            return 0;
    }
    for(const char *seg = p; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if(len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        seg += len + (end ? 1 : 0);
    }
    return 1;
}

/* A sentence for users, cut to fit. */
static void say(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
}

static int bad(http_response_t *resp, const char *detail)
{
    http_respond_error(resp, 400, "bad_request", detail);
    return -1;
}

static int parse_items(json_t *items, gh_job_t *j, http_response_t *resp)
{
    if(!items || json_is_null(items))
        return 0;
    if(!json_is_array(items) || json_array_size(items) > GITHUB_ITEMS_MAX)
        return bad(resp, "items must be an array of at most 256 {\"path\": ..., \"type\": \"file\"|\"dir\"}");
    j->items = util_calloc(json_array_size(items) + 1, sizeof(*j->items));
    if(!j->items && json_array_size(items))
        return bad(resp, "out of memory");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *path = json_is_object(it) ? json_object_get(it, "path") : it;
        const char *type = json_string_value(json_object_get(it, "type"));
        const char *p = json_string_value(path);
        if(!p || !item_path_valid(p))
            return bad(resp, "each item needs a path inside the repository (relative, no '..', at most 1024 bytes)");
        if(type && strcmp(type, "file") != 0 && strcmp(type, "dir") != 0)
            return bad(resp, "an item's type is \"file\" or \"dir\"");
        while(*p == '.' && p[1] == '/')
            p += 2;
        j->items[j->n_items].path = util_strdup(p);
        j->items[j->n_items].dir = !type ? -1 : strcmp(type, "dir") == 0;
        if(!j->items[j->n_items].path)
            return bad(resp, "out of memory");
        j->n_items++;
    }
    return 0;
}

/* Where the configured base URL points, fit for users' eyes: never a local path or credentials. */
static void public_base(const char *base, char *out, size_t outlen)
{
    const char *scheme_end = strstr(base, "://");
    if(!scheme_end || strncmp(base, "file:", 5) == 0) {
        say(out, outlen, "the configured local mirror");
        return;
    }
    const char *host = scheme_end + 3, *at = strchr(host, '@'), *slash = strchr(host, '/');
    if(at && (!slash || at < slash))
        host = at + 1;
    size_t n = slash ? (size_t)(slash - host) : strlen(host);
    say(out, outlen, "%.*s", (int)(n < 200 ? n : 200), host);
}

static void note(github_t *gh, gh_job_t *j, const char *text, double pct)
{
    if(gh->api->ingest)
        ingest_note_progress(gh->api->ingest, j->id, text, pct);
}

static uint64_t mirror_cap(const github_t *gh)
{
    return (uint64_t)gh->api->cfg->github_max_mb << 20;
}

/* Bytes under a mirror folder (nftw keeps no state of ours: one clone thread sums at a time). */
static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if(flag == FTW_F)
        tree_bytes += (uint64_t)st->st_size;
    return 0;
}

static uint64_t mirror_bytes(const char *dir)
{
    tree_bytes = 0;
    nftw(dir, add_size, 16, FTW_PHYS);
    return tree_bytes;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
        log_warn("github.remove_failed", "reason=\"%s\"", strerror(errno));
    return 0;
}

/* A mirror that went over the cap, or a first clone that failed: nothing of it is kept. */
static void remove_mirror(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct cached {
    char repo[160]; /* owner/name */
    uint64_t bytes;
    struct timespec used;
} cached_t;

#define GITHUB_CACHE_SCAN_MAX 100000 /* mirrors looked at for eviction; more are left as they are */

static int older(const cached_t *a, const cached_t *b)
{
    return a->used.tv_sec != b->used.tv_sec ? a->used.tv_sec < b->used.tv_sec : a->used.tv_nsec < b->used.tv_nsec;
}

/* The mirrors under <data-dir>/github named as this server names them (owner/name.git), with size and last use. */
static cached_t *list_mirrors(const github_t *gh, size_t *n)
{
    cached_t *list = NULL;
    size_t cap = 0;
    *n = 0;
    DIR *top = opendir(gh->mirror);
    for(struct dirent *o; top && (o = readdir(top)) != NULL;) {
        char dir[4096];
        if(o->d_name[0] == '.' || snprintf(dir, sizeof(dir), "%s/%s", gh->mirror, o->d_name) >= (int)sizeof(dir))
            continue;
        DIR *sub = opendir(dir);
        for(struct dirent *e; sub && (e = readdir(sub)) != NULL && *n < GITHUB_CACHE_SCAN_MAX;) {
            size_t len = strlen(e->d_name);
            char repo[160], owner[40], name[101], path[4096];
            struct stat st;
            if(len <= 4 || strcmp(e->d_name + len - 4, ".git") != 0 ||
               snprintf(repo, sizeof(repo), "%s/%.*s", o->d_name, (int)(len - 4), e->d_name) >= (int)sizeof(repo) ||
               split_repo(repo, owner, sizeof(owner), name, sizeof(name)) ||
               snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) || lstat(path, &st) ||
               !S_ISDIR(st.st_mode))
                continue;
            if(*n == cap) {
                size_t grown_cap = cap ? cap * 2 : 16;
                cached_t *grown = util_realloc(list, grown_cap * sizeof(*grown));
                if(!grown)
                    break;
                list = grown;
                cap = grown_cap;
            }
            cached_t *c = &list[(*n)++];
            snprintf(c->repo, sizeof(c->repo), "%s", repo);
            c->bytes = mirror_bytes(path);
            c->used = st.st_mtim;
        }
        if(sub)
            closedir(sub);
    }
    if(top)
        closedir(top);
    return list;
}

/*
 * Keeps all mirrors within --github-cache-mb: the least recently used go first (a mirror's last use
 * is its folder's mtime, set by each ingestion of it), never `in_use` ("owner/name", the one just
 * used). Runs on the clone thread, which alone touches mirrors.
 */
static void evict_mirrors(github_t *gh, const char *in_use)
{
    size_t n = 0;
    cached_t *list = list_mirrors(gh, &n);
    uint64_t total = 0, cap = (uint64_t)gh->api->cfg->github_cache_mb << 20;
    for(size_t i = 0; i < n; i++)
        total += list[i].bytes;
    while(total > cap) {
        cached_t *lru = NULL;
        for(size_t i = 0; i < n; i++) {
            if(list[i].repo[0] && strcmp(list[i].repo, in_use) != 0 && (!lru || older(&list[i], lru)))
                lru = &list[i];
        }
        if(!lru)
            break;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.git", gh->mirror, lru->repo);
        remove_mirror(path);
        log_info("github.mirror_evicted", "repo=%s bytes=%llu cache_bytes=%llu cache_mb=%d", LOG_Q(lru->repo),
                 (unsigned long long)lru->bytes, (unsigned long long)total, gh->api->cfg->github_cache_mb);
        *strrchr(path, '/') = '\0';
        rmdir(path); /* the owner's folder, once it holds no other mirror */
        total -= lru->bytes;
        lru->repo[0] = '\0';
    }
    util_free(list);
}

static void too_large(const github_t *gh, gh_job_t *j)
{
    snprintf(j->abort_buf, sizeof(j->abort_buf), "the repository is larger than the %d MiB this server keeps of one",
             gh->api->cfg->github_max_mb);
    j->abort_why = j->abort_buf;
    j->aborted = j->too_large = 1;
}

static int on_transfer(const git_indexer_progress *st, void *payload)
{
    void **ctx = payload;
    github_t *gh = ctx[0];
    gh_job_t *j = ctx[1];
    int64_t now = time_mono_ms();
    if(atomic_load(&gh->stop)) {
        j->abort_why = shutting_down;
        j->aborted = 1;
        return -1;
    }
    if(j->mirror_had + st->received_bytes > mirror_cap(gh)) {
        too_large(gh, j);
        log_warn("github.clone_stopped", "repo=%s mirror_bytes=%llu received_bytes=%llu limit_mb=%d", j->repo,
                 (unsigned long long)j->mirror_had, (unsigned long long)st->received_bytes,
                 gh->api->cfg->github_max_mb);
        return -1;
    }
    if(now - j->started_ms > GITHUB_FETCH_SECS * 1000) {
        j->abort_why = fetch_too_long;
        j->aborted = 1;
        return -1;
    }
    if(now - j->last_note_ms >= GITHUB_NOTE_MS && st->total_objects) {
        j->last_note_ms = now;
        char text[256];
        double pct = 100.0 * (st->received_objects + st->indexed_objects) / (2.0 * st->total_objects);
        snprintf(text, sizeof(text), "cloning %s/%s: %u of %u objects, %.1f MiB", j->owner, j->name,
                 st->received_objects, st->total_objects, (double)st->received_bytes / (1 << 20));
        note(gh, j, text, pct);
    }
    return 0;
}

/*
 * 1 when `url` is `base` or below it. A bare prefix is not enough: a remote that redirects
 * http://host:5130 to http://host:51300 (or github.com to github.com.example) would get the token.
 */
static int url_under(const char *url, const char *base)
{
    size_t bl = strlen(base);
    while(bl && base[bl - 1] == '/')
        bl--;
    return bl && strncmp(url, base, bl) == 0 && (url[bl] == '/' || url[bl] == '\0');
}

/* The token goes only to the configured base, once; a second ask means it was refused. */
static int on_credentials(git_credential **out, const char *url, const char *user, unsigned int allowed, void *payload)
{
    (void)user;
    void **ctx = payload;
    github_t *gh = ctx[0];
    gh_job_t *j = ctx[1];
    if(!gh->token || j->auth_tries++ || !url_under(url, gh->api->cfg->github_url) ||
       !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return GIT_EAUTH;
    return git_credential_userpass_plaintext_new(out, "x-access-token", gh->token);
}

/* A failure as a sentence for the error event: classified, never libgit2's text (it names paths and URLs). */
static void describe_failure(github_t *gh, gh_job_t *j, int rc, char *out, size_t outlen)
{
    char where[256];
    public_base(gh->api->cfg->github_url, where, sizeof(where));
    const git_error *e = git_error_last();
    const char *msg = e && e->message ? e->message : "";
    int cut = sockwait_cut(); /* a remote that stopped answering, or shutdown */
    if(cut && !j->aborted) {
        j->aborted = 1;
        j->abort_why = cut == ECANCELED ? shutting_down : fetch_too_long;
    }
    if(j->aborted)
        say(out, outlen, "Cloning %s/%s stopped: %s.", j->owner, j->name, j->abort_why);
    else if(rc == GIT_EAUTH || strstr(msg, "401") || strstr(msg, "403") || strstr(msg, "authentication"))
        say(out, outlen, "Access to %s/%s at %s was refused%s.", j->owner, j->name, where,
            gh->token ? " (check LINEAGED_GITHUB_TOKEN)" : "; a private repository needs LINEAGED_GITHUB_TOKEN");
    else if(rc == GIT_ENOTFOUND || strstr(msg, "404") || strstr(msg, "not found") ||
            strstr(msg, "could not find repository") || strstr(msg, "does not exist") ||
            strstr(msg, "failed to resolve path"))
        say(out, outlen, "Repository %s/%s was not found at %s.", j->owner, j->name, where);
    else if(e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_SSL || e->klass == GIT_ERROR_HTTP))
        say(out, outlen, "Could not reach %s to clone %s/%s (network or TLS error).", where, j->owner, j->name);
    else
        say(out, outlen, "Cloning %s/%s from %s failed.", j->owner, j->name, where);
}

static int remote_for(git_repository *repo, const char *base, gh_job_t *j, int dotgit, git_remote **out)
{
    char url[2048];
    size_t bl = strlen(base);
    while(bl && base[bl - 1] == '/')
        bl--;
    if(snprintf(url, sizeof(url), "%.*s/%s/%s%s", (int)bl, base, j->owner, j->name, dotgit ? ".git" : "") >=
       (int)sizeof(url))
        return -1;
    /*
     * No url.<base>.insteadOf rewriting: the URL is the configured one. And libgit2 1.5 leaks pcre2's
     * match data for every config key its insteadOf glob passes over (~210 KiB a request, measured).
     */
    git_remote_create_options opts;
    git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    opts.repository = repo;
    opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    return git_remote_create_with_opts(out, url, &opts);
}

/*
 * Brings the mirror's refs/heads/<branch> up to date; resolves the default branch when none was asked.
 * Returns 0, or a libgit2 code with the failure described in `why`.
 */
static int fetch(github_t *gh, gh_job_t *j, git_repository *repo, char *why, size_t whylen)
{
    void *ctx[2] = {gh, j};
    git_remote_callbacks cb;
    git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
    cb.transfer_progress = on_transfer;
    cb.credentials = on_credentials;
    cb.payload = ctx;
    int rc = -1;
    git_remote *remote = NULL;
    for(int dotgit = 0; dotgit < 2; dotgit++) {
        git_remote_free(remote);
        remote = NULL;
        j->auth_tries = 0;
        rc = remote_for(repo, gh->api->cfg->github_url, j, dotgit, &remote);
        if(!rc)
            rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
        if(!rc || j->aborted || rc == GIT_EAUTH)
            break;
    }
    if(rc) {
        describe_failure(gh, j, rc, why, whylen);
        git_remote_free(remote);
        return rc;
    }
    if(!j->branch) {
        git_buf head = {0};
        rc = git_remote_default_branch(&head, remote);
        if(!rc && strncmp(head.ptr, "refs/heads/", 11) == 0) {
            j->branch = util_strdup(head.ptr + 11);
            j->default_branch = 1;
        }
        git_buf_dispose(&head);
        if(rc || !j->branch) {
            say(why, whylen, "Repository %s/%s has no default branch (is it empty?).", j->owner, j->name);
            git_remote_free(remote);
            return rc ? rc : -1;
        }
        /* The remote names it: git takes bytes that are not UTF-8, which the database does not (it failed). */
        if(!branch_valid(j->branch)) {
            say(why, whylen,
                "The default branch of %s/%s has a name this server does not take (not UTF-8, or with"
                " characters git refuses in a name asked for); ask for a branch by name.",
                j->owner, j->name);
            util_free(j->branch);
            j->branch = NULL;
            git_remote_free(remote);
            return -1;
        }
    }
    char spec[600];
    snprintf(spec, sizeof(spec), "refs/heads/%s", j->branch);
    const git_remote_head **heads = NULL;
    size_t n_heads = 0, found = 0;
    if(git_remote_ls(&heads, &n_heads, remote) == 0) {
        for(size_t i = 0; i < n_heads && !found; i++)
            found = strcmp(heads[i]->name, spec) == 0;
    }
    if(!found) {
        say(why, whylen, "Branch '%.200s' does not exist in %s/%s.", j->branch, j->owner, j->name);
        git_remote_free(remote);
        return GIT_ENOTFOUND;
    }
    snprintf(spec, sizeof(spec), "+refs/heads/%s:refs/heads/%s", j->branch, j->branch);
    char *specs[] = {spec};
    git_strarray refspecs = {specs, 1};
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.callbacks = cb;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.update_fetchhead = 0;
    rc = git_remote_fetch(remote, &refspecs, &fo, NULL);
    if(rc)
        describe_failure(gh, j, rc, why, whylen);
    git_remote_disconnect(remote);
    git_remote_free(remote);
    return rc;
}

typedef struct blob_ref {
    char *path;
    git_oid oid;
} blob_ref_t;

/* Why a walk of the selection stopped before its end. */
typedef enum walk_stop {
    WALK_OK,
    WALK_FAILED,       /* libgit2 could not read a tree, or out of memory */
    WALK_TOO_MANY,     /* more SQL files than --github-max-files */
    WALK_TOO_LONG,     /* a path longer than GITHUB_FILE_PATH_MAX: folders nested too deep */
    WALK_TOO_MANY_ALL, /* more than GITHUB_TREE_ENTRIES_MAX entries of any kind */
    WALK_CUT,          /* shutdown, or the job's time limit */
} walk_stop_t;

typedef struct walk {
    github_t *gh;
    gh_job_t *j;
    git_repository *repo;
    size_t max_files; /* --github-max-files */
    blob_ref_t *blobs;
    size_t n, cap;
    size_t unsupported;
    size_t entries; /* tree entries looked at, of every item */
    walk_stop_t stop;
    const char *cut_why; /* WALK_CUT's reason */
} walk_t;

static int add_blob(walk_t *w, const char *path, const git_tree_entry *e, int explicit_file)
{
    if(git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB && git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB_EXECUTABLE)
        return 0; /* symlinks and submodules are never followed */
    if(!explicit_file && !ingest_supported_name(path)) {
        w->unsupported++;
        return 0;
    }
    if(w->n == w->max_files) {
        w->stop = WALK_TOO_MANY;
        return -1;
    }
    if(w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        blob_ref_t *grown = util_realloc(w->blobs, cap * sizeof(*grown));
        if(!grown) {
            w->stop = WALK_FAILED;
            return -1;
        }
        w->blobs = grown;
        w->cap = cap;
    }
    blob_ref_t *b = &w->blobs[w->n];
    b->path = util_strdup(path);
    if(!b->path) {
        w->stop = WALK_FAILED;
        return -1;
    }
    git_oid_cpy(&b->oid, git_tree_entry_id(e));
    w->n++;
    return 0;
}

/* Shutdown and the job's time limit, asked every few thousand entries of a walk. */
static int walk_cut(walk_t *w)
{
    if(atomic_load(&w->gh->stop))
        w->cut_why = shutting_down;
    else if(time_mono_ms() - w->j->started_ms > GITHUB_FETCH_SECS * 1000)
        w->cut_why = took_too_long;
    else
        return 0;
    w->stop = WALK_CUT;
    return -1;
}

typedef struct walk_frame {
    git_tree *tree;
    size_t next;     /* the entry to look at next */
    size_t path_len; /* bytes of the folder's path in the walk's path, with its '/' */
} walk_frame_t;

/*
 * The files under `root` (the folder `prefix`, "" for the repository's root), walked with a stack of
 * our own: libgit2's git_tree_walk recurses once per level, and a repository nested 100,000 levels
 * deep (a 6 MiB pack) overflowed the clone thread's stack. A tree named by many entries is walked
 * once per name, so a few trees of 1,000 entries each naming the next make 10^9 paths out of 100
 * KiB: the entries of all items together are bounded, and the walk stops for shutdown and the time
 * limit. Each level adds at least two bytes to a path (a name and '/'), so the path's bound bounds
 * the depth. Returns 0, or -1 with the reason in w->stop.
 */
static int walk_tree(walk_t *w, git_tree *root, const char *prefix)
{
    walk_frame_t *stack = util_calloc(GITHUB_FILE_PATH_MAX / 2 + 1, sizeof(*stack));
    char *path = util_malloc(GITHUB_FILE_PATH_MAX + 1);
    size_t plen = strlen(prefix);
    if(!stack || !path || plen + 1 > GITHUB_FILE_PATH_MAX) {
        util_free(stack);
        util_free(path);
        w->stop = WALK_FAILED;
        return -1;
    }
    memcpy(path, prefix, plen);
    if(plen)
        path[plen++] = '/';
    stack[0] = (walk_frame_t){root, 0, plen};
    int depth = 0;
    while(depth >= 0 && w->stop == WALK_OK) {
        walk_frame_t *f = &stack[depth];
        if(f->next == git_tree_entrycount(f->tree)) {
            if(depth)
                git_tree_free(f->tree);
            depth--;
            continue;
        }
        const git_tree_entry *e = git_tree_entry_byindex(f->tree, f->next++);
        if(++w->entries > GITHUB_TREE_ENTRIES_MAX) {
            w->stop = WALK_TOO_MANY_ALL;
            break;
        }
        if(w->entries % 4096 == 0 && walk_cut(w))
            break;
        git_object_t type = git_tree_entry_type(e);
        const char *name = git_tree_entry_name(e);
        size_t nlen = strlen(name);
        if((type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TREE) || !nlen)
            continue; /* submodules, and a name no git writes */
        if(f->path_len + nlen + 1 > GITHUB_FILE_PATH_MAX) {
            w->stop = WALK_TOO_LONG;
            break;
        }
        memcpy(path + f->path_len, name, nlen + 1);
        if(type == GIT_OBJECT_BLOB) {
            add_blob(w, path, e, 0);
            continue;
        }
        git_tree *sub = NULL;
        if(git_tree_lookup(&sub, w->repo, git_tree_entry_id(e))) {
            w->stop = WALK_FAILED;
        } else {
            path[f->path_len + nlen] = '/';
            stack[++depth] = (walk_frame_t){sub, 0, f->path_len + nlen + 1};
        }
    }
    for(; depth > 0; depth--)
        git_tree_free(stack[depth].tree);
    util_free(stack);
    util_free(path);
    return w->stop == WALK_OK ? 0 : -1;
}

static void walk_free(walk_t *w)
{
    for(size_t i = 0; i < w->n; i++)
        util_free(w->blobs[i].path);
    util_free(w->blobs);
}

/*
 * A repository path for an error event: the event filter takes words with two slashes for paths of
 * this machine, so the separators are spaced out.
 */
static void spaced_path(const char *p, char *out, size_t outlen)
{
    size_t n = 0;
    for(; *p && n + 4 < outlen && n < 200; p++) {
        if(*p == '/') {
            memcpy(out + n, " / ", 3);
            n += 3;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

/* Why a walk stopped, as a sentence for the ingestion's error. */
static void walk_failure(const walk_t *w, char *why, size_t whylen)
{
    const gh_job_t *j = w->j;
    switch(w->stop) {
    case WALK_TOO_MANY:
        say(why, whylen,
            "The selection holds more than %zu SQL files, the server's limit for a repository"
            " (--github-max-files); choose directories with items.",
            w->max_files);
        break;
    case WALK_TOO_LONG:
        say(why, whylen,
            "Repository %s/%s has a path longer than %d bytes (folders nested too deep), the server's limit.", j->owner,
            j->name, GITHUB_FILE_PATH_MAX);
        break;
    case WALK_TOO_MANY_ALL:
        say(why, whylen,
            "The selection of %s/%s holds more than %d files and folders, the server's limit for a repository;"
            " choose directories with items.",
            j->owner, j->name, GITHUB_TREE_ENTRIES_MAX);
        break;
    case WALK_CUT: say(why, whylen, "Reading the files of %s/%s stopped: %s.", j->owner, j->name, w->cut_why); break;
    default: say(why, whylen, "Reading the files of %s/%s failed.", j->owner, j->name);
    }
}

/* The files the job selects, in the commit's tree. Returns 0, or -1 with a sentence in `why`. */
static int select_files(github_t *gh, gh_job_t *j, git_repository *repo, git_tree *tree, walk_t *w, char *why,
                        size_t whylen)
{
    memset(w, 0, sizeof(*w));
    w->gh = gh;
    w->j = j;
    w->repo = repo;
    w->max_files = (size_t)gh->api->cfg->github_max_files;
    gh_item_t whole = {"", 1};
    gh_item_t *items = j->n_items ? j->items : &whole;
    int n = j->n_items ? j->n_items : 1;
    for(int i = 0; i < n; i++) {
        const char *p = items[i].path;
        git_tree_entry *e = NULL;
        git_tree *sub = NULL;
        int rc = 0;
        if(!*p) {
            rc = walk_tree(w, tree, "");
        } else if(git_tree_entry_bypath(&e, tree, p)) {
            char shown[256];
            spaced_path(p, shown, sizeof(shown));
            say(why, whylen, "Path '%s' does not exist in %s/%s at branch %.100s.", shown, j->owner, j->name,
                j->branch);
            return -1;
        } else if(git_tree_entry_type(e) == GIT_OBJECT_TREE && items[i].dir != 0) {
            rc = git_tree_lookup(&sub, repo, git_tree_entry_id(e));
            if(rc)
                w->stop = WALK_FAILED;
            else
                rc = walk_tree(w, sub, p);
        } else if(git_tree_entry_type(e) == GIT_OBJECT_BLOB && items[i].dir != 1) {
            rc = add_blob(w, p, e, 1);
        } else {
            char shown[256];
            spaced_path(p, shown, sizeof(shown));
            say(why, whylen, "Path '%s' in %s/%s is not a %s.", shown, j->owner, j->name,
                items[i].dir ? "directory" : "file");
            git_tree_entry_free(e);
            return -1;
        }
        git_tree_free(sub);
        git_tree_entry_free(e);
        if(rc) {
            walk_failure(w, why, whylen);
            return -1;
        }
    }
    return 0;
}

/* Writes one blob where ingestion reads it; returns the reason when it is skipped instead. */
static const char *stage_blob(github_t *gh, git_repository *repo, const blob_ref_t *b, char *disk, size_t disklen,
                              int64_t *size_out, int *err)
{
    static atomic_uint_fast64_t seq;
    git_blob *blob = NULL;
    git_odb *odb = NULL;
    size_t declared = 0;
    git_object_t type;
    *err = 0;
    disk[0] = '\0';
    /* A blob is inflated whole by its lookup: a few MiB of pack can hold gigabytes of one. */
    int unreadable = git_repository_odb(&odb, repo) || git_odb_read_header(&declared, &type, odb, &b->oid);
    git_odb_free(odb);
    if(unreadable) {
        *err = 1;
        return NULL;
    }
    *size_out = (int64_t)declared;
    if((int64_t)declared > UPLOAD_FILE_MAX_BYTES)
        return "larger than the 32 MiB per-file limit";
    if(git_blob_lookup(&blob, repo, &b->oid)) {
        *err = 1;
        return NULL;
    }
    const char *skip = NULL;
    git_object_size_t size = git_blob_rawsize(blob);
    const void *data = git_blob_rawcontent(blob);
    if(size == 0)
        skip = "empty file";
    else if(!ingest_supported_name(b->path))
        skip = "unsupported file type (not a SQL source)";
    else if(memchr(data, '\0', (size_t)size))
        skip = "binary file (it contains NUL bytes), not SQL text";
    if(!skip) {
        snprintf(disk, disklen, "%s/gh-%lld-%d-%llu.sql", gh->api->upload_dir, (long long)time_now_ms(), (int)getpid(),
                 (unsigned long long)atomic_fetch_add(&seq, 1));
        int fd = open(disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        const char *p = data;
        size_t left = (size_t)size;
        while(fd >= 0 && left) {
            ssize_t n = write(fd, p, left);
            if(n <= 0 && errno != EINTR)
                break;
            if(n > 0) {
                p += n;
                left -= (size_t)n;
            }
        }
        if(fd < 0 || left) {
            log_error("github.stage_failed", "reason=\"%s\"", strerror(errno));
            if(fd >= 0)
                unlink(disk);
            *err = 1;
        }
        if(fd >= 0)
            close(fd);
    }
    git_blob_free(blob);
    return skip;
}

static void run_job(github_t *gh, gh_job_t *j)
{
    ingest_t *in = gh->api->ingest;
    char why[512] = "", path[4096], hex[GIT_OID_HEXSZ + 1];
    git_repository *repo = NULL;
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    walk_t w = {0};
    int rc = 0;
    j->started_ms = time_mono_ms();
    snprintf(path, sizeof(path), "%s/%s.git", gh->mirror, j->repo);
    note(gh, j, "connecting", 0);
    struct stat st;
    int fresh = stat(path, &st) != 0, fetch_failed = 0, queued = 0;
    /* The mirror may grow by up to the cap: other requests may have taken the room since this one was queued. */
    if(!room_has_now(gh->api->room, (int64_t)mirror_cap(gh))) {
        say(why, sizeof(why), "Cloning %s/%s stopped: %s.", j->owner, j->name, no_room);
        goto fail;
    }
    if(!fresh) {
        j->mirror_had = mirror_bytes(path);
        rc = git_repository_open_bare(&repo, path);
    } else {
        rc = git_repository_init(&repo, path, 1);
    }
    if(rc) {
        log_error("github.mirror_failed", "repo=%s", j->repo);
        say(why, sizeof(why), "The server could not prepare its copy of %s/%s.", j->owner, j->name);
        goto fail;
    }
    sockwait_begin(j->started_ms + GITHUB_FETCH_SECS * 1000, &gh->stop);
    rc = fetch(gh, j, repo, why, sizeof(why));
    sockwait_end();
    if(!rc && mirror_bytes(path) > mirror_cap(gh)) {
        /* What arrived was within the cap, but the mirror on disk (packs, indexes) is not. */
        too_large(gh, j);
        say(why, sizeof(why), "Cloning %s/%s stopped: %s.", j->owner, j->name, j->abort_why);
        rc = -1;
    }
    fetch_failed = rc != 0;
    if(rc)
        goto fail;
    char ref[600];
    git_oid oid;
    snprintf(ref, sizeof(ref), "refs/heads/%s", j->branch);
    if(git_reference_name_to_id(&oid, repo, ref) || git_commit_lookup(&commit, repo, &oid) ||
       git_commit_tree(&tree, commit)) {
        say(why, sizeof(why), "Branch '%.200s' of %s/%s could not be read.", j->branch, j->owner, j->name);
        goto fail;
    }
    git_oid_tostr(hex, sizeof(hex), &oid);
    ingest_set_commit(in, j->id, hex);
    if(j->default_branch)
        ingest_set_branch(in, j->id, j->branch);
    if(select_files(gh, j, repo, tree, &w, why, sizeof(why)))
        goto fail;
    if(w.n == 0) {
        say(why, sizeof(why), "No SQL files were found in the selection of %s/%s at branch %.100s.", j->owner, j->name,
            j->branch);
        goto fail;
    }
    ingest_expect_files(in, j->id, w.n); /* later progress counts against the whole selection */
    char text[160];
    snprintf(text, sizeof(text), "commit %.12s: %zu SQL files selected", hex, w.n);
    note(gh, j, text, 100);
    for(size_t i = 0; i < w.n; i++) {
        char disk[4096];
        int err = 0;
        const char *stop = atomic_load(&gh->stop)                                ? shutting_down
                           : !room_has_now(gh->api->room, UPLOAD_FILE_MAX_BYTES) ? no_room
                                                                                 : NULL;
        if(stop) {
            say(why, sizeof(why), "Taking the files of %s/%s stopped: %s.", j->owner, j->name, stop);
            goto fail;
        }
        int64_t size = 0;
        const char *skip = stage_blob(gh, repo, &w.blobs[i], disk, sizeof(disk), &size, &err);
        if(err) {
            say(why, sizeof(why), "The server could not stage the files of %s/%s.", j->owner, j->name);
            goto fail;
        }
        rc = skip ? ingest_add_skipped(in, j->id, w.blobs[i].path, skip, size)
                  : ingest_add_file(in, j->id, disk, w.blobs[i].path, NULL, 1);
        if(rc) {
            if(!skip)
                unlink(disk);
            say(why, sizeof(why), "The server was too busy to take the files of %s/%s.", j->owner, j->name);
            goto fail;
        }
    }
    queued = 1;
    log_info("github.ingest_queued", "ingestion=%s repo=%s branch=%s commit=%s files=%zu other_files=%zu", j->id,
             j->repo, j->branch, hex, w.n, w.unsupported);
    why[0] = '\0';
fail:
    walk_free(&w);
    git_tree_free(tree);
    git_commit_free(commit);
    git_repository_free(repo);
    /* Removed before the ingestion ends, so whoever sees it end finds the mirror gone. */
    if(j->too_large || (fresh && fetch_failed)) {
        remove_mirror(path);
        log_info("github.mirror_removed", "repo=%s reason=\"%s\"", j->repo,
                 j->too_large ? "over --github-max-mb" : "its first clone failed");
    } else if(utimensat(AT_FDCWD, path, NULL, 0) && errno != ENOENT) { /* its last use, for the cache's order */
        log_warn("github.mirror_touch_failed", "repo=%s reason=\"%s\"", j->repo, strerror(errno));
    }
    evict_mirrors(gh, j->repo);
    /* Its files are staged apart from the mirror; it ends after the cache is back within its bound,
       so whoever sees it end sees the cache as this clone left it. */
    if(queued)
        ingest_end(in, j->id);
    if(why[0]) {
        log_warn("github.failed", "ingestion=%s repo=%s reason=\"%s\"", j->id, j->repo, why);
        ingest_fail(in, j->id, why);
    }
}

static void *github_main(void *arg)
{
    github_t *gh = arg;
    pthread_mutex_lock(&gh->mu);
    for(;;) {
        /* the head waits for its recording, even at a stop: the writer still tells it (ingest closes later) */
        while(!(gh->head && gh->head->recorded) && !(atomic_load(&gh->stop) && !gh->head))
            pthread_cond_wait(&gh->cv, &gh->mu);
        gh_job_t *j = gh->head;
        if(!j)
            break;
        gh->head = j->next;
        if(!gh->head)
            gh->tail = NULL;
        gh->queued--;
        memcpy(gh->cloning, j->client, sizeof(gh->cloning));
        pthread_mutex_unlock(&gh->mu);
        if(j->recorded < 0) {
            if(j->record_rc == INGEST_ERR_STORE)
                ingest_fail(gh->api->ingest, j->id, "The database could not record this ingestion.");
        } else if(atomic_load(&gh->stop)) {
            ingest_fail(gh->api->ingest, j->id, "The server shut down before the repository was cloned.");
        } else {
            run_job(gh, j);
        }
        job_free(j);
        pthread_mutex_lock(&gh->mu);
        gh->cloning[0] = '\0';
    }
    pthread_mutex_unlock(&gh->mu);
    return NULL;
}

/* Writer thread, before it records the ingestion: not once the client was answered 503 (--api-timeout). */
static int github_claim(void *ud, const char *id)
{
    return api_claim_recording(&((gh_job_t *)ud)->ticket, "GitHub ingestion", id);
}

/*
 * Writer thread: the ingestion's row is committed (or not). Only now is the request accepted, and the
 * clone thread may take the job; it frees it (the stop waits for every queued job to be told).
 */
static void github_recorded(void *ud, const char *id, int rc)
{
    gh_job_t *j = ud;
    github_t *gh = j->gh;
    if(!rc) {
        log_info("github.accepted", "ingestion=%s repo=%s branch=%s items=%d", id, j->repo,
                 j->branch ? j->branch : "(default)", j->n_items);
        http_ticket_complete_json(&j->ticket, 202,
                                  json_pack("{s:s, s:s, s:s, s:o}", "ingestion_id", id, "status", "accepted", "repo",
                                            j->repo, "branch", j->branch ? json_string(j->branch) : json_null()));
    } else {
        if(rc != INGEST_ERR_EXPIRED) /* then the writer logged it */
            log_warn("github.refused", "ingestion=%s reason=\"%s\"", id, ingest_strerror(rc));
        api_refuse_recording(&j->ticket, "GitHub ingestion", rc);
    }
    pthread_mutex_lock(&gh->mu);
    j->recorded = rc ? -1 : 1;
    j->record_rc = rc;
    pthread_cond_broadcast(&gh->cv);
    pthread_mutex_unlock(&gh->mu);
}

static void post_github(void *ctx, const http_request_t *req, http_response_t *resp)
{
    api_t *api = ctx;
    github_t *gh = api->github;
    json_error_t err;
    json_t *body = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &err);
    if(!json_is_object(body)) {
        json_decref(body);
        http_respond_error(resp, 400, "bad_json",
                           "send {\"repo\": \"owner/name\", \"branch\": ..., \"items\": [...], \"project_id\": ...}");
        return;
    }
    gh_job_t *j = util_calloc(1, sizeof(*j));
    const char *repo = json_string_value(json_object_get(body, "repo"));
    json_t *branch = json_object_get(body, "branch"), *project = json_object_get(body, "project_id"),
           *dialect = json_object_get(body, "dialect");
    const char *dialect_name = json_string_value(dialect);
    sql_dialect_t d = SQL_DIALECT_AUTO;
    int fail = !j, repo_rc = 0;
    if(fail)
        http_respond_error(resp, 500, "internal", "out of memory");
    else if(!repo || (repo_rc = job_repo(j, repo)) != 0)
        fail = bad(resp, repo_rc == -2 ? "repo names no repository: its name is empty without the .git suffix"
                                       : "repo must be \"owner/name\" (owner: letters, digits, '-'; name: letters,"
                                         " digits, '.', '_', '-')");
    else if(branch && !json_is_null(branch) && (!json_is_string(branch) || !branch_valid(json_string_value(branch))))
        fail = bad(resp, "branch is not a valid git branch name");
    else if(project && !json_is_null(project) &&
            (!json_is_string(project) || json_string_length(project) == 0 || json_string_length(project) > 128 ||
             !utf8_printable(json_string_value(project), json_string_length(project)) ||
             utf8_blank(json_string_value(project), json_string_length(project))))
        fail = bad(resp, "project_id must be 1 to 128 bytes of printable UTF-8 text, not only spaces");
    else if(dialect && !json_is_null(dialect) &&
            (!dialect_name || (strcmp(dialect_name, "auto") != 0 && sql_dialect_from_name(dialect_name, &d))))
        fail = bad(resp, "unknown dialect; use auto, ansi, postgres, tsql, snowflake, bigquery, mysql, oracle, hive,"
                         " sparksql or databricks");
    else
        fail = parse_items(json_object_get(body, "items"), j, resp);
    if(!fail && json_is_string(branch) && !(j->branch = util_strdup(json_string_value(branch)))) {
        http_respond_error(resp, 500, "internal", "out of memory");
        fail = 1;
    }
    if(!fail && !api->ingest) {
        http_respond_error(resp, 503, "unavailable", "ingestion is not running on this server");
        fail = 1;
    }
    if(j)
        http_client_key(req, j->client, sizeof(j->client));
    pthread_mutex_lock(&gh->mu);
    int full = gh->queued >= GITHUB_QUEUE_MAX, mine = j && gh->cloning[0] && strcmp(gh->cloning, j->client) == 0;
    for(const gh_job_t *q = gh->head; j && q; q = q->next)
        mine += strcmp(q->client, j->client) == 0;
    pthread_mutex_unlock(&gh->mu);
    int per_ip = api->cfg->github_max_per_ip;
    if(!fail && mine >= per_ip) {
        char detail[200];
        snprintf(detail, sizeof(detail),
                 "at most %d GitHub ingestions per client address may wait or clone at once (--github-max-per-ip);"
                 " try again when one has finished",
                 per_ip);
        http_respond_error(resp, 429, "too_many_requests", detail);
        resp->retry_after = GITHUB_RETRY_S;
        log_warn("github.rejected", "reason=per_ip_limit client=%s pending=%d limit=%d status=429", LOG_Q(j->client),
                 mine, per_ip);
        fail = 1;
    }
    if(!fail && full) {
        http_respond_error(resp, 503, "busy", "too many repositories are waiting to be cloned; try again later");
        fail = 1;
    }
    if(!fail && !room_has(api->room, (int64_t)mirror_cap(gh))) {
        http_respond_error(resp, 507, "insufficient_storage", UPLOAD_NO_ROOM);
        fail = 1;
    }
    if(!fail && http_defer_recorded(req, &j->ticket)) {
        http_respond_error(resp, 500, "internal", "out of memory");
        fail = 1;
    }
    if(!fail) {
        /* answered by github_recorded, from the writer thread, maybe before this returns */
        j->gh = gh;
        ingest_meta_t meta = {"github", json_string_value(project), j->repo, j->branch, NULL, d, NULL, 1};
        int rc = ingest_begin_recorded(api->ingest, &meta, github_claim, github_recorded, j, j->id);
        if(rc) {
            http_ticket_drop(&j->ticket);
            http_respond_error(resp, rc == INGEST_ERR_BUSY || rc == INGEST_ERR_CLOSED ? 503 : 500,
                               rc == INGEST_ERR_BUSY ? "busy" : "unavailable", ingest_strerror(rc));
            fail = 1;
        }
    }
    if(fail) {
        job_free(j);
        json_decref(body);
        return;
    }
    /* queued now, taken by the clone thread once recorded */
    pthread_mutex_lock(&gh->mu);
    if(gh->tail)
        gh->tail->next = j;
    else
        gh->head = j;
    gh->tail = j;
    gh->queued++;
    pthread_cond_signal(&gh->cv);
    pthread_mutex_unlock(&gh->mu);
    json_decref(body);
}

int api_github_start(api_t *api)
{
    github_t *gh = util_calloc(1, sizeof(*gh));
    if(!gh)
        return -1;
    api->github = gh;
    gh->api = api;
    pthread_mutex_init(&gh->mu, NULL);
    pthread_cond_init(&gh->cv, NULL);
    const char *token = getenv("LINEAGED_GITHUB_TOKEN");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/github", api->cfg->data_dir);
    gh->mirror = util_strdup(dir);
    gh->token = token && *token ? util_strdup(token) : NULL;
    if(!gh->mirror || git_libgit2_init() < 0)
        return -1;
    /*
     * libgit2 1.5's local transport (a file:// --github-url) recurses once per folder level while it
     * packs a fetch: 8 MiB ran out at 74,600 levels. Only the pages used are ever resident.
     */
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if(!rc) {
        rc =
            pthread_attr_setstacksize(&attr, GITHUB_STACK_BYTES) || pthread_create(&gh->thread, &attr, github_main, gh);
        pthread_attr_destroy(&attr);
    }
    if(rc)
        return -1;
    gh->started = 1;
    const route_t r = {"/api/v1/github/ingest", HTTP_POST, post_github, api, GITHUB_BODY_MAX, 0};
    return server_route(api->srv, &r);
}

void api_github_stop(api_t *api)
{
    github_t *gh = api->github;
    if(!gh)
        return;
    atomic_store(&gh->stop, 1);
    pthread_mutex_lock(&gh->mu);
    pthread_cond_broadcast(&gh->cv);
    pthread_mutex_unlock(&gh->mu);
    if(gh->started) {
        pthread_join(gh->thread, NULL);
        git_libgit2_shutdown();
    }
    pthread_mutex_destroy(&gh->mu);
    pthread_cond_destroy(&gh->cv);
    if(gh->token) {
        memset(gh->token, 0, strlen(gh->token));
        util_free(gh->token);
    }
    util_free(gh->mirror);
    util_free(gh);
    api->github = NULL;
}
