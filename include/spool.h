/* spool.h: the durable queue of async deliveries: put, claim, record,
 * retry, dead, recover, and what the operator commands need. */
#ifndef HOOKLINE_SPOOL_H
#define HOOKLINE_SPOOL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "strlist.h"

/*
 * Layout under spool_dir, maildir style; one delivery is one folder
 * named by the spool (never by the sender's id):
 *
 *   tmp/NAME/   being written, or being removed; never a delivery
 *   new/NAME/   pending: waiting for its next try
 *   cur/NAME/   claimed by the drainer that holds drain.lock
 *   done/NAME/  every hook succeeded; removed after keep_done
 *   dead/NAME/  out of retries; waits for replay or purge
 *
 * Beside them: drain.lock (drain.c) and wake (spool_poke()). The files:
 * spool.c stores, spool_entry.c reads and writes an entry's files,
 * spool_claim.c moves and locks, spool_scan.c lists and finds,
 * spool_sweep.c removes; spool_fs.c holds their file primitives.
 *
 * NAME/body is the body as received (HOOKLINE_PAYLOAD_FILE), NAME/state
 * the delivery and its progress (struct spool_entry), NAME/run.N what
 * attempt N did (struct spool_run). Files are records (spoolrec.c).
 */
enum spool_box {
	SPOOL_NEW,
	SPOOL_CUR,
	SPOOL_DONE,
	SPOOL_DEAD,
	SPOOL__NBOX
};

/* "new", "cur", "done", "dead". */
const char	*spool_box_name(enum spool_box b);

/* Where a delivery is going; kept in its state so that a crash between
 * writing the state and moving the folder is finished by recovery. */
enum spool_fate {
	FATE_PENDING,
	FATE_DONE,
	FATE_DEAD
};

const char	*spool_fate_name(enum spool_fate f);

#define SPOOL_NAME_MAX	64

/* What spool_poked() compares: spool_dir/wake's identity and time. */
struct spool_mark {
	ino_t		ino;
	struct timespec	mtim;
};

/*
 * A consumer of a delivery: one hook, or one forward target
 * ("forward:<url>"). Each has its own state and its own place in the
 * retry schedule (consumer.c moves it along).
 */
enum cons_state {
	CONS_PENDING,		/* to run, or to run again at next */
	CONS_SUCCEEDED,
	CONS_FAILED,		/* failed for good (a forward's 4xx) */
	CONS_EXHAUSTED		/* failed to the end of the schedule */
};

struct consumer {
	char		*name;		/* owned */
	enum cons_state	 state;
	unsigned	 tries;		/* attempts that ran it */
	unsigned	 failures;	/* failed tries since the last replay:
					 * its place in the schedule */
	int64_t		 next;		/* pending: not before this time */
	char		*error;		/* its last failure, or NULL */
};

/* A delivery's state file. All strings owned. */
struct spool_entry {
	char		name[SPOOL_NAME_MAX + 1];	/* set by readers */
	enum spool_box	box;				/* set by readers */
	char		*endpoint;
	char		*event;
	char		*id;		/* the sender's delivery id */
	char		*remote_addr;	/* may be NULL */
	char		*content_type;	/* may be NULL */
	uint64_t	 body_len;
	int64_t		 received;	/* unix seconds */
	unsigned	 attempts;	/* runs started */
	unsigned	 failures;	/* runs in which something failed; a
					 * replay does not reset it */
	unsigned	 running;	/* attempt being run now; 0: none */
	unsigned	 interrupted;	/* runs cut short by a crash */
	unsigned	 replays;
	unsigned	 errors;	/* runs in a row that could run nothing
					 * (hooks folder unreadable, endpoint
					 * gone), since the last replay */
	int64_t		 next;		/* not before this time: the earliest
					 * next of its pending consumers */
	int64_t		 started;	/* when the last run began */
	int64_t		 finished;	/* moved to done/ or dead/ */
	enum spool_fate	 fate;
	struct consumer	*cons;		/* in the order they first ran */
	size_t		 ncons;
	/* Read from a record of the first layout (no consumers, only the
	 * names that succeeded): the failures a consumer not seen yet
	 * starts from, so that it keeps its place in the schedule. */
	unsigned	 legacy_failures;
	char		*error;		/* why it is where it is: the last
					 * failure; for a dead one, the
					 * consumer's that sent it there */
};

void	spool_entry_free(struct spool_entry *e);

/* What one attempt did. */
struct spool_run {
	unsigned		 attempt;
	int64_t			 started;
	long			 duration_ms;
	bool			 interrupted;	/* cut short by a crash */
	char			*error;		/* NULL, or why nothing ran */
	struct hook_outcome	*v;		/* owned, like deliver.h's */
	size_t			 n;
};

void	spool_run_free(struct spool_run *r);

/* "pending", "succeeded", "failed", "exhausted": the record's words. */
const char	*spool_cons_state_name(enum cons_state s);

/* The record codec (spoolrec.c): pure functions over bytes, so that the
 * reader can be fuzzed. Decoders accept any bytes: they return 0, or -1
 * with err and *e / *r empty. Encoders return a malloc'ed buffer or
 * NULL when out of memory. */
int	spool_entry_decode(const char *buf, size_t len, struct spool_entry *e,
	    struct err *err);
char	*spool_entry_encode(const struct spool_entry *e, size_t *len);
int	spool_run_decode(const char *buf, size_t len, struct spool_run *r,
	    struct err *err);
char	*spool_run_encode(const struct spool_run *r, size_t *len);
#define SPOOL_STATE_MAX	(1024 * 1024)		/* state file bound */
#define SPOOL_CONS_MAX	1024			/* consumers in one */
#define SPOOL_RUN_MAX	(64 * 1024 * 1024)	/* run.N bound */

/* 1 when s could be a spool name (what spool_store makes), else 0. */
int	spool_name_valid(const char *s);

/* Creates spool_dir (not its parents) and its folders. Returns 0 or -1. */
int	spool_init(const char *dir, struct err *err);

/* The request path's entry point: stores d durably under
 * conf->spool_dir: body and state written in tmp/ (O_EXCL), fsync'ed,
 * the folder renamed into new/ and new/ fsync'ed. Returns 0 when stored
 * durably; -1 when not (disk full, unwritable, below spool_min_free:
 * answer 503), and then nothing of it is visible in new/. */
int	spool_put(const struct conf *conf, const struct delivery *d,
	    struct err *err);
/* The same with the spool folder and free-space floor given (bytes, or
 * SPOOL_MIN_FREE_AUTO: spool_floor() of its file system); writes the
 * new entry's name to name (SPOOL_NAME_MAX + 1 bytes) when not NULL. */
int	spool_store(const char *dir, size_t min_free, const struct delivery *d,
	    time_t now, char *name, struct err *err);

/* The default free-space floor of a file system of fs_size bytes: 5% of
 * it, at most SPOOL_FLOOR_MAX. Scaled to the disk, so a small one (a
 * CI runner's, a VPS's) keeps working; the cap keeps big ones usable. */
#define SPOOL_FLOOR_MAX	(1ULL << 30)
uint64_t spool_floor(uint64_t fs_size);

/* The names in a box, sorted (oldest first). Returns 0 or -1. */
int	spool_list(const char *dir, enum spool_box box, struct strlist *names,
	    struct err *err);

/* Reads NAME/state in box. Returns 0, 1 when there is no such entry
 * (it moved or was removed), -1 when it cannot be read or decoded. */
int	spool_read(const char *dir, enum spool_box box, const char *name,
	    struct spool_entry *e, struct err *err);
/* Replaces NAME/state in box with e atomically (state.tmp, fsync,
 * rename, fsync of the entry's folder). Returns 0 or -1. */
int	spool_write(const char *dir, enum spool_box box, const char *name,
	    const struct spool_entry *e, struct err *err);

/* Writes NAME/run.<r->attempt> in box (written, fsync'ed and renamed;
 * durable once the next spool_write() of NAME returns, which fsyncs the
 * folder). Returns 0 or -1. */
int	spool_write_run(const char *dir, enum spool_box box, const char *name,
	    const struct spool_run *r, struct err *err);
/* Reads every run.N of NAME, in attempt order, into *v (spool_runs_free).
 * Unreadable ones are skipped. Returns 0, or -1. */
int	spool_read_runs(const char *dir, enum spool_box box, const char *name,
	    struct spool_run **v, size_t *n, struct err *err);
void	spool_runs_free(struct spool_run *v, size_t n);

/* Reads NAME/body into *buf (NUL-terminated, *len bytes) and, unless
 * path is NULL, puts its absolute path in *path. Returns 0 or -1.
 * Caller frees both. */
int	spool_body(const char *dir, enum spool_box box, const char *name,
	    unsigned char **buf, size_t *len, char **path, struct err *err);

/* Moves NAME from one box to another (rename, then fsync of the
 * destination). new -> cur is how a drainer claims (no fsync: recovery
 * knows a claimed entry by its state). Returns 0, 1 when NAME is not in
 * from (someone else moved it), -1 on error. */
int	spool_move(const char *dir, const char *name, enum spool_box from,
	    enum spool_box to, struct err *err);

/* Locks NAME in box for whoever runs it (flock on its folder, so the
 * kernel frees it when the holder dies), without waiting. Returns the
 * held fd (close it to unlock), -2 when someone holds it, -3 when NAME
 * is not there, -1 on error. */
int	spool_lock(const char *dir, enum spool_box box, const char *name,
	    struct err *err);

/* Tells a running drainer that states in new/ changed under it (retry,
 * drain --now): replaces spool_dir/wake. Returns 0 or -1. */
int	spool_poke(const char *dir, struct err *err);
/* 1 when wake changed since *mark (then *mark is updated), else 0. */
int	spool_poked(const char *dir, struct spool_mark *mark);

/* Removes NAME from box: renamed into tmp/ first, so it disappears at
 * once, then deleted. Returns 0, 1 when not there, -1 on error. */
int	spool_remove(const char *dir, enum spool_box box, const char *name,
	    struct err *err);

/* Deletes what is in tmp/ and older than max_age seconds: writes that
 * died half-way, removals that died half-way. Returns how many, or -1. */
int	spool_sweep_tmp(const char *dir, time_t now, long max_age,
	    struct err *err);

/* Removes the entries of box that finished before cutoff (their state's
 * finished time; the state file's mtime when it has none). Appends the
 * names removed to removed (may be NULL). Returns how many, or -1. */
int	spool_expire(const char *dir, enum spool_box box, time_t cutoff,
	    struct strlist *removed, struct err *err);

/* The entries that `key` names: the spool name itself, else every entry
 * whose delivery id is key. Appends "box/NAME" strings to out.
 * Returns 0 or -1. */
int	spool_find(const char *dir, const char *key, struct strlist *out,
	    struct err *err);

/* The delay before the next try after `failures` failed attempts, from
 * conf->retry (or the default schedule), or -1: out of retries, dead. */
long	spool_retry_delay(const struct conf *conf, unsigned failures);
/* keep_done in seconds, the default applied. */
long	spool_keep_done(const struct conf *conf);

#endif
