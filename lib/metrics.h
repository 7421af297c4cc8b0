/* metrics.h — process-wide counters and histograms in the Prometheus text
 * format 0.0.4, shared by the app and the worker.
 *
 * Each process keeps its own registry (one mutex; a series is a metric
 * plus its label values). The app serves it on GET /metrics together with
 * gauges read from the database at scrape time (cgi-bin/page_ops.c); the
 * worker writes it to a file every few seconds (metrics_file_start), in the
 * format node_exporter's textfile collector reads.
 *
 * Label values are bounded by construction (route names, HTTP statuses,
 * endpoint names and error codes given by the callers, fixed result words)
 * and are
 * sanitised to [A-Za-z0-9_./-] so nothing a client sends becomes a label;
 * a registry that is full drops new series and counts the drop. */
#ifndef LF_METRICS_H
#define LF_METRICS_H

#include <stdint.h>

#include "buf.h"

/* One finished request of the app (route name, HTTP status, seconds). */
void metrics_request(const char *route, int status, double seconds);
/* One call to the platform's API, as its caller names it (tiktok_call:
 * the endpoint "post/publish/status/fetch", the code "ok", "network",
 * "malformed" or the platform's error code). */
void metrics_api_call(const char *endpoint, const char *code);
/* One access token refresh, successful or not. */
void metrics_token_refresh(int ok);
/* One webhook delivery by result (applied, duplicate, unchanged,
 * unmatched, ignored, bad_signature, stale, malformed, error). */
void metrics_webhook(const char *result);
/* Bytes TikTok accepted in chunk PUTs (the worker). */
void metrics_upload_bytes(int64_t n);
/* Worker slots: the configured number, and one becoming busy (+1) or idle (-1). */
void metrics_slots_total(int n);
void metrics_slot_busy(int delta);

/* Generic access, for the rest: a counter or gauge with up to two labels
 * ("name" must be one of the metrics this file declares; see metrics.c). */
void metrics_add(const char *name, const char *l1, const char *l2, double v);
void metrics_set(const char *name, const char *l1, const char *l2, double v);
/* The current value of a series (0 when absent), for tests. */
double metrics_value(const char *name, const char *l1, const char *l2);

/* The whole registry as Prometheus text (HELP/TYPE lines included). */
void metrics_render(struct buf *out);
/* Write the registry to path atomically (a temporary file, then rename). */
int metrics_write_file(const char *path);
/* A background thread rewriting path every every_sec seconds (and once
 * at once). 0, or -1 when the thread could not start. */
int metrics_file_start(const char *path, int every_sec);
/* Forget every series (tests). */
void metrics_reset(void);

/* One line of a Prometheus exposition, for gauges computed elsewhere (the
 * app's database gauges): HELP and TYPE once per name, then a sample.
 * label_value is sanitised like the registry's. */
void metrics_text_header(struct buf *out, const char *name, const char *type, const char *help);
void metrics_text_sample(struct buf *out, const char *name, const char *label, const char *label_value,
			 double v);

#endif
