#!/usr/bin/env bash
# make_keylog_pcaps.sh - TLS mail sessions captured with the clients' key logs,
# the material of TLS decryption (issue 16).
#
#   scripts/make_keylog_pcaps.sh [OUTDIR [NAME...]]   (default: pcaps/tls, all)
#
# Runs as root and holds /tmp/mailscope-peers.lock for its whole run (it
# takes it itself).  Everything happens in a network namespace of its own
# (ip netns), so no other traffic is recorded and nothing leaves: postfix
# (STARTTLS on 25 and 587, implicit TLS on 465) and dovecot (STLS on 110,
# implicit TLS on 995) are started inside it with a throw-away test
# certificate, tcpdump records its loopback, and the clients write NSS key
# logs: curl (SSLKEYLOGFILE), Python's smtplib/poplib (keylog_filename,
# scripts/keylog_clients.py), msmtp (GnuTLS honours SSLKEYLOGFILE) and
# openssl s_client (-keylogfile).  Each NAME gives NAME.pcap, NAME.keylog
# and NAME.expect.json (what the client sent: commands, AUTH user, message
# and attachment digests) in OUTDIR; tls-secrets-embedded.pcapng carries
# its key log inside (editcap --inject-secrets).  The servers are stopped
# and the namespace removed at the end, also on failure.
#
# The key logs hold the secrets of these throw-away sessions only; they
# are committed with the captures so the tests need no servers.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "make_keylog_pcaps.sh: run as root" >&2; exit 1; }
if [ -z "${MAILSCOPE_PEERS_LOCKED:-}" ]; then
  exec env MAILSCOPE_PEERS_LOCKED=1 flock /tmp/mailscope-peers.lock "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/peers_setup.sh
. "$here/peers_setup.sh"
out=${1:-pcaps/tls}
[ $# -gt 0 ] && shift
only=" $* "
want() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
user=mstest
pass=mstest-pass
ns=mailscope-tls-$$
work=$(mktemp -d /tmp/mailscope-tls.XXXXXX)
chmod 755 "$work"

echo "wireshark-common wireshark-common/install-setuid boolean false" |
  debconf-set-selections
peers_install postfix dovecot-pop3d curl msmtp gnutls-bin tcpdump openssl python3 \
  iproute2 tshark

in_ns() { ip netns exec "$ns" "$@"; }
cap_pid=""
stop_all() {
  [ -z "$cap_pid" ] || { kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; } || true
  peers_stop in_ns
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT
# servers another script left running (outside any namespace) go first
peers_stop
ip netns add "$ns"
in_ns ip link set lo up

# --- the test user and certificate -----------------------------------------
peers_user
rm -rf "/home/$user/Maildir"
tls=/etc/mailscope-tls-test
mkdir -p "$tls"
[ -f "$tls/key.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
  -subj "/CN=mail.example.test" -addext "subjectAltName=DNS:mail.example.test" \
  -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
chmod 644 "$tls/cert.pem"
chmod 640 "$tls/key.pem"

# --- dovecot: POP3 with STLS on 110 and implicit TLS on 995, SASL -----------
peers_dovecot_default_cert "$tls/cert.pem" "$tls/key.pem"
peers_dovecot 127.0.0.1 "plain login" "$tls/cert.pem" "$tls/key.pem" <<EOF
ssl_min_protocol = TLSv1.2
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 995
    ssl = yes
  }
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
EOF

# --- postfix: STARTTLS on 25 and 587, implicit TLS on 465 -------------------
peers_postfix ipv4 127.0.0.0/8 "$tls/cert.pem" "$tls/key.pem" \
  "smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache" \
  "smtpd_tls_session_cache_timeout = 3600s" \
  "smtpd_tls_protocols = >=TLSv1.2" "smtpd_tls_mandatory_protocols = >=TLSv1.2" \
  "smtpd_tls_ciphers = medium" "smtpd_tls_mandatory_ciphers = medium" \
  "tls_preempt_cipherlist = no" \
  "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
# other scripts name these ports by number (587/inet, 465/inet): ours only
postconf -MX 587/inet 465/inet submission/inet smtps/inet 2>/dev/null || true
postconf -M "submission/inet=submission inet n - y - - smtpd -o smtpd_tls_security_level=encrypt"
postconf -M "smtps/inet=smtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes"
rm -f "$(postconf -h data_directory)"/smtpd_scache.db

peers_start in_ns

start_capture() { # name: tcpdump on the namespace's loopback (ip execs it:
  # $! is tcpdump's own pid)
  ip netns exec "$ns" tcpdump -i lo -U -s 0 -w "$out/$1.pcap" \
    "tcp port 25 or tcp port 587 or tcp port 465 or tcp port 110 or tcp port 995" \
    >/dev/null 2>&1 &
  cap_pid=$!
  sleep 1
}
stop_capture() { peers_stop_capture; }
keylog_of() { rm -f "$out/$1.keylog"; echo "$out/$1.keylog"; }
py() { # scenario name [args]: scripts/keylog_clients.py
  local name=$1 scenario=$2
  shift 2
  in_ns /usr/bin/python3 "$here/keylog_clients.py" "$scenario" \
    "$(keylog_of "$name")" "$out/$name.expect.json" "$@"
}
expect_json() { # name port tls commands...: what a non-Python client sent
  # ($added: header names the client puts on top of the message itself,
  # as a JSON list: msmtp adds Date)
  local name=$1 port=$2 version=$3 sha=$4 atts=$5
  shift 5
  local cmds
  cmds=$(printf '"%s",' "$@")
  printf '{"sessions": [{"port": %s, "tls": "%s", "commands": [%s], "auth_user": "%s", "messages": [%s]}]}\n' \
    "$port" "$version" "${cmds%,}" "$user" \
    "${sha:+{\"sha256\": \"$sha\", \"attachments\": $atts${added:+, \"added_headers\": $added}\}}" >"$out/$name.expect.json"
}

# A message for the non-Python clients, with CRLF line endings, and its
# attachment (the same noise keylog_clients.py attaches).
/usr/bin/python3 -c "
import sys, json, hashlib
sys.path.insert(0, '$here')
import keylog_clients as c
msg, atts = c.message('curl and msmtp over TLS')
open('$work/msg.eml', 'wb').write(msg)
open('$work/msg-lf.eml', 'wb').write(msg.replace(b'\r\n', b'\n'))
open('$work/msg.sha256', 'w').write(hashlib.sha256(msg).hexdigest())
open('$work/msg.atts', 'w').write(json.dumps(atts))
"
sha=$(cat "$work/msg.sha256")
atts=$(cat "$work/msg.atts")

if want smtp-starttls-tls13; then
# STARTTLS on 587, TLS 1.3 AES-256-GCM, AUTH PLAIN, two messages (smtplib)
start_capture smtp-starttls-tls13
py smtp-starttls-tls13 smtp-starttls-tls13
stop_capture
fi

if want smtps-tls12-chacha20; then
# implicit TLS on 465, TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305, AUTH LOGIN
start_capture smtps-tls12-chacha20
py smtps-tls12-chacha20 smtps-tls12-chacha20
stop_capture
fi

if want smtp-starttls-tls12-cbc-noetm; then
# STARTTLS on 25, TLS 1.2 AES256-SHA (RSA key exchange, CBC), no encrypt_then_mac
start_capture smtp-starttls-tls12-cbc-noetm
py smtp-starttls-tls12-cbc-noetm smtp-starttls-tls12-cbc-noetm
stop_capture
fi

if want smtp-starttls-tls12-cbc-etm-curl; then
# curl: STARTTLS on 25, TLS 1.2 ECDHE-RSA-AES128-SHA256 (CBC, encrypt_then_mac
# on, as OpenSSL negotiates by default), AUTH PLAIN, a message
name=smtp-starttls-tls12-cbc-etm-curl
start_capture $name
in_ns env SSLKEYLOGFILE="$(keylog_of $name)" curl -s --url smtp://127.0.0.1:25/client.example.test \
  --ssl-reqd --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256 -k \
  --user "$user:$pass" --login-options AUTH=PLAIN \
  --mail-from tls@example.test --mail-rcpt "$user@mail.example.test" \
  --upload-file "$work/msg.eml" >/dev/null
stop_capture
expect_json $name 25 TLSv1.2 "$sha" "$atts" EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT
fi

if want smtp-starttls-tls13-chacha20-msmtp; then
# msmtp (GnuTLS): STARTTLS on 587, TLS 1.3 ChaCha20-Poly1305, AUTH PLAIN
name=smtp-starttls-tls13-chacha20-msmtp
start_capture $name
in_ns env SSLKEYLOGFILE="$(keylog_of $name)" msmtp --host=127.0.0.1 --port=587 \
  --tls=on --tls-starttls=on --tls-certcheck=off \
  --tls-priorities="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305" \
  --domain=client.example.test --auth=plain --user="$user" \
  --passwordeval="echo $pass" --from=tls@example.test "$user@mail.example.test" \
  <"$work/msg-lf.eml"
stop_capture
added='["Date"]' expect_json $name 587 TLSv1.3 "$sha" "$atts" EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT
fi

if want smtp-starttls-tls12-cbc-sha1-msmtp; then
# msmtp (GnuTLS): STARTTLS on 25, TLS 1.2 ECDHE-RSA-AES128-SHA (CBC with
# HMAC-SHA1, encrypt_then_mac as GnuTLS negotiates it), AUTH LOGIN
name=smtp-starttls-tls12-cbc-sha1-msmtp
start_capture $name
in_ns env SSLKEYLOGFILE="$(keylog_of $name)" msmtp --host=127.0.0.1 --port=25 \
  --tls=on --tls-starttls=on --tls-certcheck=off \
  --tls-priorities="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:-KX-ALL:+ECDHE-RSA" \
  --domain=client.example.test --auth=login --user="$user" \
  --passwordeval="echo $pass" --from=tls@example.test "$user@mail.example.test" \
  <"$work/msg-lf.eml"
stop_capture
added='["Date"]' expect_json $name 25 TLSv1.2 "$sha" "$atts" EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT
fi

if want smtp-starttls-tls13-keyupdate; then
# openssl s_client: STARTTLS on 25, TLS 1.3 AES-128-GCM, a KeyUpdate asked
# of the server ("K") and one of our own ("k") between commands, AUTH PLAIN,
# a message.  s_client takes a line starting with Q, R, K or k as its own
# command: the SMTP commands go in lower case.
name=smtp-starttls-tls13-keyupdate
start_capture $name
plain=$(printf '\0%s\0%s' "$user" "$pass" | base64)
/usr/bin/python3 - "$ns" "$(keylog_of $name)" "$plain" "$work/msg.eml" <<'EOF'
import subprocess, sys, time
ns, keylog, plain, eml = sys.argv[1:5]
p = subprocess.Popen(["ip", "netns", "exec", ns, "openssl", "s_client",
                      "-connect", "127.0.0.1:25", "-starttls", "smtp",
                      "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
                      "-crlf", "-keylogfile", keylog, "-name", "client.example.test"],
                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
def say(line, wait=0.4):
    p.stdin.write(line.encode() + b"\n")
    p.stdin.flush()
    time.sleep(wait)
time.sleep(1.5)
say("ehlo client.example.test")
say("K")                      # KeyUpdate, update_requested: both sides rekey
say("auth plain " + plain)
say("mail from:<tls@example.test>")
say("k")                      # KeyUpdate, ours only
say("rcpt to:<mstest@mail.example.test>")
say("data")
body = open(eml, "rb").read().decode().split("\r\n")
for line in body[:-1]:
    p.stdin.write(("." + line if line.startswith(".") else line).encode() + b"\n")
say(".")
say("quit", 1.0)
p.stdin.close()
p.wait(timeout=10)
EOF
stop_capture
expect_json $name 25 TLSv1.3 "$sha" "$atts" EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT
fi

if want smtps-resumed-tls12; then
# 465 twice, TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384, the second resumed
start_capture smtps-resumed-tls12
py smtps-resumed-tls12 smtps-resumed 1.2
stop_capture
fi

if want smtps-resumed-tls13; then
# 465 twice, TLS 1.3, the second resumed with a PSK from the first's ticket
start_capture smtps-resumed-tls13
py smtps-resumed-tls13 smtps-resumed 1.3
stop_capture
fi

if want pop3-stls-tls12-gcm; then
# STLS on 110, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, USER/PASS, RETR 1 (poplib)
start_capture pop3-stls-tls12-gcm
py pop3-stls-tls12-gcm pop3-stls-tls12-gcm
stop_capture
fi

if want pop3s-tls13-curl; then
# curl: implicit TLS on 995, TLS 1.3 AES-128-GCM, AUTH PLAIN (curl takes SASL
# when CAPA offers it), RETR 1
name=pop3s-tls13-curl
start_capture $name
in_ns env SSLKEYLOGFILE="$(keylog_of $name)" curl -s -k --tlsv1.3 \
  --tls13-ciphers TLS_AES_128_GCM_SHA256 --url pop3s://127.0.0.1:995/1 \
  --user "$user:$pass" >/dev/null
stop_capture
expect_json $name 995 TLSv1.3 "" "" CAPA AUTH RETR QUIT
fi

if want tls-secrets-embedded; then
# The first two captures as one pcapng, their key logs inside as a
# Decryption Secrets Block (Wireshark's editcap)
cat "$out/smtp-starttls-tls13.keylog" "$out/pop3-stls-tls12-gcm.keylog" \
  >"$work/both.keylog"
mergecap -F pcapng -w "$work/both.pcapng" "$out/smtp-starttls-tls13.pcap" \
  "$out/pop3-stls-tls12-gcm.pcap"
editcap --inject-secrets "tls,$work/both.keylog" "$work/both.pcapng" \
  "$out/tls-secrets-embedded.pcapng"
fi

# The key logs are root's files: let the tests (any user) read them.
chmod 644 "$out"/*.pcap "$out"/*.pcapng "$out"/*.keylog "$out"/*.json 2>/dev/null || true
echo "make_keylog_pcaps.sh: done ($(ls "$out" | wc -l) files in $out)"
