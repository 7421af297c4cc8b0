/* platform.h — what LangFlix needs from a video platform, as one struct of
 * function pointers (LangFlix's AbstractPlatformUploader: authenticate,
 * handle the callback, upload, status, validate). Jobs and accounts name
 * their platform (the `platform` column, sql/015); callers look the
 * platform up by that name and reach it only through these pointers: the
 * worker (lib/jobs.c's claim gives the name), the OAuth pages, and the
 * composer's validation. lib/platform_tiktok.c is the one implementation.
 *
 * The argument types are the TikTok client's (lib/tiktok*.h): they were
 * written first and a second platform fills the same shapes (a token pair,
 * a creator's options, an init answer, a status). Adding one is a new
 * platform_<name>.c and a line in lib/platform.c; lib/jobs.c and the
 * worker's decision code do not change. */
#ifndef LF_PLATFORM_H
#define LF_PLATFORM_H

#include <curl/curl.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "post_rules.h"
#include "post_settings.h"
#include "tiktok.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"

struct platform {
	const char *name;            /* the `platform` column's value: "tiktok" */
	const char *label;           /* what users read: "TikTok" */

	/* The site's app keys are set (connecting and posting can work). */
	int (*configured)(const struct config *cfg);
	/* The client for this site's app (keys, addresses, timeouts). */
	void (*client)(const struct config *cfg, struct tiktok_client *out);

	/* authenticate: where to send the user to grant access; verifier is
	 * the PKCE verifier kept with the state, NULL without PKCE. */
	void (*authorize_url)(const struct config *cfg, const char *state, const char *verifier,
			      struct buf *out);
	/* handle_callback: the code (and verifier) for the tokens. 0 or -1 (res). */
	int (*exchange_code)(const struct tiktok_client *c, const char *code, const char *verifier,
			     struct tiktok_token *out, struct tiktok_result *res);
	int (*refresh)(const struct tiktok_client *c, const char *refresh_token,
		       struct tiktok_token *out, struct tiktok_result *res);
	/* A refresh's failure says the grant is gone for good (reconnect). */
	int (*grant_dead)(const struct tiktok_result *res);
	int (*revoke)(const struct tiktok_client *c, const char *access_token,
		      struct tiktok_result *res);
	/* The account's profile, with what its scopes allow. */
	int (*account_info)(const struct tiktok_client *c, const char *access_token, unsigned scopes,
			    struct tiktok_user *out, struct tiktok_result *res);
	/* The creator's options right now (TT_CREATOR_OK, _CANNOT_POST, _FAILED). */
	int (*creator_info)(const struct tiktok_client *c, const char *access_token,
			    struct tiktok_creator *out, struct tiktok_result *res);

	/* validate: the form's post settings against the creator's options
	 * and the file; the number of violations (0: *d is the post). */
	int (*validate)(const struct post_form *s, const struct post_facts *f,
			struct post_decision *d, struct post_violations *out);
	/* The checks that need no form (the composer shows them first). */
	int (*preflight)(const struct post_facts *f, int direct, struct post_violations *out);

	/* upload: start it (init), then send its parts. */
	int (*upload_init)(const struct tiktok_client *c, const char *access_token,
			   const struct post_settings *post, const struct tiktok_source *src,
			   struct tiktok_init *out, struct tiktok_result *res);
	int (*upload_part)(CURL *curl, struct tiktok_put *p);
	/* status: where the upload stands at the platform. */
	int (*status)(const struct tiktok_client *c, const char *access_token, const char *publish_id,
		      struct tiktok_status *out, struct tiktok_result *res);

	/* The error table: what an answer means and the user's sentence. */
	enum tt_action (*classify)(const struct tiktok_result *r, const char **reason);
	enum tt_upload_action (*classify_part)(long http_status);
	const char *(*fail_reason_text)(const char *fail_reason, int *retryable);
};

/* The platform of that name, NULL (and a log line) when there is none:
 * callers refuse with platform_refusal()'s sentence. NULL or "" is not a
 * name. */
const struct platform *platform_for(const char *name);
/* The user's sentence for a name platform_for() refused. */
void platform_refusal(const char *name, char *out, size_t n);

/* Add a platform (tests register a fake one). 0, or -1 when the name is
 * taken or the table is full. Not thread-safe: call before threads start. */
int platform_register(const struct platform *p);

/* The one implementation, for platform.c's table. */
extern const struct platform platform_tiktok;

#endif
