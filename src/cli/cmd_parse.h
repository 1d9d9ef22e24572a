#ifndef LINEAGED_CLI_CMD_PARSE_H
#define LINEAGED_CLI_CMD_PARSE_H

/* `lineaged parse [--dialect NAME] FILE...`; argv[0] is "parse". Returns the exit status. */
int cmd_parse(int argc, char **argv);

#endif
