/* webhook.h — TikTok webhooks (tiktok-api.md §4): the envelope and its
 * content parsed (pure), and the effect of each event on the database.
 *
 * Envelope {client_key, event, create_time, user_openid, content} where
 * content is a JSON object serialised as a string (parsed a second time;
 * an object is accepted as well). The caller checks the TikTok-Signature
 * (lib/tiktok_sig.h) over the raw body BEFORE calling webhook_parse.
 *
 * Applying (webhook_store_apply) is one transaction: the event is stored
 * once, keyed by the SHA-256 of the raw body (delivery is at least once,
 * so a retry of the same body is recognised and changes nothing), then
 * applied to the job with that publish_id, or to the accounts with that
 * open_id. Every transition is a conditional UPDATE that only moves a job
 * out of a non-terminal state (queued, uploading, processing), so the
 * webhook and the worker's status polling can both report the end of a
 * publish: whichever commits first wins and the other changes nothing
 * (jobs_finish in lib/jobs.h is that one transition, for both). */
#ifndef LF_WEBHOOK_H
#define LF_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"

enum webhook_kind {
	WH_UNKNOWN = 0,              /* legacy or unrelated events: stored, ignored */
	WH_PUBLISH_COMPLETE,         /* post.publish.complete */
	WH_PUBLISH_FAILED,           /* post.publish.failed (content.reason) */
	WH_INBOX_DELIVERED,          /* post.publish.inbox_delivered */
	WH_PUBLICLY_AVAILABLE,       /* post.publish.publicly_available (content.post_id) */
	WH_NO_LONGER_PUBLIC,         /* post.publish.no_longer_publicaly_available (sic) */
	WH_AUTH_REMOVED,             /* authorization.removed (content.reason: int) */
};

struct webhook_event {
	enum webhook_kind kind;
	char event[96];
	char client_key[128];
	int64_t create_time;         /* 0 when absent */
	char user_openid[128];
	char publish_id[128];        /* post.publish.* only */
	char publish_type[32];       /* DIRECT_POST, INBOX_SHARE, or "" */
	char post_id[32];            /* digits; from a JSON number or string */
	char reason[64];             /* post.publish.failed: TikTok's fail_reason */
	int auth_reason;             /* authorization.removed: 0..5, -1 when absent */
};

/* Parse the raw body. 0, or -1 with a short reason in err (never the
 * body): not JSON, no event, content not an object (or a string holding
 * one), a post.publish.* event without publish_id, a public/not-public
 * event without a numeric post_id. Unknown event names parse (WH_UNKNOWN). */
int webhook_parse(const char *body, size_t len, struct webhook_event *out, char *err, size_t errlen);

/* The event's kind from its name (exact match, TikTok's spelling). */
enum webhook_kind webhook_kind_of(const char *event);

/* authorization.removed's reason in plain words ("the user disconnected
 * the app in TikTok", ...). */
const char *webhook_auth_reason_text(int reason);

/* ---- the database side ---- */

/* Outcomes, also the `result` column and the metrics label. */
#define WH_RESULT_APPLIED   "applied"     /* changed a job or an account */
#define WH_RESULT_DUPLICATE "duplicate"   /* the same body was stored before */
#define WH_RESULT_UNCHANGED "unchanged"   /* matched, but already in that state */
#define WH_RESULT_UNMATCHED "unmatched"   /* no job/account with that id */
#define WH_RESULT_IGNORED   "ignored"     /* an event this site does not act on */

/* Store the verified, parsed event (raw body for the hash and the jsonb
 * column) and apply it, in one transaction. *result gets one of the
 * WH_RESULT_* strings. 0, or -1 on a database error (nothing stored: the
 * caller answers 500 and TikTok delivers again). db must not be inside a
 * transaction. */
int webhook_store_apply(struct db *db, const char *body, size_t len,
			const struct webhook_event *ev, const char **result);

#endif
