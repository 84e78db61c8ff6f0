/* usage.c: the help of every command, one table entry each: adding a
 * command or an option is an edit here and nowhere else. */
#include <string.h>

#include "usage.h"

static const struct usage cmds[] = {
	{ "fcgi", 1, "fcgi [--listen ADDR] [--workers N]",
	  "serve FastCGI on ADDR (127.0.0.1:9000 or a socket path)",
	  "Without --listen, on the socket that is stdin, as systemd passes\n"
	  "it. N worker processes (default: twice the CPUs, at least 4, at\n"
	  "most 16; 0: no pool, this process serves, for a debugger).\n"
	  "Without a command hookline serves FastCGI on stdin when it is a\n"
	  "listening socket (mod_fcgid, lighttpd, systemd), or one CGI\n"
	  "request when GATEWAY_INTERFACE is set. Started as root with\n"
	  "user = in hookline.conf, it becomes that user first.\n" },
	{ "check", 1, "check [--as USER]",
	  "check the configuration as the serving user; exit 0 clean, "
	  "1 warnings, 2 errors",
	  "Reports every error and warning by file and line. Run as root, it\n"
	  "checks as USER, else hookline.conf's user, else the spool folder's\n"
	  "owner: that user must read the secret files and write the spool\n"
	  "and the log. It says whom it checked as.\n" },
	{ "drain", 1, "drain [--follow] [--now]",
	  "run the spool's due deliveries (--follow: keep running; --now: "
	  "all of them now, waiting retries too)", NULL },
	{ "list", 1, "list [--pending|--dead|--done] [--json]",
	  "the spool's deliveries: NAME, endpoint, event, age, attempts, "
	  "next try", NULL },
	{ "show", 1, "show [--json] ID...",
	  "everything recorded of a delivery (ID: a spool NAME or a "
	  "delivery id)", NULL },
	{ "replay", 1, "replay [--all] [--json] ID...",
	  "dead or done deliveries back to pending (a dead one reruns only "
	  "what did not succeed; --all: all)", NULL },
	{ "retry", 1, "retry [--json] ID...",
	  "run a pending or retrying delivery now", NULL },
	{ "purge", 1, "purge --older-than AGE [--dead|--done] [--json]",
	  "remove done and dead deliveries older than AGE (30d, 12h)", NULL },
	{ "stats", 1, "stats [--json]",
	  "the status page in a terminal: endpoints, the last 48 hours, "
	  "the last 50 deliveries, dead letters",
	  "The same summary as <script URL>/-/status, for a terminal (every\n"
	  "sender's byte escaped) or, with --json, for scripts: the spool's\n"
	  "gauges, per endpoint the last delivery and the counts of the last\n"
	  "24 hours by outcome, the 48 hours by hour, the last 50 deliveries\n"
	  "(time, endpoint, event, delivery id, outcome, attempts, hook exits)\n"
	  "and the dead letters with the command that replays each. Payload\n"
	  "bodies are never shown. Started as root, it first becomes the\n"
	  "spool folder's owner (or hookline.conf's user).\n" },
	{ "db", 1, "db init|migrate|status",
	  "the PostgreSQL schema of `database`: create, move to this "
	  "version, show",
	  "init creates hookline's tables in the configuration's database\n"
	  "(nothing when they are there at this version; refused at another).\n"
	  "migrate moves them to this hookline's version, in one transaction.\n"
	  "status connects and compares versions (exit 1 when they differ).\n"
	  "Serving, draining and the commands check the version on first use:\n"
	  "a mismatch is an error that says which of these to run.\n" },
	{ "init", 0, "init [DIR] [--github] [--gitlab] [--gitea] [--stripe] "
	  "[--slack]\n     [--generic] [--url BASE]",
	  "a commented hookline.conf, secrets, hooks and spool for shared "
	  "hosting",
	  "For shared hosting. DIR (default ~/hookline, the home /etc/passwd\n"
	  "gives the user) gets hookline.conf with one endpoint per sender\n"
	  "chosen (--generic when none is), NAME.secret (a random secret, mode\n"
	  "0600), hooks.d/NAME/ (an example hook, 0755) and spool/ (0700).\n"
	  "It prints the URL (--url BASE, else a placeholder to edit) and the\n"
	  "secret to paste at each sender, the .htaccess to put beside the\n"
	  "program and the cron line for async deliveries. It never overwrites:\n"
	  "a file that exists is kept and named.\n"
	  "Stripe and Slack make their own signing secret: init writes a\n"
	  "random placeholder (nothing unsigned gets in meanwhile); replace the\n"
	  "first line of stripe.secret (slack.secret) with the sender's.\n"
	  "Run as CGI, hookline finds hookline.conf in ~/hookline or\n"
	  "~/.config/hookline by itself, without HOOKLINE_CONF.\n" },
	{ "send", 0, "send URL [--provider P] [--secret S | --secret-file F]\n"
	  "     [--event E] [--delivery ID] [--content-type T] [--timestamp T]\n"
	  "     [--timeout SECONDS] [--ca-file F] [FILE | -]",
	  "send one signed delivery, as a sender would",
	  "POSTs one delivery to URL as provider P's sender would: its headers,\n"
	  "its signature over the body, a delivery id and timestamp. The body is\n"
	  "FILE, or stdin with -, or else a sample payload for P (with event E).\n"
	  "Providers: generic (default) github gitlab gitea bitbucket stripe\n"
	  "slack standard shopify paddle, and svix (standard under svix-*\n"
	  "header names). Prefer --secret-file: a command line is public.\n"
	  "Prints the answer's status line and body; exits 0 on 2xx, 1\n"
	  "otherwise.\n" },
	{ "version", 0, "version",
	  "versions of hookline and its libraries", NULL },
	{ "help", 0, "help [COMMAND]",
	  "this text, or one command's (also: COMMAND --help)", NULL },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const char spool_note[] =
"Started as root, drain, list, show, replay, retry and purge first become\n"
"the spool folder's owner (or hookline.conf's user), so that the web\n"
"server can go on with what they leave; when there is no such user they\n"
"refuse. With `database` set in hookline.conf, list, show, replay, retry\n"
"and purge work on the deliveries in the database, any host's.\n";

static const char conf_note[] =
"The configuration is -c FILE, else $HOOKLINE_CONF, else (CGI only)\n"
"~/.config/hookline/hookline.conf, ~/hookline/hookline.conf, else\n"
"/etc/hookline/hookline.conf; without one, hooks.d in this folder.\n";

const struct usage *
usage_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* The synopsis after lead; the lines after the first are indented by
 * lead's width, so that they stand under the command's arguments. */
static int
synopsis(FILE *fp, const char *lead, const struct usage *u)
{
	const char *p = u->synopsis, *nl;
	int width = (int)strlen(lead);

	if (fputs(lead, fp) == EOF)
		return -1;
	while ((nl = strchr(p, '\n')) != NULL) {
		if (fprintf(fp, "%.*s\n%*s", (int)(nl - p), p, width, "") < 0)
			return -1;
		p = nl + 1;
	}
	return fprintf(fp, "%s\n", p) < 0 ? -1 : 0;
}

int
usage_all(FILE *fp)
{
	size_t i;

	if (fputs("usage: hookline [-c FILE] [COMMAND [ARGS]]\n\n"
	    "Started by a web server: FastCGI when stdin is a listening "
	    "socket,\nCGI when GATEWAY_INTERFACE is set. From a shell:\n",
	    fp) == EOF)
		return -1;
	for (i = 0; i < NCMDS; i++)
		if (fputc('\n', fp) == EOF ||
		    synopsis(fp, "  hookline ", &cmds[i]) != 0 ||
		    fprintf(fp, "      %s\n", cmds[i].summary) < 0)
			return -1;
	if (fprintf(fp, "\n%s\n%s", spool_note, conf_note) < 0 ||
	    fflush(fp) == EOF)
		return -1;
	return 0;
}

int
usage_command(FILE *fp, const char *name)
{
	const struct usage *u = usage_find(name);

	if (u == NULL)
		return usage_all(fp);
	if (synopsis(fp, "usage: hookline ", u) != 0 ||
	    fprintf(fp, "\n%s\n", u->summary) < 0 ||
	    (u->conf && fputs("-c FILE, anywhere on the line, names the "
	    "configuration.\n", fp) == EOF) ||
	    (u->more != NULL && fprintf(fp, "\n%s", u->more) < 0) ||
	    fflush(fp) == EOF)
		return -1;
	return 0;
}

int
usage_help_command(int argc, char **argv)
{
	if (argc < 2)
		return usage_all(stdout) == 0 ? 0 : 1;
	if (usage_find(argv[1]) == NULL) {
		(void)fprintf(stderr, "hookline help: no command %s\n",
		    argv[1]);
		(void)usage_all(stderr);
		return 2;
	}
	return usage_command(stdout, argv[1]) == 0 ? 0 : 1;
}
