#!/usr/bin/env bash
# t_fuzz_smoke.sh - replay a deterministic set of hostile inputs through
# each dissector under AddressSanitizer and UBSan (the libFuzzer harness
# fuzz/fuzz_dissector.c built standalone).  Inputs: random bytes, and real
# SMTP/POP3 dialogues mutated (bytes flipped, lines cut, chunks reordered),
# from a fixed seed so a failure is reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
PKGS="libpcap json-c gmime-3.0 glib-2.0 libcrypto"
srcs=$(ls dissectors/*.c)
for p in SMTP POP3; do
  cc -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
    -fno-sanitize-recover=undefined -DFUZZ_STANDALONE -DFUZZ_PROTO=MS_PROTO_$p \
    -Idissectors $(pkg-config --cflags $PKGS) -o "$out/fuzz_$p" \
    fuzz/fuzz_dissector.c $srcs $(pkg-config --libs $PKGS) -lm
done
"${PYTHON:-/usr/bin/python3}" tests/fuzz_inputs.py "$out/in" 400
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for p in SMTP POP3; do
  find "$out/in" -type f -print0 | xargs -0 -n 50 "$out/fuzz_$p"
  echo "fuzz_$p: $(find "$out/in" -type f | wc -l) inputs replayed"
done
