/* privdrop.h: who a command started as root runs as: the spool's owner
 * or hookline.conf's `user`, so that root never leaves files in the
 * spool the server cannot change, and hooks never run as root unless
 * the spool is root's. */
#ifndef HOOKLINE_PRIVDROP_H
#define HOOKLINE_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"
#include "err.h"

enum privdrop_how {
	PRIVDROP_STAY,		/* run as we are */
	PRIVDROP_BECOME,	/* setgid, initgroups, setuid to the target */
	PRIVDROP_REFUSE		/* root, and no user to become */
};

/* What we know when deciding, without touching anything. */
struct privdrop_facts {
	uid_t	euid;		/* who we run as */
	bool	server;		/* fcgi/CGI: only `user =` makes us move */
	bool	have_user;	/* `user =` names an existing user */
	uid_t	user_uid;
	bool	have_spool;	/* spool_dir exists */
	uid_t	spool_uid;	/* its owner */
};

/* The decision alone: root becomes `user`, else the spool's owner (as a
 * command; a server only for `user`); root stays root only when that is
 * root; a command refuses when there is neither. Anyone else stays.
 * *to is the uid to become for PRIVDROP_BECOME. */
enum privdrop_how privdrop_decide(const struct privdrop_facts *f, uid_t *to);

/* The user a process for c should run as, named for people. */
struct privdrop_target {
	enum privdrop_how how;
	uid_t	 uid;
	gid_t	 gid;
	char	*name;		/* owned; the uid in digits when unnamed */
	const char *source;	/* "user = in hookline.conf", "the spool's owner" */
};

/* Fills t for c (looks up `user`, stats spool_dir). server as in
 * privdrop_facts. Returns 0, or -1 with err (a `user` that does not
 * exist, out of memory); t is cleared either way first. */
int	privdrop_target(const struct conf *c, bool server,
	    struct privdrop_target *t, struct err *err);
void	privdrop_target_clear(struct privdrop_target *t);

/* Becomes uid/gid (setgid, initgroups or setgroups, setuid), then checks
 * that real and effective ids moved and that root cannot be regained.
 * Returns 0, or -1 with err. */
int	privdrop_become(uid_t uid, gid_t gid, const char *name,
	    struct err *err);

/* For command cmd (drain, replay, fcgi, ...): decides and becomes, or
 * fills err with one line saying whom to run it as. Returns 0 or -1. */
int	privdrop_for(const struct conf *c, const char *cmd, bool server,
	    struct err *err);

#endif
