#!/usr/bin/env bash
# membership_inference.sh: the empirical check of differential privacy
# (docs/privacy.md, "The membership-inference test").  A table of 30
# member rows, four categorical columns of 10 values each drawn uniformly
# (10,000 combinations, so each member is a combination of its own), and
# 200 non-members drawn from the same distribution.  Two models learn the
# members with the same epochs and batch (2000 x 10):
#  - one without DP, deliberately overfitted (pac 1, no moment matching,
#    no calibration, no early stopping, no pooling): its generator
#    reproduces the members;
#  - one at epsilon 1 (delta 1e-6), the categories listed.
# The attack: 5000 rows sampled from the model; a candidate is called a
# member when at least one sampled row equals it on all four columns (the
# threshold fixed in advance, not tuned on the outcome).  Its advantage is
# TPR - FPR (Yeom et al. 2018), with a 95% interval from the two
# proportions' 97.5% Wilson intervals (Bonferroni).  The test asserts:
#  1. the overfitted model's advantage is significantly above 0 (the low
#     end of its interval above 0.3): the attack works;
#  2. the DP model's advantage is not significantly above what epsilon
#     allows: for (epsilon, delta)-DP every attack's advantage is at most
#     (e^epsilon - 1 + 2 delta) / (e^epsilon + 1) (Humphries et al. 2020,
#     Kairouz et al. 2015), 0.4621 at epsilon 1; the test fails when the
#     low end of the interval lies above it (a DP model meeting the bound
#     exactly would fail at most 5% of the time; the measured ones are far
#     below it).
# MIA_BREAK=nodp makes check 2 judge the overfitted model instead: it
# must then fail (the test can tell a model that is not private).
# MIA_BREAK=noise trains the "DP" model at epsilon 1e6 (noise multiplier
# near 0) and judges it by epsilon 1's bound (docs/privacy.md says what it
# shows).  Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_membership
cleanup() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; }
trap cleanup EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
q() { psql -X -q -At -d $db -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "SET raresynth.progress = off" "$@"; }
fail() { echo "membership_inference: $*"; exit 1; }
EPOCHS=${MIA_EPOCHS:-2000}
EPSILON=1
DELTA=1e-6
dp_epsilon=$EPSILON
[ "${MIA_BREAK:-}" = noise ] && dp_epsilon=1e6

q -c "CREATE EXTENSION raresynth" >/dev/null
q -f - >/dev/null <<'SQL'
SELECT setseed(0.42);
CREATE FUNCTION cell() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT 'k' || floor(random() * 10)::int $$;
-- 30 members (class 1) and 30 rows of class 0, which no model reads
CREATE TABLE mia_rows AS SELECT (g > 30)::int AS y, cell() AS a, cell() AS b, cell() AS c, cell() AS d
                           FROM generate_series(1, 60) g;
CREATE TABLE mia_candidates AS
  SELECT a, b, c, d, true AS member FROM mia_rows WHERE y = 1
  UNION ALL
  SELECT cell(), cell(), cell(), cell(), false FROM generate_series(1, 200);
-- the attack's counts for a model: "tp members fp non_members"
CREATE FUNCTION attack(model name) RETURNS text LANGUAGE sql AS $$
  WITH syn AS MATERIALIZED (SELECT a, b, c, d FROM raresynth_sample(model, 5000, NULL::mia_rows, seed => 7)),
       s AS (SELECT m.member, EXISTS (SELECT FROM syn WHERE (syn.a, syn.b, syn.c, syn.d) = (m.a, m.b, m.c, m.d)) AS hit
               FROM mia_candidates m)
  SELECT count(*) FILTER (WHERE member AND hit) || ' ' || count(*) FILTER (WHERE member) || ' ' ||
         count(*) FILTER (WHERE NOT member AND hit) || ' ' || count(*) FILTER (WHERE NOT member) FROM s $$;
SQL
cats=$(q -c "SELECT jsonb_build_object('a', v, 'b', v, 'c', v, 'd', v)
               FROM (SELECT jsonb_agg('k' || i ORDER BY i) v FROM generate_series(0, 9) i) x")
t0=$(date +%s)
q -c "SELECT raresynth_train('mia_rows', 'y', '1', 'mia_nodp', epochs => $EPOCHS, batch_size => 10, seed => 1,
        options => '{\"pac\": 1, \"moment_weight\": 0, \"calibration\": 0, \"early_stopping\": 0,
                     \"rare_category_k\": 1, \"dependencies\": 0}')" >/dev/null
t1=$(date +%s)
[ "${MIA_BREAK:-}" = nodp ] ||
  q -c "SELECT raresynth_train('mia_rows', 'y', '1', 'mia_dp', epochs => $EPOCHS, batch_size => 10,
          options => '{\"epsilon\": $dp_epsilon, \"delta\": $DELTA, \"categories\": $cats}')" >/dev/null
t2=$(date +%s)

# "adv lo hi tpr fpr" of the counts "tp m fp n"
advantage() {
  awk -v tp="$1" -v m="$2" -v fp="$3" -v n="$4" 'function wilson(k, n, s,   p, z, c, h) {
      p = k / n; z = 1.959964; c = (p + z * z / (2 * n)) / (1 + z * z / n)
      h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
      return s < 0 ? (c - h < 0 ? 0 : c - h) : (c + h > 1 ? 1 : c + h) }
    BEGIN { printf "%.4f %.4f %.4f %.4f %.4f\n", tp / m - fp / n, wilson(tp, m, -1) - wilson(fp, n, 1),
            wilson(tp, m, 1) - wilson(fp, n, -1), tp / m, fp / n }'
}
bound=$(awk -v e="$EPSILON" -v d="$DELTA" 'BEGIN { printf "%.4f", (exp(e) - 1 + 2 * d) / (exp(e) + 1) }')
read -r tp m fp n <<<"$(q -c "SELECT attack('mia_nodp')")"
read -r adv lo hi tpr fpr <<<"$(advantage "$tp" "$m" "$fp" "$n")"
echo "membership_inference: no DP, overfitted ($EPOCHS epochs, $((t1 - t0)) s): TPR $tpr, FPR $fpr, advantage $adv (95% $lo, $hi)"
awk -v x="$lo" 'BEGIN { exit !(x > 0.3) }' ||
  fail "the overfitted model's advantage $adv ($lo, $hi) is not significantly above 0.3: the attack finds nothing to tell"
nodp_counts="$tp $m $fp $n"

if [ "${MIA_BREAK:-}" = nodp ]; then
  read -r tp m fp n <<<"$nodp_counts"; what="the model without DP (MIA_BREAK=nodp)"
else
  read -r tp m fp n <<<"$(q -c "SELECT attack('mia_dp')")"; what="epsilon $dp_epsilon"
fi
read -r adv lo hi tpr fpr <<<"$(advantage "$tp" "$m" "$fp" "$n")"
echo "membership_inference: $what ($EPOCHS epochs, $((t2 - t1)) s): TPR $tpr, FPR $fpr, advantage $adv (95% $lo, $hi); epsilon $EPSILON allows $bound"
awk -v x="$lo" -v b="$bound" 'BEGIN { exit !(x <= b) }' ||
  fail "$what: the attack's advantage $adv ($lo, $hi) is significantly above $bound, the most epsilon $EPSILON allows"
echo "membership_inference: the attack tells the overfitted model's members, and the DP model leaks no more than epsilon $EPSILON allows"
