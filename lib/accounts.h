/* accounts.h — connected TikTok accounts and their tokens, shared by the
 * app, the worker and the admin command.
 *
 * Tokens reach the database only sealed (AES-256-GCM under secret_key,
 * a random nonce each time, the associated data "tiktok_account:<id>" so a
 * sealed token copied to another row does not open). Expiry times are
 * absolute, computed by PostgreSQL from TikTok's expires_in and
 * refresh_expires_in at the moment the answer arrived.
 *
 * accounts_access_token() is THE way to get a usable access token: it
 * refreshes when less than ACCOUNTS_REFRESH_MARGIN_SEC remain, holding the
 * account's row lock (SELECT ... FOR UPDATE) across the refresh call and
 * persisting the rotated refresh token in the same transaction, so two
 * callers (web app threads, workers) never spend one refresh token twice. */
#ifndef LF_ACCOUNTS_H
#define LF_ACCOUNTS_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "tiktok.h"

#define ACCOUNTS_REFRESH_MARGIN_SEC 600

struct platform;   /* lib/platform.h: refresh and revoke go through the account's */

enum {
	ACC_OK = 0,
	ACC_ERROR = -1,              /* temporary: database, network, TikTok 5xx; try later */
	ACC_RECONNECT = -2,          /* the account must be connected again (dead refresh
				      * token, disconnected, no tokens) */
	ACC_NOT_FOUND = -3,
};

/* The TikTok client settings from configuration. */
void accounts_client(const struct config *cfg, struct tiktok_client *out);

/* Store a fresh connection of platform pf for dashboard user user_id:
 * upsert by (user_id, platform, open_id) with the profile and granted
 * scopes, tokens sealed, status connected — all in one transaction. The
 * row names pf; an account of another platform with the same open_id is
 * another row and is never touched. 0 (and *account_id) or -1. */
int accounts_store_for(struct db *db, const struct config *cfg, const struct platform *pf,
		       int64_t user_id, const struct tiktok_token *tok, const struct tiktok_user *user,
		       const char *granted_scopes, int64_t *account_id);

/* A valid access token of the account into out (the caller wipes it with
 * accounts_wipe). ACC_OK, ACC_ERROR, ACC_RECONNECT or ACC_NOT_FOUND. A
 * dead refresh token marks the account needs_reconnect. Runs its own
 * transaction, so db must not be inside one; a refresh holds the row lock
 * for at most the TikTok call's timeout (30 s). */
int accounts_access_token(struct db *db, const struct config *cfg, int64_t account_id,
			  struct buf *out);
void accounts_wipe(struct buf *token);

/* Mark an account needs_reconnect with a reason the user can read
 * (e.g. the worker on scope_not_authorized or authorization.removed). */
int accounts_mark_reconnect(struct db *db, int64_t account_id, const char *reason);

/* ---- connection health before the slots (issue 11, sql/036) ---- */

/* Claim the accounts to check now: a job of theirs is due within lead_sec
 * and they were not checked in the last recheck_sec (one worker checks an
 * account; the claim stamps health_checked_at). Up to max ids into out
 * and their granted scopes (TT_SCOPE_*) into scopes; the count, or -1. */
int accounts_health_due(struct db *db, int lead_sec, int recheck_sec, int64_t *out, unsigned *scopes,
			int max);
/* The account's access token counts as expired (TikTok refused it before
 * its recorded expiry, or the health check wants to prove a refresh), so
 * the next accounts_access_token() refreshes it. 0 or -1. */
int accounts_expire_access(struct db *db, int64_t account_id);
/* Mark the account at risk with the reason (since now, or since it first
 * was), or healthy again (reason NULL). 1 when it changed (became at risk
 * or healthy), 0 when not, -1. */
int accounts_set_at_risk(struct db *db, int64_t account_id, const char *reason);

/* Disconnecting an account of user_id is three steps, in this order (the
 * caller, cgi-bin/page_accounts.c, runs them; lib/jobs.h fails the jobs,
 * since jobs know accounts and not the other way round):
 *
 *   accounts_forget  the token for the revoke is taken (refreshed first if
 *                    needed) into *token, then the sealed tokens are
 *                    forgotten and the account marked disconnected; *name
 *                    gets its name for the caller's words, *pf its
 *                    platform (NULL when this LangFlix does not know it)
 *   jobs_fail_queued its queued jobs fail with our reason
 *   accounts_revoke  the platform pf is told, last: TikTok answers with an
 *                    authorization.removed webhook, which must find nothing
 *                    left to do. 1 when the platform confirmed; wipes *token.
 *
 * accounts_forget: ACC_OK, ACC_ERROR or ACC_NOT_FOUND (not this user's). */
int accounts_forget(struct db *db, const struct config *cfg, int64_t user_id, int64_t account_id,
		    struct buf *name, struct buf *token, const struct platform **pf);
int accounts_revoke(const struct config *cfg, const struct platform *pf, int64_t account_id,
		    struct buf *token);

/* Re-seal every stored token from old_key to new_key in one transaction.
 * 0 and *count accounts, or -1 with err (nothing changed). */
int accounts_rekey(struct db *db, const unsigned char old_key[32], const unsigned char new_key[32],
		   int *count, char *err, size_t errlen);

#endif
