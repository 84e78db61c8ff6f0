/* deliver.c: run one delivery's hooks, for the sync path and the
 * drainer alike: route, environment, payload file, each hook in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "payfile.h"
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

static int
was_done(const struct strlist *done, const char *hook)
{
	size_t i;

	for (i = 0; done != NULL && i < done->n; i++)
		if (strcmp(done->v[i], hook) == 0)
			return 1;
	return 0;
}

/* Why a hook did not run: o->reason for the sender, without any server
 * path (issue 11: GitHub shows answer bodies in its UI), and o->why
 * for the log, with the hook's full path. */
static int
note_refusal(struct hook_outcome *o, const char *hooks_dir,
    const struct err *rerr)
{
	const char *sep = hooks_dir[0] != '\0' &&
	    hooks_dir[strlen(hooks_dir) - 1] == '/' ? "" : "/";

	if ((o->reason = strdup(rerr->msg)) == NULL ||
	    asprintf(&o->why, "%s%s%s: %s", hooks_dir, sep, o->hook,
	    rerr->msg) < 0) {
		o->why = NULL;
		return -1;
	}
	return 0;
}

/* One hook: resident (*.resident) in the process's pool, or one-shot. */
static int
run_one(const struct conf *conf, const struct endpoint *ep,
    const struct delivery *d, const struct run_spec *spec,
    struct run_result *res, struct err *err)
{
	if (!resident_name(spec->relpath))
		return run_hook(spec, res, err);
	return resident_run(d->resident, spec,
	    endpoint_resident_workers(conf, ep),
	    endpoint_resident_idle(conf, ep), res, err);
}

int
deliver_run(const struct conf *conf, const struct endpoint *ep,
    const struct delivery *d, const struct strlist *done,
    struct outcome *out, struct err *err)
{
	struct strlist hooks = { 0 }, env = { 0 };
	struct payfile pf = { .fd = -1 };
	struct hook_outcome *o, *v;
	struct run_spec spec;
	struct err rerr;
	size_t i, ran = 0;
	int rc = -1;

	if (route_resolve(ep->hooks_dir, d->event, &hooks, err) != 0)
		goto done;
	rc = 0;
	for (i = 0; i < hooks.n; i++) {
		if (was_done(done, hooks.v[i]))
			continue;
		/* One copy per attempt, made for its first hook (a retry
		 * for a forward target alone needs none), shared by its
		 * hooks, sync and async alike: never the spool's own body
		 * file, which a hook could change for the retries. What a
		 * hook did to the copy stays with it. */
		if (ran++ == 0) {
			if (payfile_make(&pf, conf->spool_dir, d->body,
			    d->body_len, err) == -1) {
				rc = -1;
				goto done;
			}
			if (build_env(ep, d, pf.path, &env) != 0) {
				err_set(err, "out of memory");
				rc = -1;
				goto done;
			}
		} else if (payfile_keep(&pf, err) == -1) {
			rc = -1;
			goto done;
		}
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
			.timeout = endpoint_timeout(conf, ep),
			.kill_after = conf->kill_after,
		};
		if (run_one(conf, ep, d, &spec, &o->res, &rerr) != 0 &&
		    note_refusal(o, ep->hooks_dir, &rerr) == -1) {
			err_set(err, "out of memory");
			rc = -1;
			goto done;
		}
		if (!run_ok(&o->res))
			rc = 1;
	}
done:
	/* After the last hook, also one that timed out: it was killed and
	 * reaped with its whole group by now. */
	payfile_remove(&pf);
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
		free(o->v[i].reason);
		run_result_free(&o->v[i].res);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}
