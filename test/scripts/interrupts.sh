#!/usr/bin/env bash
# interrupts.sh: what must keep holding under interrupts and other roles.
# A cancel (pg_cancel_backend) or a terminate (pg_terminate_backend) at
# several delays into train, synthesize, evaluate and a 1e7-row sample
# stops the statement within 2 s and leaves nothing behind: no model row,
# no synthetic row, no temporary file, no crash in the server log.
# statement_timeout 1 s is honoured; row-level security on the source is
# honoured by training; rows are the same whatever raresynth.threads is.
# Needs PGHOST/PGPORT (scripts/test.sh); RS_CLUSTER_DIR for the server log.
set -uo pipefail
cd "$(dirname "$0")/../.."
db=rs_interrupts
. test/scripts/lib/heart_db.sh
heart_db $db
fail=0
ok() { echo "ok $*"; }
notok() { echo "not ok $*"; fail=1; }
log=${RS_CLUSTER_DIR:+$RS_CLUSTER_DIR/server.log}
log_start=$( [ -n "$log" ] && [ -f "$log" ] && wc -l < "$log" || echo 0)
q() { psql -X -A -t -q -d $db -v ON_ERROR_STOP=1 -c "SET raresynth.progress = off" "$@"; }
small='{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
q -c "SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => '$small')" >/dev/null
q -c "CREATE TABLE syn_target AS SELECT * FROM heart WITH NO DATA" >/dev/null

. test/scripts/lib/interrupt.sh

declare -A work=(
  [train]="SELECT raresynth_train('heart', 'risk', model => 'victim', epochs => 300, seed => 2)"
  [synthesize]="SELECT raresynth_synthesize('heart_risk', 10000000, 'syn_target', seed => 3)"
  [evaluate]="SELECT count(*) FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan}', 5, seed => 4)"
  [sample]="SELECT count(*) FROM raresynth_sample('heart_risk', 10000000, NULL::heart, seed => 5)"
)
for w in train synthesize evaluate sample; do
  for spec in pg_cancel_backend:67 pg_cancel_backend:333 pg_terminate_backend:107 pg_terminate_backend:257; do
    func=${spec%:*}; delay=${spec#*:}
    ms=$(interrupt "$func" "$delay" "${work[$w]}")
    left=$(q -c "SELECT (SELECT count(*) FROM raresynth.models WHERE name = 'victim') + (SELECT count(*) FROM syn_target)")
    tmp=$(q -c "SELECT count(*) FROM pg_ls_tmpdir()")
    if [ "$ms" -le 2000 ] && [ "$left" = 0 ] && [ "$tmp" = 0 ]; then
      ok "$w: $func after $delay ms stopped in $ms ms, nothing left"
    else
      notok "$w: $func after $delay ms: stopped in $ms ms, $left rows left, $tmp temporary files"
    fi
  done
done

# statement_timeout = 1s on a long training
t0=$(now_ms)
q -c "SET statement_timeout = '1s'" -c "SELECT raresynth_train('heart', 'risk', model => 'victim', epochs => 300)" >/dev/null 2>&1
ms=$(( $(now_ms) - t0 ))
if [ "$ms" -le 3000 ] && [ "$(q -c "SELECT count(*) FROM raresynth.models WHERE name = 'victim'")" = 0 ]; then
  ok "statement_timeout 1 s ended training after $ms ms"
else
  notok "statement_timeout 1 s: training ended after $ms ms"
fi

# row-level security on the source: a role that sees only patients under 50
# trains on them alone (and the generator keeps to the real min/max)
q -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS rs_int_rls" -c "CREATE ROLE rs_int_rls" \
  -c "ALTER TABLE heart ENABLE ROW LEVEL SECURITY" \
  -c "CREATE POLICY women ON heart FOR SELECT TO rs_int_rls USING (age < 50)" \
  -c "GRANT SELECT ON heart TO rs_int_rls" >/dev/null
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS rs_int_rls" >/dev/null 2>&1' EXIT
rows=$(q -c "SET ROLE rs_int_rls" -c "SELECT rows FROM raresynth_train('heart', 'risk', model => 'rls', epochs => 1, seed => 1, options => '$small')")
want=$(q -c "SELECT count(*) FROM heart WHERE age < 50 AND risk = 1")
oldest=$(q -c "SET ROLE rs_int_rls" -c "SELECT max(age) FROM raresynth_sample('rls', 2000, NULL::heart, seed => 1)")
if [ "$rows" = "$want" ] && [ -n "$oldest" ] && [ "$oldest" -lt 50 ]; then
  ok "row-level security: trained on the $rows visible rows, oldest sampled age $oldest"
else
  notok "row-level security: trained on $rows rows (visible: $want), oldest sampled age '$oldest'"
fi
q -c "DROP OWNED BY rs_int_rls" >/dev/null

# the same rows whatever the thread count
h1=$(q -c "SET raresynth.threads = 1" -c "SELECT md5(string_agg(s::text, '|')) FROM raresynth_sample('heart_risk', 5000, NULL::heart, seed => 9) s")
h2=$(q -c "SET raresynth.threads = 2" -c "SELECT md5(string_agg(s::text, '|')) FROM raresynth_sample('heart_risk', 5000, NULL::heart, seed => 9) s")
if [ "$h1" = "$h2" ]; then ok "samples identical with 1 and 2 threads"; else notok "samples differ: $h1 vs $h2"; fi

if [ -n "$log" ] && tail -n +$((log_start + 1)) "$log" | grep "terminated by signal"; then
  notok "the server log shows a crashed backend"
fi
exit $fail
