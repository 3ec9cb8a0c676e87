#!/usr/bin/env bash
# t_privileges.sh - privilege dropping of live captures, started as root:
# without -Z mailscope becomes "nobody" once lo is open, and an
# --extract-dir it creates is handed to nobody, so messages are still
# written; -Z root keeps root; an unknown -Z user and an output directory
# nobody cannot write are clear errors (exit 2) before any packet is read.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" != 0 ]; then
  echo "privilege dropping needs root: skipped"
  exit 77
fi
port=$((20000 + RANDOM % 20000))
tmp=$(mktemp -d)
chmod 755 "$tmp"
ms="" srv=""
trap 'kill $ms $srv 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "$*"; cat "$tmp"/*.err 2>/dev/null; exit 1; }
live=(-J -i lo -f "tcp port $port" --port smtp=$port)
uid_of() { awk '/^Uid:/ {print $3}' /proc/$1/status; }

# 1. Default: nobody, and a new extraction directory that nobody owns.
"$bin" "${live[@]}" --extract-dir "$tmp/eml" >"$tmp/out.json" 2>"$tmp/default.err" &
ms=$!
sleep 1.5
kill -0 $ms 2>/dev/null || fail "mailscope did not start"
[ "$(uid_of $ms)" = "$(id -u nobody)" ] || fail "default: runs as uid $(uid_of $ms), not nobody"
[ "$(stat -c %U "$tmp/eml")" = nobody ] || fail "extract dir owned by $(stat -c %U "$tmp/eml")"
"$py" tests/live/smtp_peers.py server $port 2 >/dev/null 2>&1 &
srv=$!
sleep 0.3
"$py" tests/live/smtp_peers.py client $port 2 || fail "client failed"
wait $srv
srv=""
sleep 0.5
kill -INT $ms
wait $ms || fail "default run: exit status $?"
ms=""
[ "$(ls "$tmp/eml" | grep -c '\.eml$')" = 2 ] || fail "expected 2 .eml files, got: $(ls "$tmp/eml")"
[ -z "$(find "$tmp/eml" -type f ! -user nobody)" ] || fail "extracted files not owned by nobody"

# 2. -Z root: told to keep root.
"$bin" "${live[@]}" -Z root >/dev/null 2>"$tmp/root.err" &
ms=$!
sleep 1.5
kill -0 $ms 2>/dev/null || fail "-Z root: did not start"
[ "$(uid_of $ms)" = 0 ] || fail "-Z root: runs as uid $(uid_of $ms)"
kill -INT $ms
wait $ms || fail "-Z root: exit status $?"
ms=""

# 3. An unknown user: exit 2, one clear line.
timeout 10 "$bin" "${live[@]}" -Z no-such-user-here >/dev/null 2>"$tmp/nouser.err"
rc=$?
[ $rc = 2 ] || fail "-Z unknown user: exit $rc"
grep -q '^mailscope: -Z no-such-user-here: no such user' "$tmp/nouser.err" || fail "unknown user message"

# 4. An existing directory nobody cannot write: refused after the drop.
mkdir -m 755 "$tmp/rootonly"
timeout 10 "$bin" "${live[@]}" --extract-dir "$tmp/rootonly" >/dev/null 2>"$tmp/perm.err"
rc=$?
[ $rc = 2 ] || fail "unwritable extract dir: exit $rc"
grep -q "rootonly: not writable by user nobody" "$tmp/perm.err" || fail "unwritable dir message"
rm -f "$tmp"/*.err
echo "privileges: nobody by default, -Z root kept, unknown user and unwritable dir refused"
