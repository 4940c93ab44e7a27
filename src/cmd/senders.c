/* senders.c - placeholder. Exports: cmd_senders, cmd_reanalyze. */
#include <stdio.h>

#include "cmd.h"

int
cmd_senders(cmd_ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	fprintf(stderr, "dmarcscope: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_reanalyze(cmd_ctx *c, int argc, char **argv)
{
	return cmd_senders(c, argc, argv);
}
