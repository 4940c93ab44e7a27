/* stats.c - placeholder, replaced in this session. Exports: cmd_stats, cmd_mismatches. */
#include <stdio.h>

#include "cmd.h"

int
cmd_stats(cmd_ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	fprintf(stderr, "dmarcscope: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_mismatches(cmd_ctx *c, int argc, char **argv)
{
	return cmd_stats(c, argc, argv);
}
