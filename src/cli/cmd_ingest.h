#ifndef LINEAGED_CLI_CMD_INGEST_H
#define LINEAGED_CLI_CMD_INGEST_H

/* `lineaged ingest [--db PATH] [--dialect D] [--project P] PATH...`; argv[0] is "ingest". Exit status. */
int cmd_ingest(int argc, char **argv);

#endif
