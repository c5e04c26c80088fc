#!/usr/bin/env bash
# dump_models.sh: pg_dump and pg_restore of the model catalog (a superuser's
# job).  Models of two roles (one with a name that needs quoting) and of a
# role since dropped; the dump writes owners as role names (restored as the
# target cluster's OIDs of those roles), leaves out the dropped role's model,
# and the restored models have the same states and still sample for their
# owners.  Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_dump_models
db2=rs_dump_models_restored
dump=$(mktemp)
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $db2" \
    -c "DROP ROLE IF EXISTS rs_dm_a" -c 'DROP ROLE IF EXISTS "Rs Dump.B"' \
    -c "DROP ROLE IF EXISTS rs_dm_gone" 2>/dev/null || true
  rm -f "$dump" "$dump.sql"
}
trap cleanup EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $db2" \
  -c "CREATE DATABASE $db" -c "CREATE DATABASE $db2" 2>/dev/null
psql -X -q -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP ROLE IF EXISTS rs_dm_a;
DROP ROLE IF EXISTS "Rs Dump.B";
DROP ROLE IF EXISTS rs_dm_gone;
CREATE ROLE rs_dm_a;
CREATE ROLE "Rs Dump.B";
CREATE ROLE rs_dm_gone;
CREATE EXTENSION raresynth;
\i test/data/tiny.sql
SET raresynth.progress = off;
SET ROLE rs_dm_a;
SELECT raresynth_train('tiny', 'y', model => 'm_a', epochs => 1, seed => 1, options => :'small');
SET ROLE "Rs Dump.B";
SELECT raresynth_train('tiny', 'y', model => 'm_b', epochs => 1, seed => 2, options => :'small');
SET ROLE rs_dm_gone;
SELECT raresynth_train('tiny', 'y', model => 'm_gone', epochs => 1, seed => 3, options => :'small');
RESET ROLE;
DROP ROLE rs_dm_gone;
SQL

fail=0
check() {  # description, then a command that succeeds when it holds
  local what=$1; shift
  if "$@"; then echo "ok $what"; else echo "not ok $what"; fail=1; fi
}
q() { psql -X -q -A -t -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }

pg_dump -Fc -d $db -f "$dump"
pg_restore -f "$dump.sql" "$dump"
copy=$(sed -n '/^COPY raresynth.models /,/^\\\./p' "$dump.sql")
echo "$copy" | cut -c1-60
check "the dump has the two live roles' models" test "$(echo "$copy" | grep -c '^m_')" = 2
check "owners are written as role names" \
  bash -c "echo \"\$1\" | grep -q \$'^m_a\trs_dm_a\t' && echo \"\$1\" | grep -q \$'^m_b\t\"Rs Dump.B\"\t'" _ "$copy"
check "the dropped role's model is left out" bash -c "! echo \"\$1\" | grep -q '^m_gone'" _ "$copy"

pg_restore -d $db2 "$dump"
check "restored: the two models, owned by the same roles" \
  test "$(q $db2 "SELECT string_agg(name || ':' || owner::text, ',' ORDER BY name) FROM raresynth.models")" \
       = 'm_a:rs_dm_a,m_b:"Rs Dump.B"'
check "restored: the states are the ones trained" \
  test "$(q $db2 "SELECT string_agg(md5(state), ',' ORDER BY name) FROM raresynth.models")" \
       = "$(q $db "SELECT string_agg(md5(state), ',' ORDER BY name) FROM raresynth.models WHERE name <> 'm_gone'")"
check "restored: each owner samples its model" \
  test "$(q $db2 'SET ROLE rs_dm_a; SELECT count(*) FROM raresynth_sample('"'m_a'"', 5, NULL::tiny)')" = 5
check "restored: and sees only its own" \
  test "$(q $db2 'SET ROLE "Rs Dump.B"; SELECT string_agg(name, '"','"') FROM raresynth.models')" = m_b
check "restored: still no direct writes" \
  bash -c "! psql -X -q -d $db2 -c 'SET ROLE rs_dm_a' -c 'DELETE FROM raresynth.models' 2>/dev/null"
exit $fail
