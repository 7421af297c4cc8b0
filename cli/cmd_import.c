/* cmd_import.c — `langflix import DIR`: scan a folder under the media root
 * and upsert its videos. DIR is taken relative to the current directory,
 * or, when no such folder exists there, relative to the media root. */
#include "commands.h"
#include "db.h"
#include "library.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *resolve_dir(const struct config *cfg, const char *arg, char *buf, size_t len)
{
	struct stat sb;

	if (arg[0] == '/' || stat(arg, &sb) == 0)
		return arg;
	snprintf(buf, len, "%s/%s", cfg->media_root, arg);
	return stat(buf, &sb) == 0 ? buf : arg;
}

int cmd_import(struct config *cfg, int argc, char **argv)
{
	char path[4096];
	struct import_stats st;
	struct db db;
	const char *dir;
	int rc;

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
		fprintf(stderr, "usage: langflix import DIR   (DIR inside media_root)\n");
		return 2;
	}
	if (!cfg->media_root || !*cfg->media_root) {
		fprintf(stderr, "langflix import: media_root is not configured\n");
		return 1;
	}
	dir = resolve_dir(cfg, argv[1], path, sizeof(path));
	db_init(&db, cfg->database_url);
	if (db_ensure(&db) < 0) {
		fprintf(stderr, "langflix import: the database did not answer, so nothing was imported.\n"
			"  Is it running? In the demo, start it with `make run` (or scripts/stack.sh start).\n"
			"  Is this the right configuration? Pass it with -c FILE or LANGFLIX_CONFIG=FILE\n"
			"  (the demo's is var/langflix.conf in the repository).\n"
			"  (%s)\n", db.err);
		db_close(&db);
		return 1;
	}
	rc = library_import(&db, cfg->media_root, cfg->frames_dir, dir, &st, stdout);
	db_close(&db);
	if (rc < 0)
		return 1;
	printf("import: %d added, %d updated, %d unchanged, %d skipped, %d missing; "
	       "%d ready, %d not ready, %d warnings\n",
	       st.added, st.updated, st.unchanged, st.skipped, st.missing,
	       st.ready, st.not_ready, st.warnings);
	return 0;
}
