#!/usr/bin/env bash
# utility_signal.sh: raresynth_evaluate on real data sets with signal
# (test/data/datasets, README.md there), fixed seed, thresholds taken from
# the table of docs/evaluation.md with room for noise:
#  1. breast_cancer, both classifiers: the protocol finds the signal
#     (PR-AUC of none >= 0.95) and no way of rebalancing beats doing
#     nothing (no F1 interval against none lies above 0);
#  2. satimage (2000 rows, 9.7% rare), logistic: every rebalancing method
#     raises F1 far above none's (interval above +0.15: at the 0.5
#     threshold a logistic regression barely calls the rare class), yet
#     none raises PR-AUC (interval below +0.01): the gain is the threshold;
#  3. vehicle, logistic: the GAN trained without the filter
#     (filter_quantile 0) is significantly below none on F1, the default
#     GAN (filter 0.1) is not: the filter removes the rows that fall in the
#     majority's region (docs/evaluation.md, "Utility on real data sets").
# Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_utility_signal
cleanup() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; }
trap cleanup EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
q() { psql -X -q -At -d $db -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "SET raresynth.progress = off" "$@"; }
q -c "CREATE EXTENSION raresynth" -f test/data/datasets/load.sql >/dev/null
fail() { echo "utility_signal: $*"; exit 1; }

for c in logistic boosted; do
  out=$(q -c "
    WITH e AS (SELECT * FROM raresynth_evaluate('breast_cancer', 'class', '{none,smote,random,weighted,threshold}',
                                                runs => 5, seed => 1, classifier => '$c'))
    SELECT round((SELECT pr_auc FROM e WHERE method = 'none')::numeric, 3) || ' ' ||
           coalesce((SELECT string_agg(method, ',') FROM e WHERE method <> 'none' AND f1_vs_none_lo > 0), '-')")
  read -r prauc better <<<"$out"
  awk -v p="$prauc" 'BEGIN { exit !(p >= 0.95) }' || fail "breast_cancer $c: PR-AUC of none $prauc < 0.95"
  [ "$better" = - ] || fail "breast_cancer $c: $better beat none on F1 (interval above 0)"
  echo "utility_signal: breast_cancer $c: PR-AUC of none $prauc, no method beats none on F1"
done

out=$(q -c "
  SELECT method || ' ' || round(f1_vs_none_lo::numeric, 3) || ' ' || round(pr_auc_vs_none_hi::numeric, 3)
    FROM raresynth_evaluate('satimage', 'damp_grey_soil', '{none,smote,random,weighted,threshold}',
                            runs => 5, sizes => '{2000}', seed => 1)
   WHERE method <> 'none' ORDER BY method")
while read -r m lo hi; do
  awk -v x="$lo" 'BEGIN { exit !(x > 0.15) }' || fail "satimage $m: F1 against none has its interval's low end at $lo, not above 0.15"
  awk -v x="$hi" 'BEGIN { exit !(x < 0.01) }' || fail "satimage $m: PR-AUC against none reaches $hi, not below 0.01"
done <<<"$out"
echo "utility_signal: satimage logistic: every rebalancing method raises F1 (low ends $(echo "$out" | awk '{printf "%s ", $2}')), none raises PR-AUC"

gan_f1() {  # F1 against none: "diff lo hi" of the GAN with options $1
  q -c "SELECT round(f1_vs_none::numeric, 3) || ' ' || round(f1_vs_none_lo::numeric, 3) || ' ' ||
               round(f1_vs_none_hi::numeric, 3)
          FROM raresynth_evaluate('vehicle', 'van', '{none,gan}', runs => 5, seed => 1, options => '$1')
         WHERE method = 'gan'"
}
read -r d0 lo0 hi0 <<<"$(gan_f1 '{"filter_quantile": 0}')"
read -r d1 lo1 hi1 <<<"$(gan_f1 '{}')"
awk -v x="$hi0" 'BEGIN { exit !(x < 0) }' ||
  fail "vehicle: the unfiltered GAN's F1 against none is $d0 ($lo0, $hi0), not significantly below 0"
awk -v x="$hi1" 'BEGIN { exit !(x >= 0) }' ||
  fail "vehicle: the default GAN's F1 against none is $d1 ($lo1, $hi1), significantly below 0"
echo "utility_signal: vehicle logistic: F1 against none $d0 ($lo0, $hi0) unfiltered, $d1 ($lo1, $hi1) with the default filter"
