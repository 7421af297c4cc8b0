/* fuzz_path — route patterns against request paths (http_match_path).
 * The input is "pattern\0path"; without a NUL the input is a path matched
 * against the app's own patterns. A capture never holds '/' and is never
 * empty, and a match consumes the whole path. */
#include "fuzz.h"

#include "arena.h"
#include "http.h"

static const char *const patterns[] = {
	"/", "/login", "/videos/{id}/tiktok", "/jobs/{id}", "/api/jobs/{id}",
	"/jobs/{id}/retry", "/videos/{id}/file", "/accounts/{id}/disconnect",
	"/auth/tiktok/callback", "/{a}/{b}", "/{x}",
};

static void match(struct arena *a, const char *pat, const char *path)
{
	struct kvlist kv;

	if (http_match_path(a, pat, path, &kv) == 1) {
		FUZZ_CHECK(kv.n <= HTTP_MAX_FIELDS);
		for (size_t i = 0; i < kv.n; i++) {
			FUZZ_CHECK(kv.items[i].val[0] != '\0');
			FUZZ_CHECK(strchr(kv.items[i].val, '/') == NULL);
		}
		/* a pattern without captures matches only itself */
		if (!strchr(pat, '{'))
			FUZZ_CHECK(strcmp(pat, path) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	char *pat, *path;

	arena_init(&a);
	if (memchr(data, 0, size)) {
		fuzz_split(data, size, &pat, &path);
		match(&a, pat, path);
		free(pat);
		free(path);
	} else {
		path = fuzz_cstr(data, size);
		for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
			match(&a, patterns[i], path);
		free(path);
	}
	arena_free(&a);
	return 0;
}
