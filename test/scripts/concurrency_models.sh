#!/usr/bin/env bash
# concurrency_models.sh: four sessions train the same model name at once,
# two as role rs_cc_a and two as rs_cc_b, each holding its transaction open
# for a moment after training so that the others run while it is
# uncommitted.  Training takes a lock on the model name, so each session
# behaves as if it ran alone: the first role to get the name keeps it (its
# second session adds a second version), the other role's sessions get
# the clear "owned by another role" error (42501).  Checked: no raw unique
# violation, every session succeeded or got that error, the successes are
# all one role's, versions 1 and 2 with one deployed, owned by that role.
# The same for drop_model against train.  Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_concurrency_models
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
out=$(mktemp -d)
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" \
    -c "DROP ROLE IF EXISTS rs_cc_a" -c "DROP ROLE IF EXISTS rs_cc_b" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
psql -X -q -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP ROLE IF EXISTS rs_cc_a;
DROP ROLE IF EXISTS rs_cc_b;
CREATE ROLE rs_cc_a;
CREATE ROLE rs_cc_b;
CREATE EXTENSION raresynth;
\i test/data/tiny.sql
SQL

# session ROLE TAG SQL: run SQL as ROLE inside one transaction that stays
# open for 1 s after it; output and errors (with SQLSTATE) to $out/TAG
session() {
  psql -X -q -d $db -v VERBOSITY=verbose >"$out/$2" 2>&1 <<SQL &
SET raresynth.progress = off;
SET client_min_messages = warning;
SET ROLE $1;
BEGIN;
$3;
SELECT pg_sleep(1);
COMMIT;
SQL
}

fail=0
check() {  # description, then a command that succeeds when it holds
  local what=$1; shift
  if "$@"; then echo "ok $what"; else echo "not ok $what"; fail=1; fi
}
# outcome TAG: "ok" when the session succeeded, "owned" when it got the
# clear 42501 error, otherwise what it printed
outcome() {
  if grep -q 'ERROR:' "$out/$1"; then
    if grep -q 'ERROR:  42501: .*model "cc"' "$out/$1"; then echo owned
    else tr '\n' ' ' <"$out/$1"; fi
  else echo ok; fi
}
owner() {
  psql -X -A -t -d $db -c "SELECT DISTINCT owner::text FROM raresynth.models WHERE name = 'cc'"
}
rows() {  # versions of cc
  psql -X -A -t -d $db -c "SELECT count(*) FROM raresynth.models WHERE name = 'cc'"
}
versions() {  # "1,2 deployed 2"
  psql -X -A -t -d $db -c "SELECT string_agg(version::text, ',' ORDER BY version) || ' deployed ' || string_agg(version::text, ',') FILTER (WHERE deployed) FROM raresynth.models WHERE name = 'cc'"
}

# one round: start four sessions with the given SQL at once, then check
round() {  # title, SQL for rs_cc_a, SQL for rs_cc_b
  echo "== $1"
  session rs_cc_a a1 "$2"
  session rs_cc_b b1 "$3"
  session rs_cc_a a2 "$2"
  session rs_cc_b b2 "$3"
  wait
  local winner="" loser="" t o
  for t in a1 b1 a2 b2; do
    o=$(outcome $t)
    echo "$t: $o"
    check "$t: no raw unique violation" bash -c "! grep -q 'duplicate key' '$out/$t'"
    check "$t: succeeded or got the clear error" test "$o" = ok -o "$o" = owned
  done
  # the successes are all one role's, the other role's sessions all lost
  for r in a b; do
    if [ "$(outcome ${r}1)" = ok ] && [ "$(outcome ${r}2)" = ok ]; then winner=rs_cc_$r; fi
    if [ "$(outcome ${r}1)" = owned ] && [ "$(outcome ${r}2)" = owned ]; then loser=rs_cc_$r; fi
  done
  check "one role's sessions succeeded (${winner:-none}), the other's got 42501 (${loser:-none})" \
    test -n "$winner" -a -n "$loser" -a "$winner" != "$loser"
  check "versions 1 and 2, the second deployed ($(versions))" test "$(versions)" = "1,2 deployed 2"
  check "owned by the role whose sessions succeeded" test "$(owner)" = "$winner"
}

train="SELECT model FROM raresynth_train('tiny', 'y', model => 'cc', epochs => 1, seed => 1,
  options => '{\"embedding_dim\": 8, \"generator_dims\": [8], \"discriminator_dims\": [8]}')"
round "four sessions train the same name" "$train" "$train"

# the owner's sessions: two retrain, two drop (a moment later, while a
# training is uncommitted).  Run one after another from a state where the
# model exists, the first drop always finds a model; unserialized, a drop
# that waited on the replaced row finds nothing and says "skipping".
prev=$(owner)
echo "== the owner retrains twice and drops twice at once"
drop="SELECT pg_sleep(0.3); SELECT 'dropped: ' || raresynth_drop_model('cc', missing_ok => true)"
session $prev t1 "$train"
session $prev d1 "$drop"
session $prev t2 "$train"
session $prev d2 "$drop"
wait
for t in t1 d1 t2 d2; do
  o=$(outcome $t)
  echo "$t: $o"
  check "$t: succeeded" test "$o" = ok
done
check "a drop found the model" grep -q 'dropped: true' "$out/d1" "$out/d2"
n=$(rows)
check "at most two versions ($n)" test "$n" -le 2
if [ "$n" -ge 1 ]; then
  check "the model left is the owner's ($(owner))" test "$(owner)" = "$prev"
  check "one version deployed, the newest ($(versions))" \
    test "$(psql -X -A -t -d $db -c "SELECT bool_and(deployed = (version = (SELECT max(version) FROM raresynth.models WHERE name = 'cc'))) FROM raresynth.models WHERE name = 'cc'")" = t
  check "the model left is usable" psql -X -q -d $db -v ON_ERROR_STOP=1 -o /dev/null \
    -c "SET ROLE $prev" -c "SELECT count(*) FROM raresynth_sample('cc', 5, NULL::tiny)"
fi
exit $fail
