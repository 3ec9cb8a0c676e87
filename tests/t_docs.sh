#!/usr/bin/env bash
# t_docs.sh - the documentation is self-contained and agrees with the
# program: mailscope -h and the man page list the same options; docs/,
# the README, the man page and the source comments point at the project's
# own files (no ../shared, no SPEC.md), and every repository path they name
# (docs/..., tests/..., src/..., scripts/..., packaging/...) exists, but
# for what the build makes and Zeek's own script paths.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
"$bin" -h >/tmp/mailscope-help.$$ || exit 1
"$py" - /tmp/mailscope-help.$$ docs/mailscope.1 <<'PY'
import re, sys
help_text = open(sys.argv[1]).read()
man = open(sys.argv[2]).read()
opts_help = set()
for line in help_text.splitlines():
    m = re.match(r"^  (-\w)?(?:, )?(--[\w-]+)?", line)
    if m and (m.group(1) or m.group(2)):
        opts_help.update(x for x in m.groups() if x)
opts_man = set()
lines = man.splitlines()
for i, line in enumerate(lines):
    if line.startswith(".TP") and i + 1 < len(lines):
        item = lines[i + 1].replace("\\-", "-")
        if item.startswith((".B", ".BI", ".BR")):
            opts_man.update(re.findall(r"(?<![\w-])(--[\w-]+|-\w)(?![\w-])", item))
missing_man = sorted(opts_help - opts_man)
missing_help = sorted(opts_man - opts_help)
for o in missing_man:
    print("in -h, not in the man page:", o)
for o in missing_help:
    print("in the man page, not in -h:", o)
print("options: -h %d, man page %d" % (len(opts_help), len(opts_man)))
sys.exit(1 if missing_man or missing_help or len(opts_help) < 30 else 0)
PY
rc=$?
rm -f /tmp/mailscope-help.$$
files=$(git ls-files docs README.md src dissectors tests/*.sh tests/*.py tests/unit fuzz scripts packaging debian Makefile 2>/dev/null |
  grep -v -e '\.pcap' -e 'tests/t_docs.sh')
if grep -n -e '\.\./shared' -e 'SPEC\.md' $files; then
  echo "FAIL: references outside the repository (above)"
  rc=1
fi
missing=0
for path in $(grep -oh -E '\b(docs|tests|src|scripts|packaging|dissectors|fuzz|bench)/[A-Za-z0-9_./-]+[A-Za-z0-9_]' \
    README.md docs/*.md docs/mailscope.1 | sort -u); do
  case $path in
  *'*'* | *'...'*) continue ;;
  bench/out/* | tests/out/* | fuzz/corpus/* | fuzz/findings/* | fuzz/fuzz/*)
    continue ;; # made by make bench, make fuzz, the tests
  scripts/base/* | scripts/policy/*) continue ;; # Zeek's own scripts
  esac
  if [ ! -e "$path" ] && [ ! -e "${path%/*}" ]; then
    echo "FAIL: the docs name $path, which does not exist"
    missing=1
  fi
done
[ $missing = 0 ] || rc=1
[ $rc = 0 ] && echo "docs: -h and the man page agree, no reference outside the repository"
exit $rc
