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

-- threshold-free metrics and paired differences against none and the best
-- method that is not the GAN: every interval holds its mean difference,
-- a method against itself differs by exactly 0 (the verdict NOTICE is
-- tested below, where it cannot depend on rounding)
SET client_min_messages = warning;
CREATE TABLE heart_eval AS
SELECT * FROM raresynth_evaluate('heart', 'risk', runs => 3, sizes => '{600}', seed => 1,
                                 options => '{"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
RESET client_min_messages;
SELECT method, pr_auc BETWEEN 0 AND 1 AS pr_auc_ok, pr_auc_sd >= 0 AS pr_auc_sd_ok,
       mcc BETWEEN -1 AND 1 AS mcc_ok, mcc_sd >= 0 AND f1_sd >= 0 AND balanced_accuracy_sd >= 0 AS sds_ok,
       best_non_gan = (SELECT method FROM heart_eval WHERE method <> 'gan' ORDER BY f1 DESC LIMIT 1) AS best_by_f1,
       f1_vs_none_lo <= f1_vs_none AND f1_vs_none <= f1_vs_none_hi
       AND balanced_accuracy_vs_none_lo <= balanced_accuracy_vs_none AND balanced_accuracy_vs_none <= balanced_accuracy_vs_none_hi
       AND pr_auc_vs_none_lo <= pr_auc_vs_none AND pr_auc_vs_none <= pr_auc_vs_none_hi AS vs_none_holds,
       f1_vs_best_lo <= f1_vs_best AND f1_vs_best <= f1_vs_best_hi
       AND balanced_accuracy_vs_best_lo <= balanced_accuracy_vs_best AND balanced_accuracy_vs_best <= balanced_accuracy_vs_best_hi
       AND pr_auc_vs_best_lo <= pr_auc_vs_best AND pr_auc_vs_best <= pr_auc_vs_best_hi AS vs_best_holds,
       (method = 'none') = (f1_vs_none = 0 AND f1_vs_none_lo = 0 AND f1_vs_none_hi = 0 AND pr_auc_vs_none_hi = 0) AS zero_vs_self,
       (method = best_non_gan) = (f1_vs_best = 0 AND f1_vs_best_lo = 0 AND pr_auc_vs_best_hi = 0) AS zero_vs_best
FROM heart_eval ORDER BY method;
-- the differences are those of the paired runs: f1_vs_none is the
-- difference of the means
SELECT bool_and(abs(e.f1_vs_none - (e.f1 - n.f1)) < 1e-12
                AND abs(e.pr_auc_vs_none - (e.pr_auc - n.pr_auc)) < 1e-12
                AND abs(e.f1_vs_best - (e.f1 - b.f1)) < 1e-12) AS differences_of_means
FROM heart_eval e, heart_eval n, heart_eval b
WHERE n.method = 'none' AND b.method = e.best_non_gan;
-- the verdict NOTICE: every method perfect on a separable table, so the
-- best by mean F1 is the first listed and the GAN's difference is 0
CREATE TABLE sep AS
SELECT g AS id, CASE WHEN g % 10 = 0 THEN 1000 + g % 7 ELSE g % 90 END AS x,
       CASE WHEN g % 10 = 0 THEN 1 ELSE 0 END AS y,
       CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END AS c
FROM generate_series(1, 400) g;
SELECT method, f1, mcc, pr_auc, best_non_gan, f1_vs_best, f1_vs_best_lo, f1_vs_best_hi
FROM raresynth_evaluate('sep', 'y', '{none,smote,gan}', runs => 3, seed => 1,
                        options => '{"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
-- one run: no sd, no interval (the difference itself is still given)
SELECT method, f1_sd IS NULL AND pr_auc_sd IS NULL AND mcc_sd IS NULL AS no_sd,
       f1_vs_none IS NOT NULL AND f1_vs_none_lo IS NULL AND f1_vs_none_hi IS NULL
       AND balanced_accuracy_vs_none_lo IS NULL AND pr_auc_vs_best_hi IS NULL AS no_interval, best_non_gan
FROM raresynth_evaluate('sep', 'y', '{gan,none}', runs => 1, seed => 1,
                        options => '{"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
-- no GAN: the NOTICE names the best method only; no none: no vs_none
SELECT method, f1_vs_none IS NULL AS no_none, best_non_gan
FROM raresynth_evaluate('sep', 'y', '{smotenc}', runs => 2, seed => 1);
-- only the GAN: no other method to compare with
SELECT method, best_non_gan IS NULL AND f1_vs_best IS NULL AND f1_vs_best_lo IS NULL AS no_best
FROM raresynth_evaluate('sep', 'y', '{gan}', runs => 2, seed => 1,
                        options => '{"epochs": 1, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
-- the baselines a practitioner tries first: class weights, a tuned
-- threshold, random copies of minority rows; paired with none, each moves
-- the threshold towards the minority (recall up, accuracy down)
SET client_min_messages = warning;
CREATE TABLE heart_base AS
SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,weighted,threshold,random}', runs => 2,
                                 sizes => '{600}', seed => 1);
RESET client_min_messages;
SELECT method, size, runs, f1 BETWEEN 0 AND 1 AND pr_auc BETWEEN 0 AND 1 AS metrics_ok,
       recall_vs_none > 0 AS recall_up, accuracy_vs_none < 0 AS accuracy_down,
       best_non_gan IN ('none', 'weighted', 'threshold', 'random') AS best_listed,
       f1_vs_none_lo <= f1_vs_none AND f1_vs_none <= f1_vs_none_hi AS interval_holds
FROM heart_base ORDER BY method;
-- reproducible with a seed, and each method is paired: alone it gives
-- what it gave beside the others
SELECT bool_and(b.f1 = a.f1 AND b.recall = a.recall AND b.pr_auc = a.pr_auc) AS same
FROM heart_base b
JOIN raresynth_evaluate('heart', 'risk', '{random,threshold,weighted}', runs => 2, sizes => '{600}', seed => 1) a
USING (method);
-- with real signal: weighted and random learn, threshold finds a cut
-- of high F1; the boosted classifier takes the three too (its tuned
-- threshold aims at F1, and on this table pays for it in balanced accuracy)
SELECT method, balanced_accuracy > 0.9 AS learns, f1 > 0.8 AS f1_high
FROM raresynth_evaluate('signal', 'y', '{weighted,threshold,random}', runs => 2, sizes => '{600}', seed => 1)
ORDER BY method;
SELECT method, balanced_accuracy > 0.9 AS learns, f1 > 0.8 AS f1_high
FROM raresynth_evaluate('signal', 'y', '{none,weighted,threshold,random}', runs => 2, sizes => '{600}',
                        classifier => 'boosted', seed => 1)
ORDER BY method;
-- all seven methods fit in one call
SET client_min_messages = warning;
SELECT count(*) AS methods
FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan,smotenc,weighted,threshold,random}', runs => 1,
                        sizes => '{400}', seed => 1,
                        options => '{"epochs": 1, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
RESET client_min_messages;
-- raresynth_score reports them too
SELECT pr_auc > 0.95 AS pr_auc_high, mcc > 0.7 AS mcc_high FROM raresynth_score('signal', 'signal', 'y');
-- a test part without the positive class: PR-AUC undefined (NULL), MCC 0
CREATE TABLE signal_negatives AS SELECT * FROM signal WHERE y = 0;
SELECT roc_auc IS NULL AND pr_auc IS NULL AS undefined, mcc = 0 AS mcc_zero
FROM raresynth_score('signal', 'signal_negatives', 'y');

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
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{weighted,Weighted}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{threshold,threshold}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{random,NULL}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan,smotenc,weighted,threshold,random,none}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{"random "}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{{none,random}}')$$);
-- threshold tuning splits the training part: two minority rows needed there
CREATE TABLE thin AS (SELECT * FROM heart WHERE risk = 0 LIMIT 30) UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 2);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('thin', 'risk', '{threshold}', runs => 1)$$);
SELECT method, runs FROM raresynth_evaluate('thin', 'risk', '{none,weighted,random}', runs => 1, seed => 1);
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
DROP TABLE heart_smote, heart_smote_small, few, few_smote, heart_train, heart_test, signal, three, lonely, unlabelled, heart_eval, sep, signal_negatives, heart_base, thin;
