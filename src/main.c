/* main.c: arguments, mode (FastCGI, own socket, CGI, subcommand) and
 * start-up order. Only start-up code exits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "fcgi.h"
#include "forward.h"
#include "json.h"
#include "pool.h"
#include "send.h"
#include "spoolcmd.h"
#include "verify.h"

static const char usage[] =
"usage: hookline [-c FILE] [COMMAND [ARGS]]\n"
"\n"
"Started by a web server: FastCGI when stdin is a listening socket,\n"
"CGI when GATEWAY_INTERFACE is set. From a shell:\n"
"  fcgi [--listen ADDR] [--workers N]\n"
"                       serve FastCGI on ADDR (127.0.0.1:9000 or a socket path;\n"
"                       without it, on the socket that is stdin, as systemd\n"
"                       passes it) with N worker processes (default: twice\n"
"                       the CPUs, at least 4, at most 16; here %u; 0: no\n"
"                       pool, this process serves, for a debugger)\n"
"  check                check the configuration; exit 0 clean, 1 warnings, 2 errors\n"
"  drain [--follow] [--now]\n"
"                       run the spool's pending deliveries (--now: all of\n"
"                       them now, waiting retries too)\n"
"  list [--pending|--dead|--done] [--json]\n"
"  show ID              everything recorded of a delivery\n"
"  replay [--all] ID... dead or done deliveries back to pending (a dead\n"
"                       one reruns only what did not succeed; --all: all)\n"
"  retry ID...          run a pending or retrying delivery now\n"
"  purge --older-than AGE\n"
"  send URL [--provider P] [--secret S] [--event E] [FILE]\n"
"                       send one signed delivery, as a sender would\n"
"  version              versions of hookline and its libraries\n"
"  help                 this text\n"
"\n"
"The configuration is -c FILE, else $HOOKLINE_CONF, else\n"
"/etc/hookline/hookline.conf; without one, hooks.d in this folder.\n";

static int
cmd_version(void)
{
	if (printf("hookline %s\njson-c %s\n%s\n%s\n%s\n", HOOKLINE_VERSION,
	    json_lib_version(), verify_lib_version(), forward_lib_version(),
	    fcgi_lib_version()) < 0 || fflush(stdout) == EOF)
		return 1;
	return 0;
}

static int
print_usage(FILE *fp)
{
	return fprintf(fp, usage, pool_default_workers()) < 0 ||
	    fflush(fp) == EOF;
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
			(void)print_usage(stderr);
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

int
main(int argc, char **argv)
{
	const char *conf_arg = NULL;
	char **args;
	int i, n = 0;

	/* A hook that stops reading its stdin must not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	/* -c FILE may stand anywhere; the rest is the command. */
	if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			conf_arg = argv[++i];
		else
			args[n++] = argv[i];
	}
	if (n == 0) {
		free(args);
		if (fcgi_detect())
			return fcgi_serve(conf_locate(conf_arg), NULL, 0);
		if (cgi_detect())
			return cgi_serve(conf_locate(conf_arg));
		(void)print_usage(stderr);
		return 2;
	}
	if (strcmp(args[0], "help") == 0 || strcmp(args[0], "--help") == 0 ||
	    strcmp(args[0], "-h") == 0)
		i = print_usage(stdout);
	else if (strcmp(args[0], "version") == 0 ||
	    strcmp(args[0], "--version") == 0)
		i = cmd_version();
	else if (strcmp(args[0], "fcgi") == 0)
		i = cmd_fcgi(conf_locate(conf_arg), n, args);
	else if (strcmp(args[0], "send") == 0)
		i = send_command(n, args);
	else if (strcmp(args[0], "check") == 0)
		i = check_command(conf_locate(conf_arg), n, args);
	else if (strcmp(args[0], "drain") == 0 || strcmp(args[0], "list") == 0 ||
	    strcmp(args[0], "show") == 0 || strcmp(args[0], "replay") == 0 ||
	    strcmp(args[0], "retry") == 0 || strcmp(args[0], "purge") == 0)
		i = spool_command(conf_locate(conf_arg), n, args);
	else {
		fprintf(stderr, "hookline: unknown command %s\n", args[0]);
		(void)print_usage(stderr);
		i = 2;
	}
	free(args);
	return i;
}
