#!/bin/sh
# make_deb.sh - build the Debian package from this tree (make deb): the
# tracked files are copied to build-deb/mailscope-VERSION (so that the
# tree's own build directories stay out), dpkg-buildpackage builds the
# binary package there, and lintian checks it: any error or warning fails.
# The package lands in build-deb/.  Needs debhelper, dpkg-dev and lintian
# (scripts/deps.sh test installs them).
set -eu
cd "$(dirname "$0")/.."
version=$(sed -n '1s/^mailscope (\([^)]*\)).*/\1/p' debian/changelog)
out=build-deb
src=$out/mailscope-$version
rm -rf "$out"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    xargs -0 cp --parents -t "$src"
else
  tar --exclude=./build --exclude=./build-asan --exclude=./build-fuzz \
    --exclude="./$out" --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
(cd "$src" && dpkg-buildpackage -us -uc -b >../dpkg-buildpackage.log 2>&1) || {
  tail -n 40 "$out/dpkg-buildpackage.log"
  echo "make deb: dpkg-buildpackage failed (log: $out/dpkg-buildpackage.log)" >&2
  exit 1
}
deb=$(ls "$out"/mailscope_"$version"_*.deb)
lintian --fail-on error,warning --suppress-tags-from-file /dev/null \
  "$deb" "$out"/mailscope_"$version"_*.changes
echo "make deb: $deb (lintian: no error, no warning)"
