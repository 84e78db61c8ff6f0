/* platform.h: the few things that differ between kernels, behind one call each. */
#ifndef HOOKLINE_PLATFORM_H
#define HOOKLINE_PLATFORM_H

#include <sys/types.h>

#include <pwd.h>
#include <stddef.h>

/* Closes every fd >= lowfd. Async-signal-safe: meant for a child
 * between fork() and exec. Returns 0, or -1 with errno. */
int	close_fds_from(int lowfd);

/* Sets every signal's action to the default, libc's own ones too
 * (glibc refuses sigaction() for 32 and 33, which a process may have
 * inherited ignored, and ignored stays ignored across exec). Async-
 * signal-safe: for a child between fork() and exec. 0, or -1. */
int	signals_default(void);

/* An fd that polls readable when process pid (our unreaped child)
 * exits, close-on-exec; -1 with errno when the platform has none
 * (then poll on a short tick and ask waitid()). */
int	proc_exit_fd(pid_t pid);

/* This process (a fork of parent) gets signal sig when parent dies
 * (Linux: PR_SET_PDEATHSIG; elsewhere nothing). Returns 0, or -1 when
 * parent is gone already or the call fails. Async-signal-safe: also
 * for a child between vfork() and exec (the setting survives exec). */
int	exit_with_parent(pid_t parent, int sig);

/* Fills buf with len random bytes: getrandom(2), else /dev/urandom
 * (kernels before 3.17). Returns 0, or -1 with errno. */
int	random_bytes(void *buf, size_t len);

/* Where the usual distributions keep their CA bundle: Debian/Ubuntu,
 * EL/CloudLinux, SUSE, Alpine. */
#define CA_FILE_PATHS \
	"/etc/ssl/certs/ca-certificates.crt", \
	"/etc/pki/tls/certs/ca-bundle.crt", \
	"/etc/ssl/ca-bundle.pem", \
	"/etc/ssl/cert.pem"

/* The first readable file of the NULL-terminated paths, or NULL. */
const char *ca_file_pick(const char *const *paths);

/* The first readable of CA_FILE_PATHS, or NULL. */
const char *ca_file_default(void);

/* Users and groups: NSS in the dynamic build; /etc/passwd and
 * /etc/group read directly in the static one (platform.c says why).
 * Same contract as getpwnam(), getpwuid() and initgroups(): the entry
 * (static storage, valid until the next call) or NULL (errno 0: no such
 * user), and 0 or -1 with errno. */
struct passwd *user_by_name(const char *name);
struct passwd *user_by_uid(uid_t uid);
int	user_groups_init(const char *user, gid_t gid);

/* The file readers behind the static build's three: the user called
 * name (or, name NULL, with uid) in the passwd-format file at path; and
 * setgroups() with gid and every group of the group-format file at path
 * that lists user. */
struct passwd *user_from_file(const char *path, const char *name, uid_t uid);
int	groups_from_file(const char *path, const char *user, gid_t gid);

/* The home folder of uid from the password database (user_by_uid():
 * the static build reads /etc/passwd, without NSS), malloc'd into
 * *home. 0, or -1 with errno (ENOENT: no such user, or a home that is
 * not an absolute path) and *home NULL. */
int	user_home(uid_t uid, char **home);

#endif
