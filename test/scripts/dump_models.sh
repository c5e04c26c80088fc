#!/usr/bin/env bash
# dump_models.sh: pg_dump and pg_restore of the model catalog (a superuser's
# job).  Models of two roles (one with a name that needs quoting) and of a
# role since dropped; the dump writes owners as role names (restored as the
# target cluster's OIDs of those roles), leaves out the dropped role's model,
# and the restored models have the same states and still sample for their
# owners.  Versions are kept (m_a has two, the older one deployed: restored
# deployed, same rows), and so is the provenance of synthetic rows
# (raresynth.synthesized) whose target still exists; a row of a dropped
# (here: temporary) target is left out.  Needs PGHOST/PGPORT
# (scripts/test.sh).
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
CREATE SCHEMA dm AUTHORIZATION rs_dm_a;
SET ROLE rs_dm_a;
SELECT raresynth_train('tiny', 'y', model => 'm_a', epochs => 1, seed => 1, options => :'small');
SELECT raresynth_train('tiny', 'y', model => 'm_a', epochs => 1, seed => 4, options => :'small');
SELECT raresynth_deploy('m_a', 1);
SELECT raresynth_synthesize('m_a', 7, target => 'dm.syn', seed => 5, improved => false);
SELECT raresynth_synthesize('m_a', 3, target => 'pg_temp.gone', seed => 6, improved => false, version => 2);
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
check "the dump has the two live roles' model versions" test "$(echo "$copy" | grep -c '^m_')" = 3
check "owners are written as role names, with versions and the deployed flag" \
  bash -c "echo \"\$1\" | grep -q \$'^m_a\t1\tt\trs_dm_a\t' && echo \"\$1\" | grep -q \$'^m_a\t2\tf\trs_dm_a\t' && echo \"\$1\" | grep -q \$'^m_b\t1\tt\t\"Rs Dump.B\"\t'" _ "$copy"
check "the dropped role's model is left out" bash -c "! echo \"\$1\" | grep -q '^m_gone'" _ "$copy"

prov=$(sed -n '/^COPY raresynth.synthesized /,/^\\\./p' "$dump.sql")
echo "$prov" | cut -c1-60
check "the dump has the provenance row of the table that exists, qualified" \
  test "$(echo "$prov" | grep -c $'^dm.syn\tm_a\t1\t')" = 1 -a "$(echo "$prov" | grep -c 'm_a')" = 1

pg_restore -d $db2 "$dump"
check "restored: the model versions, owned by the same roles, the same one deployed" \
  test "$(q $db2 "SELECT string_agg(name || ':' || version || ':' || deployed || ':' || owner::text, ',' ORDER BY name, version) FROM raresynth.models")" \
       = 'm_a:1:true:rs_dm_a,m_a:2:false:rs_dm_a,m_b:1:true:"Rs Dump.B"'
check "restored: the states are the ones trained" \
  test "$(q $db2 "SELECT string_agg(md5(state), ',' ORDER BY name, version) FROM raresynth.models")" \
       = "$(q $db "SELECT string_agg(md5(state), ',' ORDER BY name, version) FROM raresynth.models WHERE name <> 'm_gone'")"
sample_a="SET ROLE rs_dm_a; SELECT md5(string_agg(s::text, ',')) FROM raresynth_sample('m_a', 20, NULL::tiny, seed => 9) s"
check "restored: the deployed version gives the same rows" test "$(q $db2 "$sample_a")" = "$(q $db "$sample_a")"
check "restored: the provenance row, for its owner" \
  test "$(q $db2 "SET ROLE rs_dm_a; SELECT string_agg(target::text || ':' || model || ':' || version || ':' || rows || ':' || seed, ',') FROM raresynth.synthesized")" \
       = 'dm.syn:m_a:1:7:5'
check "restored: each owner samples its model" \
  test "$(q $db2 'SET ROLE rs_dm_a; SELECT count(*) FROM raresynth_sample('"'m_a'"', 5, NULL::tiny)')" = 5
check "restored: and sees only its own" \
  test "$(q $db2 'SET ROLE "Rs Dump.B"; SELECT string_agg(name, '"','"') FROM raresynth.models')" = m_b
check "restored: still no direct writes" \
  bash -c "! psql -X -q -d $db2 -c 'SET ROLE rs_dm_a' -c 'DELETE FROM raresynth.models' 2>/dev/null"
exit $fail
