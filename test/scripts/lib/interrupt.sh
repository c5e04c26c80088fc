#!/usr/bin/env bash
# interrupt.sh: for script tests.  Source it after setting $db; then
# `interrupt FUNC DELAY SQL` runs SQL as application rs_victim, calls
# FUNC(pid) (pg_cancel_backend, pg_terminate_backend) after DELAY ms of
# running, and echoes the milliseconds from the interrupt to the session's
# end.  Needs PGHOST/PGPORT (scripts/test.sh).
now_ms() { date +%s%3N; }
interrupt() {
  local func=$1 delay=$2 sql=$3
  PGAPPNAME=rs_victim psql -X -q -d "$db" -c "SET raresynth.progress = off" -c "$sql" >/dev/null 2>&1 &
  local pid=$! t0
  for _ in $(seq 1 200); do
    [ "$(psql -X -A -t -q -d "$db" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rs_victim' AND state = 'active'")" = 1 ] && break
    sleep 0.01
  done
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  t0=$(now_ms)
  psql -X -A -t -q -d "$db" -c "SELECT $func(pid) FROM pg_stat_activity WHERE application_name = 'rs_victim'" >/dev/null
  wait $pid
  for _ in $(seq 1 300); do
    [ "$(psql -X -A -t -q -d "$db" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rs_victim'")" = 0 ] && break
    sleep 0.01
  done
  echo $(( $(now_ms) - t0 ))
}
