/* fuzz_tiktok_json — TikTok's JSON answers through every pure parser the
 * app and the worker use: the error envelope (tiktok_parse_error), tokens,
 * user info, creator_info, post init and status/fetch, then the error
 * classification table. Whatever TikTok (or an attacker in the middle)
 * sends: no crash, fixed buffers stay NUL-terminated, a successful parse
 * gives the fields each parser documents as required. */
#include "fuzz.h"

#include <json-c/json.h>

#include "tiktok.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"

#define TERMINATED(a) FUZZ_CHECK(memchr((a), 0, sizeof(a)) != NULL)

static void check_error(struct json_object *o)
{
	struct tiktok_result r;
	const char *reason = NULL;
	char line[512];

	tiktok_result_init(&r);
	r.outcome = TT_API;
	r.http_status = 400;
	tiktok_parse_error(o, &r);
	TERMINATED(r.error);
	TERMINATED(r.message);
	TERMINATED(r.log_id);
	tiktok_error_classify(&r, &reason);
	FUZZ_CHECK(reason != NULL);
	tiktok_result_describe(&r, line, sizeof(line));
	FUZZ_CHECK(memchr(line, 0, sizeof(line)) != NULL);
	(void)tiktok_error_lookup(r.error);
	(void)tiktok_fail_reason_text(r.error, NULL);
	(void)tiktok_grant_dead(&r);
	tiktok_result_free(&r);   /* r.json is NULL: the body stays ours */
}

static void check_token(struct json_object *o)
{
	struct tiktok_token t;

	memset(&t, 0x55, sizeof(t));
	if (tiktok_parse_token(o, &t) == 0) {
		TERMINATED(t.access_token);
		TERMINATED(t.refresh_token);
		TERMINATED(t.open_id);
		TERMINATED(t.scope);
		FUZZ_CHECK(t.access_token[0] != '\0');
		(void)tiktok_scopes_parse(t.scope);
	}
	tiktok_token_clear(&t);
}

static void check_user(struct json_object *o)
{
	struct tiktok_user u;

	memset(&u, 0x55, sizeof(u));
	if (tiktok_parse_user(o, &u) == 0) {
		TERMINATED(u.open_id);
		TERMINATED(u.union_id);
		TERMINATED(u.display_name);
		TERMINATED(u.username);
		TERMINATED(u.avatar_url);
	}
}

static void check_creator(struct json_object *o)
{
	struct tiktok_creator c;

	memset(&c, 0x55, sizeof(c));
	if (tiktok_parse_creator(o, &c) == 0) {
		TERMINATED(c.nickname);
		TERMINATED(c.username);
		TERMINATED(c.avatar_url);
		FUZZ_CHECK(c.nickname[0] != '\0');
		FUZZ_CHECK(c.n_privacy >= 1 && c.n_privacy <= TT_PRIVACY_MAX);
		for (int i = 0; i < c.n_privacy; i++) {
			TERMINATED(c.privacy[i]);
			FUZZ_CHECK(tiktok_creator_has_privacy(&c, c.privacy[i]));
			FUZZ_CHECK(tiktok_privacy_label(c.privacy[i]) != NULL);
		}
		FUZZ_CHECK(c.max_duration_sec >= 0);
		(void)tiktok_creator_posts_private(&c);
	}
}

static void check_post(struct json_object *o)
{
	struct tiktok_init in;
	struct tiktok_status st;

	memset(&in, 0x55, sizeof(in));
	if (tiktok_parse_init(o, &in) == 0) {
		TERMINATED(in.publish_id);
		TERMINATED(in.upload_url);
		FUZZ_CHECK(in.publish_id[0] != '\0');
	}
	memset(&st, 0x55, sizeof(st));
	if (tiktok_parse_status(o, &st) == 0) {
		TERMINATED(st.status);
		TERMINATED(st.fail_reason);
		FUZZ_CHECK(st.n_post_ids >= 0 && st.n_post_ids <= TT_POST_IDS_MAX);
		for (int i = 0; i < st.n_post_ids; i++) {
			TERMINATED(st.post_ids[i]);
			for (const char *p = st.post_ids[i]; *p; p++)
				FUZZ_CHECK(*p >= '0' && *p <= '9');
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);

	json_tokener_free(tok);
	if (!o)
		return 0;
	check_error(o);
	check_token(o);
	check_user(o);
	check_creator(o);
	check_post(o);
	json_object_put(o);
	return 0;
}
