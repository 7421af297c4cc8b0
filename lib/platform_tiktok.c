/* platform_tiktok.c — TikTok behind struct platform (lib/platform.h), on
 * the existing TikTok client: lib/tiktok.c (OAuth, user info),
 * lib/tiktok_creator.c, lib/tiktok_post.c, lib/tiktok_errors.c and
 * lib/post_rules.c. Nothing here talks to TikTok by itself. */
#include "platform.h"

#include "accounts.h"

static int tt_configured(const struct config *cfg)
{
	return *cfg->tiktok_client_key && *cfg->tiktok_client_secret && *cfg->tiktok_redirect_uri &&
	       cfg->secret_key.set;
}

/* TikTok's PKCE challenge is the hex SHA-256 of the verifier (tiktok-api.md §1.2). */
static void tt_authorize_url(const struct config *cfg, const char *state, const char *verifier,
			     struct buf *out)
{
	struct tiktok_client c;
	char challenge[65];

	accounts_client(cfg, &c);
	if (verifier)
		tiktok_pkce_challenge(verifier, challenge);
	tiktok_authorize_url(cfg->tiktok_auth_url, &c, state, verifier ? challenge : NULL, out);
}

static int tt_account_info(const struct tiktok_client *c, const char *access_token, unsigned scopes,
			   struct tiktok_user *out, struct tiktok_result *res)
{
	return tiktok_user_info(c, access_token, tiktok_user_fields(scopes), out, res);
}

const struct platform platform_tiktok = {
	.name = "tiktok",
	.label = "TikTok",
	.configured = tt_configured,
	.client = accounts_client,
	.authorize_url = tt_authorize_url,
	.exchange_code = tiktok_exchange_code,
	.refresh = tiktok_refresh,
	.grant_dead = tiktok_grant_dead,
	.revoke = tiktok_revoke,
	.account_info = tt_account_info,
	.creator_info = tiktok_creator_info,
	.validate = post_rules_check,
	.preflight = post_rules_preflight,
	.upload_init = tiktok_post_init,
	.upload_part = tiktok_put_chunk,
	.status = tiktok_status_fetch,
	.classify = tiktok_error_classify,
	.classify_part = tiktok_upload_classify,
	.fail_reason_text = tiktok_fail_reason_text,
};
