#!/usr/bin/env bash
# make_route_pcaps.sh - real mail deliveries with their DNS, for the route
# of SMTP sessions (issue 19).  Everything happens inside a private network
# namespace, on its loopback (127.0.0.0/8) only:
#
#   dnsmasq (127.0.0.53)   answers for the test domains: two.test (MX 10
#                          mx1, 20 mx2), cname.test (its MX is a CNAME),
#                          nomx.test (no MX, an A), fallback.test (MX 10 is
#                          down), pref.test (MX 10 and 20), change.test
#                          (its MX host's A changes between two deliveries),
#                          and PTR records for every host
#   postfix (127.0.0.1:25) a private instance (own config, queue and data
#                          directories), the sending MTA: smtp_host_lookup
#                          = dns through dnsmasq, sending from 127.0.5.5
#                          as sender.example.test
#   aiosmtpd receivers     on the MX addresses and on 127.0.9.9 (no MX of
#                          anything); like a receiving MTA they look up the
#                          client's PTR and its HELO name's A
#   swaks                  deliveries straight to a chosen host
#
# The messages are submitted to postfix on port 587, so the submission
# leg is not taken for a delivery.  tcpdump records DNS and SMTP together on the namespace's loopback.  Must
# run as root, under the peers lock:
#
#   flock /tmp/mailscope-peers.lock scripts/make_route_pcaps.sh [OUTDIR]
#
# (default OUTDIR: pcaps/real).  pcaps/README.md describes each capture.
set -euo pipefail
out=${1:-pcaps/real}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "make_route_pcaps.sh: run as root" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
need=""
for p in postfix dnsmasq-base swaks tcpdump python3-aiosmtpd; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $need
fi

ns=msroute$$
base=/var/lib/mailscope-route
cleanup() {
  set +e
  [ -f "$base/pf/etc/main.cf" ] && ip netns exec "$ns" postfix -c "$base/pf/etc" stop >/dev/null 2>&1
  for f in "$base"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$base"/*.pid
  ip netns del "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }
# daemon NAME command...: run in the namespace, in the background, its pid
# in $base/NAME.pid (ip netns exec forks: its own pid is not the daemon's)
daemon() {
  local name=$1
  shift
  inns sh -c 'echo $$ >"$0"; exec "$@"' "$base/$name.pid" "$@" &
}

# --- the namespace's resolver: dnsmasq ------------------------------------
mkdir -p "/etc/netns/$ns" "$base"
rm -f "$base"/*.pid
echo "nameserver 127.0.0.53" >"/etc/netns/$ns/resolv.conf"
printf '127.0.0.1 localhost\n' >"/etc/netns/$ns/hosts"
printf 'hosts: files dns\n' >"/etc/netns/$ns/nsswitch.conf"
changing=$base/changing.hosts
echo "127.0.4.10 mx.change.test" >"$changing"
daemon dnsmasq dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
  --listen-address=127.0.0.53 --bind-interfaces --port=53 --local-ttl=300 \
  --local=/test/ --local=/in-addr.arpa/ \
  --addn-hosts="$changing" \
  --mx-host=two.test,mx1.two.test,10 --mx-host=two.test,mx2.two.test,20 \
  --host-record=mx1.two.test,127.0.1.10 --host-record=mx2.two.test,127.0.1.20 \
  --mx-host=cname.test,mail.cname.test,10 \
  --cname=mail.cname.test,real.hosting.test \
  --host-record=real.hosting.test,127.0.2.10 \
  --host-record=nomx.test,127.0.3.10 \
  --mx-host=fallback.test,mx1.fallback.test,10 \
  --mx-host=fallback.test,mx2.fallback.test,20 \
  --host-record=mx1.fallback.test,127.0.7.10 \
  --host-record=mx2.fallback.test,127.0.7.20 \
  --mx-host=pref.test,mxa.pref.test,10 --mx-host=pref.test,mxb.pref.test,20 \
  --host-record=mxa.pref.test,127.0.8.10 --host-record=mxb.pref.test,127.0.8.20 \
  --mx-host=change.test,mx.change.test,10 \
  --host-record=sender.example.test,127.0.5.5 \
  --host-record=bot-6-6.dyn.test,127.0.6.6 \
  --host-record=other.test,127.0.9.9

# --- the receivers (127.0.7.10, mx1 of fallback.test, stays down) ----------
daemon receivers /usr/bin/python3 "$here/route_peers.py" receive 127.0.1.10 \
  127.0.1.20 127.0.2.10 127.0.3.10 127.0.8.10 127.0.8.20 127.0.4.10 \
  127.0.4.20 127.0.9.9 127.0.7.20

# --- the sending postfix: a private instance ------------------------------
pf=$base/pf
rm -rf "$pf"
mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
chown postfix "$pf/data"
cp /etc/postfix/master.cf "$pf/etc/master.cf"
# no chroot: the smtp client reads the namespace's resolv.conf
awk '/^[a-z].*(inet|unix|fifo|pass)/ { $5 = "n" } { print }' \
  /etc/postfix/master.cf >"$pf/etc/master.cf"
echo "submission inet n - n - - smtpd" >>"$pf/etc/master.cf"
cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $pf/etc
queue_directory = $pf/spool
data_directory = $pf/data
myhostname = sender.example.test
mydomain = example.test
myorigin = example.test
mydestination =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_host_lookup = dns
disable_dns_lookups = no
smtp_bind_address = 127.0.5.5
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s
maillog_file = $base/maillog
alias_maps =
alias_database =
local_recipient_maps =
biff = no
EOF
: >"$base/maillog"
postfix_up() { inns postfix -c "$pf/etc" start >/dev/null 2>&1 || inns postfix -c "$pf/etc" status; }

wait_port() { # addr port
  for _ in $(seq 50); do
    inns bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "make_route_pcaps.sh: nothing listens on $1:$2" >&2
  return 1
}
wait_port 127.0.9.9 25
wait_port 127.0.0.53 53 || true

# Wait until the postfix queue is empty (every message delivered or
# bounced), at most 60 s.
drain() {
  for _ in $(seq 120); do
    [ -z "$(find "$pf/spool/active" "$pf/spool/incoming" "$pf/spool/deferred" -type f 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  echo "make_route_pcaps.sh: queue not empty:" >&2
  inns postqueue -c "$pf/etc" -p >&2 || true
}

# capture NAME command...: record DNS and SMTP while the command runs
capture() {
  local name=$1
  shift
  daemon tcpdump tcpdump -q -i lo -s 0 -U -w "$out/$name.pcap" \
    "port 53 or port 25 or port 587" 2>/dev/null
  local tp=$!
  sleep 1
  "$@"
  sleep 1
  kill -INT "$(cat "$base/tcpdump.pid")"
  wait "$tp" || true
  rm -f "$base/tcpdump.pid"
  echo "  $out/$name.pcap"
}

send() { # rcpt: submit (port 587) to the sending postfix, which routes by DNS
  inns swaks --silent 2 --server 127.0.0.1 --port 587 --helo submit.example.test \
    --from alice@example.test --to "$1" --header "Subject: route to $1" \
    --body "Routed by MX lookup to $1." >/dev/null
}

postfix_up
wait_port 127.0.0.1 587
sleep 2 # the probe's connection is over before the first capture

# 1. Postfix routes by DNS: an MX with two preferences (the better one up),
# an MX that is a CNAME, a domain with no MX but an A.
deliveries() {
  send alice@two.test && drain
  send bob@cname.test && drain
  send carol@nomx.test && drain
}
capture route-postfix-mx deliveries

# 2. The preferred MX refuses the connection: postfix falls back to the
# backup MX, which is fair (no mx_lower_preference).
fallback() { send dave@fallback.test && drain; }
capture route-mx-fallback fallback

# 3. A sender that looked up the MX and went elsewhere: straight to a host
# that is no MX of the domain, with a HELO its PTR does not confirm; and
# to the backup MX while the preferred one answered and was never tried.
direct() {
  inns /usr/bin/python3 "$here/route_peers.py" resolve two.test/MX \
    mx1.two.test/A mx2.two.test/A pref.test/MX mxa.pref.test/A mxb.pref.test/A
  inns swaks --silent 2 --server 127.0.9.9 --local-interface 127.0.6.6 \
    --helo mail.two.test --from bot@dyn.test --to victim@two.test \
    --header "Subject: not through the MX" --body "Direct to a non-MX host." >/dev/null
  inns swaks --silent 2 --server 127.0.8.20 --local-interface 127.0.6.6 \
    --helo bot-6-6.dyn.test --from bot@dyn.test --to user@pref.test \
    --header "Subject: backup MX first" --body "Skipped the preferred MX." >/dev/null
}
capture route-swaks-direct direct

# 4. The address of change.test's MX host changes between two deliveries.
changed() {
  send erin@change.test && drain
  echo "127.0.4.20 mx.change.test" >"$changing"
  kill -HUP "$(cat "$base/dnsmasq.pid")"
  sleep 0.5
  send frank@change.test && drain
}
capture route-dns-changed changed
echo "postfix log: $base/maillog"
