/* dbcmd.h: `hookline db init|migrate|status`, the schema's commands. */
#ifndef HOOKLINE_DBCMD_H
#define HOOKLINE_DBCMD_H

/* argv[0] is "db". Returns the exit status: 0 done, 1 the database
 * failed or its schema is not this hookline's, 2 bad usage. */
int	db_command(const char *conf_path, int argc, char **argv);

#endif
