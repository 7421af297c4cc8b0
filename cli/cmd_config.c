/* langflix config — print the effective configuration, secrets masked. */
#include "buf.h"
#include "commands.h"

#include <stdio.h>

int cmd_config(struct config *cfg, int argc, char **argv)
{
	struct buf out = BUF_INIT;

	(void)argc;
	(void)argv;
	config_dump(cfg, &out);
	fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	return 0;
}
