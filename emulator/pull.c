/* pull.c — PULL_FROM_URL (tiktok-api.md §2.5): TikTok downloads video_url
 * itself. One detached thread per download, so no request thread ever
 * waits on a slow or stalled URL; status shows PROCESSING_DOWNLOAD with
 * downloaded_bytes meanwhile. Like TikTok: no redirects (any 3xx fails),
 * about 100 Mbps (pull_rate_bytes_per_sec, paced here), a time limit
 * (pull_timeout_sec, 1 h), a size limit (pull_max_bytes, 4 GB); every
 * failure is FAILED video_pull_failed. The bytes are hashed (SHA-256) as
 * they arrive, like a FILE_UPLOAD's, and kept in data_dir when set. */
#include "emu.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

static _Atomic int active;   /* downloads running */

struct pull {
	struct post *p;
	char *url;
	int64_t max_bytes, rate, timeout_sec;
	EVP_MD_CTX *sha;
	int fd;
	int64_t got;
	int too_large;
	double started;               /* monotonic */
};

/* Stop when the post was cancelled, failed (auth_removed), reset away, or
 * the emulator is stopping (G.mu held). */
static int should_stop(const struct post *p)
{
	return p->orphan || strcmp(p->status, "PROCESSING_DOWNLOAD") != 0 || G.stopping;
}

/* Hold the download to x->rate bytes a second, from its start: curl's own
 * limit lets a small file through in one burst on loopback, and TikTok's
 * ~100 Mbps is what makes PROCESSING_DOWNLOAD visible. Sleeps in short
 * steps so a cancel is seen. 1 when the download must stop. */
static int pace(struct pull *x)
{
	for (;;) {
		double ahead = (double)x->got / (double)x->rate - (now_mono() - x->started);
		int stop;
		pthread_mutex_lock(&G.mu);
		stop = should_stop(x->p);
		pthread_mutex_unlock(&G.mu);
		if (stop)
			return 1;
		if (ahead <= 0)
			return 0;
		usleep((useconds_t)((ahead < 0.05 ? ahead : 0.05) * 1e6));
	}
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct pull *x = arg;
	size_t len = size * n;
	int stop;

	if (x->got + (int64_t)len > x->max_bytes) {
		x->too_large = 1;
		return 0;
	}
	EVP_DigestUpdate(x->sha, data, len);
	if (x->fd >= 0 && write(x->fd, data, len) != (ssize_t)len)
		log_error("event=data_write_failed err=%s", strerror(errno));
	x->got += (int64_t)len;
	pthread_mutex_lock(&G.mu);
	x->p->downloaded = x->got;
	stop = should_stop(x->p);
	pthread_mutex_unlock(&G.mu);
	if (!stop && x->rate > 0)
		stop = pace(x);
	return stop ? 0 : len;
}

/* Called while the transfer waits too, so a stalled URL can be cancelled. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct pull *x = arg;
	int stop;

	(void)dt, (void)dn, (void)ut, (void)un;
	pthread_mutex_lock(&G.mu);
	stop = should_stop(x->p);
	pthread_mutex_unlock(&G.mu);
	return stop;
}

static void hex_digest(EVP_MD_CTX *ctx, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_DigestFinal_ex(ctx, md, &len);
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* One GET with TikTok's rules. The curl result; *status the HTTP status. */
static CURLcode fetch(struct pull *x, long *status)
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	*status = 0;
	if (!c)
		return CURLE_FAILED_INIT;
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);          /* a redirect is a failure */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)x->timeout_sec);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "TikTok-Emulator-Pull/1.0");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	return rc;
}

/* Why the download failed, or NULL when the bytes are all here. */
static const char *failure(const struct pull *x, CURLcode rc, long status, char *detail, size_t n)
{
	if (status >= 300 && status < 400) {
		snprintf(detail, n, "HTTP %ld: video_url redirects; TikTok follows no redirect", status);
		return "pull_redirect";
	}
	if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(detail, n, "the file is larger than %lld bytes", (long long)x->max_bytes);
		return "pull_too_large";
	}
	if (rc != CURLE_OK) {
		snprintf(detail, n, "download failed: %s", curl_easy_strerror(rc));
		return "pull_failed";
	}
	if (status < 200 || status >= 300) {
		snprintf(detail, n, "HTTP %ld from video_url", status);
		return "pull_failed";
	}
	if (x->got == 0) {
		snprintf(detail, n, "video_url sent no bytes");
		return "pull_failed";
	}
	return NULL;
}

static void finish(struct pull *x, CURLcode rc, long status)
{
	struct post *p = x->p;
	char detail[256];
	const char *why = failure(x, rc, status, detail, sizeof(detail));

	pthread_mutex_lock(&G.mu);
	if (p->orphan || strcmp(p->status, "PROCESSING_DOWNLOAD") != 0) {
		/* reset, cancelled or revoked meanwhile: nothing more to say */
		pthread_mutex_unlock(&G.mu);
		return;
	}
	if (why) {
		post_fail_locked(p, "video_pull_failed");
	} else {
		p->video_size = p->received = p->downloaded = x->got;
		hex_digest(x->sha, p->sha256);
		snprintf(p->content_type, sizeof(p->content_type), "video/mp4");
		p->process_due = now_mono() + (double)G.rt.processing_delay_ms / 1000.0;
	}
	pthread_mutex_unlock(&G.mu);
	if (why && !strcmp(why, "pull_redirect"))
		violation(NULL, why, "%s (%s)", detail, p->publish_id);   /* the client's URL must not redirect */
	else if (why)
		notice(NULL, why, "%s (%s)", detail, p->publish_id);
	log_info("event=pull_done publish_id=%s bytes=%lld http=%ld result=%s", log_quote(p->publish_id),
		 (long long)x->got, status, why ? why : "ok");
}

/* The download is over: its file, hash and reference on the post go. */
static void pull_end(struct pull *x)
{
	if (x->fd >= 0)
		close(x->fd);
	EVP_MD_CTX_free(x->sha);
	free(x->url);
	post_release(x->p);
	free(x);
	active--;
}

static void *run(void *arg)
{
	struct pull *x = arg;
	long status;
	CURLcode rc;

	x->started = now_mono();
	rc = fetch(x, &status);

	finish(x, rc, status);
	pull_end(x);
	return NULL;
}

void pull_start(struct post *p)
{
	struct pull *x = xcalloc(1, sizeof(*x));
	pthread_attr_t attr;
	pthread_t t;

	x->p = p;
	x->fd = -1;
	pthread_mutex_lock(&G.mu);
	x->url = xstrdup(p->video_url);
	x->max_bytes = G.rt.pull_max_bytes;
	x->rate = G.rt.pull_rate;
	x->timeout_sec = G.rt.pull_timeout_sec;
	pthread_mutex_unlock(&G.mu);
	x->sha = EVP_MD_CTX_new();
	EVP_DigestInit_ex(x->sha, EVP_sha256(), NULL);
	if (p->data_path && (x->fd = open(p->data_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		log_error("event=data_open_failed path=%s err=%s", log_quote(p->data_path), strerror(errno));
	active++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, run, x) != 0) {
		log_error("event=pull_thread_failed err=%s", strerror(errno));
		finish(x, CURLE_FAILED_INIT, 0);
		pull_end(x);
	}
	pthread_attr_destroy(&attr);
}

void pull_stop(void)
{
	/* G.stopping is set: every download stops at its next callback */
	for (int i = 0; i < 300 && active > 0; i++)
		usleep(10000);
}
