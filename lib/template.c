/* template.c — Mustache: a one-pass parser into a node tree, and a renderer
 * that walks the tree with the context stack kept on the C stack.
 *
 * Standalone lines are decided at parse time, so the tree already has them
 * removed. Indentation of standalone partials follows the spec's model of
 * "indent every line of the partial's source": each node that starts a source
 * line carries a flag (bol), and the renderer writes the current indentation
 * before such nodes and after every newline inside a text node that is
 * followed by more text. Tags that start a line but are not standalone get an
 * empty text node with the flag in front of them, so the indentation is
 * written even when the tag itself renders nothing.
 */
#include "template.h"

#include "arena.h"
#include "escape.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DELIM 15
/* Sections plus partials nested while rendering; bounds the C stack used by
 * a recursive partial even when each level nests several sections. */
#define MAX_RENDER_DEPTH 512

enum tkind { T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_PARTIAL };

struct tnode {
	enum tkind kind;
	bool bol;               /* starts a line of the source (see the top comment) */
	bool standalone;        /* PARTIAL: alone on its line, so it indents */
	const char *text;       /* TEXT: the literal (into tmpl->src); else the tag's name */
	size_t len;
	char **parts;           /* VAR, RAW, SECTION, INVERTED: the dotted name split */
	size_t nparts;          /* 0 means "." (the current context) */
	const char *indent;     /* standalone PARTIAL: the whitespace before the tag */
	size_t indent_len;
	uint32_t hash;          /* PARTIAL: hash of the name, for the set lookup */
	struct tnode *child;    /* SECTION, INVERTED */
	struct tnode *next;
};

struct tmpl {
	char *name;
	char *src;
	struct tnode *root;
	struct arena mem;
};

struct set_entry {
	char *name;
	uint32_t hash;
	struct tmpl *t;
};

struct tmpl_set {
	struct set_entry *v;
	size_t n, cap;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* ---------------------------------------------------------------- parsing */

struct open_section {
	struct tnode *sec;      /* NULL for the template's top level */
	struct tnode **tail;    /* where the next child goes */
	size_t at;              /* offset of the opening tag, for errors */
};

struct parser {
	struct tmpl *t;
	const char *s;
	size_t n;
	char otag[MAX_DELIM + 1], ctag[MAX_DELIM + 1];
	size_t olen, clen;
	char *err;
	size_t errlen;
	struct open_section open[TMPL_MAX_SECTION_DEPTH + 1];
	int depth;
};

struct tag {
	char sigil;             /* 0 (variable) or one of { & # ^ / ! > = */
	size_t start, end;      /* the whole tag, delimiters included */
	const char *body;       /* between sigil and closing delimiter */
	size_t body_len;
};

static size_t line_of(const char *s, size_t pos)
{
	size_t line = 1;

	for (size_t i = 0; i < pos; i++)
		if (s[i] == '\n')
			line++;
	return line;
}

static int fail(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%zu: %s", p->t->name, line_of(p->s, at), msg);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

static struct tnode *new_node(struct parser *p, enum tkind kind)
{
	struct tnode *nd = arena_alloc(&p->t->mem, sizeof(*nd));
	struct open_section *top = &p->open[p->depth];

	nd->kind = kind;
	*top->tail = nd;
	top->tail = &nd->next;
	return nd;
}

static void add_text(struct parser *p, size_t from, size_t to, bool bol)
{
	struct tnode *nd;

	if (to <= from)
		return;
	nd = new_node(p, T_TEXT);
	nd->text = p->s + from;
	nd->len = to - from;
	nd->bol = bol;
}

/* An empty text node that only carries "a line starts here". */
static void add_line_mark(struct parser *p)
{
	struct tnode *nd = new_node(p, T_TEXT);

	nd->text = "";
	nd->bol = true;
}

/* Find the tag that starts at `start` (which holds the opening delimiter). */
static int scan_tag(struct parser *p, size_t start, struct tag *tg)
{
	char closer[MAX_DELIM + 2];
	size_t i = start + p->olen, clen = 0;
	const char *found;

	tg->start = start;
	tg->sigil = 0;
	if (i < p->n && p->s[i] != '\0' && strchr("{&#^/!>=", p->s[i]))
		tg->sigil = p->s[i++];
	if (tg->sigil == '{' || tg->sigil == '=')
		closer[clen++] = tg->sigil == '{' ? '}' : '=';
	memcpy(closer + clen, p->ctag, p->clen);
	clen += p->clen;
	found = memmem(p->s + i, p->n - i, closer, clen);
	if (!found)
		return fail(p, start, "unclosed tag (no '%.*s')", (int)clen, closer);
	tg->body = p->s + i;
	tg->body_len = (size_t)(found - tg->body);
	tg->end = (size_t)(found - p->s) + clen;
	return 0;
}

static bool can_be_standalone(char sigil)
{
	return sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' ||
	       sigil == '>' || sigil == '=';
}

/* A tag is standalone when only spaces and tabs share its line. seg is where
 * the text before the tag starts, seg_bol whether that is a line start.
 * On success *ls is where the line's leading whitespace starts and *next is
 * the offset after the line end (newline consumed). */
static bool is_standalone(const struct parser *p, size_t seg, bool seg_bol,
			  const struct tag *tg, size_t *ls, size_t *next)
{
	const char *s = p->s;
	size_t b = tg->start, e = tg->end;

	while (b > seg && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	if (b > seg ? s[b - 1] != '\n' : !seg_bol)
		return false;
	while (e < p->n && (s[e] == ' ' || s[e] == '\t'))
		e++;
	if (e == p->n)
		*next = e;
	else if (s[e] == '\n')
		*next = e + 1;
	else if (s[e] == '\r' && e + 1 < p->n && s[e + 1] == '\n')
		*next = e + 2;
	else
		return false;
	*ls = b;
	return true;
}

static int set_delimiters(struct parser *p, const struct tag *tg)
{
	const char *b = tg->body, *o, *c;
	size_t n = tg->body_len, olen = 0, clen;

	trim(&b, &n);
	o = b;
	while (olen < n && !is_blank(o[olen]))
		olen++;
	c = o + olen;
	clen = n - olen;
	trim(&c, &clen);
	for (size_t i = 0; i < clen; i++)
		if (is_blank(c[i]))
			clen = 0;
	if (!olen || !clen || olen > MAX_DELIM || clen > MAX_DELIM ||
	    memchr(o, '=', olen) || memchr(c, '=', clen))
		return fail(p, tg->start, "bad set-delimiter tag '%.*s'",
			    (int)(tg->end - tg->start), p->s + tg->start);
	memcpy(p->otag, o, olen);
	p->otag[olen] = '\0';
	p->olen = olen;
	memcpy(p->ctag, c, clen);
	p->ctag[clen] = '\0';
	p->clen = clen;
	return 0;
}

/* Split a dotted name into its parts once, so rendering only looks up. */
static int set_name(struct parser *p, const struct tag *tg, struct tnode *nd, bool dotted)
{
	const char *name = tg->body;
	size_t n = tg->body_len, k = 0;

	trim(&name, &n);
	if (n == 0)
		return fail(p, tg->start, "empty tag name");
	nd->text = arena_strndup(&p->t->mem, name, n);
	nd->len = n;
	nd->hash = name_hash(nd->text);
	if (!dotted || (n == 1 && name[0] == '.'))
		return 0;
	nd->nparts = 1;
	for (size_t i = 0; i < n; i++)
		nd->nparts += name[i] == '.';
	nd->parts = arena_alloc(&p->t->mem, nd->nparts * sizeof(char *));
	for (size_t i = 0, from = 0; i <= n; i++) {
		if (i < n && name[i] != '.')
			continue;
		if (i == from)
			return fail(p, tg->start, "bad name '%.*s'", (int)n, name);
		nd->parts[k++] = arena_strndup(&p->t->mem, name + from, i - from);
		from = i + 1;
	}
	return 0;
}

static int open_section(struct parser *p, const struct tag *tg)
{
	struct tnode *nd;

	if (p->depth >= TMPL_MAX_SECTION_DEPTH)
		return fail(p, tg->start, "sections nested deeper than %d", TMPL_MAX_SECTION_DEPTH);
	nd = new_node(p, tg->sigil == '#' ? T_SECTION : T_INVERTED);
	if (set_name(p, tg, nd, true) < 0)
		return -1;
	p->depth++;
	p->open[p->depth].sec = nd;
	p->open[p->depth].tail = &nd->child;
	p->open[p->depth].at = tg->start;
	return 0;
}

static int close_section(struct parser *p, const struct tag *tg)
{
	const char *name = tg->body;
	size_t n = tg->body_len;
	const struct open_section *top = &p->open[p->depth];

	trim(&name, &n);
	if (p->depth == 0)
		return fail(p, tg->start, "close tag '%.*s' without an open section", (int)n, name);
	if (n != top->sec->len || memcmp(name, top->sec->text, n) != 0)
		return fail(p, tg->start, "mismatched close tag '%.*s': section '%s' opened at line %zu",
			    (int)n, name, top->sec->text, line_of(p->s, top->at));
	p->depth--;
	return 0;
}

static int apply_tag(struct parser *p, const struct tag *tg, bool standalone,
		     size_t indent_from)
{
	struct tnode *nd;

	switch (tg->sigil) {
	case '!':
		return 0;
	case '=':
		return set_delimiters(p, tg);
	case '#':
	case '^':
		return open_section(p, tg);
	case '/':
		return close_section(p, tg);
	case '>':
		nd = new_node(p, T_PARTIAL);
		nd->standalone = standalone;
		if (standalone) {
			nd->indent = p->s + indent_from;
			nd->indent_len = tg->start - indent_from;
		}
		return set_name(p, tg, nd, false);
	default:
		nd = new_node(p, tg->sigil ? T_RAW : T_VAR);
		return set_name(p, tg, nd, true);
	}
}

static int parse(struct parser *p)
{
	size_t pos = 0, seg = 0;
	bool seg_bol = true;

	for (;;) {
		const char *o = memmem(p->s + pos, p->n - pos, p->otag, p->olen);
		size_t ls = 0, next = 0;
		bool standalone;
		struct tag tg;

		if (!o) {
			add_text(p, seg, p->n, seg_bol);
			break;
		}
		if (scan_tag(p, (size_t)(o - p->s), &tg) < 0)
			return -1;
		standalone = can_be_standalone(tg.sigil) &&
			     is_standalone(p, seg, seg_bol, &tg, &ls, &next);
		if (standalone) {
			add_text(p, seg, ls, seg_bol);
			pos = next;
			seg_bol = true;
		} else {
			bool tag_bol = tg.start == seg ? seg_bol : p->s[tg.start - 1] == '\n';
			add_text(p, seg, tg.start, seg_bol);
			if (tag_bol)
				add_line_mark(p);
			pos = tg.end;
			seg_bol = false;
		}
		seg = pos;
		if (apply_tag(p, &tg, standalone, ls) < 0)
			return -1;
	}
	if (p->depth > 0)
		return fail(p, p->open[p->depth].at, "unclosed section '%s'", p->open[p->depth].sec->text);
	return 0;
}

struct tmpl *tmpl_parse(const char *src, size_t len, const char *name, char *err, size_t errlen)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct parser *p = xcalloc(1, sizeof(*p));   /* the open-section stack is large */

	arena_init(&t->mem);
	t->name = xstrdup(name ? name : "template");
	t->src = xmalloc(len + 1);
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';

	p->t = t;
	p->s = t->src;
	p->n = len;
	strcpy(p->otag, "{{");
	strcpy(p->ctag, "}}");
	p->olen = p->clen = 2;
	p->err = err;
	p->errlen = errlen;
	p->open[0].tail = &t->root;
	if (parse(p) < 0) {
		tmpl_free(t);
		t = NULL;
	}
	free(p);
	return t;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	arena_free(&t->mem);
	free(t->src);
	free(t->name);
	free(t);
}

const char *tmpl_name(const struct tmpl *t)
{
	return t->name;
}

/* -------------------------------------------------------------- rendering */

struct frame {                  /* the context stack, innermost first */
	struct tmpl_value v;
	const struct frame *up;
};

struct indent {                 /* indentation of nested standalone partials */
	const char *s;
	size_t n;
	const struct indent *outer;
};

struct render {
	const struct tmpl_set *set;
	struct buf *out;
	const struct indent *ind;   /* NULL: no indentation */
	int partials;               /* partial nesting */
	int depth;                  /* sections + partials nesting */
	int text;                   /* plain text out: {{x}} is not HTML-escaped */
};

static const struct tmpl *set_find(const struct tmpl_set *s, const char *name, uint32_t h)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].hash == h && strcmp(s->v[i].name, name) == 0)
			return s->v[i].t;
	return NULL;
}

/* ---- json-c as a context (tmpl_json) ---- */

static int json_get(const void *obj, const char *name, struct tmpl_value *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex((struct json_object *)obj, name, &v))
		return 0;
	*out = tmpl_json(v);
	return 1;
}

static void json_item(const void *obj, size_t i, struct tmpl_value *out)
{
	*out = tmpl_json(json_object_array_get_idx((struct json_object *)obj, i));
}

static const struct tmpl_ops json_ops = { json_get, json_item };

/* Only calls that read the object: json_object_to_json_string would cache
 * a string inside it, which is not safe with a context shared by threads. */
struct tmpl_value tmpl_json(struct json_object *o)
{
	int64_t i;

	switch (json_object_get_type(o)) {
	case json_type_boolean:
		return tmpl_bool(json_object_get_boolean(o));
	case json_type_int:
		/* json-c keeps integers above INT64_MAX as unsigned; get_int64 clamps them */
		i = json_object_get_int64(o);
		if (i == INT64_MAX)
			return (struct tmpl_value){ .kind = TMPL_UINT, .v.u = json_object_get_uint64(o) };
		return tmpl_int(i);
	case json_type_double:
		return (struct tmpl_value){ .kind = TMPL_DOUBLE, .v.d = json_object_get_double(o) };
	case json_type_string:
		return tmpl_str(json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_array:
		return tmpl_list(&json_ops, o, json_object_array_length(o));
	case json_type_object:
		return tmpl_obj(&json_ops, o);
	default:
		return tmpl_null();
	}
}

/* Spec lookup: the first part is searched from the innermost context out
 * (the first object having the key wins, even when its value is null); the
 * other parts only inside what the previous part resolved to. */
static bool lookup(const struct tnode *nd, const struct frame *f, struct tmpl_value *out)
{
	struct tmpl_value v;

	if (nd->nparts == 0) {
		*out = f->v;
		return true;
	}
	for (; f; f = f->up)
		if (f->v.kind == TMPL_OBJ && f->v.v.ref.ops->get(f->v.v.ref.obj, nd->parts[0], &v))
			break;
	if (!f)
		return false;
	for (size_t i = 1; i < nd->nparts; i++)
		if (v.kind != TMPL_OBJ || !v.v.ref.ops->get(v.v.ref.obj, nd->parts[i], &v))
			return false;
	*out = v;
	return true;
}

static bool is_falsey(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TMPL_NULL:
		return true;
	case TMPL_BOOL:
		return !v->v.b;
	case TMPL_LIST:
		return v->v.ref.n == 0;
	default:
		return false;
	}
}

/* Decimal digits by hand: the dashboard prints thousands of numbers and
 * printf's format parsing dominated the render time. */
static void put_u64(struct buf *out, uint64_t u, bool negative)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (negative)
		*--p = '-';
	buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void put_double(struct buf *out, double d)
{
	char tmp[40];

	/* whole numbers below 1e15 print as %.15g would, without printf */
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d && (d != 0 || !signbit(d))) {
		int64_t i = (int64_t)d;
		put_u64(out, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i, i < 0);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	buf_puts(out, tmp);
}

static void put_value(struct buf *out, const struct tmpl_value *v, bool escape)
{
	switch (v->kind) {
	case TMPL_STR:
		if (escape)
			html_escape(out, v->v.str.s, v->v.str.len);
		else
			buf_append(out, v->v.str.s, v->v.str.len);
		break;
	case TMPL_INT:
		put_u64(out, v->v.i < 0 ? (uint64_t)0 - (uint64_t)v->v.i : (uint64_t)v->v.i, v->v.i < 0);
		break;
	case TMPL_UINT:
		put_u64(out, v->v.u, false);
		break;
	case TMPL_DOUBLE:
		put_double(out, v->v.d);
		break;
	case TMPL_BOOL:
		buf_puts(out, v->v.b ? "true" : "false");
		break;
	default:
		break;
	}
}

static void put_indent(struct buf *out, const struct indent *ind)
{
	if (!ind)
		return;
	put_indent(out, ind->outer);
	buf_append(out, ind->s, ind->n);
}

static void put_text(const struct tnode *nd, struct render *r)
{
	const char *s = nd->text, *end = nd->text + nd->len, *nl;

	if (!r->ind) {
		buf_append(r->out, s, nd->len);
		return;
	}
	if (nd->bol)
		put_indent(r->out, r->ind);
	while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL && nl + 1 < end) {
		buf_append(r->out, s, (size_t)(nl + 1 - s));
		put_indent(r->out, r->ind);
		s = nl + 1;
	}
	buf_append(r->out, s, (size_t)(end - s));
}

static int render_nodes(const struct tnode *nd, const struct frame *f, struct render *r);

static int render_with(const struct tnode *nd, const struct tmpl_value *v, const struct frame *f,
		       struct render *r)
{
	struct frame inner = { *v, f };

	return render_nodes(nd->child, &inner, r);
}

static int render_section(const struct tnode *nd, const struct frame *f, struct render *r)
{
	struct tmpl_value v;

	if (!lookup(nd, f, &v) || is_falsey(&v))
		return 0;
	if (v.kind == TMPL_LIST) {
		for (size_t i = 0; i < v.v.ref.n; i++) {
			struct tmpl_value item;
			v.v.ref.ops->item(v.v.ref.obj, i, &item);
			if (render_with(nd, &item, f, r) < 0)
				return -1;
		}
		return 0;
	}
	return render_with(nd, &v, f, r);
}

static int render_inverted(const struct tnode *nd, const struct frame *f, struct render *r)
{
	struct tmpl_value v;

	if (lookup(nd, f, &v) && !is_falsey(&v))
		return 0;
	return render_nodes(nd->child, f, r);
}

static int render_partial(const struct tnode *nd, const struct frame *f, struct render *r)
{
	const struct tmpl *t = set_find(r->set, nd->text, nd->hash);
	const struct indent *saved = r->ind;
	struct indent own = { nd->indent, nd->indent_len, r->ind };
	int rc;

	if (!t)
		return 0;
	if (r->partials >= TMPL_MAX_PARTIAL_DEPTH)
		return -1;
	/* Only a standalone partial indents; an inline one is inserted as is. */
	r->ind = nd->standalone ? &own : NULL;
	r->partials++;
	rc = render_nodes(t->root, f, r);
	r->partials--;
	r->ind = saved;
	return rc;
}

static int render_nodes(const struct tnode *nd, const struct frame *f, struct render *r)
{
	struct tmpl_value v;
	int rc = 0;

	if (++r->depth > MAX_RENDER_DEPTH) {
		r->depth--;
		return -1;
	}
	for (; nd && rc == 0; nd = nd->next) {
		switch (nd->kind) {
		case T_TEXT:
			put_text(nd, r);
			break;
		case T_VAR:
		case T_RAW:
			if (lookup(nd, f, &v))
				put_value(r->out, &v, nd->kind == T_VAR && !r->text);
			break;
		case T_SECTION:
			rc = render_section(nd, f, r);
			break;
		case T_INVERTED:
			rc = render_inverted(nd, f, r);
			break;
		case T_PARTIAL:
			rc = render_partial(nd, f, r);
			break;
		}
	}
	r->depth--;
	return rc;
}

int tmpl_render_value(const struct tmpl *t, const struct tmpl_set *partials, const struct tmpl_value *root,
		      struct buf *out)
{
	struct frame bottom = { *root, NULL };
	struct render r = { partials, out, NULL, 0, 0, 0 };

	buf_grow(out, 0);   /* out stays a valid C string even if nothing is written */
	return render_nodes(t->root, &bottom, &r);
}

int tmpl_render_text(const struct tmpl *t, struct json_object *ctx, struct buf *out)
{
	struct tmpl_value root = tmpl_json(ctx);
	struct frame bottom = { root, NULL };
	struct render r = { NULL, out, NULL, 0, 0, 1 };

	buf_grow(out, 0);
	return render_nodes(t->root, &bottom, &r);
}

int tmpl_render(const struct tmpl *t, const struct tmpl_set *partials, struct json_object *ctx,
		struct buf *out)
{
	struct tmpl_value root = tmpl_json(ctx);

	return tmpl_render_value(t, partials, &root, out);
}

/* -------------------------------------------------------------------- sets */

struct tmpl_set *tmpl_set_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

/* errname names the source in parse errors (a file path when loading). */
static int set_add(struct tmpl_set *s, const char *name, const char *errname,
		   const char *src, size_t len, char *err, size_t errlen)
{
	uint32_t h = name_hash(name);
	struct tmpl *t;

	if (set_find(s, name, h)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: a template named '%s' is already loaded", errname, name);
		return -1;
	}
	t = tmpl_parse(src, len, errname, err, errlen);
	if (!t)
		return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].name = xstrdup(name);
	s->v[s->n].hash = h;
	s->v[s->n].t = t;
	s->n++;
	return 0;
}

int tmpl_set_add(struct tmpl_set *s, const char *name, const char *src, size_t len, char *err,
		 size_t errlen)
{
	return set_add(s, name, name, src, len, err, errlen);
}

static int read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_template_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name), ext = strlen(".mustache");

	return d->d_name[0] != '.' && n > ext && strcmp(d->d_name + n - ext, ".mustache") == 0;
}

/* Add every *.mustache in dir, in name order. missing_ok: a missing dir is fine. */
static int load_dir(struct tmpl_set *s, const char *dir, bool missing_ok, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	struct buf path = BUF_INIT, src = BUF_INIT;
	int n = scandir(dir, &names, is_template_file, by_name), rc = 0;

	if (n < 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *name = names[i]->d_name;

		if (rc == 0) {
			buf_reset(&path);
			buf_printf(&path, "%s/%s", dir, name);
			buf_reset(&src);
			name[strlen(name) - strlen(".mustache")] = '\0';
			if (read_file(path.data, &src, err, errlen) < 0 ||
			    set_add(s, name, path.data, buf_cstr(&src), src.len, err, errlen) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	buf_free(&path);
	buf_free(&src);
	return rc;
}

struct tmpl_set *tmpl_set_load(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *s = tmpl_set_new();
	struct buf sub = BUF_INIT;
	int rc;

	buf_printf(&sub, "%s/partials", dir);
	rc = load_dir(s, dir, false, err, errlen);
	if (rc == 0)
		rc = load_dir(s, sub.data, true, err, errlen);
	buf_free(&sub);
	if (rc < 0) {
		tmpl_set_free(s);
		return NULL;
	}
	return s;
}

const struct tmpl *tmpl_set_get(const struct tmpl_set *s, const char *name)
{
	return set_find(s, name, name_hash(name));
}

void tmpl_set_free(struct tmpl_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		tmpl_free(s->v[i].t);
	}
	free(s->v);
	free(s);
}
