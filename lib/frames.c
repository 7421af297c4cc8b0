/* frames.c — the poster and the strip of a video (frames.h).
 *
 * Bounds, since the files come from elsewhere: opened as probe.c opens
 * them (its demuxer and protocol whitelists), pictures of at most 8192×8192 pixels
 * (decoder and scaler), at most MAX_PACKETS packets read per picture and
 * MAX_BAD_PACKETS refused by the decoder, output inside 320×576. Any
 * failure removes the pictures of that folder and says why in err. */
#include "frames.h"
#include "probe.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SIDE 8192
#define MAX_PACKETS 3000       /* read to reach one picture's time */
#define MAX_BAD_PACKETS 50     /* refused by the decoder, per picture */
#define JPEG_QSCALE 5          /* mjpeg's quantiser: 2 best .. 31 worst */

int frames_size(int width, int height, int *out_w, int *out_h)
{
	double scale;
	int w, h;

	if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE)
		return -1;
	scale = fmin((double)FRAMES_MAX_WIDTH / width, (double)FRAMES_MAX_HEIGHT / height);
	if (scale > 1.0)
		scale = 1.0;
	w = (int)lround(width * scale) & ~1;
	h = (int)lround(height * scale) & ~1;
	*out_w = w < 2 ? 2 : w;
	*out_h = h < 2 ? 2 : h;
	return 0;
}

int frames_times(int64_t duration_ms, int64_t poster_ms, int64_t times_ms[FRAMES_MAX])
{
	if (duration_ms <= 0) {
		times_ms[0] = 0;
		return 1;
	}
	times_ms[0] = poster_ms >= 0 && poster_ms < duration_ms ? poster_ms : duration_ms / 4;
	for (int i = 0; i < FRAMES_STRIP; i++)
		times_ms[1 + i] = duration_ms * (2 * i + 1) / (2 * FRAMES_STRIP);
	return FRAMES_MAX;
}

int frames_nearest(const int64_t *times, int n, int64_t ms)
{
	int best = -1;
	int64_t best_d = 0;

	for (int i = 1; i < n; i++) {
		int64_t d = times[i] > ms ? times[i] - ms : ms - times[i];
		if (best < 0 || d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

int frames_video_dir(const char *frames_dir, int64_t video_id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%lld", frames_dir, (long long)video_id);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int frames_file(const char *frames_dir, int64_t video_id, int n, char *out, size_t outlen)
{
	int k = snprintf(out, outlen, "%s/%lld/%d.jpg", frames_dir, (long long)video_id, n);
	return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

void frames_url(int64_t video_id, int n, const char *source, char *out, size_t outlen)
{
	size_t o = (size_t)snprintf(out, outlen, "/videos/%lld/frames/%d?v=", (long long)video_id, n);

	/* digits and '-' as they are, anything else a '.': safe in a URL */
	for (; source && *source && o + 1 < outlen; source++)
		out[o++] = (*source >= '0' && *source <= '9') || *source == '-' ? *source : '.';
	if (o < outlen)
		out[o] = '\0';
}

static void averr(char *err, size_t errlen, const char *what, int code)
{
	char msg[128];

	if (av_strerror(code, msg, sizeof(msg)) < 0)
		snprintf(msg, sizeof(msg), "error %d", code);
	snprintf(err, errlen, "%s (%s)", what, msg);
}

/* One plane of sw×sh turned clockwise `turns` quarter turns into dst. */
static void turn_plane(const uint8_t *src, int sls, int sw, int sh, uint8_t *dst, int dls,
		       int turns)
{
	int dw = turns % 2 ? sh : sw, dh = turns % 2 ? sw : sh;

	for (int y = 0; y < dh; y++) {
		uint8_t *d = dst + (ptrdiff_t)y * dls;
		for (int x = 0; x < dw; x++) {
			int sx, sy;
			if (turns == 1)
				sx = y, sy = sh - 1 - x;
			else if (turns == 2)
				sx = sw - 1 - x, sy = sh - 1 - y;
			else
				sx = sw - 1 - y, sy = x;
			d[x] = src[(ptrdiff_t)sy * sls + sx];
		}
	}
}

struct grabber {
	AVFormatContext *fmt;
	AVCodecContext *dec, *enc;
	struct SwsContext *sws;
	AVPacket *pkt;
	AVFrame *frame, *best, *scaled, *out;
	int idx, turns;
	int sw, sh;                 /* scaled, before turning */
	const AVStream *st;
	int have;                   /* g->best holds a picture ... */
	int64_t cur;                /* ... with this time (stream time base) */
	int eof;                    /* the decoder gave its last picture */
	int64_t encoded;            /* pictures given to the encoder (their pts) */
};

/* Decode on until a picture at or after ts (stream time base) is in
 * g->best, or the clip ends (the last one is kept). Pictures the decoder
 * still holds from the last call come first. 0, or -1 with err. */
static int decode_until(struct grabber *g, int64_t ts, char *err, size_t errlen)
{
	int packets = 0, bad = 0, r;

	for (;;) {
		while (avcodec_receive_frame(g->dec, g->frame) == 0) {
			av_frame_unref(g->best);
			av_frame_move_ref(g->best, g->frame);
			g->have = 1;
			g->cur = g->best->best_effort_timestamp;
			if (g->cur != AV_NOPTS_VALUE && g->cur >= ts)
				return 0;
		}
		if (g->eof)
			break;
		r = av_read_frame(g->fmt, g->pkt);
		if (r < 0) {
			g->eof = 1;
			avcodec_send_packet(g->dec, NULL);   /* drain */
			continue;
		}
		if (g->pkt->stream_index != g->idx) {
			av_packet_unref(g->pkt);
			continue;
		}
		if (++packets > MAX_PACKETS) {
			av_packet_unref(g->pkt);
			break;
		}
		r = avcodec_send_packet(g->dec, g->pkt);
		av_packet_unref(g->pkt);
		if (r < 0 && r != AVERROR(EAGAIN) && ++bad > MAX_BAD_PACKETS) {
			averr(err, errlen, "the video data cannot be decoded", r);
			return -1;
		}
	}
	if (!g->have) {
		snprintf(err, errlen, "no picture could be decoded");
		return -1;
	}
	return 0;
}

/* Whether reaching ts is quicker by seeking than by decoding on from the
 * current picture: only when a key frame lies between the two (from the
 * demuxer's index; without one, when ts is more than 5 s ahead). */
static int worth_seeking(const struct grabber *g, int64_t ts)
{
	int i = av_index_search_timestamp((AVStream *)g->st, ts, AVSEEK_FLAG_BACKWARD);
	const AVIndexEntry *e = i >= 0 ? avformat_index_get_entry((AVStream *)g->st, i) : NULL;

	if (g->cur == AV_NOPTS_VALUE)
		return 1;
	if (e)
		return e->timestamp > g->cur;
	return ts - g->cur > av_rescale_q(5000, (AVRational){ 1, 1000 }, g->st->time_base);
}

/* The first decoded picture at or after ms (the last one when the clip
 * ends before), into g->best. Called with ascending times, so the
 * pictures of one stretch of the clip come from one pass of decoding.
 * 0, or -1 with err. */
static int grab(struct grabber *g, int64_t ms, char *err, size_t errlen)
{
	int64_t ts = av_rescale_q(ms, (AVRational){ 1, 1000 }, g->st->time_base);

	if (g->st->start_time != AV_NOPTS_VALUE)
		ts += g->st->start_time;
	if (g->have && g->cur != AV_NOPTS_VALUE && g->cur >= ts)
		return 0;                 /* the picture we have is the one */
	if (g->have && g->eof)
		return 0;                 /* the clip ended: its last picture */
	if (!g->have || worth_seeking(g, ts)) {
		if (av_seek_frame(g->fmt, g->idx, ts, AVSEEK_FLAG_BACKWARD) < 0 &&
		    av_seek_frame(g->fmt, g->idx,
				  g->st->start_time != AV_NOPTS_VALUE ? g->st->start_time : 0,
				  AVSEEK_FLAG_BACKWARD) < 0) {
			snprintf(err, errlen, "cannot seek in the video");
			return -1;
		}
		avcodec_flush_buffers(g->dec);
		av_frame_unref(g->best);
		g->have = 0;
		g->eof = 0;
	}
	return decode_until(g, ts, err, errlen);
}

/* g->best scaled and turned upright into g->out. */
static int picture(struct grabber *g, char *err, size_t errlen)
{
	const AVFrame *f = g->best;
	AVFrame *dst = g->turns ? g->scaled : g->out;

	if (f->width <= 0 || f->height <= 0 || f->width > MAX_SIDE || f->height > MAX_SIDE ||
	    f->format < 0) {
		snprintf(err, errlen, "the decoded picture has an unusable size");
		return -1;
	}
	g->sws = sws_getCachedContext(g->sws, f->width, f->height, (enum AVPixelFormat)f->format,
				      g->sw, g->sh, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, NULL, NULL, NULL);
	if (!g->sws) {
		snprintf(err, errlen, "the picture's pixel format cannot be converted");
		return -1;
	}
	if (av_frame_make_writable(dst) < 0 || av_frame_make_writable(g->out) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sws_scale(g->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst->data,
		  dst->linesize);
	if (g->turns)
		for (int p = 0; p < 3; p++)
			turn_plane(dst->data[p], dst->linesize[p], p ? g->sw / 2 : g->sw,
				   p ? g->sh / 2 : g->sh, g->out->data[p], g->out->linesize[p], g->turns);
	return 0;
}

static int write_atomic(const char *dir, int n, const uint8_t *data, size_t len, char *err,
			size_t errlen)
{
	char tmp[4096], final[4096];
	size_t off = 0;
	int fd;

	if ((size_t)snprintf(final, sizeof(final), "%s/%d.jpg", dir, n) >= sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%d.jpg.XXXXXX", dir, n) >= sizeof(tmp)) {
		snprintf(err, errlen, "the frames folder's path is too long");
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write into %s (%s)", dir, strerror(errno));
		return -1;
	}
	/* nginx, another user, serves the file */
	(void)fchmod(fd, 0644);
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %s (%s)", tmp, w < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, final) < 0) {
		snprintf(err, errlen, "cannot write %s (%s)", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int encode(struct grabber *g, const char *dir, int n, char *err, size_t errlen)
{
	int r;

	g->out->pts = g->encoded++;   /* ascending, whatever the file's number */
	g->out->quality = g->enc->global_quality;
	r = avcodec_send_frame(g->enc, g->out);
	if (r >= 0)
		r = avcodec_receive_packet(g->enc, g->pkt);
	if (r < 0) {
		averr(err, errlen, "the picture cannot be encoded as JPEG", r);
		return -1;
	}
	r = write_atomic(dir, n, g->pkt->data, (size_t)g->pkt->size, err, errlen);
	av_packet_unref(g->pkt);
	return r;
}

static AVFrame *picture_frame(int w, int h)
{
	AVFrame *f = av_frame_alloc();

	if (!f)
		return NULL;
	f->format = AV_PIX_FMT_YUVJ420P;
	f->width = w;
	f->height = h;
	if (av_frame_get_buffer(f, 0) < 0)
		av_frame_free(&f);
	return f;
}

static int open_decoder(struct grabber *g, char *err, size_t errlen)
{
	const AVCodec *codec = avcodec_find_decoder(g->st->codecpar->codec_id);
	int r;

	if (!codec) {
		snprintf(err, errlen, "no decoder for this video's codec");
		return -1;
	}
	g->dec = avcodec_alloc_context3(codec);
	if (!g->dec || avcodec_parameters_to_context(g->dec, g->st->codecpar) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->dec->thread_count = 1;
	g->dec->max_pixels = (int64_t)MAX_SIDE * MAX_SIDE;
	r = avcodec_open2(g->dec, codec, NULL);
	if (r < 0) {
		averr(err, errlen, "the video's decoder refused the stream", r);
		return -1;
	}
	return 0;
}

static int open_encoder(struct grabber *g, int w, int h, char *err, size_t errlen)
{
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	int r;

	if (!codec || !(g->enc = avcodec_alloc_context3(codec))) {
		snprintf(err, errlen, "libavcodec has no JPEG encoder");
		return -1;
	}
	g->enc->width = w;
	g->enc->height = h;
	g->enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
	g->enc->time_base = (AVRational){ 1, 25 };
	g->enc->flags |= AV_CODEC_FLAG_QSCALE;
	g->enc->global_quality = FF_QP2LAMBDA * JPEG_QSCALE;
	r = avcodec_open2(g->enc, codec, NULL);
	if (r < 0) {
		averr(err, errlen, "the JPEG encoder could not start", r);
		return -1;
	}
	return 0;
}

static int open_input(struct grabber *g, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		snprintf(err, errlen, "not a readable, non-empty file");
		return -1;
	}
	if (probe_open(path, &g->fmt, &g->idx, err, errlen) < 0)
		return -1;
	g->st = g->fmt->streams[g->idx];
	/* only the video stream is read */
	for (unsigned i = 0; i < g->fmt->nb_streams; i++)
		if ((int)i != g->idx)
			g->fmt->streams[i]->discard = AVDISCARD_ALL;
	return 0;
}

static void remove_pictures(const char *dir, int n)
{
	char p[4096];

	for (int i = 0; i < n; i++)
		if ((size_t)snprintf(p, sizeof(p), "%s/%d.jpg", dir, i) < sizeof(p))
			unlink(p);
}

int frames_extract(const char *path, const char *dir, int64_t poster_ms,
		   struct frames_result *out, char *err, size_t errlen)
{
	struct grabber g;
	int w, h, dw, dh, rc = -1, order[FRAMES_MAX];

	memset(&g, 0, sizeof(g));
	memset(out, 0, sizeof(*out));
	if (open_input(&g, path, err, errlen) < 0)
		goto done;
	g.turns = probe_turns(g.st);
	w = g.st->codecpar->width;
	h = g.st->codecpar->height;
	if (frames_size(g.turns % 2 ? h : w, g.turns % 2 ? w : h, &dw, &dh) < 0) {
		snprintf(err, errlen, "the video's size (%d×%d) is unknown or too large", w, h);
		goto done;
	}
	g.sw = g.turns % 2 ? dh : dw;
	g.sh = g.turns % 2 ? dw : dh;
	if (open_decoder(&g, err, errlen) < 0 || open_encoder(&g, dw, dh, err, errlen) < 0)
		goto done;
	g.pkt = av_packet_alloc();
	g.frame = av_frame_alloc();
	g.best = av_frame_alloc();
	g.out = picture_frame(dw, dh);
	g.scaled = g.turns ? picture_frame(g.sw, g.sh) : NULL;
	if (!g.pkt || !g.frame || !g.best || !g.out || (g.turns && !g.scaled)) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the folder %s (%s)", dir, strerror(errno));
		goto done;
	}
	out->n = frames_times(probe_duration_ms(g.fmt, g.st), poster_ms, out->times_ms);
	out->width = dw;
	out->height = dh;
	/* in the order of their times: the poster joins the strip's pass */
	for (int i = 0; i < out->n; i++)
		order[i] = i;
	for (int i = 1; i < out->n; i++)
		for (int k = i; k > 0 && out->times_ms[order[k]] < out->times_ms[order[k - 1]]; k--) {
			int t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (int i = 0; i < out->n; i++) {
		if (grab(&g, out->times_ms[order[i]], err, errlen) < 0 || picture(&g, err, errlen) < 0 ||
		    encode(&g, dir, order[i], err, errlen) < 0)
			goto done;
	}
	rc = 0;
done:
	if (rc < 0) {
		remove_pictures(dir, FRAMES_MAX);
		memset(out, 0, sizeof(*out));
	}
	sws_freeContext(g.sws);
	av_frame_free(&g.frame);
	av_frame_free(&g.best);
	av_frame_free(&g.scaled);
	av_frame_free(&g.out);
	av_packet_free(&g.pkt);
	avcodec_free_context(&g.dec);
	avcodec_free_context(&g.enc);
	avformat_close_input(&g.fmt);
	return rc;
}
