/* cmd_render.c — `langflix render TEMPLATE [--partials DIR] < context.json`
 *
 * Renders one Mustache template file with the JSON read from standard input,
 * so the engine can be checked from outside. Partials come from DIR (every
 * *.mustache there and in DIR/partials/, by bare name). Exit 0 on success,
 * 1 on an unreadable file, a template error or invalid JSON, 2 on bad usage.
 */
#include "commands.h"

#include "buf.h"
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: langflix render TEMPLATE [--partials DIR] < context.json\n");
	return 2;
}

static int read_stream(FILE *f, struct buf *b)
{
	char chunk[16384];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	return ferror(f) ? -1 : 0;
}

/* The whole input must be one JSON value in strict RFC 8259 syntax, with
 * nothing but whitespace after it. 0 with *out set (NULL for a JSON null),
 * or -1 with *msg saying why. */
static int parse_json(struct buf *in, struct json_object **out, const char **msg, size_t *at)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	int rc = 0;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* Passing the terminating NUL ends a top-level number or literal that
	 * would otherwise wait for more input. */
	*out = json_tokener_parse_ex(tok, buf_cstr(in), (int)in->len + 1);
	jerr = json_tokener_get_error(tok);
	*at = json_tokener_get_parse_end(tok);
	if (jerr != json_tokener_success) {
		*msg = jerr == json_tokener_continue ? "unexpected end of input"
						     : json_tokener_error_desc(jerr);
		rc = -1;
	} else {
		for (; *at < in->len; (*at)++)
			if (!strchr(" \t\r\n", in->data[*at])) {
				*msg = "unexpected data after the JSON value";
				rc = -1;
				break;
			}
	}
	if (rc < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	json_tokener_free(tok);
	return rc;
}

int cmd_render(int argc, char **argv)
{
	const char *path = NULL, *partials_dir = NULL, *msg = NULL;
	struct buf src = BUF_INIT, in = BUF_INIT, out = BUF_INIT;
	struct tmpl_set *partials = NULL;
	struct tmpl *t = NULL;
	struct json_object *ctx = NULL;
	char err[1024];
	size_t at = 0;
	FILE *f;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--partials") == 0 && i + 1 < argc)
			partials_dir = argv[++i];
		else if (argv[i][0] == '-' || path)
			return usage();
		else
			path = argv[i];
	}
	if (!path)
		return usage();

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "langflix render: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (read_stream(f, &src) < 0) {
		fprintf(stderr, "langflix render: %s: read error\n", path);
		fclose(f);
		goto out;
	}
	fclose(f);
	t = tmpl_parse(buf_cstr(&src), src.len, path, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "langflix render: %s\n", err);
		goto out;
	}
	if (partials_dir) {
		partials = tmpl_set_load(partials_dir, err, sizeof(err));
		if (!partials) {
			fprintf(stderr, "langflix render: %s\n", err);
			goto out;
		}
	}

	if (read_stream(stdin, &in) < 0) {
		fprintf(stderr, "langflix render: error reading standard input\n");
		goto out;
	}
	if (in.len > (size_t)INT_MAX - 1 || parse_json(&in, &ctx, &msg, &at) < 0) {
		if (!msg)
			msg = "input too large";
		fprintf(stderr, "langflix render: invalid JSON on standard input (byte %zu): %s\n",
			at, msg);
		goto out;
	}

	if (tmpl_render(t, partials, ctx, &out) < 0) {
		fprintf(stderr, "langflix render: %s: partials nested deeper than %d levels\n",
			path, TMPL_MAX_PARTIAL_DEPTH);
		goto out;
	}
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		fprintf(stderr, "langflix render: error writing standard output\n");
		goto out;
	}
	rc = 0;
out:
	json_object_put(ctx);
	tmpl_free(t);
	tmpl_set_free(partials);
	buf_free(&src);
	buf_free(&in);
	buf_free(&out);
	return rc;
}
