/* probe.c — libavformat probing.
 *
 * Only libavformat and libavutil are linked (not libavcodec), so codec
 * names come from a small table of the codec ids worth naming. */
#include "probe.h"

#include <libavcodec/codec_id.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static pthread_once_t av_once = PTHREAD_ONCE_INIT;

/* libavformat logs to stderr by default; import prints its own clean lines
 * and reports every failure through err instead. */
static void quiet_libav(void)
{
	av_log_set_level(AV_LOG_QUIET);
}

static const struct {
	enum AVCodecID id;
	const char *name;
} codec_names[] = {
	{ AV_CODEC_ID_H264, "h264" },
	{ AV_CODEC_ID_HEVC, "hevc" },
	{ AV_CODEC_ID_VP8, "vp8" },
	{ AV_CODEC_ID_VP9, "vp9" },
	{ AV_CODEC_ID_AV1, "av1" },
	{ AV_CODEC_ID_MPEG4, "mpeg4" },
	{ AV_CODEC_ID_MPEG2VIDEO, "mpeg2video" },
	{ AV_CODEC_ID_MPEG1VIDEO, "mpeg1video" },
	{ AV_CODEC_ID_H263, "h263" },
	{ AV_CODEC_ID_MJPEG, "mjpeg" },
	{ AV_CODEC_ID_PRORES, "prores" },
	{ AV_CODEC_ID_DNXHD, "dnxhd" },
	{ AV_CODEC_ID_THEORA, "theora" },
	{ AV_CODEC_ID_RAWVIDEO, "rawvideo" },
	{ AV_CODEC_ID_PNG, "png" },
	{ AV_CODEC_ID_GIF, "gif" },
	{ AV_CODEC_ID_WMV3, "wmv3" },
	{ AV_CODEC_ID_VC1, "vc1" },
	{ AV_CODEC_ID_FFV1, "ffv1" },
};

static const char *codec_name(enum AVCodecID id)
{
	for (size_t i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++)
		if (codec_names[i].id == id)
			return codec_names[i].name;
	return "unknown";
}

static int has_extension(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n > e && strcasecmp(path + n - e, ext) == 0;
}

void probe_container_name(const char *format_name, const char *major_brand,
			  const char *path, char *out, size_t outlen)
{
	const char *name = format_name ? format_name : "";

	/* libavformat has one demuxer for the whole ISO-BMFF family and one
	 * for Matroska/WebM; the brand or the extension tells them apart. */
	if (strncmp(name, "mov,mp4", 7) == 0) {
		if (major_brand && strncmp(major_brand, "qt", 2) == 0)
			snprintf(out, outlen, "mov");
		else if (!major_brand && has_extension(path, ".mov"))
			snprintf(out, outlen, "mov");
		else
			snprintf(out, outlen, "mp4");
		return;
	}
	if (strncmp(name, "matroska", 8) == 0) {
		snprintf(out, outlen, "%s", has_extension(path, ".webm") ? "webm" : "matroska");
		return;
	}
	/* other demuxers: the first of their comma-separated names */
	if (!*name || *name == ',')
		name = "unknown";
	snprintf(out, outlen, "%.*s", (int)strcspn(name, ","), name);
}

static double rational_value(AVRational r)
{
	return (r.num > 0 && r.den > 0) ? (double)r.num / (double)r.den : 0.0;
}

/* Phones store portrait video as landscape frames plus a display matrix
 * saying "rotate by 90"; a quarter turn swaps the sides people see. */
int probe_turns(const AVStream *st)
{
	size_t size = 0;
	const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
	double deg;
	long turns;

	if (!m || size < 9 * sizeof(int32_t))
		return 0;
	deg = av_display_rotation_get((const int32_t *)(const void *)m);
	if (deg != deg)   /* NaN: a degenerate matrix */
		return 0;
	/* the matrix turns counter-clockwise; upright is the other way */
	turns = lround(-deg / 90.0) % 4;
	return (int)(turns < 0 ? turns + 4 : turns);
}

int64_t probe_duration_ms(const AVFormatContext *fmt, const AVStream *st)
{
	if (fmt->duration > 0 && fmt->duration != AV_NOPTS_VALUE)
		return av_rescale(fmt->duration, 1000, AV_TIME_BASE);
	if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
		return av_rescale_q(st->duration, st->time_base, (AVRational){ 1, 1000 });
	return 0;
}

static void averr(char *err, size_t errlen, const char *what, int code)
{
	char msg[128];

	if (av_strerror(code, msg, sizeof(msg)) < 0)
		snprintf(msg, sizeof(msg), "error %d", code);
	snprintf(err, errlen, "%s (%s)", what, msg);
}

int probe_open(const char *path, AVFormatContext **fmt, int *idx, char *err, size_t errlen)
{
	AVDictionary *opts = NULL;
	int r;

	pthread_once(&av_once, quiet_libav);
	*fmt = NULL;
	*idx = -1;
	/* Only plain local files in the containers TikTok takes: no playlist,
	 * concat or network demuxers that a crafted ".mp4" could invoke to
	 * read other files or URLs. */
	av_dict_set(&opts, "protocol_whitelist", "file", 0);
	av_dict_set(&opts, "format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm", 0);
	r = avformat_open_input(fmt, path, NULL, &opts);
	av_dict_free(&opts);
	if (r < 0) {
		averr(err, errlen, "not a recognised media file", r);
		return -1;
	}
	r = avformat_find_stream_info(*fmt, NULL);
	if (r < 0) {
		averr(err, errlen, "cannot read the streams", r);
		avformat_close_input(fmt);
		return -1;
	}
	for (unsigned i = 0; i < (*fmt)->nb_streams; i++) {
		const AVStream *s = (*fmt)->streams[i];
		/* cover art is a one-picture "video" stream; it is not the video */
		if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
		    !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
			*idx = (int)i;
			return 0;
		}
	}
	snprintf(err, errlen, "no video stream");
	avformat_close_input(fmt);
	return -1;
}

int probe_file(const char *path, struct probe_result *out, char *err, size_t errlen)
{
	AVFormatContext *fmt = NULL;
	const AVDictionaryEntry *brand;
	const AVStream *st;
	struct stat sb;
	int idx = -1;

	pthread_once(&av_once, quiet_libav);
	memset(out, 0, sizeof(*out));
	snprintf(out->video_codec, sizeof(out->video_codec), "unknown");
	snprintf(out->container, sizeof(out->container), "unknown");
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "cannot read the file (%s)", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	if (sb.st_size == 0) {
		snprintf(err, errlen, "the file is empty");
		return -1;
	}
	out->size_bytes = (int64_t)sb.st_size;

	if (probe_open(path, &fmt, &idx, err, errlen) < 0)
		return -1;
	st = fmt->streams[idx];
	out->width = st->codecpar->width;
	out->height = st->codecpar->height;
	if (probe_turns(st) % 2) {
		out->width = st->codecpar->height;
		out->height = st->codecpar->width;
	}
	out->fps = rational_value(st->avg_frame_rate);
	if (out->fps <= 0.0)
		out->fps = rational_value(st->r_frame_rate);
	out->duration_ms = probe_duration_ms(fmt, st);
	snprintf(out->video_codec, sizeof(out->video_codec), "%s",
		 codec_name(st->codecpar->codec_id));
	brand = av_dict_get(fmt->metadata, "major_brand", NULL, 0);
	probe_container_name(fmt->iformat->name, brand ? brand->value : NULL, path,
			     out->container, sizeof(out->container));
	/* WebM is Matroska restricted to VP8/VP9/AV1; anything else in a
	 * ".webm" is really a Matroska file */
	if (strcmp(out->container, "webm") == 0 && strcmp(out->video_codec, "vp8") != 0 &&
	    strcmp(out->video_codec, "vp9") != 0 && strcmp(out->video_codec, "av1") != 0)
		snprintf(out->container, sizeof(out->container), "matroska");
	avformat_close_input(&fmt);
	return 0;
}
