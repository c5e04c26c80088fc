#!/usr/bin/env bash
# concurrency_targets.sh: several sessions writing one target at once get
# exactly what the same calls would give one after the other.  On a tiny
# table (254 majority, 40 minority rows) with a model trained once
# (1 epoch): 4 sessions released together run raresynth_synthesize() with
# the default n (1:1) into the same fresh target, then into the same
# existing one, then 4 run raresynth_smote() likewise; every session must succeed and the classes
# must end exactly 1:1.  Under REPEATABLE READ, a 1:1 count that cannot see
# rows another transaction committed into the target fails with 40001.
# Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_concurrency_targets
. test/scripts/lib/heart_db.sh
heart_db $db
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"' EXIT
q() { psql -X -A -t -q -d $db -v ON_ERROR_STOP=1 "$@"; }

q -c "SET raresynth.progress = off" -c "SET client_min_messages = warning" \
  -c "CREATE TABLE conc AS (SELECT * FROM heart WHERE risk = 0 ORDER BY patient_id LIMIT 254)
      UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 40)" \
  -c "SELECT model FROM raresynth_train('conc', 'risk', epochs => 1, seed => 1,
        options => '{\"embedding_dim\": 16, \"generator_dims\": [32], \"discriminator_dims\": [32]}')" >/dev/null

fail=0
check() {  # name got want
  if [ "$2" = "$3" ]; then echo "ok $1 = $2"; else echo "not ok $1 = $2 (wanted $3)"; fail=1; fi
}

# run_together NAME SQL: 4 sessions that wait on an advisory lock held by a
# fifth, released at once; each session's exit code and stderr are kept
run_together() {
  local name=$1 sql=$2
  psql -X -q -d $db -c "SELECT pg_advisory_lock(4242)" -c "SELECT pg_sleep(1.5)" >/dev/null &
  local holder=$!
  sleep 0.5
  local pids=()
  for i in 1 2 3 4; do
    psql -X -A -t -q -d $db -v ON_ERROR_STOP=1 -c "SET raresynth.progress = off" \
      -c "SELECT pg_advisory_lock_shared(4242)" -c "$sql" \
      >"$tmp/$name.$i.out" 2>"$tmp/$name.$i.err" &
    pids+=($!)
  done
  wait $holder
  local bad=0
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" || bad=$((bad + 1))
  done
  cat "$tmp"/$name.*.err
  check "$name sessions failed" $bad 0
  check "$name raw errors" "$(cat "$tmp"/$name.*.err | grep -c 'ERROR' || true)" 0
}

run_together synthesize "SELECT raresynth_synthesize('conc_risk')"
check "synthesize minority after 4 concurrent 1:1 calls" \
  "$(q -c "SELECT count(*) FROM conc_improved WHERE risk = 1")" 254
check "synthesize rows written in all" \
  "$(cat "$tmp"/synthesize.*.out | grep -v '^$' | awk '{ s += $1 } END { print s }')" 214

# the same into a target that exists (the count races, not the CREATE)
q -c "TRUNCATE conc_synthetic"
run_together synthesize_existing "SELECT raresynth_synthesize('conc_risk')"
check "synthesize into an existing target: minority" \
  "$(q -c "SELECT count(*) FROM conc_improved WHERE risk = 1")" 254

run_together smote "SELECT raresynth_smote('conc', 'risk', seed => 1)"
check "smote minority after 4 concurrent 1:1 calls" \
  "$(q -c "SELECT (SELECT count(*) FROM conc WHERE risk = 1) + (SELECT count(*) FROM conc_smote WHERE risk = 1)")" 254

# REPEATABLE READ: the snapshot is taken, another session fills the target
# (1:1) and commits; our 1:1 count would not see its rows
got=$(psql -X -A -t -q -d $db -c "SET raresynth.progress = off" \
  -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT count(*) FROM conc" \
  -c "\\! psql -X -q -d $db -c \"SET raresynth.progress = off\" -c \"SELECT raresynth_synthesize('conc_risk', target => 'conc_rr')\" >/dev/null" \
  -c "SELECT raresynth_synthesize('conc_risk', target => 'conc_rr')" 2>&1 | grep -o 'could not serialize access.*' || true)
check "repeatable read after a concurrent write" "$got" "could not serialize access due to concurrent write of public.conc_rr"
check "repeatable read target minority" "$(q -c "SELECT count(*) FROM conc_rr WHERE risk = 1")" 214
exit $fail
