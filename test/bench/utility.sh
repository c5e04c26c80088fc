#!/usr/bin/env bash
# utility.sh: `make utility`.  raresynth_evaluate on the real data sets
# with signal in test/data/datasets (README.md there), every method, both
# classifiers, and each GAN variant, into one markdown table per data set
# (the table of docs/evaluation.md).  Against a throwaway cluster, or
# PGHOST if set.
#   RUNS       paired runs per cell (default 5)
#   DATASETS   which ones (default: all five)
#   VARIANTS   GAN variants, "name=options;...", each a raresynth_evaluate
#              options object (default: the default GAN only)
#   CLASSIFIERS  default "logistic boosted"
#   BASELINES  1 (default): the first variant's call runs every method;
#              0: every call runs none and gan only
#   KEEP       1: keep the rows of an earlier run in utility_results
#   PRINT_ONLY 1: only print the table of utility_results (with KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
DATASETS=${DATASETS:-"pima breast_cancer vehicle birthwt satimage"}
VARIANTS=${VARIANTS:-'gan={}'}
CLASSIFIERS=${CLASSIFIERS:-"logistic boosted"}
if [ -z "${PGHOST:-}" ]; then
  bash scripts/setup.sh >/dev/null
  # shellcheck source=../../scripts/cluster.sh
  . scripts/cluster.sh
  trap cluster_stop EXIT
  cluster_start
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS rs_utility" -c "CREATE DATABASE rs_utility"
  export PGDATABASE=rs_utility
fi
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS raresynth" \
    -f test/data/datasets/load.sql
[ "${KEEP:-0}" = 1 ] || sql -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS utility_results"
sql -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS utility_results AS SELECT NULL::text dataset, NULL::text classifier,
          NULL::text variant, e.* FROM raresynth_evaluate('birthwt', 'low', '{none}', runs => 1) e LIMIT 0"
label_of() { case $1 in pima) echo diabetes;; breast_cancer) echo class;; vehicle) echo van;;
  birthwt) echo low;; satimage) echo damp_grey_soil;; esac; }
size_of() { case $1 in satimage) echo "'{2000}'";; *) echo NULL;; esac; }
IFS=';' read -r -a VARS <<<"$VARIANTS"
[ "${PRINT_ONLY:-0}" = 1 ] && DATASETS=""
for d in $DATASETS; do
  for c in $CLASSIFIERS; do
    first=${BASELINES:-1}
    for v in "${VARS[@]}"; do
      name=${v%%=*}; opts=${v#*=}
      if [ $first = 1 ]; then methods='{none,smote,smotenc,weighted,threshold,random,gan}'; else methods='{none,gan}'; fi
      t0=$(date +%s.%N)
      sql -c "SET raresynth.progress = off" -c "SET client_min_messages = warning" -c "
        INSERT INTO utility_results
        SELECT '$d', '$c', CASE WHEN e.method = 'gan' THEN '$name' ELSE e.method END, e.*
          FROM raresynth_evaluate('$d', '$(label_of "$d")', '$methods', runs => $RUNS,
                                  sizes => $(size_of "$d"), classifier => '$c', seed => 1,
                                  options => '$opts') e
         WHERE $first = 1 OR e.method = 'gan'"
      echo "$d $c $name: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f s", b-a}')" >&2
      first=0
    done
  done
done
# one table: F1, balanced accuracy and PR-AUC (means), each against none
# with its 95% interval; * marks an interval above 0, - below
vs() {  # the SQL of "+d (lo, hi) *" for metric $1
  echo "CASE WHEN variant = 'none' THEN '' ELSE
          to_char($1_vs_none, 'SG0.000') || ' (' || to_char($1_vs_none_lo, 'SG0.000') || ', ' ||
          to_char($1_vs_none_hi, 'SG0.000') || ')' ||
          CASE WHEN $1_vs_none_lo > 0 THEN ' *' WHEN $1_vs_none_hi < 0 THEN ' -' ELSE '' END END"
}
sql -At -F '|' -c "
  SELECT '| ' || dataset || ' | ' || classifier || ' | ' || variant || ' | ' || size || ' | ' ||
         round(f1::numeric, 3) || ' | ' || round(balanced_accuracy::numeric, 3) || ' | ' ||
         round(pr_auc::numeric, 3) || ' | ' || $(vs f1) || ' | ' || $(vs balanced_accuracy) || ' | ' ||
         $(vs pr_auc) || ' |'
    FROM utility_results ORDER BY dataset, classifier,
       array_position('{none,smote,smotenc,random,weighted,threshold}'::text[], variant) NULLS LAST, variant" |
  { echo "| data set | classifier | method | rows | F1 | balanced acc. | PR-AUC | F1 vs none (95%) | balanced acc. vs none (95%) | PR-AUC vs none (95%) |"
    echo "|---|---|---|---|---|---|---|---|---|---|"; cat; }
