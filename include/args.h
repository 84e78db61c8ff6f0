/* args.h: what hookline is asked to do, from its arguments and from how
 * it was started: the mode, the configuration file and the command. */
#ifndef HOOKLINE_ARGS_H
#define HOOKLINE_ARGS_H

#include <stdbool.h>

enum args_mode {
	ARGS_FCGI,	/* stdin is a listening socket: FastCGI on fd 0 */
	ARGS_CGI,	/* one CGI request (RFC 3875) */
	ARGS_COMMAND,	/* a command from a shell: cmd[0] names it */
	ARGS_USAGE	/* nothing to do: the usage text, exit 2 */
};

/* How the process was started: the facts args_parse() reads besides
 * argv. */
struct args_start {
	/* GATEWAY_INTERFACE is in the environment (even empty). */
	bool	  gateway;
	/* 1 when stdin is a listening socket; asked only when needed, so
	 * that a shell command never sets libfcgi up. */
	int	(*stdin_listens)(void);
};

struct args {
	enum args_mode	  mode;
	/* -c FILE / --config FILE, or NULL; always NULL under a gateway. */
	const char	 *conf;
	/* ARGS_COMMAND: the command and its arguments, NULL-terminated;
	 * the array is owned (args_free), the strings are argv's. */
	char		**cmd;
	int		  ncmd;
	/* Words of argv left unread because a gateway started us. */
	int		  ignored;
};

/* Fills a from argv and how. Under a gateway (how->gateway) argv is
 * never read: the mode is FastCGI when stdin listens, else CGI. Returns
 * 0, or -1 when out of memory (a is then empty). */
int	args_parse(int argc, char **argv, const struct args_start *how,
	    struct args *a);
/* Frees what args_parse() allocated; a may be zeroed or already freed. */
void	args_free(struct args *a);

#endif
