#!/usr/bin/env bash
# Prints the path of the installed TCMalloc (Debian/Ubuntu: libtcmalloc-minimal4), the allocator
# `./vocalis` preloads and `tools/reference/bench_encoders.py` preloads into both sides; exits 1,
# printing nothing, when none is installed.
set -euo pipefail

for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4 \
    /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4; do
  if [ -f "$lib" ]; then
    echo "$lib"
    exit 0
  fi
done
exit 1
