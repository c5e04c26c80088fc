#!/usr/bin/env bash
# dp_utility.sh: what differential privacy costs in utility (the table of
# docs/privacy.md, "Utility at epsilon 1, 3 and 10").  raresynth_evaluate
# on heart (label risk, 30 epochs), breast_cancer (label class) and pima
# (label diabetes; both the default 300 epochs), methods none, smote and
# gan, 5 runs, seed 1, both classifiers, the GAN without DP and at
# epsilon 10^6 (DP-SGD's settings with next to no noise), 10, 3 and 1;
# one markdown row per data set, classifier and arm: F1, balanced
# accuracy and PR-AUC, each with its paired difference from none and the
# 95% interval.
# bounds and categories: breast_cancer's nine scores are 1..10 by the data
# set's documentation; pima's are ranges from clinical knowledge (below),
# wider than the data's; heart's are the table's own minimum, maximum and
# distinct values (as for the fidelity table of docs/privacy.md: a real
# user takes them from what is public about the columns).
# Against PGHOST (a running cluster with raresynth installed):
#   RUNS (default 5), CLASSIFIERS (default "logistic boosted"),
#   DATASETS (default "heart breast_cancer pima"), EPSILONS (default
#   "1000000 10 3 1"), SETTINGS (default "nodp" and the epsilons),
#   KEEP=1 adds to the rows of an earlier run,
#   DP_UTILITY_DB (default rs_dp_utility, dropped and created),
#   PRINT_ONLY=1 prints the table of an earlier run (dp_utility_results).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CLASSIFIERS=${CLASSIFIERS:-"logistic boosted"}
DATASETS=${DATASETS:-"heart breast_cancer pima"}
EPSILONS=${EPSILONS:-"1000000 10 3 1"}
SETTINGS=${SETTINGS:-"nodp $EPSILONS"}
db=${DP_UTILITY_DB:-rs_dp_utility}
sql() { psql -X -q -At -d "$db" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "SET raresynth.progress = off" "$@"; }
if [ "${PRINT_ONLY:-0}" != 1 ] && [ "${KEEP:-0}" != 1 ]; then
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  sql -c "CREATE EXTENSION raresynth" -f test/data/heart.sql -f test/data/datasets/load.sql >/dev/null
  # heart's bounds and categories: text columns and those of at most 12
  # values listed, the others bounded by their minimum and maximum
  sql -f - >/dev/null <<'SQL'
CREATE FUNCTION pg_temp.heart_domain() RETURNS jsonb LANGUAGE plpgsql AS $f$
DECLARE b jsonb := '{}'; c jsonb := '{}'; r record; v jsonb; k int;
BEGIN
  FOR r IN SELECT attname, atttypid::regtype::text AS t FROM pg_attribute
            WHERE attrelid = 'heart'::regclass AND attnum > 0 AND NOT attisdropped
              AND attname NOT IN ('patient_id', 'risk') ORDER BY attnum LOOP
    EXECUTE format('SELECT count(DISTINCT %I) FROM heart', r.attname) INTO k;
    IF r.t = 'text' OR k <= 12 THEN
      EXECUTE format('SELECT jsonb_agg(DISTINCT %I) FROM heart', r.attname) INTO v;
      c := c || jsonb_build_object(r.attname, v);
    ELSE
      EXECUTE format('SELECT jsonb_build_array(min(%I), max(%I)) FROM heart', r.attname, r.attname) INTO v;
      b := b || jsonb_build_object(r.attname, v);
    END IF;
  END LOOP;
  RETURN jsonb_build_object('bounds', b, 'categories', c);
END $f$;
CREATE TABLE dp_domain AS
SELECT 'heart'::text AS dataset, pg_temp.heart_domain() AS domain
UNION ALL
SELECT 'breast_cancer', jsonb_build_object('bounds', jsonb_object_agg(c, '[1, 10]'::jsonb))
  FROM unnest('{cl_thickness,cell_size,cell_shape,marg_adhesion,epith_c_size,bare_nuclei,bl_cromatin,normal_nucleoli,mitoses}'::text[]) c
UNION ALL
-- pregnancies; 2-hour OGTT plasma glucose (mg/dl); diastolic pressure
-- (mm Hg); triceps skin fold (mm); 2-hour serum insulin (mu U/ml); BMI;
-- diabetes pedigree function; age (the study's women are 21 or older)
SELECT 'pima', '{"bounds": {"pregnant": [0, 20], "glucose": [40, 200], "pressure": [20, 130],
                            "triceps": [5, 100], "insulin": [10, 900], "mass": [15, 70],
                            "pedigree": [0, 2.5], "age": [21, 90]}}';
CREATE TABLE dp_utility_results AS
SELECT NULL::text dataset, NULL::text classifier, NULL::text setting, e.*
  FROM raresynth_evaluate('breast_cancer', 'class', '{none}', runs => 1) e LIMIT 0;
SQL
fi
if [ "${PRINT_ONLY:-0}" != 1 ]; then
  for d in $DATASETS; do
    case $d in heart) label=risk; epochs=30;; breast_cancer) label=class; epochs=300;; pima) label=diabetes; epochs=300;; esac
    for c in $CLASSIFIERS; do
      for s in $SETTINGS; do
        if [ "$s" = nodp ]; then opts="'{\"epochs\": $epochs}'::jsonb"; methods='{none,smote,gan}'
        else opts="(SELECT domain || '{\"epsilon\": $s, \"epochs\": $epochs}' FROM dp_domain WHERE dataset = '$d')"; methods='{none,gan}'
        fi
        t0=$(date +%s)
        sql -c "INSERT INTO dp_utility_results SELECT '$d', '$c', '$s', e.* FROM raresynth_evaluate('$d', '$label', '$methods',
                  runs => $RUNS, seed => 1, classifier => '$c', options => $opts) e"
        echo "dp_utility: $d $c $s: $(( $(date +%s) - t0 )) s" >&2
      done
    done
  done
fi
f() { echo "round(($1)::numeric, 3)"; }
iv() { echo "$(f "${1}_vs_none") || ' [' || $(f "${1}_vs_none_lo") || ', ' || $(f "${1}_vs_none_hi") || ']'"; }
sql -F ' | ' -f - <<SQL
SELECT '| ' || dataset || ' | ' || classifier || ' | ' ||
       CASE WHEN method <> 'gan' THEN method WHEN setting = 'nodp' THEN 'gan, no DP'
            WHEN setting = '1000000' THEN 'gan, epsilon 10^6' ELSE 'gan, epsilon ' || setting END,
       $(f f1), CASE WHEN method = 'none' THEN '' ELSE $(iv f1) END,
       $(f balanced_accuracy), CASE WHEN method = 'none' THEN '' ELSE $(iv balanced_accuracy) END,
       $(f pr_auc), CASE WHEN method = 'none' THEN '' ELSE $(iv pr_auc) END || ' |'
  FROM dp_utility_results
 WHERE setting = 'nodp' OR method = 'gan'
 ORDER BY CASE dataset WHEN 'heart' THEN 0 WHEN 'breast_cancer' THEN 1 ELSE 2 END, classifier DESC, method = 'gan', method,
          CASE WHEN setting = 'nodp' THEN NULL ELSE setting::float8 END DESC NULLS FIRST;
SQL
