/* page_settings.c — GET/POST /settings: the user's own settings. So far the
 * time zone every page shows times in (users.time_zone, sql/030): an IANA
 * name PostgreSQL knows, picked from its own list, or the browser's zone
 * (static/timezone.js fills it in; without JavaScript the zone stays what
 * it is, UTC at first, and the page says so). */
#include "app.h"
#include "log.h"

#include <string.h>

/* The zones people pick from: PostgreSQL's IANA names, without the
 * duplicate trees (posix/, right/) and the legacy aliases without a
 * region; UTC first. */
static const struct db_stmt q_zones = { "settings_zones",
	"SELECT name FROM pg_timezone_names "
	"WHERE name = 'UTC' OR (name ~ '^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|"
	"Europe|Indian|Pacific)/' ) "
	"ORDER BY name <> 'UTC', name" };
static const struct db_stmt q_now = { "settings_now",
	"SELECT " UI_TIME("now()", "$1") " AS now_shown" };

static int show(struct request *req, int status, const char *error, const char *notice)
{
	struct json_object *ctx = page_context(req, "Settings"), *zones = json_object_new_array();
	const char *tz = page_tz(req);
	PGresult *r;
	int found = 0;

	r = db_query(page_of(req)->db, &q_zones, 0, NULL);
	if (!r) {
		json_object_put(ctx);
		json_object_put(zones);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *z = json_object_new_object();
		const char *name = db_get_text(r, i, "name");
		int sel = !strcmp(name, tz);

		found |= sel;
		json_object_object_add(z, "name", json_object_new_string(name));
		json_object_object_add(z, "selected", json_object_new_boolean(sel));
		json_object_array_add(zones, z);
	}
	PQclear(r);
	if (!found) {
		/* a zone outside the list (an alias set before): still shown as chosen */
		struct json_object *z = json_object_new_object();
		json_object_object_add(z, "name", json_object_new_string(tz));
		json_object_object_add(z, "selected", json_object_new_boolean(1));
		json_object_array_add(zones, z);
	}
	json_object_object_add(ctx, "zones", zones);
	r = db_query(page_of(req)->db, &q_now, DB_PARAMS(DB_TEXT(tz)));
	if (!r) {
		json_object_put(ctx);
		return -1;
	}
	ctx_add_str(ctx, "now_shown", db_get(r, 0, "now_shown"));
	PQclear(r);
	ctx_add_str(ctx, "time_zone", tz);
	json_object_object_add(ctx, "is_utc", json_object_new_boolean(!strcmp(tz, "UTC")));
	ctx_add_str(ctx, "error", error);
	ctx_add_str(ctx, "notice", notice);
	return render_page(req, status, "settings", ctx);
}

int page_settings(struct request *req)
{
	return show(req, 200, NULL, kv_get(&req->query, "saved") ? "Your time zone was saved." : NULL);
}

int page_settings_submit(struct request *req)
{
	const char *tz = kv_get(&req->form, "time_zone");
	int rc;

	if (!tz || !*tz)
		return show(req, 400, "Choose a time zone from the list.", NULL);
	rc = session_set_time_zone(req, tz, 1);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return show(req, 400, "That is not a time zone this site knows. Choose one from the list; "
				      "nothing was changed.", NULL);
	log_info("event=time_zone_set user=%s", log_quote(page_of(req)->user_name));
	redirect(req, 303, "/settings?saved=1");
	return 0;
}
