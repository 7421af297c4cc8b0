/* platform.c — the platforms LangFlix knows, by name. See platform.h. */
#include "platform.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define PLATFORM_MAX 8

static const struct platform *known[PLATFORM_MAX] = { &platform_tiktok };
static size_t nknown = 1;

const struct platform *platform_for(const char *name)
{
	if (name && *name)
		for (size_t i = 0; i < nknown; i++)
			if (!strcmp(known[i]->name, name))
				return known[i];
	log_warn("event=platform_unknown name=%s", log_quote(name ? name : ""));
	return NULL;
}

void platform_refusal(const char *name, char *out, size_t n)
{
	snprintf(out, n, "This names the platform \"%s\", which this LangFlix does not support "
		 "(it knows: %s). Nothing was sent.", name && *name ? name : "(none)",
		 nknown == 1 ? known[0]->label : "TikTok and others");
}

int platform_register(const struct platform *p)
{
	if (!p || !p->name || !*p->name || nknown >= PLATFORM_MAX)
		return -1;
	for (size_t i = 0; i < nknown; i++)
		if (!strcmp(known[i]->name, p->name))
			return -1;
	known[nknown++] = p;
	return 0;
}
