/* main.c: arguments, mode (FastCGI, own socket, CGI, subcommand) and
 * start-up order. Only start-up code exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "fcgi.h"
#include "forward.h"
#include "json.h"
#include "send.h"
#include "spoolcmd.h"
#include "verify.h"

static const char usage[] =
"usage: hookline [-c FILE] [COMMAND [ARGS]]\n"
"\n"
"Started by a web server: FastCGI when stdin is a listening socket,\n"
"CGI when GATEWAY_INTERFACE is set. From a shell:\n"
"  fcgi --listen ADDR   serve FastCGI on ADDR (127.0.0.1:9000 or a socket path)\n"
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

/* fcgi --listen ADDR */
static int
cmd_fcgi(const char *conf_path, int argc, char **argv)
{
	const char *addr = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			addr = argv[++i];
		else {
			fprintf(stderr, "hookline fcgi: unknown argument %s\n%s",
			    argv[i], usage);
			return 2;
		}
	}
	return fcgi_serve(conf_path, addr);
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
			return fcgi_serve(conf_locate(conf_arg), NULL);
		if (cgi_detect())
			return cgi_serve(conf_locate(conf_arg));
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(args[0], "help") == 0 || strcmp(args[0], "--help") == 0 ||
	    strcmp(args[0], "-h") == 0)
		i = (fputs(usage, stdout) == EOF);
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
		fprintf(stderr, "hookline: unknown command %s\n%s", args[0],
		    usage);
		i = 2;
	}
	free(args);
	return i;
}
