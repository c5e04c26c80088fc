#!/usr/bin/env bash
# bad_inputs.sh: the bad-input catalogue (test/bad_inputs/catalogue.tsv).
# Every statement runs in its own session and transaction (rolled back),
# as the superuser or as one of two ordinary roles, against the fixtures
# of test/bad_inputs/setup.sql.  Each must end with the SQLSTATE the
# catalogue names (00000: succeeds); none may end in XX000 (internal
# error) or take the backend down, and afterwards the server log must
# hold no "terminated by signal".  Needs PGHOST/PGPORT (scripts/test.sh);
# RS_CLUSTER_DIR (cluster.sh) locates the server log.
set -uo pipefail
cd "$(dirname "$0")/../.."
db=rs_bad_inputs
. test/scripts/lib/heart_db.sh
heart_db $db
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" \
    -c "DROP ROLE IF EXISTS rs_bad_alice" -c "DROP ROLE IF EXISTS rs_bad_mallory" >/dev/null 2>&1
}
trap cleanup EXIT
psql -X -q -d $db -v ON_ERROR_STOP=1 -f test/bad_inputs/setup.sql >/dev/null || { echo "not ok setup"; exit 1; }

log=${RS_CLUSTER_DIR:+$RS_CLUSTER_DIR/server.log}
log_start=$( [ -n "$log" ] && [ -f "$log" ] && wc -l < "$log" || echo 0)
small='{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
n=0; bad=0; crashes=0
while IFS=$'\t' read -r want role sql; do
  case "$want" in ''|'#'*) continue;; esac
  n=$((n + 1))
  setrole=""
  case "$role" in alice|mallory) setrole="SET LOCAL ROLE rs_bad_$role;";; esac
  out=$(timeout 300 psql -X -q -d $db -v small="$small" 2>&1 <<SQL
\set VERBOSITY terse
SET client_min_messages = error;
SET raresynth.progress = off;
BEGIN;
$setrole
$sql;
\echo RS_SQLSTATE :SQLSTATE
ROLLBACK;
SQL
)
  rc=$?
  got=$(printf '%s\n' "$out" | sed -n 's/^RS_SQLSTATE //p' | tail -1)
  if [ "$rc" -eq 2 ] || printf '%s' "$out" | grep -q "server closed the connection"; then
    got=CRASH; crashes=$((crashes + 1))
    for _ in $(seq 1 60); do pg_isready -q && break; sleep 1; done
  fi
  [ -n "$got" ] || got="none(rc=$rc)"
  if [ "$got" = "$want" ]; then
    echo "ok $n $got $role: $sql"
  else
    bad=$((bad + 1))
    echo "not ok $n wanted $want got $got $role: $sql"
    printf '%s\n' "$out" | grep -E '^(ERROR|FATAL|psql)' | head -3 | sed 's/^/    /'
  fi
  [ "$got" = XX000 ] && echo "    (XX000 is never a right answer to bad input)"
done < test/bad_inputs/catalogue.tsv

signals=0
[ -n "$log" ] && signals=$(tail -n +$((log_start + 1)) "$log" | grep -c "terminated by signal")
echo "bad inputs: $n statements, $((n - bad)) as expected, $bad not, $crashes backend crashes, $signals 'terminated by signal' in the server log"
[ "$bad" -eq 0 ] && [ "$crashes" -eq 0 ] && [ "$signals" -eq 0 ]
