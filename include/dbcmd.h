/* dbcmd.h: `hookline db init|migrate|status`, the schema's commands. */
#ifndef HOOKLINE_DBCMD_H
#define HOOKLINE_DBCMD_H

#include "conf.h"

/* For hookline check: conf's `database` read by libpq, its password
 * kept out of the file (a warning; an error when group or others can
 * read the file), the server reached (a warning when not) and its
 * schema this binary's (an error). Each finding goes to say(arg,
 * error, message); messages never hold the password. */
void	db_check_conf(const struct conf *c,
	    void (*say)(void *arg, int error, const char *msg), void *arg);

/* argv[0] is "db". Returns the exit status: 0 done, 1 the database
 * failed or its schema is not this hookline's, 2 bad usage. */
int	db_command(const char *conf_path, int argc, char **argv);

#endif
