#!/usr/bin/env bash
# schema_raresynth.sh: CREATE EXTENSION raresynth SCHEMA raresynth puts
# the functions beside the model catalog and works end to end (train,
# sample, synthesize); the schema must then be the installing role's own
# (42501 otherwise: its owner could drop the models) and empty (55000);
# without SCHEMA the extension creates raresynth itself, and a schema of
# that name that exists already is refused as before (42P06).  Needs
# PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_schema_raresynth
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS rs_sr_other" 2>/dev/null || true
}
trap cleanup EXIT
fresh() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
}
# the SQLSTATE of one statement (after the setup statements), or ok
state() {
  psql -X -q -At -d $db -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@" 2>&1 >/dev/null |
    sed -n 's/^[^:]*ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1
}
fail() { echo "schema_raresynth: $*"; exit 1; }
psql -X -q -d postgres -c "DROP ROLE IF EXISTS rs_sr_other" -c "CREATE ROLE rs_sr_other"

fresh
out=$(psql -X -q -At -d $db -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA raresynth;
CREATE EXTENSION raresynth SCHEMA raresynth;
\i test/data/tiny.sql
SET raresynth.progress = off;
SELECT count(*) FROM raresynth.raresynth_train('tiny', 'y', epochs => 1, seed => 1, options => :'small');
SELECT count(*) FROM raresynth.raresynth_sample('tiny_y', 7, NULL::tiny, seed => 1);
SELECT raresynth.raresynth_synthesize('tiny_y', 5, seed => 1);
SELECT (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'raresynth'::regnamespace
          AND proname = 'raresynth_train') || ' ' ||
       (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'public'::regnamespace
          AND proname LIKE 'raresynth%');
SQL
)
[ "$(echo "$out" | tr '\n' ' ')" = "1 7 5 1 0 " ] ||
  fail "SCHEMA raresynth: expected train, 7 rows, 5 written, the functions in raresynth only; got: $out"
echo "schema_raresynth: SCHEMA raresynth installs beside the catalog, trains, samples and synthesizes"

fresh
psql -X -q -d $db -c "CREATE SCHEMA raresynth AUTHORIZATION rs_sr_other"
[ "$(state -c "CREATE EXTENSION raresynth SCHEMA raresynth")" = 42501 ] ||
  fail "a schema raresynth of another role was not refused with 42501"
fresh
psql -X -q -d $db -c "CREATE SCHEMA raresynth" -c "CREATE TABLE raresynth.models (x int)"
[ "$(state -c "CREATE EXTENSION raresynth SCHEMA raresynth")" = 55000 ] ||
  fail "a schema raresynth holding a table was not refused with 55000"
[ "$(state -c "CREATE EXTENSION raresynth")" = 42P06 ] ||
  fail "CREATE EXTENSION without SCHEMA did not refuse an existing schema raresynth (42P06)"
[ "$(psql -X -At -d $db -c "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'raresynth'")" = 0 ] ||
  fail "a refused CREATE EXTENSION left the extension behind"
echo "schema_raresynth: another role's schema (42501), a schema that is not empty (55000) and an existing schema without SCHEMA (42P06) are refused"
