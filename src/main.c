/* main.c: arguments, mode (FastCGI, own socket, CGI, subcommand) and
 * start-up order. Only start-up code exits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "check.h"
#include "conf.h"
#include "fcgi.h"
#include "forward.h"
#include "db.h"
#include "dbcmd.h"
#include "init.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "send.h"
#include "spoolcmd.h"
#include "statscmd.h"
#include "usage.h"
#include "verify.h"

static int
cmd_version(void)
{
	char pq[64];

	db_lib_version(pq, sizeof(pq));
	if (printf("hookline %s\njson-c %s\n%s\n%s\n%s\n%s\n",
	    HOOKLINE_VERSION, json_lib_version(), verify_lib_version(),
	    forward_lib_version(), pq, fcgi_lib_version()) < 0 ||
	    fflush(stdout) == EOF)
		return 1;
	return 0;
}

/* N of --workers N: 0 to POOL_MAX_WORKERS, digits only. Returns 0 and
 * *n, or -1. */
static int
parse_workers(const char *s, unsigned *n)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > POOL_MAX_WORKERS)
		return -1;
	*n = (unsigned)v;
	return 0;
}

/* fcgi [--listen ADDR] [--workers N] */
static int
cmd_fcgi(const char *conf_path, int argc, char **argv)
{
	const char *addr = NULL;
	unsigned workers = pool_default_workers();
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			addr = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			if (parse_workers(argv[++i], &workers) != 0) {
				fprintf(stderr, "hookline fcgi: --workers "
				    "wants a number from 0 to %d\n",
				    POOL_MAX_WORKERS);
				return 2;
			}
		} else {
			fprintf(stderr, "hookline fcgi: unknown argument %s\n",
			    argv[i]);
			(void)usage_command(stderr, "fcgi");
			return 2;
		}
	}
	if (addr == NULL && !fcgi_detect()) {
		fprintf(stderr, "hookline fcgi: stdin is not a listening "
		    "socket; give --listen ADDR\n");
		return 2;
	}
	return fcgi_serve(conf_path, addr, workers);
}

/* One CGI request. With no configuration found the implicit endpoint
 * serves, as the contract says, but the log says so and where we looked:
 * under suEXEC a SetEnv HOOKLINE_CONF never arrives, and the answers
 * (unknown_endpoint, ignored) alone would not tell why. An empty
 * hookline.conf in one of those places chooses the implicit endpoint
 * quietly (hooks.d beside it). */
static int
cgi_main(void)
{
	struct conf_where w;
	char *tried;
	int rc;

	/* No -c: under CGI argv is never read (args.c). */
	if (conf_where_find(NULL, 1, &w) != 0) {
		log_msg("error", "finding the configuration: out of memory");
		return 1;
	}
	if (w.path == NULL) {
		tried = conf_where_tried(&w);
		log_msg("warning", "no configuration file found (tried %s): "
		    "serving the implicit endpoint, hooks.d in the current "
		    "folder", tried != NULL ? tried : "?");
		free(tried);
	}
	rc = cgi_serve(w.path);
	conf_where_clear(&w);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct args_start how = { cgi_detect(), fcgi_detect };
	struct args a;
	char **args;
	int i, n;

	/* A hook that stops reading its stdin must not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	/* Under a web server's GATEWAY_INTERFACE argv is the visitor's
	 * (args.c): args_parse() does not read it. */
	if (args_parse(argc, argv, &how, &a) != 0)
		return 1;
	switch (a.mode) {
	case ARGS_FCGI:
		args_free(&a);	/* a.conf is argv's */
		return fcgi_serve(conf_locate(a.conf), NULL, 0);
	case ARGS_CGI:
		/* The count only: the words are a stranger's. */
		if (a.ignored > 0)
			log_msg("warning", "started as CGI (GATEWAY_INTERFACE "
			    "is set): %d argument(s) ignored", a.ignored);
		return cgi_main();
	case ARGS_USAGE:
		args_free(&a);
		(void)usage_all(stderr);
		return 2;
	case ARGS_COMMAND:
		break;
	}
	args = a.cmd;
	n = a.ncmd;
	if (strcmp(args[0], "help") == 0)
		i = usage_help_command(n, args);
	else if (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0)
		i = usage_all(stdout) == 0 ? 0 : 1;
	else if (n > 1 && usage_find(args[0]) != NULL &&
	    (strcmp(args[1], "--help") == 0 || strcmp(args[1], "-h") == 0))
		i = usage_command(stdout, args[0]) == 0 ? 0 : 1;
	else if (strcmp(args[0], "version") == 0 ||
	    strcmp(args[0], "--version") == 0)
		i = cmd_version();
	else if (strcmp(args[0], "fcgi") == 0)
		i = cmd_fcgi(conf_locate(a.conf), n, args);
	else if (strcmp(args[0], "init") == 0)
		i = init_command(n, args);
	else if (strcmp(args[0], "send") == 0)
		i = send_command(n, args);
	else if (strcmp(args[0], "db") == 0)
		i = db_command(conf_locate(a.conf), n, args);
	else if (strcmp(args[0], "check") == 0)
		i = check_command(conf_locate(a.conf), n, args);
	else if (strcmp(args[0], "drain") == 0 || strcmp(args[0], "list") == 0 ||
	    strcmp(args[0], "show") == 0 || strcmp(args[0], "replay") == 0 ||
	    strcmp(args[0], "retry") == 0 || strcmp(args[0], "purge") == 0)
		i = spool_command(conf_locate(a.conf), n, args);
	else if (strcmp(args[0], "stats") == 0)
		i = stats_command(conf_locate(a.conf), n, args);
	else {
		fprintf(stderr, "hookline: unknown command %s\n", args[0]);
		(void)usage_all(stderr);
		i = 2;
	}
	args_free(&a);
	return i;
}
