/* template.h — a Mustache engine (spec v1 core: interpolation, sections,
 * inverted sections, comments, partials, set-delimiter; no lambdas) over
 * json-c values.
 *
 * Templates are parsed once into an immutable node tree, so rendering does no
 * parsing and many threads may render the same template at once. Rendering
 * only reads the context (no json-c call that caches a string inside the
 * object is made), so a context may be shared between threads as well. The
 * context is read through a small interface (struct tmpl_ops, below), so it
 * need not be json-c at all.
 *
 *   {{name}}            HTML-escaped (html_escape), {{{name}}} and {{& name}} raw
 *   {{a.b.c}}           "a" is looked up through the context stack, "b" and "c"
 *                       only inside what "a" resolved to
 *   {{.}}               the current context (implicit iterator)
 *   {{#s}}..{{/s}}      false, null, [] and a missing name render nothing; a
 *                       non-empty list renders once per element; anything else
 *                       (object, true, number, string — "" and 0 too) renders
 *                       once with the value pushed on the context stack
 *   {{^s}}..{{/s}}      renders once when {{#s}} would render nothing
 *   {{! comment }}      {{> partial}}     {{=<% %>=}}
 *
 * Values interpolate as: strings as they are, integers in decimal, doubles
 * with up to 15 significant digits (17 when needed to round-trip), booleans
 * as "true"/"false", null/missing/objects/arrays as nothing.
 * Standalone tags (sections, inverted, close, comment, partial, delimiter
 * alone on their line) vanish with their line; standalone partials indent
 * every line of the partial by the tag's indentation.
 */
#ifndef LF_TEMPLATE_H
#define LF_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"

/* Partials nest at most this deep while rendering (recursion guard). */
#define TMPL_MAX_PARTIAL_DEPTH 64
/* Sections nest at most this deep inside one template (checked at parse). */
#define TMPL_MAX_SECTION_DEPTH 100

struct tmpl;        /* one parsed template, immutable after parse */
struct tmpl_set;    /* named templates; partials resolve by name within it */

/* Parse src (len bytes). On error returns NULL and writes
 * "name:line: message" into err (unclosed section, mismatched close tag,
 * unclosed tag, bad delimiters, ...). */
struct tmpl *tmpl_parse(const char *src, size_t len, const char *name, char *err, size_t errlen);
void tmpl_free(struct tmpl *t);
const char *tmpl_name(const struct tmpl *t);

struct tmpl_set *tmpl_set_new(void);
/* Parse and add under name. -1 with err set on a parse error or a name that
 * is already in the set. */
int tmpl_set_add(struct tmpl_set *s, const char *name, const char *src, size_t len, char *err, size_t errlen);
/* Load every *.mustache file in dir and in dir/partials/ (when it exists);
 * the template name is the file name without ".mustache". Errors name the
 * file (and the line for parse errors). */
struct tmpl_set *tmpl_set_load(const char *dir, char *err, size_t errlen);
const struct tmpl *tmpl_set_get(const struct tmpl_set *s, const char *name);
void tmpl_set_free(struct tmpl_set *s);

/* Render t with ctx (any json-c value, NULL = null) appending to out.
 * partials may be NULL; a partial not found renders as nothing.
 * Returns 0, or -1 when partials nest deeper than TMPL_MAX_PARTIAL_DEPTH (or
 * sections and partials together deeper than 512 levels); out then holds a
 * partial rendering that the caller should discard. */
int tmpl_render(const struct tmpl *t, const struct tmpl_set *partials, struct json_object *ctx, struct buf *out);

/* Render t as plain text (a caption, not HTML): {{x}} is not escaped, no
 * partials. Whoever shows the result escapes it for where it goes. Returns
 * as tmpl_render(). */
int tmpl_render_text(const struct tmpl *t, struct json_object *ctx, struct buf *out);

/* ---- contexts of your own ------------------------------------------------
 * The engine reads its context only through this interface, so a page can
 * render straight from its data (a PGresult's rows, say) instead of
 * building a json-c tree per request. json-c values are one implementation
 * (tmpl_json); tmpl_render() uses it.
 *
 * A value is what a name resolves to. Objects and lists carry the
 * functions that look inside them:
 *   get(obj, name, out)  1 and *out set when obj has name, 0 when not (the
 *                        lookup then continues outwards, as for a missing key)
 *   item(obj, i, out)    element i (< n) of a list
 * Strings need not be NUL-terminated and must stay valid while rendering.
 * The engine calls only these two and never changes anything, so one
 * context may be rendered by several threads at once if its functions allow. */
enum tmpl_kind { TMPL_NULL, TMPL_BOOL, TMPL_INT, TMPL_UINT, TMPL_DOUBLE, TMPL_STR, TMPL_LIST, TMPL_OBJ };

struct tmpl_ops;

struct tmpl_value {
	enum tmpl_kind kind;
	union {
		int b;
		int64_t i;
		uint64_t u;              /* TMPL_UINT: integers above INT64_MAX */
		double d;
		struct { const char *s; size_t len; } str;
		struct { const struct tmpl_ops *ops; const void *obj; size_t n; } ref;  /* LIST (n), OBJ */
	} v;
};

struct tmpl_ops {
	int (*get)(const void *obj, const char *name, struct tmpl_value *out);
	void (*item)(const void *obj, size_t i, struct tmpl_value *out);
};

/* Constructors for get/item implementations. */
static inline struct tmpl_value tmpl_null(void) { return (struct tmpl_value){ .kind = TMPL_NULL }; }
static inline struct tmpl_value tmpl_bool(int b) { return (struct tmpl_value){ .kind = TMPL_BOOL, .v.b = b != 0 }; }
static inline struct tmpl_value tmpl_int(int64_t i) { return (struct tmpl_value){ .kind = TMPL_INT, .v.i = i }; }
static inline struct tmpl_value tmpl_str(const char *s, size_t len)
{
	return (struct tmpl_value){ .kind = TMPL_STR, .v.str = { s, len } };
}
static inline struct tmpl_value tmpl_obj(const struct tmpl_ops *ops, const void *obj)
{
	return (struct tmpl_value){ .kind = TMPL_OBJ, .v.ref = { ops, obj, 0 } };
}
static inline struct tmpl_value tmpl_list(const struct tmpl_ops *ops, const void *obj, size_t n)
{
	return (struct tmpl_value){ .kind = TMPL_LIST, .v.ref = { ops, obj, n } };
}

/* A json-c value as a context value (NULL = null). */
struct tmpl_value tmpl_json(struct json_object *o);

/* Render t with the context value root. Returns as tmpl_render(). */
int tmpl_render_value(const struct tmpl *t, const struct tmpl_set *partials, const struct tmpl_value *root,
		      struct buf *out);

#endif
