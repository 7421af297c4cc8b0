/* commands.h — the subcommands of the `langflix` admin command.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef LF_COMMANDS_H
#define LF_COMMANDS_H

#include "config.h"

#include <stdint.h>

struct arena;
struct db;

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

/* The job id of `langflix retry|cancel JOB_ID` (argv[0] names the
 * command) in *id: 0, or -1 after printing the command's usage line. */
int cli_job_arg(int argc, char **argv, int64_t *id);
/* What a refused or failed jobs_repost / jobs_cancel of job id says on
 * stderr: no such job, "cannot be VERB: why" (with "(as job AS_JOB)" when
 * as_job is not 0), or db's error. */
void cli_job_failed(struct db *db, int rc, int64_t id, const char *verb, const char *why, int64_t as_job);

/* `render` needs no configuration. */
int cmd_render(int argc, char **argv);

#endif
