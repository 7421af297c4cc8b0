/* fuzz_template — the Mustache engine: tmpl_parse on the input, then
 * tmpl_render with a fixed JSON context (strings with markup, numbers,
 * booleans, nested lists and objects) and with partials. When the input
 * holds a NUL, what follows it is JSON used as the context instead.
 *
 * Invariants: rendering is deterministic; a template without '{' renders
 * to itself. Rendering cost is the product of nested list lengths, so
 * inputs with more than 8 section tags or JSON lists longer than 4 are
 * skipped: templates are trusted files, and exponential fan-out by design
 * is not a bug worth a timeout. */
#include "fuzz.h"

#include <json-c/json.h>

#include "buf.h"
#include "template.h"

static const char fixed_json[] =
	"{\"title\":\"<b>A & B</b>\",\"n\":3,\"pi\":3.14159,\"big\":1e300,\"t\":true,"
	"\"f\":false,\"nul\":null,\"empty\":\"\",\"zero\":0,\"neg\":-7,"
	"\"items\":[{\"name\":\"x<y\",\"raw\":\"<i>\\\"'\"},{\"name\":\"z\",\"n\":1}],"
	"\"obj\":{\"a\":{\"b\":\"deep\"}},\"list\":[1,\"two\",null,[3]],"
	"\"children\":[{\"name\":\"c1\",\"children\":[{\"name\":\"c2\",\"children\":[]}]}]}";

static struct tmpl_set *partials;
static struct json_object *fixed_ctx;

static void setup_once(void)
{
	static const char *const p[][2] = {
		{ "item", "<li>{{name}} {{{raw}}}</li>\n" },
		{ "self", "[{{.}}]" },
	};
	char err[256];

	if (partials)
		return;
	partials = tmpl_set_new();
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (tmpl_set_add(partials, p[i][0], p[i][1], strlen(p[i][1]), err, sizeof(err)) < 0)
			abort();
	fixed_ctx = json_tokener_parse(fixed_json);
	if (!fixed_ctx)
		abort();
}

static int too_wide(struct json_object *o, int depth)
{
	if (depth > 32)
		return 1;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		if (n > 4)
			return 1;
		for (size_t i = 0; i < n; i++)
			if (too_wide(json_object_array_get_idx(o, i), depth + 1))
				return 1;
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (too_wide(v, depth + 1))
				return 1;
		}
	}
	return 0;
}

static void render_checked(const struct tmpl *t, struct json_object *ctx, const char *src)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	int ra = tmpl_render(t, partials, ctx, &a);
	int rb = tmpl_render(t, partials, ctx, &b);

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
	if (ra == 0 && !strchr(src, '{'))
		FUZZ_CHECK(a.len == strlen(src) && (a.len == 0 || memcmp(a.data, src, a.len) == 0));
	buf_free(&a);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src, *json;
	char err[256];
	struct tmpl *t;
	size_t sections = 0;

	setup_once();
	fuzz_split(data, size, &src, &json);
	for (const char *p = src; *p; p++)
		sections += *p == '#' || *p == '^';
	if (sections > 8)
		goto out;
	t = tmpl_parse(src, strlen(src), "fuzz", err, sizeof(err));
	if (!t) {
		FUZZ_CHECK(err[0] != '\0');
		goto out;
	}
	FUZZ_CHECK(strcmp(tmpl_name(t), "fuzz") == 0);
	if (memchr(data, 0, size)) {
		struct json_object *ctx = json_tokener_parse(json);
		if (ctx && !too_wide(ctx, 0))
			render_checked(t, ctx, src);
		json_object_put(ctx);
	} else {
		render_checked(t, fixed_ctx, src);
		render_checked(t, NULL, src);
	}
	tmpl_free(t);
out:
	free(src);
	free(json);
	return 0;
}
