#!/usr/bin/env bash
# run.sh: `make bench`.  Each benchmark prints its measurement next to a
# baseline measured in the same run, as a ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
CFLAGS="-O2 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread"
CORE=$(sed -n 's/^CORE_SRCS *= *//p' Makefile)
mkdir -p test/bench/build
for b in test/bench/bench_*.c; do
  [ -f "$b" ] || continue
  exe=test/bench/build/$(basename "$b" .c)
  # shellcheck disable=SC2086
  gcc $CFLAGS -o "$exe" "$b" $CORE -lopenblas -lm
  echo "== $(basename "$b" .c)"
  "$exe"
done
