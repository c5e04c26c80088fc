-- raresynth_quality: fidelity, validity and privacy metrics, checked on
-- cases whose answer is known
\i test/data/setup.sql

-- the real positives against themselves: perfect fidelity, every row a copy
CREATE TABLE heart_copy AS SELECT * FROM heart WHERE risk = 1;
CREATE TEMP TABLE copy_q AS SELECT * FROM raresynth_quality('heart', 'heart_copy', 'risk');
SELECT metric, round(value::numeric, 6) AS value
FROM copy_q
WHERE column_name IS NULL AND metric NOT LIKE 'dcr_real%'
  AND metric NOT IN ('logistic_detection', 'logistic_detection_auc', 'dcr_random_median');
-- a logistic regression cannot tell a table from itself
SELECT metric, value > 0.9 AS alike FROM copy_q
WHERE metric = 'logistic_detection';

-- real negatives posing as positives: close, but not copies (the data set is
-- itself synthetic: its classes barely differ)
CREATE TABLE negatives AS SELECT * FROM heart WHERE risk = 0;
UPDATE negatives SET risk = 1;
CREATE TEMP TABLE negatives_q AS SELECT * FROM raresynth_quality('heart', 'negatives', 'risk');
SELECT metric, value >= 0.95 AS high
FROM negatives_q
WHERE metric IN ('ks_complement_mean', 'tv_complement_mean', 'correlation_similarity_mean');
SELECT metric, value
FROM negatives_q
WHERE metric IN ('rows_real', 'rows_synthetic', 'exact_matches');
-- pair trends, detection and the overall score as the real rows of the
-- other class score them; no unseen country/continent/hemisphere combination
SELECT metric, value >= 0.95 AS high
FROM negatives_q
WHERE metric IN ('pair_trend_mean', 'logistic_detection', 'overall_score', 'column_shape_mean');
SELECT metric, column_name, value
FROM negatives_q
WHERE metric IN ('dependency_groups', 'unseen_combination', 'unseen_combination_share');
-- per column: one KS or TV score for each feature, one out-of-range count,
-- one unseen-combination share per determinant; one pair trend per pair
SELECT metric, count(*), count(column_name_2) AS with_second_column
FROM negatives_q
WHERE column_name IS NOT NULL GROUP BY metric ORDER BY metric;

-- out of range and non-integral values are counted
CREATE TABLE broken AS SELECT * FROM heart WHERE risk = 1 LIMIT 100;
UPDATE broken SET age = 200 WHERE patient_id IN (SELECT patient_id FROM broken ORDER BY patient_id LIMIT 3);
UPDATE broken SET sex = 'Other' WHERE patient_id IN (SELECT patient_id FROM broken ORDER BY patient_id DESC LIMIT 2);
SELECT column_name, value FROM raresynth_quality('heart', 'broken', 'risk')
WHERE metric = 'out_of_range' AND value > 0 ORDER BY column_name;
SELECT value FROM raresynth_quality('heart', 'broken', 'risk') WHERE metric = 'out_of_range_rows';

-- a small table: country determines continent, 10 rows a country
CREATE TABLE small AS
SELECT g AS id, g::float8 AS x, (g % 3) * 10 AS z,
       (ARRAY['A','B','C','D'])[1 + g % 4] AS country,
       CASE WHEN g % 4 < 2 THEN 'East' ELSE 'West' END AS continent,
       (g <= 40)::int AS y
FROM generate_series(1, 100) g;
ALTER TABLE small ADD PRIMARY KEY (id);
-- synthetic: the real rows, four of country A moved to the West
CREATE TABLE small_syn AS SELECT * FROM small WHERE y = 1;
UPDATE small_syn SET continent = 'West' WHERE id IN (4, 8, 12, 16);
-- column pairs: (country, continent) by hand: real A-East B-East C-West
-- D-West .25 each; synthetic A-East .15 A-West .1: TVD .1, similarity .9
SELECT metric, column_name, column_name_2, round(value::numeric, 6) AS value
FROM raresynth_quality('small', 'small_syn', 'y')
WHERE metric IN ('pair_trend', 'dependency_groups', 'unseen_combination', 'unseen_combination_share',
                 'exact_matches', 'rows_holdout', 'dcr_overfitting_protection')
ORDER BY metric, column_name, column_name_2;
SELECT (SELECT avg(value) FROM raresynth_quality('small', 'small_syn', 'y') WHERE metric = 'pair_trend')
     = (SELECT value FROM raresynth_quality('small', 'small_syn', 'y') WHERE metric = 'pair_trend_mean')
    AS mean_of_pairs;
SELECT round(value::numeric, 6) = round((((SELECT avg(value) FROM raresynth_quality('small', 'small_syn', 'y')
                                          WHERE metric IN ('ks_complement', 'tv_complement'))
                                         + (SELECT value FROM raresynth_quality('small', 'small_syn', 'y')
                                            WHERE metric = 'pair_trend_mean')) / 2)::numeric, 6) AS overall_is_mean
FROM raresynth_quality('small', 'small_syn', 'y') WHERE metric = 'overall_score';

-- holdout: real rows the model did not see.  The synthetic rows are copies
-- of the training rows, so all of them are closer to training than to the
-- held-out rows: protection 0
CREATE TABLE small_train AS SELECT * FROM small WHERE id > 20 OR y = 0;
CREATE TABLE small_hold AS SELECT * FROM small WHERE id <= 20;
CREATE TABLE small_copy AS SELECT * FROM small_train WHERE y = 1;
CREATE TABLE small_hold_copy AS SELECT * FROM small_hold;
SELECT metric, round(value::numeric, 6) AS value
FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'small_hold')
WHERE metric IN ('rows_holdout', 'dcr_overfitting_protection', 'dcr_closer_to_training_share',
                 'dcr_synthetic_median', 'dcr_baseline_protection') ORDER BY metric;
-- the held-out rows themselves posing as synthetic: protection 1
SELECT metric, round(value::numeric, 6) AS value
FROM raresynth_quality('small_train', 'small_hold_copy', 'y', holdout => 'small_hold')
WHERE metric IN ('dcr_overfitting_protection', 'dcr_closer_to_training_share');
SELECT value > 0 AS apart FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'small_hold')
WHERE metric = 'dcr_holdout_median';
-- NULL: no holdout, the same report with its rows NULL
SELECT metric, value FROM raresynth_quality('small_train', 'small_copy', 'y', '1', NULL)
WHERE metric IN ('rows_holdout', 'dcr_overfitting_protection');
-- bad holdouts: a missing column, another type, no label, no rows of the
-- class, the real or synthetic relation itself, no such relation
CREATE TABLE hold_no_x AS SELECT id, z, country, continent, y FROM small_hold;
CREATE TABLE hold_x_text AS SELECT id, x::text AS x, z, country, continent, y FROM small_hold;
CREATE TABLE hold_no_label AS SELECT id, x, z, country, continent FROM small_hold;
CREATE TABLE hold_label_text AS SELECT id, x, z, country, continent, y::text AS y FROM small_hold;
CREATE TABLE hold_class0 AS SELECT * FROM small WHERE y = 0;
\x on
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'hold_no_x')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'hold_x_text')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'hold_no_label')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'hold_label_text')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'hold_class0')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'small_train')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'small_copy')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 'no_such')$$);
-- holdout 0 is a relation that does not exist, as for synthetic (not "no holdout")
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 'small_copy', 'y', holdout => 0::regclass)$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('small_train', 0::regclass, 'y')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', 'risk', '7')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', 'risk', '0')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'no_such', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', NULL)$$);
\x off

-- clean up
DROP TABLE heart_copy, negatives, broken, small, small_syn, small_train, small_hold, small_copy,
    small_hold_copy, hold_no_x, hold_x_text, hold_no_label, hold_label_text, hold_class0;
