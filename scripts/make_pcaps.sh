#!/usr/bin/env bash
# make_pcaps.sh - capture real SMTP and POP3 sessions on loopback.
#
# Installs and configures postfix (SMTP server, SASL through dovecot,
# STARTTLS with a throw-away self-signed certificate) and dovecot (POP3
# server) to listen on 127.0.0.1 and ::1 only, then drives them with swaks,
# curl and Python's smtplib/poplib while tcpdump records.  Everything stays
# on this machine: postfix delivers only to the local test user and relays
# nothing.  Run as root on a Debian machine you can reconfigure; re-runnable.
#
#   scripts/make_pcaps.sh [OUTDIR]     (default: pcaps/real)
#
# The captures are committed so that tests need no servers; pcaps/README.md
# describes each one.
set -euo pipefail
out=${1:-pcaps/real}
mkdir -p "$out"
out=$(cd "$out" && pwd)
user=mstest
pass=mstest-pass
[ "$(id -u)" = 0 ] || { echo "make_pcaps.sh: run as root" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string mail.example.test" | debconf-set-selections
need=""
for p in postfix dovecot-pop3d swaks curl tcpdump openssl python3; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
[ -z "$need" ] || { apt-get update -qq; apt-get install -y -qq $need; }

# --- the test user ----------------------------------------------------------
id "$user" >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$user"
echo "$user:$pass" | chpasswd

# --- certificates -----------------------------------------------------------
tls=/etc/mailscope-test
mkdir -p "$tls"
[ -f "$tls/key.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
  -subj "/CN=mail.example.test" -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null

# --- dovecot: POP3 and SASL for postfix -------------------------------------
# Debian's 10-ssl.conf names a certificate the package may not have made.
mkdir -p /etc/dovecot/private
[ -f /etc/dovecot/private/dovecot.pem ] || cp "$tls/cert.pem" /etc/dovecot/private/dovecot.pem
[ -f /etc/dovecot/private/dovecot.key ] || cp "$tls/key.pem" /etc/dovecot/private/dovecot.key
cat >/etc/dovecot/local.conf <<EOF
protocols = pop3
listen = 127.0.0.1, ::1
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 apop
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <$tls/cert.pem
ssl_key = <$tls/key.pem
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u /etc/dovecot/mailscope.passwd
}
userdb {
  driver = passwd
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
EOF
echo "$user:{PLAIN}$pass" >/etc/dovecot/mailscope.passwd
chmod 640 /etc/dovecot/mailscope.passwd
chgrp dovecot /etc/dovecot/mailscope.passwd

# --- postfix: loopback only, local delivery only ----------------------------
postconf -e "inet_interfaces = loopback-only" "inet_protocols = all" \
  "myhostname = mail.example.test" "mydestination = mail.example.test, localhost" \
  "mynetworks = 127.0.0.0/8 [::1]/128" "relayhost =" "home_mailbox = Maildir/" \
  "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
  "smtpd_sasl_path = private/auth" "smtpd_tls_security_level = may" \
  "smtpd_tls_cert_file = $tls/cert.pem" "smtpd_tls_key_file = $tls/key.pem" \
  "smtpd_tls_auth_only = no" "smtpd_banner = \$myhostname ESMTP Postfix" \
  "default_transport = error" "relay_transport = error" \
  "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"

stop_servers() {
  postfix stop >/dev/null 2>&1 || true
  doveadm stop >/dev/null 2>&1 || pkill -x dovecot || true
}
trap stop_servers EXIT
stop_servers
dovecot
postfix start >/dev/null 2>&1
sleep 2

cap_pid=""
start_capture() { # file, interface, filter
  tcpdump -i "$2" -U -s 0 -w "$out/$1" "$3" >/dev/null 2>&1 &
  cap_pid=$!
  sleep 1
}
stop_capture() {
  sleep 1
  kill "$cap_pid"
  wait "$cap_pid" 2>/dev/null || true
}
to="$user@mail.example.test"
swaks_q() { swaks --silent 2 --hide-all "$@" >/dev/null 2>&1 || true; }

# 1. plain SMTP, one message with a dot-stuffed line
start_capture smtp-plain.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 --to "$to" --from alice@example.test \
  --header "Subject: plain SMTP" --body $'first line\n.a line starting with a dot\n..two dots\nlast line'
stop_capture

# 2. EHLO with PIPELINING and a pipelined group, AUTH PLAIN, an attachment
printf 'attachment payload %.0s\n' $(seq 1 50) >/tmp/mailscope-attach.txt
start_capture smtp-pipelining-auth-plain-attachment.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 --pipeline -a PLAIN -au "$user" -ap "$pass" --to "$to" \
  --from alice@example.test --header "Subject: with attachment" \
  --attach @/tmp/mailscope-attach.txt
stop_capture

# 3. AUTH LOGIN and CRAM-MD5, and a failed AUTH
start_capture smtp-auth-login-crammd5-failed.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 -a LOGIN -au "$user" -ap "$pass" --to "$to" --from bob@example.test
swaks_q -s 127.0.0.1 -a CRAM-MD5 -au "$user" -ap "$pass" --to "$to" --from carol@example.test
swaks_q -s 127.0.0.1 -a PLAIN -au "$user" -ap wrong-password --to "$to" --from mallory@example.test
stop_capture

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

# 5. STARTTLS
start_capture smtp-starttls.pcap lo "tcp port 25"
swaks_q -s 127.0.0.1 -tls --to "$to" --from tls@example.test
stop_capture

# 6. IPv6, curl as the client
printf 'From: curl <curl@example.test>\r\nTo: %s\r\nSubject: over IPv6\r\n\r\nhello\r\n' "$to" >/tmp/mailscope-curl.eml
start_capture smtp-ipv6-curl.pcap lo "tcp port 25"
curl -s --url "smtp://[::1]:25" --mail-from curl@example.test --mail-rcpt "$to" \
  --upload-file /tmp/mailscope-curl.eml >/dev/null || true
stop_capture

# 7. tcpdump -i any (Linux cooked v2, SLL2)
start_capture smtp-sll2-any.pcap any "tcp port 25"
swaks_q -s 127.0.0.1 --to "$to" --from any@example.test --header "Subject: any"
stop_capture

sleep 2 # let postfix deliver before reading the mailbox

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

# 9. curl as a POP3 client
start_capture pop3-curl.pcap lo "tcp port 110"
curl -s --url "pop3://127.0.0.1/1" -u "$user:$pass" >/dev/null || true
stop_capture

chmod 644 "$out"/*.pcap
ls -l "$out"
