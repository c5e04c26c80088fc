#!/usr/bin/env bash
# test.sh: set up (scripts/setup.sh) and run every test: core unit tests,
# the same under valgrind, timed libFuzzer runs on the state format and
# on the whole model state,
# pg_regress against a throwaway cluster, and the script tests in
# test/scripts/.  Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }
LOG=test/out
rm -rf "$LOG"; mkdir -p "$LOG"

# 1. core unit tests (no server): each binary prints "...: N passed, N failed"
echo "== unit tests"
make -s unit >"$LOG/unit.log" 2>&1
unit_rc=$?
cat "$LOG/unit.log"
read -r up uf < <(awk '/: [0-9]+ passed, [0-9]+ failed$/ {p += $(NF-3); f += $(NF-1)} END {print p+0, f+0}' "$LOG/unit.log")
PASSED=$((PASSED + up)); FAILED=$((FAILED + uf))
if [ "$unit_rc" -ne 0 ] && [ "$uf" -eq 0 ]; then fail "unit tests (build or crash, see $LOG/unit.log)"; fi

# 2. the same binaries under valgrind: no error, no leak.  Valgrind runs a
# program on one core, so the binaries run side by side, one per core
# (about 6 minutes one after another on 2 cores); results print in order.
echo "== valgrind"
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    "$1" >"$LOG/valgrind-$(basename "$1").log" 2>&1
  echo $? >"$LOG/valgrind-$(basename "$1").rc"
}
export -f vg; export LOG
find test/unit/build -maxdepth 1 -name 'test_*' -type f -executable -print0 | sort -z |
  xargs -0 -r -n 1 -P "$(nproc)" bash -c 'vg "$0"'
for t in test/unit/build/test_*; do
  [ -x "$t" ] || continue
  if [ "$(cat "$LOG/valgrind-$(basename "$t").rc" 2>/dev/null)" = 0 ]; then
    pass "valgrind $(basename "$t")"
  else
    fail "valgrind $(basename "$t") (see $LOG/valgrind-$(basename "$t").log)"
  fi
done

# 3. fuzz the state container, then the whole model state, for a fixed time
echo "== fuzz"
if make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >"$LOG/fuzz.log" 2>&1; then
  pass "fuzz state format ($(grep -o 'Done [0-9]* runs' "$LOG/fuzz.log" | tail -1))"
else
  tail -30 "$LOG/fuzz.log"; fail "fuzz state format"
fi
if make -s fuzz-state FUZZ_STATE_SECONDS="${FUZZ_STATE_SECONDS:-60}" >"$LOG/fuzz-state.log" 2>&1; then
  pass "fuzz model state ($(grep -o 'Done [0-9]* runs' "$LOG/fuzz-state.log" | tail -1))"
else
  tail -30 "$LOG/fuzz-state.log"; fail "fuzz model state"
fi

# 4. pg_regress and script tests against a throwaway cluster
# shellcheck source=cluster.sh
. scripts/cluster.sh
trap cluster_stop EXIT
if cluster_start; then
  echo "== pg_regress"
  make -s installcheck PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >"$LOG/regress.log" 2>&1
  cat "$LOG/regress.log"
  rp=$(grep -cE '^(ok|test) .* \.\.\. ok|^ok [0-9]+ ' "$LOG/regress.log")
  rf=$(grep -cE '\.\.\. FAILED|^not ok ' "$LOG/regress.log")
  PASSED=$((PASSED + rp)); FAILED=$((FAILED + rf))
  if [ "$rp" -eq 0 ] && [ "$rf" -eq 0 ]; then fail "pg_regress ran nothing"; fi
  [ -f regression.diffs ] && cat regression.diffs

  echo "== script tests"
  for s in test/scripts/*.sh; do
    [ -f "$s" ] || continue
    if bash "$s" >"$LOG/$(basename "$s").log" 2>&1; then
      cat "$LOG/$(basename "$s").log"; pass "$(basename "$s")"
    else
      cat "$LOG/$(basename "$s").log"; fail "$(basename "$s")"
    fi
  done
else
  fail "could not start a throwaway cluster"
fi
cluster_stop

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
