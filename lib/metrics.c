/* metrics.c — the process's metric registry. See metrics.h. */
#include "metrics.h"

#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum mtype { M_COUNTER, M_GAUGE, M_HISTOGRAM };

/* Every metric this registry knows, in output order. */
static const struct mdef {
	const char *name;
	enum mtype type;
	const char *l1, *l2;         /* label names; NULL when fewer */
	const char *help;
} defs[] = {
	{ "langflix_http_requests_total", M_COUNTER, "route", "status",
	  "Requests answered by the app, by route name and HTTP status." },
	{ "langflix_http_request_duration_seconds", M_HISTOGRAM, "route", NULL,
	  "Time from the request's arrival at the app to its answer, by route name." },
	{ "langflix_tiktok_calls_total", M_COUNTER, "endpoint", "code",
	  "TikTok API calls by endpoint path and outcome (ok, network, malformed, or TikTok's error code)." },
	{ "langflix_token_refreshes_total", M_COUNTER, "result", NULL,
	  "TikTok access token refreshes (ok or failed)." },
	{ "langflix_webhook_events_total", M_COUNTER, "result", NULL,
	  "TikTok webhook deliveries by result (applied, duplicate, unchanged, unmatched, ignored, "
	  "bad_signature, stale, malformed, error)." },
	{ "langflix_upload_bytes_total", M_COUNTER, NULL, NULL,
	  "Video bytes TikTok accepted in chunk uploads from this process." },
	{ "langflix_worker_slots", M_GAUGE, NULL, NULL,
	  "Upload slots this worker runs (0 in the app)." },
	{ "langflix_worker_slots_busy", M_GAUGE, NULL, NULL,
	  "Upload slots of this worker working on a job right now." },
	{ "langflix_metrics_dropped_series_total", M_COUNTER, NULL, NULL,
	  "Series not recorded because the registry was full." },
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

#define MAX_SERIES 1024
#define LABEL_MAX 64

struct series {
	unsigned def;
	char l1[LABEL_MAX], l2[LABEL_MAX];
	double value;                /* counter/gauge; histogram: the sum */
	uint64_t count;              /* histogram */
	uint64_t bucket[NBUCKETS];   /* histogram, not cumulative */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series *series;
static size_t nseries;

static int def_index(const char *name)
{
	for (unsigned i = 0; i < NDEFS; i++)
		if (!strcmp(defs[i].name, name))
			return (int)i;
	return -1;
}

/* Label values keep [A-Za-z0-9_./-] only, so nothing needs escaping and
 * no client-chosen text becomes a label verbatim. */
static void sanitize(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < LABEL_MAX; src++) {
		char c = *src;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '.' || c == '/' || c == '-';
		dst[i++] = ok ? c : '_';
	}
	dst[i] = '\0';
}

/* The series, created when new; NULL when the registry is full. Locked. */
static struct series *find(unsigned def, const char *l1, const char *l2)
{
	char a[LABEL_MAX], b[LABEL_MAX];

	sanitize(a, defs[def].l1 ? l1 : NULL);
	sanitize(b, defs[def].l2 ? l2 : NULL);
	for (size_t i = 0; i < nseries; i++)
		if (series[i].def == def && !strcmp(series[i].l1, a) && !strcmp(series[i].l2, b))
			return &series[i];
	if (!series)
		series = xcalloc(MAX_SERIES, sizeof(*series));
	if (nseries >= MAX_SERIES - 1) {
		/* the last slot is kept for the drop counter itself */
		unsigned d = (unsigned)def_index("langflix_metrics_dropped_series_total");
		for (size_t i = 0; i < nseries; i++)
			if (series[i].def == d) {
				series[i].value += 1;
				return NULL;
			}
		if (nseries < MAX_SERIES) {
			memset(&series[nseries], 0, sizeof(series[nseries]));
			series[nseries].def = d;
			series[nseries++].value = 1;
		}
		return NULL;
	}
	memset(&series[nseries], 0, sizeof(series[nseries]));
	series[nseries].def = def;
	memcpy(series[nseries].l1, a, sizeof(a));
	memcpy(series[nseries].l2, b, sizeof(b));
	return &series[nseries++];
}

static void update(const char *name, const char *l1, const char *l2, double v, int set)
{
	int d = def_index(name);
	struct series *s;

	if (d < 0)
		return;
	pthread_mutex_lock(&lock);
	s = find((unsigned)d, l1, l2);
	if (s) {
		if (set)
			s->value = v;
		else
			s->value += v;
	}
	pthread_mutex_unlock(&lock);
}

void metrics_add(const char *name, const char *l1, const char *l2, double v)
{
	update(name, l1, l2, v, 0);
}

void metrics_set(const char *name, const char *l1, const char *l2, double v)
{
	update(name, l1, l2, v, 1);
}

double metrics_value(const char *name, const char *l1, const char *l2)
{
	char a[LABEL_MAX], b[LABEL_MAX];
	int d = def_index(name);
	double v = 0;

	if (d < 0)
		return 0;
	sanitize(a, defs[d].l1 ? l1 : NULL);
	sanitize(b, defs[d].l2 ? l2 : NULL);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nseries; i++)
		if (series[i].def == (unsigned)d && !strcmp(series[i].l1, a) && !strcmp(series[i].l2, b))
			v = defs[d].type == M_HISTOGRAM ? (double)series[i].count : series[i].value;
	pthread_mutex_unlock(&lock);
	return v;
}

void metrics_request(const char *route, int status, double seconds)
{
	char st[16];
	int d = def_index("langflix_http_request_duration_seconds");
	struct series *s;

	snprintf(st, sizeof(st), "%d", status);
	metrics_add("langflix_http_requests_total", route ? route : "none", st, 1);
	pthread_mutex_lock(&lock);
	s = find((unsigned)d, route ? route : "none", NULL);
	if (s) {
		size_t b = 0;
		while (b < NBUCKETS && seconds > buckets[b])
			b++;
		if (b < NBUCKETS)
			s->bucket[b]++;
		s->count++;
		s->value += seconds;
	}
	pthread_mutex_unlock(&lock);
}

void metrics_api_call(const char *endpoint, const char *code)
{
	metrics_add("langflix_tiktok_calls_total", endpoint, code, 1);
}

void metrics_token_refresh(int ok)
{
	metrics_add("langflix_token_refreshes_total", ok ? "ok" : "failed", NULL, 1);
}

void metrics_webhook(const char *result)
{
	metrics_add("langflix_webhook_events_total", result, NULL, 1);
}

void metrics_upload_bytes(int64_t n)
{
	metrics_add("langflix_upload_bytes_total", NULL, NULL, (double)n);
}

void metrics_slots_total(int n)
{
	metrics_set("langflix_worker_slots", NULL, NULL, n);
}

void metrics_slot_busy(int delta)
{
	metrics_add("langflix_worker_slots_busy", NULL, NULL, delta);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&lock);
	nseries = 0;
	pthread_mutex_unlock(&lock);
}

/* ---- the text format ---- */

static void put_value(struct buf *out, double v)
{
	if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
		buf_printf(out, "%lld", (long long)v);
	else
		buf_printf(out, "%.9g", v);
}

void metrics_text_header(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_text_sample(struct buf *out, const char *name, const char *label, const char *label_value,
			 double v)
{
	char lv[LABEL_MAX];

	buf_puts(out, name);
	if (label) {
		sanitize(lv, label_value);
		buf_printf(out, "{%s=\"%s\"}", label, lv);
	}
	buf_putc(out, ' ');
	put_value(out, v);
	buf_putc(out, '\n');
}

/* {l1="a",l2="b"} (or {l1="a",le="x"} with extra), nothing when no labels. */
static void put_labels(struct buf *out, const struct mdef *d, const struct series *s, const char *le)
{
	int any = 0;

	if (!d->l1 && !le)
		return;
	buf_putc(out, '{');
	if (d->l1) {
		buf_printf(out, "%s=\"%s\"", d->l1, s->l1);
		any = 1;
	}
	if (d->l2) {
		buf_printf(out, "%s%s=\"%s\"", any ? "," : "", d->l2, s->l2);
		any = 1;
	}
	if (le)
		buf_printf(out, "%sle=\"%s\"", any ? "," : "", le);
	buf_putc(out, '}');
}

static void render_series(struct buf *out, const struct mdef *d, const struct series *s)
{
	if (d->type != M_HISTOGRAM) {
		buf_puts(out, d->name);
		put_labels(out, d, s, NULL);
		buf_putc(out, ' ');
		put_value(out, s->value);
		buf_putc(out, '\n');
		return;
	}
	{
		uint64_t cum = 0;
		char le[32];

		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += s->bucket[b];
			snprintf(le, sizeof(le), "%g", buckets[b]);
			buf_printf(out, "%s_bucket", d->name);
			put_labels(out, d, s, le);
			buf_printf(out, " %llu\n", (unsigned long long)cum);
		}
		buf_printf(out, "%s_bucket", d->name);
		put_labels(out, d, s, "+Inf");
		buf_printf(out, " %llu\n%s_sum", (unsigned long long)s->count, d->name);
		put_labels(out, d, s, NULL);
		buf_printf(out, " %.6f\n%s_count", s->value, d->name);
		put_labels(out, d, s, NULL);
		buf_printf(out, " %llu\n", (unsigned long long)s->count);
	}
}

void metrics_render(struct buf *out)
{
	static const char *type_names[] = { "counter", "gauge", "histogram" };

	pthread_mutex_lock(&lock);
	for (unsigned d = 0; d < NDEFS; d++) {
		int seen = 0;
		metrics_text_header(out, defs[d].name, type_names[defs[d].type], defs[d].help);
		for (size_t i = 0; i < nseries; i++)
			if (series[i].def == d) {
				render_series(out, &defs[d], &series[i]);
				seen = 1;
			}
		/* a metric without labels is always present, 0 until it moves */
		if (!seen && !defs[d].l1 && defs[d].type != M_HISTOGRAM)
			buf_printf(out, "%s 0\n", defs[d].name);
	}
	pthread_mutex_unlock(&lock);
}

int metrics_write_file(const char *path)
{
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	int fd, rc = -1;

	metrics_render(&text);
	buf_printf(&tmp, "%s.tmp.%d", path, (int)getpid());
	fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	if (write(fd, text.data ? text.data : "", text.len) != (ssize_t)text.len) {
		close(fd);
		unlink(buf_cstr(&tmp));
		goto out;
	}
	if (close(fd) < 0 || rename(buf_cstr(&tmp), path) < 0) {
		unlink(buf_cstr(&tmp));
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	buf_free(&tmp);
	return rc;
}

struct file_job {
	char *path;
	int every;
};

static void *file_loop(void *p)
{
	struct file_job *fj = p;

	for (;;) {
		metrics_write_file(fj->path);
		sleep((unsigned)fj->every);
	}
	return NULL;
}

int metrics_file_start(const char *path, int every_sec)
{
	struct file_job *fj;
	pthread_t t;

	if (!path || !*path)
		return 0;
	fj = xcalloc(1, sizeof(*fj));
	fj->path = xstrdup(path);
	fj->every = every_sec > 0 ? every_sec : 5;
	if (metrics_write_file(fj->path) < 0 ||
	    pthread_create(&t, NULL, file_loop, fj) != 0) {
		free(fj->path);
		free(fj);
		return -1;
	}
	pthread_detach(t);
	return 0;
}
