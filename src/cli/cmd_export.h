/* `lineaged export [--db PATH] --format openlineage|csv`: the graph for other tools, on stdout. */
#ifndef LINEAGED_CLI_CMD_EXPORT_H
#define LINEAGED_CLI_CMD_EXPORT_H

/* Returns the exit status: 0, 1 (database or output failed), 2 (usage). */
int cmd_export(int argc, char **argv);

#endif
