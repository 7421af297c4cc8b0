#include "mediapath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int media_path_under(const char *root, const char *real)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return real[0] == '/';
	return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

int media_resolve(const char *media_root, const char *rel, char out[PATH_MAX])
{
	char root[PATH_MAX], joined[PATH_MAX];
	struct stat st;

	if (!realpath(media_root, root) ||
	    snprintf(joined, sizeof(joined), "%s/%s", root, rel) >= (int)sizeof(joined) ||
	    !realpath(joined, out))
		return -1;
	/* inside the root, not the root itself, and a regular file */
	if (!media_path_under(root, out) || !strcmp(out, root) || stat(out, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return -1;
	return 0;
}
