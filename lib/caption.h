/* caption.h — the TikTok caption: prefilled from the video's LangFlix
 * metadata, measured as TikTok measures it (tiktok-api.md §2.2: at most
 * 2200 UTF-16 code units; a character outside the Basic Multilingual Plane,
 * e.g. most emoji, counts 2). Pure functions. */
#ifndef LF_CAPTION_H
#define LF_CAPTION_H

#include <stddef.h>

#include "buf.h"

#define CAPTION_MAX_UTF16 2200

/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), else 0. */
int caption_valid_utf8(const char *s, size_t n);

/* UTF-16 code units of the UTF-8 text s[0..n); -1 when it is not valid UTF-8. */
long caption_utf16_len(const char *s, size_t n);

/* What the prefill is made of; any pointer may be NULL or "". */
struct caption_meta {
	const char *title;                   /* the English title, last resort */
	const char *title_translation;
	const char *expression;
	const char *expression_translation;
	const char *const *keywords;         /* catchy_keywords */
	size_t nkeywords;
};

/* The prefilled caption into out (appended):
 *   line 1: title_translation, or "expression — expression_translation"
 *           (either half alone when the other is missing), or the title;
 *   then a blank line and the keywords as hashtags ("business English" →
 *   "#businessEnglish"; ASCII punctuation and spaces dropped, letters of
 *   every script kept, duplicates dropped ignoring ASCII case).
 * Never longer than CAPTION_MAX_UTF16: hashtags that do not fit are left
 * out, an over-long line 1 is cut at a character boundary. Invalid UTF-8 in
 * a field leaves that field out. The user edits the result freely. */
void caption_prefill(const struct caption_meta *m, struct buf *out);

/* One keyword as a hashtag ("#..."), appended; returns 0, or -1 when
 * nothing usable remains (then nothing is appended). */
int caption_hashtag(const char *keyword, struct buf *out);

#endif
