/* render.c — pages from templates, error pages and redirects. */
#include "app.h"
#include "log.h"

#include <string.h>

struct json_object *page_context(struct request *req, const char *title)
{
	struct page *pg = page_of(req);
	struct json_object *ctx = json_object_new_object();

	json_object_object_add(ctx, "title", json_object_new_string(title));
	json_object_object_add(ctx, "request_id", json_object_new_string(req->id));
	if (pg && pg->user_id) {
		struct json_object *u = json_object_new_object();
		json_object_object_add(u, "name", json_object_new_string(pg->user_name));
		json_object_object_add(u, "time_zone", json_object_new_string(page_tz(req)));
		json_object_object_add(ctx, "user", u);
		/* the zone every time on the page is shown in (pages name it) */
		json_object_object_add(ctx, "user_tz", json_object_new_string(page_tz(req)));
	}
	if (pg && pg->csrf)
		json_object_object_add(ctx, "csrf", json_object_new_string(pg->csrf));
	return ctx;
}

int render_page_value(struct request *req, int status, const char *name, const struct tmpl_value *ctx)
{
	const struct tmpl *t = tmpl_set_get(app.templates, name);

	if (!t) {
		log_error("event=template_missing name=%s", name);
		return -1;
	}
	buf_reset(&req->out);
	if (tmpl_render_value(t, app.templates, ctx, &req->out) < 0) {
		log_error("event=template_failed name=%s", name);
		buf_reset(&req->out);
		return -1;
	}
	req->status = status;
	req_header(req, "Content-Type: " CONTENT_HTML);
	return 0;
}

int render_page(struct request *req, int status, const char *name, struct json_object *ctx)
{
	struct tmpl_value v = tmpl_json(ctx);
	int rc = render_page_value(req, status, name, &v);

	json_object_put(ctx);
	return rc;
}

int render_error(struct request *req, int status, const char *title, const char *detail)
{
	struct json_object *ctx = page_context(req, title);

	json_object_object_add(ctx, "status", json_object_new_int(status));
	json_object_object_add(ctx, "detail", json_object_new_string(detail));
	if (render_page(req, status, "error", ctx) < 0) {
		/* the templates themselves failed: plain text, still honest */
		req->status = status;
		buf_reset(&req->out);
		buf_printf(&req->out, "%s\n%s\n", title, detail);
		req_header(req, "Content-Type: text/plain; charset=utf-8");
	}
	return 0;
}

void redirect(struct request *req, int status, const char *location)
{
	/* a header value never carries a control byte or a space, whatever
	 * built it: browsers drop TABs and line breaks from a Location, which
	 * turns "/\t/host" into the other site "//host" */
	for (const char *p = location; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) {
			location = "/";
			break;
		}
	req->status = status;
	req_header(req, "Location: %s", location);
	buf_reset(&req->out);
}
