/* init.c: `hookline init [DIR]`: a working layout for someone with only
 * a shell and a browser (shared hosting), and what to paste where. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "init.h"
#include "platform.h"
#include "usage.h"

#define SECRET_BYTES	32	/* 256 bits, as hex: 64 characters */
#define URL_PLACEHOLDER	"https://YOUR.HOST/cgi-bin/hookline.cgi"

/* The senders init knows, one endpoint each, named as the provider. */
static const struct sender {
	const char	*name;		/* --NAME, [NAME], provider = NAME */
	const char	*event;		/* the example hook's file name */
	/* where the URL and the secret go, at the sender */
	const char	*where;
	/* the sender makes the secret; ours is only a placeholder */
	int		 own_secret;
} senders[] = {
	{ "github", "push", "GitHub: repository Settings > Webhooks > Add "
	  "webhook;\n  Content type application/json; the secret in "
	  "\"Secret\"", 0 },
	{ "gitlab", "push", "GitLab: project Settings > Webhooks; the "
	  "secret in \"Secret token\"", 0 },
	{ "gitea", "push", "Gitea/Forgejo: repository Settings > Webhooks; "
	  "the secret in \"Secret\"", 0 },
	{ "stripe", "payment_intent.succeeded", "Stripe: Dashboard > "
	  "Developers > Webhooks > Add endpoint", 1 },
	{ "slack", "_default", "Slack: your app's Event Subscriptions > "
	  "Request URL", 1 },
	{ "generic", "_default", "any sender of JSON {\"event\": ..., "
	  "\"data\": ...}, signed as\n  Standard Webhooks (hookline send "
	  "signs this way)", 0 },
};

#define NSENDERS	(sizeof(senders) / sizeof(senders[0]))

static const char conf_head[] =
"# hookline.conf, written by hookline init; see hookline.conf(5).\n"
"# Relative paths are relative to this file's folder.\n"
"#\n"
"# Run as CGI, hookline finds this file by itself at\n"
"# ~/.config/hookline/hookline.conf or ~/hookline/hookline.conf (the\n"
"# home in /etc/passwd of the user it runs as; suEXEC passes no\n"
"# HOOKLINE_CONF). Anywhere else, set HOOKLINE_CONF or use -c FILE.\n"
"# Check it with: hookline -c THIS_FILE check\n"
"\n"
"hooks_dir = hooks.d   ; hooks.d/ENDPOINT/EVENT is run for each delivery\n"
"spool_dir = spool     ; async deliveries and duplicate ids\n"
"log       = hookline.log  ; one JSON line per delivery\n"
"timeout   = 30        ; seconds a hook may take\n"
"max_body  = 10M\n";

static const char hook_text[] =
"#!/bin/sh\n"
"# An example hook, written by hookline init. hookline runs it for each\n"
"# delivery of this event to this endpoint (a file named _default runs\n"
"# for any event without a file of its own). The body is on stdin and\n"
"# in $HOOKLINE_PAYLOAD_FILE; $HOOKLINE_EVENT, $HOOKLINE_DELIVERY and\n"
"# the other HOOKLINE_ variables say what came. Exit 0 for success;\n"
"# anything else fails the delivery (exit 75: run it again later, in\n"
"# async mode). What it prints goes to hookline.log.\n"
"#\n"
"# Replace the line below with what you want done, for example\n"
"#   cd \"$HOME/site\" && git pull --ff-only\n"
"echo \"received $HOOKLINE_EVENT $HOOKLINE_DELIVERY on $HOOKLINE_ENDPOINT\"\n";

static const char htaccess_text[] =
"Options +ExecCGI -Indexes\n"
"AddHandler cgi-script .cgi\n"
"<FilesMatch \"^(?!hookline\\.cgi$)\">\n"
"\tRequire all denied\n"
"</FilesMatch>\n";

/* Creates a file that did not exist, with mode, holding text; never
 * replaces one. 1 made, 0 kept (it existed), -1 error in err. */
static int
make_file(int dfd, const char *dir, const char *name, mode_t mode,
    const char *text, struct err *err)
{
	int fd;

	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode)) == -1) {
		if (errno == EEXIST)
			return 0;
		err_set(err, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (write_all(fd, text, strlen(text)) == -1)
		goto fail;
	/* The umask may have taken bits a hook needs; never adds any. */
	if (fchmod(fd, mode) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 1;
fail:
	err_set(err, "%s/%s: %s", dir, name, strerror(errno));
	if (fd != -1)
		(void)close(fd);
	(void)unlinkat(dfd, name, 0);
	return -1;
}

/* mkdir that is fine with a folder already there. 1 made, 0 there. */
static int
make_dir(int dfd, const char *dir, const char *name, mode_t mode,
    struct err *err)
{
	struct stat st;

	if (mkdirat(dfd, name, mode) == 0)
		return 1;
	if (errno == EEXIST && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) ==
	    0 && S_ISDIR(st.st_mode))
		return 0;
	err_set(err, "%s/%s: %s", dir, name, errno == EEXIST ?
	    "exists and is not a folder" : strerror(errno));
	return -1;
}

static int
secret_new(char *hex, size_t hexlen)
{
	unsigned char b[SECRET_BYTES];
	size_t i;

	if (hexlen < 2 * sizeof(b) + 2 || random_bytes(b, sizeof(b)) != 0)
		return -1;
	for (i = 0; i < sizeof(b); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", b[i]);
	hex[2 * sizeof(b)] = '\n';
	hex[2 * sizeof(b) + 1] = '\0';
	return 0;
}

static int
conf_text(const struct init_opts *o, char **out)
{
	size_t len = 0, i;
	FILE *fp;

	*out = NULL;
	if ((fp = open_memstream(out, &len)) == NULL)
		return -1;
	(void)fputs(conf_head, fp);
	for (i = 0; i < NSENDERS; i++) {
		if (!(o->senders & (1U << i)))
			continue;
		(void)fprintf(fp, "\n[%s]  ; reached at .../hookline.cgi/%s\n"
		    "provider    = %s\n"
		    "secret_file = %s.secret%s\n"
		    "mode        = sync   ; async: answer 202 at once, run the "
		    "hooks after\n"
		    "                     ; (then add the cron line "
		    "hookline init printed)\n",
		    senders[i].name, senders[i].name, senders[i].name,
		    senders[i].name, senders[i].own_secret ?
		    "  ; put the sender's own secret there" : "");
	}
	if (ferror(fp) | fclose(fp)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Notes a kept file on stderr; counts it. */
static void
kept(struct init_opts *o, const char *dir, const char *name)
{
	o->kept++;
	(void)fprintf(stderr, "hookline init: kept %s/%s (it exists; not "
	    "changed)\n", dir, name);
}

/* hooks.d/NAME/EVENT for one sender. */
static int
make_hook(struct init_opts *o, int dfd, const struct sender *s,
    struct err *err)
{
	char sub[PATH_MAX], file[PATH_MAX];
	int rc;

	if (snprintf(sub, sizeof(sub), "hooks.d/%s", s->name) >=
	    (int)sizeof(sub) || snprintf(file, sizeof(file), "%s/%s", sub,
	    s->event) >= (int)sizeof(file))
		return -1;
	if (make_dir(dfd, o->dir, sub, 0755, err) < 0 ||
	    (rc = make_file(dfd, o->dir, file, 0755, hook_text, err)) < 0)
		return -1;
	if (rc == 0)
		kept(o, o->dir, file);
	return 0;
}

/* NAME.secret; its secret is copied to hex (empty when kept). */
static int
make_secret(struct init_opts *o, int dfd, const struct sender *s,
    char *hex, size_t hexlen, struct err *err)
{
	char file[PATH_MAX];
	int rc;

	if (snprintf(file, sizeof(file), "%s.secret", s->name) >=
	    (int)sizeof(file))
		return -1;
	if (secret_new(hex, hexlen) != 0) {
		err_set(err, "no random bytes: %s", strerror(errno));
		return -1;
	}
	if ((rc = make_file(dfd, o->dir, file, 0600, hex, err)) < 0)
		return -1;
	if (rc == 0) {
		kept(o, o->dir, file);
		hex[0] = '\0';
	}
	return 0;
}

static void
print_sender(const struct init_opts *o, const struct sender *s,
    const char *hex, FILE *out)
{
	const char *base = o->url != NULL ? o->url : URL_PLACEHOLDER;
	size_t blen = strlen(base);

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	(void)fprintf(out, "\n[%s] %s\n  URL:    %.*s/%s\n", s->name, s->where,
	    (int)blen, base, s->name);
	if (s->own_secret)
		(void)fprintf(out, "  secret: the sender makes it; put it in "
		    "%s/%s.secret:\n    umask 077; printf '%%s\\n' "
		    "'THE-SECRET' > %s/%s.secret\n", o->dir, s->name, o->dir,
		    s->name);
	else if (hex[0] != '\0')
		(void)fprintf(out, "  secret: %.*s\n", (int)strcspn(hex, "\n"),
		    hex);
	else
		(void)fprintf(out, "  secret: the first line of %s/%s.secret\n",
		    o->dir, s->name);
}

static void
print_rest(const struct init_opts *o, FILE *out)
{
	const char *bin = o->bin != NULL ? o->bin : "hookline";

	if (o->url == NULL)
		(void)fprintf(out, "\nReplace %s\nby the address of your "
		    "hookline.cgi (or give --url BASE to init).\n",
		    URL_PLACEHOLDER);
	(void)fprintf(out, "\nPut the program in a CGI folder of your site as "
	    "hookline.cgi (mode 0755), with\nthis .htaccess beside it:\n\n%s",
	    htaccess_text);
	if (!o->found)
		(void)fprintf(out, "SetEnv HOOKLINE_CONF %s/hookline.conf\n"
		    "\n(That folder is not one hookline looks in by itself, "
		    "and suEXEC drops\nSetEnv: under suEXEC use ~/hookline or "
		    "~/.config/hookline.)\n", o->dir);
	(void)fprintf(out, "\nFor endpoints with mode = async, this crontab "
	    "line (crontab -e) runs what\nwaits and retries what failed:\n\n"
	    "*/5 * * * * %s -c %s/hookline.conf drain\n"
	    "\nCheck the configuration:  %s -c %s/hookline.conf check\n",
	    bin, o->dir, bin, o->dir);
}

/* 1 when dir is one of the places CGI looks in by itself. */
static int
found_by_cgi(const char *dir)
{
	static const char *const tails[] = { "/hookline",
	    "/.config/hookline" };
	char *home;
	size_t i, hl;
	int yes = 0;

	if (user_home(getuid(), &home) != 0)
		return 0;
	hl = strlen(home);
	for (i = 0; i < sizeof(tails) / sizeof(*tails); i++)
		if (strncmp(dir, home, hl) == 0 && strcmp(dir + hl, tails[i]) ==
		    0)
			yes = 1;
	free(home);
	return yes;
}

int
init_layout(struct init_opts *o, FILE *out, struct err *err)
{
	char *conf = NULL, (*hex)[2 * SECRET_BYTES + 2] = NULL, *abs;
	const char *given = o->dir;
	size_t i;
	int dfd = -1, rc = -1, made;

	if (o->senders == 0)
		o->senders = 1U << (NSENDERS - 1);	/* generic */
	o->kept = 0;
	if (mkdir(given, 0755) == -1 && errno != EEXIST) {
		err_set(err, "%s: %s", given, strerror(errno));
		return -1;
	}
	/* The paths printed (cron, SetEnv) must work from anywhere. */
	if ((abs = realpath(given, NULL)) == NULL ||
	    (dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "%s: %s", given, strerror(errno));
		free(abs);
		return -1;
	}
	o->dir = abs;
	o->found = found_by_cgi(abs);
	if ((hex = calloc(NSENDERS, sizeof(*hex))) == NULL ||
	    conf_text(o, &conf) != 0) {
		err_set(err, "out of memory");
		goto done;
	}
	if (make_dir(dfd, o->dir, "hooks.d", 0755, err) < 0 ||
	    make_dir(dfd, o->dir, "spool", 0700, err) < 0)
		goto done;
	for (i = 0; i < NSENDERS; i++)
		if ((o->senders & (1U << i)) && (make_secret(o, dfd,
		    &senders[i], hex[i], sizeof(hex[i]), err) != 0 ||
		    make_hook(o, dfd, &senders[i], err) != 0))
			goto done;
	/* Last: a hookline.conf is the sign that the rest is there. */
	if ((made = make_file(dfd, o->dir, "hookline.conf", 0644, conf,
	    err)) < 0)
		goto done;
	if (made == 0) {
		kept(o, o->dir, "hookline.conf");
		(void)fprintf(stderr, "hookline init: add any section chosen "
		    "that it lacks by hand\n");
	}
	(void)fprintf(out, "hookline init: %s is ready.\n\nAt each sender, "
	    "add a webhook:\n", o->dir);
	for (i = 0; i < NSENDERS; i++)
		if (o->senders & (1U << i))
			print_sender(o, &senders[i], hex[i], out);
	print_rest(o, out);
	/* Every line above went to out unchecked: its error flag says. */
	rc = fflush(out) == EOF || ferror(out) ? -1 : 0;
	if (rc != 0)
		err_set(err, "writing the instructions: %s", strerror(errno));
done:
	free(conf);
	if (hex != NULL)
		explicit_bzero(hex, NSENDERS * sizeof(*hex));
	free(hex);
	(void)close(dfd);
	o->dir = given;
	free(abs);
	return rc;
}

/* 1 and the bit for --NAME, else 0. */
static int
sender_flag(const char *arg, unsigned *bits)
{
	size_t i;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	for (i = 0; i < NSENDERS; i++)
		if (strcmp(arg + 2, senders[i].name) == 0) {
			*bits |= 1U << i;
			return 1;
		}
	return 0;
}

int
init_command(int argc, char **argv)
{
	struct init_opts o = { 0 };
	struct err err = { "" };
	char *home = NULL, *dir = NULL, *bin;
	int i, rc = 2;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return usage_command(stdout, "init") == 0 ? 0 : 1;
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			o.url = argv[++i];
		else if (sender_flag(argv[i], &o.senders))
			continue;
		else if (argv[i][0] != '-' && o.dir == NULL)
			o.dir = argv[i];
		else {
			(void)fprintf(stderr, "hookline init: unknown argument "
			    "%s\n", argv[i]);
			(void)usage_command(stderr, "init");
			return 2;
		}
	}
	if (o.dir == NULL) {
		if (user_home(getuid(), &home) != 0 ||
		    asprintf(&dir, "%s/hookline", home) < 0) {
			(void)fprintf(stderr, "hookline init: no home folder "
			    "for uid %ld in /etc/passwd: name DIR\n",
			    (long)getuid());
			free(home);
			return 2;
		}
		o.dir = dir;
	}
	bin = realpath("/proc/self/exe", NULL);
	o.bin = bin;
	if (init_layout(&o, stdout, &err) != 0)
		(void)fprintf(stderr, "hookline init: %s\n", err.msg);
	else
		rc = 0;
	free(bin);
	free(dir);
	free(home);
	return rc;
}
