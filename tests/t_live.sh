#!/usr/bin/env bash
# t_live.sh - live capture: mailscope -i lo -Z nobody while a small SMTP
# exchange runs on 127.0.0.1 (a throw-away Python server and client, bounded
# in time), then SIGINT while a second session is still open: the finished
# session (end "fin") and the open one (flushed, end "eof") must both be
# printed, exit status 0.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" != 0 ]; then
  echo "live capture on lo needs root (CAP_NET_RAW): skipped"
  exit 77
fi
port=$((20000 + RANDOM % 20000))
tmp=$(mktemp -d)
ms_pid="" srv_pid=""
cli_pid=""
trap 'kill $ms_pid $srv_pid $cli_pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$bin" -J -i lo -Z nobody -f "tcp port $port" --port smtp=$port >"$tmp/out" 2>"$tmp/err" &
ms_pid=$!
sleep 1.5
if ! kill -0 $ms_pid 2>/dev/null; then
  cat "$tmp/err"
  grep -q -- '-Z' "$tmp/err" && { echo "privileges could not be dropped"; exit 1; }
  echo "mailscope could not open lo: skipped"
  exit 77
fi
uid=$(awk '/^Uid:/ {print $2}' /proc/$ms_pid/status)
[ "$uid" = "$(id -u nobody)" ] || { echo "still running as uid $uid after -Z nobody"; exit 1; }
cat >"$tmp/server.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.settimeout(10)
f = c.makefile("rb")
c.sendall(b"220 live.example ESMTP\r\n")
for reply in (b"250 live.example\r\n", b"250 2.1.0 ok\r\n"):
    f.readline()
    c.sendall(reply)
f.readline()
c.sendall(b"221 bye\r\n")
c.close()
# A second session, left open until the client goes away.
c, _ = s.accept()
c.settimeout(10)
f = c.makefile("rb")
c.sendall(b"220 live.example ESMTP\r\n")
f.readline()
c.sendall(b"250 live.example\r\n")
f.read()
c.close()
EOF
cat >"$tmp/client.py" <<'EOF'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = c.makefile("rb")
f.readline()
for cmd in (b"EHLO live-client\r\n", b"MAIL FROM:<a@live.example>\r\n", b"QUIT\r\n"):
    c.sendall(cmd)
    f.readline()
c.close()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = c.makefile("rb")
f.readline()
c.sendall(b"EHLO held-open\r\n")
f.readline()
open(sys.argv[2], "w").close()  # tell the test the session is up
time.sleep(3)
c.close()
EOF
"$py" "$tmp/server.py" "$port" >"$tmp/server.log" 2>&1 &
srv_pid=$!
sleep 0.5
"$py" "$tmp/client.py" "$port" "$tmp/up" &
cli_pid=$!
for _ in $(seq 50); do [ -e "$tmp/up" ] && break; sleep 0.1; done
sleep 0.5
kill -INT $ms_pid
wait $ms_pid
rc=$?
ms_pid=""
wait $cli_pid $srv_pid
if [ $rc != 0 ]; then
  echo "mailscope exited $rc after SIGINT"; cat "$tmp/err"; exit 1
fi
grep -q '"helo":"live-client"' "$tmp/out" || { echo "session not printed:"; cat "$tmp/out" "$tmp/err"; exit 1; }
grep -q '"verb":"QUIT"' "$tmp/out" || { echo "QUIT missing"; cat "$tmp/out"; exit 1; }
grep '"helo":"live-client"' "$tmp/out" | grep -q '"end":"fin"' || { echo "first session did not end by FIN"; cat "$tmp/out"; exit 1; }
grep '"helo":"held-open"' "$tmp/out" | grep -q '"end":"eof"' || { echo "open session not flushed at SIGINT:"; cat "$tmp/out" "$tmp/err"; exit 1; }
echo "live capture: finished and open sessions seen, privileges dropped"
