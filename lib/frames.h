/* frames.h — preview pictures of a video, made at import: a poster and a
 * strip of FRAMES_STRIP frames spread across the clip, decoded with
 * libavcodec, scaled with libswscale (turned upright as the display matrix
 * says, so portrait phone clips stand up) and encoded as JPEG with
 * libavcodec's mjpeg encoder.
 *
 * Files: DIR/0.jpg (the poster), DIR/1.jpg .. DIR/8.jpg (the strip), each
 * written to a temporary name and renamed into place, so a reader never
 * sees half a picture. Safe to call from several threads at once. */
#ifndef LF_FRAMES_H
#define LF_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAMES_STRIP 8
#define FRAMES_MAX (1 + FRAMES_STRIP)   /* the poster and the strip */
#define FRAMES_MAX_WIDTH 320            /* pictures fit in this box, aspect kept */
#define FRAMES_MAX_HEIGHT 576

struct frames_result {
	int n;                          /* pictures written: 0.jpg .. (n-1).jpg */
	int64_t times_ms[FRAMES_MAX];   /* the time of each, from the start */
	int width, height;              /* of every picture */
};

/* The pictures' size for a video shown as width×height (after rotation):
 * inside FRAMES_MAX_WIDTH × FRAMES_MAX_HEIGHT, aspect kept, even sides.
 * 0, or -1 when the size is unknown or absurd. */
int frames_size(int width, int height, int *out_w, int *out_h);

/* When the pictures are taken: times_ms[0] the poster (poster_ms when it
 * lies inside the clip, else a quarter in), then FRAMES_STRIP times at the
 * middles of equal slices of the clip. Returns how many (1 + FRAMES_STRIP;
 * 1, the poster at 0, when the duration is unknown). */
int frames_times(int64_t duration_ms, int64_t poster_ms, int64_t times_ms[FRAMES_MAX]);

/* Decode the video at path and write its pictures into dir (created when
 * missing, its parent must exist). poster_ms < 0 for no preference.
 * 0 with out filled, or -1 with a readable reason in err; a file that
 * cannot be decoded never crashes and leaves no partial picture behind. */
int frames_extract(const char *path, const char *dir, int64_t poster_ms,
		   struct frames_result *out, char *err, size_t errlen);

/* The file of picture n of video id under frames_dir: "DIR/ID/N.jpg".
 * frames_video_dir gives "DIR/ID". 0, or -1 when it does not fit. */
int frames_video_dir(const char *frames_dir, int64_t video_id, char *out, size_t outlen);
int frames_file(const char *frames_dir, int64_t video_id, int n, char *out, size_t outlen);

/* The address of picture n of a video for a page: the app's route, with
 * frames_source (what the pictures were made from) as its version, so a
 * changed file gets a new address and the browser may keep the old one.
 * At least 64 bytes in out. */
void frames_url(int64_t video_id, int n, const char *source, char *out, size_t outlen);

/* The picture nearest to time ms among times[1..n-1] (the strip): its
 * index, or -1 when there is no strip. */
int frames_nearest(const int64_t *times, int n, int64_t ms);

#endif
