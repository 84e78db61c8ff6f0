/* deliver.c: run one delivery's hooks, for the sync path and the
 * drainer alike: route, environment, payload file, each hook in turn. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "deliver.h"
#include "route.h"

/* Builds the contract's environment, exactly and only these. */
static int
build_env(const struct endpoint *ep, const struct delivery *d,
    const char *payload_file, struct strlist *env)
{
	char *s;
	int rc = 0;

#define ADD(...) do { \
	if (rc == 0 && (asprintf(&s, __VA_ARGS__) < 0 || \
	    strlist_take(env, s) != 0)) \
		rc = -1; \
} while (0)
	ADD("PATH=/usr/local/bin:/usr/bin:/bin");
	ADD("HOOKLINE_EVENT=%s", d->event);
	ADD("HOOKLINE_ENDPOINT=%s", d->endpoint);
	ADD("HOOKLINE_PROVIDER=%s", provider_name(ep->provider));
	ADD("HOOKLINE_DELIVERY=%s", d->id);
	ADD("HOOKLINE_REMOTE_ADDR=%s", d->remote_addr ? d->remote_addr : "");
	ADD("HOOKLINE_CONTENT_TYPE=%s", d->content_type ? d->content_type : "");
	ADD("HOOKLINE_ATTEMPT=%u", d->attempt);
	ADD("HOOKLINE_PAYLOAD_FILE=%s", payload_file);
#undef ADD
	if (rc == 0) {
		/* execve wants a NULL at the end; it stays out of env->n. */
		char **v = reallocarray(env->v, env->n + 1, sizeof(*v));

		if (v == NULL)
			return -1;
		env->v = v;
		env->v[env->n] = NULL;
	}
	return rc;
}

/* The hook's fd 4: HOOKLINE_PAYLOAD_FILE names it for a sync run. */
#define PAYLOAD_FD_PATH	"/dev/fd/4"

/* The body in a sealed memory file, for hooks that want a file to seek
 * in: no disk write, nothing left behind if we are killed, and no hook
 * can change what the next one reads. Returns the fd, or -1 with err. */
static int
payload_memfd(const struct delivery *d, struct err *err)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = memfd_create("hookline-payload", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		err_set(err, "cannot make the payload file: %s",
		    strerror(errno));
		return -1;
	}
	while (off < d->body_len) {
		n = write(fd, d->body + off, d->body_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(err, "cannot write the payload file: %s",
			    n < 0 ? strerror(errno) : "short write");
			(void)close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1) {
		err_set(err, "cannot seal the payload file: %s",
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int
was_done(const struct strlist *done, const char *hook)
{
	size_t i;

	for (i = 0; done != NULL && i < done->n; i++)
		if (strcmp(done->v[i], hook) == 0)
			return 1;
	return 0;
}

int
deliver_run(const struct conf *conf, const struct endpoint *ep,
    const struct delivery *d, const struct strlist *done,
    struct outcome *out, struct err *err)
{
	struct strlist hooks = { 0 }, env = { 0 };
	struct hook_outcome *o, *v;
	struct run_spec spec;
	struct err rerr;
	size_t i;
	int payload_fd = -1, rc = -1;

	if (route_resolve(ep->hooks_dir, d->event, &hooks, err) != 0)
		goto done;
	if (hooks.n == 0) {
		rc = 0;
		goto done;
	}
	/* A spooled delivery has its body in a file already. */
	if (d->body_path == NULL && (payload_fd = payload_memfd(d, err)) == -1)
		goto done;
	if (build_env(ep, d, d->body_path ? d->body_path : PAYLOAD_FD_PATH,
	    &env) != 0) {
		err_set(err, "out of memory");
		goto done;
	}
	rc = 0;
	for (i = 0; i < hooks.n; i++) {
		if (was_done(done, hooks.v[i]))
			continue;
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) == NULL) {
			err_set(err, "out of memory");
			rc = -1;
			goto done;
		}
		out->v = v;
		o = &out->v[out->n++];
		memset(o, 0, sizeof(*o));
		if ((o->hook = strdup(hooks.v[i])) == NULL) {
			err_set(err, "out of memory");
			rc = -1;
			goto done;
		}
		spec = (struct run_spec){
			.hooks_dir = ep->hooks_dir,
			.relpath = hooks.v[i],
			.event = d->event,
			.env = (const char *const *)env.v,
			.body = d->body,
			.body_len = d->body_len,
			.payload_fd = payload_fd,
			.timeout = endpoint_timeout(conf, ep),
			.kill_after = conf->kill_after,
		};
		if (run_hook(&spec, &o->res, &rerr) != 0)
			o->why = strdup(rerr.msg);
		if (!run_ok(&o->res))
			rc = 1;
	}
done:
	if (payload_fd != -1)
		(void)close(payload_fd);
	strlist_clear(&env);
	strlist_clear(&hooks);
	return rc;
}

void
outcome_free(struct outcome *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].hook);
		free(o->v[i].why);
		run_result_free(&o->v[i].res);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}
