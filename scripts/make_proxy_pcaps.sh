#!/usr/bin/env bash
# make_proxy_pcaps.sh - capture SMTP and POP3 through SOCKS proxies, and
# messages that mail clients read differently from strict parsers, with
# real servers in a private network namespace (issue 14 behaviours 5-9).
#
#   flock /tmp/mailscope-peers.lock scripts/make_proxy_pcaps.sh [OUTDIR [NAME...]]
#
# Runs scripts/make_pcaps.sh (postfix and dovecot set up as for the other
# real captures, user mstest) inside a network namespace of its own, so
# that only this traffic is recorded, and has it source
# scripts/proxy_captures.sh, which starts the proxies (microsocks for
# SOCKS5, Dante for SOCKS4, a small Python one for SOCKS4a), drives curl
# and Python through them and
# records with tcpdump on the namespace's loopback.  Captures:
# smtp-socks, pop3-socks, smtp-mime-clients (default: all three, into
# pcaps/real).  Run as root; everything stops when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-pcaps/real}
[ $# -gt 0 ] && shift
names=${*:-smtp-socks pop3-socks smtp-mime-clients}
[ "$(id -u)" = 0 ] || { echo "make_proxy_pcaps.sh: run as root" >&2; exit 1; }
for p in microsocks dante-server curl tcpdump; do
  dpkg -s "$p" >/dev/null 2>&1 || need="${need:-} $p"
done
[ -z "${need:-}" ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need; }
scripts/make_pcaps.sh --install-only
ns=mailscope-proxy-$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
ip netns exec "$ns" ip link set lo up
# shellcheck disable=SC2086
MAILSCOPE_EXTRA_CAPTURES=$PWD/scripts/proxy_captures.sh \
  ip netns exec "$ns" scripts/make_pcaps.sh "$out" $names
