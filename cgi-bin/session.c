/* session.c — dashboard sessions and CSRF tokens.
 *
 * The cookie carries 256 random bits; the database stores only their
 * SHA-256, so a leaked sessions table opens no session. Each session has
 * its own CSRF token. Before login, a separate cookie (lf_pre) doubles as
 * the login form's CSRF token (login CSRF protection); it is a random nonce
 * with an HMAC under secret_key, so a value an attacker planted (through a
 * sibling subdomain, say) is not accepted. Over HTTPS both cookies carry
 * the __Host- prefix: the browser then takes them only from this host,
 * with Secure and Path=/, which no other site can set. */
#include "app.h"
#include "crypto.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define SESSION_COOKIE "lf_session"
#define PRE_COOKIE "lf_pre"
#define HOST_PREFIX "__Host-"
#define PRE_NONCE_HEX 32      /* 128 random bits */

/* page_generation: the sum of the counters of what the user's pages show
 * (sql/051), in the same round trip; the page cache (page_cache.c) keeps a
 * page only while it is unchanged. expires_in_ms: a duration, not an
 * instant, so that the app's clock need not agree with the database's. */
static struct db_stmt q_session_by_hash = { "session_by_hash",
	"SELECT s.user_id, u.name, s.csrf_token, u.time_zone,"
	"       (SELECT coalesce(sum(g.gen), 0) FROM page_generations g"
	"         WHERE (g.scope = 'user' AND g.user_id = s.user_id)"
	"            OR (g.scope IN ('library', 'posted') AND g.user_id = 0)) AS page_generation,"
	"       floor(1000 * extract(epoch FROM s.expires_at - now()))::bigint AS expires_in_ms "
	"FROM sessions s JOIN users u ON u.id = s.user_id "
	"WHERE s.id_hash = $1 AND s.expires_at > now()" };
static struct db_stmt q_session_insert = { "session_insert",
	"INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at) "
	"VALUES ($1, $2, $3, now() + make_interval(secs => $4::bigint))" };
static struct db_stmt q_session_delete = { "session_delete",
	"DELETE FROM sessions WHERE id_hash = $1" };
static struct db_stmt q_session_prune = { "session_prune",
	"DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()" };
static struct db_stmt q_user_by_name = { "user_id_by_name",
	"SELECT id FROM users WHERE name = $1" };
static struct db_stmt q_user_tz = { "user_time_zone",
	"SELECT time_zone FROM users WHERE id = $1" };
/* the browser's zone applies only while the user never picked one; a name
 * PostgreSQL does not know changes nothing (and the CHECK of sql/030 would
 * refuse it anyway) */
static struct db_stmt q_user_set_tz = { "user_set_time_zone",
	"WITH known AS (SELECT lf_is_time_zone($2) AS ok), "
	"     changed AS (UPDATE users SET time_zone = $2, time_zone_chosen = time_zone_chosen OR $3 "
	"                 WHERE id = $1 AND (SELECT ok FROM known) AND ($3 OR NOT time_zone_chosen) "
	"                 RETURNING time_zone) "
	"SELECT (SELECT ok FROM known) AS known, (SELECT time_zone FROM changed) AS time_zone" };

static int valid_token(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n != 64)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

/* The cookie's name on this request: __Host-NAME over HTTPS. */
static const char *cookie_name(struct request *req, const char *base)
{
	return req->https ? arena_printf(&req->arena, HOST_PREFIX "%s", base) : base;
}

static const char *get_cookie(struct request *req, const char *base)
{
	return kv_get(&req->cookies, cookie_name(req, base));
}

static void set_cookie(struct request *req, const char *base, const char *value, long max_age)
{
	req_header(req, "Set-Cookie: %s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
		   cookie_name(req, base), value, max_age, req->https ? "; Secure" : "");
}

/* HMAC of a pre-session nonce under secret_key, bound to its purpose. */
static void pre_mac(const char *nonce, char out[65])
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "langflix-login-csrf:%s", nonce);

	crypto_hmac_sha256_hex(app.cfg.secret_key.bytes, sizeof(app.cfg.secret_key.bytes), msg,
			       (size_t)n, out);
}

/* "nonce.mac": accepted only when this server made it. */
static int valid_pre_token(const char *s)
{
	char nonce[PRE_NONCE_HEX + 1], mac[65];
	size_t n = s ? strlen(s) : 0;

	if (n != PRE_NONCE_HEX + 1 + 64 || s[PRE_NONCE_HEX] != '.' ||
	    strspn(s, "0123456789abcdef") != PRE_NONCE_HEX)
		return 0;
	memcpy(nonce, s, PRE_NONCE_HEX);
	nonce[PRE_NONCE_HEX] = '\0';
	pre_mac(nonce, mac);
	return crypto_str_equal(s + PRE_NONCE_HEX + 1, mac);
}

static char *new_pre_token(struct request *req)
{
	char nonce[PRE_NONCE_HEX + 1], mac[65];

	if (crypto_random_hex(nonce, PRE_NONCE_HEX / 2) < 0)
		return NULL;
	pre_mac(nonce, mac);
	return arena_printf(&req->arena, "%s.%s", nonce, mac);
}

/* The single sign-on user name nginx vouches for, or NULL. Only with
 * trust_remote_user on, and never when the request still carries an
 * Authorization header: the recipe in scripts/nginx/langflix-site.conf
 * takes the name from the SSO check's answer and strips that header, so
 * its presence means a proxy that may be passing the client's own claim
 * (nginx fills $remote_user from any Basic header). */
static const char *trusted_remote_user(struct request *req)
{
	const char *u = req->remote_user;

	if (!app.cfg.trust_remote_user || !u || !*u)
		return NULL;
	if (req_get_header(req, "Authorization")) {
		log_warn("event=remote_user_refused user=%s why=%s", log_quote(u),
			 log_quote("the proxy passed the client's Authorization header"));
		return NULL;
	}
	return u;
}

/* The single sign-on user gets a session of their own on first sight. */
static int session_from_remote_user(struct request *req, const char *name)
{
	struct page *pg = page_of(req);
	PGresult *r;
	int64_t id;

	r = db_query(pg->db, &q_user_by_name, DB_PARAMS(DB_TEXT(name)));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		log_warn("event=remote_user_unknown user=%s", log_quote(name));
		return 0;
	}
	id = db_get_int(r, 0, "id");
	PQclear(r);
	log_info("event=login_ok user=%s via=remote_user", log_quote(name));
	return session_create(req, id, name);
}

/* pg from a session_by_hash result: the signed-in user, when r has the
 * session's row. */
static void session_take(struct request *req, PGresult *r, const char *hash)
{
	struct page *pg = page_of(req);

	if (PQntuples(r) != 1)
		return;
	pg->user_id = db_get_int(r, 0, "user_id");
	pg->user_name = arena_strdup(&req->arena, db_get(r, 0, "name"));
	pg->csrf = arena_strdup(&req->arena, db_get(r, 0, "csrf_token"));
	pg->session_hash = arena_strdup(&req->arena, hash);
	pg->user_tz = arena_strdup(&req->arena, db_get_text(r, 0, "time_zone"));
	pg->page_generation = db_get_int(r, 0, "page_generation");
	pg->page_generation_known = 1;
	pg->holds_ms = db_get_int(r, 0, "expires_in_ms");
}

/* After the lookup: single sign-on, and the anonymous visitor's
 * pre-session token. */
static int session_rules(struct request *req)
{
	struct page *pg = page_of(req);
	const char *sso = trusted_remote_user(req);

	if (pg->user_id && sso && strcmp(sso, pg->user_name) != 0) {
		/* the single sign-on user changed: the old session is not theirs */
		session_destroy(req);
	}
	if (!pg->user_id && sso)
		return session_from_remote_user(req, sso);
	if (!pg->user_id) {
		/* anonymous: the pre-session token protects the login form */
		const char *pre = get_cookie(req, PRE_COOKIE);
		if (valid_pre_token(pre)) {
			pg->csrf = pre;
		} else {
			char *fresh = new_pre_token(req);
			if (!fresh)
				return -1;
			pg->csrf = fresh;
			set_cookie(req, PRE_COOKIE, fresh, 3600);
		}
	}
	return 0;
}

int session_load(struct request *req)
{
	const char *cookie = get_cookie(req, SESSION_COOKIE);
	char hash[65];
	PGresult *r;

	if (valid_token(cookie)) {
		crypto_sha256_hex(cookie, strlen(cookie), hash);
		r = db_query(page_of(req)->db, &q_session_by_hash, DB_PARAMS(DB_TEXT(hash)));
		if (!r)
			return -1;
		session_take(req, r, hash);
		PQclear(r);
	}
	return session_rules(req);
}

/* The page's statements after session_load (two round trips): when the
 * cookie alone cannot say whose page it is (single sign-on may sign the
 * visitor in or out; no well-formed cookie). */
static int session_load_then(struct request *req, struct db_call *calls, int ncalls,
			     struct db_param *hash)
{
	struct page *pg = page_of(req);

	if (session_load(req) < 0)
		return -1;
	if (!pg->user_id)
		return 1;
	*hash = DB_TEXT(pg->session_hash);
	return db_pipeline(pg->db, calls, ncalls) < 0 ? -1 : 0;
}

const char *session_cookie_hash(struct request *req)
{
	const char *cookie = get_cookie(req, SESSION_COOKIE);
	char *h;

	if (app.cfg.trust_remote_user || !valid_token(cookie))
		return NULL;
	h = arena_alloc(&req->arena, 65);
	crypto_sha256_hex(cookie, strlen(cookie), h);
	return h;
}

int session_load_with(struct request *req, const char *cookie_hash, struct db_call *calls, int ncalls,
		      struct db_param *hash)
{
	struct page *pg = page_of(req);
	struct db_call all[1 + SESSION_MAX_CALLS];
	struct db_param by_hash[1];
	int rc;

	if (!cookie_hash || ncalls > SESSION_MAX_CALLS)
		return session_load_then(req, calls, ncalls, hash);
	*hash = DB_TEXT(cookie_hash);
	by_hash[0] = DB_TEXT(cookie_hash);
	all[0] = (struct db_call){ .st = &q_session_by_hash, .n = 1, .p = by_hash };
	memcpy(all + 1, calls, sizeof(*calls) * (size_t)ncalls);
	if (db_pipeline(pg->db, all, 1 + ncalls) < 0)
		return -1;
	session_take(req, all[0].r, cookie_hash);
	PQclear(all[0].r);
	memcpy(calls, all + 1, sizeof(*calls) * (size_t)ncalls);
	if (pg->user_id)
		return 0;
	/* no live session: the statements found nothing of anyone's */
	for (int i = 0; i < ncalls; i++) {
		PQclear(calls[i].r);
		calls[i].r = NULL;
	}
	rc = session_rules(req);
	return rc < 0 ? -1 : 1;
}

int session_create(struct request *req, int64_t user_id, const char *user_name)
{
	struct page *pg = page_of(req);
	char token[65], hash[65], csrf[65];
	PGresult *r;

	/* a new identifier at every login: a planted cookie never becomes a
	 * logged-in session (session fixation) */
	if (pg->session_hash)
		session_destroy(req);
	if (crypto_random_hex(token, 32) < 0 || crypto_random_hex(csrf, 32) < 0)
		return -1;
	crypto_sha256_hex(token, strlen(token), hash);
	if (db_command(pg->db, &q_session_insert,
		       DB_PARAMS(DB_TEXT(hash), DB_INT(user_id), DB_TEXT(csrf),
				 DB_INT(app.cfg.session_ttl_sec))) < 0)
		return -1;
	db_command(pg->db, &q_session_prune, DB_PARAMS(DB_INT(user_id)));
	set_cookie(req, SESSION_COOKIE, token, (long)app.cfg.session_ttl_sec);
	set_cookie(req, PRE_COOKIE, "", 0);
	pg->user_id = user_id;
	pg->user_name = arena_strdup(&req->arena, user_name);
	pg->csrf = arena_strdup(&req->arena, csrf);
	pg->session_hash = arena_strdup(&req->arena, hash);
	r = db_query(pg->db, &q_user_tz, DB_PARAMS(DB_INT(user_id)));
	if (r && PQntuples(r) == 1)
		pg->user_tz = arena_strdup(&req->arena, db_get_text(r, 0, "time_zone"));
	PQclear(r);
	return 0;
}

int session_set_time_zone(struct request *req, const char *tz, int chosen)
{
	struct page *pg = page_of(req);
	PGresult *r;
	int known;

	if (!pg->user_id || !tz || !*tz)
		return 0;
	if (strlen(tz) > 64)
		return 1;
	r = db_query(pg->db, &q_user_set_tz, DB_PARAMS(DB_INT(pg->user_id), DB_TEXT(tz), DB_BOOL(chosen)));
	if (!r)
		return -1;
	known = db_get_bool(r, 0, "known");
	if (!db_is_null(r, 0, "time_zone"))
		pg->user_tz = arena_strdup(&req->arena, db_get(r, 0, "time_zone"));
	PQclear(r);
	return known ? 0 : 1;
}

void session_destroy(struct request *req)
{
	struct page *pg = page_of(req);

	if (pg->session_hash)
		db_command(pg->db, &q_session_delete, DB_PARAMS(DB_TEXT(pg->session_hash)));
	set_cookie(req, SESSION_COOKIE, "", 0);
	pg->user_id = 0;
	pg->user_name = NULL;
	pg->session_hash = NULL;
	pg->csrf = NULL;
	pg->user_tz = NULL;
	pg->page_generation_known = 0;
	pg->holds_ms = 0;
}

int csrf_check(struct request *req)
{
	struct page *pg = page_of(req);
	const char *sent = kv_get(&req->form, "csrf");

	if (!pg->csrf || !sent || !*sent)
		return 0;
	return crypto_str_equal(sent, pg->csrf);
}
