#!/usr/bin/env bash
# make_tls_pcaps.sh - capture real TLS mail sessions: STARTTLS (SMTP),
# STLS (POP3) and implicit TLS (465, 995) between real peers, with
# certificates made here, and STARTTLS stripped by a man in the middle.
#
#   scripts/make_tls_pcaps.sh [OUTDIR [NAME...]]   (default: pcaps/real, all)
#
# Runs as root, holding /tmp/mailscope-peers.lock for its whole run, in a
# network namespace of its own (unshare -n): postfix, dovecot, the proxy
# and every client live on that namespace's loopback, nothing else is
# recorded and nothing leaves.  It (re)configures postfix and dovecot for
# what it needs (another script may have changed them), starts them in the
# namespace and stops them at the end.
#
# Certificates (in /etc/mailscope-tls, made again on each run): a test CA,
# and signed by it for mail.example.test a good one (valid from yesterday
# for 20 years), an expired one (2020-01-01 to 2021-01-01) and one naming
# other.example.test; each server sends its certificate and the CA.
#
# Captures (pcaps/README.md describes each; their goldens are in
# tests/golden):
#   tls-smtp-versions   openssl s_client -starttls smtp: TLS 1.2 with three
#                       suites (ECDHE-RSA AES-GCM, plain RSA AES-CBC, DHE
#                       ChaCha20), TLS 1.3 (ChaCha20, AES-128-GCM), TLS 1.0
#                       on a port allowing it, TLS 1.1 refused (alert)
#   tls-smtp-clients    swaks --tls, msmtp (GnuTLS), curl --ssl-reqd,
#                       curl smtps:// on 465, a client that pipelines a
#                       command after STARTTLS (command injection, which
#                       postfix discards)
#   tls-pop3            openssl s_client -starttls pop3 (TLS 1.2), curl
#                       pop3 --ssl-reqd (STLS), curl pop3s:// on 995, mpop
#   tls-certificates    TLS 1.2 handshakes with the expired certificate and
#                       with the misnamed one (SNI mail.example.test)
#   tls-starttls-stripping  five swaks --tls-optional sessions through
#                       scripts/starttls_proxy.py: STARTTLS stripped, passed,
#                       stripped, overwritten with XXXXXXXA, refused with 454
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/peers_setup.sh
. scripts/peers_setup.sh
[ "$(id -u)" = 0 ] || { echo "make_tls_pcaps.sh: run as root" >&2; exit 1; }
if [ -z "${MAILSCOPE_TLS_NETNS:-}" ]; then
  # packages first: the namespace has no way out
  peers_install postfix dovecot-pop3d swaks curl tcpdump openssl python3 msmtp mpop
  exec flock /tmp/mailscope-peers.lock unshare -n \
    env MAILSCOPE_TLS_NETNS=1 "$0" "$@"
fi
ip link set lo up
out=${1:-pcaps/real}
[ $# -gt 0 ] && shift
only=" $* "
want() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
user=mstest
pass=mstest-pass
to="$user@mail.example.test"

peers_user

# --- certificates -----------------------------------------------------------
tls=/etc/mailscope-tls
rm -rf "$tls"
mkdir -p "$tls/ca/new"
touch "$tls/ca/index.txt"
echo 1000 >"$tls/ca/serial"
openssl req -x509 -newkey rsa:2048 -nodes -days 7300 -subj "/O=Mailscope Tests/CN=Mailscope Test CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
cat >"$tls/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $tls/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
organizationName = optional
EOF
# cert NAME CN START END: a key and a certificate signed by the CA, with
# the CA appended (the chain the server sends)
cert() {
  openssl req -new -newkey rsa:2048 -nodes -subj "/O=Mailscope Tests/CN=$2" \
    -addext "subjectAltName=DNS:$2" -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null
  openssl ca -batch -config "$tls/ca.cnf" -cert "$tls/ca.pem" -keyfile "$tls/ca.key" \
    -startdate "$3" -enddate "$4" -in "$tls/$1.csr" -out "$tls/$1.crt" 2>/dev/null
  openssl x509 -in "$tls/$1.crt" >"$tls/$1.pem"
  cat "$tls/ca.pem" >>"$tls/$1.pem"
}
yesterday=$(date -u -d yesterday +%y%m%d%H%M%SZ)
later=$(date -u -d '+20 years' +%Y%m%d%H%M%SZ)
cert good mail.example.test "$yesterday" "$later"
cert expired mail.example.test 200101000000Z 210101000000Z
cert wrongname other.example.test "$yesterday" "$later"
chmod 644 "$tls"/*.key

# --- dovecot: POP3 on 110 (STLS) and 995 ------------------------------------
mkdir -p /etc/dovecot/private
cp "$tls/good.pem" /etc/dovecot/private/dovecot.pem
cp "$tls/good.key" /etc/dovecot/private/dovecot.key
peers_dovecot 127.0.0.1 "plain login" "$tls/good.pem" "$tls/good.key" </dev/null

# --- postfix: 25 STARTTLS, 465 implicit TLS, ports with other certificates --
peers_postfix ipv4 127.0.0.0/8 "$tls/good.pem" "$tls/good.key" \
  "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
postconf -M "465/inet=465 inet n - y - - smtpd -o smtpd_tls_wrappermode=yes"
postconf -M "10025/inet=10025 inet n - y - - smtpd -o tls_medium_cipherlist=DEFAULT@SECLEVEL=0 -o smtpd_tls_protocols=>=TLSv1"
postconf -M "10026/inet=10026 inet n - y - - smtpd -o smtpd_tls_cert_file=$tls/expired.pem -o smtpd_tls_key_file=$tls/expired.key"
postconf -M "10027/inet=10027 inet n - y - - smtpd -o smtpd_tls_cert_file=$tls/wrongname.pem -o smtpd_tls_key_file=$tls/wrongname.key"

cap_pid=""
proxy_pid=""
stop_servers() {
  [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true
  [ -z "$cap_pid" ] || { sleep 1; kill "$cap_pid" 2>/dev/null; } || true
  peers_stop
}
trap stop_servers EXIT
stop_servers
peers_start

start_capture() { # file, filter
  tcpdump -i lo -U -s 0 -w "$out/$1" "$2" >/dev/null 2>&1 &
  cap_pid=$!
  sleep 1
}
stop_capture() { peers_stop_capture; }
# s_client PROTO PORT ARGS...: STARTTLS PROTO, then what stdin says
s_client() {
  local proto=$1 port=$2
  shift 2
  openssl s_client -quiet -crlf -connect 127.0.0.1:"$port" -starttls "$proto" \
    -servername mail.example.test "$@" >/dev/null 2>&1 || true
}
smtp_quit() { printf 'EHLO client.example.test\nQUIT\n'; sleep 1; }
msg=$(mktemp)
printf 'From: a@example.test\r\nTo: %s\r\nSubject: over TLS\r\n\r\nhello\r\n' "$to" >"$msg"

if want tls-smtp-versions; then
start_capture tls-smtp-versions.pcap "tcp port 25 or tcp port 10025"
smtp_quit | s_client smtp 25 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
smtp_quit | s_client smtp 25 -tls1_2 -cipher AES256-SHA
smtp_quit | s_client smtp 25 -tls1_2 -cipher DHE-RSA-CHACHA20-POLY1305
smtp_quit | s_client smtp 25 -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
smtp_quit | s_client smtp 25 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
smtp_quit | s_client smtp 10025 -tls1 -cipher 'DEFAULT@SECLEVEL=0'
smtp_quit | s_client smtp 25 -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
stop_capture
fi

if want tls-smtp-clients; then
start_capture tls-smtp-clients.pcap "tcp port 25 or tcp port 465"
swaks_q -s 127.0.0.1 -tls --to "$to" --from swaks@example.test
msmtp --host=127.0.0.1 --port=25 --tls=on --tls-starttls=on --tls-certcheck=off \
  --domain=client.example.test --from=msmtp@example.test "$to" <"$msg" || true
curl -s --ssl-reqd --cacert "$tls/ca.pem" --resolve mail.example.test:25:127.0.0.1 \
  --url smtp://mail.example.test:25 --mail-from curl@example.test \
  --mail-rcpt "$to" --upload-file "$msg" >/dev/null || true
curl -s --cacert "$tls/ca.pem" --resolve mail.example.test:465:127.0.0.1 \
  --url smtps://mail.example.test:465 --mail-from curls@example.test \
  --mail-rcpt "$to" --upload-file "$msg" >/dev/null || true
# STARTTLS and NOOP in one write: the NOOP is plaintext injected before
# the handshake; postfix discards it (CVE-2011-0411)
python3 - <<'EOF' || true
import socket, ssl
s = socket.create_connection(("127.0.0.1", 25))
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if not line or line[3:4] == b" ":
            return line
reply()
s.sendall(b"EHLO injector.example.test\r\n"); reply()
s.sendall(b"STARTTLS\r\nNOOP\r\n"); reply()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="mail.example.test")
tf = t.makefile("rb")
t.sendall(b"EHLO injector.example.test\r\n")
while tf.readline()[3:4] != b" ":
    pass
t.sendall(b"QUIT\r\n"); tf.readline()
t.close()
EOF
stop_capture
fi

if want tls-pop3; then
start_capture tls-pop3.pcap "tcp port 110 or tcp port 995"
{ printf 'QUIT\n'; sleep 1; } | s_client pop3 110 -tls1_2
curl -s --ssl-reqd --cacert "$tls/ca.pem" --resolve mail.example.test:110:127.0.0.1 \
  --user "$user:$pass" pop3://mail.example.test:110/ >/dev/null || true
curl -s --cacert "$tls/ca.pem" --resolve mail.example.test:995:127.0.0.1 \
  --user "$user:$pass" pop3s://mail.example.test:995/ >/dev/null || true
mpop --host=127.0.0.1 --port=110 --tls=on --tls-starttls=on --tls-certcheck=off \
  --user="$user" --passwordeval="echo $pass" --only-new=off --keep=on \
  --delivery=mbox,/dev/null >/dev/null 2>&1 || true
stop_capture
fi

if want tls-certificates; then
start_capture tls-certificates.pcap "tcp port 10026 or tcp port 10027"
smtp_quit | s_client smtp 10026 -tls1_2
smtp_quit | s_client smtp 10027 -tls1_2
stop_capture
fi

if want tls-starttls-stripping; then
python3 scripts/starttls_proxy.py 127.0.0.2 25 127.0.0.1 25 strip pass strip xxx refuse &
proxy_pid=$!
sleep 1
start_capture tls-starttls-stripping.pcap "host 127.0.0.2 and tcp port 25"
for from in one two three four five; do
  swaks_q -s 127.0.0.2 --tls-optional --to "$to" --from "$from@example.test"
done
stop_capture
wait "$proxy_pid" 2>/dev/null || true
proxy_pid=""
fi
rm -f "$msg"
