#!/usr/bin/env bash
# make_pcaps.sh - capture real SMTP and POP3 sessions on loopback.
#
# Installs and configures postfix (SMTP server, SASL through dovecot,
# STARTTLS with a throw-away self-signed certificate) and dovecot (POP3
# server) to listen on 127.0.0.1 and ::1 only, then drives them with swaks,
# curl, Python's smtplib/poplib, msmtp, mpop and fetchmail while tcpdump
# records.  Everything stays
# on this machine: postfix delivers only to the local test user and relays
# nothing.  Run as root on a Debian machine you can reconfigure; re-runnable.
#
#   scripts/make_pcaps.sh [OUTDIR [NAME...]]   (default: pcaps/real, all)
#
# With NAMEs (file names without .pcap) only those captures are made again;
# the POP3 captures read what the SMTP ones delivered, so pop3-full and
# pop3-curl want the SMTP captures 1-7 made in the same run.
#
# The captures are committed so that tests need no servers; pcaps/README.md
# describes each one.
set -euo pipefail
# shellcheck source=scripts/peers_setup.sh
. "$(dirname "$0")/peers_setup.sh"
# --install-only: install the packages below and stop (make_proxy_pcaps.sh
# does so before it runs this script in a namespace without a network)
install_only=0
[ "${1:-}" = --install-only ] && { install_only=1; shift; }
out=${1:-pcaps/real}
[ $# -gt 0 ] && shift
only=" $* "
want() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
user=mstest
pass=mstest-pass
[ "$(id -u)" = 0 ] || { echo "make_pcaps.sh: run as root" >&2; exit 1; }

peers_install postfix dovecot-pop3d swaks curl tcpdump openssl python3 python3-aiosmtpd \
  mailutils-pop3d msmtp mpop fetchmail
[ "$install_only" = 0 ] || exit 0

# --- the test user ----------------------------------------------------------
peers_user

# --- certificates -----------------------------------------------------------
tls=/etc/mailscope-test
mkdir -p "$tls"
[ -f "$tls/key.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
  -subj "/CN=mail.example.test" -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null

# --- dovecot: POP3 and SASL for postfix -------------------------------------
peers_dovecot_default_cert "$tls/cert.pem" "$tls/key.pem"
peers_dovecot "127.0.0.1, ::1" "plain login cram-md5 apop" "$tls/cert.pem" "$tls/key.pem" <<EOF
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
EOF

# --- postfix: loopback only, local delivery only ----------------------------
peers_postfix all "127.0.0.0/8 [::1]/128" "$tls/cert.pem" "$tls/key.pem" \
  "smtpd_recipient_restrictions = check_recipient_access inline:{rejected.example.test=REJECT}, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
  "smtputf8_enable = yes"
# 2525: the same smtpd with a 4 KB message size limit (SIZE tests); what
# it accepts is discarded, so that postfix's own SMTP client can deliver
# relay.example.test there (transport relaysmtp, no TLS, connections cached)
# and nothing leaves; rejected.example.test goes there too, to be refused.
# 587: postscreen in front of smtpd, loopback not exempt, so that a client
# talking before the greeting meets the pregreet test.
postconf -M "2525/inet=2525 inet n - y - - smtpd -o message_size_limit=4096 -o content_filter=discard:"
# 2526: an smtpd strict with misbehaving clients (3 s idle timeout, three
# errors, reject_unauth_pipelining), found by mailscope from its greeting.
postconf -M "2526/inet=2526 inet n - y - - smtpd -o smtpd_timeout=3s -o smtpd_hard_error_limit=3 -o smtpd_soft_error_limit=2 -o smtpd_error_sleep_time=0 -o smtpd_data_restrictions=reject_unauth_pipelining"
postconf -M "relaysmtp/unix=relaysmtp unix - - y - - smtp -o smtp_tls_security_level=none -o smtp_connection_cache_destinations=127.0.0.1"
postconf -e "transport_maps = inline:{relay.example.test=relaysmtp:[127.0.0.1]:2525, rejected.example.test=relaysmtp:[127.0.0.1]:2525}"
# 465: a plaintext smtpd (no wrapper mode) for the "bytes decide, not the
# port" capture (issue 14)
postconf -M "465/inet=465 inet n - y - - smtpd"
postconf -M "587/inet=587 inet n - y - 1 postscreen -o postscreen_access_list= -o postscreen_greet_action=enforce -o postscreen_greet_wait=3s"
postconf -M "smtpd/pass=smtpd pass - - y - - smtpd"
postconf -M "dnsblog/unix=dnsblog unix - - y - 0 dnsblog"
postconf -M "tlsproxy/unix=tlsproxy unix - - y - 0 tlsproxy"

cap_pid=""
extra_pid="" # aiosmtpd or GNU pop3d, while their capture runs
stop_servers() {
  [ -z "$extra_pid" ] || kill "$extra_pid" 2>/dev/null || true
  # a capture left running by a failed client would go on writing its file
  [ -z "$cap_pid" ] || { sleep 1; kill "$cap_pid" 2>/dev/null; } || true
  peers_stop
}
trap stop_servers EXIT
stop_servers
# postscreen remembers a client that passed (a day): forget it, so that the
# pregreet capture sees the test every time
rm -f "$(postconf -h data_directory)/postscreen_cache.db"
peers_start

start_capture() { # file, interface, filter
  tcpdump -i "$2" -U -s 0 -w "$out/$1" "$3" >/dev/null 2>&1 &
  cap_pid=$!
  sleep 1
}
stop_capture() { peers_stop_capture; }
to="$user@mail.example.test"

if want smtp-plain; then
# 1. plain SMTP, one message with a dot-stuffed line
start_capture smtp-plain.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 --to "$to" --from alice@example.test \
  --header "Subject: plain SMTP" --body $'first line\n.a line starting with a dot\n..two dots\nlast line'
stop_capture
fi

if want smtp-pipelining-auth-plain-attachment; then
# 2. EHLO with PIPELINING and a pipelined group, AUTH PLAIN, an attachment
printf 'attachment payload %.0s\n' $(seq 1 50) >/tmp/mailscope-attach.txt
start_capture smtp-pipelining-auth-plain-attachment.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 --pipeline -a PLAIN -au "$user" -ap "$pass" --to "$to" \
  --from alice@example.test --header "Subject: with attachment" \
  --attach @/tmp/mailscope-attach.txt
stop_capture
fi

if want smtp-auth-login-crammd5-failed; then
# 3. AUTH LOGIN and CRAM-MD5, and a failed AUTH
start_capture smtp-auth-login-crammd5-failed.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 -a LOGIN -au "$user" -ap "$pass" --to "$to" --from bob@example.test
swaks_q -s 127.0.0.1 -a CRAM-MD5 -au "$user" -ap "$pass" --to "$to" --from carol@example.test
swaks_q -s 127.0.0.1 -a PLAIN -au "$user" -ap wrong-password --to "$to" --from mallory@example.test
stop_capture
fi

if want smtp-multi-rset; then
# 4. several messages in one session with RSET, a rejected recipient
start_capture smtp-multi-rset.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import smtplib, sys
to = sys.argv[1]
s = smtplib.SMTP("127.0.0.1", 25)
s.ehlo("client.example.test")
s.sendmail("a@example.test", [to], "Subject: first\r\n\r\nbody one\r\n")
s.rset()
s.mail("b@example.test"); s.rcpt(to); s.rset()
try:
    s.sendmail("c@example.test", [to, "nobody@elsewhere.example"],
               "Subject: second\r\nTo: %s\r\n\r\nbody two\r\n" % to)
except smtplib.SMTPRecipientsRefused:
    pass
s.quit()
EOF
stop_capture
fi

if want smtp-starttls; then
# 5. STARTTLS
start_capture smtp-starttls.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 -tls --to "$to" --from tls@example.test
stop_capture
fi

if want smtp-ipv6-curl; then
# 6. IPv6, curl as the client
printf 'From: curl <curl@example.test>\r\nTo: %s\r\nSubject: over IPv6\r\n\r\nhello\r\n' "$to" >/tmp/mailscope-curl.eml
start_capture smtp-ipv6-curl.pcap lo "tcp port 25"
curl -s --url "smtp://[::1]:25" --mail-from curl@example.test --mail-rcpt "$to" \
  --upload-file /tmp/mailscope-curl.eml >/dev/null || true
stop_capture
fi

if want smtp-sll2-any; then
# 7. tcpdump -i any (Linux cooked v2, SLL2)
start_capture smtp-sll2-any.pcap any "tcp port 25"
swaks_q -s 127.0.0.1 --to "$to" --from any@example.test --header "Subject: any"
stop_capture
fi

sleep 2 # let postfix deliver before reading the mailbox

if want pop3-full; then
# 8. POP3: CAPA, a bad password, USER/PASS, STAT, LIST, UIDL, RETR, TOP,
#    DELE, RSET, DELE, QUIT; then APOP
start_capture pop3-full.pcap lo "tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import poplib, sys
user, pw = sys.argv[1], sys.argv[2]
p = poplib.POP3("127.0.0.1", 110)
p.capa()
p.user(user)
try:
    p.pass_("wrong-password")
except poplib.error_proto:
    pass
p.quit()
p = poplib.POP3("127.0.0.1", 110)
p.user(user); p.pass_(pw)
count, size = p.stat()
p.list(); p.uidl()
if count:
    p.retr(1); p.top(1, 0); p.list(1); p.uidl(1)
    p.dele(1); p.rset(); p.dele(count)
p.quit()
p = poplib.POP3("::1", 110)
try:
    p.apop(user, pw)
    p.stat()
except poplib.error_proto:
    pass
p.quit()
EOF
stop_capture
fi

if want pop3-curl; then
# 9. curl as a POP3 client
start_capture pop3-curl.pcap lo "tcp port 110"
curl -s --url "pop3://127.0.0.1/1" -u "$user:$pass" >/dev/null || true
stop_capture
fi

# --- raw-socket clients for what swaks, curl and smtplib do not send ------
# chat.send(bytes) writes at once (one segment: a pipelined group);
# chat.smtp(n) / chat.pop(n, multi) read n complete replies.
cat >/tmp/mailscope_chat.py <<'EOF'
import socket, time
class Chat:
    def __init__(self, host, port, greet=True):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect((host, port))
        self.buf = b""
        if greet: # the whole greeting (a 220- line and its 220 line)
            while self.line()[3:4] == b"-":
                pass
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)
    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def smtp(self, n=1):
        """read n SMTP replies; return the last code"""
        code = None
        for _ in range(n):
            while True:
                l = self.line()
                if len(l) < 4 or l[3:4] != b"-":
                    break
            code = int(l[:3])
        return code
    def cmd(self, text, n=1):
        self.send(text + "\r\n")
        return self.smtp(n)
    def pop(self, multi=False):
        l = self.line()
        if multi and l.startswith(b"+OK"):
            while self.line() != b".":
                pass
        return l
    def close(self):
        self.s.close()
EOF
export PYTHONPATH=/tmp
empty_mailbox() {
  sleep 2
  postsuper -d ALL >/dev/null 2>&1 || true
  rm -rf "/home/$user/Maildir"
}
wait_delivered() { # count
  for _ in $(seq 1 30); do
    n=$(find "/home/$user/Maildir/new" -type f 2>/dev/null | wc -l)
    [ "$n" -ge "$1" ] && return 0
    sleep 1
  done
  echo "make_pcaps.sh: only $n of $1 messages delivered" >&2
}

if want smtp-chunking; then
# 10. CHUNKING (RFC 3030): a message in three BDAT chunks, a pipelined
#     MAIL/RCPT/BDAT LAST group, chunks ended by BDAT 0 LAST, a binary
#     8BITMIME body (NUL, bare CR and LF, CRLF.CRLF inside a chunk), a
#     refused BODY=BINARYMIME, chunk and QUIT pipelined
start_capture smtp-chunking.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO chunker.example.test")
c.cmd("MAIL FROM:<chunks@example.test>")
c.cmd("RCPT TO:<%s>" % to)
msg = ("From: <chunks@example.test>\r\nTo: <%s>\r\nSubject: three chunks\r\n"
       "Message-ID: <chunk-1@example.test>\r\n\r\n" % to).encode()
msg += b"".join(b"line %03d of a chunked message\r\n" % i for i in range(1, 31))
a, b = msg[:300], msg[300:700]
d = msg[700:]
c.send(b"BDAT %d\r\n" % len(a) + a); c.smtp()
c.send(b"BDAT %d\r\n" % len(b) + b); c.smtp()
c.send(b"BDAT %d LAST\r\n" % len(d) + d); c.smtp()
# pipelined: MAIL, RCPT, BDAT LAST in one write
msg2 = ("From: <pipe@example.test>\r\nTo: <%s>\r\nSubject: pipelined BDAT\r\n"
        "\r\none chunk, sent with its envelope\r\n" % to).encode()
c.send(("MAIL FROM:<pipe@example.test>\r\nRCPT TO:<%s>\r\n" % to).encode()
       + b"BDAT %d LAST\r\n" % len(msg2) + msg2)
c.smtp(3)
# two chunks, then BDAT 0 LAST; the second chunk and BDAT 0 LAST pipelined
c.cmd("MAIL FROM:<zero@example.test>")
c.cmd("RCPT TO:<%s>" % to)
msg3 = ("From: <zero@example.test>\r\nTo: <%s>\r\nSubject: ended by BDAT 0 LAST\r\n"
        "\r\n" % to).encode()
body3 = b"the last chunk is empty\r\n"
c.send(b"BDAT %d\r\n" % len(msg3) + msg3); c.smtp()
c.send(b"BDAT %d\r\n" % len(body3) + body3 + b"BDAT 0 LAST\r\n"); c.smtp(2)
# BINARYMIME is not advertised: postfix's answer
c.cmd("MAIL FROM:<bin@example.test> BODY=BINARYMIME")
c.cmd("RSET")
# 8-bit body with binary bytes; a chunk holding CRLF.CRLF
c.cmd("MAIL FROM:<bin@example.test> BODY=8BITMIME")
c.cmd("RCPT TO:<%s>" % to)
msg4 = ("From: <bin@example.test>\r\nTo: <%s>\r\nSubject: binary chunk\r\n"
        "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" % to).encode()
msg4 += b"caf\xc3\xa9 \xff\xfe NUL:\x00 bare CR:\r bare LF:\n end\r\n.\r\nafter a dot line\r\n"
msg4 += bytes(range(128, 256)) + b"\r\n"
half = len(msg4) // 2
c.send(b"BDAT %d\r\n" % half + msg4[:half]); c.smtp()
c.send(b"BDAT %d LAST\r\n" % (len(msg4) - half) + msg4[half:] + b"QUIT\r\n")
c.smtp(2)
c.close()
EOF
stop_capture
fi

if want smtp-chunking-refused; then
# 10b. BDAT refused: after every recipient was refused (postfix skips the
#     chunk and answers BDAT 0 LAST "551 Discarded"), then a good chunked
#     message; in sessions of their own a size that is not a number, a word
#     after the size, BDAT without MAIL (postfix answers 521 and closes)
start_capture smtp-chunking-refused.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO chunker.example.test")
c.cmd("MAIL FROM:<r@example.test>")
c.cmd("RCPT TO:<x@rejected.example.test>")
chunk = b"Subject: refused\r\n\r\nx\r\n"
c.send(b"BDAT %d\r\n" % len(chunk) + chunk + b"BDAT 0 LAST\r\n"); c.smtp(2)
c.cmd("RSET")
c.cmd("MAIL FROM:<r@example.test>")
c.cmd("RCPT TO:<%s>" % to)
msg = b"Subject: after the refusal\r\n\r\nok\r\n"
c.send(b"BDAT %d LAST\r\n" % len(msg) + msg); c.smtp()
c.cmd("QUIT")
c.close()
# postfix cannot find the end of a chunk it cannot size: 521 and it closes
for first in (b"BDAT abc\r\n", b"BDAT 10 NOTLAST\r\n", b"BDAT 12\r\nhello world\n"):
    c = Chat("127.0.0.1", 25)
    c.cmd("EHLO chunker.example.test")
    if not first.startswith(b"BDAT 12"): # the last one: BDAT without MAIL
        c.cmd("MAIL FROM:<r@example.test>")
        c.cmd("RCPT TO:<%s>" % to)
    try:
        c.send(first); c.smtp()
        c.cmd("QUIT")
    except (EOFError, OSError):
        pass
    c.close()
EOF
stop_capture
fi

if want smtp-smtputf8-8bitmime; then
# 11. SMTPUTF8 (RFC 6531) and 8BITMIME: a UTF-8 sender, display name and
#     subject, an unknown UTF-8 recipient refused, a UTF-8 address without
#     SMTPUTF8 refused, an 8-bit body, an RFC 2047 subject beside it
start_capture smtp-smtputf8-8bitmime.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO utf8.example.test")
c.send("MAIL FROM:<jörg@bücher.example.test>\r\n".encode()); c.smtp()
c.cmd("RSET")
c.send("MAIL FROM:<jörg@bücher.example.test> SMTPUTF8 BODY=8BITMIME\r\n".encode()); c.smtp()
c.send("RCPT TO:<ünbekannt@mail.example.test>\r\n".encode()); c.smtp()
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
msg = ("From: Jörg Müller <jörg@bücher.example.test>\r\n"
       "To: Ström <%s>\r\nSubject: Grüße aus Köln – ☕\r\n"
       "Message-ID: <utf8-1@bücher.example.test>\r\nMIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n"
       "Schöne Grüße, 東京から.\r\n" % to)
c.send(msg.encode() + b".\r\n"); c.smtp()
c.cmd("MAIL FROM:<plain@example.test> BODY=8BITMIME")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
msg = ("From: =?UTF-8?Q?Ren=C3=A9e?= <plain@example.test>\r\nTo: <%s>\r\n"
       "Subject: =?UTF-8?B?w4lsw6hndWU=?= and =?ISO-8859-1?Q?caf=E9?=\r\n"
       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n" % to).encode()
c.send(msg + b"caf\xe9 cr\xe8me\r\n.\r\n"); c.smtp()
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-size-limit; then
# 12. SIZE (RFC 1870) on port 2525 (message_size_limit = 4096): SIZE= over
#     the limit refused at MAIL, a message over the limit refused at the
#     end of the data (552), one under it accepted
start_capture smtp-size-limit.pcap lo "tcp port 2525"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 2525)
c.cmd("EHLO size.example.test")
c.cmd("MAIL FROM:<big@example.test> SIZE=100000")
c.cmd("MAIL FROM:<big@example.test> SIZE=3000")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
body = "".join("filler line %04d ....................................\r\n" % i for i in range(120))
c.send(("From: <big@example.test>\r\nTo: <%s>\r\nSubject: too big\r\n\r\n" % to + body + ".\r\n").encode())
c.smtp()
c.cmd("MAIL FROM:<small@example.test> SIZE=200")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send(("From: <small@example.test>\r\nTo: <%s>\r\nSubject: small\r\n\r\nfits\r\n.\r\n" % to).encode())
c.smtp()
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-misc-commands; then
# 13. VRFY, EXPN, HELP, NOOP, RSET, ETRN, an unknown command, syntax errors
#     (501), commands out of sequence (503), HELO instead of EHLO; then a
#     session that only says QUIT, and one that says nothing at all
start_capture smtp-misc-commands.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys, time
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("HELO")
c.cmd("HELO old.example.test")
c.cmd("VRFY mstest")
c.cmd("VRFY nosuchuser")
c.cmd("EXPN postmaster")
c.cmd("HELP")
c.cmd("NOOP")
c.cmd("ETRN example.test")
c.cmd("XYZZY plugh")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("MAIL FROM<nocolon@example.test>")
c.cmd("MAIL FROM:<ok@example.test>")
c.cmd("DATA")
c.cmd("RSET")
c.cmd("QUIT")
c.close()
c = Chat("127.0.0.1", 25)
c.cmd("QUIT")
c.close()
c = Chat("127.0.0.1", 25)
c.close()
EOF
stop_capture
fi

if want smtp-postscreen-pregreet; then
# 14. postscreen on port 587: a client that talks before the greeting
#     (pregreet, as spam bots do), one that talks after the first line of
#     postscreen's "220-" greeting but before its last line (pregreet too),
#     and one that waits for the whole greeting (handed on to smtpd)
start_capture smtp-postscreen-pregreet.pcap lo "tcp port 587"
/usr/bin/python3 - "$to" <<'EOF'
import sys, time
from mailscope_chat import Chat
to = sys.argv[1]
for first_line in (False, True):
    c = Chat("127.0.0.1", 587, greet=False)
    if first_line:
        c.line()
    c.send("EHLO bot.example.test\r\n")
    c.smtp()
    c.cmd("MAIL FROM:<bot@example.test>")
    c.cmd("RCPT TO:<%s>" % to)
    c.cmd("QUIT")
    c.close()
c = Chat("127.0.0.1", 587)
c.cmd("EHLO polite.example.test")
c.cmd("MAIL FROM:<polite@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-pipelined-rejects; then
# 15. pipelined groups with refused recipients (a refused domain, an
#     unknown user), DATA with no valid recipient, RSET between, three
#     messages in one session, the final dot and QUIT in one write
start_capture smtp-pipelined-rejects.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO pipeliner.example.test")
c.send("MAIL FROM:<p1@example.test>\r\nRCPT TO:<%s>\r\n"
       "RCPT TO:<someone@rejected.example.test>\r\nRCPT TO:<nobody@mail.example.test>\r\n"
       "DATA\r\n" % to)
c.smtp(5)
c.send("From: <p1@example.test>\r\nTo: <%s>, <someone@rejected.example.test>\r\n"
       "Subject: first of three\r\n\r\none accepted recipient of three\r\n.\r\n" % to)
c.smtp()
c.cmd("RSET")
c.send("MAIL FROM:<p2@example.test>\r\nRCPT TO:<a@rejected.example.test>\r\n"
       "RCPT TO:<b@rejected.example.test>\r\nDATA\r\n")
c.smtp(4)
c.cmd("RSET")
c.send("MAIL FROM:<p3@example.test>\r\nRCPT TO:<%s>\r\nDATA\r\n" % to)
c.smtp(3)
c.send("From: <p3@example.test>\r\nTo: <%s>\r\nSubject: third\r\n\r\nbye\r\n.\r\nQUIT\r\n" % to)
c.smtp(2)
c.close()
EOF
stop_capture
fi

if want smtp-auth-variants; then
# 16. AUTH PLAIN with an initial response and AUTH LOGIN with the user
#     name as initial response (curl --sasl-ir), AUTH PLAIN with an
#     authorization identity (curl --sasl-authzid), a cancelled AUTH LOGIN
#     (*), AUTH PLAIN with the empty initial response "=", a failed AUTH
#     PLAIN then a successful one in the same session
printf 'From: curl <curl@example.test>\r\nTo: %s\r\nSubject: curl AUTH\r\n\r\nhello\r\n' "$to" >/tmp/mailscope-curl.eml
start_capture smtp-auth-variants.pcap lo "tcp port 25"
for m in PLAIN LOGIN; do
  curl -s --sasl-ir --login-options "AUTH=$m" -u "$user:$pass" --url smtp://127.0.0.1:25 \
    --mail-from curl@example.test --mail-rcpt "$to" --upload-file /tmp/mailscope-curl.eml >/dev/null || true
done
curl -s --sasl-ir --sasl-authzid "$user" --login-options AUTH=PLAIN -u "$user:$pass" \
  --url smtp://127.0.0.1:25 --mail-from curl@example.test --mail-rcpt "$to" \
  --upload-file /tmp/mailscope-curl.eml >/dev/null || true
/usr/bin/python3 - "$to" "$user" "$pass" <<'EOF'
import sys, base64
from mailscope_chat import Chat
to, user, pw = sys.argv[1:4]
b64 = lambda s: base64.b64encode(s.encode()).decode()
c = Chat("127.0.0.1", 25)
c.cmd("EHLO sasl.example.test")
c.cmd("AUTH LOGIN")
c.cmd("*")
if c.cmd("AUTH PLAIN =") == 334: # RFC 4954: "=" is an empty initial response
    c.cmd("*")
c.cmd("AUTH PLAIN")
c.cmd(b64("\0%s\0%s" % (user, "not-the-password")))
c.cmd("AUTH PLAIN " + b64("\0%s\0%s" % (user, pw)))
c.cmd("MAIL FROM:<sasl@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("Subject: after a failed login\r\n\r\nok\r\n.\r\n"); c.smtp()
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-bot-limits; then
# 24. port 2526 (not a mail port: found by the greeting): a client sending
#     unknown commands until "421 4.7.0 Error: too many errors"; one
#     sending EHLO, MAIL, RCPT and DATA in one segment (pipelining before
#     the EHLO reply: reject_unauth_pipelining); one that goes idle until
#     postfix's unsolicited "421 4.4.2 Error: timeout exceeded"
start_capture smtp-bot-limits.pcap lo "tcp port 2526"
/usr/bin/python3 - "$to" <<'EOF'
import sys, time
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 2526)
c.cmd("EHLO bot.example.test")
try:
    for verb in ("BOGUS1", "BOGUS2", "BOGUS3", "BOGUS4"):
        if c.cmd(verb) == 421:
            break
except (EOFError, OSError):
    pass
c.close()
c = Chat("127.0.0.1", 2526)
c.send("EHLO bot.example.test\r\nMAIL FROM:<bot@example.test>\r\nRCPT TO:<%s>\r\nDATA\r\n" % to)
try:
    c.smtp(4)
    c.cmd("QUIT")
except (EOFError, OSError):
    pass
c.close()
c = Chat("127.0.0.1", 2526)
c.cmd("EHLO idle.example.test")
try:
    c.smtp()
except (EOFError, OSError):
    pass
c.close()
EOF
stop_capture
fi

if want smtp-smuggling-bare-lf; then
# 21. bare LF around the end of data (the SMTP smuggling pattern): postfix
#     3.7 with smtpd_forbid_bare_newline = no takes "<LF>.<LF>" as the end,
#     so the MAIL/RCPT/DATA hidden behind it in the same segment become a
#     second message; then a body ended by "<CR><LF>.<LF>"
start_capture smtp-smuggling-bare-lf.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO smuggler.example.test")
c.cmd("MAIL FROM:<outer@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("From: <outer@example.test>\r\nSubject: outer\r\n\r\nhello\n.\n"
       "MAIL FROM:<smuggled@example.test>\r\nRCPT TO:<%s>\r\nDATA\r\n"
       "From: <smuggled@example.test>\r\nSubject: smuggled\r\n\r\n"
       "smuggled body\r\n.\r\n" % to)
c.smtp(5)
c.cmd("MAIL FROM:<lf@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("From: <lf@example.test>\r\nSubject: dot and bare LF\r\n\r\nbody\r\n.\n")
c.smtp()
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-postfix-client; then
# 22. postfix's own SMTP client as the peer (an MTA, not a user agent):
#     three messages submitted with sendmail(1) for relay.example.test go
#     to the port-2525 smtpd: PIPELINING, SIZE=, NOTIFY= and ORCPT=, a
#     refused recipient, the cached connection reused after RSET
start_capture smtp-postfix-client.pcap lo "tcp port 2525"
for i in 1 2 3; do
  printf 'From: relay%s@example.test\nTo: a@relay.example.test\nSubject: through postfix %s\n\nbody %s\n' "$i" "$i" "$i" |
    sendmail -N success,failure -f "relay$i@example.test" a@relay.example.test b@relay.example.test
  sleep 1
done
printf 'Subject: one refused\n\nbody\n' |
  sendmail -f relay4@example.test c@relay.example.test x@rejected.example.test
sleep 8
stop_capture
fi

if want smtp-mailbox-20 || want pop3-mailbox-20 || want pop3-capa-stls-auth || want pop3-pipelined-top || want pop3-errors; then
# Messages for the POP3 captures: 20 messages with attachments for the
# big mailbox, then the small mailbox for the POP3 command captures.
cat >/tmp/mailscope_msgs.py <<'EOF'
import email.charset, email.message, email.policy, email.utils, hashlib, sys
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
def pdf_like(n, seed):
    h = hashlib.sha256(seed.encode()).digest()
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n"
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return out[:n] + b"\nendstream\n%%EOF\n"
def mailbox(to):
    msgs = []
    for i in range(1, 21):
        frm = "sender%02d@example.test" % i
        kind = i % 5
        if kind == 1:
            m = MIMEMultipart()
            m.attach(MIMEText("Report %d attached.\n" % i))
            m.attach(MIMEApplication(pdf_like(3000 + 97 * i, "pdf%d" % i), "pdf", Name="report-%02d.pdf" % i))
            m.get_payload()[1].add_header("Content-Disposition", "attachment", filename="report-%02d.pdf" % i)
        elif kind == 2:
            m = MIMEMultipart("mixed")
            alt = MIMEMultipart("alternative")
            alt.attach(MIMEText("plain text version %d\n" % i))
            rel = MIMEMultipart("related")
            rel.attach(MIMEText('<html><body><p>html %d</p><img src="cid:logo%d@example.test"></body></html>\n' % (i, i), "html"))
            img = MIMEImage(pdf_like(800 + i, "img%d" % i)[:800 + i], "png")
            img.add_header("Content-ID", "<logo%d@example.test>" % i)
            img.add_header("Content-Disposition", "inline", filename="logo%d.png" % i)
            rel.attach(img)
            alt.attach(rel)
            m.attach(alt)
            m.attach(MIMEApplication(b"PK\x03\x04" + pdf_like(1500, "zip%d" % i), "zip", Name="archive%d.zip" % i))
        elif kind == 3:
            m = MIMEMultipart()
            m.attach(MIMEText("Forwarding the message below.\n"))
            inner = email.message.Message()
            inner["From"] = "Original Sender <orig%d@example.test>" % i
            inner["To"] = to
            inner["Subject"] = "original %d" % i
            inner["Date"] = "Mon, 01 Dec 2025 10:%02d:00 +0000" % i
            inner["Message-ID"] = "<orig-%d@example.test>" % i
            inner.set_payload("The forwarded body %d.\n" % i)
            fwd = MIMEMessage(inner)
            fwd.add_header("Content-Disposition", "attachment", filename="forwarded-%d.eml" % i)
            m.attach(fwd)
        elif kind == 4:
            m = MIMEMultipart()
            m.attach(MIMEText("Tschüß, see the files.\n", "plain", "utf-8"))
            a = MIMEApplication(("Inhalt der Datei %d: Größe\n" % i).encode("utf-8") * 20, "octet-stream")
            a.add_header("Content-Disposition", "attachment", filename=("utf-8", "de", "Übersicht März %d – Quartalsbericht für die Geschäftsführung.txt" % i))
            m.attach(a)
        else:
            qp = email.charset.Charset("utf-8")
            qp.body_encoding = email.charset.QP
            m = MIMEMultipart()
            m.attach(MIMEText("Quoted-printable caf\u00e9 line %d with a long tail %s\n" % (i, "x" * 120), "plain", qp))
            a = MIMEText("name;amount;note\n" + "".join("row %d;%d;na\u00efve = r\u00e9sum\u00e9\n" % (r, r * i) for r in range(30)), "csv", qp)
            a.add_header("Content-Disposition", "attachment", filename="table-%d.csv" % i)
            m.attach(a)
        m["From"] = "Sender %d <%s>" % (i, frm)
        m["To"] = to
        m["Subject"] = "mailbox message %d of 20" % i
        m["Date"] = "Mon, 01 Dec 2025 12:%02d:00 +0000" % i
        m["Message-ID"] = "<mailbox-%d@example.test>" % i
        msgs.append((frm, m.as_bytes(policy=email.policy.SMTP)))
    return msgs
EOF
fi

if want smtp-mailbox-20 || want pop3-mailbox-20; then
# 17. the 20 messages sent over one SMTP session (smtplib, PIPELINING not
#     used), then 18. retrieved over POP3: LIST, UIDL, RETR of each, a TOP
#     that ends inside a multipart, QUIT
empty_mailbox
start_capture smtp-mailbox-20.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys, smtplib
from mailscope_msgs import mailbox
to = sys.argv[1]
s = smtplib.SMTP("127.0.0.1", 25)
s.ehlo("sender.example.test")
for frm, raw in mailbox(to):
    s.sendmail(frm, [to], raw)
s.quit()
EOF
stop_capture
wait_delivered 20
start_capture pop3-mailbox-20.pcap lo "tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", 110)
p.user(sys.argv[1]); p.pass_(sys.argv[2])
n, _ = p.stat()
p.list(); p.uidl()
for i in range(1, n + 1):
    p.retr(i)
p.top(2, 12) # a preview that ends inside the multipart
p.quit()
EOF
stop_capture
fi

if want pop3-capa-stls-auth || want pop3-pipelined-top || want pop3-errors; then
empty_mailbox
/usr/bin/python3 - "$to" <<'EOF'
import sys, smtplib
to = sys.argv[1]
s = smtplib.SMTP("127.0.0.1", 25)
s.sendmail("one@example.test", [to], "From: <one@example.test>\r\nSubject: first\r\n\r\n"
           + "".join("body line %d\r\n" % i for i in range(1, 11)))
s.sendmail("two@example.test", [to], "From: <two@example.test>\r\nSubject: dots and a long line\r\n\r\n"
           + "..starts with a dot\r\n.\r\n..\r\n" + "long " * 400 + "end\r\nlast\r\n")
s.sendmail("three@example.test", [to], "From: <three@example.test>\r\nSubject: third\r\n\r\nthree\r\n")
s.sendmail("four@example.test", [to], "From: <four@example.test>\r\nSubject: fourth\r\n\r\nfour\r\n")
s.quit()
EOF
wait_delivered 4
fi

if want pop3-capa-stls-auth; then
# 19. dovecot: CAPA; AUTH without a mechanism; AUTH PLAIN without and
#     with an initial response (RFC 5034), a failed one, a cancelled
#     AUTH LOGIN (*); STLS then TLS
start_capture pop3-capa-stls-auth.pcap lo "tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import sys, base64, poplib
from mailscope_chat import Chat
user, pw = sys.argv[1:3]
b64 = lambda s: base64.b64encode(s.encode()).decode()
c = Chat("127.0.0.1", 110)
c.send("CAPA\r\n"); c.pop(True)
c.send("AUTH\r\n"); c.pop(True)
c.send("AUTH LOGIN\r\n"); c.pop()
c.send("*\r\n"); c.pop()
c.send("AUTH PLAIN %s\r\n" % b64("\0%s\0wrong" % user)); c.pop()
c.send("AUTH PLAIN\r\n"); c.pop()
c.send(b64("\0%s\0%s" % (user, pw)) + "\r\n"); c.pop()
c.send("STAT\r\n"); c.pop()
c.send("QUIT\r\n"); c.pop()
c.close()
c = Chat("127.0.0.1", 110)
c.send("AUTH PLAIN %s\r\n" % b64("\0%s\0%s" % (user, pw))); c.pop()
c.send("STAT\r\n"); c.pop()
c.send("QUIT\r\n"); c.pop()
c.close()
p = poplib.POP3("127.0.0.1", 110)
p.capa()
p.stls()
p.user(user); p.pass_(pw); p.stat()
p.quit()
EOF
stop_capture
fi

if want pop3-pipelined-top; then
# 20. dovecot: APOP, UIDL, LIST of a message that does not exist, TOP n 0
#     and TOP n 5, a dot-stuffed message with a long line, pipelined
#     RETR/DELE pairs, RSET, DELE again, and the end without QUIT
start_capture pop3-pipelined-top.pcap lo "tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import sys, hashlib, re
from mailscope_chat import Chat
user, pw = sys.argv[1:3]
c = Chat("127.0.0.1", 110, greet=False)
greeting = c.line().decode()
stamp = re.search(r"<[^>]*>", greeting).group(0)
c.send("APOP %s %s\r\n" % (user, hashlib.md5((stamp + pw).encode()).hexdigest())); c.pop()
c.send("UIDL\r\n"); c.pop(True)
c.send("LIST 9\r\n"); c.pop()
c.send("TOP 1 0\r\n"); c.pop(True)
c.send("TOP 1 5\r\n"); c.pop(True)
c.send("RETR 2\r\n"); c.pop(True)
c.send("RETR 3\r\nDELE 3\r\nRETR 4\r\nDELE 4\r\nLIST\r\n")
c.pop(True); c.pop(); c.pop(True); c.pop(); c.pop(True)
c.send("RSET\r\n"); c.pop()
c.send("DELE 1\r\n"); c.pop()
c.close()
EOF
stop_capture
fi

if want pop3-errors; then
# 23. dovecot's refusals: three commands before login (dovecot says "Too
#     many invalid bad commands" and closes); in a second session a command
#     before login, an unknown command, an unknown user, a wrong password; RETR/LIST/UIDL of a missing
#     message, TOP without its line count, RETR and DELE of a deleted
#     message, the same refusals pipelined among multi-line answers, and
#     QUIT (the deletion is committed)
start_capture pop3-errors.pcap lo "tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import sys
from mailscope_chat import Chat
user, pw = sys.argv[1:3]
c = Chat("127.0.0.1", 110)
for cmd in ("STAT", "LIST", "RETR 1"): # the third bad command: disconnected
    c.send(cmd + "\r\n"); c.pop()
c.close()
c = Chat("127.0.0.1", 110)
for cmd in ("STAT", "XYZZY", "USER nosuchuser", "PASS whatever",
            "USER %s" % user, "PASS wrong", "USER %s" % user, "PASS %s" % pw,
            "RETR 99", "LIST 99", "UIDL 99", "TOP 2", "DELE 1", "RETR 1", "DELE 1",
            "NOOP"):
    c.send(cmd + "\r\n"); c.pop()
c.send("RETR 99\r\nRETR 2\r\nTOP 1 0\r\nLIST 99\r\nUIDL\r\nRETR 3\r\n")
c.pop(); c.pop(True); c.pop(); c.pop(); c.pop(True); c.pop(True)
c.send("QUIT\r\n"); c.pop()
c.close()
EOF
stop_capture
fi

if want smtp-aiosmtpd; then
# 25. another server: aiosmtpd (Python's asyncio SMTP server, the Sink
#     handler: it keeps nothing) on 127.0.0.1:8025, found by its greeting.
#     No PIPELINING advertised, replies without enhanced codes or queue
#     ids, AUTH refused without TLS, HELP, VRFY, a pipelined group anyway
/usr/bin/python3 -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l 127.0.0.1:8025 -s 100000 -u &
extra_pid=$!
sleep 2
start_capture smtp-aiosmtpd.pcap lo "tcp port 8025"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 8025)
c.cmd("EHLO client.example.test")
c.cmd("HELP")
c.cmd("HELP MAIL")
c.cmd("VRFY mstest")
c.cmd("AUTH PLAIN AG1zdGVzdABtc3Rlc3QtcGFzcw==")
c.cmd("MAIL FROM:<a@example.test> SIZE=200000")
c.cmd("MAIL FROM:<a@example.test> BODY=8BITMIME")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("From: <a@example.test>\r\nSubject: to aiosmtpd\r\n\r\n..dot\r\nbody\r\n.\r\n"); c.smtp()
c.send("MAIL FROM:<b@example.test>\r\nRCPT TO:<%s>\r\nRCPT TO:<other@example.test>\r\nDATA\r\n" % to)
c.smtp(4)
c.send("Subject: pipelined anyway\r\n\r\nbody\r\n.\r\n"); c.smtp()
c.cmd("XYZZY")
c.cmd("RSET")
c.cmd("QUIT")
c.close()
EOF
stop_capture
kill "$extra_pid"; wait "$extra_pid" 2>/dev/null || true
extra_pid=""
fi

if want pop3-gnu-mailutils; then
# 26. another POP3 server: GNU Mailutils pop3d on 127.0.0.1:1110 (found by
#     its greeting) over an mbox: CAPA, a wrong password, USER/PASS, STAT,
#     LIST, UIDL, TOP (pop3d adds an X-UIDL header), RETR of a message with
#     dot-stuffed and ">From " lines and of a long line, pipelined RETR/
#     LIST/UIDL/NOOP, DELE, RSET, QUIT
cat >/tmp/mailscope-pop3d.conf <<'EOF'
server 127.0.0.1:1110 {
  tls-mode false;
};
logging {
  syslog false;
};
EOF
/usr/bin/python3 - <<'EOF'
msgs = [("gnu one", "first message\n"),
        ("gnu two", "..a line starting with two dots\n.\n>From the start of a line\nend\n"),
        ("gnu three", "x" * 1200 + "\n")]
open("/var/mail/mstest", "w").write("".join(
    "From sender%d@example.test Mon Dec  1 12:0%d:00 2025\nFrom: <sender%d@example.test>\n"
    "To: mstest@mail.example.test\nSubject: %s\nMessage-ID: <gnu-%d@example.test>\n\n%s\n"
    % (i, i, i, s, i, b) for i, (s, b) in enumerate(msgs, 1)))
EOF
chown "$user:mail" /var/mail/mstest; chmod 660 /var/mail/mstest
pop3d --config-file=/tmp/mailscope-pop3d.conf --daemon --foreground >/dev/null 2>&1 &
extra_pid=$!
sleep 2
start_capture pop3-gnu-mailutils.pcap lo "tcp port 1110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import sys, poplib
from mailscope_chat import Chat
user, pw = sys.argv[1:3]
p = poplib.POP3("127.0.0.1", 1110)
p.capa()
p.user(user)
try:
    p.pass_("wrong")
except poplib.error_proto:
    pass
p.quit()
c = Chat("127.0.0.1", 1110)
for cmd, multi in (("CAPA", True), ("USER " + user, False), ("PASS " + pw, False),
                   ("STAT", False), ("LIST", True), ("UIDL", True), ("TOP 2 1", True),
                   ("RETR 2", True), ("RETR 3", True)):
    c.send(cmd + "\r\n"); c.pop(multi)
c.send("RETR 1\r\nLIST 2\r\nUIDL 1\r\nNOOP\r\n")
c.pop(True); c.pop(); c.pop(); c.pop()
for cmd in ("DELE 3", "RSET", "DELE 1", "QUIT"):
    c.send(cmd + "\r\n"); c.pop()
c.close()
EOF
stop_capture
kill "$extra_pid"; wait "$extra_pid" 2>/dev/null || true
extra_pid=""
fi

# --- round 2: real mail user agents (msmtp, mpop, fetchmail) ---------------
# The SCRAM and DIGEST-MD5 mechanisms are enabled for these captures only
# (dovecot then postfix reloaded, so that smtpd asks dovecot again), and
# the earlier list is put back afterwards so that the captures above keep
# the EHLO/CAPA they were made with.
mechs_before="plain login cram-md5 apop"
mechs() { # mechanism list
  sed -i "s/^auth_mechanisms = .*/auth_mechanisms = $*/" /etc/dovecot/local.conf
  doveadm reload
  postfix reload >/dev/null 2>&1
  sleep 2
}
msmtp_q() { # msmtp with the test account; the message on stdin
  msmtp --host=127.0.0.1 --port=25 --tls=off --domain=client.example.test \
    --user="$user" --passwordeval="echo $pass" "$@" >/dev/null 2>&1 || true
}

if want smtp-msmtp-auth; then
# 27. msmtp: one message per SASL mechanism (SCRAM-SHA-1, SCRAM-SHA-256,
#     DIGEST-MD5, CRAM-MD5, PLAIN, LOGIN), a SCRAM-SHA-256 login with a
#     wrong password, a session over ::1
mechs plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256
start_capture smtp-msmtp-auth.pcap lo "tcp port 25"
for m in scram-sha-1 scram-sha-256 digest-md5 cram-md5 plain login; do
  printf 'From: <%s@example.test>\nTo: <%s>\nSubject: msmtp %s\n\nsent with AUTH %s\n' \
    "$m" "$to" "$m" "$m" | msmtp_q --auth="$m" --from="$m@example.test" "$to"
done
printf 'Subject: never sent\n\nx\n' |
  msmtp --host=127.0.0.1 --port=25 --tls=off --auth=scram-sha-256 --user="$user" \
    --passwordeval="echo wrong-password" --from=bad@example.test "$to" >/dev/null 2>&1 || true
printf 'From: <v6@example.test>\nSubject: msmtp over IPv6\n\nhello\n' |
  msmtp --host=::1 --port=25 --tls=off --auth=plain --user="$user" \
    --passwordeval="echo $pass" --from=v6@example.test "$to" >/dev/null 2>&1 || true
stop_capture
mechs $mechs_before
fi

if want smtp-msmtp-dsn; then
# 28. msmtp: DSN (--dsn-notify, --dsn-return) with twelve recipients in a
#     pipelined group; a refused recipient (msmtp closes after the 354
#     without sending the data); recipients read from To/Cc/Bcc with -t
#     (msmtp removes the Bcc header), a multipart message with a PDF-like
#     attachment and a non-ASCII file name
/usr/bin/python3 - "$to" >/tmp/mailscope-msmtp.eml <<'EOF'
import sys, hashlib
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.application import MIMEApplication
import email.policy
to = sys.argv[1]
m = MIMEMultipart()
m["From"] = "Msmtp User <dsn@example.test>"
m["To"] = to + ", second@mail.example.test"
m["Cc"] = "third@mail.example.test"
m["Bcc"] = "hidden@mail.example.test"
m["Subject"] = "msmtp with -t and an attachment"
m["Date"] = "Tue, 02 Dec 2025 09:00:00 +0000"
m["Message-ID"] = "<msmtp-t-1@example.test>"
m.attach(MIMEText("See the attachment.\n"))
data = b"%PDF-1.4\n" + b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(120))
a = MIMEApplication(data, "pdf")
a.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "Rechnung-März.pdf"))
m.attach(a)
sys.stdout.write(m.as_string(policy=email.policy.default.clone(linesep="\n")))
EOF
postconf -e "local_recipient_maps =" "luser_relay = $user"
postfix reload >/dev/null 2>&1; sleep 2
start_capture smtp-msmtp-dsn.pcap lo "tcp port 25"
rcpts=""
for i in $(seq 1 12); do rcpts="$rcpts r$i@mail.example.test"; done
printf 'From: <dsn@example.test>\nTo: undisclosed-recipients:;\nSubject: twelve recipients with DSN\n\nbody\n' |
  msmtp_q --auth=plain --from=dsn@example.test --dsn-notify=success,delay,failure \
    --dsn-return=hdrs $rcpts
# a refused recipient: msmtp gives the whole mail up after the 354
printf 'Subject: one refused\n\nbody\n' |
  msmtp_q --auth=plain --from=dsn@example.test --dsn-notify=failure \
    r1@mail.example.test x@rejected.example.test
msmtp_q --auth=plain -t --from=dsn@example.test --dsn-notify=never --dsn-return=full \
  </tmp/mailscope-msmtp.eml
stop_capture
postconf -X local_recipient_maps luser_relay
postfix reload >/dev/null 2>&1
fi

pop_mailbox() { # five small messages for the POP3 clients
empty_mailbox
/usr/bin/python3 - "$to" <<'EOF'
import sys, smtplib
to = sys.argv[1]
s = smtplib.SMTP("127.0.0.1", 25)
for i in range(1, 6):
    s.sendmail("pop%d@example.test" % i, [to],
               "From: <pop%d@example.test>\r\nTo: <%s>\r\nSubject: message %d for the POP3 clients\r\n"
               "Message-ID: <pop-%d@example.test>\r\n\r\n" % (i, to, i, i)
               + "".join("line %d of message %d\r\n" % (j, i) for j in range(1, 4 + i))
               + ("..a dot-stuffed line\r\n" if i == 2 else ""))
s.quit()
EOF
wait_delivered 5
}

if want pop3-mpop; then
# 29. mpop (pipelines its commands): AUTH SCRAM-SHA-1 keeping the mail
#     (--keep), only new messages (UIDL); AUTH PLAIN with a header filter
#     (TOP n 0) that skips message 2 and deletes message 4 unread, the rest
#     retrieved and deleted; AUTH DIGEST-MD5 on ::1 over the message left
#     (mpop wants APOP in CAPA, which dovecot does not list); a wrong
#     password with USER/PASS
pop_mailbox
mechs plain login cram-md5 apop digest-md5 scram-sha-1 scram-sha-256
rm -f /tmp/mailscope-mpop.mbox /tmp/mailscope-mpop.uidls
touch /tmp/mailscope-mpop.mbox
mpop_q() {
  mpop --host="$1" --port=110 --tls=off --user="$user" --passwordeval="echo $2" \
    --delivery=mbox,/tmp/mailscope-mpop.mbox --uidls-file=/tmp/mailscope-mpop.uidls \
    --received-header=off "${@:3}" >/dev/null 2>&1 || true
}
start_capture pop3-mpop.pcap lo "tcp port 110"
mpop_q 127.0.0.1 "$pass" --auth=scram-sha-1 --keep=on --only-new=on
mpop_q 127.0.0.1 "$pass" --auth=plain --keep=off --only-new=off \
  --filter='h=$(cat); case "$h" in *"message 2 for"*) exit 2 ;; *"message 4 for"*) exit 1 ;; esac; exit 0'
mpop_q ::1 "$pass" --auth=digest-md5 --keep=on --only-new=off
mpop_q 127.0.0.1 wrong-password --auth=user
stop_capture
mechs $mechs_before
fi

if want pop3-fetchmail; then
# 30. fetchmail: USER/PASS keeping the mail and tracking UIDL; AUTH
#     CRAM-MD5 fetching all and deleting it (flush); APOP on ::1 over what
#     is left (the message the first run saw); messages handed to an MDA
#     that discards them; no TLS
cat >/tmp/mailscope-fetchmailrc <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 uidl auth password user "$user" password "$pass" keep sslproto '' mda "cat >/dev/null"
EOF
cat >/tmp/mailscope-fetchmailrc2 <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 auth cram-md5 user "$user" password "$pass" fetchall nokeep sslproto '' mda "cat >/dev/null"
EOF
cat >/tmp/mailscope-fetchmailrc3 <<EOF
set no syslog
poll "::1" protocol apop user "$user" password "$pass" keep fetchall sslproto '' mda "cat >/dev/null"
EOF
chmod 600 /tmp/mailscope-fetchmailrc*
rm -f /tmp/mailscope-fetchids
pop_mailbox
fm() { FETCHMAILHOME=/tmp fetchmail -f "$1" -i /tmp/mailscope-fetchids --nodetach >/dev/null 2>&1 || true; }
start_capture pop3-fetchmail.pcap lo "tcp port 110"
fm /tmp/mailscope-fetchmailrc
fm /tmp/mailscope-fetchmailrc
fm /tmp/mailscope-fetchmailrc2
/usr/bin/python3 - "$to" <<'EOF'
import sys, smtplib
s = smtplib.SMTP("127.0.0.1", 25)
s.sendmail("late@example.test", [sys.argv[1]], "From: <late@example.test>\r\nSubject: after the flush\r\n\r\nlate\r\n")
s.quit()
EOF
wait_delivered 1
fm /tmp/mailscope-fetchmailrc3
stop_capture
fi

# --- round 3 (issue 14): the server's replies decide --------------------------

if want smtp-server-decides; then
# 31. postfix's own answers decide the transaction: a second MAIL refused
#     ("503 5.5.1 Error: nested MAIL command") keeps the first with its
#     recipient, and a RCPT after the refusal joins it; DATA refused with no
#     valid recipient ("554 5.5.1 Error: no valid recipients") keeps the
#     transaction open for a RCPT and a second DATA; DATA without MAIL; the
#     null reverse-path
start_capture smtp-server-decides.pcap lo "tcp port 25"
/usr/bin/python3 - "$to" <<'EOF'
import sys
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO decides.example.test")
c.cmd("MAIL FROM:<first@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("MAIL FROM:<second@example.test>")
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("From: <first@example.test>\r\nSubject: kept after a refused MAIL\r\n\r\nbody\r\n.\r\n"); c.smtp()
c.send("MAIL FROM:<>\r\nRCPT TO:<nobody@rejected.example.test>\r\nDATA\r\n")
c.smtp(3)
c.cmd("RCPT TO:<%s>" % to)
c.cmd("DATA")
c.send("From: <>\r\nSubject: after a refused DATA\r\n\r\nbody\r\n.\r\n"); c.smtp()
c.cmd("DATA")
c.cmd("QUIT")
c.close()
EOF
stop_capture
fi

if want smtp-pop3-greeting-shapes; then
# 32. the greeting: sessions captured from after the greeting (the client
#     connects and reads it, then the capture starts: midstream), SMTP and
#     POP3; a POP3 client that sends CAPA before the greeting
cat >/tmp/mailscope_late.py <<'EOF'
import os, sys, time
from mailscope_chat import Chat
to, user, go = sys.argv[1:4]
s = Chat("127.0.0.1", 25)
p = Chat("127.0.0.1", 110)
while not os.path.exists(go): # the capture starts after the greetings
    time.sleep(0.1)
s.cmd("EHLO late.example.test")
s.cmd("MAIL FROM:<late@example.test>")
s.cmd("QUIT")
s.close()
p.send("CAPA\r\n"); p.pop(True)
p.send("USER %s\r\n" % user); p.pop()
p.send("QUIT\r\n"); p.pop()
p.close()
e = Chat("127.0.0.1", 110, greet=False) # speaks before the greeting
e.send("CAPA\r\n")
e.line(); e.pop(True)
e.send("USER %s\r\n" % user); e.pop()
e.send("QUIT\r\n"); e.pop()
e.close()
EOF
rm -f /tmp/mailscope-go
/usr/bin/python3 /tmp/mailscope_late.py "$to" "$user" /tmp/mailscope-go &
late_pid=$!
sleep 2
start_capture smtp-pop3-greeting-shapes.pcap lo "tcp port 25 or tcp port 110"
touch /tmp/mailscope-go
wait "$late_pid" || true
stop_capture
rm -f /tmp/mailscope-go
fi

if want smtp-pop3-secrets-fail-safe; then
# 33. fail-safe redaction against postfix (SASL through dovecot) and
#     dovecot: AUTH LOGIN with user and password in the same write as the
#     command; a wrong password, then the password sent again as a command;
#     initial responses of mechanisms postfix does not offer (X-GOOGLE-TOKEN,
#     XOAUTH2, PLAIN-CLIENTTOKEN) with a line pipelined after each; POP3: the
#     password on the USER line, PASS and a tab, AUTH PLAIN with its
#     response in the same write.  tests/secrets.txt lists the secrets.
start_capture smtp-pop3-secrets-fail-safe.pcap lo "tcp port 25 or tcp port 110"
/usr/bin/python3 - "$user" "$pass" <<'EOF'
import sys, base64
from mailscope_chat import Chat
user, pw = sys.argv[1:3]
b64 = lambda s: base64.b64encode(s.encode()).decode()
c = Chat("127.0.0.1", 25)
c.cmd("EHLO eager.example.test")
c.send("AUTH LOGIN\r\n%s\r\n%s\r\n" % (b64(user), b64(pw)))
c.smtp(3)
c.cmd("QUIT")
c.close()
c = Chat("127.0.0.1", 25)
c.cmd("EHLO mistaken.example.test")
c.cmd("AUTH LOGIN")
c.cmd(b64(user))
c.cmd(b64("fail-safe-wrong-pw"))
c.cmd(b64("fail-safe-wrong-pw")) # again, as a command
for mech in ("X-GOOGLE-TOKEN", "XOAUTH2", "PLAIN-CLIENTTOKEN"):
    c.send("AUTH %s %s\r\n%s\r\n" % (mech, b64("\0%s\0fail-safe-token-0123" % user),
                                      b64("fail-safe-token-0123")))
    c.smtp(2)
c.cmd("QUIT")
c.close()
p = Chat("127.0.0.1", 110)
p.send("USER %s %s\r\n" % (user, pw)); p.pop()
p.send("USER %s\r\n" % user); p.pop()
p.send("PASS\t%s\r\n" % pw); p.pop()
p.send("AUTH PLAIN\r\n%s\r\n" % b64("\0%s\0%s" % (user, pw))); p.pop(); p.pop()
p.send("STAT\r\n"); p.pop()
p.send("QUIT\r\n"); p.pop()
p.close()
EOF
stop_capture
fi

if want smtp-pop3-tls-by-bytes; then
# 34. the bytes decide, not the port: a plaintext smtpd on 465; a TLS
#     ClientHello first on 25 and on 110 (openssl s_client: postfix and
#     dovecot greet in plaintext); STARTTLS with RSET and MAIL in the same
#     write (postfix discards them; then TLS); STARTTLS answered 220 and
#     then plaintext EHLO instead of TLS
start_capture smtp-pop3-tls-by-bytes.pcap lo "tcp port 465 or tcp port 25 or tcp port 110"
swaks_q -s 127.0.0.1 -p 465 --to "$to" --from plain465@example.test --header "Subject: plaintext on 465"
for port in 25 110; do
  timeout 5 openssl s_client -connect 127.0.0.1:$port -quiet </dev/null >/dev/null 2>&1 || true
done
/usr/bin/python3 - "$to" <<'EOF'
import sys, ssl
from mailscope_chat import Chat
to = sys.argv[1]
c = Chat("127.0.0.1", 25)
c.cmd("EHLO injector.example.test")
c.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.test>\r\n")
c.smtp()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(c.s, server_hostname="mail.example.test")
t.sendall(b"EHLO injector.example.test\r\n"); t.recv(4096)
t.sendall(b"QUIT\r\n"); t.recv(4096)
t.close()
c = Chat("127.0.0.1", 25)
c.cmd("EHLO plaintext.example.test")
c.cmd("STARTTLS")
try:
    c.send("EHLO plaintext.example.test\r\n") # no TLS after all
    c.smtp()
except (EOFError, OSError, ValueError):
    pass
c.close()
EOF
stop_capture
fi

if want smtp-nul-bytes; then
# 35. NUL bytes inside commands: what postfix answers, decoded unshortened
start_capture smtp-nul-bytes.pcap lo "tcp port 25"
/usr/bin/python3 - <<'EOF'
from mailscope_chat import Chat
c = Chat("127.0.0.1", 25)
c.send(b"EHLO nul\x00name.example.test\r\n"); c.smtp()
c.send(b"NOOP x\x00y\r\n"); c.smtp()
c.send(b"MAIL FROM:<a\x00b@example.test>\r\n"); c.smtp()
c.send(b"QUIT\r\n"); c.smtp()
c.close()
EOF
stop_capture
fi

# Captures of other scripts that need these servers running
# (scripts/make_proxy_pcaps.sh): a file sourced here, with start_capture,
# stop_capture, want, user, pass and to at hand.
if [ -n "${MAILSCOPE_EXTRA_CAPTURES:-}" ]; then
  # shellcheck disable=SC1090
  . "$MAILSCOPE_EXTRA_CAPTURES"
fi

chmod 644 "$out"/*.pcap
ls -l "$out"
