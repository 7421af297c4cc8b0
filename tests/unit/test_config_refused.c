/* A configuration that config_load refuses (a bad environment value, a
 * file that cannot be read) leaves nothing allocated: the programs stop
 * right after the error without freeing a struct they failed to load.
 * The fields are checked here; LeakSanitizer checks the rest at exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"

static void nothing_is_left(const struct config *c)
{
	assert_null(c->listen);
	assert_null(c->database_url);
	assert_null(c->templates_dir);
	assert_null(c->log_level);
	assert_false(c->secret_key.set);
}

static void a_refused_environment_value(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	setenv("LANGFLIX_MEDIA_ROOT", "/srv/media", 1);   /* taken before the bad one */
	setenv("LANGFLIX_THREADS", "0", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	unsetenv("LANGFLIX_THREADS");
	unsetenv("LANGFLIX_MEDIA_ROOT");
	assert_non_null(strstr(err, "LANGFLIX_THREADS"));
	nothing_is_left(&c);
	assert_null(c.media_root);
}

static void a_file_that_cannot_be_read(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/langflix.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/langflix.conf"));
	nothing_is_left(&c);
}

static void a_loaded_configuration_keeps_its_values(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_non_null(c.listen);
	assert_non_null(c.log_level);
	config_free(&c);
	nothing_is_left(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_refused_environment_value),
		cmocka_unit_test(a_file_that_cannot_be_read),
		cmocka_unit_test(a_loaded_configuration_keeps_its_values),
	};

	return cmocka_run_group_tests_name("config_refused", tests, NULL, NULL);
}
