# resident_lib.sh: what the resident-hook cases (t_resident_*.sh) share,
# on top of lib.sh: resident test hooks in Python and in shell that speak
# the protocol of README.md's "Resident hooks" (the loops of
# examples/hooks.d/github/issues.resident and star.resident), and checks
# on what they write down.
#
# Each hook appends one line per delivery to $ROOT/out/NAME.rec:
#     EVENT DELIVERY SHA256-OF-BODY PID PPID VERSION WORKER
# (hookline's own facts, the digest of the body bytes it read, its pid and
# its parent's, the FastCGI process or drainer that started it, and WORKER,
# the pid and a random tag drawn at start: pids are reused within seconds
# on a busy machine). What a hook reads is hookline's output; the bodies
# are the tests' own.

# resident_py NAME VERSION [PYTHON-LINES]: an executable Python resident
# hook hooks.d/NAME. PYTHON-LINES run for each delivery before it is
# recorded, with `body` (bytes) and `facts` (a dict) set; they may set
# `status` (default 0).
resident_py() {
	local f=$ROOT/etc/hooks.d/$1 tmp
	mkdir -p "$(dirname "$f")"
	tmp=$(dirname "$f")/.tmp.$$.$RANDOM
	cat >"$tmp" <<-EOF
	#!/usr/bin/env python3
	import hashlib, os, signal, subprocess, sys, time
	wid = "%d-%s" % (os.getpid(), os.urandom(4).hex())
	inp = sys.stdin.buffer
	while True:
	    facts = {}
	    for line in iter(inp.readline, b"\n"):
	        if not line:
	            sys.exit(0)
	        k, _, v = line.decode("utf-8", "replace").rstrip("\n").partition("=")
	        facts[k] = v
	    body = inp.read(int(facts["HOOKLINE_BODY_LENGTH"]))
	    status = 0
	$(printf '%s\n' "${3:-pass}" | sed 's/^/    /')
	    with open("$ROOT/out/$(basename "$1").rec", "a") as f:
	        f.write("%s %s %s %d %d %s %s\n" % (facts.get("HOOKLINE_EVENT"),
	            facts.get("HOOKLINE_DELIVERY"), hashlib.sha256(body).hexdigest(),
	            os.getpid(), os.getppid(), "$2", wid))
	    print("py-out", facts.get("HOOKLINE_DELIVERY"))
	    sys.stdout.flush()
	    os.write(3, b"%d\n" % status)
	EOF
	chmod 0755 "$tmp"
	# Written beside it, then renamed over it: as an editor or a deploy.
	mv -f "$tmp" "$f"
}

# resident_sh NAME VERSION [SHELL-LINES]: the same in /bin/sh; the body
# arrives in $ROOT/out/NAME.body.PID; SHELL-LINES may set `status`.
resident_sh() {
	local f=$ROOT/etc/hooks.d/$1 n tmp
	n=$(basename "$1")
	mkdir -p "$(dirname "$f")"
	tmp=$(dirname "$f")/.tmp.$$.$RANDOM
	cat >"$tmp" <<-EOF
	#!/bin/sh
	b=$ROOT/out/$n.body.\$\$
	wid=\$\$-\$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	while IFS= read -r line || exit 0; do
	    case \$line in
	    '')
	        head -c "\$HOOKLINE_BODY_LENGTH" >"\$b"
	        status=0
	        ${3:-:}
	        set -- \$(sha256sum <"\$b")
	        printf '%s %s %s %s %s %s %s\\n' "\$HOOKLINE_EVENT" "\$HOOKLINE_DELIVERY" \\
	            "\$1" \$\$ "\$PPID" $2 "\$wid" >>$ROOT/out/$n.rec </dev/null
	        echo "sh-out \$HOOKLINE_DELIVERY"
	        echo "\$status" >&3 ;;
	    HOOKLINE_[A-Z_]*=*)
	        export "\$line" ;;
	    esac
	done
	EOF
	chmod 0755 "$tmp"
	mv -f "$tmp" "$f"
}

# rec_field NAME N: field N of every line of NAME.rec.
rec_field() {
	awk -v n="$2" '{ print $n }' "$ROOT/out/$1.rec" 2>/dev/null
}

# rec_of NAME DELIVERY: the record line of that delivery.
rec_of() {
	grep -F " $2 " "$ROOT/out/$1.rec" 2>/dev/null
}

# post_res ENDPOINT EVENT [DATA-JSON]: one generic delivery; hookline
# makes its id (no Webhook-Id: no duplicate record); sets DELIVERY from
# the answer.
post_res() {
	post_json "$1" "{\"event\":\"$2\",\"data\":${3:-{\}}}"
	DELIVERY=$(jq -r '.delivery // "-"' "$BODY" 2>/dev/null || echo -)
}

# one_pid_per_parent NAME: in NAME.rec, each parent (a FastCGI process)
# started one worker and no worker served two parents: one process per
# pool slot (resident_workers = 1) for the whole run.
one_pid_per_parent() {
	local bad
	bad=$( { awk '{ print "parent", $5, $7 }' "$ROOT/out/$1.rec" | sort -u | awk '{ print $1, $2 }'
	        awk '{ print "worker", $7, $5 }' "$ROOT/out/$1.rec" | sort -u | awk '{ print $1, $2 }'; } |
	    sort | uniq -d)
	[ -z "$bad" ] || fail "$1: not one worker per FastCGI process: $(printf '%s' "$bad" | tr '\n' ';')"
}

# worker_alive PID NAME: PID runs and is still hook NAME (pids are reused
# within seconds on a busy machine: a pid alone proves nothing).
worker_alive() {
	pid_alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# res_endpoint NAME [MORE-KEYS]: a sync generic endpoint [NAME] (once).
res_endpoint() {
	add_endpoints "[$1]
provider = generic
mode     = sync${2:+
$2}"
}

# res_ready PATH...: the hooks at hooks.d/PATH (a folder or a file) as
# hookline wants them (not group- or world-writable, readable by the
# server's user). Only the cases' own: generic/writable must stay so.
res_ready() {
	local p
	for p in "$@"; do
		chmod -R go-w "$ROOT/etc/hooks.d/$p"
		chmod -R a+rX "$ROOT/etc/hooks.d/$p"
	done
}

# res_ok ENDPOINT HOOK N...: one delivery {"n":N} to HOOK for each N,
# each answered 200 success (DELIVERY: the last one's id).
res_ok() {
	local ep=$1 r=$2 i
	shift 2
	for i in "$@"; do
		post_res "$ep" "$r" "{\"n\":$i}"
		expect_status 200 && expect_json .status success
	done
}
