/* test_metrics.c — the metric registry and its Prometheus text (lib/metrics.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static int reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static char *render(void)
{
	struct buf b = BUF_INIT;

	metrics_render(&b);
	return buf_detach(&b);
}

static void requests_by_route_and_status(void **state)
{
	char *t;

	(void)state;
	metrics_request("login_form", 200, 0.003);
	metrics_request("login_form", 200, 0.2);
	metrics_request("login", 403, 0.02);
	assert_true(metrics_value("langflix_http_requests_total", "login_form", "200") == 2);
	assert_true(metrics_value("langflix_http_requests_total", "login", "403") == 1);
	assert_true(metrics_value("langflix_http_requests_total", "login", "200") == 0);
	t = render();
	assert_non_null(strstr(t, "# HELP langflix_http_requests_total "));
	assert_non_null(strstr(t, "# TYPE langflix_http_requests_total counter\n"));
	assert_non_null(strstr(t, "langflix_http_requests_total{route=\"login_form\",status=\"200\"} 2\n"));
	assert_non_null(strstr(t, "langflix_http_requests_total{route=\"login\",status=\"403\"} 1\n"));
	/* the histogram: cumulative buckets, +Inf = count, sum */
	assert_non_null(strstr(t, "# TYPE langflix_http_request_duration_seconds histogram\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_bucket{route=\"login_form\",le=\"0.001\"} 0\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_bucket{route=\"login_form\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_bucket{route=\"login_form\",le=\"0.1\"} 1\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_bucket{route=\"login_form\",le=\"0.25\"} 2\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_bucket{route=\"login_form\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_sum{route=\"login_form\"} 0.203000\n"));
	assert_non_null(strstr(t, "langflix_http_request_duration_seconds_count{route=\"login_form\"} 2\n"));
	free(t);
}

static void every_line_is_help_type_or_a_sample(void **state)
{
	char *t, *line, *save = NULL;

	(void)state;
	metrics_request("x", 200, 0.5);
	metrics_webhook("applied");
	t = render();
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP langflix_", 16) || !strncmp(line, "# TYPE langflix_", 16))
			continue;
		/* name{labels} value  or  name value */
		assert_true(!strncmp(line, "langflix_", 9));
		assert_non_null(strrchr(line, ' '));
		assert_true(strspn(strrchr(line, ' ') + 1, "0123456789.e+-") == strlen(strrchr(line, ' ') + 1));
	}
	free(t);
}

static void unlabelled_metrics_are_always_present(void **state)
{
	char *t;

	(void)state;
	t = render();
	assert_non_null(strstr(t, "\nlangflix_upload_bytes_total 0\n"));
	assert_non_null(strstr(t, "\nlangflix_worker_slots_busy 0\n"));
	free(t);
	metrics_upload_bytes(1000);
	metrics_upload_bytes(24);
	metrics_slots_total(4);
	metrics_slot_busy(1);
	metrics_slot_busy(1);
	metrics_slot_busy(-1);
	t = render();
	assert_non_null(strstr(t, "\nlangflix_upload_bytes_total 1024\n"));
	assert_non_null(strstr(t, "\nlangflix_worker_slots 4\n"));
	assert_non_null(strstr(t, "\nlangflix_worker_slots_busy 1\n"));
	assert_non_null(strstr(t, "# TYPE langflix_worker_slots_busy gauge\n"));
	free(t);
}

static void api_calls_by_endpoint_and_code(void **state)
{
	char *t;

	(void)state;
	metrics_api_call("post/publish/status/fetch", "ok");
	metrics_api_call("post/publish/status/fetch", "ok");
	metrics_api_call("post/publish/video/init", "rate_limit_exceeded");
	metrics_api_call("user/info", "network");
	assert_true(metrics_value("langflix_tiktok_calls_total", "post/publish/status/fetch", "ok") == 2);
	assert_true(metrics_value("langflix_tiktok_calls_total", "post/publish/video/init", "rate_limit_exceeded") == 1);
	assert_true(metrics_value("langflix_tiktok_calls_total", "user/info", "network") == 1);
	metrics_api_call("oauth/token", "ok");
	metrics_api_call("oauth/token", "invalid_grant");
	metrics_token_refresh(1);
	metrics_token_refresh(0);
	metrics_token_refresh(0);
	assert_true(metrics_value("langflix_token_refreshes_total", "ok", NULL) == 1);
	assert_true(metrics_value("langflix_token_refreshes_total", "failed", NULL) == 2);
	/* a label value outside [A-Za-z0-9_./-] is sanitised, never emitted raw */
	metrics_api_call("user/info\"} 1\nx{", "ok");
	t = render();
	assert_non_null(strstr(t, "langflix_tiktok_calls_total{endpoint=\"oauth/token\",code=\"invalid_grant\"} 1\n"));
	assert_non_null(strstr(t, "langflix_token_refreshes_total{result=\"failed\"} 2\n"));
	assert_null(strstr(t, "\nx{"));
	free(t);
}

static void label_values_are_sanitised(void **state)
{
	char *t;

	(void)state;
	metrics_webhook("evil\"} 1\nlangflix_fake 9");
	t = render();
	assert_null(strstr(t, "langflix_fake 9"));
	assert_non_null(strstr(t, "langflix_webhook_events_total{result=\"evil___1_langflix_fake_9\"} 1\n"));
	free(t);
	/* unknown metric names are ignored */
	metrics_add("no_such_metric", "a", "b", 1);
	assert_true(metrics_value("no_such_metric", "a", "b") == 0);
}

static void a_full_registry_drops_and_counts(void **state)
{
	char route[32];

	(void)state;
	for (int i = 0; i < 1100; i++) {
		snprintf(route, sizeof(route), "r%d", i);
		metrics_add("langflix_http_requests_total", route, "200", 1);
	}
	assert_true(metrics_value("langflix_http_requests_total", "r0", "200") == 1);
	assert_true(metrics_value("langflix_http_requests_total", "r1099", "200") == 0);
	assert_true(metrics_value("langflix_metrics_dropped_series_total", NULL, NULL) > 0);
}

static void *hammer(void *p)
{
	(void)p;
	for (int i = 0; i < 10000; i++)
		metrics_request("concurrent", 200, 0.001);
	return NULL;
}

static void counts_are_exact_under_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(metrics_value("langflix_http_requests_total", "concurrent", "200") == 40000);
	assert_true(metrics_value("langflix_http_request_duration_seconds", "concurrent", NULL) == 40000);
}

static void file_is_written_atomically(void **state)
{
	char dir[] = "/tmp/lf-metrics-XXXXXX", path[128], buf[8192];
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/worker-1.prom", dir);
	metrics_upload_bytes(77);
	assert_int_equal(metrics_write_file(path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "\nlangflix_upload_bytes_total 77\n"));
	assert_int_equal(metrics_write_file("/nonexistent-dir/x.prom"), -1);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(requests_by_route_and_status, reset),
		cmocka_unit_test_setup(every_line_is_help_type_or_a_sample, reset),
		cmocka_unit_test_setup(unlabelled_metrics_are_always_present, reset),
		cmocka_unit_test_setup(api_calls_by_endpoint_and_code, reset),
		cmocka_unit_test_setup(label_values_are_sanitised, reset),
		cmocka_unit_test_setup(a_full_registry_drops_and_counts, reset),
		cmocka_unit_test_setup(counts_are_exact_under_threads, reset),
		cmocka_unit_test_setup(file_is_written_atomically, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
