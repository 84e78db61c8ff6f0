/* stub_http.c: the scripted HTTP server of tests/unit/stub_http.h as a
 * program, for the end-to-end tests of forwarding:
 *     stub_http LOGFILE ANSWER...
 * listens on a free port of 127.0.0.1, prints the port, and serves until
 * it is killed; request n gets ANSWER n (the last one repeats); each
 * request is one line of LOGFILE. */
#define _GNU_SOURCE	/* memmem */
#include "../unit/stub_http.h"

int
main(int argc, char **argv)
{
	struct stub s;

	if (argc < 3) {
		fprintf(stderr, "usage: stub_http LOGFILE ANSWER...\n");
		return 2;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	stub_start_log(&s, (const char *const *)argv + 2, argv[1]);
	printf("%d\n", s.port);
	if (fflush(stdout) != 0)
		return 1;
	/* The server dies with us (PR_SET_PDEATHSIG). */
	for (;;)
		(void)pause();
}
