#!/usr/bin/env bash
# t_package.sh - make deb builds the Debian package (dpkg-buildpackage,
# lintian with no error and no warning), the package installs on this
# machine, /usr/bin/mailscope --version runs, systemd-analyze verify accepts
# mailscope@lo.service, the unit keeps only CAP_NET_RAW and CAP_NET_ADMIN
# with NoNewPrivileges, ProtectSystem=strict, LogsDirectory and --sandbox,
# the default config and the logrotate file are conffiles, make install
# installs the same files; the installed binary runs as the unit runs it
# (not root, the two capabilities, no new privileges, --sandbox) and
# captures on lo; then the package is purged again.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "installing a package needs root: skipped"
  exit 77
fi
case ${MAILSCOPE:-} in
*asan*) echo "the package does not hold the ASan build: checked by make test, skipped here"; exit 77 ;;
esac
for tool in dpkg-buildpackage dh lintian; do
  command -v $tool >/dev/null || { echo "$tool is not installed (scripts/deps.sh test): skipped"; exit 77; }
done
tmp=$(mktemp -d)
chmod 755 "$tmp" # nobody runs the binary below
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
rm -rf build-deb
nice make deb >"$tmp/deb.log" 2>&1
if ! grep -q "lintian: no error, no warning" "$tmp/deb.log"; then
  tail -n 30 "$tmp/deb.log"
  echo "FAIL make deb (lintian clean)"
  exit 1
fi
echo "ok   make deb (lintian clean)"
deb=$(ls build-deb/mailscope_*.deb)
apt() { DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=600 "$@"; }
apt install "./$deb" >"$tmp/install.log" 2>&1
check "the package installs" test $? = 0
trap 'apt purge mailscope >/dev/null 2>&1; rm -rf "$tmp"' EXIT
check "mailscope --version" sh -c "/usr/bin/mailscope --version | grep -q '^mailscope [0-9]'"
unit=/lib/systemd/system/mailscope@.service
check "the unit is installed" test -f $unit
if systemd-analyze --help >/dev/null 2>&1; then
  systemd-analyze verify mailscope@lo.service >"$tmp/verify" 2>&1
  check "systemd-analyze verify mailscope@lo.service" test $? = 0
  cat "$tmp/verify"
else
  echo "systemd-analyze cannot run here: the verification is skipped"
fi
check "unit: CAP_NET_RAW and CAP_NET_ADMIN only" grep -qx "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" $unit
check "unit: NoNewPrivileges" grep -qx "NoNewPrivileges=yes" $unit
check "unit: ProtectSystem=strict" grep -qx "ProtectSystem=strict" $unit
check "unit: LogsDirectory" grep -qx "LogsDirectory=mailscope" $unit
check "unit: --sandbox, records in the logs directory" grep -q "^ExecStart=/usr/bin/mailscope -i %I --sandbox --json-file /var/log/mailscope/%I.ndjson" $unit
check "the default config is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' mailscope | grep -q /etc/default/mailscope"
check "the logrotate file is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' mailscope | grep -q /etc/logrotate.d/mailscope"
# The unit's way to run: not root, only the two capabilities, no new
# privileges, --sandbox: it captures and writes its records.
if command -v setpriv >/dev/null; then
  mkdir -m 777 "$tmp/logs"
  timeout -s INT 3 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin \
    --bounding-set=-all,+net_raw,+net_admin --no-new-privs \
    /usr/bin/mailscope -i lo -f 'tcp port 1' --sandbox --format ecs \
    --stats-interval 1 --json-file "$tmp/logs/lo.ndjson" >/dev/null 2>"$tmp/cap.err"
  check "capabilities only: it listens" grep -q "listening on lo" "$tmp/cap.err"
  check "capabilities only: its records are written" grep -q '"kind":"metric"' "$tmp/logs/lo.ndjson"
fi
check "the man page" test -f /usr/share/man/man1/mailscope.1.gz
check "the Filebeat example" test -f /usr/share/doc/mailscope/examples/filebeat.yml
# make install: the same files (the package compresses its docs)
make install-files DESTDIR="$tmp/root" PREFIX=/usr UNITDIR=/lib/systemd/system >/dev/null 2>&1
(cd "$tmp/root" && find . -type f | sed 's/\.gz$//' | sort) >"$tmp/make"
dpkg -L mailscope | while read -r f; do [ -f "$f" ] && echo ".$f"; done |
  sed 's/\.gz$//' | grep -v -e changelog -e copyright | sort >"$tmp/pkg"
check "make install installs what the package installs" diff "$tmp/pkg" "$tmp/make"
exit $fail
