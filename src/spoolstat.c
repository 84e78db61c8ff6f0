/* spoolstat.c: the spool's deliveries by state and how long the oldest
 * due one has waited (spoolstat.h). */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "spool.h"
#include "spoolstat.h"
#include "strlist.h"

const char *
spoolstat_name(enum spoolstat_state s)
{
	static const char *const names[] = {
		"pending", "retrying", "running", "dead", "done"
	};

	return (unsigned)s < SPOOLSTAT__N ? names[s] : "?";
}

/* new/: pending or retrying by each state's failures; the due age. */
static void
count_new(const char *dir, const struct strlist *names, time_t now,
    struct spoolstat *out)
{
	struct spool_entry e;
	struct err err;
	size_t i;

	for (i = 0; i < names->n; i++) {
		memset(&e, 0, sizeof(e));
		if (spool_read(dir, SPOOL_NEW, names->v[i], &e, &err) != 0) {
			/* Gone since the listing (1), or unreadable. */
			out->count[SPOOLSTAT_PENDING]++;
			out->unreadable++;
			continue;
		}
		out->count[e.failures > 0 ? SPOOLSTAT_RETRYING :
		    SPOOLSTAT_PENDING]++;
		if (e.next <= (int64_t)now && (!out->has_due ||
		    (int64_t)now - e.next > out->oldest_due_age)) {
			out->has_due = true;
			out->oldest_due_age = (int64_t)now - e.next;
		}
		spool_entry_free(&e);
	}
}

int
spoolstat_read(const char *spool_dir, time_t now, struct spoolstat *out,
    struct err *err)
{
	static const struct {
		enum spool_box		box;
		enum spoolstat_state	state;
	} others[] = {
		{ SPOOL_CUR, SPOOLSTAT_RUNNING },
		{ SPOOL_DEAD, SPOOLSTAT_DEAD },
		{ SPOOL_DONE, SPOOLSTAT_DONE },
	};
	struct strlist names = { NULL, 0 };
	struct stat sb;
	size_t i;

	memset(out, 0, sizeof(*out));
	/* spool_list() takes a missing box as empty: the spool itself must
	 * be there. */
	if (stat(spool_dir, &sb) != 0) {
		err_set(err, "spool %s: %s", spool_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		err_set(err, "spool %s: not a folder", spool_dir);
		return -1;
	}
	if (spool_list(spool_dir, SPOOL_NEW, &names, err) != 0) {
		strlist_clear(&names);
		return -1;
	}
	count_new(spool_dir, &names, now, out);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		strlist_clear(&names);
		if (spool_list(spool_dir, others[i].box, &names, err) != 0) {
			strlist_clear(&names);
			return -1;
		}
		out->count[others[i].state] = names.n;
	}
	strlist_clear(&names);
	return 0;
}
