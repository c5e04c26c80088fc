#!/usr/bin/env bash
# evaluate_workers.sh: raresynth_evaluate's runs on workers, where the
# machine has 2 CPUs or more.  With raresynth.threads = 2 and memory for
# two runs the progress NOTICE says "2 runs at a time"; with
# maintenance_work_mem holding one run only it says "1 run at a time" and
# hints at the setting that holds two; the numbers are the same all three
# ways (1 thread, 2 workers, 1 worker for lack of memory).  A cancel and a
# terminate while two workers train stop the statement within 2 s, leave
# no thread in the backend and no crash in the server log.
# Needs PGHOST/PGPORT (scripts/test.sh); RS_CLUSTER_DIR for the server log.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ "$(nproc)" -lt 2 ]; then echo "ok skipped: $(nproc) CPU"; exit 0; fi
db=rs_workers
. test/scripts/lib/heart_db.sh
heart_db $db
. test/scripts/lib/interrupt.sh
fail=0
ok() { echo "ok $*"; }
notok() { echo "not ok $*"; fail=1; }
log=${RS_CLUSTER_DIR:+$RS_CLUSTER_DIR/server.log}
log_start=$( [ -n "$log" ] && [ -f "$log" ] && wc -l < "$log" || echo 0)
small='{"epochs": 1, "embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
ev="SELECT method, size, accuracy, recall, f1, pr_auc, mcc, accuracy_sd, f1_vs_none_lo
    FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan}', runs => 2, sizes => '{1000,NULL}',
                            seed => 6, options => '$small') ORDER BY method, size"
# run ev with threads $1 and maintenance_work_mem $2: the results' md5,
# then the progress NOTICE's "N run(s) at a time" and whether a HINT came
run() {
  local out
  out=$(psql -X -A -t -q -d $db -v ON_ERROR_STOP=1 -c "SET raresynth.threads = $1" \
          -c "SET maintenance_work_mem = '$2'" -c "$ev" 2>&1)
  echo "$(grep -v '^NOTICE\|^DETAIL\|^HINT' <<<"$out" | md5sum | cut -c1-12)" \
       "$(grep -o '[0-9]* runs\? at a time' <<<"$out" | head -1 | cut -d' ' -f1)" \
       "$(grep -c '^HINT:  Raise maintenance_work_mem to at least .* to run 2 runs at a time' <<<"$out")"
}
read -r h1 w1 _ < <(run 1 256MB)
read -r h2 w2 _ < <(run 2 256MB)
read -r h3 w3 hint3 < <(run 2 40MB)
if [ "$w1" = 1 ] && [ "$w2" = 2 ] && [ "$w3" = 1 ] && [ "$hint3" = 1 ]; then
  ok "runs at a time: 1 with 1 thread, 2 with 2, 1 with 2 threads and maintenance_work_mem 40MB (with a hint)"
else
  notok "runs at a time: '$w1' with 1 thread, '$w2' with 2, '$w3' (hint '$hint3') with 40MB"
fi
if [ "$h1" = "$h2" ] && [ "$h1" = "$h3" ]; then
  ok "the same numbers with 1 thread, 2 workers and 1 worker for lack of memory"
else
  notok "numbers differ: $h1, $h2, $h3"
fi

# interrupts while two workers train (after the read, which takes < 1 s)
long="SET maintenance_work_mem = '256MB'; SET raresynth.threads = 2;
      SELECT count(*) FROM raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 4, sizes => '{4000}', seed => 7, options => '{\"epochs\": 300}')"
for spec in pg_cancel_backend:1500 pg_cancel_backend:3000 pg_terminate_backend:1500 pg_terminate_backend:3000; do
  func=${spec%:*}; delay=${spec#*:}
  ms=$(interrupt "$func" "$delay" "$long")
  if [ "$ms" -le 2000 ]; then
    ok "$func after $delay ms of two workers stopped in $ms ms"
  else
    notok "$func after $delay ms of two workers: stopped in $ms ms"
  fi
done
# the backend's threads are given back: none named raresynth is left (the
# count of all threads is printed: OpenBLAS's pool, started at load, stays)
names="SELECT count(*) FILTER (WHERE n = 'raresynth') || ' ' || count(*) || ' ' || string_agg(n, ',')
       FROM (SELECT pg_catalog.rtrim(pg_read_file('/proc/' || pg_backend_pid() || '/task/' || t || '/comm'), E'\\n') AS n
             FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task') t) s"
tasks=$(psql -X -A -t -q -d $db -c "SET raresynth.progress = off" -c "SET raresynth.threads = 1" \
  -c "SELECT count(*) FROM raresynth_evaluate('heart', 'risk', '{none}', runs => 1, sizes => '{300}', seed => 1)" \
  -c "$names" \
  -c "SET raresynth.threads = 2" -c "SET maintenance_work_mem = '256MB'" \
  -c "SET statement_timeout = '2s'" \
  -c "SELECT count(*) FROM raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 4, sizes => '{4000}', seed => 7, options => '{\"epochs\": 300}')" \
  -c "RESET statement_timeout" \
  -c "$names" 2>/dev/null | tail -2 | tr '\n' ' ')
read -r ours_before all_before names_before ours_after all_after names_after <<<"$tasks"
if [ "$ours_before" = 0 ] && [ "$ours_after" = 0 ]; then
  ok "no raresynth thread left after a timed-out evaluation on two workers ($all_after threads in all, $all_before before)"
else
  notok "raresynth threads before and after a timed-out evaluation on two workers: ${tasks:-nothing read}"
fi
if [ -n "$log" ] && tail -n +$((log_start + 1)) "$log" | grep "terminated by signal"; then
  notok "the server log shows a crashed backend"
fi
exit $fail
