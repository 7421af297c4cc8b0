/* fuzz_frames — a file from elsewhere turned into preview pictures
 * (frames_extract), the whole way: demuxer, decoder, scaler, turning,
 * JPEG encoder, the atomic writes. Whatever the bytes, it returns 0 with
 * at most FRAMES_MAX pictures of a bounded size, each one on disk, or -1
 * with a reason and no picture left behind. */
#include "fuzz.h"

#include "frames.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], video[96], out[96];

static void cleanup(void)
{
	unlink(video);
	rmdir(out);
	rmdir(dir);
}

static void once(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/tmp/lf-fuzz-frames-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(video, sizeof(video), "%s/in.mp4", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frames_result fr;
	char err[256], pic[160];
	struct stat sb;
	FILE *f;
	int rc;

	once();
	f = fopen(video, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	rc = frames_extract(video, out, size ? data[0] % 5000 : -1, &fr, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(fr.n >= 1 && fr.n <= FRAMES_MAX);
		FUZZ_CHECK(fr.width >= 2 && fr.width <= FRAMES_MAX_WIDTH);
		FUZZ_CHECK(fr.height >= 2 && fr.height <= FRAMES_MAX_HEIGHT);
	} else {
		FUZZ_CHECK(rc == -1 && err[0] != '\0' && fr.n == 0);
	}
	for (int i = 0; i < FRAMES_MAX; i++) {
		snprintf(pic, sizeof(pic), "%s/%d.jpg", out, i);
		FUZZ_CHECK((stat(pic, &sb) == 0) == (rc == 0 && i < fr.n));
		unlink(pic);
	}
	return 0;
}
