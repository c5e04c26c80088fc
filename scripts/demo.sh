#!/usr/bin/env bash
# demo.sh: the main job on the bundled heart data.  Installs and builds
# what is missing (scripts/setup.sh), then runs against a throwaway local
# cluster, or against your server when RARESYNTH_DSN is set (a libpq
# connection string; the extension is installed there with CREATE EXTENSION
# and the table "heart" is replaced).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# shellcheck source=cluster.sh
. scripts/cluster.sh
if [ -z "${RARESYNTH_DSN:-}" ]; then
  trap cluster_stop EXIT
  cluster_start
  DSN="dbname=postgres"
  echo "demo: throwaway cluster on $PGHOST port $PGPORT"
else
  DSN="$RARESYNTH_DSN"
fi

mkdir -p out
psql "$DSN" -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS raresynth;
\i test/data/heart.sql
RESET client_min_messages;
\echo
\echo '== raresynth_profile(''heart'', ''risk''): how raresynth reads the table'
SELECT column_name, type, kind, reason, round(null_fraction::numeric, 3) AS null_fraction,
       distinct_count, min, max, class_counts
FROM raresynth_profile('heart', 'risk');
SQL
