/* tiktok_errors.h — the ONE table that classifies every TikTok error
 * (tiktok-api.md §2.1–§2.7, §7): what the caller does next, and the
 * sentence the user reads (what happened and what they can do).
 *
 * The same table covers the API error codes (error.code in the envelope)
 * and the fail_reason values of status/fetch, because TikTok uses several
 * names in both places (spam_risk_too_many_posts, auth_removed, ...).
 * Shared by the worker (decisions) and the composer (messages). The
 * sentences of transient errors say what happened only; the caller adds
 * what happens next ("Next try in 8 seconds", "gave up after 8 tries"). */
#ifndef LF_TIKTOK_ERRORS_H
#define LF_TIKTOK_ERRORS_H

#include "tiktok.h"

#include <stddef.h>

enum tt_action {
	TTA_OK = 0,
	TTA_RETRY,          /* transient (network, 5xx, TikTok outage): retry with backoff */
	TTA_RATE_LIMIT,     /* 429: wait and retry; does not count as a failed attempt */
	TTA_REFRESH,        /* the access token was refused: refresh once and retry */
	TTA_RECONNECT,      /* the account must be connected again (scope, revoked) */
	TTA_PERMANENT,      /* retrying cannot help: fail with the reason */
};

struct tt_error_info {
	const char *code;            /* TikTok's code or fail_reason */
	enum tt_action action;
	const char *reason;          /* plain words for the user */
};

/* The row for a code, NULL when the code is not in the table. Both
 * invalid_param (doc spelling) and invalid_params (real answers) match. */
const struct tt_error_info *tiktok_error_lookup(const char *code);
/* The table's rows in order, for callers that walk it (tests, docs):
 * NULL past the end. */
const struct tt_error_info *tiktok_error_at(size_t i);

/* ---- creator states (creator_info, tiktok-api.md §2.1) ---------------
 * What the composer and the worker tell the user about the creator's
 * answer, beside the error codes above. TTA_OK states are warnings: the
 * post goes ahead. */
enum tt_creator_state {
	TTC_CANNOT_POST = 0,         /* a "cannot post now" code outside the table */
	TTC_NEEDS_RECONNECT,         /* creator_info refused the account's token or scope */
	TTC_CHECKS_LIMITED,          /* creator_info answered 429: too many checks a minute */
	TTC_PRIVATE_ACCOUNT,         /* no PUBLIC_TO_EVERYONE: a private account */
	TTC_SELF_ONLY,               /* only SELF_ONLY: an unaudited app (or a restricted account) */
	TTC_NSTATES
};

struct tt_creator_state_info {
	enum tt_creator_state state;
	const char *name;            /* for logs and tests */
	enum tt_action action;
	const char *sentence;
};

const struct tt_creator_state_info *tiktok_creator_state(enum tt_creator_state s);

/* 1 for the codes with which creator_info says the creator cannot post
 * now (rows of the table, listed beside it), else 0. */
int tiktok_cannot_post(const char *code);
/* The sentence for such a code: its row's, else TTC_CANNOT_POST's. */
const char *tiktok_cannot_post_text(const char *code);

/* Classify one answer of a TikTok API call (not an upload PUT): the
 * outcome, the HTTP status and the error code together. *reason (may be
 * NULL) gets the user's sentence; for codes outside the table it is a
 * generic sentence by class. TT_OK → TTA_OK. */
enum tt_action tiktok_error_classify(const struct tiktok_result *r, const char **reason);

/* Classify the answer to a chunk PUT on the upload URL by HTTP status
 * (0 = no answer): 5xx/0/429 transient, 403/404 dead URL, 416 resync. */
enum tt_upload_action {
	TTU_ACCEPTED = 0,            /* 206: next chunk */
	TTU_COMPLETE,                /* 201: all bytes received */
	TTU_RETRY,                   /* network, 5xx, 408, 429: send the same chunk again */
	TTU_RESYNC,                  /* 416: continue from TikTok's Content-Range */
	TTU_URL_DEAD,                /* 403 expired / 404 unknown: re-init if nothing was posted */
	TTU_BROKEN,                  /* 400 and anything else: our request is wrong */
};
enum tt_upload_action tiktok_upload_classify(long http_status);

/* The plain-words sentence for a status/fetch fail_reason (FAILED), and
 * whether trying again later can help (*retryable, may be NULL). */
const char *tiktok_fail_reason_text(const char *fail_reason, int *retryable);

/* video_pull_failed in words, by whether TikTok had fetched the signed
 * address at all (a refused, expired or unreachable address) or started
 * and stopped (too large, a broken connection). */
const char *tiktok_pull_failed_text(int fetched);

/* A stable name of the action for logs ("retry", "rate_limit", ...). */
const char *tiktok_action_name(enum tt_action a);

#endif
