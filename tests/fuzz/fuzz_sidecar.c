/* fuzz_sidecar — the LangFlix sidecar (clip.mp4.meta.json) as the importer
 * reads it (sidecar_parse), then the caption prefilled from it. Bounds from
 * sidecar.h hold for every accepted sidecar, and the caption fits TikTok's
 * limit and is valid UTF-8. */
#include "fuzz.h"

#include "buf.h"
#include "caption.h"
#include "sidecar.h"

static void check_string(const char *s)
{
	if (s) {
		FUZZ_CHECK(s[0] != '\0');
		FUZZ_CHECK(strlen(s) <= SIDECAR_MAX_STRING);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size copy without a NUL: the reader must respect len */
	char *text = malloc(size ? size : 1);
	struct sidecar sc;
	struct buf warn = BUF_INIT, kw = BUF_INIT, cap = BUF_INIT;
	char err[256];

	memcpy(text, data, size);
	if (sidecar_parse(text, size, &sc, &warn, err, sizeof(err)) == 0) {
		check_string(sc.expression);
		check_string(sc.expression_translation);
		check_string(sc.title);
		check_string(sc.title_translation);
		check_string(sc.language);
		check_string(sc.learn_language);
		check_string(sc.show_name);
		check_string(sc.episode);
		check_string(sc.generated_at);
		FUZZ_CHECK(sc.nkeywords <= SIDECAR_MAX_KEYWORDS);
		FUZZ_CHECK(sc.expression_start_ms >= -1 && sc.expression_start_ms <= SIDECAR_MAX_MS);
		for (size_t i = 0; i < sc.nkeywords; i++)
			check_string(sc.keywords[i]);
		sidecar_keywords_json(&sc, &kw);
		FUZZ_CHECK(kw.len >= 2 && kw.data[0] == '[' && kw.data[kw.len - 1] == ']');

		struct caption_meta m = {
			.title = sc.title,
			.title_translation = sc.title_translation,
			.expression = sc.expression,
			.expression_translation = sc.expression_translation,
			.keywords = (const char *const *)sc.keywords,
			.nkeywords = sc.nkeywords,
		};
		caption_prefill(&m, &cap);
		FUZZ_CHECK(caption_valid_utf8(cap.data ? cap.data : "", cap.len));
		FUZZ_CHECK(caption_utf16_len(cap.data ? cap.data : "", cap.len) <= CAPTION_MAX_UTF16);
		sidecar_free(&sc);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	buf_free(&warn);
	buf_free(&kw);
	buf_free(&cap);
	free(text);
	return 0;
}
