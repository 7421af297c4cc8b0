/* langflix — the admin command.
 *
 *   langflix [-c FILE] migrate [--dir DIR]
 *   langflix [-c FILE] user add NAME        (password from stdin or a prompt)
 *   langflix [-c FILE] import DIR
 *   langflix [-c FILE] jobs [--state S] [--account ID] [--video ID] [--since WHEN] [--limit N]
 *   langflix [-c FILE] retry ID | cancel ID | accounts | prune --days N [--dry-run]
 *   langflix [-c FILE] config               (effective settings, secrets masked)
 *   langflix render TEMPLATE [--partials DIR] < context.json
 */
#include "commands.h"
#include "arena.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "escape.h"
#include "jobs.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

const char *cli_text(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	terminal_text(&b, s ? s : "");
	out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

int cli_job_arg(int argc, char **argv, int64_t *id)
{
	if (argc == 2 && parse_int64(argv[1], 1, INT64_MAX, id) == 0)
		return 0;
	fprintf(stderr, "usage: langflix %s JOB_ID\n", argv[0]);
	return -1;
}

void cli_job_failed(struct db *db, int rc, int64_t id, const char *verb, const char *why, int64_t as_job)
{
	if (rc == JOBS_NOT_FOUND) {
		fprintf(stderr, "langflix: there is no job %lld\n", (long long)id);
	} else if (rc == JOBS_REFUSED) {
		why = why && *why ? why : "?";
		fprintf(stderr, "langflix: job %lld cannot be %s: %c%s", (long long)id, verb,
			tolower((unsigned char)why[0]), why + 1);
		if (as_job)
			fprintf(stderr, " (as job %lld)", (long long)as_job);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "langflix: database: %s\n", db->err);
	}
}

struct command {
	const char *name;
	int (*run)(struct config *cfg, int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "migrate", cmd_migrate, "migrate [--dir DIR]     apply the SQL migrations in order" },
	{ "user",    cmd_user,    "user add NAME           create a user (password on stdin)" },
	{ "import",  cmd_import,  "import DIR              scan DIR for videos and upsert them" },
	{ "jobs",    cmd_jobs,    "jobs [--state S] [--account ID] [--video ID] [--since WHEN] [--limit N]\n"
	  "                          list the upload queue (WHEN: 2026-09-01, 12h, 7d)" },
	{ "retry",   cmd_retry,   "retry ID                queue a failed job again (as a new job)" },
	{ "cancel",  cmd_cancel,  "cancel ID               cancel a queued job no worker holds" },
	{ "accounts", cmd_accounts, "accounts                list TikTok accounts, status and token expiry" },
	{ "prune",   cmd_prune,   "prune --days N [--dry-run]\n"
	  "                          delete finished jobs, old webhook events, expired sessions" },
	{ "config",  cmd_config,  "config                  print the effective configuration" },
	{ "rekey",   cmd_rekey,   "rekey                   re-seal all TikTok tokens under a new key (stdin)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: langflix [-c CONFIG] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "  render TEMPLATE [--partials DIR] < context.json\n"
		   "                          render a Mustache template with a JSON context\n"
		   "\nCONFIG defaults to $LANGFLIX_CONFIG; LANGFLIX_<KEY> variables override it.\n");
}

/* Without -c and $LANGFLIX_CONFIG: the demo's configuration, which `make
 * run` writes to var/langflix.conf, found from the current folder or from
 * the folder of this program (build/langflix → var/), so that `langflix
 * import DIR` works in the demo as the library's empty page suggests. NULL
 * when there is none. */
static const char *demo_config(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (access("var/langflix.conf", R_OK) == 0)
		return "var/langflix.conf";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (snprintf(path, sizeof(path), "%s/var/langflix.conf", exe) < (int)sizeof(path) &&
		    access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *cfgpath = getenv("LANGFLIX_CONFIG");
	struct config cfg;
	char err[512];
	int i = 1, rc;

	/* no core dump ever holds a password, a token or the secret key */
	if (process_protect_memory() < 0)
		fprintf(stderr, "langflix: cannot switch core dumps off\n");
	if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
		cfgpath = argv[i + 1];
		i += 2;
	}
	if (i >= argc || !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	if (strcmp(argv[i], "render") == 0)
		return cmd_render(argc - i, argv + i);
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		enum log_level lvl;
		if (strcmp(argv[i], commands[k].name) != 0)
			continue;
		if (!cfgpath || !*cfgpath) {
			cfgpath = demo_config();
			if (cfgpath)
				fprintf(stderr, "langflix: using the demo's configuration %s (-c FILE to choose another)\n",
					cfgpath);
		}
		if (config_load(&cfg, cfgpath && *cfgpath ? cfgpath : NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "langflix: %s\n", err);
			return 1;
		}
		if (log_parse_level(cfg.log_level, &lvl) == 0)
			log_set_level(lvl);
		rc = commands[k].run(&cfg, argc - i, argv + i);
		config_free(&cfg);
		return rc;
	}
	fprintf(stderr, "langflix: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
