#include "api/api.h"
#include "cli/cmd_export.h"
#include "cli/cmd_ingest.h"
#include "cli/cmd_parse.h"
#include "cli/config.h"
#include "server/server.h"
#include "store/store.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "lineaged %s: SQL data lineage server with a live dashboard\n\n"
            "usage:\n"
            "  lineaged serve  [options]          serve the API and dashboard (see lineaged serve --help)\n"
            "  lineaged parse  [--dialect NAME] [--max-file-mb N] FILE...   print the lineage of SQL files as JSON\n"
            "  lineaged ingest [--db PATH] [--dialect D] [--project P] [--workers N] [--max-file-mb N] PATH...\n"
            "                  ingest files or folders\n"
            "  lineaged export [--db PATH] --format openlineage|csv   lineage for other tools, on stdout\n"
            "  lineaged --help | --version\n",
            LINEAGED_VERSION);
}

static int cmd_serve(int argc, char **argv)
{
    config_t cfg;
    char err[256];
    int rc = config_parse(&cfg, argc, argv, err, sizeof(err));
    if(rc) {
        if(rc < 0)
            fprintf(stderr, "lineaged serve: %s\n", err);
        config_free(&cfg);
        return rc < 0 ? 2 : 0;
    }
    enum log_level level = LOG_INFO;
    log_level_from_name(cfg.log_level, &level); /* config_parse accepted only a known name */
    log_set_level(level);
    server_block_signals();

    store_t *store = NULL;
    rc = store_open_with(cfg.db_path, cfg.db_memory_mb, &store, err, sizeof(err));
    if(rc) {
        fprintf(stderr, "lineaged serve: %s\n", err);
        config_free(&cfg);
        return 1;
    }
    log_info("store.opened", "db=%s schema_version=%d", cfg.db_path, store_schema_version(store));
    api_t api = {.cfg = &cfg, .store = store};
    server_app_t app = {api_start, api_stop, &api};
    rc = server_run(&cfg, store, &app);
    store_close(store);
    config_free(&cfg);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if(argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if(strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if(strcmp(cmd, "--version") == 0) {
        printf("lineaged %s\n", LINEAGED_VERSION);
        return 0;
    }
    if(strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if(strcmp(cmd, "parse") == 0)
        return cmd_parse(argc - 1, argv + 1);
    if(strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if(strcmp(cmd, "ingest") == 0)
        return cmd_ingest(argc - 1, argv + 1);
    fprintf(stderr, "lineaged: unknown command '%s' (try lineaged --help)\n", cmd);
    return 2;
}
