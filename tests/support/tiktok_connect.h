/* tiktok_connect.h — a connected TikTok account for integration tests,
 * without a browser: a dashboard user is inserted, the emulator's consent
 * form is posted for one of its creator profiles, the code is exchanged
 * with lib/tiktok.h and the tokens are stored sealed by accounts_store(),
 * exactly as the app's callback stores them.
 *
 * Include after cmocka.h (failures fail the test). Needs LF_CONFIG,
 * LF_DB_URL and LF_EMU_URL (tests/run.sh exports them). */
#ifndef LF_TIKTOK_CONNECT_H
#define LF_TIKTOK_CONNECT_H

#include <stddef.h>

#include "config.h"

struct tconn {
	long long user_id;
	long long account_id;
	char open_id[64];
};

/* The app's configuration (LF_CONFIG), loaded once. */
const struct config *tconn_config(void);
/* A new dashboard user with the emulator profile open_id connected with
 * scopes (comma-separated, e.g. "user.info.basic,video.publish,video.upload"). */
void tconn_connect(const char *open_id, const char *scopes, struct tconn *out);
/* The same for an existing dashboard user (one that signs in, say). */
void tconn_connect_user(long long user_id, const char *open_id, const char *scopes, struct tconn *out);

/* Add creator profiles (JSON objects, each with a unique "username") to
 * the running emulator beside its built-in ones, unless they are there
 * already (from an earlier test binary of the same run). */
void tconn_emulator_profiles(const char *const *profiles, size_t n);

#endif
