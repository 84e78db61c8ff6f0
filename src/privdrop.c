/* privdrop.c: a process started as root becomes the spool's owner (or
 * hookline.conf's `user`) before it touches the spool or runs a hook. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "privdrop.h"

enum privdrop_how
privdrop_decide(const struct privdrop_facts *f, uid_t *to)
{
	if (f->euid != 0)
		return PRIVDROP_STAY;	/* not ours to change */
	if (f->have_user)
		*to = f->user_uid;
	else if (f->server)
		return PRIVDROP_STAY;	/* the web server chose for us */
	else if (f->have_spool)
		*to = f->spool_uid;
	else
		return PRIVDROP_REFUSE;	/* whose would the spool be? */
	return *to == 0 ? PRIVDROP_STAY : PRIVDROP_BECOME;
}

void
privdrop_target_clear(struct privdrop_target *t)
{
	if (t == NULL)
		return;
	free(t->name);
	memset(t, 0, sizeof(*t));
}

/* t->name from the password entry, or the uid in digits. */
static int
name_of(struct privdrop_target *t, const struct passwd *pw)
{
	if (pw != NULL)
		t->name = strdup(pw->pw_name);
	else if (asprintf(&t->name, "%lu", (unsigned long)t->uid) < 0)
		t->name = NULL;
	return t->name == NULL ? -1 : 0;
}

int
privdrop_target(const struct conf *c, bool server, struct privdrop_target *t,
    struct err *err)
{
	struct privdrop_facts f = { geteuid(), server, false, 0, false, 0 };
	struct passwd *pw = NULL;
	struct stat st;
	uid_t to = 0;

	memset(t, 0, sizeof(*t));
	if (c->user != NULL) {
		errno = 0;
		if ((pw = user_by_name(c->user)) == NULL) {
			err_set(err, "user = %s in %s: no such user", c->user,
			    c->path != NULL ? c->path : "the configuration");
			return -1;
		}
		f.have_user = true;
		f.user_uid = pw->pw_uid;
	} else if (stat(c->spool_dir, &st) == 0) {
		f.have_spool = true;
		f.spool_uid = st.st_uid;
	}
	t->how = privdrop_decide(&f, &to);
	if (t->how == PRIVDROP_REFUSE)
		return 0;
	if (t->how == PRIVDROP_STAY)
		to = geteuid();
	t->uid = to;
	if (f.have_user) {
		t->gid = pw->pw_gid;
		t->source = "user = in hookline.conf";
	} else {
		if (f.have_spool && to == f.spool_uid) {
			t->gid = st.st_gid;
			t->source = "the spool's owner";
		} else {
			t->gid = getegid();
			t->source = "the user running it";
		}
		pw = user_by_uid(to);
		if (pw != NULL)
			t->gid = pw->pw_gid;
	}
	if (name_of(t, pw) != 0) {
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

int
privdrop_become(uid_t uid, gid_t gid, const char *name, struct err *err)
{
	int r;

	if (setgid(gid) != 0) {
		err_set(err, "setgid(%lu): %s", (unsigned long)gid,
		    strerror(errno));
		return -1;
	}
	/* A user without a password entry gets its group alone. */
	r = user_by_uid(uid) != NULL ? user_groups_init(name, gid) :
	    setgroups(1, &gid);
	if (r != 0) {
		err_set(err, "setting the groups of %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (setuid(uid) != 0) {
		err_set(err, "setuid(%s): %s", name, strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || (uid != 0 && setuid(0) == 0)) {
		err_set(err, "could not become %s for good", name);
		return -1;
	}
	return 0;
}

int
privdrop_for(const struct conf *c, const char *cmd, bool server,
    struct err *err)
{
	struct privdrop_target t;
	struct err why;
	int rc = -1;

	if (privdrop_target(c, server, &t, &why) != 0) {
		err_set(err, "%s; run it as the web server's user, e.g. "
		    "sudo -u www-data hookline %s", why.msg, cmd);
		goto done;
	}
	switch (t.how) {
	case PRIVDROP_STAY:
		rc = 0;
		break;
	case PRIVDROP_REFUSE:
		err_set(err, "will not run as root: spool %s does not exist "
		    "to say whose it is, and hookline.conf sets no user; "
		    "run it as the web server's user, e.g. sudo -u www-data "
		    "hookline %s", c->spool_dir, cmd);
		break;
	case PRIVDROP_BECOME:
		if (privdrop_become(t.uid, t.gid, t.name, &why) != 0)
			err_set(err, "cannot become %s (%s): %s; run it as "
			    "that user: sudo -u %s hookline %s", t.name,
			    t.source, why.msg, t.name, cmd);
		else
			rc = 0;
		break;
	}
done:
	privdrop_target_clear(&t);
	return rc;
}
