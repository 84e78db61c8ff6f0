# 1,000 requests to the FastCGI processes leave their descriptor count
# unchanged and their RSS flat (growth under 512 KiB or 10 %). The
# requests mix a hook run, a refusal, a 404 and an ignored event.
only_servers lighttpd-fastcgi apache-fcgid
cfg=$ROOT/data/flat.curl
mk() {	# mk ROUNDS PREFIX: a curl config of ROUNDS x 4 requests
	local i
	: >"$cfg"
	for ((i = 0; i < $1; i++)); do
		cat >>"$cfg" <<-EOF2
		url = "$BASE/generic"
		header = "Content-Type: application/json"
		header = "Webhook-Id: $2-$i-a"
		data-binary = "{\"event\":\"ok\",\"data\":{\"i\":$i}}"
		output = "/dev/null"
		write-out = "%{http_code}\n"
		next
		url = "$BASE/generic"
		header = "Content-Type: application/json"
		header = "Webhook-Id: $2-$i-b"
		data-binary = "{\"event\":\"ok\",\"data\":"
		output = "/dev/null"
		write-out = "%{http_code}\n"
		next
		url = "$BASE/nosuch"
		header = "Content-Type: application/json"
		data-binary = "{\"event\":\"ok\",\"data\":{}}"
		output = "/dev/null"
		write-out = "%{http_code}\n"
		next
		url = "$BASE/generic"
		header = "Content-Type: application/json"
		header = "Webhook-Id: $2-$i-d"
		data-binary = "{\"event\":\"nohook\",\"data\":{}}"
		output = "/dev/null"
		write-out = "%{http_code}\n"
		next
		EOF2
	done
}
run() {	# run ROUNDS PREFIX: prints the count of each status
	mk "$1" "$2"
	timeout 120 curl -sS --max-time 20 -K "$cfg" 2>>"$ROOT/data/flat.curlerr" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}
snapshot() {	# pid fds rss-kB, one line per FastCGI process
	local p
	for p in $(fcgi_pids); do
		printf '%s %s %s\n' "$p" "$(ls "/proc/$p/fd" 2>/dev/null | wc -l)" \
		    "$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)"
	done
}
# Under AddressSanitizer (make check-asan) freed memory is held in
# quarantine, so RSS grows by design: only descriptors are compared.
asan=
if ldd "$HOOKLINE_BIN" 2>/dev/null | grep -q libasan ||
   grep -q __asan_init "$HOOKLINE_BIN" 2>/dev/null; then
	asan=1
	note "AddressSanitizer build: RSS not compared"
fi
# Warm up: every process has served requests of each kind.
got=$(run 25 "flat-warm-$$")
[ "$got" = "200:50 400:25 404:25 " ] || fail "warm-up answers: $got (want 200:50 400:25 404:25)"
before=$(snapshot)
[ -n "$before" ] || { fail "no FastCGI hookline process found (pgrep -f ^$ROOT/bin/hookline)"; case_end; }
t0=$(date +%s)
got=$(run 250 "flat-$$")
[ "$got" = "200:500 400:250 404:250 " ] || fail "answers to 1,000 requests: $got (want 200:500 400:250 404:250)"
note "1,000 requests in $(($(date +%s) - t0)) s"
after=$(snapshot)
common=0
while read -r pid fd rss; do
	line=$(printf '%s\n' "$after" | awk -v p="$pid" '$1 == p')
	if [ -z "$line" ]; then
		note "process $pid is gone after the run (restarted by the server?)"
		continue
	fi
	common=$((common + 1))
	read -r _ fd2 rss2 <<<"$line"
	[ "$fd2" = "$fd" ] || fail "process $pid: $fd descriptors before, $fd2 after"
	growth=$((rss2 - rss))
	if [ -n "$asan" ]; then
		:
	elif [ "$growth" -ge 512 ] && [ $((growth * 10)) -ge "$rss" ]; then
		fail "process $pid: RSS grew from $rss kB to $rss2 kB"
	fi
	note "pid $pid: fds $fd -> $fd2, RSS $rss kB -> $rss2 kB"
done <<<"$before"
[ "$common" -gt 0 ] || fail "no FastCGI process lived through the run"
