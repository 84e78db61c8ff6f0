/* spoolcmd.c: the operator's commands on the spool: list, show, purge
 * (spoolact.c: replay, retry, drain); plain text for people, --json for
 * scripts. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "consumer.h"
#include "json.h"
#include "privdrop.h"
#include "spool.h"
#include "spoolcmd.h"
#include "spoolcmd_int.h"
#include "termsafe.h"
#include "usage.h"

/* Which boxes a command looks at. */
struct sel {
	bool	box[SPOOL__NBOX];
};

/* A usage error that names the argument. */
int
unknown_arg(const char *cmd, const char *arg)
{
	char what[ERR_MAX];

	(void)snprintf(what, sizeof(what), "unknown argument %s", arg);
	return bad_usage(cmd, what);
}

int
bad_usage(const char *cmd, const char *what)
{
	fprintf(stderr, "hookline %s: %s\n", cmd, what);
	if (usage_find(cmd) != NULL)
		(void)usage_command(stderr, cmd);
	return 2;
}

/* A state's word for people: a claimed delivery is running. */
const char *
state_word(enum spool_box b)
{
	switch (b) {
	case SPOOL_NEW:
		return "pending";
	case SPOOL_CUR:
		return "running";
	case SPOOL_DONE:
		return "done";
	case SPOOL_DEAD:
		return "dead";
	default:
		return "?";
	}
}

/* "42s", "5m", "3h", "2d": short ages for the list. */
static void
fmt_age(char *buf, size_t len, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		(void)snprintf(buf, len, "%llds", s);
	else if (s < 2 * 3600)
		(void)snprintf(buf, len, "%lldm", s / 60);
	else if (s < 2 * 86400)
		(void)snprintf(buf, len, "%lldh", s / 3600);
	else
		(void)snprintf(buf, len, "%lldd", s / 86400);
}

static void
fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, len, "-");
}

/* Writes a stranger's bytes (hook output, sender data) for a terminal,
 * every control character escaped (termsafe.c). With indent, each line
 * is indented and the last one ended. */
static void
put_safe(const char *s, size_t len, const char *indent)
{
	(void)term_text(stdout, s, len, indent);
}

static void
puts_safe(const char *s)
{
	if (s != NULL)
		put_safe(s, strlen(s), NULL);
}

/* s escaped, then spaces up to width bytes of it. */
static void
puts_padded(const char *s, size_t width)
{
	puts_safe(s);
	printf("%*s", (int)(strlen(s) < width ? width - strlen(s) : 0), "");
}

/* [{name, state, tries, failures, next, error}]: each consumer. */
static struct jval *
consumers_json(const struct spool_entry *e)
{
	const struct consumer *c;
	struct jval *arr, *o;
	size_t i;

	if ((arr = json_new_array()) == NULL)
		return NULL;
	for (i = 0; i < e->ncons; i++) {
		c = &e->cons[i];
		if ((o = json_new_object()) == NULL)
			break;
		(void)json_set_str(o, "name", c->name);
		(void)json_set_str(o, "state", consumer_word(c));
		(void)json_set_int(o, "tries", c->tries);
		(void)json_set_int(o, "failures", c->failures);
		if (c->state == CONS_PENDING)
			(void)json_set_int(o, "next", c->next);
		if (c->error != NULL)
			(void)json_set_str(o, "error", c->error);
		(void)json_push(arr, o);
	}
	return arr;
}

/* One consumer's story in a few words: "failed for good after 1 try". */
static void
fmt_consumer(char *buf, size_t len, const struct consumer *c, time_t now)
{
	const char *tries = c->tries == 1 ? "try" : "tries";
	char t[48], in[32];

	switch (c->state) {
	case CONS_SUCCEEDED:
		(void)snprintf(buf, len, "succeeded after %u %s", c->tries,
		    tries);
		break;
	case CONS_FAILED:
		(void)snprintf(buf, len, "failed for good after %u %s",
		    c->tries, tries);
		break;
	case CONS_EXHAUSTED:
		(void)snprintf(buf, len, "ran out of retries after %u %s",
		    c->tries, tries);
		break;
	default:
		fmt_time(t, sizeof(t), c->next);
		fmt_age(in, sizeof(in), c->next - now);
		if (c->next <= now)
			(void)snprintf(buf, len, "%s, %u %s, due now",
			    consumer_word(c), c->tries, tries);
		else
			(void)snprintf(buf, len, "%s, %u %s, next %s (in %s)",
			    consumer_word(c), c->tries, tries, t, in);
		break;
	}
}

/* Why the delivery is where it is, in one line for people (malloc'ed,
 * or NULL when out of memory). */
static char *
why_text(const struct spool_entry *e, time_t now)
{
	const struct consumer *c = consumer_culprit(e);
	char what[160], t[48], in[32], *s = NULL;
	size_t retrying = 0, i;
	int n = -1;

	for (i = 0; i < e->ncons; i++)
		retrying += e->cons[i].state == CONS_PENDING &&
		    e->cons[i].failures > 0;
	switch (e->box) {
	case SPOOL_CUR:
		n = asprintf(&s, "running now (attempt %u)", e->attempts);
		break;
	case SPOOL_DONE:
		n = asprintf(&s, "done: %s", e->ncons == 0 ?
		    "there was nothing to run" : "every consumer succeeded");
		break;
	case SPOOL_DEAD:
		if (c != NULL) {
			fmt_consumer(what, sizeof(what), c, now);
			n = asprintf(&s, "dead: %s %s: %s", c->name, what,
			    c->error != NULL ? c->error : "-");
		} else
			n = asprintf(&s, "dead: %s", e->error != NULL ?
			    e->error : "its state could not be read");
		break;
	default:
		fmt_time(t, sizeof(t), e->next);
		fmt_age(in, sizeof(in), e->next - now);
		if (e->next <= now)
			(void)snprintf(what, sizeof(what), "due now");
		else
			(void)snprintf(what, sizeof(what), "next try %s (in %s)",
			    t, in);
		if (c != NULL)
			n = asprintf(&s, "pending: %s; %s failed for good, "
			    "%zu other%s retrying", what, c->name, retrying,
			    retrying == 1 ? "" : "s");
		else if (retrying > 0 || e->errors > 0)
			n = asprintf(&s, "pending: %s; %zu consumer%s retrying"
			    "%s%s", what, retrying, retrying == 1 ? "" : "s",
			    e->error != NULL ? ", last error: " : "",
			    e->error != NULL ? e->error : "");
		else
			n = asprintf(&s, "pending: %s", what);
		break;
	}
	return n < 0 ? NULL : s;
}

static struct jval *
entry_json(const struct spool_entry *e, time_t now)
{
	struct jval *o, *done;
	char *why;
	size_t i;

	if ((o = json_new_object()) == NULL)
		return NULL;
	(void)json_set_str(o, "name", e->name);
	(void)json_set_str(o, "state", state_word(e->box));
	(void)json_set_str(o, "endpoint", e->endpoint);
	(void)json_set_str(o, "event", e->event);
	(void)json_set_str(o, "delivery", e->id);
	if (e->remote_addr != NULL)
		(void)json_set_str(o, "remote_addr", e->remote_addr);
	if (e->content_type != NULL)
		(void)json_set_str(o, "content_type", e->content_type);
	(void)json_set_int(o, "body_len", (int64_t)e->body_len);
	(void)json_set_int(o, "received", e->received);
	(void)json_set_int(o, "age", now - e->received);
	(void)json_set_int(o, "attempts", e->attempts);
	(void)json_set_int(o, "failures", e->failures);
	if (e->interrupted)
		(void)json_set_int(o, "interrupted", e->interrupted);
	if (e->replays)
		(void)json_set_int(o, "replays", e->replays);
	if (e->box == SPOOL_NEW)
		(void)json_set_int(o, "next", e->next);
	if (e->finished > 0)
		(void)json_set_int(o, "finished", e->finished);
	if ((done = json_new_array()) != NULL) {
		for (i = 0; i < e->ncons; i++) {
			struct jval *s;

			/* json.h has no bare strings: wrap as {hook}. */
			if (e->cons[i].state != CONS_SUCCEEDED)
				continue;
			if ((s = json_new_object()) == NULL)
				break;
			(void)json_set_str(s, "hook", e->cons[i].name);
			(void)json_push(done, s);
		}
		(void)json_set(o, "succeeded", done);
	}
	(void)json_set(o, "consumers", consumers_json(e));
	if (e->error != NULL)
		(void)json_set_str(o, "error", e->error);
	if ((why = why_text(e, now)) != NULL) {
		(void)json_set_str(o, "why", why);
		free(why);
	}
	return o;
}

int
print_json(struct jval *v)
{
	const char *t;
	size_t len;

	if (v == NULL || (t = json_text(v, &len)) == NULL) {
		fprintf(stderr, "hookline: out of memory\n");
		return 1;
	}
	/* json-c leaves C1 controls and invalid UTF-8 raw. */
	if (term_json(stdout, t, len) != 0 || putchar('\n') == EOF)
		return 1;
	return 0;
}

/* One line of list's table; spilled: it waits in this host's spool for
 * the database. */
static void
list_row(const struct spool_entry *e, bool spilled, time_t now)
{
	char age[32], in[32], next[48];

	fmt_age(age, sizeof(age), now - e->received);
	if (e->box == SPOOL_CUR)
		(void)snprintf(next, sizeof(next), "now");
	else if (e->box != SPOOL_NEW)
		(void)snprintf(next, sizeof(next), "-");
	else if (e->next <= now)
		(void)snprintf(next, sizeof(next), "due");
	else {
		fmt_age(in, sizeof(in), e->next - now);
		(void)snprintf(next, sizeof(next), "in %s", in);
	}
	printf("%-36s %-8s ", e->name, spilled ? "spilled" :
	    state_word(e->box));
	/* A database's rows are any host's: its endpoint is escaped as the
	 * event is. */
	puts_padded(e->endpoint[0] ? e->endpoint : "/", 12);
	putchar(' ');
	puts_padded(e->event, 24);
	printf(" %-6s %-8u %s\n", age, e->attempts, next);
}

static int
cmd_list(const struct conf *conf, int argc, char **argv)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct sel sel = { { false } };
	struct jval *arr = NULL, *o;
	struct err err;
	bool json = false, any = false, away = false;
	time_t now = time(NULL);
	size_t i;
	int b, i2, rc = 1;

	for (i2 = 1; i2 < argc; i2++) {
		if (strcmp(argv[i2], "--json") == 0)
			json = true;
		else if (strcmp(argv[i2], "--pending") == 0)
			any = sel.box[SPOOL_NEW] = sel.box[SPOOL_CUR] = true;
		else if (strcmp(argv[i2], "--dead") == 0)
			any = sel.box[SPOOL_DEAD] = true;
		else if (strcmp(argv[i2], "--done") == 0)
			any = sel.box[SPOOL_DONE] = true;
		else
			return unknown_arg("list", argv[i2]);
	}
	for (b = 0; !any && b < SPOOL__NBOX; b++)
		sel.box[b] = true;
	if (json && (arr = json_new_array()) == NULL) {
		fprintf(stderr, "hookline: out of memory\n");
		return 1;
	}
	if (!json)
		printf("%-36s %-8s %-12s %-24s %-6s %-8s %s\n", "NAME",
		    "STATE", "ENDPOINT", "EVENT", "AGE", "ATTEMPTS", "NEXT");
	for (b = 0; b < SPOOL__NBOX; b++) {
		if (!sel.box[b])
			continue;
		if (store_list(conf, (enum spool_box)b, &names,
		    &err) == -1) {
			if (!away)
				fprintf(stderr, "hookline list: %s\n",
				    err.msg);
			/* The database away: what waits here for it. */
			if (conf->database == NULL)
				goto done;
			away = true;
		}
		if (store_list_spilled(conf, (enum spool_box)b, &names,
		    &err) == -1) {
			fprintf(stderr, "hookline list: %s\n", err.msg);
			goto done;
		}
		for (i = 0; i < names.n; i++) {
			if (store_read(conf, (enum spool_box)b,
			    names.v[i], &e, &err) != 0)
				continue;	/* moved meanwhile, or unreadable */
			if (json) {
				if ((o = entry_json(&e, now)) != NULL &&
				    store_spilled(conf, names.v[i]))
					(void)json_set_bool(o, "spilled", 1);
				if (o == NULL || json_push(arr, o) != 0) {
					spool_entry_free(&e);
					fprintf(stderr, "hookline: out of memory\n");
					goto done;
				}
			} else
				list_row(&e, store_spilled(conf, names.v[i]),
				    now);
			spool_entry_free(&e);
		}
		strlist_clear(&names);
	}
	rc = json ? print_json(arr) : 0;
	if (away)
		rc = 1;
done:
	strlist_clear(&names);
	json_free(arr);
	return rc;
}

/* The text of a line-oriented puts_safe needs no trailing newline: it
 * adds one. This prints a label and a value that may be NULL. */
static void
show_field(const char *label, const char *value)
{
	printf("  %-13s ", label);
	if (value == NULL || value[0] == '\0')
		puts("-");
	else {
		puts_safe(value);
		putchar('\n');
	}
}

/* "attempts 4 (3 failed, 1 succeeded)", then the replays: counts that
 * add up whatever the history (a replay resets no count). */
static void
show_counts(const struct spool_entry *e)
{
	unsigned rest = e->attempts, ok;

	rest -= e->failures < rest ? e->failures : rest;
	rest -= e->interrupted < rest ? e->interrupted : rest;
	rest -= e->running != 0 && rest > 0 ? 1 : 0;
	ok = rest;
	printf("  %-13s %u (%u failed, %u succeeded", "attempts", e->attempts,
	    e->failures, ok);
	if (e->interrupted > 0)
		printf(", %u interrupted", e->interrupted);
	if (e->running != 0)
		printf(", 1 running");
	puts(")");
	if (e->replays > 0)
		printf("  %-13s %u time%s\n", "replayed", e->replays,
		    e->replays == 1 ? "" : "s");
}

/* Each consumer on its own line: name, state, tries, its last error. */
static void
show_consumers(const struct spool_entry *e, time_t now)
{
	const struct consumer *c;
	char what[160];
	size_t i;

	if (e->ncons == 0)
		return;
	printf("  consumers\n");
	for (i = 0; i < e->ncons; i++) {
		c = &e->cons[i];
		fmt_consumer(what, sizeof(what), c, now);
		printf("    ");
		puts_safe(c->name);
		printf(": %s\n", what);
		if (c->error != NULL && c->state != CONS_SUCCEEDED) {
			printf("      last error: ");
			puts_safe(c->error);
			putchar('\n');
		}
	}
}

static void
show_text(const struct conf *conf, const struct spool_entry *e,
    const struct spool_run *runs, size_t nruns, time_t now, bool spilled)
{
	const struct run_result *r;
	char t[48], age[32], *why;
	size_t i, j;

	printf("%s (%s)\n", e->name, spilled ? "spilled" :
	    state_word(e->box));
	show_field("endpoint", e->endpoint[0] ? e->endpoint : "/");
	show_field("event", e->event);
	show_field("delivery", e->id);
	show_field("remote addr", e->remote_addr);
	show_field("content type", e->content_type);
	if (spilled)
		printf("  %-13s %llu bytes, %s/%s/%s/body (spilled: moved "
		    "into the database by the drainer)\n", "body",
		    (unsigned long long)e->body_len, conf->spool_dir,
		    spool_box_name(e->box), e->name);
	else if (conf->database != NULL)
		printf("  %-13s %llu bytes, in the database\n", "body",
		    (unsigned long long)e->body_len);
	else
		printf("  %-13s %llu bytes, %s/%s/%s/body\n", "body",
		    (unsigned long long)e->body_len, conf->spool_dir,
		    spool_box_name(e->box), e->name);
	fmt_time(t, sizeof(t), e->received);
	fmt_age(age, sizeof(age), now - e->received);
	printf("  %-13s %s (%s ago)\n", "received", t, age);
	show_counts(e);
	if (e->box == SPOOL_NEW) {
		fmt_time(t, sizeof(t), e->next);
		printf("  %-13s %s\n", "next try", e->next <= now ? "due" : t);
	}
	if (e->finished > 0) {
		fmt_time(t, sizeof(t), e->finished);
		printf("  %-13s %s\n", "finished", t);
	}
	why = why_text(e, now);
	show_field("why", why);
	free(why);
	printf("  %-13s", "succeeded");
	for (i = 0, j = 0; i < e->ncons; i++) {
		if (e->cons[i].state != CONS_SUCCEEDED)
			continue;
		putchar(' ');
		puts_safe(e->cons[i].name);
		j++;
	}
	puts(j == 0 ? " -" : "");
	show_field("last error", e->error);
	show_consumers(e, now);
	for (i = 0; i < nruns; i++) {
		fmt_time(t, sizeof(t), runs[i].started);
		printf("attempt %u, %s, %ld ms%s\n", runs[i].attempt, t,
		    runs[i].duration_ms,
		    runs[i].interrupted ? ", interrupted" : "");
		if (runs[i].error != NULL) {
			printf("  error: ");
			puts_safe(runs[i].error);
			putchar('\n');
		}
		for (j = 0; j < runs[i].n; j++) {
			r = &runs[i].v[j].res;
			printf("  hook ");
			puts_safe(runs[i].v[j].hook);
			if (!r->ran)
				printf(": did not run");
			else if (r->exited)
				printf(": exit %d", r->exit_code);
			else
				printf(": signal %d", r->signal);
			printf("%s, %ld ms\n", r->timed_out ? ", timed out" : "",
			    r->duration_ms);
			if (runs[i].v[j].why != NULL) {
				printf("    refused: ");
				puts_safe(runs[i].v[j].why);
				putchar('\n');
			}
			if (r->out_len > 0) {
				printf("    stdout (last %zu bytes):\n",
				    r->out_len);
				put_safe(r->out, r->out_len, "      ");
			}
			if (r->errout_len > 0) {
				printf("    stderr (last %zu bytes):\n",
				    r->errout_len);
				put_safe(r->errout, r->errout_len, "      ");
			}
		}
	}
}

static struct jval *
runs_json(const struct spool_run *runs, size_t nruns)
{
	const struct run_result *r;
	struct jval *arr, *o, *hooks, *h;
	size_t i, j;

	if ((arr = json_new_array()) == NULL)
		return NULL;
	for (i = 0; i < nruns; i++) {
		if ((o = json_new_object()) == NULL)
			goto fail;
		(void)json_set_int(o, "attempt", runs[i].attempt);
		(void)json_set_int(o, "started", runs[i].started);
		(void)json_set_int(o, "duration_ms", runs[i].duration_ms);
		if (runs[i].interrupted)
			(void)json_set_bool(o, "interrupted", 1);
		if (runs[i].error != NULL)
			(void)json_set_str(o, "error", runs[i].error);
		if ((hooks = json_new_array()) == NULL) {
			json_free(o);
			goto fail;
		}
		for (j = 0; j < runs[i].n; j++) {
			r = &runs[i].v[j].res;
			if ((h = json_new_object()) == NULL)
				break;
			(void)json_set_str(h, "hook", runs[i].v[j].hook);
			(void)json_set_bool(h, "ran", r->ran);
			(void)json_set_int(h, "exit", r->exited ?
			    r->exit_code : -1);
			if (r->signal)
				(void)json_set_int(h, "signal", r->signal);
			if (r->timed_out)
				(void)json_set_bool(h, "timed_out", 1);
			(void)json_set_int(h, "duration_ms", r->duration_ms);
			if (runs[i].v[j].why != NULL)
				(void)json_set_str(h, "refused",
				    runs[i].v[j].why);
			if (r->out != NULL)
				(void)json_set_strn(h, "stdout", r->out,
				    r->out_len);
			if (r->errout != NULL)
				(void)json_set_strn(h, "stderr", r->errout,
				    r->errout_len);
			(void)json_push(hooks, h);
		}
		(void)json_set(o, "hooks", hooks);
		if (json_push(arr, o) != 0)
			goto fail;
	}
	return arr;
fail:
	json_free(arr);
	return NULL;
}

static int
cmd_show(const struct conf *conf, int argc, char **argv)
{
	struct strlist found = { NULL, 0 };
	struct spool_entry e;
	struct spool_run *runs;
	struct jval *arr = NULL, *o;
	struct err err;
	enum spool_box box;
	const char *name;
	bool json = false;
	time_t now = time(NULL);
	size_t i, nruns, nids = 0;
	int a, rc = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			json = true;
		else if (argv[a][0] == '-')
			return unknown_arg("show", argv[a]);
		else
			nids++;
	}
	if (nids == 0)
		return bad_usage("show", "which delivery?");
	if (json && (arr = json_new_array()) == NULL)
		return 1;
	rc = find_ids(conf, "show", argc, argv, &found);
	for (i = 0; i < found.n; i++) {
		if (split_found(found.v[i], &box, &name) == -1 ||
		    store_read(conf, box, name, &e, &err) != 0) {
			fprintf(stderr, "hookline show: %s: %s\n",
			    found.v[i], err.msg);
			rc = 1;
			continue;
		}
		if (store_runs(conf, box, name, &runs,
		    &nruns, &err) == -1) {
			runs = NULL;
			nruns = 0;
		}
		if (json) {
			if ((o = entry_json(&e, now)) != NULL) {
				(void)json_set(o, "runs",
				    runs_json(runs, nruns));
				(void)json_push(arr, o);
			}
		} else {
			if (i > 0)
				putchar('\n');
			show_text(conf, &e, runs, nruns, now,
			    store_spilled(conf, name));
		}
		spool_runs_free(runs, nruns);
		spool_entry_free(&e);
	}
	strlist_clear(&found);
	if (json && print_json(arr) != 0)
		rc = 1;
	json_free(arr);
	return rc;
}

static int
cmd_purge(const struct conf *conf, int argc, char **argv)
{
	struct strlist removed = { NULL, 0 };
	struct sel sel = { { false } };
	struct jval *arr = NULL, *o;
	struct err err;
	const char *age = NULL;
	bool json = false, any = false;
	time_t now = time(NULL);
	long secs;
	size_t i;
	int a, b, rc = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			json = true;
		else if (strcmp(argv[a], "--dead") == 0)
			any = sel.box[SPOOL_DEAD] = true;
		else if (strcmp(argv[a], "--done") == 0)
			any = sel.box[SPOOL_DONE] = true;
		else if (strcmp(argv[a], "--older-than") == 0 && a + 1 < argc)
			age = argv[++a];
		else if (strncmp(argv[a], "--older-than=", 13) == 0)
			age = argv[a] + 13;
		else
			return unknown_arg("purge", argv[a]);
	}
	if (age == NULL)
		return bad_usage("purge", "--older-than AGE is required");
	if (parse_duration(age, &secs) != 0)
		return bad_usage("purge", "AGE is a duration: 90s, 30m, 12h, 30d");
	if (!any)
		sel.box[SPOOL_DEAD] = sel.box[SPOOL_DONE] = true;
	/* Pending deliveries are never purged: they were promised. */
	for (b = 0; b < SPOOL__NBOX; b++) {
		if (!sel.box[b])
			continue;
		if (store_expire(conf, (enum spool_box)b,
		    now - secs, &removed, &err) == -1) {
			fprintf(stderr, "hookline purge: %s\n", err.msg);
			rc = 1;
		}
	}
	(void)spool_sweep_tmp(conf->spool_dir, now, 60, NULL);
	if (json) {
		if ((arr = json_new_array()) == NULL)
			rc = 1;
		for (i = 0; arr != NULL && i < removed.n; i++)
			if ((o = json_new_object()) != NULL) {
				(void)json_set_str(o, "name", removed.v[i]);
				(void)json_push(arr, o);
			}
		if (arr != NULL && print_json(arr) != 0)
			rc = 1;
		json_free(arr);
	} else {
		for (i = 0; i < removed.n; i++)
			printf("purged %s\n", removed.v[i]);
		printf("%zu purged\n", removed.n);
	}
	strlist_clear(&removed);
	return rc;
}

int
spool_command(const char *conf_path, int argc, char **argv)
{
	struct conf *conf = NULL;
	struct err err;
	int rc;

	if (argc < 1)
		return bad_usage("", "no command");
	if (conf_load(conf_path, &conf, &err) == -1) {
		fprintf(stderr, "hookline %s: %s\n", argv[0], err.msg);
		return 1;
	}
	/* Root becomes the spool's owner before touching it. */
	if (privdrop_for(conf, argv[0], false, &err) != 0) {
		fprintf(stderr, "hookline %s: %s\n", argv[0], err.msg);
		conf_free(conf);
		return 1;
	}
	if (strcmp(argv[0], "drain") == 0)
		rc = spoolcmd_drain(conf_path, &conf, argc, argv);
	else if (strcmp(argv[0], "list") == 0)
		rc = cmd_list(conf, argc, argv);
	else if (strcmp(argv[0], "show") == 0)
		rc = cmd_show(conf, argc, argv);
	else if (strcmp(argv[0], "replay") == 0 ||
	    strcmp(argv[0], "retry") == 0)
		rc = spoolcmd_act(conf, argc, argv);
	else if (strcmp(argv[0], "purge") == 0)
		rc = cmd_purge(conf, argc, argv);
	else
		rc = bad_usage(argv[0], "unknown command");
	if (fflush(stdout) == EOF && rc == 0)
		rc = 1;
	conf_free(conf);
	return rc;
}
