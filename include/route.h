/* route.h: an event name to the hooks that run for it. */
#ifndef HOOKLINE_ROUTE_H
#define HOOKLINE_ROUTE_H

#include <stddef.h>

#include "err.h"
#include "strlist.h"

/* Contract: 1..128 bytes of [A-Za-z0-9._:-], not starting with '.'.
 * 1 when valid, else 0. */
int	event_name_valid(const char *name);

/* 1 when name may run from an E.d/ folder: ^[A-Za-z0-9_-]+$ (what
 * run-parts runs) or ^[A-Za-z0-9_-]+\.resident$ (a resident hook). */
int	route_member_valid(const char *name);

/* For event E in hooks folder D (absolute): D/E if a hook file, else
 * D/E.resident if one; else D/E.d/ members matching route_member_valid()
 * that are hook files, in byte order; else D/_default if a hook file,
 * else D/_default.resident if one; else nothing. (A name ending in
 * .resident runs as a resident hook, resident.h: also when it is E.)
 * A hook file is a regular file that is executable, or that starts
 * with "#!" or an ELF header (a hook that lost its x bit: listed so that run_hook() refuses
 * it and the refusal is reported); other files (a README) are skipped,
 * as run-parts does. Appends paths relative to D ("E", "E.d/10-x",
 * "_default") to out. Returns 0 (out may stay empty, also when D does
 * not exist), or -1 with err when D cannot be read. E must be valid. An
 * E.d/ directory decides alone even when it holds no hook (_default
 * does not run then); a symlink named E.d is not followed. Symlinked
 * hooks are listed: run_hook() judges them. */
int	route_resolve(const char *hooks_dir, const char *event,
	    struct strlist *out, struct err *err);

#endif
