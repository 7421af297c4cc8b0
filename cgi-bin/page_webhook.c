/* page_webhook.c — POST /webhooks/tiktok (tiktok-api.md §4).
 *
 * Order matters: the raw body is read (at most WEBHOOK_MAX_BODY bytes),
 * the TikTok-Signature header is checked over t + "." + those exact bytes
 * with the client secret (constant-time, lib/tiktok_sig.h) and the
 * timestamp must be within WEBHOOK_TOLERANCE_SEC of now; only then is the
 * JSON parsed. Refusals:
 *   400  no or malformed signature header, a body that is not a webhook
 *   401  a signature that does not match (forged), or a stale timestamp
 *        (a captured request replayed later)
 *   413  a body over the limit;  503  no client secret configured
 * A verified event is stored once (keyed by the SHA-256 of the body) and
 * applied in the same short transaction (lib/webhook.h), then answered
 * 200. A delivery whose body was stored before — TikTok's at-least-once
 * retry, or a replay inside the 5 minutes with a valid signature — is
 * answered 200 and changes nothing. A database failure is answered 500,
 * nothing is stored, and TikTok delivers again (it retries for 72 h).
 *
 * The work per event is a few indexed statements, well under TikTok's
 * timeout, so it is done before answering rather than handed to a queue:
 * a 200 then always means "stored and applied". */
#include "app.h"
#include "log.h"
#include "metrics.h"
#include "tiktok_sig.h"
#include "util.h"
#include "webhook.h"

#include <stdint.h>
#include <string.h>

#define WEBHOOK_MAX_BODY      (64 * 1024)   /* TikTok's events are a few hundred bytes */
#define WEBHOOK_TOLERANCE_SEC 300

static int answer(struct request *req, int status, const char *result, const char *text)
{
	metrics_webhook(result);
	req->status = status;
	req_header(req, "Content-Type: application/json");
	buf_printf(&req->out, "{\"result\":\"%s\",\"message\":\"%s\"}\n", result, text);
	return 0;
}

int page_webhook_tiktok(struct request *req)
{
	const char *sig = req_get_header(req, "TikTok-Signature");
	const char *secret = app.cfg.tiktok_client_secret;
	const char *result = NULL;
	struct webhook_event ev;
	char err[128], sig_hex[65];
	int64_t sig_t;
	int rc;

	rc = req_read_body(req, WEBHOOK_MAX_BODY);
	if (rc == 413)
		return answer(req, 413, "malformed", "body too large");
	if (rc < 0)
		return answer(req, 400, "malformed", "the body could not be read");
	if (!secret || !*secret) {
		log_error("event=webhook_refused why=%s", log_quote("tiktok_client_secret is not set"));
		return answer(req, 503, "error", "webhooks are not configured");
	}
	if (!sig) {
		log_warn("event=webhook_refused why=no_signature remote=%s", log_quote(req->remote_addr));
		return answer(req, 400, "bad_signature", "missing TikTok-Signature");
	}
	if (tiktok_signature_parse(sig, &sig_t, sig_hex) < 0) {
		log_warn("event=webhook_refused why=malformed_signature remote=%s", log_quote(req->remote_addr));
		return answer(req, 400, "bad_signature", "malformed TikTok-Signature (t=<seconds>,s=<hex>)");
	}
	/* first the signature alone, then its age: the two refusals differ in
	 * the logs and metrics (forgery attempt vs replay or clock skew) */
	if (tiktok_signature_verify(sig, secret, req->body, req->body_len, now_unix(), INT64_MAX / 4) < 0) {
		log_warn("event=webhook_refused why=bad_signature remote=%s", log_quote(req->remote_addr));
		return answer(req, 401, "bad_signature", "signature mismatch");
	}
	if (tiktok_signature_verify(sig, secret, req->body, req->body_len, now_unix(),
				    WEBHOOK_TOLERANCE_SEC) < 0) {
		log_warn("event=webhook_refused why=stale_timestamp remote=%s", log_quote(req->remote_addr));
		return answer(req, 401, "stale", "timestamp outside the tolerance");
	}
	if (webhook_parse(req->body, req->body_len, &ev, err, sizeof(err)) < 0) {
		log_warn("event=webhook_refused why=malformed detail=%s", log_quote(err));
		return answer(req, 400, "malformed", "not a TikTok event");
	}
	if (ev.client_key[0] && app.cfg.tiktok_client_key && strcmp(ev.client_key, app.cfg.tiktok_client_key))
		log_warn("event=webhook_client_key_mismatch webhook_event=%s", log_quote(ev.event));
	if (webhook_store_apply(page_of(req)->db, req->body, req->body_len, &ev, &result) < 0) {
		log_error("event=webhook_store_failed webhook_event=%s publish_id=%s", log_quote(ev.event),
			  log_quote(ev.publish_id));
		return answer(req, 500, "error", "not stored; deliver again");
	}
	log_info("event=webhook webhook_event=%s publish_id=%s result=%s", log_quote(ev.event),
		 log_quote(ev.publish_id), result);
	return answer(req, 200, result, "ok");
}
