/* conf_locate.c: which configuration file to load, in the contract's
 * order: -c FILE, $HOOKLINE_CONF, under CGI the hosting user's places,
 * the system file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "platform.h"

#define SYSTEM_CONF	"/etc/hookline/hookline.conf"

/* Under CGI, after $HOOKLINE_CONF and before the system file: places in
 * the home of the user we run as, which a hosting customer controls and
 * which are outside the document root. suEXEC passes no custom variable
 * (so no SetEnv HOOKLINE_CONF) and clears HOME: the home comes from
 * /etc/passwd. */
static const char *const user_places[] = {
	".config/hookline/hookline.conf",
	"hookline/hookline.conf",
};

const char *
conf_locate(const char *arg)
{
	const char *env;

	if (arg != NULL)
		return arg;
	if ((env = getenv("HOOKLINE_CONF")) != NULL && *env != '\0')
		return env;
	if (access(SYSTEM_CONF, F_OK) == 0)
		return SYSTEM_CONF;
	return NULL;
}

/* Notes path as tried; when it exists, it becomes w->path. 1 found,
 * 0 not, -1 out of memory. */
static int
try_place(struct conf_where *w, char *path)
{
	int found = access(path, F_OK) == 0;

	if (strlist_add(&w->tried, path) != 0) {
		free(path);
		return -1;
	}
	if (!found) {
		free(path);
		return 0;
	}
	w->path = path;
	return 1;
}

static int
try_home(struct conf_where *w)
{
	char *home, *path, *note;
	size_t i;
	int rc = 0;

	if (user_home(getuid(), &home) != 0) {
		if (asprintf(&note, "~ (uid %ld: %s in /etc/passwd)",
		    (long)getuid(), strerror(errno)) < 0)
			return -1;
		return strlist_take(&w->tried, note) == 0 ? 0 : -1;
	}
	for (i = 0; rc == 0 && i < sizeof(user_places) / sizeof(*user_places);
	    i++) {
		if (asprintf(&path, "%s%s%s", home,
		    home[strlen(home) - 1] == '/' ? "" : "/",
		    user_places[i]) < 0)
			rc = -1;
		else
			rc = try_place(w, path);
	}
	free(home);
	return rc < 0 ? -1 : rc;
}

int
conf_where_find(const char *arg, int cgi, struct conf_where *w)
{
	const char *one;
	char *sys;
	int rc;

	memset(w, 0, sizeof(*w));
	if (!cgi || arg != NULL ||
	    ((one = getenv("HOOKLINE_CONF")) != NULL && *one != '\0')) {
		one = conf_locate(arg);
		if (one != NULL && (w->path = strdup(one)) == NULL)
			return -1;
		return 0;
	}
	if (strlist_add(&w->tried, "$HOOKLINE_CONF (not set)") != 0 ||
	    (rc = try_home(w)) < 0)
		goto fail;
	if (rc == 0 && ((sys = strdup(SYSTEM_CONF)) == NULL ||
	    try_place(w, sys) < 0))
		goto fail;
	return 0;
fail:
	conf_where_clear(w);
	return -1;
}

char *
conf_where_tried(const struct conf_where *w)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *fp;

	if ((fp = open_memstream(&s, &len)) == NULL)
		return NULL;
	for (i = 0; i < w->tried.n; i++)
		if (fprintf(fp, "%s%s", i ? ", " : "", w->tried.v[i]) < 0)
			break;
	if (fclose(fp) != 0 || i < w->tried.n) {
		free(s);
		return NULL;
	}
	return s;
}

void
conf_where_clear(struct conf_where *w)
{
	free(w->path);
	w->path = NULL;
	strlist_clear(&w->tried);
}
