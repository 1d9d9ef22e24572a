/* Settings of `lineaged serve`: flags, LINEAGED_<FLAG> environment variables, defaults. */
#ifndef LINEAGED_CLI_CONFIG_H
#define LINEAGED_CLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_MAX_ORIGINS 32
#define CONFIG_MAX_HOSTS   32

typedef struct config {
    char *host;
    int port;
    char *db_path;
    char *data_dir;
    double stats_interval;
    char *allowed_origins[CONFIG_MAX_ORIGINS];
    int n_allowed_origins;
    char *allowed_hosts[CONFIG_MAX_HOSTS]; /* lower case, without a port */
    int n_allowed_hosts;
    int max_conn_per_ip;
    int max_connections;
    int ipv6_prefix; /* IPv6 clients count against the per-IP limit by network of this many bits */
    char *github_url;
    int github_max_mb;    /* a repository's mirror beyond this stops its clone */
    int github_max_files; /* SQL files one GitHub ingestion may take */
    int github_max_per_ip; /* GitHub ingestions one client address may have waiting or cloning */
    int github_cache_mb;   /* all mirrors together; the least recently used beyond it are removed */
    int max_upload_mb;
    int min_free_mb; /* disk under data_dir that uploads and clones leave free */
    int upload_inflight_mb; /* uploads' spools and split files not yet handed to ingestion, together */
    int db_memory_mb;
    char *log_level;
    char *trusted_proxy;
    int debug_events;        /* enables POST /api/v1/debug/events */
    double progress_rate;    /* ingestion_progress per ingestion per second */
    double query_event_rate; /* query_complete per second */
    int ws_ping_interval;    /* seconds of silence before the server pings */
    int ws_idle_timeout;     /* seconds of silence before the connection is dropped */
    int ws_backlog;          /* broadcast queue entries (the per-client backlog bound) */
    double trend_window;     /* seconds `trends` compares over */
    int api_workers;         /* threads answering API requests from DuckDB; 0: one per core (2..8) */
    int api_queue;           /* API requests waiting for a worker before 503 */
    int api_queue_wait;      /* seconds a request may wait for an API worker before 503 */
    int api_timeout;         /* seconds a request may wait for its API worker's answer in all before 503 */
    int export_cache_mb;     /* built exports kept for the graph version they show */
    int debug_slow_ms;       /* tests: each API job waits this long once it starts (needs debug_events) */
    int debug_slow_writer_ms; /* tests: the ingest writer waits this long before reading and recording */
    char *seed_dir;          /* SQL folder ingested at start when the database has no files */
    int header_timeout;      /* seconds a request's headers may take, and a connection may wait for a slot */
    int max_http_per_ip;     /* HTTP connections per client address handed to lws at once */
    int min_rate;            /* bytes/s a request body must arrive and a response leave at, after the grace */
    int response_buffer_mb;  /* large responses being sent hold at most this much memory together */
} config_t;

/*
 * Fills `cfg` from defaults, then the environment, then argv (argv[0] is the
 * subcommand). On a bad flag or value writes one sentence to `err` and returns -1;
 * returns 1 when --help was asked for (usage already printed), 0 otherwise.
 */
/*
 * lineaged ingest's and parse's --max-file-mb (LINEAGED_MAX_FILE_MB): a whole number of MiB from 1 to
 * INGEST_FILE_MAX_MB_CLI into *bytes; -1 when it is not one.
 */
int config_max_file_mb(const char *value, int64_t *bytes);
int config_parse(config_t *cfg, int argc, char **argv, char *err, size_t errlen);
void config_free(config_t *cfg);
void config_usage(FILE *out);

#endif
