-- Declared constraints in options (fixed_combinations, inequalities), the
-- protections' options, and every bad input of them: a clear error each,
-- nothing written
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]'
CREATE TABLE bp AS
  SELECT g AS visit, 'city' || g % 6 AS city, 'region' || g % 6 / 2 AS region,
         (ARRAY['a', 'b', 'c'])[1 + g / 6 % 3] AS grp,
         CASE WHEN g / 6 % 3 = 0 THEN 'x' ELSE (ARRAY['x', 'y'])[1 + g / 18 % 2] END AS sub,
         60 + (g * 11) % 40 AS diastolic, 60 + (g * 11) % 40 + 10 + (g * 7) % 50 AS systolic,
         (g * 13 % 97)::float8 AS w, (g % 4 = 0) AS y
  FROM generate_series(1, 800) g;
CREATE TABLE bp_null AS SELECT * FROM bp;
UPDATE bp_null SET systolic = NULL WHERE visit = 4;
CREATE TABLE bp_bad AS SELECT * FROM bp;
UPDATE bp_bad SET systolic = diastolic WHERE visit = 8;
\x on

-- shape of the options
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": "grp"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": ["grp", "sub"]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", 1]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", null]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "systolic", "w"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": {"diastolic": "systolic"}}')$$);
-- columns
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", "nope"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", "grp"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", "w"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"fixed_combinations": [["grp", "y"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, exclude => '{sub}', options => '{"fixed_combinations": [["grp", "sub"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "grp"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "diastolic"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "systolic"], ["w", "systolic"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "systolic"], ["systolic", "w"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "Systolic"]]}')$$);
-- the rows must keep the declared inequality, without NULLs
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp_bad', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "systolic"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp_null', 'y', epochs => 1, options => '{"inequalities": [["diastolic", "systolic"]]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('bp', 'y', epochs => 1, options => '{"inequalities": [["systolic", "diastolic"]]}')$$);
-- the evaluation takes them too
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('bp', 'y', '{gan}', 1, '{100}', options => '{"epochs": 1, "inequalities": [["diastolic", "nope"]]}')$$);
-- nothing was written by the failures
SELECT count(*) AS models FROM raresynth.models WHERE name LIKE 'bp%';
\x off

-- a declared fixed combination and inequality, with the dependency found
SELECT column_name, kind, reason FROM raresynth_profile('bp', 'y') ORDER BY column_name;
SELECT model FROM raresynth_train('bp', 'y', epochs => 3, seed => 3,
  options => (:'small' || ', "fixed_combinations": [["grp", "sub"]], "inequalities": [["diastolic", "systolic"]]}')::jsonb);
SELECT jsonb_pretty(raresynth_model_info('bp_y') -> 'rules');
CREATE TABLE bp_s AS SELECT * FROM raresynth_sample('bp_y', 5000, NULL::bp, seed => 4);
SELECT count(*) FILTER (WHERE diastolic >= systolic) AS broken_inequalities,
       count(*) FILTER (WHERE (grp, sub) NOT IN (SELECT grp, sub FROM bp WHERE y)) AS unseen_grp_sub,
       count(*) FILTER (WHERE (city, region) NOT IN (SELECT city, region FROM bp WHERE y)) AS unseen_city_region,
       count(DISTINCT (grp, sub)) AS grp_sub_combinations
  FROM bp_s;
-- given on a column of a fixed combination: only combinations seen with it
SELECT count(*) FILTER (WHERE (grp, sub) NOT IN (SELECT grp, sub FROM bp WHERE y)) AS unseen
  FROM raresynth_sample('bp_y', 1000, NULL::bp, seed => 5, given => '{"sub": "y"}');
-- the protections switched off: dependencies learned, not derived
SELECT model FROM raresynth_train('bp', 'y', model => 'bp_off', epochs => 3, seed => 3,
  options => (:'small' || ', "dependencies": 0, "rare_category_k": 1, "extreme_value_k": 1}')::jsonb);
SELECT raresynth_model_info('bp_off') -> 'rules' -> 'groups' AS groups;
SELECT count(*) FILTER (WHERE (grp, sub) NOT IN (SELECT grp, sub FROM bp WHERE y)) > 0 AS some_unseen_grp_sub,
       count(*) FILTER (WHERE (city, region) NOT IN (SELECT city, region FROM bp WHERE y)) > 0 AS some_unseen_city_region
  FROM raresynth_sample('bp_off', 5000, NULL::bp, seed => 4);
