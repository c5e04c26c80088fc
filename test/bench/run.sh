#!/usr/bin/env bash
# run.sh: `make bench`.  Every number is printed next to a baseline
# measured in the same run, as a ratio, and next to the reference figures
# the issues quote (measured elsewhere, for orientation only).
#  1. core benchmarks (test/bench/bench_*.c): GAN training step vs the
#     sgemm ceiling on the same shapes; SMOTE and logistic regression.
#  2. SQL benchmarks against a throwaway cluster (or PGHOST if set):
#     raresynth_sample rows/s; raresynth_synthesize vs a plain INSERT of
#     the same rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
# -march=x86-64, never native: one build for every CPU; OpenBLAS is
# dlopen()ed (src/core/blas.h), each benchmark names the kernels it runs
CFLAGS="-O2 -march=x86-64 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread"
CORE=$(sed -n 's/^CORE_SRCS *= *//p' Makefile)
mkdir -p test/bench/build
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
for b in test/bench/bench_*.c; do
  [ -f "$b" ] || continue
  exe=test/bench/build/$(basename "$b" .c)
  # shellcheck disable=SC2086
  gcc $CFLAGS -o "$exe" "$b" $CORE -ldl -lxgboost -lgomp -lm
  echo "== $(basename "$b" .c)"
  "$exe" | tee "test/bench/build/$(basename "$b" .c).out"
done
# the same build's training step under the best core for this CPU, in this
# run: with OPENBLAS_CORETYPE unset raresynth should come within 20% of it
best=$(sed -n 's/^OpenBLAS core raresynth chooses for this CPU: \([A-Za-z0-9_]*\)$/\1/p' test/bench/build/bench_gan.out)
if [ -n "$best" ]; then
  echo "== bench_gan under OPENBLAS_CORETYPE=$best (the best core for this CPU)"
  OPENBLAS_CORETYPE=$best test/bench/build/bench_gan | tee test/bench/build/bench_gan_best.out
  awk -v a="$(sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' test/bench/build/bench_gan.out)" \
      -v b="$(sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' test/bench/build/bench_gan_best.out)" \
      -v env="${OPENBLAS_CORETYPE:-(unset)}" -v best="$best" 'BEGIN {
    printf "training step with OPENBLAS_CORETYPE=%s: %.4f s; with %s: %.4f s; ratio %.2f (target <= 1.20)\n", env, a, best, b, a / b }'
  # the issue's case, a server started with nothing set, in the same run
  # (the machine's own setting is left as it is everywhere else)
  if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    echo "== bench_gan with OPENBLAS_CORETYPE unset (raresynth chooses the core)"
    env -u OPENBLAS_CORETYPE test/bench/build/bench_gan | tee test/bench/build/bench_gan_unset.out
    awk -v a="$(sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' test/bench/build/bench_gan_unset.out)" \
        -v b="$(sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' test/bench/build/bench_gan_best.out)" \
        -v best="$best" 'BEGIN {
      printf "training step with OPENBLAS_CORETYPE unset: %.4f s; with %s: %.4f s; ratio %.2f (target <= 1.20)\n", a, best, b, a / b }'
  fi
  # one pair of passes can land in a slow spell of the shared machine (a
  # 2.15 ratio between two passes running the same kernels on 2026-12-02):
  # BENCH_GAN_PAIRS pairs in all (default 3), unset and best alternating,
  # and the ratio of the medians
  step() { sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' "$1"; }
  if [ -n "${OPENBLAS_CORETYPE:-}" ]; then u=$(step test/bench/build/bench_gan_unset.out); else u=$(step test/bench/build/bench_gan.out); fi
  w=$(step test/bench/build/bench_gan_best.out)
  for _ in $(seq 2 "${BENCH_GAN_PAIRS:-3}"); do
    env -u OPENBLAS_CORETYPE test/bench/build/bench_gan > test/bench/build/bench_gan_pair.out
    u="$u $(step test/bench/build/bench_gan_pair.out)"
    OPENBLAS_CORETYPE=$best test/bench/build/bench_gan > test/bench/build/bench_gan_pair.out
    w="$w $(step test/bench/build/bench_gan_pair.out)"
  done
  awk -v u="$u" -v w="$w" -v best="$best" 'function med(s,  a, n, i, j, t) {
      n = split(s, a, " ");
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    BEGIN { printf "training step over %d alternating pairs, medians: OPENBLAS_CORETYPE unset %.4f s (%s); %s %.4f s (%s); ratio %.2f (target <= 1.20)\n",
      split(u, x, " "), med(u), u, best, med(w), w, med(u) / med(w) }'
fi
# bench_gan's step and its share of the sgemm ceiling, for the evaluation line
gan_step=$(sed -n 's/^training: *\([0-9.]*\) s\/step.*/\1/p' test/bench/build/bench_gan.out)
gan_share=$(sed -n 's/^share of the ceiling.*: \([0-9.]*\)%.*/\1/p' test/bench/build/bench_gan.out)
# the sampler's fp32 row ceiling (bench_sampler: its products alone in fp32 sgemm)
sample_ceiling=$(sed -n 's/^sgemm ceiling (fp32[^:]*: \([0-9]*\) rows\/s.*/\1/p' test/bench/build/bench_sampler.out)

echo "== SQL: sampling and synthesis (PostgreSQL $(pg_config --version | awk '{print $2}'))"
if [ -z "${PGHOST:-}" ]; then
  bash scripts/setup.sh >/dev/null
  # shellcheck source=../../scripts/cluster.sh
  . scripts/cluster.sh
  trap cluster_stop EXIT
  cluster_start
fi
N=${BENCH_SAMPLE_ROWS:-1000000}
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS rs_bench" -c "CREATE DATABASE rs_bench"
psql -X -q -d rs_bench -v ON_ERROR_STOP=1 <<SQL >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION raresynth;
\i test/data/heart.sql
SET raresynth.progress = off;
SELECT * FROM raresynth_train('heart', 'risk', epochs => 5, seed => 1);
SQL
ms() {  # run one statement, print its milliseconds
  psql -X -q -d rs_bench -v ON_ERROR_STOP=1 -c "SET raresynth.progress = off" -c '\timing on' -c "$1" \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
t_sample=$(ms "SELECT count(*) FROM raresynth_sample('heart_risk', $N, NULL::heart, seed => 1)")
t_count=$(ms "SELECT count(*) FROM generate_series(1, $N)")
psql -X -q -d rs_bench -c "CREATE TABLE t0 AS SELECT * FROM raresynth_sample('heart_risk', $N, NULL::heart, seed => 2)" \
  -c "CREATE TABLE t (LIKE t0)" -c "CREATE TABLE heart_synthetic (LIKE t0)" -c "CHECKPOINT"
t_insert=$(ms "INSERT INTO t SELECT * FROM t0")
t_synth=$(ms "SELECT raresynth_synthesize('heart_risk', $N, seed => 3)")
awk -v n="$N" -v ceil="${sample_ceiling:-0}" -v ts="$t_sample" -v tc="$t_count" -v ti="$t_insert" -v ty="$t_synth" 'BEGIN {
  rs = n / (ts / 1000); ri = n / (ti / 1000); ry = n / (ty / 1000);
  printf "raresynth_sample:     %d rows in %.2f s = %.0f rows/s (generate_series count(*) of the same n: %.2f s)\n", n, ts/1000, rs, tc/1000;
  printf "  vs CTGAN reference 63000 rows/s: %.2fx; target 500000 rows/s: %.2f of target\n", rs/63000, rs/500000;
  if (ceil > 0) printf "  vs the fp32 sgemm row ceiling of bench_sampler in this run (%d rows/s): %.2fx (target >= 1.50)\n", ceil, rs/ceil;
  printf "raresynth_synthesize: %d rows in %.2f s = %.0f rows/s\n", n, ty/1000, ry;
  printf "plain INSERT INTO t SELECT * FROM t0 (ceiling, same rows): %.2f s = %.0f rows/s\n", ti/1000, ri;
  printf "  synthesize / INSERT rate: %.2f (target >= 0.50)\n", ry/ri;
}'

# the paper's protocol: 10 runs at four sizes with none, smote and gan
# (GAN at default settings); 100 runs take ten times as long.  Runs go
# to workers (raresynth.threads, here its default: the cores), as many as
# maintenance_work_mem holds (a run each at the largest size): the first
# NOTICE says how many
RUNS=${BENCH_EVAL_RUNS:-10}
EVAL_MEM=${BENCH_EVAL_MEM:-256MB}
eval_out=$(psql -X -q -d rs_bench -v ON_ERROR_STOP=1 -c "SET raresynth.progress = on" \
  -c "SET maintenance_work_mem = '$EVAL_MEM'" -c '\timing on' \
  -c "SELECT count(*) FROM raresynth_evaluate('heart', 'risk', runs => $RUNS, sizes => '{1000,2000,4000,NULL}', seed => 1)" 2>&1)
t_eval=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$eval_out" | tail -1)
workers=$(grep -o '[0-9]* runs\? at a time' <<<"$eval_out" | head -1 | cut -d' ' -f1)
awk -v r="$RUNS" -v te="$t_eval" -v w="$workers" -v mem="$EVAL_MEM" -v step="$gan_step" -v share="$gan_share" 'BEGIN {
  s = te / 1000; full = s * 100 / r;
  printf "raresynth_evaluate, %d runs x 4 sizes x {none, smote, gan} at default GAN settings, %d run%s at a time (maintenance_work_mem %s): %.0f s\n", r, w, w == 1 ? "" : "s", mem, s;
  printf "  the paper'"'"'s 100 runs: %.1f min projected = %.2f of the 30-min target (CTGAN + scikit-learn reference 3.6 h: %.1fx)\n", full / 60, full / 1800, 3.6 * 3600 / full;
  printf "  beside bench_gan in this run: %s s per GAN step, %s%% of the sgemm ceiling\n", step, share;
}'
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS rs_bench"
