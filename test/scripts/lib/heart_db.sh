#!/usr/bin/env bash
# heart_db.sh: for script tests.  Source it, then `heart_db NAME` creates
# database NAME with the extension and the bundled heart table, and drops
# it again when the script exits.  Needs PGHOST/PGPORT (scripts/test.sh).
heart_db() {
  local db=$1
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
  # shellcheck disable=SC2064
  trap "psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS $db'" EXIT
  psql -X -q -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION raresynth;
\i test/data/heart.sql
SQL
}
