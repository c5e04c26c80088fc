#!/usr/bin/env bash
# trustworthy_rows.sh: the protections of docs/privacy.md on a table built
# here, "ward" (3000 rows, 857 of the rare class "yes"), that has what a
# real hospital table has: an integer visit_id and a near-unique text
# record number, a diagnosis
# held by one patient, a two-level dependency (city -> region -> country),
# a declared inequality (diastolic < systolic) and one very old patient.
# A model trained with default protections (and the inequality declared)
# must, over 10,000 sampled rows: exclude the record number, derive region
# and country, never emit the rare diagnosis nor a (city, region, country)
# combination that is not in the real rows, keep diastolic < systolic on
# every row, and keep age within the 5th smallest and 5th largest real age
# of the class.  Needs PGHOST/PGPORT (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=rs_trust
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
trap "psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS $db'" EXIT
q() { psql -X -A -t -q -d $db -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "$1"; }
q "CREATE EXTENSION raresynth"
q "CREATE TABLE ward AS
SELECT g AS visit_id,
       'MRN-' || lpad((CASE WHEN g % 13 = 0 THEN g - 1 ELSE g END)::text, 6, '0') AS record_no,
       c.city, c.region, c.country,
       CASE WHEN g = 8 THEN 'Q87.4' ELSE (ARRAY['I10', 'E11', 'J45'])[1 + g / 12 % 3] END AS diagnosis,
       CASE WHEN g = 10 THEN 104 ELSE 20 + (g * 37) % 60 END AS age,
       d AS diastolic,
       d + 15 + (g * 7) % 50 AS systolic,
       CASE WHEN g % 7 IN (1, 3) THEN 'yes' ELSE 'no' END AS label
FROM generate_series(1, 3000) g,
     LATERAL (SELECT 60 + (g * 11) % 40 AS d) dd,
     LATERAL (SELECT 'city' || (g % 12) AS city,
                     'region' || (g % 12 / 3) AS region,
                     CASE WHEN g % 12 / 3 < 2 THEN 'North' ELSE 'South' END AS country) c"
fail=0
check() {  # name value op threshold
  if awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { exit !((op == "<=" && v <= t) || (op == ">=" && v >= t) || (op == "==" && v == t)) }'; then
    echo "ok $1 = $2 ($3 $4)"
  else
    echo "not ok $1 = $2 (wanted $3 $4)"; fail=1
  fi
}
q "SELECT column_name, kind, reason FROM raresynth_profile('ward', 'label')"
check "record_no excluded as an identifier" \
  "$(q "SELECT count(*) FROM raresynth_profile('ward', 'label') WHERE column_name = 'record_no' AND kind = 'excluded' AND reason LIKE 'identifier%'")" "==" 1
check "visit_id excluded as an identifier" \
  "$(q "SELECT count(*) FROM raresynth_profile('ward', 'label') WHERE column_name = 'visit_id' AND kind = 'excluded' AND reason LIKE 'identifier%'")" "==" 1
check "region and country determined by city" \
  "$(q "SELECT count(*) FROM raresynth_profile('ward', 'label') WHERE column_name IN ('region', 'country') AND reason = 'determined by \"city\"'")" "==" 2
q "SET raresynth.progress = off;
   SELECT model FROM raresynth_train('ward', 'label', epochs => 40, seed => 11,
          options => '{\"inequalities\": [[\"diastolic\", \"systolic\"]]}')"
q "CREATE TABLE s AS SELECT * FROM raresynth_sample('ward_label', 10000, NULL::ward, seed => 5)"
check "rows sampled" "$(q "SELECT count(*) FROM s")" "==" 10000
check "record numbers emitted" "$(q "SELECT count(record_no) FROM s")" "==" 0
check "rare diagnosis emitted" "$(q "SELECT count(*) FROM s WHERE diagnosis = 'Q87.4'")" "==" 0
check "diagnoses emitted" "$(q "SELECT count(DISTINCT diagnosis) FROM s")" "==" 3
check "rows with an unseen (city, region, country)" \
  "$(q "SELECT count(*) FROM s WHERE (city, region, country) NOT IN (SELECT city, region, country FROM ward)")" "==" 0
check "cities emitted" "$(q "SELECT count(DISTINCT city) FROM s")" "==" 12
check "rows with diastolic >= systolic" "$(q "SELECT count(*) FROM s WHERE diastolic >= systolic")" "==" 0
check "rows with NULL blood pressure" "$(q "SELECT count(*) FROM s WHERE diastolic IS NULL OR systolic IS NULL")" "==" 0
range="SELECT (SELECT age FROM ward WHERE label = 'yes' ORDER BY age LIMIT 1 OFFSET 4) AS lo,
              (SELECT age FROM ward WHERE label = 'yes' ORDER BY age DESC LIMIT 1 OFFSET 4) AS hi"
check "ages outside the 5th smallest and 5th largest" \
  "$(q "SELECT count(*) FROM s, ($range) r WHERE s.age < r.lo OR s.age > r.hi")" "==" 0
check "the oldest patient's age emitted" "$(q "SELECT count(*) FROM s WHERE age = 104")" "==" 0
check "given on a dependent column: unseen combinations" \
  "$(q "SELECT count(*) FROM raresynth_sample('ward_label', 2000, NULL::ward, seed => 6, given => '{\"country\": \"South\"}') s
        WHERE country <> 'South' OR (city, region, country) NOT IN (SELECT city, region, country FROM ward)")" "==" 0
exit $fail
