/* upload.c — the upload URL (tiktok-api.md §2.4): PUT /upload/{id} with
 * one chunk per request, in order, with the planned sizes. The body is
 * streamed into SHA-256 (and optionally a file) and never held in memory. */
#include "emu.h"
#include "log.h"
#include "rules.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define READ_BLOCK (256 * 1024)

static void drain(struct request *req)
{
	char tmp[65536];

	while (req_read(req, tmp, sizeof(tmp)) > 0)
		;
}

/* Content-Range of what the upload holds: "bytes 0-{last}/{total}", or
 * "bytes * /{total}" (RFC 7233's form) when it holds nothing yet. */
static void held_range(struct request *req, int64_t received, int64_t total)
{
	if (received > 0)
		req_header(req, "Content-Range: bytes 0-%lld/%lld", (long long)(received - 1), (long long)total);
	else
		req_header(req, "Content-Range: bytes */%lld", (long long)total);
}

static void upload_error(struct request *req, int status, const char *code, const char *msg)
{
	drain(req);
	reply_envelope(req, status, NULL, code, "%s", msg);
}

static int media_type_ok(const char *ct)
{
	static const char *const ok[] = { "video/mp4", "video/quicktime", "video/webm" };

	for (size_t i = 0; ct && i < ARRAY_LEN(ok); i++) {
		size_t n = strlen(ok[i]);
		if (!strncasecmp(ct, ok[i], n) && (ct[n] == '\0' || ct[n] == ';'))
			return 1;
	}
	return 0;
}

/* Stream the body into a copy of the hash (and the file at offset) so a
 * broken chunk leaves the upload exactly as it was. Bytes read or -1. */
static int64_t stream_chunk(struct request *req, struct post *p, EVP_MD_CTX *ctx, int64_t first,
			    int64_t expect)
{
	char *block = xmalloc(READ_BLOCK);
	int64_t got = 0;
	int fd = -1;
	long n;

	if (p->data_path) {
		fd = open(p->data_path, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			log_error("event=data_open_failed path=%s err=%s", log_quote(p->data_path), strerror(errno));
	}
	while ((n = req_read(req, block, READ_BLOCK)) > 0) {
		got += n;
		if (got > expect)
			continue; /* keep reading to the end; the chunk is refused */
		EVP_DigestUpdate(ctx, block, (size_t)n);
		if (fd >= 0 && pwrite(fd, block, (size_t)n, first + got - n) != n)
			log_error("event=data_write_failed err=%s", strerror(errno));
	}
	if (fd >= 0) {
		/* a refused chunk must not leave bytes behind */
		if (got != expect && ftruncate(fd, first) < 0)
			log_error("event=data_truncate_failed err=%s", strerror(errno));
		close(fd);
	}
	free(block);
	return n < 0 ? -1 : got;
}

/* Check the headers against the plan. 0, or replies and returns -1.
 * Called with G.mu held; p->busy is ours. */
struct put_plan {
	int64_t first, last, total, length, index;
};

static int check_headers(struct request *req, const struct post *p, struct put_plan *pp,
			 const char **vkind, char *vdetail, size_t vlen)
{
	const char *cr = req_get_header(req, "Content-Range");
	int64_t f, l, t;
	int64_t exp_first, exp_last;

	if (!media_type_ok(req->content_type)) {
		*vkind = "wrong_content_type";
		snprintf(vdetail, vlen, "upload Content-Type %s; want video/mp4, video/quicktime or video/webm",
			 req->content_type ? req->content_type : "(none)");
		return 400;
	}
	if (req->content_length < 0) {
		*vkind = "missing_content_length";
		snprintf(vdetail, vlen, "upload PUT without Content-Length");
		return 400;
	}
	if (!cr || tt_parse_content_range(cr, &f, &l, &t) < 0) {
		*vkind = "bad_content_range";
		snprintf(vdetail, vlen, "Content-Range %s is not 'bytes FIRST-LAST/TOTAL'", cr ? cr : "(none)");
		return 400;
	}
	pp->first = f;
	pp->last = l;
	pp->total = t;
	pp->length = req->content_length;
	if (pp->length != l - f + 1) {
		*vkind = "content_length_mismatch";
		snprintf(vdetail, vlen, "Content-Length %lld but Content-Range covers %lld bytes",
			 (long long)pp->length, (long long)(l - f + 1));
		return 400;
	}
	pp->index = p->chunks_done;
	if (t != p->video_size || pp->index >= p->chunk_count) {
		*vkind = "wrong_range";
		snprintf(vdetail, vlen, "Content-Range %s does not match video_size %lld / progress %lld",
			 cr, (long long)p->video_size, (long long)p->received);
		return 416;
	}
	tt_chunk_bytes(p->video_size, p->chunk_size, p->chunk_count, pp->index, &exp_first, &exp_last);
	if (f != exp_first || l != exp_last) {
		*vkind = "wrong_range";
		snprintf(vdetail, vlen, "Content-Range %s; expected bytes %lld-%lld/%lld (chunk %lld of %lld)",
			 cr, (long long)exp_first, (long long)exp_last, (long long)p->video_size,
			 (long long)pp->index + 1, (long long)p->chunk_count);
		return 416;
	}
	return 0;
}

/* PUT /upload/{id}?upload_token=... */
int handle_upload_put(struct request *req)
{
	const char *id = kv_get(&req->params, "id");
	const char *token = kv_get(&req->query, "upload_token");
	struct post *p;
	struct put_plan pp;
	const char *vkind = NULL;
	char vdetail[256] = "";
	EVP_MD_CTX *ctx = NULL;
	int64_t got, received, total;
	int status = 0, done = 0;

	memset(&pp, 0, sizeof(pp));
	pthread_mutex_lock(&G.mu);
	p = id ? post_find_upload(id) : NULL;
	if (!p || p->pull) {
		pthread_mutex_unlock(&G.mu);
		upload_error(req, 404, "upload_not_found", "No such upload task.");
		return 0;
	}
	if (!token || strcmp(token, p->upload_token) != 0) {
		pthread_mutex_unlock(&G.mu);
		violation(req, "upload_url_query_dropped", "the upload_url was not used whole (query string)");
		upload_error(req, 403, "upload_url_invalid", "The upload URL is not valid.");
		return 0;
	}
	if (emu_now() > p->upload_expires) {
		pthread_mutex_unlock(&G.mu);
		upload_error(req, 403, "upload_url_expired", "The upload URL has expired.");
		return 0;
	}
	total = p->video_size;
	received = p->received;
	if (p->busy) {
		vkind = "parallel_put";
		snprintf(vdetail, sizeof(vdetail), "a PUT arrived while another chunk was still streaming");
		status = 416;
	} else if (p->received == p->video_size) {
		vkind = "wrong_range";
		snprintf(vdetail, sizeof(vdetail), "a PUT after the upload was complete");
		status = 416;
	} else if (strcmp(p->status, "PROCESSING_UPLOAD") != 0) {
		/* failed before the bytes were all there (auth_removed): dead URL */
		pthread_mutex_unlock(&G.mu);
		upload_error(req, 403, "upload_url_invalid", "The upload task is no longer active.");
		return 0;
	} else {
		status = check_headers(req, p, &pp, &vkind, vdetail, sizeof(vdetail));
	}
	/* the fault knob: TikTok refuses a correct part and says what it holds
	 * (seen as "bytes star-slash-N" over and over); not the client's violation.
	 * Drawn only when set, so seeded runs of the other faults keep their
	 * sequence. */
	if (status == 0 && G.faults.rate_416 > 0 && fault_draw() < G.faults.rate_416)
		status = 416;
	if (status == 0) {
		p->busy = 1;
		p->refs++;
		ctx = EVP_MD_CTX_new();
		EVP_MD_CTX_copy_ex(ctx, p->sha);
		snprintf(p->content_type, sizeof(p->content_type), "%.31s", req->content_type);
	}
	pthread_mutex_unlock(&G.mu);
	if (status) {
		if (vkind)
			violation(req, vkind, "%s", vdetail);
		drain(req);
		if (status == 416)
			held_range(req, received, total);
		reply_envelope(req, status, NULL, status == 416 ? "range_not_satisfiable" : "invalid_params",
			       "%s", vdetail);
		return 0;
	}

	got = stream_chunk(req, p, ctx, pp.first, pp.length);

	pthread_mutex_lock(&G.mu);
	p->busy = 0;
	if (got == pp.length && !p->orphan && !strcmp(p->status, "PROCESSING_UPLOAD")) {
		EVP_MD_CTX_copy_ex(p->sha, ctx);
		p->received += got;
		p->chunks_done++;
		if (p->received == p->video_size) {
			unsigned char md[32];
			unsigned int mdlen = 0;
			EVP_DigestFinal_ex(ctx, md, &mdlen);
			for (unsigned i = 0; i < mdlen; i++)
				snprintf(p->sha256 + 2 * i, 3, "%02x", md[i]);
			p->process_due = now_mono() + (double)G.rt.processing_delay_ms / 1000.0;
			done = 1;
		}
		status = done ? 201 : 206;
	} else {
		status = got == pp.length ? 409 : 400;
	}
	received = p->received;
	pthread_mutex_unlock(&G.mu);
	EVP_MD_CTX_free(ctx);
	if (status == 400) {
		violation(req, "content_length_mismatch", "Content-Length %lld but the body had %lld bytes",
			  (long long)pp.length, (long long)got);
		reply_envelope(req, 400, NULL, "invalid_params", "Content-Length does not match the body.");
	} else if (status == 409) {
		reply_envelope(req, 409, NULL, "upload_not_active", "The upload is no longer active.");
	} else {
		held_range(req, received, total);
		req->status = status;
		req_header(req, "Content-Type: application/json; charset=UTF-8");
		buf_reset(&req->out);
		buf_puts(&req->out, "{}");
		log_info("event=chunk_received id=%s chunk=%lld bytes=%lld received=%lld total=%lld", id,
			 (long long)pp.index + 1, (long long)got, (long long)received, (long long)total);
	}
	post_release(p);
	return 0;
}
