/* test_platform.c: the platform calls the static build leans on:
 * random bytes (also on a kernel without getrandom), the CA bundle's
 * place, users and groups read from passwd- and group-format files
 * without NSS, a user's home. */
// WRAP: syscall
#include "unit.h"

#include <grp.h>
#include <stdbool.h>
#include <sys/syscall.h>

#include "platform.h"

static bool no_syscalls;	/* every raw syscall says ENOSYS */
static int syscalls;

/* Only random_bytes() reaches here in this file's tests. */
long	__wrap_syscall(long nr, ...);
long	__real_syscall(long nr, ...);
long
__wrap_syscall(long nr, ...)
{
	va_list ap;
	void *buf;
	size_t len;
	unsigned flags;

	syscalls++;
	if (no_syscalls) {
		errno = ENOSYS;
		return -1;
	}
	assert_int_equal(nr, SYS_getrandom);
	va_start(ap, nr);
	buf = va_arg(ap, void *);
	len = va_arg(ap, size_t);
	flags = va_arg(ap, unsigned);
	va_end(ap);
	return __real_syscall(nr, buf, len, flags);
}

static void
test_random_bytes(void **state)
{
	unsigned char a[32], b[32], zero[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(random_bytes(a, sizeof(a)), 0);
	assert_int_equal(random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(random_bytes(a, 0), 0);
}

/* Kernel 3.10 (CloudLinux 7): getrandom is ENOSYS; /dev/urandom. */
static void
test_random_enosys(void **state)
{
	unsigned char a[64], b[64], zero[64];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	no_syscalls = true;
	syscalls = 0;
	assert_int_equal(random_bytes(a, sizeof(a)), 0);
	assert_int_equal(random_bytes(b, sizeof(b)), 0);
	no_syscalls = false;
	assert_true(syscalls >= 2);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void
test_user_home(void **state)
{
	char *home = (char *)1;

	(void)state;
	/* root is in every password database. */
	assert_int_equal(user_home(0, &home), 0);
	assert_non_null(home);
	assert_true(home[0] == '/');
	free(home);
	/* A uid no entry has. */
	assert_int_equal(user_home((uid_t)2147480001, &home), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(home);
}

static void
test_ca_file_pick(void **state)
{
	char *dir = unit_mkdtemp("ca");
	char *none, *there;
	const char *paths[3];

	(void)state;
	assert_true(asprintf(&none, "%s/none.crt", dir) > 0);
	assert_true(asprintf(&there, "%s/bundle.crt", dir) > 0);
	paths[0] = none;
	paths[1] = NULL;
	assert_null(ca_file_pick(paths));
	unit_write_file(there, "not checked here\n", 0644);
	paths[1] = there;
	paths[2] = NULL;
	assert_ptr_equal(ca_file_pick(paths), there);
	unit_rm_tree(dir);
	free(none);
	free(there);
	free(dir);
}

static void
test_user_from_file(void **state)
{
	char *dir = unit_mkdtemp("passwd");
	char *path;
	struct passwd *pw;

	(void)state;
	assert_true(asprintf(&path, "%s/passwd", dir) > 0);
	unit_write_file(path,
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "alice:x:1001:1002:Alice:/home/alice:/bin/sh\n", 0644);
	assert_non_null(pw = user_from_file(path, "alice", 0));
	assert_int_equal(pw->pw_uid, 1001);
	assert_int_equal(pw->pw_gid, 1002);
	assert_string_equal(pw->pw_dir, "/home/alice");
	assert_non_null(pw = user_from_file(path, NULL, 1001));
	assert_string_equal(pw->pw_name, "alice");
	/* Whole names only; a missing user is NULL with errno 0. */
	assert_null(user_from_file(path, "alic", 0));
	assert_int_equal(errno, 0);
	assert_null(user_from_file(path, NULL, 4242));
	assert_int_equal(errno, 0);
	free(path);
	assert_true(asprintf(&path, "%s/missing", dir) > 0);
	assert_null(user_from_file(path, "alice", 0));
	assert_int_equal(errno, ENOENT);
	unit_rm_tree(dir);
	free(path);
	free(dir);
}

static bool
has_group(const gid_t *g, int n, gid_t want)
{
	int i;

	for (i = 0; i < n; i++)
		if (g[i] == want)
			return true;
	return false;
}

/* Sets this test process's groups: root only (as privilege dropping). */
static void
test_groups_from_file(void **state)
{
	char *dir = unit_mkdtemp("group");
	char *path;
	gid_t g[16];
	int n;

	(void)state;
	if (geteuid() != 0) {
		free(dir);
		skip();
	}
	assert_true(asprintf(&path, "%s/group", dir) > 0);
	unit_write_file(path,
	    "root:x:0:\n"
	    "staff:x:50:bob,alice\n"
	    "web:x:33:alicex\n"
	    "dev:x:60:alice\n", 0644);
	assert_int_equal(groups_from_file(path, "alice", 1002), 0);
	assert_int_not_equal(n = getgroups(16, g), -1);
	assert_int_equal(n, 3);
	assert_true(has_group(g, n, 1002));
	assert_true(has_group(g, n, 50));
	assert_true(has_group(g, n, 60));
	assert_false(has_group(g, n, 33));
	unit_rm_tree(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_enosys),
		cmocka_unit_test(test_user_home),
		cmocka_unit_test(test_ca_file_pick),
		cmocka_unit_test(test_user_from_file),
		cmocka_unit_test(test_groups_from_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
