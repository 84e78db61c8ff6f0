# A hook runs by its own path: a script's $0 is that path (not
# /dev/fd/N), so a shell hook sources the library beside it and cd's to
# its folder, and a Python hook imports the module beside it.
H=$ROOT/etc/hooks.d/generic
O=$ROOT/out
PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is missing (.ci/run installs python3)"
mkdir -p "$H/sibling.d"
cat >"$H/sibling.d/lib.sh" <<'SH'
greet() { printf 'sh %s %s\n' "$(basename "$0")" "$1"; }
SH
hook generic/sibling.d/10-sh ". \"\$(dirname \"\$0\")/lib.sh\" || exit 7
cd \"\$(dirname \"\$0\")\" || exit 8
printf '%s\n' \"\$0\" >$O/zero.\$HOOKLINE_DELIVERY
[ \"\$0\" = $H/sibling.d/10-sh ] || exit 9
greet \"\$HOOKLINE_DELIVERY\" >>$O/sibling.log"
cat >"$H/sibling.d/helper.py" <<'PY'
NAME = "helper"
PY
cat >"$H/sibling.d/20-py" <<PY
#!$PY
import os
import sys
sys.dont_write_bytecode = True
import helper
here = os.path.dirname(__file__)
with open(os.path.join(here, "lib.sh")) as f:
    assert "greet" in f.read()
with open("$O/sibling.log", "a") as f:
    f.write("py %s %s %s\n" % (helper.NAME, os.path.basename(__file__),
                               os.environ["HOOKLINE_DELIVERY"]))
PY
chmod 0755 "$H/sibling.d/20-py"
chmod 0644 "$H/sibling.d/lib.sh" "$H/sibling.d/helper.py"
chmod go-w "$H/sibling.d"

id=$(new_id)
post_generic generic sibling "$id"
expect_status 200
expect_json .status success
expect_json '[.hooks[].hook] | join(",")' 'sibling.d/10-sh,sibling.d/20-py'
expect_lines "$O/sibling.log" "$id" "sh 10-sh $id
py helper 20-py $id"
[ "$(cat "$O/zero.$id" 2>/dev/null)" = "$H/sibling.d/10-sh" ] ||
    fail "\$0 was '$(cat "$O/zero.$id" 2>/dev/null)', want $H/sibling.d/10-sh"
expect_log "$id" 200
