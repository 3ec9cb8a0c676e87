#!/usr/bin/env bash
# t_hostile_files.sh - no file written through a link or over another
# (issue 20, "Files"): transcripts are created relative to the directory's
# descriptor with O_NOFOLLOW|O_EXCL, so a link planted at DIR/UID.txt is not
# followed (its target stays untouched) and two sessions with one uid (the
# same tuple and first timestamp, here from two captures read as one
# timeline) get UID.txt and UID-1.txt; --transcript-dir, --extract-dir and
# --zeek-dir that are links are refused unless --follow-dir-links, and so
# is a --json-file that is a link; a planted link in --extract-dir is not
# followed either; --max-extract-files holds and is counted.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
a=pcaps/corpus/suricata-verify/smtp-data-rejected.pcap
b=pcaps/corpus/suricata-verify/smtp-to-comma.pcap
uid=$("$bin" -q -J -r "$a" | head -n 1 | sed 's/.*"uid":"\([^"]*\)".*/\1/')
check "the two captures share a uid" test "$("$bin" -q -J -r "$b" 2>/dev/null | grep -c "\"uid\":\"$uid\"")" -ge 1

# 1. A link planted at DIR/UID.txt, and a uid seen twice.
mkdir "$tmp/tr"
echo precious >"$tmp/target"
ln -s "$tmp/target" "$tmp/tr/$uid.txt"
"$bin" -q --transcript-dir "$tmp/tr" -r "$a" -r "$b" >/dev/null 2>"$tmp/err"
check "planted link: target untouched" test "$(cat "$tmp/target")" = precious
check "planted link: still a link" test -L "$tmp/tr/$uid.txt"
check "first session: $uid-1.txt" grep -q "uid=$uid" "$tmp/tr/$uid-1.txt"
check "second session with the same uid: $uid-2.txt" grep -q "uid=$uid" "$tmp/tr/$uid-2.txt"

# 2. Output directories that are links.
mkdir "$tmp/real"
ln -s "$tmp/real" "$tmp/link"
for opt in --transcript-dir --extract-dir --zeek-dir; do
  "$bin" -q $opt "$tmp/link" -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
  check "$opt link: exit 2" test $? = 2
  check "$opt link: said" grep -q "link: is a symbolic link: refused" "$tmp/err"
  "$bin" -q $opt "$tmp/link" --follow-dir-links -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
  check "$opt link with --follow-dir-links: exit 0" test $? = 0
done
check "files went through the followed link" test -n "$(ls "$tmp/real")"
ln -s "$tmp/target" "$tmp/j.ndjson"
"$bin" -q --json-file "$tmp/j.ndjson" -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
check "--json-file link: exit 2" test $? = 2
check "--json-file link: target untouched" test "$(cat "$tmp/target")" = precious

# 3. A link planted where an attachment will be written.
mkdir "$tmp/ex"
duid=$("$bin" -q -J -r pcaps/demo.pcap | head -n 1 | sed 's/.*"uid":"\([^"]*\)".*/\1/')
ln -s "$tmp/target" "$tmp/ex/$duid-t1-0-report.txt"
ln -s "$tmp/target" "$tmp/ex/$duid-t1.eml"
"$bin" -q --extract-dir "$tmp/ex" -J -r pcaps/demo.pcap >"$tmp/ex.json" 2>"$tmp/err"
check "extract: exit 0" test $? = 0
check "extract: link target untouched" test "$(cat "$tmp/target")" = precious
check "extract: attachment beside the link" test -s "$tmp/ex/$duid-t1-0-report.txt-1"
check "extract: the record names the file written" grep -q "\"extracted\":\"$duid-t1-0-report.txt-1\"" "$tmp/ex.json"

# 4. --max-extract-files: a limit, counted in the stats record.
"$bin" --extract-dir "$tmp/lim" --max-extract-files 2 -J --stats -r pcaps/demo.pcap >"$tmp/lim.json" 2>"$tmp/err"
check "limit: exit 0" test $? = 0
check "limit: 2 files" test "$(ls "$tmp/lim" | wc -l)" = 2
check "limit: counted" "$py" -c "import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(not (s['files_extracted']==2 and s['extract_refused']==2))" "$tmp/lim.json"
check "limit: said once" test "$(grep -c "max-extract-files 2 reached" "$tmp/err")" = 1
exit $fail
