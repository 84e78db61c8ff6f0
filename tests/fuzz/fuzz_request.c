/* fuzz_request.c: the whole request path behind the adapter: params and
 * body as a web server would hand them over, through every check. The
 * input is "NAME=VALUE" lines, a blank line, then the body. No hook
 * exists, so nothing runs; the log goes to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "handle.h"
#include "log.h"
#include "request.h"

struct fake {
	char		**params;	/* name, value, ... */
	size_t		  n;
	const uint8_t	 *body;
	size_t		  len, off;
};

static const char *
fparam(void *ctx, const char *name)
{
	struct fake *f = ctx;
	size_t i;

	for (i = 0; i + 1 < f->n; i += 2)
		if (strcmp(f->params[i], name) == 0)
			return f->params[i + 1];
	return NULL;
}

static ssize_t
fread_body(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n = f->len - f->off;

	if (n > len)
		n = len;
	/* No body at all (no blank line in the input) is a NULL one:
	 * memcpy from NULL is undefined even for 0 bytes, and a UBSan
	 * report for it would drown a real one. */
	if (n == 0)
		return 0;
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return (ssize_t)n;
}

static int
fwrite_answer(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static struct conf *
setup(void)
{
	char dir[] = "/tmp/hookline-fuzz-req-XXXXXX", *path, *hooks;
	struct conf *c;
	struct err err;
	FILE *f;

	if (mkdtemp(dir) == NULL || asprintf(&path, "%s/hookline.conf", dir) < 0 ||
	    asprintf(&hooks, "%s/hooks.d", dir) < 0 || mkdir(hooks, 0755) != 0 ||
	    (f = fopen(path, "w")) == NULL)
		abort();
	fputs("max_body = 64K\n[github]\nprovider = github\nsecret = s\n"
	    "[stripe]\nprovider = stripe\nsecret = whsec_x\n"
	    "[open]\nprovider = generic\nallow_ip = 127.0.0.0/8 ::1\n", f);
	if (fclose(f) != 0 || conf_load(path, &c, &err) != 0 ||
	    log_open("/dev/null", &err) != 0)
		abort();
	free(path);
	free(hooks);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf *conf;
	struct fake f = { 0 };
	struct io io = { &f, fparam, fread_body, fwrite_answer };
	char *text, *line, *eq, **v;
	size_t i, start = 0;

	if (conf == NULL)
		conf = setup();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	/* Params up to the first empty line; the body is what follows. */
	for (i = 0; i <= size; i++) {
		if (i < size && text[i] != '\n')
			continue;
		text[i] = '\0';
		line = text + start;
		start = i + 1;
		if (*line == '\0' || (eq = strchr(line, '=')) == NULL)
			break;
		*eq = '\0';
		if ((v = reallocarray(f.params, f.n + 2, sizeof(*v))) == NULL)
			goto done;
		f.params = v;
		f.params[f.n++] = line;
		f.params[f.n++] = eq + 1;
	}
	if (start <= size) {
		f.body = data + start;
		f.len = size - start;
	}
	(void)handle_request(conf, &io, NULL, NULL);
done:
	free(f.params);
	free(text);
	return 0;
}
