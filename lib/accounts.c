/* accounts.c — connected accounts: sealed token storage, the one refresh
 * path, disconnect, rekey. Refresh and revoke go through the account's
 * platform (lib/platform.h). See accounts.h. */
#include "accounts.h"
#include "crypto.h"
#include "log.h"
#include "platform.h"
#include "util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define TIKTOK_TIMEOUT_SEC 30

static struct db_stmt q_upsert = { "accounts_upsert",
	"INSERT INTO tiktok_accounts (user_id, platform, open_id, display_name, username, avatar_url,"
	"                             scopes, status, status_reason) "
	"VALUES ($1, $7, $2, $3, $4, $5, $6, 'connected', NULL) "
	"ON CONFLICT (user_id, platform, open_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
	"    username = EXCLUDED.username, avatar_url = EXCLUDED.avatar_url, scopes = EXCLUDED.scopes,"
	"    status = 'connected', status_reason = NULL, at_risk_reason = NULL, at_risk_since = NULL,"
	"    health_checked_at = NULL, updated_at = now() "
	"RETURNING id" };
/* Expiries from TikTok's relative lifetimes, on the database's clock. */
static struct db_stmt q_set_tokens = { "accounts_set_tokens",
	"UPDATE tiktok_accounts SET access_token_sealed = $2, refresh_token_sealed = $3,"
	"    access_expires_at = now() + make_interval(secs => $4::bigint),"
	"    refresh_expires_at = now() + make_interval(secs => $5::bigint),"
	"    scopes = CASE WHEN $6 = '' THEN scopes ELSE $6 END, updated_at = now() "
	"WHERE id = $1" };
/* The row lock that makes refreshes single-flight per account. */
static struct db_stmt q_lock = { "accounts_lock",
	"SELECT status, platform, access_token_sealed, refresh_token_sealed,"
	"       coalesce(access_expires_at > now() + make_interval(secs => $2::int), false) AS access_fresh,"
	"       coalesce(refresh_expires_at > now(), false) AS refresh_alive "
	"FROM tiktok_accounts WHERE id = $1 FOR UPDATE" };
static struct db_stmt q_mark_reconnect = { "accounts_mark_reconnect",
	"UPDATE tiktok_accounts SET status = 'needs_reconnect', status_reason = $2, updated_at = now() "
	"WHERE id = $1 AND status = 'connected'" };
static struct db_stmt q_owned = { "accounts_owned",
	"SELECT status, platform, access_token_sealed,"
	"       coalesce(access_expires_at > now(), false) AS access_alive,"
	"       coalesce(nullif(display_name, ''), open_id) AS name "
	"FROM tiktok_accounts WHERE id = $1 AND user_id = $2" };
static struct db_stmt q_forget = { "accounts_forget",
	"UPDATE tiktok_accounts SET access_token_sealed = NULL, refresh_token_sealed = NULL,"
	"    access_expires_at = NULL, refresh_expires_at = NULL, status = 'disconnected',"
	"    status_reason = 'Disconnected by the user.', updated_at = now() "
	"WHERE id = $1 AND user_id = $2" };
static struct db_stmt q_sealed_all = { "accounts_sealed_all",
	"SELECT id, access_token_sealed, refresh_token_sealed FROM tiktok_accounts "
	"WHERE access_token_sealed IS NOT NULL OR refresh_token_sealed IS NOT NULL "
	"ORDER BY id FOR UPDATE" };
static struct db_stmt q_reseal = { "accounts_reseal",
	"UPDATE tiktok_accounts SET access_token_sealed = $2, refresh_token_sealed = $3 WHERE id = $1" };

void accounts_client(const struct config *cfg, struct tiktok_client *out)
{
	out->api_base = cfg->tiktok_api_base;
	out->client_key = cfg->tiktok_client_key;
	out->client_secret = cfg->tiktok_client_secret;
	out->redirect_uri = cfg->tiktok_redirect_uri;
	out->timeout_sec = TIKTOK_TIMEOUT_SEC;
}

void accounts_wipe(struct buf *token)
{
	if (token->data)
		OPENSSL_cleanse(token->data, token->cap);
	buf_free(token);
}

/* The associated data that binds a sealed token to its row. */
static void account_ad(int64_t id, char *out, size_t n)
{
	snprintf(out, n, "tiktok_account:%lld", (long long)id);
}

static int seal(const unsigned char key[32], int64_t id, const char *plain, struct buf *out)
{
	char ad[48];

	account_ad(id, ad, sizeof(ad));
	return crypto_seal(key, ad, plain, out);
}

static int unseal(const unsigned char key[32], int64_t id, const char *sealed, struct buf *out)
{
	char ad[48];

	if (!sealed)
		return -1;
	account_ad(id, ad, sizeof(ad));
	return crypto_open(key, ad, sealed, out);
}

/* Seal both tokens of tok for account id and write them with their expiries. */
static int write_tokens(struct db *db, const struct config *cfg, int64_t id,
			const struct tiktok_token *tok, const char *scopes)
{
	struct buf a = BUF_INIT, r = BUF_INIT;
	int rc = -1;

	if (!cfg->secret_key.set) {
		log_error("event=secret_key_missing why=%s", log_quote("tokens cannot be sealed"));
		goto out;
	}
	if (seal(cfg->secret_key.bytes, id, tok->access_token, &a) < 0 ||
	    seal(cfg->secret_key.bytes, id, tok->refresh_token, &r) < 0)
		goto out;
	rc = db_command(db, &q_set_tokens,
			DB_PARAMS(DB_INT(id), DB_TEXT(buf_cstr(&a)), DB_TEXT(buf_cstr(&r)),
				  DB_INT(tok->expires_in), DB_INT(tok->refresh_expires_in),
				  DB_TEXT(scopes ? scopes : ""))) < 0 ? -1 : 0;
out:
	buf_free(&a);
	buf_free(&r);
	return rc;
}

int accounts_store_for(struct db *db, const struct config *cfg, const struct platform *pf,
		       int64_t user_id, const struct tiktok_token *tok, const struct tiktok_user *user,
		       const char *granted_scopes, int64_t *account_id)
{
	const char *scopes = tok->scope[0] ? tok->scope : (granted_scopes ? granted_scopes : "");
	PGresult *r;
	int64_t id;

	if (db_begin(db) < 0)
		return -1;
	r = db_query(db, &q_upsert,
		     DB_PARAMS(DB_INT(user_id), DB_TEXT(tok->open_id), DB_TEXT(user->display_name),
			       DB_TEXT(user->username[0] ? user->username : NULL),
			       DB_TEXT(user->avatar_url[0] ? user->avatar_url : NULL), DB_TEXT(scopes),
			       DB_TEXT(pf->name)));
	if (!r || PQntuples(r) != 1) {
		if (r)
			PQclear(r);
		goto fail;
	}
	id = db_get_int(r, 0, "id");
	PQclear(r);
	if (write_tokens(db, cfg, id, tok, scopes) < 0)
		goto fail;
	if (db_commit(db) < 0)
		return -1;
	*account_id = id;
	log_info("event=tiktok_account_stored account_id=%lld user_id=%lld platform=%s", (long long)id,
		 (long long)user_id, pf->name);
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int accounts_mark_reconnect(struct db *db, int64_t account_id, const char *reason)
{
	log_warn("event=tiktok_account_needs_reconnect account_id=%lld reason=%s",
		 (long long)account_id, log_quote(reason));
	return db_command(db, &q_mark_reconnect, DB_PARAMS(DB_INT(account_id), DB_TEXT(reason))) < 0 ? -1 : 0;
}

/* The platform refused the refresh for good: the account needs a reconnect. */
static int refresh_refused(struct db *db, const struct platform *pf, int64_t id)
{
	char why[256];

	snprintf(why, sizeof(why), "%s no longer accepts this account's authorization (the refresh "
		 "token expired or was revoked). Reconnect it.", pf->label);
	return accounts_mark_reconnect(db, id, why) == 0 ? ACC_RECONNECT : ACC_ERROR;
}

/* Refresh through the account's platform under the row lock (the
 * transaction is open): on success the rotated pair is written before the
 * caller commits. */
static int refresh_locked(struct db *db, const struct config *cfg, const struct platform *pf,
			  int64_t id, const char *sealed_refresh, struct buf *out)
{
	struct tiktok_client c;
	struct tiktok_result res;
	struct tiktok_token tok;
	struct buf rt = BUF_INIT;
	int rc = ACC_ERROR;

	memset(&tok, 0, sizeof(tok));
	tiktok_result_init(&res);
	if (!pf)
		goto out;   /* platform_for logged the unknown name */
	if (unseal(cfg->secret_key.bytes, id, sealed_refresh, &rt) < 0) {
		/* a wrong secret_key (rekey half done?) is not the user's fault:
		 * leave the account alone and fail this attempt */
		log_error("event=token_unseal_failed account_id=%lld", (long long)id);
		goto out;
	}
	pf->client(cfg, &c);
	if (pf->refresh(&c, buf_cstr(&rt), &tok, &res) < 0) {
		log_warn("event=tiktok_refresh_failed account_id=%lld platform=%s error=%s log_id=%s",
			 (long long)id, pf->name, log_quote(res.error), log_quote(res.log_id));
		if (pf->grant_dead(&res))
			rc = refresh_refused(db, pf, id);
		goto out;
	}
	if (write_tokens(db, cfg, id, &tok, tok.scope) < 0)
		goto out;
	buf_puts(out, tok.access_token);
	log_info("event=tiktok_refresh_ok account_id=%lld log_id=%s", (long long)id, log_quote(res.log_id));
	rc = ACC_OK;
out:
	tiktok_token_clear(&tok);
	accounts_wipe(&rt);
	tiktok_result_free(&res);
	return rc;
}

int accounts_access_token(struct db *db, const struct config *cfg, int64_t account_id,
			  struct buf *out)
{
	PGresult *r = NULL;
	int rc = ACC_ERROR;

	buf_reset(out);
	if (!cfg->secret_key.set)
		return ACC_ERROR;
	if (db_begin(db) < 0)
		return ACC_ERROR;
	r = db_query(db, &q_lock, DB_PARAMS(DB_INT(account_id), DB_INT(ACCOUNTS_REFRESH_MARGIN_SEC)));
	if (!r)
		goto rollback;
	if (PQntuples(r) == 0) {
		rc = ACC_NOT_FOUND;
		goto rollback;
	}
	if (strcmp(db_get_text(r, 0, "status"), "connected") != 0 || db_is_null(r, 0, "refresh_token_sealed")) {
		rc = ACC_RECONNECT;
		goto rollback;
	}
	if (db_get_bool(r, 0, "access_fresh")) {
		/* still fresh: the common case, no call to TikTok */
		if (unseal(cfg->secret_key.bytes, account_id, db_get(r, 0, "access_token_sealed"), out) < 0) {
			log_error("event=token_unseal_failed account_id=%lld", (long long)account_id);
			goto rollback;
		}
	} else if (!db_get_bool(r, 0, "refresh_alive")) {
		if (accounts_mark_reconnect(db, account_id, "The account's TikTok authorization "
					    "expired. Reconnect it.") < 0)
			goto rollback;
		rc = ACC_RECONNECT;
		goto commit;
	} else {
		rc = refresh_locked(db, cfg, platform_for(db_get_text(r, 0, "platform")), account_id,
				    db_get(r, 0, "refresh_token_sealed"), out);
		if (rc == ACC_ERROR)
			goto rollback;
		if (rc == ACC_RECONNECT)
			goto commit;
	}
	rc = ACC_OK;
commit:
	PQclear(r);
	if (db_commit(db) < 0) {
		accounts_wipe(out);
		return ACC_ERROR;
	}
	return rc;
rollback:
	if (r)
		PQclear(r);
	db_rollback(db);
	accounts_wipe(out);
	return rc;
}

/* A valid access token for the revoke call, if one can be had (tok stays
 * empty otherwise). Read before the account is forgotten. */
static void token_for_revoke(struct db *db, const struct config *cfg, int64_t id, PGresult *row,
			     struct buf *tok)
{
	const char *sealed = db_get(row, 0, "access_token_sealed");

	if (!strcmp(db_get_text(row, 0, "status"), "connected")) {
		if (accounts_access_token(db, cfg, id, tok) != ACC_OK)
			buf_reset(tok);
	} else if (sealed && db_get_bool(row, 0, "access_alive")) {
		/* needs reconnect, but the access token still works: use it */
		if (unseal(cfg->secret_key.bytes, id, sealed, tok) < 0)
			buf_reset(tok);
	}
}

/* Revoke at the account's platform with the token read by
 * token_for_revoke; wipes it. */
static int revoke_account(const struct config *cfg, const struct platform *pf, int64_t id,
			  struct buf *tok)
{
	struct tiktok_client c;
	struct tiktok_result res;
	int ok = 0;

	if (!tok->len || !pf) {
		log_warn("event=tiktok_revoke_skipped account_id=%lld why=%s", (long long)id,
			 log_quote(pf ? "no valid access token" : "unknown platform"));
		accounts_wipe(tok);
		return 0;
	}
	tiktok_result_init(&res);
	pf->client(cfg, &c);
	if (pf->revoke(&c, buf_cstr(tok), &res) == 0) {
		ok = 1;
		log_info("event=tiktok_revoke_ok account_id=%lld log_id=%s", (long long)id,
			 log_quote(res.log_id));
	} else {
		log_warn("event=tiktok_revoke_failed account_id=%lld error=%s log_id=%s", (long long)id,
			 log_quote(res.error), log_quote(res.log_id));
	}
	tiktok_result_free(&res);
	accounts_wipe(tok);
	return ok;
}

int accounts_forget(struct db *db, const struct config *cfg, int64_t user_id, int64_t account_id,
		    struct buf *name, struct buf *token, const struct platform **pf)
{
	PGresult *r;

	*pf = NULL;
	r = db_query(db, &q_owned, DB_PARAMS(DB_INT(account_id), DB_INT(user_id)));
	if (!r)
		return ACC_ERROR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return ACC_NOT_FOUND;
	}
	if (cfg->secret_key.set)
		token_for_revoke(db, cfg, account_id, r, token);
	*pf = platform_for(db_get_text(r, 0, "platform"));
	buf_puts(name, db_get_text(r, 0, "name"));
	PQclear(r);
	if (db_command(db, &q_forget, DB_PARAMS(DB_INT(account_id), DB_INT(user_id))) < 0) {
		accounts_wipe(token);
		return ACC_ERROR;
	}
	return ACC_OK;
}

int accounts_revoke(const struct config *cfg, const struct platform *pf, int64_t account_id,
		    struct buf *token)
{
	int revoked = cfg->secret_key.set && token->len ? revoke_account(cfg, pf, account_id, token) : 0;

	accounts_wipe(token);
	log_info("event=tiktok_account_disconnected account_id=%lld revoked=%d", (long long)account_id,
		 revoked);
	return revoked;
}

/* Re-seal one sealed value (NULL stays NULL) into out; out is "" for NULL. */
static int reseal_one(const unsigned char old_key[32], const unsigned char new_key[32], int64_t id,
		      const char *sealed, struct buf *out)
{
	struct buf plain = BUF_INIT;
	int rc = -1;

	buf_reset(out);
	if (!sealed)
		return 0;
	if (unseal(old_key, id, sealed, &plain) < 0)
		goto out;
	rc = seal(new_key, id, buf_cstr(&plain), out);
out:
	accounts_wipe(&plain);
	return rc;
}

int accounts_rekey(struct db *db, const unsigned char old_key[32], const unsigned char new_key[32],
		   int *count, char *err, size_t errlen)
{
	struct buf a = BUF_INIT, rf = BUF_INIT;
	PGresult *r = NULL;
	int n, rc = -1;

	*count = 0;
	if (db_begin(db) < 0) {
		snprintf(err, errlen, "database: %s", db->err);
		return -1;
	}
	r = db_query(db, &q_sealed_all, 0, NULL);
	if (!r) {
		snprintf(err, errlen, "database: %s", db->err);
		goto out;
	}
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int64_t id = db_get_int(r, i, "id");
		const char *sa = db_get(r, i, "access_token_sealed");
		const char *sr = db_get(r, i, "refresh_token_sealed");

		if (reseal_one(old_key, new_key, id, sa, &a) < 0 ||
		    reseal_one(old_key, new_key, id, sr, &rf) < 0) {
			snprintf(err, errlen, "the tokens of account %lld do not open with the current "
				 "secret_key; nothing was changed", (long long)id);
			goto out;
		}
		if (db_command(db, &q_reseal,
			       DB_PARAMS(DB_INT(id), DB_TEXT(sa ? buf_cstr(&a) : NULL),
					 DB_TEXT(sr ? buf_cstr(&rf) : NULL))) < 0) {
			snprintf(err, errlen, "database: %s", db->err);
			goto out;
		}
	}
	if (db_commit(db) < 0) {
		snprintf(err, errlen, "database: %s", db->err);
		PQclear(r);
		buf_free(&a);
		buf_free(&rf);
		return -1;
	}
	*count = n;
	rc = 0;
out:
	if (rc < 0)
		db_rollback(db);
	if (r)
		PQclear(r);
	buf_free(&a);
	buf_free(&rf);
	return rc;
}

/* ---- connection health ---- */

static const struct db_stmt q_health_due = { "accounts_health_due",
	"UPDATE tiktok_accounts a SET health_checked_at = now() "
	"WHERE a.status <> 'disconnected'"
	"  AND (a.health_checked_at IS NULL OR a.health_checked_at < now() - make_interval(secs => $2::int))"
	"  AND a.id IN (SELECT j.account_id FROM upload_jobs j WHERE j.state = 'queued'"
	"               AND j.account_id IS NOT NULL AND j.run_at > now()"
	"               AND j.run_at <= now() + make_interval(secs => $1::int)) "
	"RETURNING a.id, a.scopes" };
static const struct db_stmt q_expire_access = { "accounts_expire_access",
	"UPDATE tiktok_accounts SET access_expires_at = now() WHERE id = $1 AND status = 'connected'" };
static const struct db_stmt q_at_risk = { "accounts_set_at_risk",
	"UPDATE tiktok_accounts SET at_risk_reason = $2::text,"
	"    at_risk_since = CASE WHEN $2::text IS NULL THEN NULL ELSE coalesce(at_risk_since, now()) END "
	"WHERE id = $1 AND at_risk_reason IS DISTINCT FROM $2::text" };

int accounts_health_due(struct db *db, int lead_sec, int recheck_sec, int64_t *out, unsigned *scopes,
			int max)
{
	PGresult *r = db_query(db, &q_health_due, DB_PARAMS(DB_INT(lead_sec), DB_INT(recheck_sec)));
	int n = 0;

	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && n < max; i++) {
		scopes[n] = tiktok_scopes_parse(db_get(r, i, "scopes"));
		out[n++] = db_get_int(r, i, "id");
	}
	PQclear(r);
	return n;
}

int accounts_expire_access(struct db *db, int64_t account_id)
{
	return db_command(db, &q_expire_access, DB_PARAMS(DB_INT(account_id))) < 0 ? -1 : 0;
}

int accounts_set_at_risk(struct db *db, int64_t account_id, const char *reason)
{
	long long n = db_command(db, &q_at_risk, DB_PARAMS(DB_INT(account_id), DB_TEXT(reason)));

	if (n < 0)
		return -1;
	if (n > 0)
		log_info("event=tiktok_account_health account_id=%lld at_risk=%d reason=%s",
			 (long long)account_id, reason != NULL, log_quote(reason ? reason : ""));
	return n > 0;
}
