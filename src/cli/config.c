#include "cli/config.h"

#include "ingest/ingest.h"
#include "util/alloc.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum opt_type { OPT_STR, OPT_INT, OPT_DOUBLE, OPT_LIST, OPT_BOOL };

struct option_spec {
    const char *flag; /* without the leading "--" */
    enum opt_type type;
    size_t offset;
    double min, max;
    const char *def;
    const char *help;
};

#define OFF(field) offsetof(config_t, field)

static const struct option_spec options[] = {
    {"host", OPT_STR, OFF(host), 0, 0, "127.0.0.1", "address to listen on"},
    {"port", OPT_INT, OFF(port), 1, 65535, "8000", "TCP port"},
    {"db", OPT_STR, OFF(db_path), 0, 0, "./data/lineage.duckdb", "DuckDB file, or :memory:"},
    {"db-memory-mb", OPT_INT, OFF(db_memory_mb), 16, 1048576, "64",
     "MiB DuckDB may cache of a database file before it writes back or evicts; its memory limit adds"
     " room for commits (not for :memory:)"},
    {"data-dir", OPT_STR, OFF(data_dir), 0, 0, "./data", "folder for uploads and clones"},
    {"stats-interval", OPT_DOUBLE, OFF(stats_interval), 0.05, 3600, "5", "seconds between stats_update messages"},
    {"allowed-origin", OPT_LIST, OFF(allowed_origins), 0, 0, NULL,
     "browser Origin allowed to connect (repeatable; env: comma-separated)"},
    {"allowed-host", OPT_LIST, OFF(allowed_hosts), 0, 0, NULL,
     "Host header name accepted besides the listen address and localhost (repeatable; env: comma-separated)"},
    {"max-conn-per-ip", OPT_INT, OFF(max_conn_per_ip), 1, 1000000, "10", "WebSocket connections per client IP"},
    {"max-connections", OPT_INT, OFF(max_connections), 1, 1000000, "10000", "WebSocket connections in all"},
    {"ipv6-prefix", OPT_INT, OFF(ipv6_prefix), 1, 128, "64",
     "IPv6 clients count against --max-conn-per-ip by network of this many bits"},
    {"github-url", OPT_STR, OFF(github_url), 0, 0, "https://github.com", "base URL repositories are cloned from"},
    {"github-max-mb", OPT_INT, OFF(github_max_mb), 1, 1048576, "1024",
     "largest a repository's mirror under --data-dir may grow, MiB (a clone beyond it fails)"},
    {"github-max-files", OPT_INT, OFF(github_max_files), 1, 200000, "20000",
     "most SQL files taken from one repository (a larger selection fails)"},
    {"github-max-per-ip", OPT_INT, OFF(github_max_per_ip), 1, 16, "4",
     "GitHub ingestions one client address may have waiting or cloning at once (more get 429)"},
    {"github-cache-mb", OPT_INT, OFF(github_cache_mb), 1, 1048576, "4096",
     "MiB all repository mirrors under --data-dir may hold together; the least recently used beyond it are removed"},
    {"max-upload-mb", OPT_INT, OFF(max_upload_mb), 1, 4096, "50", "largest accepted upload, MiB"},
    {"min-free-mb", OPT_INT, OFF(min_free_mb), 0, 1073741824, "256",
     "MiB of disk kept free under --data-dir: an upload or clone that could take it gets 507"},
    {"upload-inflight-mb", OPT_INT, OFF(upload_inflight_mb), 1, 1048576, "1024",
     "MiB that uploads not yet handed to ingestion may hold on disk together (twice each one's length);"
     " beyond it a new upload gets 503"},
    {"log-level", OPT_STR, OFF(log_level), 0, 0, "info", "debug, info, warn or error"},
    {"trusted-proxy", OPT_STR, OFF(trusted_proxy), 0, 0, NULL, "proxy address whose X-Forwarded-For is believed"},
    {"debug-events", OPT_BOOL, OFF(debug_events), 0, 1, "0",
     "enable the test endpoints under /api/v1/debug/ (never in production)"},
    {"progress-rate", OPT_DOUBLE, OFF(progress_rate), 0.1, 1000, "4",
     "ingestion_progress messages per ingestion per second"},
    {"query-event-rate", OPT_DOUBLE, OFF(query_event_rate), 0.1, 100000, "20", "query_complete messages per second"},
    {"ws-ping-interval", OPT_INT, OFF(ws_ping_interval), 1, 3600, "30", "seconds of client silence before a ping"},
    {"ws-idle-timeout", OPT_INT, OFF(ws_idle_timeout), 2, 7200, "60",
     "seconds of client silence (no pong either) before the connection is dropped"},
    {"ws-backlog", OPT_INT, OFF(ws_backlog), 16, 1000000, "1024", "broadcast messages a client may lag behind"},
    {"trend-window", OPT_DOUBLE, OFF(trend_window), 1, 604800, "3600", "seconds the stats trends compare over"},
    {"api-workers", OPT_INT, OFF(api_workers), 0, 64, "0",
     "threads answering API requests that read the database (0: one per core, 2 to 8)"},
    {"seed-dir", OPT_STR, OFF(seed_dir), 0, 0, NULL,
     "folder of SQL ingested at start when the database holds no files yet (make run: examples/finance)"},
    {"api-queue", OPT_INT, OFF(api_queue), 1, 100000, "256", "API requests waiting for a worker before 503"},
    {"api-queue-wait", OPT_INT, OFF(api_queue_wait), 1, 3600, "10",
     "seconds an API request may wait for a free worker; then it gets 503 with Retry-After"},
    {"api-timeout", OPT_INT, OFF(api_timeout), 1, 3600, "30",
     "seconds an API request may wait for its worker's answer, queue included; then it gets 503"},
    {"export-cache-mb", OPT_INT, OFF(export_cache_mb), 0, 65536, "128",
     "MiB of built exports kept for repeated requests on the same graph version (0: none)"},
    {"debug-slow-ms", OPT_INT, OFF(debug_slow_ms), 0, 600000, "0",
     "tests only, with --debug-events: each API worker job (an export's build too) first sleeps this long"},
    {"debug-slow-writer-ms", OPT_INT, OFF(debug_slow_writer_ms), 0, 600000, "0",
     "tests only, with --debug-events: the ingest writer sleeps this long before its start-up read and each commit of "
     "new ingestions"},
    {"header-timeout", OPT_INT, OFF(header_timeout), 1, 300, "10",
     "seconds for a request's whole header block (and for a connection waiting its turn)"},
    {"max-http-per-ip", OPT_INT, OFF(max_http_per_ip), 1, 100000, "16",
     "HTTP connections per client address served at once; more wait their turn"},
    {"min-rate", OPT_INT, OFF(min_rate), 1, 1000000000, "1024",
     "bytes/s a request body must arrive at and a response leave at, after --header-timeout of grace"},
    {"response-buffer-mb", OPT_INT, OFF(response_buffer_mb), 1, 65536, "256",
     "MiB that large responses still being sent may hold in all; beyond it a new one gets 503"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_usage(FILE *out)
{
    fprintf(out, "usage: lineaged serve [options]\n\noptions (each also read from LINEAGED_<FLAG>):\n");
    for(size_t i = 0; i < N_OPTIONS; i++) {
        char left[40];
        snprintf(left, sizeof(left), "--%s %s", options[i].flag,
                 options[i].type == OPT_BOOL                                 ? ""
                 : options[i].type == OPT_STR || options[i].type == OPT_LIST ? "VALUE"
                                                                             : "N");
        fprintf(out, "  %-26s %s", left, options[i].help);
        if(options[i].def && options[i].type != OPT_BOOL) /* a switch is off unless given */
            fprintf(out, " (default %s)", options[i].def);
        fputc('\n', out);
    }
}

static int add_origin(config_t *cfg, const char *value, size_t len, char *err, size_t errlen)
{
    while(len && isspace((unsigned char)*value)) {
        value++;
        len--;
    }
    while(len && (isspace((unsigned char)value[len - 1]) || value[len - 1] == '/'))
        len--;
    if(!len)
        return 0;
    if(cfg->n_allowed_origins == CONFIG_MAX_ORIGINS) {
        snprintf(err, errlen, "too many --allowed-origin values (at most %d)", CONFIG_MAX_ORIGINS);
        return -1;
    }
    if(!(len > 7 && (strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0))) {
        snprintf(err, errlen, "--allowed-origin must look like http://host[:port] or https://host[:port]");
        return -1;
    }
    char *copy = util_strndup(value, len);
    if(!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cfg->allowed_origins[cfg->n_allowed_origins++] = copy;
    return 0;
}

/* A DNS name or IP literal, as a Host header carries it without its port. */
static int add_host(config_t *cfg, const char *value, size_t len, char *err, size_t errlen)
{
    while(len && isspace((unsigned char)*value)) {
        value++;
        len--;
    }
    while(len && (isspace((unsigned char)value[len - 1]) || value[len - 1] == '.'))
        len--;
    if(!len)
        return 0;
    if(cfg->n_allowed_hosts == CONFIG_MAX_HOSTS) {
        snprintf(err, errlen, "too many --allowed-host values (at most %d)", CONFIG_MAX_HOSTS);
        return -1;
    }
    if(len > 253 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") < len) {
        snprintf(err, errlen, "--allowed-host takes a host name or address without a port, got '%.*s'",
                 (int)(len > 64 ? 64 : len), value);
        return -1;
    }
    char *copy = util_strndup(value, len);
    if(!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for(char *c = copy; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    cfg->allowed_hosts[cfg->n_allowed_hosts++] = copy;
    return 0;
}

static int add_listed(config_t *cfg, const struct option_spec *o, const char *value, size_t len, char *err,
                      size_t errlen)
{
    return o->offset == OFF(allowed_hosts) ? add_host(cfg, value, len, err, errlen)
                                           : add_origin(cfg, value, len, err, errlen);
}

/* strtol and strtod alone take " 5", "+5" and, for a double, "0x10" and "1e1": a value is plain decimal */
static int plain_decimal(const char *value, int fraction)
{
    const char *p = value + (*value == '-');
    size_t digits = strspn(p, "0123456789");
    if(fraction && p[digits] == '.')
        digits += 1 + strspn(p + digits + 1, "0123456789");
    return digits > 0 && p[digits] == '\0' && strcmp(p, ".") != 0;
}

int config_max_file_mb(const char *value, int64_t *bytes)
{
    if(!plain_decimal(value, 0) || *value == '-' || strlen(value) > 4)
        return -1;
    long mb = strtol(value, NULL, 10);
    if(mb < 1 || mb > INGEST_FILE_MAX_MB_CLI)
        return -1;
    *bytes = (int64_t)mb << 20;
    return 0;
}

static int set_option(config_t *cfg, const struct option_spec *o, const char *value, int from_env, char *err,
                      size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    char *end = NULL;
    errno = 0;
    switch(o->type) {
    case OPT_STR: {
        if(!*value) {
            snprintf(err, errlen, "--%s needs a non-empty value", o->flag);
            return -1;
        }
        enum log_level level;
        if(o->offset == OFF(log_level) && log_level_from_name(value, &level)) {
            snprintf(err, errlen, "--log-level expects debug, info, warn or error, got '%.64s'", value);
            return -1;
        }
        char *copy = util_strdup(value);
        if(!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        util_free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    case OPT_INT: {
        long v = strtol(value, &end, 10);
        if(errno || !plain_decimal(value, 0) || *end || v < o->min || v > o->max) {
            snprintf(err, errlen, "--%s expects a whole number from %.0f to %.0f, got '%s'", o->flag, o->min, o->max,
                     value);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case OPT_DOUBLE: {
        double v = strtod(value, &end);
        if(errno || !plain_decimal(value, 1) || *end || !isfinite(v) || v < o->min || v > o->max) {
            snprintf(err, errlen, "--%s expects a number from %g to %g, got '%s'", o->flag, o->min, o->max, value);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    case OPT_BOOL: {
        static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no", "off"};
        for(size_t i = 0; i < 4; i++) {
            if(strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
                *(int *)field = strcasecmp(value, yes[i]) == 0;
                return 0;
            }
        }
        snprintf(err, errlen, "--%s expects true or false, got '%s'", o->flag, value);
        return -1;
    }
    case OPT_LIST: {
        if(!from_env && value[strspn(value, " \t/")] == '\0') { /* a list in the environment may leave items empty */
            snprintf(err, errlen, "--%s needs a non-empty value", o->flag);
            return -1;
        }
        if(!from_env)
            return add_listed(cfg, o, value, strlen(value), err, errlen);
        const char *p = value;
        for(;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if(add_listed(cfg, o, p, len, err, errlen))
                return -1;
            if(!comma)
                return 0;
            p = comma + 1;
        }
    }
    }
    return -1;
}

static void env_name(const char *flag, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "LINEAGED_");
    for(; *flag && n + 1 < outlen; flag++)
        out[n++] = *flag == '-' ? '_' : (char)toupper((unsigned char)*flag);
    out[n] = '\0';
}

int config_parse(config_t *cfg, int argc, char **argv, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    for(size_t i = 0; i < N_OPTIONS; i++) {
        if(options[i].def && set_option(cfg, &options[i], options[i].def, 0, err, errlen))
            return -1;
    }
    for(size_t i = 0; i < N_OPTIONS; i++) {
        char name[64];
        env_name(options[i].flag, name, sizeof(name));
        const char *value = getenv(name);
        if(value && set_option(cfg, &options[i], value, 1, err, errlen)) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (from %s)", name);
            return -1;
        }
    }
    for(int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if(strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config_usage(stdout);
            return 1;
        }
        if(strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (see lineaged serve --help)", arg);
            return -1;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const struct option_spec *o = NULL;
        for(size_t i = 0; i < N_OPTIONS; i++) {
            if(strlen(options[i].flag) == name_len && strncmp(options[i].flag, name, name_len) == 0)
                o = &options[i];
        }
        if(!o) {
            snprintf(err, errlen, "unknown option '%.*s' (see lineaged serve --help)", (int)(name_len + 2), arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if(!value && o->type == OPT_BOOL)
            value = "true";
        if(!value) {
            if(a + 1 >= argc) {
                snprintf(err, errlen, "--%s needs a value", o->flag);
                return -1;
            }
            value = argv[++a];
        }
        if(set_option(cfg, o, value, 0, err, errlen))
            return -1;
    }
    if(cfg->api_queue_wait > cfg->api_timeout) {
        snprintf(err, errlen, "--api-queue-wait (%d) must not be longer than --api-timeout (%d)", cfg->api_queue_wait,
                 cfg->api_timeout);
        return -1;
    }
    if((cfg->debug_slow_ms || cfg->debug_slow_writer_ms) && !cfg->debug_events) {
        snprintf(err, errlen, "--%s is a test hook: it needs --debug-events",
                 cfg->debug_slow_ms ? "debug-slow-ms" : "debug-slow-writer-ms");
        return -1;
    }
    return 0;
}

void config_free(config_t *cfg)
{
    for(size_t i = 0; i < N_OPTIONS; i++) {
        if(options[i].type == OPT_STR) {
            char **field = (char **)((char *)cfg + options[i].offset);
            util_free(*field);
            *field = NULL;
        }
    }
    for(int i = 0; i < cfg->n_allowed_origins; i++)
        util_free(cfg->allowed_origins[i]);
    cfg->n_allowed_origins = 0;
    for(int i = 0; i < cfg->n_allowed_hosts; i++)
        util_free(cfg->allowed_hosts[i]);
    cfg->n_allowed_hosts = 0;
}
