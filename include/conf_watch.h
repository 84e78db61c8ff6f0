/* conf_watch.h: the files a configuration was read from, and when a
 * long-running process reads them again. */
#ifndef HOOKLINE_CONF_WATCH_H
#define HOOKLINE_CONF_WATCH_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"
#include "strlist.h"

struct conf;

/* What a file was when read: its whole identity, or why it could not
 * be opened. ctime is there because nobody can set it: cp -p, touch -r,
 * rsync -t and tar put an old mtime back, never an old ctime. */
struct file_id {
	int		 error;		/* 0, or the errno of open/fstat */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	struct timespec	 ctim;
};

/* What path is now (stat(2), following symlinks); id->error is the
 * errno when it cannot be stat'ed. */
void	file_id_stat(const char *path, struct file_id *id);
/* 1 when a and b are the same file, unchanged (or failed alike). */
int	file_id_equal(const struct file_id *a, const struct file_id *b);

/* Every file a load read, in the order it read them. Zeroed is empty. */
struct fileset {
	struct strlist	 path;		/* as opened: the config file as
					 * named, so a swapped symlink shows */
	struct file_id	*id;		/* path.n of them */
};

/* Opens path for reading and records what it is in fs (also when it
 * cannot be opened). Returns the fd, or -1 with errno. A key whose
 * value is read from a file (secret_file today) opens it with this, so
 * that a change to the file reloads the configuration. */
int	fileset_open(struct fileset *fs, const char *path);
/* 1 when any file of fs is not what it was when recorded, else 0. */
int	fileset_changed(const struct fileset *fs);
/* 1 when a and b name the same files with the same identities. */
int	fileset_equal(const struct fileset *a, const struct fileset *b);
/* dst takes src's files (dst's own are freed); src is left empty. */
void	fileset_move(struct fileset *dst, struct fileset *src);
void	fileset_clear(struct fileset *fs);

/* Milliseconds a file must have been left alone before it is trusted:
 * one changed more recently may be half-written (see conf_reload). */
#define CONF_SETTLE_MS		200
/* A process looks at its files at most this often. */
#define CONF_CHECK_SECONDS	1

/* The state of one process's reloads. Zeroed plus path is valid. */
struct reloader {
	char		*path;		/* the config file as named; NULL:
					 * running without one, never reload */
	struct fileset	 bad;		/* the files of the last failed load */
	struct timespec	 checked;	/* CLOCK_MONOTONIC of the last look */
};

/* path may be NULL. Returns 0, or -1 with err (out of memory). */
int	reloader_init(struct reloader *r, const char *path, struct err *err);
void	reloader_clear(struct reloader *r);

enum reload {
	RELOAD_NONE,	/* nothing changed, or a known broken file did not */
	RELOAD_WAIT,	/* files still being written: looked at again later */
	RELOAD_DONE,	/* *c is the new configuration, the old one freed */
	RELOAD_FAILED	/* a new breakage, in err; *c kept. Once per
			 * distinct set of files (identity) */
};

/*
 * At most once per CONF_CHECK_SECONDS: when any file *c was read from
 * (the config file, every secret_file) is not what it was, loads them
 * again. When a file it read had changed less than CONF_SETTLE_MS
 * before (by its ctime), waits for the rest of that time and reads them
 * all again: the load is used only if both reads met the same files
 * and nothing changed while they were read. A failed load is not tried
 * again until one of its files changes.
 */
enum reload conf_reload(struct reloader *r, struct conf **c, struct err *err);
/* The same at a given time (for tests): real is CLOCK_REALTIME, mono
 * CLOCK_MONOTONIC. */
enum reload conf_reload_at(struct reloader *r, struct conf **c,
    const struct timespec *real, const struct timespec *mono,
    struct err *err);

#endif
