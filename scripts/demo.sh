#!/usr/bin/env bash
# demo.sh: the main job on the bundled heart data: profile the table,
# train the GAN on the rare class, write heart_synthetic (1:1), measure
# its quality, then run the paper's experiment (none vs SMOTE vs GAN at
# sizes 1000, 2000, 4000 and all) and draw its figures into out/:
# accuracy.png, recall.png, f1.png, pr_auc.png, balanced_accuracy.png, evaluation.csv,
# results.md; the quality
# report goes to out/quality.csv and its figures to docs/figures/
# (column_shapes.png, pair_trends.png).
#   bash scripts/demo.sh            3 runs per size (a few minutes)
#   bash scripts/demo.sh --paper    the paper's 100 runs (about two hours)
#   RUNS=10 bash scripts/demo.sh    any other count  Installs and builds
# what is missing (scripts/setup.sh), then runs against a throwaway local
# cluster, or against your server when RARESYNTH_DSN is set (a libpq
# connection string; the extension is installed there with CREATE EXTENSION
# and the table "heart" is replaced).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
[ "${1:-}" = "--paper" ] && RUNS=100
bash scripts/setup.sh

# shellcheck source=cluster.sh
. scripts/cluster.sh
if [ -z "${RARESYNTH_DSN:-}" ]; then
  trap cluster_stop EXIT
  cluster_start
  DSN="dbname=postgres"
  echo "demo: throwaway cluster on $PGHOST port $PGPORT"
else
  DSN="$RARESYNTH_DSN"
fi

mkdir -p out
psql "$DSN" -X -q -v ON_ERROR_STOP=1 -v runs="$RUNS" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS raresynth;
\i test/data/heart.sql
RESET client_min_messages;
\echo
\echo '== raresynth_profile(''heart'', ''risk''): how raresynth reads the table'
SELECT column_name, type, kind, reason, round(null_fraction::numeric, 3) AS null_fraction,
       distinct_count, min, max, class_counts
FROM raresynth_profile('heart', 'risk');
\echo '== raresynth_train(''heart'', ''risk''): the GAN on the rare class (default settings: CTGAN''s networks and optimiser, at most 300 epochs with early stopping, plus moment matching)'
SELECT * FROM raresynth_train('heart', 'risk', seed => 20261126);
\echo '== raresynth_synthesize(''heart_risk''): heart_synthetic brings the classes to 1:1; view heart_improved'
SELECT raresynth_synthesize('heart_risk', seed => 1) AS rows_written;
SELECT risk, count(*) FROM heart_improved GROUP BY risk ORDER BY risk;
\echo '== five synthetic rows'
SELECT * FROM heart_synthetic LIMIT 5;
\echo '== raresynth_quality(''heart'', ''heart_synthetic'', ''risk''): fidelity and privacy (docs/quality.md)'
SET client_min_messages = warning;
DROP TABLE IF EXISTS heart_quality;
RESET client_min_messages;
CREATE TABLE heart_quality AS
SELECT metric, column_name, column_name_2, value FROM raresynth_quality('heart', 'heart_synthetic', 'risk');
SELECT metric, round(value::numeric, 4) AS value FROM heart_quality WHERE column_name IS NULL;
\echo '== the five weakest column pairs'
SELECT column_name, column_name_2, round(value::numeric, 4) AS pair_trend
FROM heart_quality WHERE metric = 'pair_trend' ORDER BY value LIMIT 5;
\copy heart_quality TO 'out/quality.csv' WITH (FORMAT csv, HEADER true)
\echo '== raresynth_evaluate(''heart'', ''risk''): the paper''s experiment,' :runs 'runs per size'
SET client_min_messages = warning;
DROP TABLE IF EXISTS heart_evaluation;
RESET client_min_messages;
CREATE TABLE heart_evaluation AS
SELECT * FROM raresynth_evaluate('heart', 'risk', runs => :runs, sizes => '{1000,2000,4000,NULL}', seed => 20261126);
\copy heart_evaluation TO 'out/evaluation.csv' WITH (FORMAT csv, HEADER true)
SQL
# the labelled and minority rows: the "all" label and the chance lines
read -r rows minority < <(psql "$DSN" -X -A -t -F ' ' -c \
  "SELECT sum(c), min(c) FROM (SELECT count(*) AS c FROM heart WHERE risk IS NOT NULL GROUP BY risk) s")
bash scripts/figures.sh out/evaluation.csv out "$rows" "$minority"
bash scripts/figures.sh --quality out/quality.csv docs/figures
echo
cat out/results.md
echo
echo "demo: figures in out/accuracy.png, out/recall.png, out/f1.png, out/pr_auc.png and out/balanced_accuracy.png, table in out/evaluation.csv and out/results.md"
echo "demo: quality in out/quality.csv, docs/figures/column_shapes.png and docs/figures/pair_trends.png"
