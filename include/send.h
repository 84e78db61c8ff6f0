/* send.h: `hookline send`: one delivery signed the way a given sender
 * signs it, to test a receiver (hookline or another). */
#ifndef HOOKLINE_SEND_H
#define HOOKLINE_SEND_H

/*
 * hookline send URL [--provider P] [--secret S | --secret-file F]
 *     [--event E] [--delivery ID] [--content-type T] [--timestamp T]
 *     [--timeout SECONDS] [--ca-file F] [FILE | -]
 *
 * argv[0] is "send". Prints the answer's status line and its body on
 * stdout. Returns the exit status: 0 when the answer is 2xx, 1 when it
 * is not or none came, 2 for a usage error.
 */
int	send_command(int argc, char **argv);

#endif
