/* fuzz_webhook — TikTok's webhook envelope (webhook_parse): the JSON
 * object whose "content" is JSON again, serialised as a string. Whatever
 * arrives (after a valid signature, so from TikTok or from whoever holds
 * the secret): no crash, fixed buffers stay NUL-terminated, the kind agrees
 * with the event name, post ids are digits, and the post URL built from
 * them is a tiktok.com address. */
#include "fuzz.h"

#include "buf.h"
#include "jobs.h"
#include "webhook.h"

#define TERMINATED(a) FUZZ_CHECK(memchr((a), 0, sizeof(a)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);   /* no NUL: len must be respected */
	struct webhook_event ev;
	char err[128];
	struct buf url = BUF_INIT;

	memcpy(body, data, size);
	memset(&ev, 0x55, sizeof(ev));
	err[0] = '\0';
	if (webhook_parse(body, size, &ev, err, sizeof(err)) == 0) {
		TERMINATED(ev.event);
		TERMINATED(ev.client_key);
		TERMINATED(ev.user_openid);
		TERMINATED(ev.publish_id);
		TERMINATED(ev.publish_type);
		TERMINATED(ev.post_id);
		TERMINATED(ev.reason);
		FUZZ_CHECK(ev.kind == webhook_kind_of(ev.event));
		for (const char *p = ev.post_id; *p; p++)
			FUZZ_CHECK(*p >= '0' && *p <= '9');
		if (ev.kind == WH_PUBLICLY_AVAILABLE || ev.kind == WH_NO_LONGER_PUBLIC)
			FUZZ_CHECK(ev.post_id[0] != '\0');
		if (ev.kind >= WH_PUBLISH_COMPLETE && ev.kind <= WH_NO_LONGER_PUBLIC)
			FUZZ_CHECK(ev.publish_id[0] != '\0');
		FUZZ_CHECK(webhook_auth_reason_text(ev.auth_reason) != NULL);
		/* the user name is fuzzed too: the part of the body before a NUL */
		const char *user = memchr(data, 0, size) ? (const char *)data : "max.payne";
		if (jobs_post_url(user, ev.post_id, &url) == 0) {
			FUZZ_CHECK(strncmp(url.data, "https://www.tiktok.com/@", 24) == 0);
			FUZZ_CHECK(!strpbrk(url.data, "\"<> \\'"));
		}
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	buf_free(&url);
	free(body);
	return 0;
}
