/* spoolcmd.h: the operator's commands on the spool: drain, list, show,
 * replay, retry, purge. */
#ifndef HOOKLINE_SPOOLCMD_H
#define HOOKLINE_SPOOLCMD_H

/* argv[0] is one of drain, list, show, replay, retry, purge; conf_path
 * may be NULL (no file). Writes plain text for people, or JSON with --json.
 * Returns the exit code: 0 fine, 1 failed (or an ID not found), 2 usage. */
int	spool_command(const char *conf_path, int argc, char **argv);

#endif
