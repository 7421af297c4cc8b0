/* probe.h — what libavformat says about a video file.
 *
 * Safe to call from several threads at once: the only shared state is
 * libavformat's log level, set once. */
#ifndef LF_PROBE_H
#define LF_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct probe_result {
	int64_t size_bytes;      /* from stat(), 0 when unknown */
	int64_t duration_ms;     /* 0 when unknown */
	int width;               /* pixels as displayed (a 90° rotation tag swaps */
	int height;              /* the coded sides); 0 when unknown */
	double fps;              /* avg_frame_rate, else r_frame_rate; 0 when unknown */
	char video_codec[32];    /* "h264", "hevc", "vp8", "vp9", ... or "unknown" */
	char container[16];      /* "mp4", "mov", "webm", "matroska", ... */
};

/* Probe the first video stream of a local file. Only the MP4/QuickTime and
 * Matroska/WebM demuxers are allowed, over the file protocol alone.
 * Returns 0, or -1 with a readable reason in err (e.g. "not a recognised
 * media file (Invalid data found when processing input)", "no video stream"). */
int probe_file(const char *path, struct probe_result *out, char *err, size_t errlen);

/* Container name from libavformat's format name, the MP4/QuickTime major
 * brand (may be NULL) and the file name. Exposed for tests. */
void probe_container_name(const char *format_name, const char *major_brand,
			  const char *path, char *out, size_t outlen);

/* The pieces lib/frames.c shares (libavformat's types, declared only). */
struct AVFormatContext;
struct AVStream;
/* Open a local file as probe_file does (the same whitelists, its stream
 * info read) and find its video stream (not cover art): 0 with *fmt (close
 * it with avformat_close_input) and *idx, or -1 with err (*fmt closed). */
int probe_open(const char *path, struct AVFormatContext **fmt, int *idx, char *err, size_t errlen);
/* Clockwise quarter turns (0..3) that make the stream's pictures upright,
 * from its display matrix, read as ffmpeg's own player reads it. */
int probe_turns(const struct AVStream *st);
/* The duration in ms, 0 when unknown. */
int64_t probe_duration_ms(const struct AVFormatContext *fmt, const struct AVStream *st);

#endif
