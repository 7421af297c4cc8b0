/* webhook.c — TikTok webhook deliveries (tiktok-api.md §4) from one
 * background thread, so no request ever waits on them. The same thread
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

struct event {
	int64_t seq;                 /* its line in G.deliveries */
	char event[48];
	char open_id[64];
	char publish_id[96];
	char *body;
	struct event *next;
};

static struct event *head, *tail;   /* guarded by G.mu */
static pthread_t thread;
static int started;

/* Every event is listed at once (http_status 0, attempts 0) and updated
 * when its delivery ends (G.mu held). */
static void record(struct event *e, const char *content)
{
	struct delivery d;

	memset(&d, 0, sizeof(d));
	d.seq = e->seq = ++G.next_delivery;
	snprintf(d.event, sizeof(d.event), "%s", e->event);
	snprintf(d.open_id, sizeof(d.open_id), "%s", e->open_id);
	snprintf(d.publish_id, sizeof(d.publish_id), "%s", e->publish_id);
	snprintf(d.content, sizeof(d.content), "%s", content);
	d.time = now_unix();
	if (G.deliveries.n < EMU_LOG_CAP)
		VEC_PUSH(G.deliveries, d);
}

static void record_result(const struct event *e, int http_status, int attempts)
{
	/* a reset in between removed the line: nothing to update */
	for (size_t i = 0; i < G.deliveries.n; i++)
		if (G.deliveries.v[i].seq == e->seq) {
			G.deliveries.v[i].http_status = http_status;
			G.deliveries.v[i].attempts = attempts;
			return;
		}
}

void webhook_queue_locked(const char *event, const char *open_id, const char *publish_id,
			  struct json_object *content)
{
	struct json_object *env = json_object_new_object();
	struct event *e = xcalloc(1, sizeof(*e));
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *inner = json_object_to_json_string_ext(content, flags);

	snprintf(e->event, sizeof(e->event), "%s", event);
	snprintf(e->open_id, sizeof(e->open_id), "%s", open_id);
	snprintf(e->publish_id, sizeof(e->publish_id), "%s", publish_id ? publish_id : "");
	json_object_object_add(env, "client_key", json_object_new_string(G.cfg->client_key));
	json_object_object_add(env, "event", json_object_new_string(event));
	json_object_object_add(env, "create_time", json_object_new_int64(now_unix()));
	json_object_object_add(env, "user_openid", json_object_new_string(open_id));
	/* content is a string holding JSON: receivers parse it twice */
	json_object_object_add(env, "content",
			       json_object_new_string(inner));
	e->body = xstrdup(json_object_to_json_string_ext(env, flags));
	json_object_put(env);
	record(e, inner);
	json_object_put(content);
	if (!G.rt.webhook_url[0]) {
		/* no receiver configured: the event still shows in /_emulator/state */
		free(e->body);
		free(e);
		return;
	}
	if (tail)
		tail->next = e;
	else
		head = e;
	tail = e;
	pthread_cond_signal(&G.wake);
}

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

static void deliver(struct event *e, const char *url, int retries)
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
	record_result(e, (int)status, attempt);
	pthread_mutex_unlock(&G.mu);
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&G.mu);
	while (!G.stopping) {
		struct event *e;
		char url[1024];
		int retries;

		posts_tick();
		if (!head) {
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
		e = head;
		head = e->next;
		if (!head)
			tail = NULL;
		snprintf(url, sizeof(url), "%s", G.rt.webhook_url);
		retries = (int)G.cfg->webhook_retries;
		pthread_mutex_unlock(&G.mu);
		if (url[0])
			deliver(e, url, retries);
		free(e->body);
		free(e);
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
	struct event *e;

	if (!started)
		return;
	pthread_mutex_lock(&G.mu);
	G.stopping = 1;
	pthread_cond_signal(&G.wake);
	pthread_mutex_unlock(&G.mu);
	pthread_join(thread, NULL);
	while ((e = head)) {
		head = e->next;
		free(e->body);
		free(e);
	}
	tail = NULL;
}
