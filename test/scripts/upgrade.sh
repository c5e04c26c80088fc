#!/usr/bin/env bash
# upgrade.sh: from the 0.1.0 release to the current version, as a user
# upgrades: the 0.1.0 library (built from the commit that released it,
# RELEASE_0_1_0 below) installed in place of the current one; CREATE
# EXTENSION raresynth VERSION '0.1.0', a model trained and sampled; the
# current library back; ALTER EXTENSION raresynth UPDATE.  The old model
# then samples the same rows, and the updated extension has exactly the
# objects of a fresh install: every member's description, signature,
# result, definition, volatility, security, settings, privileges and
# comment, every column, constraint, index, policy and view definition of
# its tables and its dump conditions (a catalog fingerprint of both
# databases, compared line by line).  Needs PGHOST/PGPORT (scripts/test.sh)
# and the git history (the clone CI runs in).
set -euo pipefail
cd "$(dirname "$0")/../.."
RELEASE_0_1_0=ebe1fb0d
old=0.1.0
new=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" raresynth.control)
[ -f "sql/raresynth--$old--$new.sql" ] || { echo "upgrade: no sql/raresynth--$old--$new.sql"; exit 1; }
git cat-file -e "$RELEASE_0_1_0^{commit}" 2>/dev/null ||
  { echo "upgrade: commit $RELEASE_0_1_0 (release 0.1.0) is not in this clone's history"; exit 1; }
db1=rs_upgrade_old
db2=rs_upgrade_fresh
a=$(mktemp); b=$(mktemp); s1=$(mktemp); build=$(mktemp -d)
pkglib=$(psql -X -At -d postgres -c "SELECT setting FROM pg_catalog.pg_config WHERE name = 'PKGLIBDIR'")
lib=$pkglib/raresynth.so
cp "$lib" "$build/current.so"
cleanup() {
  cp "$build/current.so" "$lib"
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db1" -c "DROP DATABASE IF EXISTS $db2" 2>/dev/null || true
  rm -rf "$a" "$b" "$s1" "$build"
}
trap cleanup EXIT
git archive "$RELEASE_0_1_0" | tar -x -C "$build"
make -s -C "$build" -j2 PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null 2>"$build/make.log" ||
  { cat "$build/make.log"; echo "upgrade: the 0.1.0 library does not build"; exit 1; }
cp "$build/raresynth.so" "$lib"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db1" -c "DROP DATABASE IF EXISTS $db2" \
  -c "CREATE DATABASE $db1" -c "CREATE DATABASE $db2" 2>/dev/null
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
q -d $db1 >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION raresynth VERSION '$old';
\i test/data/tiny.sql
SET raresynth.progress = off;
SELECT raresynth_train('tiny', 'y', model => 'm_old', epochs => 2, seed => 7, options => :'small');
CREATE TABLE before_update AS SELECT * FROM raresynth_sample('m_old', 40, NULL::tiny, seed => 3);
SQL
[ "$(q -d $db1 -c "SELECT extversion FROM pg_extension WHERE extname = 'raresynth'")" = "$old" ] ||
  { echo "upgrade: CREATE EXTENSION ... VERSION '$old' did not install $old"; exit 1; }
cp "$build/current.so" "$lib"   # the next connections load the current library
q -d $db1 -c "ALTER EXTENSION raresynth UPDATE TO '$new'" >/dev/null
[ "$(q -d $db1 -c "SELECT extversion FROM pg_extension WHERE extname = 'raresynth'")" = "$new" ] ||
  { echo "upgrade: ALTER EXTENSION did not reach $new"; exit 1; }
diff_rows=$(q -d $db1 -c "SET raresynth.progress = off" -c "
  SELECT count(*) FROM ((TABLE before_update EXCEPT ALL SELECT * FROM raresynth_sample('m_old', 40, NULL::tiny, seed => 3))
                        UNION ALL
                        (SELECT * FROM raresynth_sample('m_old', 40, NULL::tiny, seed => 3) EXCEPT ALL TABLE before_update)) d")
[ "$diff_rows" = 0 ] || { echo "upgrade: the 0.1.0 model samples other rows after the update ($diff_rows differ)"; exit 1; }
echo "upgrade: a model trained under $old samples the same 40 rows after the update to $new"
q -d $db2 -c "SET client_min_messages = warning" -c "CREATE EXTENSION raresynth" >/dev/null
fingerprint() {
  q -d "$1" <<'SQL'
WITH m AS (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'raresynth'))
SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, 0) || ' comment=' ||
       coalesce(pg_catalog.obj_description(objid, (SELECT relname FROM pg_catalog.pg_class WHERE oid = classid)), '-')
  FROM m
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' returns ' || pg_catalog.pg_get_function_result(p.oid) ||
       ' args(' || pg_catalog.pg_get_function_arguments(p.oid) || ') ' || p.provolatile::text || p.proparallel::text ||
       p.prosecdef::text || p.proisstrict::text || ' cfg=' || coalesce(p.proconfig::text, '-') ||
       ' acl=' || coalesce(p.proacl::text, '-') || ' src=' || md5(p.prosrc) || ' lang=' || p.prolang::regclass::text
  FROM m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT 'relation ' || c.oid::regclass::text || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity::text ||
       c.relforcerowsecurity::text || ' acl=' || coalesce(c.relacl::text, '-') || ' opts=' ||
       coalesce(c.reloptions::text, '-') ||
       CASE WHEN c.relkind = 'v' THEN ' view=' || md5(pg_catalog.pg_get_viewdef(c.oid)) ELSE '' END
  FROM m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'column ' || a.attrelid::regclass::text || '.' || a.attname || ' ' ||
       pg_catalog.format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull::text ||
       ' default=' || coalesce(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '-') ||
       ' comment=' || coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '-') || ' pos=' || a.attnum
  FROM m JOIN pg_catalog.pg_attribute a ON m.classid = 'pg_catalog.pg_class'::regclass AND a.attrelid = m.objid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || r.conrelid::regclass::text || ' ' || pg_catalog.pg_get_constraintdef(r.oid)
  FROM m JOIN pg_catalog.pg_constraint r ON m.classid = 'pg_catalog.pg_class'::regclass AND r.conrelid = m.objid
UNION ALL
SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
  FROM m JOIN pg_catalog.pg_index i ON m.classid = 'pg_catalog.pg_class'::regclass AND i.indrelid = m.objid
UNION ALL
SELECT 'policy ' || p.tablename || ' ' || p.policyname || ' ' || p.cmd || ' ' || p.roles::text || ' ' ||
       coalesce(p.qual, '-') || ' ' || coalesce(p.with_check, '-')
  FROM pg_catalog.pg_policies p WHERE p.schemaname = 'raresynth'
UNION ALL
SELECT 'config ' || c.oid::regclass::text || ' ' || coalesce(e.extcondition[pg_catalog.array_position(e.extconfig, c.oid)], '-')
  FROM pg_catalog.pg_extension e, LATERAL pg_catalog.unnest(e.extconfig) AS x(oid)
  JOIN pg_catalog.pg_class c ON c.oid = x.oid WHERE e.extname = 'raresynth'
ORDER BY 1;
SQL
}
fingerprint $db1 > "$a"
fingerprint $db2 > "$b"
if ! diff "$a" "$b" > "$s1"; then
  echo "upgrade: the updated extension differs from a fresh install of $new (< updated, > fresh):"
  cat "$s1"; exit 1
fi
echo "upgrade: the updated extension matches a fresh install of $new ($(wc -l < "$a") catalog lines)"
