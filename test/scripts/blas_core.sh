#!/usr/bin/env bash
# blas_core.sh: which OpenBLAS kernels a server runs (src/core/blas.h).
# Two throwaway clusters of their own (the test cluster's environment is
# whatever CI gave it, and is left alone):
#  - started with OPENBLAS_CORETYPE unset: raresynth_version() says the
#    core was chosen by raresynth from cpuid, is the one the CPU's flags
#    call for (Cooperlake with AVX512-BF16, SkylakeX with AVX-512, Haswell
#    with AVX2 + FMA) and is no fallback; no WARNING;
#  - started with OPENBLAS_CORETYPE=Haswell (a user's setting): it is
#    kept, reported as set by the environment and, on an AVX-512 CPU, as a
#    fallback with one WARNING per backend (its first training), not two;
#    its AVX2 kernels keep the products;
#  - started with OPENBLAS_CORETYPE=Prescott (SSE kernels: what 0.3.21
#    runs on Sapphire Rapids): kept for OpenBLAS, a fallback, and sgemm
#    runs on raresynth's own kernel for the CPU (AVX-512 or AVX2); the
#    trainings run on it.
# Needs the extension installed for the server of scripts/cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "blas_core: $*"; exit 1; }

flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
if has avx512f avx512bw avx512vl avx512dq && has avx512_bf16; then want=Cooperlake
elif has avx512f avx512bw avx512vl avx512dq; then want=SkylakeX
elif has avx2 fma; then want=Haswell
else want=; fi

# run_server CORETYPE: start a cluster with OPENBLAS_CORETYPE=CORETYPE (or
# unset for "unset"), print raresynth_version() and the messages of two
# tiny trainings in one session
run_server() {
  (
    unset PGHOST PGPORT RS_PORT RS_CLUSTER_DIR
    if [ "$1" = unset ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE=$1; fi
    # shellcheck source=../../scripts/cluster.sh
    . scripts/cluster.sh
    trap cluster_stop EXIT
    cluster_start >/dev/null   # pg_ctl: the server inherits this environment
    psql -X -q -At -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION raresynth;
\i test/data/tiny.sql
SET raresynth.progress = off;
SELECT raresynth_version();
SELECT count(*) FROM raresynth_train('tiny', 'y', epochs => 1, seed => 1, options => :'small');
SELECT count(*) FROM raresynth_train('tiny', 'y', epochs => 1, seed => 2, options => :'small');
SQL
  )
}

out=$(run_server unset)
version=$(grep '^raresynth ' <<<"$out")
[ -n "$version" ] || fail "no version with OPENBLAS_CORETYPE unset: $out"
if [ -n "$want" ]; then
  [[ "$version" == *"OpenBLAS "*" $want (chosen by raresynth from cpuid), "* ]] ||
    fail "OPENBLAS_CORETYPE unset: expected $want chosen by raresynth from cpuid, got: $version"
fi
[[ "$version" != *fallback* ]] || fail "OPENBLAS_CORETYPE unset: a fallback core: $version"
! grep -q WARNING <<<"$out" || fail "OPENBLAS_CORETYPE unset: a WARNING: $out"
echo "blas_core: OPENBLAS_CORETYPE unset: ${version#*OpenBLAS }"

out=$(run_server Haswell)
version=$(grep '^raresynth ' <<<"$out")
[[ "$version" == *" Haswell (set by OPENBLAS_CORETYPE=Haswell in the environment"* ]] ||
  fail "OPENBLAS_CORETYPE=Haswell was not kept: $out"
warnings=$(grep -c 'WARNING:  OpenBLAS runs its "Haswell" kernels' <<<"$out" || true)
if [ "$want" = Cooperlake ] || [ "$want" = SkylakeX ]; then
  [[ "$version" == *"; a fallback: this CPU supports $want), "* ]] ||
    fail "OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU is not reported as a fallback: $version"
  # a vector core set by the operator is logged, not warned to clients
  [ "$warnings" = 0 ] || fail "a WARNING to the client for a core the operator set: $out"
else
  [[ "$version" != *fallback* ]] || fail "Haswell is a fallback on a CPU without AVX-512: $version"
  [ "$warnings" = 0 ] || fail "a WARNING without AVX-512: $out"
fi
grep -qx 1 <<<"$(tail -1 <<<"$out")" || fail "the trainings did not run: $out"
echo "blas_core: OPENBLAS_CORETYPE=Haswell kept: ${version#*OpenBLAS }, $warnings WARNING"

if [ -n "$want" ]; then
  own=AVX2; [ "$want" = Haswell ] || own=AVX-512
  out=$(run_server Prescott)
  version=$(grep '^raresynth ' <<<"$out")
  [[ "$version" == *" Prescott (set by OPENBLAS_CORETYPE=Prescott in the environment; a fallback: this CPU supports $want; sgemm on raresynth's $own kernel), "* ]] ||
    fail "OPENBLAS_CORETYPE=Prescott: expected sgemm on raresynth's $own kernel: $out"
  grep -q "raresynth's matrix products run on its own $own kernel meanwhile" <<<"$out" ||
    fail "OPENBLAS_CORETYPE=Prescott: the WARNING does not name raresynth's kernel: $out"
  grep -qx 1 <<<"$(tail -1 <<<"$out")" || fail "the trainings did not run on raresynth's kernel: $out"
  echo "blas_core: OPENBLAS_CORETYPE=Prescott kept, sgemm on raresynth's $own kernel"
fi
