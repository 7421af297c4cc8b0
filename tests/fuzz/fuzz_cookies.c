/* fuzz_cookies — the Cookie header (http_parse_cookies): whatever arrives,
 * no crash, at most HTTP_MAX_FIELDS pairs, names never empty and never
 * containing the separators. */
#include "fuzz.h"

#include "arena.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct arena a;
	struct kvlist kv;

	arena_init(&a);
	if (http_parse_cookies(&a, s, &kv) == 0) {
		FUZZ_CHECK(kv.n <= HTTP_MAX_FIELDS);
		for (size_t i = 0; i < kv.n; i++) {
			FUZZ_CHECK(kv.items[i].key[0] != '\0');
			FUZZ_CHECK(strchr(kv.items[i].key, ';') == NULL);
			FUZZ_CHECK(strchr(kv.items[i].key, '=') == NULL);
			FUZZ_CHECK(strchr(kv.items[i].val, ';') == NULL);
		}
	}
	arena_free(&a);
	free(s);
	return 0;
}
