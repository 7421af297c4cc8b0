/* test_webhook.c — the webhook envelope and content parser (lib/webhook.c):
 * every event of tiktok-api.md §4.3/§4.4, content as a JSON string inside
 * JSON, post_id as number or string, TikTok's misspelt event name, and the
 * refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "webhook.h"

static int parse(const char *body, struct webhook_event *ev, char *err)
{
	return webhook_parse(body, strlen(body), ev, err, 128);
}

/* An envelope around content (already escaped as a JSON string literal). */
static const char *env(char *out, size_t n, const char *event, const char *content_literal)
{
	snprintf(out, n, "{\"client_key\":\"ck\",\"event\":\"%s\",\"create_time\":1700000000,"
		 "\"user_openid\":\"oid-1\",\"content\":%s}", event, content_literal);
	return out;
}

static void complete_from_the_documented_example(void **state)
{
	const char *body =
		"{\"client_key\":\"ck\",\"event\":\"post.publish.complete\",\"create_time\":1700000000,"
		"\"user_openid\":\"oid\",\"content\":\"{\\\"publish_id\\\":\\\"v_pub_file~v2-1.1\\\","
		"\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"}";
	struct webhook_event ev;
	char err[128];

	(void)state;
	assert_int_equal(parse(body, &ev, err), 0);
	assert_int_equal(ev.kind, WH_PUBLISH_COMPLETE);
	assert_string_equal(ev.event, "post.publish.complete");
	assert_string_equal(ev.client_key, "ck");
	assert_string_equal(ev.user_openid, "oid");
	assert_int_equal(ev.create_time, 1700000000);
	assert_string_equal(ev.publish_id, "v_pub_file~v2-1.1");
	assert_string_equal(ev.publish_type, "DIRECT_POST");
	assert_string_equal(ev.post_id, "");
}

static void failed_carries_the_reason(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "post.publish.failed",
	    "\"{\\\"publish_id\\\":\\\"p1\\\",\\\"reason\\\":\\\"spam_risk_too_many_posts\\\","
	    "\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_PUBLISH_FAILED);
	assert_string_equal(ev.reason, "spam_risk_too_many_posts");
	assert_string_equal(ev.publish_id, "p1");
}

static void inbox_delivered(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "post.publish.inbox_delivered",
	    "\"{\\\"publish_id\\\":\\\"p2\\\",\\\"publish_type\\\":\\\"INBOX_SHARE\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_INBOX_DELIVERED);
	assert_string_equal(ev.publish_type, "INBOX_SHARE");
}

static void post_id_as_number_or_string(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	/* a 19-digit id as a JSON number must keep every digit */
	env(b, sizeof(b), "post.publish.publicly_available",
	    "\"{\\\"publish_id\\\":\\\"p3\\\",\\\"post_id\\\":7312345678901234567,"
	    "\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_PUBLICLY_AVAILABLE);
	assert_string_equal(ev.post_id, "7312345678901234567");

	/* beyond int64 (json-c keeps it as uint64) */
	env(b, sizeof(b), "post.publish.publicly_available",
	    "\"{\\\"publish_id\\\":\\\"p3\\\",\\\"post_id\\\":12345678901234567890}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_string_equal(ev.post_id, "12345678901234567890");

	env(b, sizeof(b), "post.publish.publicly_available",
	    "\"{\\\"publish_id\\\":\\\"p3\\\",\\\"post_id\\\":\\\"7312345678901234567\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_string_equal(ev.post_id, "7312345678901234567");
}

static void misspelt_no_longer_public_event(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "post.publish.no_longer_publicaly_available",
	    "\"{\\\"publish_id\\\":\\\"p4\\\",\\\"post_id\\\":\\\"42\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_NO_LONGER_PUBLIC);
	assert_string_equal(ev.post_id, "42");
	/* the correctly spelt name is not TikTok's event: stored and ignored */
	assert_int_equal(webhook_kind_of("post.publish.no_longer_publicly_available"), WH_UNKNOWN);
	assert_int_equal(webhook_kind_of("post.publish.no_longer_publicaly_available"), WH_NO_LONGER_PUBLIC);
}

static void authorization_removed(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "authorization.removed", "\"{\\\"reason\\\":1}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_AUTH_REMOVED);
	assert_int_equal(ev.auth_reason, 1);
	assert_string_equal(ev.user_openid, "oid-1");
	assert_string_equal(webhook_auth_reason_text(1), "the account holder disconnected LangFlix in TikTok");
	assert_string_equal(webhook_auth_reason_text(99), "TikTok gave no reason");

	/* no reason at all is fine: -1, "no reason" */
	env(b, sizeof(b), "authorization.removed", "\"{}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.auth_reason, -1);

	/* without the open_id there is nothing to act on */
	assert_int_equal(parse("{\"event\":\"authorization.removed\",\"content\":\"{}\"}", &ev, err), -1);
}

static void content_as_an_object_is_accepted(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "post.publish.complete", "{\"publish_id\":\"p5\"}");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_string_equal(ev.publish_id, "p5");
}

static void unknown_events_parse_as_unknown(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	env(b, sizeof(b), "video.publish.completed", "\"{\\\"share_id\\\":\\\"x\\\"}\"");
	assert_int_equal(parse(b, &ev, err), 0);
	assert_int_equal(ev.kind, WH_UNKNOWN);
	assert_string_equal(ev.event, "video.publish.completed");
	/* even without content */
	assert_int_equal(parse("{\"event\":\"portability.download.ready\"}", &ev, err), 0);
	assert_int_equal(ev.kind, WH_UNKNOWN);
}

static void refusals(void **state)
{
	char b[512], err[128];
	struct webhook_event ev;

	(void)state;
	assert_int_equal(parse("", &ev, err), -1);
	assert_int_equal(parse("not json", &ev, err), -1);
	assert_int_equal(parse("[1,2]", &ev, err), -1);
	assert_int_equal(parse("{\"event\":\"post.publish.complete\"} trailing", &ev, err), -1);
	assert_int_equal(parse("{\"content\":\"{}\"}", &ev, err), -1);                 /* no event */
	assert_int_equal(parse("{\"event\":7}", &ev, err), -1);                        /* wrong type */
	assert_int_equal(parse("{\"event\":\"post.publish.complete\",\"create_time\":\"x\","
			       "\"content\":\"{\\\"publish_id\\\":\\\"p\\\"}\"}", &ev, err), -1);
	/* content that is a string but not JSON, or JSON but not an object */
	env(b, sizeof(b), "post.publish.complete", "\"not json\"");
	assert_int_equal(parse(b, &ev, err), -1);
	assert_true(strstr(err, "content") != NULL);
	env(b, sizeof(b), "post.publish.complete", "\"[1]\"");
	assert_int_equal(parse(b, &ev, err), -1);
	/* a publish event without publish_id, or with a number */
	env(b, sizeof(b), "post.publish.complete", "\"{}\"");
	assert_int_equal(parse(b, &ev, err), -1);
	env(b, sizeof(b), "post.publish.complete", "\"{\\\"publish_id\\\":12}\"");
	assert_int_equal(parse(b, &ev, err), -1);
	/* post ids must be digits: not a float, not text, not missing */
	env(b, sizeof(b), "post.publish.publicly_available",
	    "\"{\\\"publish_id\\\":\\\"p\\\",\\\"post_id\\\":1.5}\"");
	assert_int_equal(parse(b, &ev, err), -1);
	env(b, sizeof(b), "post.publish.publicly_available",
	    "\"{\\\"publish_id\\\":\\\"p\\\",\\\"post_id\\\":\\\"12a\\\"}\"");
	assert_int_equal(parse(b, &ev, err), -1);
	env(b, sizeof(b), "post.publish.publicly_available", "\"{\\\"publish_id\\\":\\\"p\\\"}\"");
	assert_int_equal(parse(b, &ev, err), -1);
	/* an oversized publish id does not overflow: refused */
	{
		char big[400], c[300];
		memset(c, 'x', 200);
		c[200] = '\0';
		snprintf(big, sizeof(big), "{\"event\":\"post.publish.complete\",\"content\":{\"publish_id\":\"%s\"}}", c);
		assert_int_equal(parse(big, &ev, err), -1);
	}
	/* a NUL inside the body is refused */
	assert_int_equal(webhook_parse("{\"event\":\"a\"}\0x", 15, &ev, err, sizeof(err)), -1);
}

static void post_url(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(jobs_post_url("lang.flix_1", "7312345678901234567", &b), 0);
	assert_string_equal(buf_cstr(&b), "https://www.tiktok.com/@lang.flix_1/video/7312345678901234567");
	buf_reset(&b);
	assert_int_equal(jobs_post_url("", "1", &b), -1);
	assert_int_equal(jobs_post_url("a/b", "1", &b), -1);
	assert_int_equal(jobs_post_url("ab", "1x", &b), -1);
	assert_int_equal(jobs_post_url(NULL, "1", &b), -1);
	assert_int_equal(b.len, 0);
	/* no public id yet: the profile */
	assert_int_equal(jobs_post_url("lang.flix_1", NULL, &b), 0);
	assert_string_equal(buf_cstr(&b), "https://www.tiktok.com/@lang.flix_1");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_from_the_documented_example),
		cmocka_unit_test(failed_carries_the_reason),
		cmocka_unit_test(inbox_delivered),
		cmocka_unit_test(post_id_as_number_or_string),
		cmocka_unit_test(misspelt_no_longer_public_event),
		cmocka_unit_test(authorization_removed),
		cmocka_unit_test(content_as_an_object_is_accepted),
		cmocka_unit_test(unknown_events_parse_as_unknown),
		cmocka_unit_test(refusals),
		cmocka_unit_test(post_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
