#!/usr/bin/env bash
# TCMalloc for a Vocalis image (/opt/vocalis/lib, preloaded by the images' entrypoints), made on
# the build host (Maven runs it in the package phase, see k8s/README.md):
#
#   tools/image-tcmalloc.sh OUT
#       OUT/libtcmalloc_minimal.so.4 = the build host's copy (Debian/Ubuntu libtcmalloc-minimal4)
#       when it is installed, else the one in that package, fetched with `apt-get download`
#       (after an `apt-get update` when the first try fails: a fresh machine may have no package
#       lists) and unpacked with dpkg-deb; nothing is installed. Kept once made.
#
# Fails naming what is missing when neither works: an image without it would start without the
# allocator its memory figures were measured with.
set -euo pipefail

out=$1
lib=libtcmalloc_minimal.so.4
package=libtcmalloc-minimal4
host=/usr/lib/x86_64-linux-gnu/$lib

if [ -f "$out/$lib" ]; then
  exit 0
fi
mkdir -p "$out"
if [ -e "$host" ]; then
  cp -L "$host" "$out/$lib.part"
  mv "$out/$lib.part" "$out/$lib"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { (cd "$work" && apt-get download "$package") >"$work/apt.log" 2>&1; }
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "image-tcmalloc: $host is missing and this host has no apt-get/dpkg-deb to fetch $package;" \
    "install $package or pass -Dvocalis.image.tcmalloc-dir=<a folder holding $lib>" >&2
  exit 1
fi
if ! fetch && { [ "$(id -u)" != 0 ] || ! apt-get update >>"$work/apt.log" 2>&1 || ! fetch; }; then
  cat "$work/apt.log" >&2
  echo "image-tcmalloc: could not fetch the Debian package $package (above: apt-get's output);" \
    "install it or pass -Dvocalis.image.tcmalloc-dir=<a folder holding $lib>" >&2
  exit 1
fi
dpkg-deb -x "$work"/"$package"_*.deb "$work/root"
cp -L "$work/root/usr/lib/x86_64-linux-gnu/$lib" "$out/$lib.part"
mv "$out/$lib.part" "$out/$lib"
