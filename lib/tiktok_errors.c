/* tiktok_errors.c — the classification table. See tiktok_errors.h. */
#include "tiktok_errors.h"
#include "util.h"

#include <string.h>

static const struct tt_error_info table[] = {
	/* transient */
	{ "internal_error", TTA_RETRY,
	  "TikTok had a temporary problem." },
	{ "internal", TTA_RETRY,
	  "TikTok had an internal problem while processing the video. Post it again; "
	  "it usually works on a second try." },
	{ "rate_limit_exceeded", TTA_RATE_LIMIT,
	  "TikTok asked LangFlix to slow down." },

	/* token and account */
	{ "access_token_invalid", TTA_REFRESH,
	  "TikTok did not accept the account's access token." },
	{ "scope_not_authorized", TTA_RECONNECT,
	  "The TikTok account did not give LangFlix permission to post. Reconnect the account "
	  "and allow posting, then post the video again." },
	{ "auth_removed", TTA_RECONNECT,
	  "The TikTok account removed LangFlix's access while the video was being posted. "
	  "Reconnect the account, then post the video again." },
	{ "token_not_authorized_for_specified_publish_id", TTA_PERMANENT,
	  "TikTok says this upload belongs to another account. Post the video again." },
	{ "invalid_publish_id", TTA_PERMANENT,
	  "TikTok does not know this upload any more. Post the video again." },

	/* caps and bans: the creator or the app cannot post now */
	{ "spam_risk_too_many_posts", TTA_PERMANENT,
	  "This TikTok account reached its limit of posts for today (a daily limit of about 15 "
	  "posts made through apps, shared with other tools). Try again tomorrow." },
	{ "spam_risk_user_banned_from_posting", TTA_PERMANENT,
	  "TikTok does not allow this account to post at the moment. Check the account in "
	  "the TikTok app, then try again later." },
	{ "reached_active_user_cap", TTA_PERMANENT,
	  "TikTok's daily limit on how many people can post through LangFlix was reached. "
	  "It frees up within 24 hours; try again later." },
	{ "unaudited_client_can_only_post_to_private_accounts", TTA_PERMANENT,
	  "Until TikTok has reviewed LangFlix, it can only post to private accounts. Make the "
	  "TikTok account private in the TikTok app, then post again." },
	{ "privacy_level_option_mismatch", TTA_PERMANENT,
	  "The chosen privacy setting is no longer offered for this account. Open the post "
	  "form again and choose who can see the video." },
	{ "spam_risk_too_many_pending_share", TTA_PERMANENT,
	  "This account already has 5 drafts waiting in the TikTok inbox. Post or delete them "
	  "in the TikTok app, then send the video again." },
	{ "url_ownership_unverified", TTA_PERMANENT,
	  "TikTok refused to fetch the video from this site: the site's address is not verified "
	  "for LangFlix at TikTok. Nothing was posted. Ask the site's operator to verify the "
	  "domain (or its /pull/ prefix) in TikTok's developer portal, or to send files directly "
	  "(tiktok_source = file_upload), then post the video again." },
	{ "invalid_param", TTA_PERMANENT,
	  "TikTok refused the post's settings as invalid. Check the caption and settings and "
	  "post again; if it keeps failing, report it with the time of the attempt." },
	{ "invalid_params", TTA_PERMANENT,
	  "TikTok refused the post's settings as invalid. Check the caption and settings and "
	  "post again; if it keeps failing, report it with the time of the attempt." },

	/* status/fetch fail_reason values */
	{ "file_format_check_failed", TTA_PERMANENT,
	  "TikTok could not read the video format. Export it as MP4 with H.264 video, then "
	  "post again." },
	{ "duration_check_failed", TTA_PERMANENT,
	  "TikTok refused the video's length for this account. Shorten the video, then post "
	  "again." },
	{ "frame_rate_check_failed", TTA_PERMANENT,
	  "TikTok refused the video's frame rate; it must be between 23 and 60 frames per "
	  "second. Export it again at 30 fps, then post again." },
	{ "picture_size_check_failed", TTA_PERMANENT,
	  "TikTok refused the video's size; width and height must each be between 360 and "
	  "4096 pixels. Export it again (1080x1920 works), then post again." },
	{ "spam_risk_text", TTA_PERMANENT,
	  "TikTok flagged the caption. Change the caption, then post again." },
	{ "spam_risk", TTA_PERMANENT,
	  "TikTok flagged this post as risky and did not publish it. Check the video and "
	  "caption in the TikTok app before trying again." },
	{ "video_pull_failed", TTA_RETRY,
	  "TikTok could not fetch the video from this site's address: the address was refused, "
	  "had expired or could not be reached. Nothing was posted. Check that the site answers "
	  "at its public address, then post the video again." },
	/* LangFlix's own name, not TikTok's: video_pull_failed after TikTok did
	 * fetch the signed address (the job's 'pull_fetch' entry) */
	{ "video_pull_incomplete", TTA_RETRY,
	  "TikTok started downloading the video from this site but did not finish: the file is "
	  "larger than TikTok accepts, or the connection broke. Nothing was posted. Export a "
	  "smaller file, or post the video again later." },
	{ "publish_cancelled", TTA_PERMANENT,
	  "The post was cancelled." },
	{ "app_version_check_failed", TTA_PERMANENT,
	  "The TikTok app on the phone is too old for this kind of post. Update the TikTok "
	  "app, then post again." },
};

static const char *generic_retry =
	"TikTok could not be reached or had a temporary problem.";
static const char *generic_permanent =
	"TikTok refused the post. Check the post's settings and try again; if it keeps failing, "
	"report it with the time of the attempt.";
static const char *generic_reconnect =
	"TikTok no longer accepts this account's access. Reconnect the account, then post again.";

/* The rows with which creator_info says "this creator cannot post now"
 * (HTTP 200 with the code, tiktok-api.md §2.1). */
static const char *const cannot_post_codes[] = {
	"spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap",
};

static const struct tt_creator_state_info creator_states[TTC_NSTATES] = {
	[TTC_CANNOT_POST] = { TTC_CANNOT_POST, "cannot_post", TTA_PERMANENT,
		"TikTok says this account cannot post right now. Please try again later." },
	[TTC_NEEDS_RECONNECT] = { TTC_NEEDS_RECONNECT, "needs_reconnect", TTA_RECONNECT,
		"TikTok no longer accepts this account's permission to post. "
		"Connect the account again, then come back to this page." },
	[TTC_CHECKS_LIMITED] = { TTC_CHECKS_LIMITED, "checks_limited", TTA_RATE_LIMIT,
		"TikTok asks us to slow down: its limit of account checks per minute was reached. "
		"Wait a minute, then reload this page." },
	[TTC_PRIVATE_ACCOUNT] = { TTC_PRIVATE_ACCOUNT, "private_account", TTA_OK,
		"This TikTok account is private, so the post will be private too: "
		"only followers or friends can see it, never everyone." },
	[TTC_SELF_ONLY] = { TTC_SELF_ONLY, "self_only", TTA_OK,
		"TikTok offers only \"Only me\" for this account: this app is not yet "
		"audited by TikTok (or the account is restricted), so the post will be private." },
};

const struct tt_error_info *tiktok_error_at(size_t i)
{
	return i < ARRAY_LEN(table) ? &table[i] : NULL;
}

const struct tt_creator_state_info *tiktok_creator_state(enum tt_creator_state s)
{
	return (unsigned)s < TTC_NSTATES ? &creator_states[s] : &creator_states[TTC_CANNOT_POST];
}

int tiktok_cannot_post(const char *code)
{
	for (size_t i = 0; code && i < ARRAY_LEN(cannot_post_codes); i++)
		if (!strcmp(cannot_post_codes[i], code))
			return 1;
	return 0;
}

const char *tiktok_cannot_post_text(const char *code)
{
	const struct tt_error_info *e = tiktok_cannot_post(code) ? tiktok_error_lookup(code) : NULL;

	return e ? e->reason : creator_states[TTC_CANNOT_POST].sentence;
}

const struct tt_error_info *tiktok_error_lookup(const char *code)
{
	if (!code || !*code)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(table); i++)
		if (!strcmp(table[i].code, code))
			return &table[i];
	return NULL;
}

static enum tt_action by_status(long http_status, const char **reason)
{
	if (http_status == 429) {
		*reason = tiktok_error_lookup("rate_limit_exceeded")->reason;
		return TTA_RATE_LIMIT;
	}
	if (http_status >= 500 || http_status == 408 || http_status == 0) {
		*reason = generic_retry;
		return TTA_RETRY;
	}
	if (http_status == 401) {
		*reason = tiktok_error_lookup("access_token_invalid")->reason;
		return TTA_REFRESH;
	}
	*reason = generic_permanent;
	return TTA_PERMANENT;
}

enum tt_action tiktok_error_classify(const struct tiktok_result *r, const char **reason)
{
	const struct tt_error_info *e;
	const char *dummy;

	if (!reason)
		reason = &dummy;
	*reason = NULL;
	switch (r->outcome) {
	case TT_OK:
		return TTA_OK;
	case TT_NETWORK:
	case TT_MALFORMED:
		/* no readable answer (a dropped connection, a proxy's HTML 502, a
		 * truncated body): nothing says the request was wrong */
		*reason = generic_retry;
		return TTA_RETRY;
	case TT_API:
		break;
	}
	e = tiktok_error_lookup(r->error);
	if (e) {
		*reason = e->reason;
		return e->action;
	}
	/* an unknown code: judge by the HTTP status */
	if (r->http_status == 403 && !strncmp(r->error, "spam_risk", 9)) {
		*reason = tiktok_error_lookup("spam_risk")->reason;
		return TTA_PERMANENT;
	}
	if (r->http_status == 401) {
		*reason = generic_reconnect;
		return TTA_RECONNECT;
	}
	return by_status(r->http_status, reason);
}

enum tt_upload_action tiktok_upload_classify(long http_status)
{
	switch (http_status) {
	case 206:
		return TTU_ACCEPTED;
	case 201:
		return TTU_COMPLETE;
	case 416:
		return TTU_RESYNC;
	case 403:
	case 404:
	case 410:
		return TTU_URL_DEAD;
	case 0:
	case 408:
	case 429:
		return TTU_RETRY;
	default:
		return http_status >= 500 ? TTU_RETRY : TTU_BROKEN;
	}
}

const char *tiktok_fail_reason_text(const char *fail_reason, int *retryable)
{
	const struct tt_error_info *e = tiktok_error_lookup(fail_reason);

	if (retryable)
		*retryable = e ? e->action == TTA_RETRY : 0;
	if (e)
		return e->reason;
	return "TikTok could not publish the video and gave no known reason. Check the video in "
	       "the TikTok app, then post again.";
}

const char *tiktok_pull_failed_text(int fetched)
{
	return tiktok_error_lookup(fetched ? "video_pull_incomplete" : "video_pull_failed")->reason;
}

const char *tiktok_action_name(enum tt_action a)
{
	switch (a) {
	case TTA_OK: return "ok";
	case TTA_RETRY: return "retry";
	case TTA_RATE_LIMIT: return "rate_limit";
	case TTA_REFRESH: return "refresh";
	case TTA_RECONNECT: return "reconnect";
	case TTA_PERMANENT: return "permanent";
	}
	return "unknown";
}
