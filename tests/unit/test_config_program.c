/* Unit tests: a program's start (config_for_program): its only argument
 * is -c CONFIG, the file is loaded with the environment over it, a refusal
 * is said with the program's name, and the log level is the file's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char said[4096];

/* config_for_program on argv with stderr caught into said. */
static int start(struct config *c, int argc, char **argv)
{
	char path[] = "/tmp/lf-config-program-XXXXXX";
	int fd = mkstemp(path), saved, rc;
	ssize_t n;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	rc = config_for_program(c, "langflix-test", argc, argv);
	log_msg(LOG_INFO, "event=after_start_info");
	log_msg(LOG_WARN, "event=after_start_warn");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, said, sizeof(said) - 1, 0);
	said[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	log_set_level(LOG_INFO);
	return rc;
}

static void anything_but_dash_c_is_the_usage(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(start(&c, 2, (char *[]){ "prog", "-x", NULL }), 2);
	assert_non_null(strstr(said, "usage: langflix-test [-c CONFIG]\n"));
	assert_int_equal(start(&c, 2, (char *[]){ "prog", "-c", NULL }), 2);
	assert_non_null(strstr(said, "usage: langflix-test [-c CONFIG]\n"));
	assert_int_equal(start(&c, 4, (char *[]){ "prog", "-c", "a.conf", "more", NULL }), 2);
	assert_non_null(strstr(said, "usage: langflix-test [-c CONFIG]\n"));
}

static void a_refused_configuration_is_said_with_the_name(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(start(&c, 3, (char *[]){ "prog", "-c", "/nonexistent/langflix.conf", NULL }), 1);
	assert_non_null(strstr(said, "langflix-test: "));
	assert_non_null(strstr(said, "/nonexistent/langflix.conf"));
	/* $LANGFLIX_CONFIG when there is no -c */
	setenv("LANGFLIX_CONFIG", "/nonexistent/env.conf", 1);
	assert_int_equal(start(&c, 1, (char *[]){ "prog", NULL }), 1);
	unsetenv("LANGFLIX_CONFIG");
	assert_non_null(strstr(said, "/nonexistent/env.conf"));
}

static void the_file_is_loaded_and_its_log_level_taken(void **state)
{
	char path[] = "/tmp/lf-config-program-conf-XXXXXX";
	int fd = mkstemp(path);
	struct config c;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "log_level = warn\nthreads = 3\n");
	fclose(f);
	assert_int_equal(start(&c, 3, (char *[]){ "prog", "-c", path, NULL }), 0);
	assert_string_equal(c.log_level, "warn");
	assert_int_equal(c.threads, 3);
	assert_null(strstr(said, "event=after_start_info"));
	assert_non_null(strstr(said, "event=after_start_warn"));
	config_free(&c);
	/* the environment over the file */
	setenv("LANGFLIX_THREADS", "5", 1);
	setenv("LANGFLIX_CONFIG", path, 1);
	assert_int_equal(start(&c, 1, (char *[]){ "prog", NULL }), 0);
	unsetenv("LANGFLIX_THREADS");
	unsetenv("LANGFLIX_CONFIG");
	assert_int_equal(c.threads, 5);
	config_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(anything_but_dash_c_is_the_usage),
		cmocka_unit_test(a_refused_configuration_is_said_with_the_name),
		cmocka_unit_test(the_file_is_loaded_and_its_log_level_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
