#!/usr/bin/env bash
# meta_json.sh: META.json is valid JSON (parsed by PostgreSQL's jsonb) with
# what PGXN's META spec 1.0.0 requires and what the project promises: name,
# abstract, a maintainer with a contact in <...>, license, a release_status
# of stable, testing or unstable, the version of raresynth.control in
# version and provides.raresynth.version, provides.raresynth.file an
# existing install script, and meta-spec 1.0.0.  Needs PGHOST/PGPORT
# (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
control=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" raresynth.control)
file=$(sed -n 's/^ *"file": *"\([^"]*\)".*/\1/p' META.json | head -1)
[ -n "$file" ] && [ -f "$file" ] || { echo "meta_json: provides.raresynth.file is not a file: '$file'"; exit 1; }
out=$(psql -X -q -A -t -d postgres -v ON_ERROR_STOP=1 -v meta="$(cat META.json)" -v control="$control" <<'SQL'
WITH m AS (SELECT :'meta'::jsonb AS j)
SELECT concat_ws(', ',
  CASE WHEN coalesce(j->>'name', '') = '' THEN 'no name' END,
  CASE WHEN coalesce(j->>'abstract', '') = '' THEN 'no abstract' END,
  CASE WHEN coalesce(j->>'license', '') = '' THEN 'no license' END,
  CASE WHEN NOT EXISTS (SELECT FROM jsonb_array_elements_text(
                          CASE jsonb_typeof(j->'maintainer') WHEN 'array' THEN j->'maintainer'
                               ELSE jsonb_build_array(j->'maintainer') END) e
                        WHERE e ~ '^[^<]+ <[^<>@ ]+@[^<> ]+>$')
       THEN 'no maintainer with a contact' END,
  CASE WHEN coalesce(j->>'release_status', '') NOT IN ('stable', 'testing', 'unstable')
       THEN 'release_status is not stable, testing or unstable' END,
  CASE WHEN j->>'version' IS DISTINCT FROM :'control' THEN 'version is not raresynth.control''s ' || :'control' END,
  CASE WHEN j#>>'{provides,raresynth,version}' IS DISTINCT FROM :'control'
       THEN 'provides.raresynth.version is not raresynth.control''s ' || :'control' END,
  CASE WHEN j#>>'{meta-spec,version}' IS DISTINCT FROM '1.0.0' THEN 'meta-spec is not 1.0.0' END)
FROM m
SQL
) || { echo "meta_json: META.json is not valid JSON"; exit 1; }
if [ -n "$out" ]; then echo "meta_json: $out"; exit 1; fi
echo "meta_json: META.json parses and has name, abstract, maintainer, license, release_status and version $control"
