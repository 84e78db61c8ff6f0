# doc/hookline.8 and doc/hookline.conf.5 render with man(1) without a
# warning (and pass mandoc's lint when mandoc is there); every command of
# `hookline help` has its entry in hookline.8, and every key of the
# loader's table (src/conf_keys.c) its entry in hookline.conf.5.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need man man-db
need groff groff-base

for page in "$REPO/doc/hookline.8" "$REPO/doc/hookline.conf.5"; do
	name=$(basename "$page")
	if [ ! -f "$page" ]; then
		fail "$name is missing"
		continue
	fi
	# Warnings go to stderr; the page itself to /dev/null.
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) ||
	    fail "man -l $name exits non-zero"
	if [ -n "$warn" ]; then
		fail "man --warnings -l $name warns:"
		printf '%s\n' "$warn" | head -n 20 | sed 's/^/      /'
	fi
	out=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	[ "$out" -gt 50 ] || fail "man -l $name renders only $out lines"
	if command -v mandoc >/dev/null 2>&1; then
		# Warnings and worse; "style" hints (such as a manual not
		# installed here) are not failures.
		lint=$(mandoc -T lint -W warning "$page" 2>&1) ||
		    fail "mandoc -T lint $name:"
		[ -z "$lint" ] || printf '%s\n' "$lint" | head -n 20 | sed 's/^/      /'
	else
		note "mandoc not installed: lint skipped (Debian package mandoc)"
	fi
done

# The commands `hookline help` lists, each an entry of hookline.8.
cmds=$("$ROOT/bin/hookline" help | sed -n 's/^  hookline \([a-z][a-z-]*\).*/\1/p')
[ -n "$cmds" ] || fail "no commands found in 'hookline help'"
for c in $cmds; do
	grep -Eq "^\.It Cm $c( |\$)" "$REPO/doc/hookline.8" ||
	    fail "hookline.8 has no entry for the command '$c'"
done

# The keys the loader knows, each an entry of hookline.conf.5.
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z_0-9]*\)",.*\(GLOBAL\|ENDPOINT\|ANY\).*/\1/p' "$REPO/src/conf_keys.c")
[ -n "$keys" ] || fail "no keys found in src/conf_keys.c's table"
for k in $keys; do
	grep -Eq "^\.It Cm $k( |\$)" "$REPO/doc/hookline.conf.5" ||
	    fail "hookline.conf.5 has no entry for the key '$k'"
done
