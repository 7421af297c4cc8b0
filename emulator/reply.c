/* reply.c — the emulator's answers: TikTok's JSON envelope, OAuth errors,
 * plain text, and the strict JSON body of a posting call. Below every
 * handler; it uses only the store (state.c) for the violation log. */
#include "emu.h"
#include "log.h"
#include "crypto.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct emu_req *ereq(struct request *req)
{
	return req->ctx;
}

void make_log_id(char out[64])
{
	char hex[20];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	crypto_random_hex(hex, 9);
	for (char *p = hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	/* TikTok's log ids: a UTC timestamp followed by hex */
	snprintf(out, 64, "%04d%02d%02d%02d%02d%02d%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, hex);
}

void reply_text(struct request *req, int status, const char *ctype, const char *text)
{
	req->status = status;
	req_header(req, "Content-Type: %s", ctype);
	buf_reset(&req->out);
	buf_puts(&req->out, text);
}

void reply_json(struct request *req, int status, struct json_object *obj)
{
	req->status = status;
	req_header(req, "Content-Type: application/json; charset=UTF-8");
	req_header(req, "Cache-Control: no-store");
	buf_reset(&req->out);
	buf_puts(&req->out, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void reply_envelope(struct request *req, int status, struct json_object *data, const char *code,
		    const char *fmt, ...)
{
	struct json_object *root = json_object_new_object(), *err = json_object_new_object();
	char msg[512], log_id[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	make_log_id(log_id);
	json_object_object_add(root, "data", data ? data : json_object_new_object());
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(msg));
	json_object_object_add(err, "log_id", json_object_new_string(log_id));
	json_object_object_add(root, "error", err);
	if (strcmp(code, "ok") != 0)
		ereq(req)->error_code = arena_strdup(&req->arena, code);
	reply_json(req, status, root);
}

void reply_oauth_error(struct request *req, int status, const char *error, const char *desc)
{
	struct json_object *root = json_object_new_object();
	char log_id[64];

	make_log_id(log_id);
	json_object_object_add(root, "error", json_object_new_string(error));
	json_object_object_add(root, "error_description", json_object_new_string(desc));
	json_object_object_add(root, "log_id", json_object_new_string(log_id));
	ereq(req)->error_code = arena_strdup(&req->arena, error);
	reply_json(req, status, root);
}

int is_loopback(struct request *req)
{
	return !strcmp(req->remote_addr, "127.0.0.1") || !strcmp(req->remote_addr, "::1");
}

static int json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && !strncasecmp(ct, "application/json", n) && (ct[n] == '\0' || ct[n] == ';' ||
								 ct[n] == ' ');
}

struct json_object *read_json_body(struct request *req, int empty_ok)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	int rc;

	if (!json_content_type(req->content_type)) {
		violation(req, "wrong_content_type", "Content-Type %s; TikTok wants application/json; charset=UTF-8",
			  req->content_type ? req->content_type : "(none)");
		reply_envelope(req, 400, NULL, "invalid_params",
			       "Content-Type must be application/json; charset=UTF-8");
		return NULL;
	}
	rc = req_read_body(req, 1 << 20);
	if (rc != 0) {
		reply_envelope(req, rc == 413 ? 413 : 400, NULL, "invalid_params", "The request body is too large");
		return NULL;
	}
	if (req->body_len == 0 || strspn(req->body, " \t\r\n") == req->body_len) {
		if (empty_ok)
			return json_object_new_object();
		violation(req, "empty_body", "a JSON body is required");
		reply_envelope(req, 400, NULL, "invalid_params", "The request body is empty");
		return NULL;
	}
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (o && json_tokener_get_error(tok) == json_tokener_success) {
		size_t end = json_tokener_get_parse_end(tok);
		if (strspn(req->body + end, " \t\r\n") != req->body_len - end) {
			json_object_put(o);
			o = NULL;
		}
	} else if (o) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		violation(req, "invalid_json", "the body is not one JSON object (strict, UTF-8)");
		reply_envelope(req, 400, NULL, "invalid_params", "The request body is not valid JSON");
		return NULL;
	}
	return o;
}
