/* check_as.c: `hookline check` from the point of view of the user that
 * serves: --as USER, hookline.conf's user, or the spool's owner; run as
 * root, the report is made in a child that has become that user. */
#include <sys/wait.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "platform.h"
#include "privdrop.h"
#include "strlist.h"
#include "usage.h"

/* Who the check runs as: --as USER, else as privdrop.c would make a
 * spool command (user =, else the spool's owner). Fills t; returns 0,
 * or -1 after saying why on stderr. */
static int
check_target(const char *conf_path, const char *as, struct privdrop_target *t,
    int *warned)
{
	struct strlist errs = { NULL, 0 };
	struct conf *c = NULL, *partial = NULL;
	struct passwd *pw;
	struct err err;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (as != NULL) {
		if ((pw = user_by_name(as)) == NULL) {
			(void)fprintf(stderr, "hookline check: --as %s: no such "
			    "user\n", as);
			return -1;
		}
		if (geteuid() != 0 && pw->pw_uid != geteuid()) {
			(void)fprintf(stderr, "hookline check: only root can "
			    "check as another user: sudo hookline check --as "
			    "%s\n", as);
			return -1;
		}
		t->how = pw->pw_uid == geteuid() ? PRIVDROP_STAY :
		    PRIVDROP_BECOME;
		t->uid = pw->pw_uid;
		t->gid = pw->pw_gid;
		t->source = "--as";
		if ((t->name = strdup(pw->pw_name)) == NULL)
			return -1;
		return 0;
	}
	(void)conf_load_report(conf_path, &c, &errs, &partial);
	if (c == NULL)
		c = partial;
	if (c == NULL) {
		/* Not even read: check_report says why, as ourselves. */
		t->how = PRIVDROP_STAY;
		t->uid = geteuid();
		rc = 0;
	} else if (privdrop_target(c, false, t, &err) != 0)
		(void)fprintf(stderr, "hookline check: %s\n", err.msg);
	else
		rc = 0;
	/* Root, and nothing says who serves: say so rather than answer ok
	 * for a user that is probably not the web server's. */
	if (rc == 0 && geteuid() == 0 && c != NULL && c->user == NULL &&
	    t->how != PRIVDROP_BECOME) {
		t->source = t->how == PRIVDROP_REFUSE ? "there is no spool "
		    "folder yet" : "root owns the spool folder";
		t->how = PRIVDROP_STAY;
		*warned = 1;
	}
	if (rc == 0 && t->name == NULL &&
	    (pw = user_by_uid(geteuid())) != NULL &&
	    (t->name = strdup(pw->pw_name)) == NULL)
		rc = -1;
	conf_free(c);
	strlist_clear(&errs);
	return rc;
}

/* Runs check_report as t's user in a child; its exit code. */
static int
check_as(const char *conf_path, const struct privdrop_target *t)
{
	struct err err;
	pid_t pid;
	int st;

	if (fflush(stdout) == EOF)
		return CHECK_ERRORS;
	if ((pid = fork()) < 0) {
		(void)fprintf(stderr, "hookline check: fork: %s\n",
		    strerror(errno));
		return CHECK_ERRORS;
	}
	if (pid == 0) {
		if (privdrop_become(t->uid, t->gid, t->name, &err) != 0) {
			(void)fprintf(stderr, "hookline check: %s\n", err.msg);
			_exit(CHECK_ERRORS);
		}
		_exit(check_report(conf_path, stdout));
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return CHECK_ERRORS;
	return WIFEXITED(st) ? WEXITSTATUS(st) : CHECK_ERRORS;
}

int
check_command(const char *conf_path, int argc, char **argv)
{
	struct privdrop_target t;
	const char *as = NULL;
	int rc, warned = 0;

	if (argc == 3 && strcmp(argv[1], "--as") == 0)
		as = argv[2];
	else if (argc > 1) {
		(void)usage_command(stderr, "check");
		return CHECK_ERRORS;
	}
	if (check_target(conf_path, as, &t, &warned) != 0)
		return CHECK_ERRORS;
	(void)printf("checking as %s (uid %lu%s%s)\n", t.name != NULL ?
	    t.name : "this user", (unsigned long)(t.how == PRIVDROP_BECOME ?
	    t.uid : geteuid()), t.source != NULL ? ", " : "",
	    t.source != NULL ? t.source : "");
	if (t.how == PRIVDROP_BECOME)
		rc = check_as(conf_path, &t);
	else
		rc = check_report_note(conf_path, stdout, warned ? "checked "
		    "as root, but the web server's user (www-data on Debian) "
		    "may not be able to write the spool: chown it to that "
		    "user, set user =, or check with --as USER" : NULL);
	privdrop_target_clear(&t);
	return rc;
}
