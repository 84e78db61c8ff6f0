/* args.c: what hookline is asked to do, from its arguments and from how
 * it was started: the mode, the configuration file and the command. */
#include <stdlib.h>
#include <string.h>

#include "args.h"

/*
 * The rule: when GATEWAY_INTERFACE is in the environment, a web server
 * started us for a request, and argv is never read: no command, no -c,
 * nothing. Apache's mod_cgi and mod_cgid turn a query string without
 * "=" into arguments, split on "+" (RFC 3875 section 4.4, the ISINDEX
 * rule), so there argv is the visitor's: "?send+URL+FILE" would post a
 * file anywhere, "?-c+FILE" load another configuration. The mode then
 * comes from stdin alone (a listening socket: FastCGI; else CGI), and
 * the configuration from $HOOKLINE_CONF or the files hookline looks for
 * by itself.
 *
 * The FastCGI setups pass no GATEWAY_INTERFACE when they start hookline
 * (seen: mod_fcgid gives PATH and its FcgidInitialEnv only; lighttpd's
 * bin-path, spawn-fcgi and systemd pass their own environment), so
 * their argv (a FcgidWrapper or bin-path line with -c FILE) still
 * counts, and so does cron's "hookline.cgi -c FILE drain". A drainer
 * that a CGI request starts is exec'd without GATEWAY_INTERFACE
 * (drain_kick.c), so its "drain -c FILE" counts too.
 */
int
args_parse(int argc, char **argv, const struct args_start *how,
    struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	if (how->gateway) {
		a->ignored = argc > 1 ? argc - 1 : 0;
		a->mode = how->stdin_listens() ? ARGS_FCGI : ARGS_CGI;
		return 0;
	}
	if ((a->cmd = calloc(argc > 0 ? (size_t)argc : 1,
	    sizeof(*a->cmd))) == NULL)
		return -1;
	/* -c FILE may stand anywhere; the rest is the command. */
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			a->conf = argv[++i];
		else
			a->cmd[a->ncmd++] = argv[i];
	}
	if (a->ncmd > 0)
		a->mode = ARGS_COMMAND;
	else
		a->mode = how->stdin_listens() ? ARGS_FCGI : ARGS_USAGE;
	return 0;
}

void
args_free(struct args *a)
{
	free(a->cmd);
	a->cmd = NULL;
	a->ncmd = 0;
}
