/* fuzz_conf.c: the configuration parser on any file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/hookline-fuzz-conf-XXXXXX";
	static int fd = -1;
	struct conf *c;
	struct err err;

	if (fd < 0 && (fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (conf_load(path, &c, &err) == 0) {
		(void)conf_endpoint(c, "");
		(void)conf_changed(c);
		conf_free(c);
	}
	return 0;
}
