#include "cli/cmd_parse.h"

#include <stdio.h>

int cmd_parse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "lineaged: parse is not implemented yet\n");
    return 3;
}
