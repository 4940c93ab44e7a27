/*
 * serve.c - placeholder until its issue lands: the command is listed so the
 * dispatch table is complete; it refuses with a clear message.
 *
 * Exports: cmd_serve (cmd.h).
 */
#include <stdio.h>

#include "cmd.h"

int
cmd_serve(cmd_ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	fprintf(stderr, "dmarcscope: %s: not implemented yet\n", argv[0]);
	return 2;
}
