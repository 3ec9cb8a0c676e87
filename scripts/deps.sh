#!/bin/sh
# deps.sh [test] - make sure every build dependency (and, with "test", every
# test dependency) is installed.  Installs the missing Debian packages with
# apt-get when run as root; otherwise prints the exact command and fails.
set -eu

missing=""
need() { # package, command that succeeds when it is there
  if ! sh -c "$2" >/dev/null 2>&1; then
    missing="$missing $1"
  fi
}

need pkg-config       "command -v pkg-config"
need gcc              "command -v cc"
need make             "command -v make"
need libpcap-dev      "pkg-config --exists libpcap"
need libjson-c-dev    "pkg-config --exists json-c"
need libgmime-3.0-dev "pkg-config --exists gmime-3.0"
need libglib2.0-dev   "pkg-config --exists glib-2.0"
need libssl-dev       "pkg-config --exists libcrypto"
# compressed captures (.pcap.gz, .zst, .xz)
need zlib1g-dev       "pkg-config --exists zlib"
need libzstd-dev      "pkg-config --exists libzstd"
need liblzma-dev      "pkg-config --exists liblzma"
if [ "${1:-}" = test ]; then
  need libcmocka-dev      "pkg-config --exists cmocka"
  need libnids-dev        "test -f /usr/include/nids.h"
  need libnet1-dev        "test -f /usr/include/libnet.h"
  need python3            "test -x /usr/bin/python3"
  need python3-jsonschema "/usr/bin/python3 -c 'import jsonschema'"
  need python3-scapy      "/usr/bin/python3 -c 'import scapy'"
  need python3-yaml       "/usr/bin/python3 -c 'import yaml'"
  need tshark             "command -v tshark"
  need tcpdump            "command -v tcpdump"
  # make deb and its test (tests/t_package.sh)
  need debhelper          "command -v dh"
  need dpkg-dev           "command -v dpkg-buildpackage"
  need lintian            "command -v lintian"
  need time               "test -x /usr/bin/time"
  need tcpreplay          "command -v tcpreplay"  # make bench-live
  need chromium           "test -x /usr/bin/chromium"
  # the HTML report's browser test drives Chromium over the DevTools protocol
  need python3-websocket  "/usr/bin/python3 -c 'import websocket'"
  need man-db             "command -v man"
  need valgrind           "command -v valgrind"
  need zstd               "command -v zstd"
  need xz-utils           "command -v xz"
  # fuzzing (tests/t_fuzz_smoke.sh): clang, and the libFuzzer / sanitizer
  # runtimes, which clang only recommends
  need clang              "command -v clang"
  need libclang-rt-14-dev "ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a"
fi

[ -z "$missing" ] && exit 0

echo "mailscope: installing missing packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture: answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections 2>/dev/null || true
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2
else
  echo "mailscope: run as root:  sudo apt-get install -y$missing" >&2
  exit 1
fi
