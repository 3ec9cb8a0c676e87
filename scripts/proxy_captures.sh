# proxy_captures.sh - sourced by scripts/make_pcaps.sh (through
# scripts/make_proxy_pcaps.sh, in a network namespace of its own) while
# postfix and dovecot run; uses its start_capture, stop_capture, want,
# empty_mailbox, wait_delivered, user, pass and to.
#
# smtp-socks, pop3-socks: curl through microsocks (SOCKS5, without and with
# an RFC 1929 user name and password), Dante (SOCKS4) and a small Python
# SOCKS4a proxy (Dante 1.4 does not take 4a); the capture holds the
# client-proxy leg only.
# smtp-mime-clients: Python's smtplib sends what mail clients read
# differently from strict parsers (a close delimiter with text after it,
# encoded words GMime 3.2 loses, raw 8-bit header text, 230 Received
# hops, 1,200 recipients in To, a zero-padded address literal); poplib
# reads them back from dovecot.

socks_pass=socks-pass-7 # the SOCKS password: outputs must redact it
proxy_pids=""
start_proxies() {
  microsocks -i 127.0.0.1 -p 1080 >/dev/null 2>&1 &
  proxy_pids="$proxy_pids $!"
  microsocks -i 127.0.0.1 -p 1082 -u "$user" -P "$socks_pass" >/dev/null 2>&1 &
  proxy_pids="$proxy_pids $!"
  cat >/tmp/mailscope-danted.conf <<EOF
logoutput: /tmp/mailscope-danted.log
internal: 127.0.0.1 port = 1081
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }
EOF
  danted -f /tmp/mailscope-danted.conf -p /tmp/mailscope-danted.pid >/dev/null 2>&1 &
  proxy_pids="$proxy_pids $!"
  # SOCKS4a (Dante 1.4 does not take it): a small one of our own
  cat >/tmp/mailscope-socks4a.py <<'EOF'
import socket, struct, sys, threading

def relay(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def field(c):
    out = b""
    while True:
        ch = c.recv(1)
        if ch in (b"", b"\0"):
            return out
        out += ch

def handle(c):
    head = b""
    while len(head) < 8:
        more = c.recv(8 - len(head))
        if not more:
            return c.close()
        head += more
    _, cmd, port = struct.unpack("!BBH", head[:4])
    field(c)  # the user id
    ip = head[4:8]
    host = field(c).decode() if ip[:3] == b"\0\0\0" and ip[3] else socket.inet_ntoa(ip)
    try:
        s = socket.create_connection((host, port))
    except OSError:
        c.sendall(b"\0\x5b" + bytes(6))
        return c.close()
    c.sendall(b"\0\x5a" + struct.pack("!H", port) + socket.inet_aton("127.0.0.1"))
    t = threading.Thread(target=relay, args=(s, c))
    t.start()
    relay(c, s)
    t.join()
    s.close()
    c.close()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
EOF
  /usr/bin/python3 /tmp/mailscope-socks4a.py 1083 >/dev/null 2>&1 &
  proxy_pids="$proxy_pids $!"
  sleep 1
}
stop_proxies() {
  for p in $proxy_pids; do kill "$p" 2>/dev/null || true; done
  proxy_pids=""
}

printf 'From: <socks@example.test>\r\nTo: <%s>\r\nSubject: through a SOCKS proxy\r\n\r\nhello\r\n' "$to" \
  >/tmp/mailscope-socks.eml
socks_mail() { # curl proxy options..., then the URL
  curl -s --max-time 20 "$@" --mail-from socks@example.test --mail-rcpt "$to" \
    --upload-file /tmp/mailscope-socks.eml >/dev/null 2>&1 || true
}

if want smtp-socks || want pop3-socks; then
  start_proxies
fi

if want smtp-socks; then
  start_capture smtp-socks.pcap lo "tcp portrange 1080-1083"
  # SOCKS5, no authentication, the proxy resolves the name (ATYP 3)
  socks_mail --proxy socks5h://127.0.0.1:1080 smtp://localhost:25
  # SOCKS5, the client gives the address (ATYP 1)
  socks_mail --proxy socks5://127.0.0.1:1080 smtp://127.0.0.1:25
  # SOCKS5 with RFC 1929 user name and password
  socks_mail --proxy "socks5h://$user:$socks_pass@127.0.0.1:1082" smtp://localhost:25
  # a wrong SOCKS password: the proxy refuses, no mail session
  socks_mail --proxy "socks5h://$user:wrong@127.0.0.1:1082" smtp://localhost:25
  # SOCKS4 (an address and a user id) and SOCKS4a (a name)
  socks_mail --proxy "socks4://$user@127.0.0.1:1081" smtp://127.0.0.1:25
  socks_mail --proxy socks4a://127.0.0.1:1083 smtp://localhost:25
  stop_capture
fi

if want pop3-socks; then
  empty_mailbox
  /usr/bin/python3 - "$to" <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", 25)
for i in (1, 2):
    s.sendmail("pop-socks@example.test", [sys.argv[1]],
               "Subject: for POP3 through SOCKS %d\r\n\r\nbody %d\r\n" % (i, i))
s.quit()
EOF
  wait_delivered 2
  start_capture pop3-socks.pcap lo "tcp portrange 1080-1083"
  # RETR 1 through SOCKS5 with a user name and password, then LIST
  # through SOCKS4a
  curl -s --max-time 20 --proxy "socks5h://$user:$socks_pass@127.0.0.1:1082" \
    -u "$user:$pass" pop3://localhost:110/1 >/dev/null 2>&1 || true
  curl -s --max-time 20 --proxy socks4a://127.0.0.1:1083 -u "$user:$pass" \
    pop3://localhost:110/ >/dev/null 2>&1 || true
  stop_capture
fi

if want smtp-socks || want pop3-socks; then
  stop_proxies
fi

if want smtp-mime-clients; then
  empty_mailbox
  # postfix refuses more than 50 Received headers ("too many hops")
  postconf -e hopcount_limit=500
  postfix reload >/dev/null 2>&1
  sleep 1
  start_capture smtp-mime-clients.pcap lo "tcp port 25 or tcp port 110"
  /usr/bin/python3 - "$to" "$user" "$pass" <<'EOF'
import poplib, smtplib, sys, time
to, user, password = sys.argv[1:4]
close_with_text = (
    "From: <mime@example.test>\r\nTo: <%s>\r\n"
    "Subject: a close delimiter with text after it\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: text/plain\r\n\r\nsee the attachment\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=\"report.bin\"\r\n"
    "Content-Disposition: attachment; filename=\"report.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
    "--b1--junk after the close delimiter\r\n"
    "ZXZpbA==\r\nan epilogue a strict parser takes for more of the part\r\n" % to)
words = (
    "From: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= <words@example.test>\r\n"
    "To: =?utf-8?Q?J=C3=BCrgen?= <%s>\r\n"
    "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= -\r\n"
    " =?utf-8?Q?pasi=C5=BEad=C4?=\r\n =?utf-8?Q?=97jim=C5=B3?=\r\n"
    " =?iso-8859-1?Q?=80uro?= =?utf-8?B??=\r\n"
    "X-Mailer: Caf\xe9 Mail\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "\r\nencoded words split across pieces\r\n" % to).encode("latin-1")
hops = "".join(
    "Received: from h%d.example.test ([10.0.%d.%d]) by h%d.example.test;"
    " Sat, 1 Nov 2025 10:00:00 +0000\r\n" % (i + 1, (i + 1) // 256,
                                              (i + 1) % 256, i)
    for i in range(1, 231))
hops += ("Received: from origin.example.test ([10.000.000.002]) by "
         "h231.example.test; Sat, 1 Nov 2025 09:59:00 +0000\r\n")
many = ",\r\n ".join("\"R %d\" <r%d@example.test>" % (i, i)
                     for i in range(1200))
lists = (hops + "From: <lists@example.test>\r\nTo: %s\r\n"
         "Subject: 231 hops and 1200 recipients\r\n\r\nlong lists\r\n" % many)
s = smtplib.SMTP("127.0.0.1", 25)
s.ehlo("mime.example.test")
s.sendmail("mime@example.test", [to], close_with_text)
s.sendmail("words@example.test", [to], words)
s.sendmail("lists@example.test", [to], lists)
s.quit()
time.sleep(3)
p = poplib.POP3("127.0.0.1", 110)
p.user(user)
p.pass_(password)
count, _ = p.stat()
for i in range(1, count + 1):
    p.retr(i)
p.quit()
EOF
  stop_capture
  postconf -X hopcount_limit
  postfix reload >/dev/null 2>&1
fi
