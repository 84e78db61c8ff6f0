/* hook.c: the bench's hook, the same for every server: reads its stdin to
 * the end and exits 0. As small as a hook can be, so what is measured is
 * the receiver's own cost of starting one. */
#include <errno.h>
#include <unistd.h>

int
main(void)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		return 0;
	}
}
