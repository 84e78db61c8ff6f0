/* check.c: `hookline check`: load the configuration as the server would
 * and report every error and warning by file and line. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "dbcmd.h"
#include "platform.h"
#include "resident.h"
#include "route.h"
#include "strlist.h"
#include "verify.h"

/* What one run of the check has found so far. */
struct checker {
	FILE			*out;
	const struct conf	*c;
	const char		*file;		/* for messages */
	char			*docroot;	/* realpath of $DOCUMENT_ROOT, or NULL */
	unsigned		 warnings;
	unsigned		 errors;
};

/* NOTE: what is worth knowing and is no problem (a resident hook);
 * it counts towards neither total. */
enum level { WARNING, ERROR, NOTE };

/* One line: "warning: FILE:LINE: [name]: what". line 0 leaves the line
 * out; ep NULL leaves the section out. */
static void __attribute__((format(printf, 5, 6)))
say(struct checker *k, enum level lv, unsigned line,
    const struct endpoint *ep, const char *fmt, ...)
{
	va_list ap;

	if (lv == ERROR)
		k->errors++;
	else if (lv == WARNING)
		k->warnings++;
	(void)fprintf(k->out, "%s: %s", lv == ERROR ? "error" :
	    lv == WARNING ? "warning" : "note", k->file);
	if (line > 0)
		(void)fprintf(k->out, ":%u", line);
	(void)fputs(": ", k->out);
	if (ep != NULL && ep->name[0] != '\0')
		(void)fprintf(k->out, "[%s]: ", ep->name);
	else if (ep != NULL)
		(void)fputs("(implicit endpoint): ", k->out);
	va_start(ap, fmt);
	(void)vfprintf(k->out, fmt, ap);
	va_end(ap);
	(void)fputc('\n', k->out);
	/* Errors on out are caught once, by ferror() in check_report(). */
}

static char *
skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The line of the n-th (from 0) "key = ..." in [section] ("" for the
 * global part) of the configuration file, or 0 when there is none. The
 * loader keeps values, not lines; a second light read finds them. */
static unsigned
key_line(const struct checker *k, const char *section, const char *key,
    size_t n)
{
	FILE *fp;
	char *buf = NULL, *p, *end;
	size_t cap = 0, seen = 0, klen = strlen(key);
	unsigned line = 0, found = 0;
	int in_section = section[0] == '\0';

	if (k->c->path == NULL || (fp = fopen(k->c->path, "re")) == NULL)
		return 0;
	while (found == 0 && getline(&buf, &cap, fp) > 0) {
		line++;
		p = skip_space(buf);
		if (*p == '[') {
			if ((end = strchr(p, ']')) == NULL)
				continue;
			*end = '\0';
			in_section = strcmp(p + 1, section) == 0;
			continue;
		}
		if (!in_section || strncmp(p, key, klen) != 0)
			continue;
		p = skip_space(p + klen);
		if (*p != '=' && *p != ':')
			continue;
		if (seen++ == n)
			found = line;
	}
	free(buf);
	(void)fclose(fp);
	return found;
}

/* The line of the endpoint's key, else of its [section] header. */
static unsigned
ep_line(const struct checker *k, const struct endpoint *ep, const char *key,
    size_t n)
{
	unsigned line;

	if (ep->name[0] == '\0')
		return key_line(k, "", "hooks_dir", 0);
	line = key_line(k, ep->name, key, n);
	return line > 0 ? line : ep->line;
}

/* 1 when the existing path p is root or inside it. */
static int
under(const char *root, const char *p)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return 1;
	return strncmp(p, root, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/* 1 when path exists and lies under the web server's document root. */
static int
in_docroot(const struct checker *k, const char *path)
{
	char *real;
	int r;

	if (k->docroot == NULL || (real = realpath(path, NULL)) == NULL)
		return 0;
	r = under(k->docroot, real);
	free(real);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, but "." and "..", in byte order. 0, or -1 with
 * errno. */
static int
list_dir(const char *dir, struct strlist *names)
{
	struct dirent *de;
	DIR *d;
	int e;

	if ((d = opendir(dir)) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strlist_add(names, de->d_name) != 0) {
			errno = ENOMEM;
			break;
		}
	}
	e = errno;
	(void)closedir(d);
	if (e != 0) {
		strlist_clear(names);
		errno = e;
		return -1;
	}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

/* One hook as run.c would see it: dir/name, shown as shown. Returns 1
 * when it would run, 0 otherwise (with a warning when it was meant to). */
static int
check_hook(struct checker *k, const struct endpoint *ep, unsigned line,
    const char *root, const char *dir, const char *name, const char *shown)
{
	struct stat st;
	char *path, *real;
	int rc = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		say(k, ERROR, line, ep, "out of memory");
		return 0;
	}
	if (lstat(path, &st) != 0)
		goto done;
	if (S_ISLNK(st.st_mode)) {
		if ((real = realpath(path, NULL)) == NULL)
			goto done;	/* leads nowhere: never a hook */
		if (root != NULL && !under(root, real)) {
			say(k, WARNING, line, ep, "hook %s is a symbolic link "
			    "out of the hooks folder (to %s): it is refused",
			    shown, real);
			free(real);
			goto done;
		}
		free(real);
		if (stat(path, &st) != 0)
			goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		say(k, WARNING, line, ep, "hook %s is not a regular file: it "
		    "never runs", shown);
		goto done;
	}
	if ((st.st_mode & 0111) == 0) {
		say(k, WARNING, line, ep, "hook %s is not executable: it never "
		    "runs (chmod +x)", shown);
		goto done;
	}
	/* run.c refuses these: whoever may write a hook may run code. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		say(k, WARNING, line, ep, "hook %s is writable by group or "
		    "others: it is refused (chmod go-w)", shown);
		goto done;
	}
	rc = 1;
	if (resident_name(shown))
		say(k, NOTE, line, ep, "hook %s is resident: it stays up and "
		    "takes deliveries one after another on its stdin "
		    "(resident_workers %u, resident_idle %u s)", shown,
		    endpoint_resident_workers(k->c, ep),
		    endpoint_resident_idle(k->c, ep));
done:
	free(path);
	return rc;
}

/* 1 when path is (or leads to) an executable regular file. */
static int
is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0111) != 0;
}

/* 1 (with a warning) when name is E.resident and E is a hook too:
 * E runs, E.resident never does. */
static int
shadowed(struct checker *k, const struct endpoint *ep, unsigned line,
    const char *dir, const char *name)
{
	size_t len = strlen(name), s = sizeof(RESIDENT_SUFFIX) - 1;
	char *path;
	int rc;

	if (!resident_name(name))
		return 0;
	if (asprintf(&path, "%s/%.*s", dir, (int)(len - s), name) < 0) {
		say(k, ERROR, line, ep, "out of memory");
		return 1;
	}
	if ((rc = is_exec_file(path)) != 0)
		say(k, WARNING, line, ep, "hook %s never runs: %.*s takes its "
		    "place (remove one of them)", name, (int)(len - s), name);
	free(path);
	return rc;
}

/* The members of dir/sub (an E.d/ folder). Returns how many would run. */
static int
check_run_parts(struct checker *k, const struct endpoint *ep, unsigned line,
    const char *root, const char *dir, const char *sub)
{
	struct strlist names = { NULL, 0 };
	char *path = NULL, *shown = NULL, *mpath = NULL;
	struct stat st;
	size_t i, len;
	int n = 0;

	if (asprintf(&path, "%s/%s", dir, sub) < 0) {
		path = NULL;
		goto nomem;
	}
	/* run.c refuses every hook in it: they could be swapped. */
	if (stat(path, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		say(k, WARNING, line, ep, "%s/ is writable by group or others: "
		    "its hooks are refused (chmod go-w)", sub);
	if (list_dir(path, &names) != 0) {
		say(k, WARNING, line, ep, "cannot read %s/: %s", sub,
		    strerror(errno));
		goto done;
	}
	for (i = 0; i < names.n; i++) {
		const char *m = names.v[i];

		if (asprintf(&shown, "%s/%s", sub, m) < 0) {
			shown = NULL;
			goto nomem;
		}
		if (route_member_valid(m))
			n += check_hook(k, ep, line, root, path, m, shown);
		else {
			/* Executable, but run-parts rules skip it: the
			 * classic "10-deploy.sh". Dot files and editor
			 * backups are skipped on purpose. */
			len = strlen(m);
			if (asprintf(&mpath, "%s/%s", path, m) < 0) {
				mpath = NULL;
				goto nomem;
			}
			if (m[0] != '.' && m[len - 1] != '~' &&
			    is_exec_file(mpath))
				say(k, WARNING, line, ep, "hook %s never runs: "
				    "names in %s/ must match ^[A-Za-z0-9_-]+$ "
				    "(or, resident, ^[A-Za-z0-9_-]+\\.resident$)",
				    shown, sub);
			free(mpath);
			mpath = NULL;
		}
		free(shown);
		shown = NULL;
	}
	goto done;
nomem:
	say(k, ERROR, line, ep, "out of memory");
done:
	free(mpath);
	free(shown);
	strlist_clear(&names);
	free(path);
	return n;
}

/* An E.d/ entry of the hooks folder: runs only when E is no hook. */
static int
check_dot_d(struct checker *k, const struct endpoint *ep, unsigned line,
    const char *root, const char *dir, const char *name)
{
	char *ev, *path = NULL;
	struct stat st;
	int n = 0;

	if ((ev = strndup(name, strlen(name) - 2)) == NULL)
		goto nomem;
	if (!event_name_valid(ev))
		goto done;	/* no event can reach it */
	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		goto nomem;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		goto done;
	free(path);
	if (asprintf(&path, "%s/%s", dir, ev) < 0) {
		path = NULL;
		goto nomem;
	}
	if (is_exec_file(path))
		say(k, WARNING, line, ep, "%s/ never runs: the hook %s takes "
		    "its place", name, ev);
	else
		n = check_run_parts(k, ep, line, root, dir, name);
	goto done;
nomem:
	say(k, ERROR, line, ep, "out of memory");
done:
	free(path);
	free(ev);
	return n;
}

/* The hooks folder of ep: there, a folder, not writable by others, not
 * served by the web server, and each hook in it runnable. Returns how
 * many hooks would run (files, E.d/ members; _default counts). A
 * missing folder is reported unless missing_ok. */
static int
check_hooks_dir(struct checker *k, const struct endpoint *ep, unsigned line,
    int missing_ok)
{
	struct strlist names = { NULL, 0 };
	struct stat st;
	char *root = NULL;
	const char *dir = ep->hooks_dir;
	size_t i, len;
	int n = 0;

	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || !missing_ok)
			say(k, WARNING, line, ep, "hooks folder %s: %s", dir,
			    errno == ENOENT ? "missing" : strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		say(k, ERROR, line, ep, "hooks folder %s is not a folder", dir);
		return 0;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		say(k, WARNING, line, ep, "hooks folder %s is writable by group "
		    "or others: its hooks are refused (chmod go-w)", dir);
	if (in_docroot(k, dir))
		say(k, WARNING, line, ep, "hooks folder %s is under the web "
		    "server's document root %s: it may be served or run by "
		    "the web server", dir, k->docroot);
	if ((root = realpath(dir, NULL)) == NULL || list_dir(dir, &names) != 0) {
		say(k, WARNING, line, ep, "cannot read hooks folder %s: %s", dir,
		    strerror(errno));
		goto done;
	}
	for (i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		char *path;
		int isdir;

		if (name[0] == '.')
			continue;	/* no event name starts with '.' */
		if (asprintf(&path, "%s/%s", dir, name) < 0) {
			say(k, ERROR, line, ep, "out of memory");
			goto done;
		}
		isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		free(path);
		len = strlen(name);
		if (isdir && len > 2 && strcmp(name + len - 2, ".d") == 0)
			n += check_dot_d(k, ep, line, root, dir, name);
		else if (!isdir && event_name_valid(name) &&
		    !shadowed(k, ep, line, dir, name))
			n += check_hook(k, ep, line, root, dir, name, name);
		/* Other folders: the endpoints' own, under hooks_dir. */
	}
done:
	strlist_clear(&names);
	free(root);
	return n;
}

/* A file holding a secret (what: "secret file", "token file"): not
 * readable by others, not writable but by its owner, not served by the
 * web server. Group-readable is what the example setup does
 * (root:www-data 0640), so it is fine. ep NULL: a global key. */
static void
check_secret_file(struct checker *k, unsigned line, const struct endpoint *ep,
    const char *what, const char *f)
{
	struct stat st;

	if (stat(f, &st) != 0) {
		say(k, ERROR, line, ep, "%s %s: %s", what, f, strerror(errno));
		return;
	}
	if ((st.st_mode & S_IROTH) != 0)
		say(k, WARNING, line, ep, "%s %s is readable by others (chmod "
		    "o-r; group read for the web server's group is fine)", what,
		    f);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		say(k, WARNING, line, ep, "%s %s is writable by group or others "
		    "(chmod go-w)", what, f);
	if (in_docroot(k, f))
		say(k, WARNING, line, ep, "%s %s is under the web server's "
		    "document root %s: it may be served", what, f, k->docroot);
}

static void
check_secret_files(struct checker *k, const struct endpoint *ep)
{
	for (size_t i = 0; i < ep->secret_files.n; i++)
		check_secret_file(k, ep_line(k, ep, "secret_file", i), ep,
		    "secret file", ep->secret_files.v[i]);
}

/* How long the web server waits for a sync answer in conf-examples/ and
 * by default (Apache's Timeout, nginx's fastcgi_read_timeout: 60 s).
 * hookline cannot see the web server's setting; this is the usual one. */
#define WEB_SERVER_WAIT	60

/* ep's limits (its own, or the global ones it inherits) that cannot do
 * what they say. */
static void
check_limits(struct checker *k, const struct endpoint *ep)
{
	const struct conf *c = k->c;
	unsigned t = endpoint_timeout(c, ep), longest;

	if (ep->retry != NULL && ep->mode == MODE_SYNC)
		say(k, WARNING, ep_line(k, ep, "retry", 0), ep, "retry is for "
		    "mode = async: a sync delivery is tried again only when "
		    "its sender sends it again");
	if (ep->max_running > c->max_running && c->max_running > 0)
		say(k, WARNING, ep_line(k, ep, "max_running", 0), ep,
		    "max_running = %u is never reached: the global "
		    "max_running = %u bounds all endpoints together",
		    ep->max_running, c->max_running);
	if (ep->mode != MODE_SYNC)
		return;
	/* A sync answer comes after the wait for one of the endpoint's own
	 * slots (up to its timeout) and after the hook: its timeout, then
	 * kill_after until SIGKILL. */
	longest = t + c->kill_after + (ep->max_running > 0 ? t : 0);
	if (longest > WEB_SERVER_WAIT)
		say(k, WARNING, ep->timeout > 0 ? ep_line(k, ep, "timeout", 0) :
		    key_line(k, "", "timeout", 0), ep, "a sync delivery may "
		    "take %u s (timeout %u s per hook, %u s more to SIGKILL%s): "
		    "web servers give up after %u s unless told otherwise "
		    "(Apache Timeout, nginx fastcgi_read_timeout), senders "
		    "sooner (GitHub after 10 s); use mode = async, or raise "
		    "the web server's timeout", longest, t, c->kill_after,
		    ep->max_running > 0 ? ", after waiting up to the timeout "
		    "for max_running" : "", WEB_SERVER_WAIT);
}

/* HTTPS forwards with no CA bundle: they would all fail. */
static void
check_forward_ca(struct checker *k, const struct endpoint *ep)
{
	size_t i;

	if (ep->ca_file != NULL || k->c->ca_file != NULL ||
	    ca_file_default() != NULL)
		return;
	for (i = 0; i < ep->forward.n; i++)
		if (strncasecmp(ep->forward.v[i], "https:", 6) == 0) {
			say(k, WARNING, ep_line(k, ep, "forward", 0), ep,
			    "HTTPS forward but no CA bundle: set ca_file "
			    "(none of the usual system bundles exists)");
			return;
		}
}

static void
check_endpoint(struct checker *k, const struct endpoint *ep)
{
	/* (A secret line the loader refused was reported as an error.) */
	if (!verify_required(ep) && key_line(k, ep->name, "secret", 0) == 0 &&
	    key_line(k, ep->name, "secret_file", 0) == 0)
		say(k, WARNING, ep->line, ep, "no secret: unsigned deliveries "
		    "are accepted");
	check_secret_files(k, ep);
	check_limits(k, ep);
	check_forward_ca(k, ep);
	(void)check_hooks_dir(k, ep, ep_line(k, ep, "hooks", 0), 0);
}

/* Secrets written into a file others may read. */
static void
check_conf_file(struct checker *k)
{
	const struct conf *c = k->c;
	struct stat st;
	size_t i;
	int inline_secret = 0;

	if (c->path == NULL)
		return;
	for (i = 0; i < c->nendpoints; i++) {
		const struct endpoint *ep = &c->endpoints[i];

		if (ep->secrets.n > ep->secret_files.n ||
		    ep->signing_token != NULL || ep->forward_secret != NULL)
			inline_secret = 1;
	}
	if (stat(c->path, &st) != 0) {
		say(k, ERROR, 0, NULL, "%s", strerror(errno));
		return;
	}
	if (inline_secret && (st.st_mode & S_IROTH) != 0)
		say(k, WARNING, 0, NULL, "holds secrets and is readable by "
		    "others (chmod o-r, or use secret_file)");
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		say(k, WARNING, 0, NULL, "writable by group or others: they "
		    "choose which programs run (chmod go-w)");
	if (in_docroot(k, c->path))
		say(k, WARNING, 0, NULL, "under the web server's document root "
		    "%s: it may be served", k->docroot);
	if (in_docroot(k, c->spool_dir))
		say(k, WARNING, key_line(k, "", "spool_dir", 0), NULL,
		    "spool folder %s is under the web server's document root "
		    "%s: deliveries may be served", c->spool_dir, k->docroot);
}

/* What db_check_conf finds, said at the database key's line. */
static void
say_db(void *arg, int error, const char *msg)
{
	struct checker *k = arg;

	say(k, error ? ERROR : WARNING, key_line(k, "", "database", 0), NULL,
	    "database: %s", msg);
}

/* 1 when we (the user being checked as) can create a file in dir: by
 * trying, since only the kernel knows about ACLs, read-only mounts and
 * the rest. errno is kept on failure. */
static int
can_write_in(const char *dir)
{
	char *p;
	int fd, e;

	if (asprintf(&p, "%s/.hookline-check.XXXXXX", dir) < 0)
		return 0;
	if ((fd = mkstemp(p)) < 0) {
		e = errno;
		free(p);
		errno = e;
		return 0;
	}
	(void)close(fd);
	(void)unlink(p);
	free(p);
	return 1;
}

/* The folder of path, or NULL (out of memory). */
static char *
folder_of(const char *path)
{
	char *d = strdup(path), *slash;

	if (d != NULL && (slash = strrchr(d, '/')) != NULL)
		slash[slash == d] = '\0';
	return d;
}

/* The spool: writable, each of its folders too; or, when it is not there
 * yet, makeable (hookline makes it on first use). */
static void
check_spool_writable(struct checker *k)
{
	static const char *const subs[] = { "", "/tmp", "/new", "/cur",
	    "/done", "/dead", "/slots", "/seen" };
	const char *sp = k->c->spool_dir;
	unsigned line = key_line(k, "", "spool_dir", 0);
	struct stat st;
	char *d;
	size_t i;

	if (stat(sp, &st) != 0) {
		if (errno != ENOENT) {
			say(k, ERROR, line, NULL, "spool folder %s: %s", sp,
			    strerror(errno));
			return;
		}
		if ((d = folder_of(sp)) == NULL)
			return;
		if (access(d, W_OK | X_OK) != 0)
			say(k, ERROR, line, NULL, "spool folder %s does not exist "
			    "and this user cannot make it in %s: %s", sp, d,
			    strerror(errno));
		free(d);
		return;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (asprintf(&d, "%s%s", sp, subs[i]) < 0)
			return;
		if ((i == 0 || (stat(d, &st) == 0 && S_ISDIR(st.st_mode))) &&
		    !can_write_in(d))
			say(k, ERROR, line, NULL, "spool folder %s is not writable "
			    "by this user: %s", d, strerror(errno));
		free(d);
	}
}

/* A log file: appendable, or makeable in a folder that exists. */
static void
check_log_writable(struct checker *k)
{
	const char *log = k->c->log;
	unsigned line = key_line(k, "", "log", 0);
	char *d;
	int fd;

	if (log == NULL || strcmp(log, "stderr") == 0 ||
	    strcmp(log, "syslog") == 0)
		return;
	if ((fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0) {
		(void)close(fd);
		return;
	}
	if (errno != ENOENT) {
		say(k, ERROR, line, NULL, "log file %s is not writable by this "
		    "user: %s", log, strerror(errno));
		return;
	}
	if ((d = folder_of(log)) == NULL)
		return;
	if (access(d, F_OK) != 0)
		say(k, ERROR, line, NULL, "log folder %s does not exist", d);
	else if (access(d, W_OK | X_OK) != 0)
		say(k, ERROR, line, NULL, "log file %s cannot be made: %s: %s",
		    log, d, strerror(errno));
	free(d);
}

/* What the check looks at once the configuration is (partly) loaded. */
static void
check_all(struct checker *k)
{
	const struct conf *c = k->c;
	size_t i;
	int has_default = 0;

	check_conf_file(k);
	if (k->c->database != NULL)
		db_check_conf(k->c, say_db, k);
	check_spool_writable(k);
	check_log_writable(k);
	if (c->monitor_token_file != NULL)
		check_secret_file(k, key_line(k, "", "monitor_token_file", 0),
		    NULL, "token file", c->monitor_token_file);
	for (i = 0; i < c->nendpoints; i++) {
		check_endpoint(k, &c->endpoints[i]);
		if (strcmp(c->endpoints[i].name, "default") == 0)
			has_default = 1;
	}
	if (c->path == NULL) {
		/* No file: the implicit endpoint is all there is. */
		check_endpoint(k, &c->implicit);
	} else if (!has_default &&
	    check_hooks_dir(k, &c->implicit, key_line(k, "", "hooks_dir", 0),
	    1) > 0) {
		/* Hooks right in hooks_dir run for <script URL>/ itself. */
		say(k, WARNING, key_line(k, "", "hooks_dir", 0), &c->implicit,
		    "no [default] section, so hooks directly in %s run for "
		    "unsigned deliveries to hookline's own URL", c->hooks_dir);
	}
}

int
check_report(const char *conf_path, FILE *out)
{
	return check_report_note(conf_path, out, NULL);
}

int
check_report_note(const char *conf_path, FILE *out, const char *warning)
{
	struct checker k = { out, NULL, conf_path ? conf_path : "(no file)",
	    NULL, 0, 0 };
	struct strlist errs = { NULL, 0 };
	struct conf *c = NULL, *partial = NULL;
	const char *dr;
	size_t i;
	int rc;

	if (conf_load_report(conf_path, &c, &errs, &partial) != 0) {
		/* Every error the loader met, each with file:line. */
		for (i = 0; i < errs.n; i++) {
			(void)fprintf(out, "error: %s\n", errs.v[i]);
			k.errors++;
		}
		if (errs.n == 0) {
			(void)fprintf(out, "error: out of memory\n");
			k.errors++;
		}
		c = partial;	/* the rest is still worth checking */
	}
	strlist_clear(&errs);
	if (c != NULL && c->path != NULL)
		k.file = c->path;
	if (warning != NULL)
		say(&k, WARNING, 0, NULL, "%s", warning);
	if (c == NULL)
		goto summary;
	k.c = c;
	if ((dr = getenv("DOCUMENT_ROOT")) != NULL && dr[0] != '\0')
		k.docroot = realpath(dr, NULL);
	check_all(&k);
summary:
	if (k.errors > 0)
		(void)fprintf(out, "%s: %u error%s, %u warning%s\n", k.file,
		    k.errors, k.errors == 1 ? "" : "s", k.warnings,
		    k.warnings == 1 ? "" : "s");
	else if (k.warnings > 0)
		(void)fprintf(out, "%s: %u warning%s\n", k.file, k.warnings,
		    k.warnings == 1 ? "" : "s");
	else
		(void)fprintf(out, "%s: ok, %zu endpoint%s\n", k.file,
		    c != NULL ? c->nendpoints : 0,
		    c != NULL && c->nendpoints == 1 ? "" : "s");
	rc = k.errors > 0 ? CHECK_ERRORS : k.warnings > 0 ? CHECK_WARNINGS :
	    CHECK_CLEAN;
	if (fflush(out) != 0 || ferror(out)) {
		(void)fprintf(stderr, "hookline check: cannot write the "
		    "report: %s\n", strerror(errno));
		rc = CHECK_ERRORS;
	}
	free(k.docroot);
	conf_free(c);
	return rc;
}
