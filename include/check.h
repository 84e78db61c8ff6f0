/* check.h: `hookline check`: the configuration read as the server would,
 * with every error and warning, by file and line. */
#ifndef HOOKLINE_CHECK_H
#define HOOKLINE_CHECK_H

/* Returns the exit code: 0 clean, 1 warnings only, 2 errors. */
int	check_command(const char *conf_path, int argc, char **argv);

#endif
