/* page_oauth.c — connecting a TikTok account (tiktok-api.md §1, §8.1):
 *
 *   GET /auth/tiktok/start?video={id}   a login attempt, then 302 to TikTok
 *   GET /auth/tiktok/callback           TikTok's redirect back: state check,
 *                                       code exchange, user info, store, 303
 *
 * The state is 256 random bits. Only its SHA-256 is stored, with the
 * session it belongs to, the user, the video to return to, the PKCE
 * verifier and an expiry 10 minutes out; the callback spends it in one
 * UPDATE (single use) and compares the session in constant time. Every
 * failure page says what happened in plain words and stores nothing.
 * Logs carry event names, ids and TikTok's log_id — never a code, a token,
 * the state or the client secret. */
#include "accounts.h"
#include "app.h"
#include "crypto.h"
#include "escape.h"
#include "log.h"
#include "platform.h"
#include "tiktok.h"
#include "util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define STATE_TTL_SEC 600
#define VERIFIER_LEN 64

static struct db_stmt q_video_exists = { "oauth_video_exists",
	"SELECT 1 FROM videos WHERE id = $1" };
static struct db_stmt q_state_prune = { "oauth_state_prune",
	"DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'" };
static struct db_stmt q_state_insert = { "oauth_state_insert",
	"INSERT INTO oauth_states (state_hash, session_hash, user_id, video_id, code_verifier,"
	"                          expires_at) "
	"VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int))" };
/* Spend the state: only one request can ever get its row back. */
static struct db_stmt q_state_spend = { "oauth_state_spend",
	"UPDATE oauth_states SET used_at = now() "
	"WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now() "
	"RETURNING session_hash, user_id, coalesce(video_id, 0) AS video_id, code_verifier" };
/* Why a state could not be spent, for the page. */
static struct db_stmt q_state_why = { "oauth_state_why",
	"SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired FROM oauth_states "
	"WHERE state_hash = $1" };

/* The platform these pages connect (their routes are /auth/tiktok/...):
 * every call to it goes through lib/platform.h. */
#define OAUTH_PLATFORM "tiktok"

static const struct platform *oauth_platform(void)
{
	return platform_for(OAUTH_PLATFORM);
}

static int tiktok_configured(void)
{
	const struct platform *pf = oauth_platform();

	return pf && pf->configured(&app.cfg);
}

static int not_configured(struct request *req)
{
	log_error("event=oauth_not_configured why=%s",
		  log_quote("tiktok_client_key, tiktok_client_secret, tiktok_redirect_uri and "
			    "secret_key must be set"));
	return render_error(req, 503, "TikTok is not set up on this site",
			    "The site's TikTok app settings are missing (client key, client "
			    "secret, redirect URI or the secret key for tokens). An administrator "
			    "has to add them to the configuration.");
}

/* Where the user lands after the flow: the composer of the video, or the
 * dashboard when the flow started without one (Reconnect). */
static const char *return_path(struct request *req, int64_t video_id)
{
	if (video_id <= 0)
		return "/";
	return arena_printf(&req->arena, "/videos/%lld/tiktok", (long long)video_id);
}

static const char *start_path(struct request *req, int64_t video_id)
{
	if (video_id <= 0)
		return "/auth/tiktok/start";
	return arena_printf(&req->arena, "/auth/tiktok/start?video=%lld", (long long)video_id);
}

/* Whether TikTok's words are about PKCE. */
static int mentions_pkce(const char *s)
{
	return s && (strcasestr(s, "code_challenge") || strcasestr(s, "code challenge") ||
		     strcasestr(s, "code_verifier") || strcasestr(s, "code verifier"));
}

/* TikTok refuses PKCE for apps configured for the web and wants it for
 * desktop apps (tiktok-api.md §1.2): when its answer is about PKCE, the
 * page names the setting that decides it, and which way it is set. */
static void add_pkce_hint(struct json_object *ctx, const char *error, const char *message)
{
	if (!mentions_pkce(error) && !mentions_pkce(message))
		return;
	ctx_add_str(ctx, "pkce_hint", app.cfg.tiktok_pkce
		? "TikTok's answer is about PKCE (code_challenge). This site sends it because the setting "
		  "tiktok_pkce is on, and TikTok apps configured for the web do not accept it: an "
		  "administrator should set tiktok_pkce = false, unless the TikTok app is a desktop app."
		: "TikTok's answer is about PKCE (code_challenge), which this site does not send because "
		  "the setting tiktok_pkce is off. TikTok apps configured as desktop apps, or with a "
		  "loopback redirect URI, need it: an administrator should set tiktok_pkce = true.");
}

/* The failure page of the flow: what happened, what to do, a way back. */
static int flow_failed(struct request *req, int status, int64_t video_id, const char *title,
		       const char *detail, const struct tiktok_result *res)
{
	struct json_object *ctx = page_context(req, title);

	json_object_object_add(ctx, "status", json_object_new_int(status));
	json_object_object_add(ctx, "heading", json_object_new_string(title));
	json_object_object_add(ctx, "detail", json_object_new_string(detail));
	json_object_object_add(ctx, "retry_href", json_object_new_string(start_path(req, video_id)));
	json_object_object_add(ctx, "back_href", json_object_new_string(return_path(req, video_id)));
	json_object_object_add(ctx, "back_label", json_object_new_string(
		video_id > 0 ? "Back to the video" : "Back to the library"));
	if (res && res->outcome == TT_API && res->error[0])
		json_object_object_add(ctx, "tiktok_error", json_object_new_string(res->error));
	if (res && res->message[0] && res->outcome == TT_API)
		json_object_object_add(ctx, "tiktok_message", json_object_new_string(res->message));
	if (res && res->log_id[0])
		json_object_object_add(ctx, "log_id", json_object_new_string(res->log_id));
	if (res && res->outcome == TT_API)
		add_pkce_hint(ctx, res->error, res->message);
	if (render_page(req, status, "oauth_failed", ctx) < 0)
		return render_error(req, status, title, detail);
	return 0;
}

/* ---- GET /auth/tiktok/start ---- */

/* The video to come back to: absent is fine (0), present must exist. */
static int start_video(struct request *req, int64_t *video_id)
{
	const char *s = kv_get(&req->query, "video");
	PGresult *r;
	int found;

	*video_id = 0;
	if (!s || !*s)
		return 0;
	if (parse_int64(s, 1, INT64_MAX, video_id) < 0)
		return 1;
	r = db_query(page_of(req)->db, &q_video_exists, DB_PARAMS(DB_INT(*video_id)));
	if (!r)
		return -1;
	found = PQntuples(r) == 1;
	PQclear(r);
	return found ? 0 : 1;
}

int page_oauth_start(struct request *req)
{
	struct page *pg = page_of(req);
	char state[65], state_hash[65], verifier[VERIFIER_LEN + 1];
	struct buf url = BUF_INIT;
	int64_t video_id;
	int rc;

	if (!tiktok_configured())
		return not_configured(req);
	rc = start_video(req, &video_id);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return render_error(req, 404, "Video not found",
				    "There is no video with this number in the library, so there is "
				    "nothing to come back to after connecting TikTok.");
	if (!pg->session_hash)
		return render_error(req, 403, "Sign in first",
				    "Connecting a TikTok account needs a signed-in session.");
	if (crypto_random_hex(state, 32) < 0)
		return -1;
	crypto_sha256_hex(state, strlen(state), state_hash);
	if (app.cfg.tiktok_pkce) {
		if (crypto_random_token(verifier, VERIFIER_LEN) < 0)
			return -1;
		verifier[VERIFIER_LEN] = '\0';
	}
	db_command(pg->db, &q_state_prune, 0, NULL);   /* housekeeping; failure is harmless */
	if (db_command(pg->db, &q_state_insert,
		       DB_PARAMS(DB_TEXT(state_hash), DB_TEXT(pg->session_hash), DB_INT(pg->user_id),
				 video_id > 0 ? DB_INT(video_id) : DB_NULL,
				 DB_TEXT(app.cfg.tiktok_pkce ? verifier : NULL),
				 DB_INT(STATE_TTL_SEC))) < 0)
		return -1;
	oauth_platform()->authorize_url(&app.cfg, state, app.cfg.tiktok_pkce ? verifier : NULL, &url);
	log_info("event=oauth_start user_id=%lld video_id=%lld pkce=%d", (long long)pg->user_id,
		 (long long)video_id, app.cfg.tiktok_pkce ? 1 : 0);
	redirect(req, 302, buf_cstr(&url));
	buf_free(&url);
	OPENSSL_cleanse(verifier, sizeof(verifier));
	return 0;
}

/* ---- GET /auth/tiktok/callback ---- */

struct attempt {
	int64_t user_id;
	int64_t video_id;
	const char *verifier;        /* NULL without PKCE */
};

static int looks_like_state(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Spend the state of this callback. 0 and *a filled; otherwise the page
 * has been rendered and 1 is returned (-1 on a database failure). */
static int spend_state(struct request *req, const char *state, struct attempt *a)
{
	struct page *pg = page_of(req);
	char hash[65];
	const char *title = "This TikTok sign-in link is not valid";
	const char *detail = "The link TikTok sent you back with does not belong to a sign-in "
			     "started here. Nothing was connected. Start again from the video.";
	PGresult *r;
	int same;

	memset(a, 0, sizeof(*a));
	if (!looks_like_state(state)) {
		log_warn("event=oauth_state_refused why=malformed");
		return flow_failed(req, 400, 0, title, detail, NULL) < 0 ? -1 : 1;
	}
	crypto_sha256_hex(state, strlen(state), hash);
	r = db_query(pg->db, &q_state_spend, DB_PARAMS(DB_TEXT(hash)));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		const char *why = "unknown";
		PQclear(r);
		r = db_query(pg->db, &q_state_why, DB_PARAMS(DB_TEXT(hash)));
		if (!r)
			return -1;
		if (PQntuples(r) == 1 && db_get_bool(r, 0, "used")) {
			why = "reused";
			title = "This TikTok sign-in link was already used";
			detail = "Each sign-in with TikTok can be completed once. Nothing new was "
				 "connected. If your account does not show as connected, start again.";
		} else if (PQntuples(r) == 1) {
			why = "expired";
			title = "This TikTok sign-in took too long";
			detail = "A sign-in with TikTok must be completed within 10 minutes. Nothing "
				 "was connected. Start again from the video.";
		}
		PQclear(r);
		log_warn("event=oauth_state_refused why=%s", why);
		return flow_failed(req, 400, 0, title, detail, NULL) < 0 ? -1 : 1;
	}
	/* bound to the session that started it: compare without leaking timing */
	same = crypto_str_equal(db_get(r, 0, "session_hash"), pg->session_hash) &&
	       db_get_int(r, 0, "user_id") == pg->user_id;
	a->user_id = db_get_int(r, 0, "user_id");
	a->video_id = db_get_int(r, 0, "video_id");
	a->verifier = db_get(r, 0, "code_verifier")
		      ? arena_strdup(&req->arena, db_get(r, 0, "code_verifier")) : NULL;
	PQclear(r);
	if (!same) {
		log_warn("event=oauth_state_refused why=other_session user_id=%lld", (long long)pg->user_id);
		return flow_failed(req, 403, 0, "This TikTok sign-in was started elsewhere",
				   "The sign-in with TikTok was started in another browser session, "
				   "so it cannot be completed here. Nothing was connected. Start again "
				   "from this browser.", NULL) < 0 ? -1 : 1;
	}
	return 0;
}

static int cancelled(struct request *req, const struct attempt *a, const char *error)
{
	struct json_object *ctx = page_context(req, "TikTok was not connected");

	log_info("event=oauth_cancelled user_id=%lld error=%s", (long long)a->user_id, log_quote(error));
	json_object_object_add(ctx, "denied", json_object_new_boolean(!strcmp(error, "access_denied")));
	json_object_object_add(ctx, "error", json_object_new_string(error));
	add_pkce_hint(ctx, error, kv_get(&req->query, "error_description"));
	json_object_object_add(ctx, "retry_href", json_object_new_string(start_path(req, a->video_id)));
	json_object_object_add(ctx, "back_href", json_object_new_string(return_path(req, a->video_id)));
	json_object_object_add(ctx, "back_label", json_object_new_string(
		a->video_id > 0 ? "Back to the video" : "Back to the library"));
	return render_page(req, 200, "oauth_cancel", ctx);
}

/* A TikTok call failed: the page names TikTok's error and log_id. */
static int tiktok_failed(struct request *req, const struct attempt *a, const char *step,
			 const struct tiktok_result *res)
{
	const char *title, *detail;

	log_warn("event=oauth_%s_failed user_id=%lld outcome=%d http=%ld error=%s log_id=%s", step,
		 (long long)a->user_id, (int)res->outcome, res->http_status, log_quote(res->error),
		 log_quote(res->log_id));
	switch (res->outcome) {
	case TT_NETWORK:
		if (res->slow) {
			title = "TikTok is slow right now";
			detail = "TikTok did not answer in time, so this page stopped waiting. Nothing "
				 "was connected. Try connecting again in a moment.";
			break;
		}
		title = "TikTok could not be reached";
		detail = "The site could not reach TikTok to finish connecting your account. "
			 "Nothing was connected. Try again in a moment.";
		break;
	case TT_MALFORMED:
		title = "TikTok's answer could not be read";
		detail = "TikTok answered with something this site does not understand. Nothing "
			 "was connected. Try again; if it keeps happening, tell an administrator.";
		break;
	default:
		title = "TikTok did not accept the connection";
		detail = "TikTok refused to complete the sign-in. Nothing was connected. Start "
			 "again; if it keeps happening, tell an administrator and quote TikTok's "
			 "log id below.";
		break;
	}
	return flow_failed(req, 502, a->video_id, title, detail, res);
}

/* Tokens were issued but will not be kept: tell TikTok to forget them. */
static void revoke_unused(const struct tiktok_client *c, const struct tiktok_token *tok)
{
	struct tiktok_result res;

	tiktok_result_init(&res);
	if (oauth_platform()->revoke(c, tok->access_token, &res) < 0)
		log_warn("event=oauth_unused_revoke_failed error=%s log_id=%s", log_quote(res.error),
			 log_quote(res.log_id));
	tiktok_result_free(&res);
}

static int connect_account(struct request *req, const struct attempt *a, const char *code,
			   const char *granted)
{
	const struct platform *pf = oauth_platform();
	struct tiktok_client c;
	struct tiktok_result res;
	struct tiktok_token tok;
	struct tiktok_user user;
	unsigned scopes;
	int64_t account_id;
	int rc;

	pf->client(&app.cfg, &c);
	tiktok_result_init(&res);
	if (pf->exchange_code(&c, code, a->verifier, &tok, &res) < 0) {
		rc = tiktok_failed(req, a, "exchange", &res);
		goto out;
	}
	scopes = tiktok_scopes_parse(tok.scope[0] ? tok.scope : granted);
	memset(&user, 0, sizeof(user));
	if (scopes & TT_SCOPE_USER_INFO_BASIC) {
		if (pf->account_info(&c, tok.access_token, scopes, &user, &res) < 0) {
			revoke_unused(&c, &tok);
			rc = tiktok_failed(req, a, "user_info", &res);
			goto out;
		}
		if (strcmp(user.open_id, tok.open_id) != 0) {
			revoke_unused(&c, &tok);
			res.outcome = TT_MALFORMED;
			rc = tiktok_failed(req, a, "user_info_mismatch", &res);
			goto out;
		}
	} else {
		/* without user.info.basic there is no profile to show */
		snprintf(user.open_id, sizeof(user.open_id), "%s", tok.open_id);
	}
	if (accounts_store_for(page_of(req)->db, &app.cfg, pf, a->user_id, &tok, &user, granted,
			       &account_id) < 0) {
		revoke_unused(&c, &tok);
		rc = -1;
		goto out;
	}
	log_info("event=oauth_connected user_id=%lld account_id=%lld scopes=%s log_id=%s",
		 (long long)a->user_id, (long long)account_id, log_quote(tok.scope), log_quote(res.log_id));
	/* back where the user was, with the account just connected chosen */
	redirect(req, 303, a->video_id > 0
		 ? arena_printf(&req->arena, "/videos/%lld/tiktok?account_id=%lld&connected=1",
				(long long)a->video_id, (long long)account_id)
		 : arena_printf(&req->arena, "/accounts?connected=%lld", (long long)account_id));
	rc = 0;
out:
	tiktok_token_clear(&tok);
	tiktok_result_free(&res);
	return rc;
}

int page_oauth_callback(struct request *req)
{
	struct page *pg = page_of(req);
	const char *state = kv_get(&req->query, "state");
	const char *error = kv_get(&req->query, "error");
	/* the query parser has already URL-decoded the code (TikTok's codes
	 * carry '*' and '!', tiktok-api.md §1.3) */
	const char *code = kv_get(&req->query, "code");
	const char *granted = kv_get(&req->query, "scopes");
	struct attempt a;
	int rc;

	if (!pg->user_id)
		return flow_failed(req, 401, 0, "Your session has ended",
				   "You were signed out while TikTok was asking for permission. "
				   "Nothing was connected. Sign in and connect the account again.", NULL);
	if (!tiktok_configured())
		return not_configured(req);
	if (!state || !*state)
		return flow_failed(req, 400, 0, "This TikTok sign-in link is incomplete",
				   "TikTok's answer did not include the sign-in attempt it belongs "
				   "to. Nothing was connected. Start again from the video.", NULL);
	rc = spend_state(req, state, &a);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (error && *error)
		return cancelled(req, &a, error);
	if (!code || !*code)
		return flow_failed(req, 400, a.video_id, "TikTok sent no authorization",
				   "TikTok's answer had neither an authorization code nor an error. "
				   "Nothing was connected. Start again.", NULL);
	return connect_account(req, &a, code, granted ? granted : "");
}
