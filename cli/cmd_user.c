/* langflix user add NAME | passwd NAME — the password comes from standard
 * input (one line) or, on a terminal, from a prompt with echo off, typed
 * twice. A new password ends every session of the user (whoever knew the
 * old one may be signed in) in the same statement that stores it, and
 * forgets the addresses the throttle trusted for the user. */
#include "buf.h"
#include "commands.h"
#include "crypto.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct db_stmt q_user_add = { "user_add",
	"INSERT INTO users (name, password_hash) VALUES ($1, $2)" };
static struct db_stmt q_user_passwd = { "user_passwd",
	"WITH u AS (UPDATE users SET password_hash = $2 WHERE name = $1 RETURNING id), "
	"     s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u) RETURNING 1), "
	/* addresses that signed in with the old password are not the user's
	 * by proof any more (sign-in throttling exempts them) */
	"     k AS (DELETE FROM login_known_addresses WHERE name = $1 AND EXISTS (SELECT 1 FROM u)) "
	"SELECT (SELECT count(*) FROM u) AS changed, (SELECT count(*) FROM s) AS ended" };

static int read_line(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (!fgets(out, (int)n, stdin))
		out[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	out[strcspn(out, "\r\n")] = '\0';
	return tty;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == n;
}

int cmd_user(struct config *cfg, int argc, char **argv)
{
	char pw[1100], again[1100];
	struct buf hash = BUF_INIT;
	struct db db;
	int change, rc = 1;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "passwd"))) {
		fprintf(stderr, "usage: langflix user add NAME | langflix user passwd NAME\n"
				"       (the password is read from standard input)\n");
		return 2;
	}
	change = !strcmp(argv[1], "passwd");
	if (!valid_name(argv[2])) {
		fprintf(stderr, "langflix: user names are 1-64 letters, digits and . _ - @\n");
		return 2;
	}
	if (read_line("Password: ", pw, sizeof(pw))) {
		read_line("Again: ", again, sizeof(again));
		if (strcmp(pw, again) != 0) {
			fprintf(stderr, "langflix: the passwords differ\n");
			return 1;
		}
	}
	if (strlen(pw) < 8 || strlen(pw) > 1024) {
		fprintf(stderr, "langflix: the password must be 8 to 1024 characters long\n");
		return 1;
	}
	if (password_hash(pw, &hash) < 0) {
		fprintf(stderr, "langflix: could not hash the password\n");
		return 1;
	}
	memset(pw, 0, sizeof(pw));
	db_init(&db, cfg->database_url);
	if (db_ensure(&db) < 0) {
		fprintf(stderr, "langflix: cannot connect to the database: %s\n", db.err);
		goto out;
	}
	if (change) {
		PGresult *r = db_query(&db, &q_user_passwd,
				       DB_PARAMS(DB_TEXT(argv[2]), DB_TEXT(buf_cstr(&hash))));
		if (!r) {
			fprintf(stderr, "langflix: could not change the password: %s\n", db.err);
		} else if (db_get_int(r, 0, "changed") == 1) {
			long long ended = (long long)db_get_int(r, 0, "ended");
			printf("password of %s changed; %lld session%s ended\n", argv[2], ended,
			       ended == 1 ? "" : "s");
			rc = 0;
		} else {
			fprintf(stderr, "langflix: no user %s\n", argv[2]);
		}
		if (r)
			PQclear(r);
	} else if (db_command(&db, &q_user_add, DB_PARAMS(DB_TEXT(argv[2]), DB_TEXT(buf_cstr(&hash)))) < 0) {
		if (!strcmp(db_sqlstate(&db), "23505"))
			fprintf(stderr, "langflix: user %s already exists\n", argv[2]);
		else
			fprintf(stderr, "langflix: could not add the user: %s\n", db.err);
	} else {
		printf("user %s added\n", argv[2]);
		rc = 0;
	}
out:
	buf_free(&hash);
	db_close(&db);
	return rc;
}
