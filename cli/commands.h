/* commands.h — the subcommands of the `langflix` admin command.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef LF_COMMANDS_H
#define LF_COMMANDS_H

#include "config.h"

struct arena;

/* Commands that need configuration get it loaded already. */
int cmd_migrate(struct config *cfg, int argc, char **argv);
int cmd_user(struct config *cfg, int argc, char **argv);
int cmd_import(struct config *cfg, int argc, char **argv);
int cmd_jobs(struct config *cfg, int argc, char **argv);
int cmd_config(struct config *cfg, int argc, char **argv);
int cmd_rekey(struct config *cfg, int argc, char **argv);
int cmd_retry(struct config *cfg, int argc, char **argv);
int cmd_cancel(struct config *cfg, int argc, char **argv);
int cmd_accounts(struct config *cfg, int argc, char **argv);
int cmd_prune(struct config *cfg, int argc, char **argv);
/* A value from the database or TikTok as the terminal may show it
 * (terminal_text, escape.h), copied into a: print nothing else. */
const char *cli_text(struct arena *a, const char *s);

/* `render` needs no configuration. */
int cmd_render(int argc, char **argv);

#endif
