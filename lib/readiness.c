/* readiness.c — TikTok's video requirements as plain-language checks.
 * Every failing check is listed, so a creator can fix them all at once. */
#include "readiness.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add_reason(struct readiness *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_reason(struct readiness *r, const char *fmt, ...)
{
	size_t n = strlen(r->reason);
	va_list ap;

	if (n > 0 && n + 2 < sizeof(r->reason)) {
		memcpy(r->reason + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->reason + n, sizeof(r->reason) - n, fmt, ap);
	va_end(ap);
	r->ready = 0;
}

/* 15 -> "15", 29.97 -> "29.97", 23.976023 -> "23.976" */
static void format_number(char *out, size_t outlen, double v)
{
	size_t n;

	snprintf(out, outlen, "%.3f", v);
	if (!strchr(out, '.'))
		return;
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

/* 754000 -> "12 min 34 s", 600001 -> "10 min 0.001 s", 2500 -> "2.5 s" */
static void format_duration(char *out, size_t outlen, long long ms)
{
	char secs[32];

	format_number(secs, sizeof(secs), (double)(ms % 60000) / 1000.0);
	if (ms < 60000)
		snprintf(out, outlen, "%s s", secs);
	else if (ms % 60000 == 0)
		snprintf(out, outlen, "%lld min", ms / 60000);
	else
		snprintf(out, outlen, "%lld min %s s", ms / 60000, secs);
}

static int is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static void check_format(const struct probe_result *p, struct readiness *r)
{
	static const char *const containers[] = { "mp4", "mov", "webm", NULL };
	static const char *const codecs[] = { "h264", "hevc", "h265", "vp8", "vp9", NULL };

	if (!is_one_of(p->container, containers))
		add_reason(r, "Container %s is not accepted by TikTok (MP4, MOV or WebM only)",
			   p->container[0] ? p->container : "unknown");
	if (!is_one_of(p->video_codec, codecs))
		add_reason(r, "Video codec %s is not accepted by TikTok (H.264, H.265, VP8 or VP9 only)",
			   p->video_codec[0] ? p->video_codec : "unknown");
}

static void check_frame_rate(const struct probe_result *p, struct readiness *r)
{
	char fps[32];

	/* the negation also catches NaN */
	if (!(p->fps > 0.0)) {
		add_reason(r, "Frame rate is unknown (TikTok needs 23–60 fps)");
		return;
	}
	if (p->fps < READY_MIN_FPS || p->fps > READY_MAX_FPS) {
		format_number(fps, sizeof(fps), p->fps);
		/* 60.0004 must not read "60 fps is outside 23–60" */
		if (strcmp(fps, "60") == 0 || strcmp(fps, "23") == 0)
			snprintf(fps, sizeof(fps), "%.9g", p->fps);
		add_reason(r, "Frame rate %s fps is outside TikTok's 23–60 fps range", fps);
	}
}

static void check_side(const char *name, int px, struct readiness *r)
{
	if (px <= 0)
		add_reason(r, "%s is unknown (TikTok needs 360–4096 px)", name);
	else if (px < READY_MIN_SIDE)
		add_reason(r, "%s %d px is below TikTok's minimum of %d px", name, px, READY_MIN_SIDE);
	else if (px > READY_MAX_SIDE)
		add_reason(r, "%s %d px is above TikTok's maximum of %d px", name, px, READY_MAX_SIDE);
}

static void check_duration(const struct probe_result *p, struct readiness *r)
{
	char d[64];

	if (p->duration_ms <= 0) {
		add_reason(r, "Duration is unknown or zero");
		return;
	}
	format_duration(d, sizeof(d), (long long)p->duration_ms);
	if (p->duration_ms > READY_MAX_DURATION_MS)
		add_reason(r, "Duration %s is above TikTok's 10-minute upload limit", d);
	else if (p->duration_ms < READY_WARN_DURATION_MS)
		snprintf(r->warning, sizeof(r->warning),
			 "Duration %s is under 3 s; TikTok may refuse very short videos", d);
}

static void check_size(const struct probe_result *p, struct readiness *r)
{
	char gb[32];

	if (p->size_bytes <= 0) {
		add_reason(r, "The file is empty");
	} else if (p->size_bytes > READY_MAX_BYTES) {
		format_number(gb, sizeof(gb), (double)p->size_bytes / 1e9);
		add_reason(r, "File size %s GB (%lld bytes) is above TikTok's 4 GB limit", gb,
			   (long long)p->size_bytes);
	}
}

int readiness_check(const struct probe_result *p, struct readiness *out)
{
	memset(out, 0, sizeof(*out));
	out->ready = 1;
	check_format(p, out);
	check_frame_rate(p, out);
	check_side("Width", p->width, out);
	check_side("Height", p->height, out);
	check_duration(p, out);
	check_size(p, out);
	return out->ready;
}
