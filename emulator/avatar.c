/* avatar.c — the avatar SVG the emulator serves itself (no external
 * hosts), and its address in user info and creator info. */
#include "emu.h"
#include "escape.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void avatar_url(const struct profile *p, const char *suffix, char *out, size_t n)
{
	snprintf(out, n, "%s/avatar/%s.svg%s", G.cfg->public_base_url, p->open_id, suffix);
}

static size_t first_char_len(const char *s)
{
	size_t n = *s ? 1 : 0;

	while (n && (s[n] & 0xC0) == 0x80) /* UTF-8 continuation bytes */
		n++;
	return n;
}

/* GET /avatar/{open_id}.svg — a coloured disc with the initial. */
int handle_avatar(struct request *req)
{
	const char *file = kv_get(&req->params, "file");
	char key[80];
	const struct profile *p;
	struct buf svg = BUF_INIT;
	unsigned hue = 0;
	size_t n = file ? strlen(file) : 0;

	if (n < 5 || n >= sizeof(key) + 4 || strcmp(file + n - 4, ".svg") != 0) {
		reply_text(req, 404, "text/plain", "no such avatar\n");
		return 0;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(n - 4), file);
	pthread_mutex_lock(&G.mu);
	p = profile_find(key);
	if (p) {
		for (const char *s = p->open_id; *s; s++)
			hue = hue * 31 + (unsigned char)*s;
		buf_printf(&svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\" "
				 "viewBox=\"0 0 100 100\"><circle cx=\"50\" cy=\"50\" r=\"50\" "
				 "fill=\"hsl(%u,60%%,45%%)\"/><text x=\"50\" y=\"64\" font-size=\"44\" "
				 "text-anchor=\"middle\" fill=\"#fff\" font-family=\"sans-serif\">",
			   hue % 360);
		html_escape(&svg, p->display_name, first_char_len(p->display_name));
		buf_puts(&svg, "</text></svg>\n");
	}
	pthread_mutex_unlock(&G.mu);
	if (!svg.len) {
		reply_text(req, 404, "text/plain", "no such avatar\n");
		return 0;
	}
	req_header(req, "Cache-Control: max-age=3600");
	reply_text(req, 200, "image/svg+xml", svg.data);
	buf_free(&svg);
	return 0;
}
