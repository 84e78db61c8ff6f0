/* statscmd.h: `hookline stats`: the status page's summary in a terminal
 * (termsafe.c) or as JSON. */
#ifndef HOOKLINE_STATSCMD_H
#define HOOKLINE_STATSCMD_H

/* argv[0] is "stats"; --json. conf_path may be NULL. Returns the exit
 * code: 0 fine, 1 failed, 2 usage. */
int	stats_command(const char *conf_path, int argc, char **argv);

#endif
