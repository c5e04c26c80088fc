-- differential privacy options (docs/privacy.md): their bounds, what they
-- cannot be combined with, the columns' bounds and categories (nothing is
-- written by any error), then private trainings: their accounting, their
-- rows and what the catalog keeps
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
\x on

-- bounds
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": -3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": "3"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": null}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": -1e-5}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "max_grad_norm": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "weight_clip": -0.1}')$$);

-- DP settings without epsilon: not private, so refused
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"delta": 1e-6}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"max_grad_norm": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"weight_clip": 0.01}')$$);

-- options that read the rows without noise
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "pac": 10}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "gp_lambda": 10}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "moment_weight": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "calibration": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "early_stopping": 25}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "filter_quantile": 0.1}')$$);

-- the same options at their values under DP are accepted (then the
-- columns are missing, in evaluate too); balance refuses epsilon
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "pac": 1, "gp_lambda": 0, "moment_weight": 0, "calibration": 0, "early_stopping": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('heart', 'risk', options => '{"epsilon": 3}')$$);

-- options that decide from the rows without noise, refused whatever their value
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "rare_category_k": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "extreme_value_k": 5}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "dependencies": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "max_modes": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "fixed_combinations": [["sex", "diet"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "inequalities": [["diastolic", "systolic"]]}')$$);

-- bounds and categories: only under epsilon; with epsilon a seed never, a minority always
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"bounds": {"age": [18, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, options => '{"categories": {"sex": ["Male"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', '{gan}', runs => 1, options => '{"bounds": {"age": [18, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, seed => 7, options => '{"epsilon": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3}')$$);

-- the columns: every feature needs bounds or categories (the first missing one is named)
\set cols 'exclude => ''{cholesterol,systolic,diastolic,heart_rate,family_history,smoking,obesity,alcohol_consumption,exercise_hours_per_week,previous_heart_problems,medication_use,stress_level,sedentary_hours_per_day,income,triglycerides,physical_activity_days_per_week,sleep_hours_per_day,country,continent,hemisphere}'''
CREATE TABLE dp_heart AS SELECT patient_id, age, sex, diabetes, diet, bmi, risk FROM heart;
ALTER TABLE dp_heart ADD PRIMARY KEY (patient_id);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 90]}, "categories": {"sex": ["Male", "Female"], "diabetes": [0, 1], "diet": ["Healthy"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": [18, 90]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": "sex"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": 18}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 50, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [90, 18]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 18]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, "old"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18.5, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [null, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"bmi": ["-Infinity", 40]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"weight": [0, 1]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"risk": [0, 1]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', '1', epochs => 1, exclude => '{age}', options => '{"epsilon": 3, "bounds": {"age": [18, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 90]}, "categories": {"age": [18, 19]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"sex": [0, 1]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"bmi": [20, 30]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"sex": []}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"sex": ["Male", "Male"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"sex": ["Male", null]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"sex": [["Male"]]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"diabetes": ["yes", "no"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "categories": {"diabetes": [0, "00"]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => '{"epsilon": 3, "bounds": {"bmi": [-1e308, 1e308]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => (SELECT jsonb_build_object('epsilon', 3, 'categories', jsonb_build_object('sex', jsonb_agg(i))) FROM generate_series(1, 70000) i))$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, options => (SELECT jsonb_build_object('epsilon', 3, 'categories', jsonb_build_object('sex', jsonb_agg(i), 'diet', jsonb_agg(i))) FROM generate_series(1, 40000) i))$$);
-- a budget too small for the epochs
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 3, options => '{"epsilon": 1e-9, "bounds": {"age": [18, 90], "bmi": [18, 40]}, "categories": {"sex": ["Male", "Female"], "diabetes": [0, 1], "diet": ["Healthy"]}}')$$);
-- a key is excluded by the schema, and included it needs categories
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, include => '{patient_id}', options => '{"epsilon": 3, "bounds": {"age": [18, 90], "bmi": [18, 40]}, "categories": {"sex": ["Male", "Female"], "diabetes": [0, 1], "diet": ["Healthy"]}}')$$);
-- every column excluded
SELECT * FROM pg_temp.try($$SELECT raresynth_train('dp_heart', 'risk', '1', epochs => 1, exclude => '{age,sex,diabetes,diet,bmi}', options => '{"epsilon": 3}')$$);
-- nothing was written
SELECT count(*) FROM raresynth.models;

-- a model without epsilon stores no DP setting in its options
\x off
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');
SELECT options ? 'epsilon' AS has_epsilon, options ? 'delta' AS has_delta,
       options ? 'max_grad_norm' AS has_clip, options ? 'weight_clip' AS has_wclip
FROM raresynth.models WHERE name = 'heart_risk';
SELECT raresynth_drop_model('heart_risk');

-- a private training: age and bmi bounds narrower than the data's and a
-- category list without "Unhealthy" (its rows' diet becomes NULL)
\set dpopts '{"epsilon": 3, "embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "bounds": {"age": [30, 80], "bmi": [20, 35]}, "categories": {"sex": ["Male", "Female"], "diabetes": [0, 1], "diet": ["Healthy", "Average"]}}'
CREATE TEMP TABLE dp_runs AS
SELECT t.* FROM generate_series(1, 3) i,
     LATERAL raresynth_train('heart', 'risk', '1', ('heart_dp_' || i)::name, epochs => 2, :cols, options => :'dpopts') t;
SELECT model, minority, columns, epochs FROM dp_runs ORDER BY model;
-- the rows shown are the noisy count, near the exact 3139 (count noise 11.6)
-- and not all exact; the seeds shown are not the training's (three secrets)
SELECT bool_and(abs(rows - 3139) < 70) AS near, bool_or(rows <> 3139) AS noisy,
       count(DISTINCT seed) = 3 AS seeds_differ
FROM dp_runs;
SELECT bool_and(m.rows = r.rows AND m.seed = r.seed) AS catalog_as_returned
FROM raresynth.models m JOIN dp_runs r ON r.model = m.name;
-- no losses (they read real rows), no rules
SELECT name, losses, raresynth_model_info(name) -> 'rules' AS rules,
       (SELECT count(*) FROM raresynth.losses l WHERE l.model = m.name) AS loss_rows
FROM raresynth.models m WHERE name LIKE 'heart_dp_%' ORDER BY name;
-- the accounting: the whole budget spent
\x on
SELECT i -> 'epsilon' AS epsilon, abs((i ->> 'epsilon_spent')::float8 - 3) < 1e-6 AS spent_all,
       i -> 'delta' AS delta, i -> 'max_grad_norm' AS max_grad_norm, i -> 'weight_clip' AS weight_clip,
       i -> 'steps' AS steps, abs((i ->> 'sampling_rate')::float8 - 500.0 / 3139) < 0.005 AS rate_near,
       (i ->> 'noise_multiplier')::float8 BETWEEN 1 AND 3 AS noise_plausible,
       i -> 'count_share' AS count_share, round((i ->> 'count_noise')::numeric, 4) AS count_noise,
       i -> 'rdp_order' AS rdp_order, i -> 'accountant' AS accountant, i -> 'sampling' AS sampling,
       i = j -> 'options' -> 'privacy' AS also_in_options
FROM (SELECT raresynth_model_info('heart_dp_1') AS j) x,
     LATERAL (SELECT x.j -> 'privacy') y(i);
\x off
-- the options in force: no setting a DP model does not use
SELECT options ?| '{max_modes,rare_category_k,extreme_value_k,dependencies}' AS unused_settings,
       options -> 'pac' AS pac, options -> 'gp_lambda' AS gp_lambda
FROM raresynth.models WHERE name = 'heart_dp_1';
-- the samples lie within the bounds and the categories (or NULL)
SELECT count(*) AS n,
       bool_and(age IS NULL OR age BETWEEN 30 AND 80) AS age_in,
       bool_and(bmi IS NULL OR bmi BETWEEN 20 AND 35) AS bmi_in,
       bool_and(sex IS NULL OR sex IN ('Male', 'Female')) AS sex_in,
       bool_and(diet IS NULL OR diet IN ('Healthy', 'Average')) AS diet_in,
       bool_and(diabetes IS NULL OR diabetes IN (0, 1)) AS diabetes_in,
       bool_and(risk = 1) AS minority
FROM raresynth_sample('heart_dp_1', 500, NULL::heart);
-- two trainings of the same table differ (their secrets differ)
SELECT count(DISTINCT state) AS states FROM raresynth.models WHERE name LIKE 'heart_dp_%';
SELECT raresynth_drop_model(model) FROM dp_runs ORDER BY model;

-- raresynth_evaluate under epsilon: each run's GAN trains DP on its
-- training part; the evaluation itself is not private and keeps its seed
\set evopts '{"epsilon": 1, "epochs": 20, "embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "bounds": {"age": [18, 90], "bmi": [18, 40]}, "categories": {"sex": ["Male", "Female"], "diabetes": [0, 1], "diet": ["Healthy", "Average", "Unhealthy"]}}'
CREATE TEMP TABLE dp_ev AS
SELECT o.name, e.method, e.f1, e.pr_auc, e.balanced_accuracy
FROM (VALUES ('eps 1', :'evopts'::jsonb), ('eps 1 again', :'evopts'::jsonb),
             ('eps 1e6', :'evopts'::jsonb || '{"epsilon": 1e6}'),
             ('eps 1 all_rows', :'evopts'::jsonb || '{"all_rows": 1}')) o(name, opts),
     LATERAL raresynth_evaluate('dp_heart', 'risk', '{none,smote,gan}', runs => 2, sizes => '{600}',
                                seed => 1, options => o.opts) e;
SELECT name, count(*) AS methods, bool_and(f1 BETWEEN 0 AND 1 AND pr_auc BETWEEN 0 AND 1) AS in_range
FROM dp_ev GROUP BY name ORDER BY name;
-- none and smote do not depend on epsilon; the GAN does (its noise), and
-- one seed gives one result
SELECT (SELECT count(DISTINCT (f1, pr_auc, balanced_accuracy)) FROM dp_ev WHERE method = 'none') AS none_results,
       (SELECT count(DISTINCT (f1, pr_auc, balanced_accuracy)) FROM dp_ev WHERE method = 'smote') AS smote_results,
       (SELECT a.f1 = b.f1 AND a.pr_auc = b.pr_auc FROM dp_ev a, dp_ev b
         WHERE a.method = 'gan' AND b.method = 'gan' AND a.name = 'eps 1' AND b.name = 'eps 1 again') AS gan_same_seed_same,
       (SELECT a.pr_auc <> b.pr_auc FROM dp_ev a, dp_ev b
         WHERE a.method = 'gan' AND b.method = 'gan' AND a.name = 'eps 1' AND b.name = 'eps 1e6') AS gan_depends_on_epsilon;
-- its bad inputs: as for raresynth_train
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "bounds": {"age": [18, 90]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "bounds": {"weight": [0, 1]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "bounds": {"risk": [0, 1]}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "categories": {"sex": []}}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "rare_category_k": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "fixed_combinations": [["sex", "diet"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 1e-3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('dp_heart', 'risk', '{gan}', runs => 1, options => '{"categories": {"sex": ["Male"]}}')$$);
DROP TABLE dp_heart;
