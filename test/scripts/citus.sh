#!/usr/bin/env bash
# citus.sh: raresynth on a Citus cluster (docs/citus.md).  Builds Citus
# 13.2.2 from ../shared/citus/ (the source and a PostgreSQL 15.20 patch;
# skipped when it is not there) into this machine's PostgreSQL 15 (or the
# copy RS_PGBIN names), once: a later run finds citus.so installed and
# skips the build.  Starts a coordinator and two workers on unix sockets,
# runs the checks (one "ok"/"not ok" line each) on distributed, reference
# and local sources and targets, and stops the three servers whatever
# happens.  Runs as root (CI) or as the postgres user.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
HERE=$(pwd)
CITUS_SRC=${RS_CITUS_SRC:-$(cd "$HERE/.." && pwd)/shared/citus}
if [ ! -f "$CITUS_SRC/citus-13.2.2.tar.gz" ]; then
  echo "ok skipped: no Citus source"
  exit 0
fi
T0=$(date +%s)
PGC=/usr/lib/postgresql/15/bin/pg_config
PGBIN=${RS_PGBIN:-$("$PGC" --bindir)}
# a copy of the server (devbox): install into it, never into the machine's
DESTDIR=
case $PGBIN in
  *"$("$PGC" --bindir)") DESTDIR=${PGBIN%"$("$PGC" --bindir)"} ;;
esac
AS=""
[ "$(id -u)" = 0 ] && AS="runuser -u postgres --"

# ---- 1. build and install Citus (once)
if [ -f "$DESTDIR$("$PGC" --pkglibdir)/citus.so" ] &&
   [ -f "$DESTDIR$("$PGC" --sharedir)/extension/citus.control" ]; then
  echo "# Citus already installed for $PGBIN: build skipped"
else
  need=()
  for p in liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libpam0g-dev \
           libxslt1-dev libreadline-dev zlib1g-dev flex bison libssl-dev patch; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "# apt-get install ${need[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 \
      || { echo "not ok apt-get install ${need[*]}"; exit 1; }
  fi
  BUILD=$(mktemp -d /tmp/raresynth-citus-build.XXXXXX)
  tb=$(date +%s)
  if ! { tar -xzf "$CITUS_SRC/citus-13.2.2.tar.gz" -C "$BUILD" &&
         (cd "$BUILD/citus-13.2.2" && patch -s -p0 <"$CITUS_SRC/pg15.20-compat.patch" &&
          PG_CONFIG=$PGC ./configure --without-libcurl &&
          make -j2 with_llvm=no &&
          make install with_llvm=no DESTDIR="$DESTDIR"); } >"$BUILD/build.log" 2>&1; then
    tail -40 "$BUILD/build.log"; echo "not ok build Citus"; rm -rf "$BUILD"; exit 1
  fi
  rm -rf "$BUILD"
  echo "# Citus built and installed in $(( $(date +%s) - tb )) s"
fi

# ---- 2. a coordinator and two workers on unix sockets
C=$(mktemp -d /tmp/raresynth-citus.XXXXXX)
chmod 755 "$C"; mkdir -p "$C/sock"
[ -n "$AS" ] && chown -R postgres:postgres "$C"
BASE=$(( 20000 + RANDOM % 20000 ))
NODES="coord w1 w2"
port_of() { case $1 in coord) echo $BASE;; w1) echo $((BASE + 1));; w2) echo $((BASE + 2));; esac; }
stop_all() {
  for n in $NODES; do
    [ -d "$C/$n" ] && $AS "$PGBIN/pg_ctl" -D "$C/$n" -m fast -w stop >/dev/null 2>&1
  done
  local crashed=0
  if grep -l "terminated by signal" "$C"/*.log >/dev/null 2>&1; then
    echo "not ok a backend crashed:"; grep -h -B2 "terminated by signal" "$C"/*.log
    crashed=1
  fi
  rm -rf "$C"
  [ $crashed = 0 ] || exit 1
}
trap stop_all EXIT
trap 'exit 1' INT TERM HUP
for n in $NODES; do
  $AS "$PGBIN/initdb" -D "$C/$n" -U postgres -A trust --no-sync >"$C/initdb-$n.log" 2>&1 \
    || { cat "$C/initdb-$n.log"; echo "not ok initdb $n"; exit 1; }
  $AS "$PGBIN/pg_ctl" -D "$C/$n" -l "$C/$n.log" -w -o "-k $C/sock -p $(port_of $n) \
    -c listen_addresses='' -c fsync=off -c shared_buffers=32MB -c max_worker_processes=8 -c citus.shard_count=4 \
    -c shared_preload_libraries=citus -c citus.log_remote_commands=off" start >/dev/null \
    || { cat "$C/$n.log"; echo "not ok start $n"; exit 1; }
done
export PGHOST=$C/sock PGUSER=postgres
unset PGDATABASE
DB=rs_citus
for n in $NODES; do
  psql -X -q -p "$(port_of $n)" -d postgres -c "CREATE DATABASE $DB" \
    && psql -X -q -p "$(port_of $n)" -d $DB -c "CREATE EXTENSION citus" \
    || { echo "not ok CREATE EXTENSION citus on $n"; exit 1; }
done
psql -X -q -A -t -p $BASE -d $DB -v ON_ERROR_STOP=1 >/dev/null <<SQL || { echo "not ok add the workers"; exit 1; }
SELECT citus_set_coordinator_host('$C/sock', $BASE);
SELECT citus_add_node('$C/sock', $((BASE + 1)));
SELECT citus_add_node('$C/sock', $((BASE + 2)));
SQL
echo "# cluster up after $(( $(date +%s) - T0 )) s"

fail=0
check() {  # description, then a command that succeeds when it holds
  local what=$1; shift
  if "$@"; then echo "ok $what"; else echo "not ok $what"; fail=1; fi
}
# q NODE SQL: one value (or rows, |-separated), errors on stderr
q() { psql -X -q -A -t -p "$(port_of "$1")" -d $DB -v ON_ERROR_STOP=1 -c "$2"; }
eq() { [ "$1" = "$2" ] || { echo "#   got '$1', want '$2'" >&2; return 1; }; }

# ---- 3. the checks
# qs NODE: a script on stdin, its output (notices and warnings too) in $OUT
qs() { OUT=$(psql -X -q -A -t -p "$(port_of "$1")" -d $DB -v ON_ERROR_STOP=1 2>&1); }
SMALL='{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8]}'
# one data set, 4 ways: distributed by a synthesized column (d_cat), by
# its key, which the model excludes (d_key), a reference and a local table;
# created empty, then filled, so that no row is in a coordinator shell
qs coord <<SQL || { echo "$OUT"; echo "not ok set up the tables"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION raresynth;
CREATE EXTENSION pgstattuple;
CREATE ROLE rs_ca LOGIN;
CREATE ROLE rs_cb LOGIN;
SELECT raresynth_citus_setup();
CREATE TABLE l_src (patient_id text, x float8, c text, y int);
INSERT INTO l_src SELECT 'p' || i, (i % 17) * 1.5 + (i % 3), (i % 3)::text, (i % 4 = 0)::int
  FROM generate_series(1, 400) i;
CREATE TABLE d_cat (LIKE l_src);
SELECT create_distributed_table('d_cat', 'c');
CREATE TABLE d_key (LIKE l_src);
SELECT create_distributed_table('d_key', 'patient_id');
CREATE TABLE r_src (LIKE l_src);
SELECT create_reference_table('r_src');
INSERT INTO d_cat SELECT * FROM l_src;
INSERT INTO d_key SELECT * FROM l_src;
INSERT INTO r_src SELECT * FROM l_src;
GRANT SELECT ON l_src, d_cat, d_key, r_src TO PUBLIC;
SQL
KINDS="d_cat d_key r_src l_src"
shell_rows() { q coord "SELECT tuple_count FROM pgstattuple('$1')"; }
citus_type() { q coord "SELECT coalesce((SELECT CASE WHEN partmethod = 'h' THEN 'distributed:' || column_to_column_name(logicalrelid, partkey)
  WHEN repmodel = 't' THEN 'reference' ELSE 'other' END FROM pg_dist_partition WHERE logicalrelid = '$1'::regclass), 'local')"; }

# profile: as on the local table
want=$(q coord "SELECT string_agg(column_name || ' ' || kind, ', ' ORDER BY column_name) FROM raresynth_profile('l_src', 'y')")
for t in d_cat d_key r_src; do
  check "profile of $t ($(citus_type $t)) as of the local table" \
    eq "$(q coord "SELECT string_agg(column_name || ' ' || kind, ', ' ORDER BY column_name) FROM raresynth_profile('$t', 'y')")" "$want"
done

# train: the same state as from the local table
ts=$(date +%s)
for t in $KINDS; do
  q coord "SET raresynth.progress = off; SELECT raresynth_train('$t', 'y', epochs => 2, seed => 1, options => '$SMALL')" >/dev/null \
    || echo "#   training on $t failed" >&2
done
want=$(q coord "SELECT md5(state) FROM raresynth.models WHERE name = 'l_src_y'")
for t in d_cat d_key r_src; do
  check "train on $t: the model state of the local table" \
    eq "$(q coord "SELECT md5(state) FROM raresynth.models WHERE name = '${t}_y'")" "$want"
done
echo "# 4 trainings (2 epochs) in $(( $(date +%s) - ts )) s"

# sample
for t in $KINDS; do
  check "sample from the model of $t" eq "$(q coord "SELECT count(*) FROM raresynth_sample('${t}_y', 7, NULL::$t, seed => 3)")" 7
done

# synthesize (default target): it follows the source, rows in the shards,
# the improved view without a WARNING
declare -A follows=([d_cat]=distributed:c [d_key]=local [r_src]=reference [l_src]=local)
for t in $KINDS; do
  qs coord <<<"SELECT raresynth_synthesize('${t}_y', 30, seed => 4)"
  check "synthesize from $t writes 30 rows, no WARNING" eq "$(grep -c WARNING <<<"$OUT"; tail -1 <<<"$OUT")" "0
30"
  check "${t}_synthetic is ${follows[$t]}" eq "$(citus_type ${t}_synthetic)" "${follows[$t]}"
  check "${t}_synthetic: 30 rows, none in the coordinator's heap unless local" \
    eq "$(q coord "SELECT count(*) FROM ${t}_synthetic"):$(shell_rows ${t}_synthetic)" "30:$([ "${follows[$t]}" = local ] && echo 30 || echo 0)"
  check "${t}_improved: the source and the synthetic rows" \
    eq "$(q coord "SELECT count(*) || ':' || count(*) FILTER (WHERE y = 1) FROM ${t}_improved")" "430:130"
done
check "d_key's target: a NOTICE says why it is local" grep -q 'distribution column "patient_id" of public.d_key is excluded' <<<"$(
  q coord "SELECT raresynth_synthesize('d_key_y', 1, target => 'd_key_syn2', seed => 4)" 2>&1)"
check "d_cat_synthetic is colocated with d_cat" eq "$(q coord "SELECT count(DISTINCT colocationid) FROM pg_dist_partition
  WHERE logicalrelid IN ('d_cat'::regclass, 'd_cat_synthetic'::regclass)")" 1

# a distributed target without Citus's TRUNCATE trigger on its shell: the
# rows still go to the shards (the direct heap write is only for local tables)
qs coord <<'SQL'
CREATE TABLE d_bare (LIKE l_src);
SELECT create_distributed_table('d_bare', 'c', colocate_with => 'd_cat');
SET citus.enable_unsafe_triggers = on;
SET citus.enable_ddl_propagation = off;  -- the shell's trigger only
DO $$ DECLARE tg name; BEGIN
  FOR tg IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'd_bare'::regclass LOOP
    EXECUTE format('DROP TRIGGER %I ON d_bare', tg);
  END LOOP; END $$;
RESET citus.enable_ddl_propagation;
SELECT raresynth_synthesize('d_cat_y', 25, target => 'd_bare', seed => 5, improved => false);
SQL
echo "$OUT" | grep -E 'ERROR|WARNING' >&2
check "a distributed target without triggers: 25 rows in its shards, none in the shell" \
  eq "$(q coord "SELECT count(*) FROM d_bare"):$(shell_rows d_bare)" "25:0"

# refused before any row: a target distributed by the excluded key
# without keys (23502), a new Citus target on a worker (0A000)
code() { psql -X -q -A -t -p "$(port_of "$1")" -d $DB -c '\set VERBOSITY verbose' -c "$2" 2>&1 |
         sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p'; }
q coord "CREATE TABLE d_pre (LIKE l_src); SELECT create_distributed_table('d_pre', 'patient_id')" >/dev/null
check "a target distributed by the excluded key, no keys: 23502, nothing written" \
  eq "$(code coord "SELECT raresynth_synthesize('d_key_y', 5, target => 'd_pre', improved => false)"):$(q coord "SELECT count(*) FROM d_pre")" "23502:0"
check "a new target of a distributed source on a worker: 0A000, no table left" \
  eq "$(code w1 "SELECT raresynth_synthesize('d_cat_y', 5, target => 'w_new')"):$(q w1 "SELECT to_regclass('w_new') IS NULL")" "0A000:t"
check "an existing distributed target, on a worker: its rows in the shards" \
  eq "$(q w1 "SELECT raresynth_synthesize('d_cat_y', 5, target => 'd_cat_synthetic', seed => 9)"):$(q coord "SELECT count(*) FROM d_cat_synthetic"):$(shell_rows d_cat_synthetic)" "5:35:0"

# keys: values for the excluded distribution column, so that the target
# is distributed like the source
q coord "SELECT raresynth_synthesize('d_key_y', 30, target => 'd_key_keyed', seed => 4, keys => '{\"patient_id\": \"uuid\"}')" >/dev/null
check "synthesize from d_key with keys: the target is distributed:patient_id, colocated with d_key" \
  eq "$(citus_type d_key_keyed):$(q coord "SELECT count(DISTINCT colocationid) FROM pg_dist_partition
    WHERE logicalrelid IN ('d_key'::regclass, 'd_key_keyed'::regclass)")" "distributed:patient_id:1"
check "d_key_keyed: 30 rows with 30 distinct keys, none in the shell" \
  eq "$(q coord "SELECT count(*) || ':' || count(DISTINCT patient_id) FROM d_key_keyed"):$(shell_rows d_key_keyed)" "30:30:0"
check "d_key_keyed_improved: the source and the synthetic rows" \
  eq "$(q coord "SELECT count(*) FROM d_key_keyed_improved")" 430
q coord "CREATE SEQUENCE key_seq START 100000" >/dev/null
check "SMOTE on d_key with keys from a sequence: 200 rows in a table distributed like d_key" \
  eq "$(q coord "SELECT raresynth_smote('d_key', 'y', seed => 6, target => 'd_key_smote_keyed', keys => '{\"patient_id\": \"key_seq\"}')"):$(citus_type d_key_smote_keyed):$(q coord "SELECT min(patient_id) || '-' || max(patient_id) FROM d_key_smote_keyed"):$(shell_rows d_key_smote_keyed)" \
     "200:distributed:patient_id:100000-100199:0"

# a source in a distributed (tenant) schema: its companion is Citus's
# single-shard table in the schema's colocation group
qs coord <<'SQL'
SET citus.enable_schema_based_sharding = on;
CREATE SCHEMA tenant1;
RESET citus.enable_schema_based_sharding;
CREATE TABLE tenant1.src (LIKE l_src);
INSERT INTO tenant1.src SELECT * FROM l_src;
SET raresynth.progress = off;
SELECT raresynth_train('tenant1.src', 'y', model => 't_m', epochs => 1, seed => 1,
                       options => '{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8]}');
SELECT raresynth_synthesize('t_m', 20, seed => 2);
SQL
check "a tenant schema's companion: no WARNING, single-shard, colocated, 20 rows in the shard" \
  eq "$(grep -c WARNING <<<"$OUT"):$(citus_type tenant1.src_synthetic):$(q coord "SELECT count(DISTINCT colocationid) FROM pg_dist_partition
    WHERE logicalrelid IN ('tenant1.src'::regclass, 'tenant1.src_synthetic'::regclass)"):$(q coord "SELECT count(*) FROM tenant1.src_improved WHERE y = 1"):$(shell_rows tenant1.src_synthetic)" \
     "0:other:1:120:0"

# SMOTE: into the companion table that follows the source, in one statement per batch
for t in $KINDS; do
  ts=$(date +%s%N)
  n=$(q coord "SELECT raresynth_smote('$t', 'y', seed => 6)")
  ms=$(( ($(date +%s%N) - ts) / 1000000 ))
  check "SMOTE on $t: 200 rows into ${t}_smote (${follows[$t]}, $ms ms)" \
    eq "$n:$(q coord "SELECT count(*) FROM ${t}_smote"):$(citus_type ${t}_smote):$(shell_rows ${t}_smote)" \
       "200:200:${follows[$t]}:$([ "${follows[$t]}" = local ] && echo 200 || echo 0)"
done
check "SMOTE rows of d_cat are those of the local table" \
  eq "$(q coord "SELECT count(*) FROM (SELECT x, c, y FROM d_cat_smote EXCEPT ALL SELECT x, c, y FROM l_src_smote) s")" 0

# evaluate (tiny): the numbers of the local table
ev="SET raresynth.progress = off; SET client_min_messages = warning;
  SELECT string_agg(method || ' ' || round(f1::numeric, 6), ', ' ORDER BY method)
  FROM raresynth_evaluate('%s', 'y', methods => '{none,smote,gan}', runs => 1, sizes => '{300}', seed => 7,
                          options => '{\"embedding_dim\": 8, \"generator_dims\": [8], \"discriminator_dims\": [8], \"epochs\": 2}')"
ts=$(date +%s)
# shellcheck disable=SC2059
want=$(q coord "$(printf "$ev" l_src)")
# shellcheck disable=SC2059
check "evaluate on d_cat: the numbers of the local table ($want)" eq "$(q coord "$(printf "$ev" d_cat)")" "$want"
echo "# 2 evaluations in $(( $(date +%s) - ts )) s"

# the catalog as a reference table: a model trained on a worker samples on
# the coordinator; another role sees nothing, on every node
check "raresynth.models is a reference table" eq "$(citus_type raresynth.models)" reference
check "raresynth_citus_setup() a second time does nothing" \
  eq "$(q coord "SELECT raresynth_citus_setup()")" "raresynth.models is a Citus table already"
q w1 "SET raresynth.progress = off; SET ROLE rs_ca;
  SELECT raresynth_train('d_cat', 'y', model => 'w_model', epochs => 1, seed => 8, options => '$SMALL')" >/dev/null
check "trained on a worker as rs_ca, sampled on the coordinator as rs_ca" \
  eq "$(q coord "SET ROLE rs_ca; SELECT count(*) FROM raresynth_sample('w_model', 5, NULL::d_cat, seed => 1)")" 5
check "and on the other worker" \
  eq "$(q w2 "SET ROLE rs_ca; SELECT count(*) FROM raresynth_sample('w_model', 5, NULL::d_cat, seed => 1)")" 5
for n in $NODES; do
  check "rs_cb sees no model on $n" eq "$(q $n "SET ROLE rs_cb; SELECT count(*) FROM raresynth.models")" 0
  check "rs_cb cannot sample rs_ca's model on $n" grep -q 'permission denied for model "w_model"' <<<"$(
    q $n "SET ROLE rs_cb; SELECT count(*) FROM raresynth_sample('w_model', 5, NULL::d_cat)" 2>&1)"
done

check "rs_ca drops the model on a worker: gone on the coordinator" \
  eq "$(q w2 "SET ROLE rs_ca; SELECT raresynth_drop_model('w_model')"):$(q coord "SELECT count(*) FROM raresynth.models WHERE name = 'w_model'")" "t:0"

# pg_dump of the coordinator (its COPYs read the shards), restored into a
# new database: Citus installed but no metadata, every table a plain one
# with all its rows; the models the same
ts=$(date +%s)
dump=$C/coord.dump
restored=rs_citus_restored
if pg_dump -p $BASE -Fc -d $DB -f "$dump" 2>"$C/dump.err"; then
  psql -X -q -p $BASE -d postgres -c "CREATE DATABASE $restored"
  check "pg_restore of the coordinator's dump" pg_restore -p $BASE -d $restored --no-owner "$dump"
  check "pg_restore: no Citus metadata, raresynth.models a plain table" \
    eq "$(psql -X -A -t -p $BASE -d $restored -c "SELECT count(*) FROM pg_dist_partition")" 0
  check "pg_restore of the coordinator's dump: the models, the same states" \
    eq "$(psql -X -A -t -p $BASE -d $restored -c "SELECT string_agg(name || md5(state), ',' ORDER BY name) FROM raresynth.models")" \
       "$(q coord "SELECT string_agg(name || md5(state), ',' ORDER BY name) FROM raresynth.models")"
  check "pg_restore: d_cat and d_cat_synthetic have their rows" \
    eq "$(psql -X -A -t -p $BASE -d $restored -c "SELECT (SELECT count(*) FROM d_cat) || ':' || (SELECT count(*) FROM d_cat_synthetic)")" "400:35"
  check "pg_restore: the restored model samples" \
    eq "$(psql -X -A -t -p $BASE -d $restored -c "SELECT count(*) FROM raresynth_sample('d_cat_y', 3, NULL::d_cat, seed => 1)")" 3
else
  cat "$C/dump.err"; check "pg_dump of the coordinator" false
fi
echo "# dump and restore in $(( $(date +%s) - ts )) s"

if [ -n "${RS_CITUS_HOLD:-}" ]; then  # development: keep the cluster up that many seconds
  echo "# holding: PGHOST=$C/sock PGPORT=$BASE (workers $((BASE + 1)), $((BASE + 2))) db $DB"
  sleep "$RS_CITUS_HOLD"
fi
echo "# $(( $(date +%s) - T0 )) s in all"
exit $fail
