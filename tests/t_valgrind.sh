#!/usr/bin/env bash
# t_valgrind.sh - valgrind memcheck over a handful of captures, in every
# output mode: no invalid read or write, no use of uninitialised memory,
# no definite or indirect leak (GLib's and GMime's one-time caches are
# "still reachable" and not counted).  `make valgrind` runs only this.
# Valgrind cannot run the ASan build: under ./mailscope-asan it is skipped.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
case "$bin" in
*asan*) echo "valgrind cannot run an ASan binary: skipped (the ASan suite checks the same)"; exit 77 ;;
esac
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
captures="pcaps/demo.pcap pcaps/edge/hostile.pcap pcaps/edge/bdat.pcap
  pcaps/edge/auth-ntlm-digest.pcap pcaps/edge/lost-segment.pcap
  pcaps/edge/ipv4-fragments.pcap pcaps/edge/demo.pcapng pcaps/edge/truncated.pcap
  pcaps/real/pop3-full.pcap pcaps/corpus/suricata-verify/mime.pcap
  pcaps/corpus/zeek/smtp-attachment-msg.pcap"
vg=(valgrind -q --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
  --track-origins=yes)
failed=0 runs=0
check() { # label, mailscope arguments...
  local label=$1
  shift
  runs=$((runs + 1))
  "${vg[@]}" "$bin" -q "$@" >/dev/null 2>"$tmp/vg.log"
  local rc=$?
  if [ $rc = 99 ] || grep -q '^==[0-9]*==' "$tmp/vg.log"; then
    echo "FAIL $label: $*"
    head -60 "$tmp/vg.log"
    failed=$((failed + 1))
  fi
}
for cap in $captures; do
  [ -f "$cap" ] || { echo "missing $cap"; exit 1; }
  rm -rf "$tmp/ex"
  check "$cap json" -J --stats --extract-dir "$tmp/ex" -r "$cap"
  check "$cap transcript" --full-bodies --show-secrets --timestamps --stats -r "$cap"
done
check "ecs" --format ecs -r pcaps/demo.pcap -r pcaps/edge/bdat.pcap
check "zeek" --format zeek -r pcaps/demo.pcap -r pcaps/real/pop3-full.pcap
check "report" -J --report "$tmp/r.html" --transcript-dir "$tmp/tr" -r pcaps/demo.pcap
check "workers" -J --workers 2 --json-file "$tmp/j.json" -r pcaps/demo.pcap -r pcaps/edge/bdat.pcap
[ $failed = 0 ] || { echo "$failed of $runs valgrind runs failed"; exit 1; }
echo "valgrind memcheck: $runs runs over $(echo $captures | wc -w) captures, no error, no leak"
