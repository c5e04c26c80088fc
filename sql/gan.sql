-- raresynth_train, raresynth_sample, raresynth_synthesize: API, round trips, determinism
\i test/data/setup.sql
SET raresynth.progress = off;
SET raresynth.threads = 1;
-- small networks keep the test quick; the defaults are CTGAN's
\set small '{"embedding_dim": 16, "generator_dims": [32, 32], "discriminator_dims": [32, 32]}'

SELECT model, minority, rows, columns, epochs, seconds > 0 AS timed, seed
FROM raresynth_train('heart', 'risk', epochs => 3, seed => 42, options => :'small');

SELECT name, owner::text = current_user AS mine, source, label, minority, rows, epochs, seed,
       jsonb_array_length(columns) AS columns,
       jsonb_array_length(losses -> 'generator') AS loss_epochs,
       options -> 'generator_dims' AS generator_dims, options ->> 'pac' AS pac,
       octet_length(state) > 1000 AS has_state
FROM raresynth.models;
SELECT jsonb_object_keys(raresynth_model_info('heart_risk')) ORDER BY 1;
SELECT c ->> 'name' AS name, c ->> 'kind' AS kind, c ->> 'reason' AS reason
FROM jsonb_array_elements(raresynth_model_info('heart_risk') -> 'columns') c
WHERE c ->> 'kind' IN ('excluded', 'label');

-- same seed, same state: byte-identical (each training adds a version and
-- deploys it)
CREATE TEMP TABLE s1 AS SELECT state FROM raresynth.models WHERE name = 'heart_risk';
SELECT model FROM raresynth_train('heart', 'risk', epochs => 3, seed => 42, options => :'small');
SELECT (SELECT state FROM s1) = state AS same_state FROM raresynth.models WHERE name = 'heart_risk' AND deployed;
SELECT model FROM raresynth_train('heart', 'risk', epochs => 3, seed => 43, options => :'small');
SELECT (SELECT state FROM s1) = state AS same_state FROM raresynth.models WHERE name = 'heart_risk' AND deployed;
SELECT model FROM raresynth_train('heart', 'risk', epochs => 3, seed => 42, options => :'small');

-- sampling: typed like heart, label = minority, excluded columns NULL
SELECT count(*) AS n, count(patient_id) AS ids, min(risk) AS risk_min, max(risk) AS risk_max,
       bool_and(age BETWEEN 18 AND 90) AS age_in_range,
       bool_and(bmi BETWEEN (SELECT min(bmi) FROM heart WHERE risk = 1) AND (SELECT max(bmi) FROM heart WHERE risk = 1)) AS bmi_in_range,
       bool_and(sex IN ('Male', 'Female')) AS sex_seen,
       bool_and(diabetes IN (0, 1)) AS flag_seen,
       bool_and(country IN (SELECT country FROM heart)) AS country_seen
FROM raresynth_sample('heart_risk', 2000, NULL::heart, seed => 1);
-- same seed, same rows; another seed, other rows
SELECT count(*) AS differing FROM (
    (SELECT * FROM raresynth_sample('heart_risk', 500, NULL::heart, seed => 1)
     EXCEPT ALL SELECT * FROM raresynth_sample('heart_risk', 500, NULL::heart, seed => 1))) d;
SELECT count(*) > 400 AS mostly_differing FROM (
    (SELECT * FROM raresynth_sample('heart_risk', 500, NULL::heart, seed => 1)
     EXCEPT ALL SELECT * FROM raresynth_sample('heart_risk', 500, NULL::heart, seed => 2))) d;
-- the first rows do not depend on n (streamed in batches; BLAS may round
-- the last bits of a float differently for another batch shape)
SELECT count(*) AS differing FROM (
    (SELECT sex, diet, country, diabetes, stress_level FROM raresynth_sample('heart_risk', 10, NULL::heart, seed => 5)
     EXCEPT ALL SELECT sex, diet, country, diabetes, stress_level FROM raresynth_sample('heart_risk', 3000, NULL::heart, seed => 5) LIMIT 10)) d;
SELECT count(*) FROM raresynth_sample('heart_risk', 0, NULL::heart);
-- conditioning: given fixes a categorical column
SELECT sex, count(*) FROM raresynth_sample('heart_risk', 300, NULL::heart, seed => 3, given => '{"sex": "Female"}') GROUP BY sex;
SELECT diabetes, count(*) FROM raresynth_sample('heart_risk', 300, NULL::heart, seed => 3, given => '{"diabetes": 1}') GROUP BY diabetes;
-- no synthetic row repeats a real one
SELECT count(*) AS copies FROM (
    SELECT age, sex, cholesterol, systolic, diastolic, heart_rate, income, bmi
    FROM raresynth_sample('heart_risk', 2000, NULL::heart, seed => 9)
    INTERSECT
    SELECT age, sex, cholesterol, systolic, diastolic, heart_rate, income, bmi FROM heart) c;

-- synthesize: 1:1 by default, companion table and improved view
SELECT raresynth_synthesize('heart_risk', seed => 7);
SELECT risk, count(*) FROM heart_synthetic GROUP BY risk;
SELECT risk, count(*) FROM heart_improved GROUP BY risk ORDER BY risk;
\d heart_synthetic
-- already balanced: nothing more to write
SELECT raresynth_synthesize('heart_risk');
-- explicit n and target append
SELECT raresynth_synthesize('heart_risk', 10, 'heart_extra', seed => 8);
SELECT raresynth_synthesize('heart_risk', 5, 'heart_extra', seed => 8);
SELECT count(*) FROM heart_extra;

-- another class, another name
SELECT model, minority, rows FROM raresynth_train('heart', 'risk', minority => '0', model => 'heart_negatives',
                                                  epochs => 1, seed => 1, options => :'small');
SELECT DISTINCT risk FROM raresynth_sample('heart_negatives', 20, NULL::heart, seed => 1);

-- a handful of minority rows still trains, with a NOTICE
CREATE TABLE tiny AS (SELECT * FROM heart WHERE risk = 0 LIMIT 200)
    UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 5);
-- with 5 rows every category of a column is rare (held by fewer than
-- rare_category_k = 5 rows): refused, nothing written
SELECT model, minority, rows FROM raresynth_train('tiny', 'risk', epochs => 2, seed => 1, options => :'small');
SELECT count(*) FROM raresynth.models WHERE name = 'tiny_risk';
-- without the protections a few rows still train
\set tinyopts '{"embedding_dim": 16, "generator_dims": [32, 32], "discriminator_dims": [32, 32], "rare_category_k": 1, "extreme_value_k": 1}'
SELECT model, minority, rows FROM raresynth_train('tiny', 'risk', epochs => 2, seed => 1, options => :'tinyopts');
SELECT count(*), min(risk) FROM raresynth_sample('tiny_risk', 50, NULL::tiny, seed => 1);
DELETE FROM tiny WHERE risk = 1 AND patient_id <> (SELECT min(patient_id) FROM tiny WHERE risk = 1);
SELECT model, minority, rows FROM raresynth_train('tiny', 'risk', epochs => 2, seed => 1, options => :'tinyopts');
SELECT count(*) FROM raresynth_sample('tiny_risk', 50, NULL::tiny, seed => 1);
INSERT INTO tiny (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id OFFSET 10 LIMIT 19);
SELECT model, minority, rows FROM raresynth_train('tiny', 'risk', epochs => 2, seed => 1, options => :'tinyopts');

-- NULLs are learned, not dropped
CREATE TABLE holes AS SELECT * FROM heart;
UPDATE holes SET bmi = NULL, diet = NULL WHERE patient_id < 'D';
SELECT model, rows FROM raresynth_train('holes', 'risk', epochs => 2, seed => 1, options => :'small');
SELECT count(*) AS n, count(bmi) < count(*) AS some_null_bmi, count(diet) < count(*) AS some_null_diet
FROM raresynth_sample('holes_risk', 1000, NULL::holes, seed => 1);

-- the catalog is what you own, a row per version
SELECT name, string_agg(version::text, ',' ORDER BY version) AS versions FROM raresynth.models GROUP BY name ORDER BY name;
SELECT raresynth_drop_model('heart_negatives');

-- clean up for the tests that follow
DROP TABLE heart_synthetic, heart_extra, tiny, holes CASCADE;
DELETE FROM raresynth.models;
