/* spoolact.c: the operator's commands that act on deliveries: replay
 * (dead or done back to pending), retry (a pending one due now), drain
 * (with --now: every pending one due now); in the spool, or with
 * `database` set in the database (db_ops.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "consumer.h"
#include "db_ops.h"
#include "drain.h"
#include "json.h"
#include "log.h"
#include "spool.h"
#include "spoolcmd_int.h"

/* dead or done -> new: a dead one keeps the consumers that succeeded
 * (only the others run again; with all, every one); a done one runs all
 * of them again, which is what replaying it means. Their schedules
 * start over. */
static int
replay_one(const struct conf *conf, enum spool_box box, const char *name,
    bool all, struct err *err)
{
	struct spool_entry e;
	enum spool_box was;
	int rc;

	if (conf->database != NULL)
		return db_ops_replay(conf, name, all, &was, err);
	if ((rc = spool_read(conf->spool_dir, box, name, &e, err)) != 0) {
		if (rc == 1)
			err_set(err, "gone meanwhile");
		return -1;
	}
	consumer_replay(&e, all || box == SPOOL_DONE, (int64_t)time(NULL));
	rc = spool_write(conf->spool_dir, box, name, &e, err);
	spool_entry_free(&e);
	if (rc == -1)
		return -1;
	if ((rc = spool_move(conf->spool_dir, name, box, SPOOL_NEW, err)) == 1)
		err_set(err, "gone meanwhile");
	return rc == 0 ? 0 : -1;
}

/*
 * A pending delivery, due now: claimed into cur/ and locked, so that no
 * drainer runs it meanwhile (a drainer that finds it gone skips it),
 * its pending consumers made due, and put back into new/. Returns 0, or
 * -1 with err.
 */
static int
retry_one(const struct conf *conf, const char *name, struct err *err)
{
	struct spool_entry e;
	struct err e2;
	int rc, lock;

	if (conf->database != NULL)
		return db_ops_retry(conf, name, err);
	if ((rc = spool_move(conf->spool_dir, name, SPOOL_NEW, SPOOL_CUR,
	    err)) != 0) {
		if (rc == 1)
			err_set(err, "not pending any more (running now?)");
		return -1;
	}
	if ((lock = spool_lock(conf->spool_dir, SPOOL_CUR, name, err)) < 0) {
		if (lock != -1)
			err_set(err, "a drainer holds it");
		(void)spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW,
		    &e2);
		return -1;
	}
	if ((rc = spool_read(conf->spool_dir, SPOOL_CUR, name, &e, err)) == 0) {
		consumer_due_now(&e, (int64_t)time(NULL));
		rc = spool_write(conf->spool_dir, SPOOL_CUR, name, &e, err);
		spool_entry_free(&e);
	}
	if (spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW,
	    &e2) != 0 && rc == 0) {
		*err = e2;
		rc = -1;
	}
	(void)close(lock);
	return rc == 0 ? 0 : -1;
}

/* What replay and retry share: options, and what they did. */
struct act {
	const char	*cmd;
	bool		 json;
	bool		 all;		/* replay --all */
	struct jval	*arr;		/* --json: what was done */
	size_t		 n;		/* how many */
};

/* Reports that name, which was in box, was acted on. */
static void
act_done(struct act *a, const char *name, enum spool_box box)
{
	struct jval *o;

	a->n++;
	if (!a->json) {
		printf("%s %s (was %s)\n", strcmp(a->cmd, "retry") == 0 ?
		    "due now:" : "replayed", name, state_word(box));
		return;
	}
	if ((o = json_new_object()) != NULL) {
		(void)json_set_str(o, "name", name);
		(void)json_set_str(o, "was", state_word(box));
		(void)json_push(a->arr, o);
	}
}

/* replay of one: dead or done back to pending. Returns 0, or 1. */
static int
act_replay(const struct conf *conf, struct act *a, enum spool_box box,
    const char *name)
{
	struct err err;

	if (box == SPOOL_NEW || box == SPOOL_CUR) {
		fprintf(stderr, "hookline replay: %s is %s already%s\n", name,
		    state_word(box), box == SPOOL_NEW ?
		    "; `hookline retry` runs it now" : "");
		return 0;
	}
	if (replay_one(conf, box, name, a->all, &err) == -1) {
		fprintf(stderr, "hookline replay: %s: %s\n", name, err.msg);
		return 1;
	}
	act_done(a, name, box);
	return 0;
}

/* retry of one: a pending delivery due now. Returns 0, or 1. */
static int
act_retry(const struct conf *conf, struct act *a, enum spool_box box,
    const char *name)
{
	struct err err;

	if (box != SPOOL_NEW) {
		fprintf(stderr, "hookline retry: %s is %s%s\n", name,
		    state_word(box), box == SPOOL_CUR ? " now" :
		    "; `hookline replay` runs it again");
		return box == SPOOL_CUR ? 0 : 1;
	}
	if (retry_one(conf, name, &err) == -1) {
		fprintf(stderr, "hookline retry: %s: %s\n", name, err.msg);
		return 1;
	}
	act_done(a, name, box);
	return 0;
}

/* replay and retry: [--all] [--json] ID...; each delivery an ID names
 * acted on, then a drainer kicked to run them now rather than at the
 * next cron tick. */
int
spoolcmd_act(const struct conf *conf, int argc, char **argv)
{
	struct strlist found = { NULL, 0 };
	struct act act = { argv[0], false, false, NULL, 0 };
	struct err err;
	enum spool_box box;
	const char *name;
	bool replay = strcmp(argv[0], "replay") == 0;
	size_t i, nids = 0;
	int a, rc = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			act.json = true;
		else if (replay && strcmp(argv[a], "--all") == 0)
			act.all = true;
		else if (argv[a][0] == '-')
			return unknown_arg(act.cmd, argv[a]);
		else
			nids++;
	}
	if (nids == 0)
		return bad_usage(act.cmd, "which delivery?");
	if (act.json && (act.arr = json_new_array()) == NULL)
		return 1;
	rc = find_ids(conf, act.cmd, argc, argv, &found);
	for (i = 0; i < found.n; i++)
		if (split_found(found.v[i], &box, &name) == 0 &&
		    (replay ? act_replay : act_retry)(conf, &act, box,
		    name) != 0)
			rc = 1;
	strlist_clear(&found);
	/* A drainer running already reads their states again. */
	if (act.n > 0 && store_poke(conf, &err) == -1)
		fprintf(stderr, "hookline %s: %s; a running drainer may take "
		    "a while to see them\n", act.cmd, err.msg);
	if (act.n > 0 && drain_kick(conf) == -1)
		fprintf(stderr, "hookline %s: could not start a drainer; "
		    "`hookline drain` will run them\n", act.cmd);
	if (act.json && print_json(act.arr) != 0)
		rc = 1;
	json_free(act.arr);
	return rc;
}

/* drain --now: every pending delivery due now, whether this drainer
 * or one running already takes it. Returns 0, or -1 with err. */
static int
all_due(const struct conf *conf, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct err e2;
	size_t i;

	if (store_list(conf, SPOOL_NEW, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n; i++)
		if (retry_one(conf, names.v[i], &e2) == -1)
			fprintf(stderr, "hookline drain: %s: %s\n", names.v[i],
			    e2.msg);
	strlist_clear(&names);
	return store_poke(conf, err);
}

int
spoolcmd_drain(const char *conf_path, struct conf **confp, int argc,
    char **argv)
{
	enum drain_mode mode = DRAIN_DUE;
	struct err err;
	bool now = false;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--follow") == 0)
			mode = DRAIN_FOLLOW;
		else if (strcmp(argv[a], "--now") == 0)
			now = true;
		else if (strcmp(argv[a], "--kicked") == 0)
			mode = DRAIN_PENDING;	/* started by drain_kick */
		else
			return unknown_arg("drain", argv[a]);
	}
	if ((*confp)->log != NULL && log_open((*confp)->log, &err) == -1) {
		fprintf(stderr, "hookline drain: %s\n", err.msg);
		return 1;
	}
	if (now && all_due(*confp, &err) == -1) {
		fprintf(stderr, "hookline drain: %s\n", err.msg);
		return 1;
	}
	if (drain_run(conf_path, confp, mode, &err) == -1) {
		log_msg("error", "drain: %s", err.msg);
		fprintf(stderr, "hookline drain: %s\n", err.msg);
		return 1;
	}
	return 0;
}
