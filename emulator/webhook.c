/* webhook.c — TikTok webhook deliveries (tiktok-api.md §4) from one
 * background thread, so no request ever waits on them. The events wait in
 * the store's outbox (state.c, webhook_queue_locked). The same thread
 * advances posts whose processing delay has passed, so events fire
 * without anyone polling.
 *
 * Envelope: {client_key, event, create_time, user_openid, content}, where
 * content is a JSON object serialised as a string. Header
 * TikTok-Signature: t=<unix>,s=<hex HMAC-SHA256(client_secret, t "." body)>,
 * signed by the emulator's own code (rules.h), not the product's. */
#include "emu.h"
#include "log.h"
#include "rules.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

static pthread_t thread;
static int started;

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

/* One POST; the HTTP status, or 0 when the receiver was unreachable. */
static long post_once(const char *url, const char *secret, const char *body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char sig[160], line[200];
	long status = 0;

	if (!c)
		return 0;
	tt_webhook_signature_header(secret, now_unix(), body, strlen(body), sig, sizeof(sig));
	snprintf(line, sizeof(line), "TikTok-Signature: %s", sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "User-Agent: TikTok-Emulator-Webhook/1.0");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static void deliver(struct webhook_event *e, const char *url, int retries)
{
	long status = 0;
	int attempt;

	for (attempt = 1; attempt <= retries + 1; attempt++) {
		status = post_once(url, G.cfg->client_secret, e->body);
		if (status >= 200 && status < 300)
			break;
		/* TikTok backs off for up to 72 h; the emulator briefly */
		if (attempt <= retries)
			usleep((useconds_t)(250000 << (attempt - 1)));
	}
	if (attempt > retries + 1)
		attempt = retries + 1;
	log_info("event=webhook_delivered name=%s status=%ld attempts=%d", e->event, status, attempt);
	pthread_mutex_lock(&G.mu);
	webhook_result_locked(e, (int)status, attempt);
	pthread_mutex_unlock(&G.mu);
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&G.mu);
	while (!G.stopping) {
		struct webhook_event *e;
		char url[1024];
		int retries;

		posts_tick();
		e = webhook_next_locked();
		if (!e) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&G.wake, &G.mu, &ts);
			continue;
		}
		snprintf(url, sizeof(url), "%s", G.rt.webhook_url);
		retries = (int)G.cfg->webhook_retries;
		pthread_mutex_unlock(&G.mu);
		if (url[0])
			deliver(e, url, retries);
		webhook_event_free(e);
		pthread_mutex_lock(&G.mu);
	}
	pthread_mutex_unlock(&G.mu);
	return NULL;
}

void webhook_start(void)
{
	if (pthread_create(&thread, NULL, run, NULL) == 0)
		started = 1;
	else
		log_error("event=webhook_thread_failed err=%s", strerror(errno));
}

void webhook_stop(void)
{
	struct webhook_event *e;

	if (!started)
		return;
	pthread_mutex_lock(&G.mu);
	G.stopping = 1;
	pthread_cond_signal(&G.wake);
	pthread_mutex_unlock(&G.mu);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&G.mu);
	while ((e = webhook_next_locked()))
		webhook_event_free(e);
	pthread_mutex_unlock(&G.mu);
}
