-- raresynth_smote, raresynth_score, raresynth_evaluate: the paper's experiment
\i test/data/setup.sql
SET raresynth.progress = off;

-- SMOTE-NC rows: 1:1 by default, valid categories, real ranges, no copies
SELECT raresynth_smote('heart', 'risk', seed => 1);
SELECT count(*) AS n, min(risk) AS risk_min, max(risk) AS risk_max, count(patient_id) AS ids,
       bool_and(sex IN ('Male', 'Female')) AS sex_seen,
       bool_and(age BETWEEN 18 AND 90) AS age_in_range,
       bool_and(diet IN (SELECT diet FROM heart)) AS diet_seen
FROM heart_smote;
SELECT count(*) AS copies FROM (SELECT age, sex, cholesterol, income, bmi FROM heart_smote
                                INTERSECT SELECT age, sex, cholesterol, income, bmi FROM heart) c;
SELECT raresynth_smote('heart', 'risk');
SELECT raresynth_smote('heart', 'risk', 10, k => 3, target => 'heart_smote_small', seed => 2);
SELECT count(*) FROM heart_smote_small;
-- SMOTE rows sit between real ones: fidelity is high, but they lie closer
-- to real rows than real rows lie to each other (DCR)
SELECT (SELECT value FROM raresynth_quality('heart', 'heart_smote', 'risk') WHERE metric = 'tv_complement_mean') > 0.9 AS tv_high,
       (SELECT value FROM raresynth_quality('heart', 'heart_smote', 'risk') WHERE metric = 'dcr_synthetic_median')
     < (SELECT value FROM raresynth_quality('heart', 'heart_smote', 'risk') WHERE metric = 'dcr_real_holdout_median') AS closer_than_real;
-- few minority rows: fewer neighbours, with a NOTICE
CREATE TABLE few AS (SELECT * FROM heart WHERE risk = 0 LIMIT 50) UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 3);
SELECT raresynth_smote('few', 'risk', seed => 1);

-- the built-in classifier on one table, scored on another
CREATE TABLE heart_train AS SELECT * FROM heart WHERE hashtext(patient_id) % 10 <> 0;
CREATE TABLE heart_test AS SELECT * FROM heart WHERE hashtext(patient_id) % 10 = 0;
SELECT accuracy > 0.6 AS accuracy_near_majority, recall < 0.05 AS recall_low, balanced_accuracy BETWEEN 0.45 AND 0.55 AS no_signal
FROM raresynth_score('heart_train', 'heart_test', 'risk');
-- the same classifier on data with a real signal
CREATE TABLE signal AS
SELECT g AS id, x, CASE WHEN x + 0.3 * sin(g) > 1.2 THEN 1 ELSE 0 END AS y,
       CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END AS c
FROM (SELECT g, (g % 97) / 40.0 AS x FROM generate_series(1, 2000) g) s;
SELECT accuracy > 0.85 AS accurate, roc_auc > 0.95 AS separates FROM raresynth_score('signal', 'signal', 'y');

-- the experiment: paired splits, one row per (method, size)
SELECT method, size, runs, accuracy BETWEEN 0 AND 1 AS acc_ok, accuracy_sd >= 0 AS sd_ok,
       accuracy_vs_none = 0 AND recall_vs_none = 0 AS none_is_baseline
FROM raresynth_evaluate('heart', 'risk', '{none,smote}', runs => 3, sizes => '{1000,NULL}', seed => 1)
WHERE method = 'none';
-- rebalancing moves the threshold: recall up, accuracy down, at every size
SELECT method, size, recall_vs_none > 0 AS recall_up, recall_vs_none_lo > 0 AS significant,
       accuracy_vs_none < 0 AS accuracy_down
FROM raresynth_evaluate('heart', 'risk', '{none,smote}', runs => 5, sizes => '{1000,NULL}', seed => 1)
WHERE method = 'smote';
-- reproducible with a seed
SELECT (SELECT array_agg(accuracy ORDER BY method, size) FROM raresynth_evaluate('heart', 'risk', '{none,smote}', runs => 2, sizes => '{2000}', seed => 7))
     = (SELECT array_agg(accuracy ORDER BY method, size) FROM raresynth_evaluate('heart', 'risk', '{none,smote}', runs => 2, sizes => '{2000}', seed => 7)) AS same;
-- the GAN in the loop (tiny networks and few epochs keep this quick)
SELECT method, size, runs, accuracy BETWEEN 0 AND 1 AS acc_ok, recall_vs_none > 0 AS recall_up,
       accuracy_vs_smote IS NOT NULL AS paired_with_smote
FROM raresynth_evaluate('heart', 'risk', runs => 2, sizes => '{1000}', seed => 1,
                        options => '{"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}')
ORDER BY method;
-- with real signal, balanced accuracy is far from 0.5 and no NOTICE
SELECT method, balanced_accuracy > 0.9 AS learns
FROM raresynth_evaluate('signal', 'y', '{none,smote,smotenc}', runs => 3, seed => 1) ORDER BY method;
-- more than two classes: the rarest against the rest
CREATE TABLE three AS SELECT *, (CASE WHEN risk = 1 THEN 'high' WHEN age > 60 THEN 'mid' ELSE 'low' END) AS band FROM heart;
ALTER TABLE three DROP COLUMN risk;
SELECT method, size FROM raresynth_evaluate('three', 'band', '{none}', runs => 2, sizes => '{2000}', seed => 1);

\x on
-- bad input
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('heart', 'risk', k => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('heart', 'risk', -1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('heart', 'risk', minority => '7')$$);
CREATE TABLE lonely AS (SELECT * FROM heart WHERE risk = 0 LIMIT 20) UNION ALL (SELECT * FROM heart WHERE risk = 1 LIMIT 1);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('lonely', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_score('heart_train', 'heart_test', 'risk', 'forest')$$);
CREATE TABLE unlabelled AS SELECT * FROM heart_test;
UPDATE unlabelled SET risk = NULL;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_score('heart_train', 'unlabelled', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,magic}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,none}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', runs => 0)$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', sizes => '{100000}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', sizes => '{4}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', sizes => '{-5}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', test_fraction => 1)$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', test_fraction => 0)$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', classifier => 'forest')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', options => '{"k": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', options => '{"C": -1}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', options => '{"trees": 10}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', runs => NULL)$$);
\x off

-- clean up
DROP TABLE heart_smote, heart_smote_small, few, few_smote, heart_train, heart_test, signal, three, lonely, unlabelled;
