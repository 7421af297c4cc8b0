/* langflix rekey — re-seal every stored TikTok token under a new key.
 *
 * The NEW key (64 hex digits or 44 base64 characters, as secret_key in the
 * configuration) is read from standard input, never from the command line
 * (it would show in ps and shell history). The current key is the
 * configured secret_key. All tokens are re-sealed in one transaction: if
 * any of them does not open with the current key, nothing changes.
 *
 * Afterwards put the new key into the configuration and restart the app
 * and the worker; until then they cannot open the re-sealed tokens (their
 * calls fail and are retried, nothing is marked for reconnection). */
#include "accounts.h"
#include "commands.h"
#include "db.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_rekey(struct config *cfg, int argc, char **argv)
{
	char line[256], err[256];
	unsigned char new_key[32];
	struct db db;
	int count = 0, rc = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: langflix rekey   (the new key is read from standard input)\n");
		return 2;
	}
	if (!cfg->secret_key.set) {
		fprintf(stderr, "langflix: secret_key is not set: there is no current key to re-seal from\n");
		return 1;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "New key (64 hex digits or 44 base64 characters): ");
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (config_parse_key32(line, new_key) < 0) {
		fprintf(stderr, "langflix: the new key must be 64 hex digits or 44 base64 characters "
				"(e.g. from `openssl rand -hex 32`)\n");
		goto out;
	}
	if (!memcmp(new_key, cfg->secret_key.bytes, sizeof(new_key))) {
		fprintf(stderr, "langflix: the new key is the current key; nothing to do\n");
		goto out;
	}
	db_init(&db, cfg->database_url);
	if (db_ensure(&db) < 0) {
		fprintf(stderr, "langflix: cannot connect to the database: %s\n", db.err);
		db_close(&db);
		goto out;
	}
	if (accounts_rekey(&db, cfg->secret_key.bytes, new_key, &count, err, sizeof(err)) < 0)
		fprintf(stderr, "langflix: rekey failed: %s\n", err);
	else {
		printf("re-sealed the tokens of %d TikTok account(s) under the new key.\n"
		       "Now set secret_key to the new key in the configuration and restart the app "
		       "and the worker.\n", count);
		rc = 0;
	}
	db_close(&db);
out:
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(new_key, sizeof(new_key));
	return rc;
}
