# The shared counters file, spool/stats: made by the first request, the
# spool owner's, 0600. Its bytes are read as hostile all the same: a
# symbolic link, a FIFO, or a file of another layout planted there is
# moved aside to stats.old when a process next opens it (a CGI request;
# a FastCGI process when its configuration reloads), never followed or
# written through, and the requests are answered as ever.
S=$ROOT/spool
CONF=$ROOT/etc/hookline.conf
T=$ROOT/data/stats-target

fastcgi=0
case $SERVER in
*fastcgi*|*fcgid*) fastcgi=1 ;;
esac

# reopen: what makes the server open the file again: nothing under CGI
# (every request does); a changed configuration under FastCGI.
reopen() {
	if [ "$fastcgi" = 1 ]; then
		printf '# stats %s\n' "$1" >>"$CONF"
		conf_settle
	fi
}

ask() {	# ask LABEL: one ignored delivery, answered 200 however the file is
	post_generic generic nohook "$(new_id)" --max-time 20
	expect_status 200 || note "($1)"
	expect_json .status ignored || note "($1)"
}

ask first
[ -f "$S/stats" ] && [ ! -L "$S/stats" ] ||
    fail "no spool/stats after a request"
size=$(stat -c %s "$S/stats" 2>/dev/null)
owner=$(stat -c %U "$S/stats" 2>/dev/null)
[ "$owner" = "$(stat -c %U "$S")" ] ||
    fail "spool/stats belongs to $owner, the spool to $(stat -c %U "$S")"
[ "$(stat -c %a "$S/stats")" = 600 ] ||
    fail "spool/stats has mode $(stat -c %a "$S/stats")"

# A symbolic link to a file the server could write.
head -c 2000 /dev/urandom >"$T"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$T"
sum=$(cksum <"$T")
rm -f "$S/stats"
ln -s "$T" "$S/stats"
reopen link
ask link
[ -L "$S/stats.old" ] || fail "the link was not moved aside to stats.old"
[ -f "$S/stats" ] && [ ! -L "$S/stats" ] || fail "no new spool/stats"
[ "$(cksum <"$T")" = "$sum" ] || fail "the link's target was written"
[ "$(stat -c %s "$T")" = 2000 ] || fail "the link's target changed size"

# A FIFO: opened without waiting, moved aside.
rm -f "$S/stats"
mkfifo -m 0600 "$S/stats"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$S/stats"
reopen fifo
ask fifo
[ -p "$S/stats.old" ] || fail "the FIFO was not moved aside"
[ -f "$S/stats" ] || fail "no new spool/stats after the FIFO"

# A file of another layout (short, the right magic): moved aside whole.
rm -f "$S/stats"
printf 'HLSTATS\n\0\0\0\0' >"$S/stats"
chmod 0600 "$S/stats"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$S/stats"
reopen layout
ask layout
[ "$(stat -c %s "$S/stats.old" 2>/dev/null)" = 12 ] ||
    fail "the short file was not moved aside"
[ "$(stat -c %s "$S/stats" 2>/dev/null)" = "$size" ] ||
    fail "the new spool/stats is not $size bytes"
rm -f "$T"
