/* fake_home.h: user_home() answering with a test's folder (tests that
 * ask for "// WRAP: user_home"): no test reads or writes a real home.
 * fake_home NULL: the user has no passwd entry. */
#ifndef HOOKLINE_FAKE_HOME_H
#define HOOKLINE_FAKE_HOME_H

static const char *fake_home;

int	__wrap_user_home(uid_t uid, char **home);
int
__wrap_user_home(uid_t uid, char **home)
{
	(void)uid;
	*home = NULL;
	if (fake_home == NULL) {
		errno = ENOENT;
		return -1;
	}
	*home = strdup(fake_home);
	return *home == NULL ? -1 : 0;
}

#endif
