-- raresynth_balance(): imbalanced-learn's sampling strategies over every
-- class of a label, by SMOTE and by a GAN per class, into one target.
-- Counts count the class's rows already in the target; the largest
-- (rarest) class is the first of those with the most (fewest) source rows
-- in label order, as imbalanced-learn's max()/min() over np.unique.
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
-- five classes: a 30 and e 30 (a is the majority: first in label order),
-- b 15, c 6 and d 6 (c is the minority)
CREATE TABLE bal AS
  SELECT i::float8 AS x, (i % 3)::text AS g,
         CASE WHEN i <= 30 THEN 'a' WHEN i <= 45 THEN 'b' WHEN i <= 51 THEN 'c'
              WHEN i <= 57 THEN 'd' ELSE 'e' END AS y
  FROM generate_series(1, 87) AS i;
-- the classes of bal and a target together
CREATE FUNCTION pg_temp.classes(target regclass) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('SELECT string_agg(y || '' '' || n, '', '' ORDER BY y) FROM '
                   '(SELECT y, count(*) AS n FROM (SELECT y FROM bal UNION ALL SELECT y FROM %s) u GROUP BY y) s',
                   target) INTO r;
    RETURN r;
END $$;

-------------------------------------------------------------------------------
-- SMOTE: each kind of strategy, a fresh target each
-------------------------------------------------------------------------------
SET client_min_messages = notice;
SELECT * FROM raresynth_balance('bal', 'y', method => 'smote', target => 'b_default', seed => 1);
RESET client_min_messages;
SELECT pg_temp.classes('b_default');
SELECT sum(added) FROM raresynth_balance('bal', 'y', '"auto"', 'smote', target => 'b_auto', seed => 1);
SELECT pg_temp.classes('b_auto');
SELECT sum(added) FROM raresynth_balance('bal', 'y', '"not minority"', 'smote', target => 'b_not_minority', seed => 1);
SELECT pg_temp.classes('b_not_minority');
SELECT sum(added) FROM raresynth_balance('bal', 'y', '"all"', 'smote', target => 'b_all', seed => 1);
SELECT pg_temp.classes('b_all');
SELECT sum(added) FROM raresynth_balance('bal', 'y', '"minority"', 'smote', target => 'b_minority', seed => 1);
SELECT pg_temp.classes('b_minority');
-- a ratio: every class but the largest below int(0.5 * 30) = 15 up to it
-- (b already has 15), a class above it left as it is (e)
SELECT class, added, rows_after FROM raresynth_balance('bal', 'y', '0.5', 'smote', target => 'b_ratio', seed => 1);
SELECT pg_temp.classes('b_ratio');
-- counts: the classes named, to their rows after balancing
SELECT class, added, rows_after FROM raresynth_balance('bal', 'y', '{"b": 20, "c": 12, "e": 30}', 'smote', target => 'b_counts', seed => 1);
SELECT pg_temp.classes('b_counts');
-- 1 (a JSON number) is a ratio: as "not majority"
SELECT sum(added) FROM raresynth_balance('bal', 'y', '1', 'smote', target => 'b_one', seed => 1);
SELECT pg_temp.classes('b_one');
-- counts include the target's rows: on b_ratio c has 15, so 20 adds 5;
-- then "not majority" adds what is left, and once more nothing
SELECT class, target_rows, added FROM raresynth_balance('bal', 'y', '{"c": 20}', 'smote', target => 'b_ratio', seed => 2) WHERE class = 'c';
SELECT class, target_rows, added FROM raresynth_balance('bal', 'y', method => 'smote', target => 'b_ratio', seed => 3);
SET client_min_messages = notice;
SELECT sum(added) FROM raresynth_balance('bal', 'y', method => 'smote', target => 'b_ratio', seed => 3);
RESET client_min_messages;
SELECT pg_temp.classes('b_ratio');
-- the same seed makes the same rows; class i (rarest first) uses seed + i,
-- as raresynth_smote with that seed and n does
CREATE TABLE b_again AS SELECT * FROM b_default WITH NO DATA;
SELECT sum(added) FROM raresynth_balance('bal', 'y', method => 'smote', target => 'b_again', seed => 1);
SELECT count(*) AS differ FROM ((TABLE b_default EXCEPT ALL TABLE b_again) UNION ALL (TABLE b_again EXCEPT ALL TABLE b_default)) d;
SELECT class, seed FROM raresynth_balance('bal', 'y', '{"d": 30}', 'smote', target => 'b_d', seed => 10);
SELECT raresynth_smote('bal', 'y', n => 24, minority => 'd', seed => 11, target => 'b_d_smote');
SELECT count(*) AS differ FROM ((TABLE b_d EXCEPT ALL TABLE b_d_smote) UNION ALL (TABLE b_d_smote EXCEPT ALL TABLE b_d)) d;
-- SMOTE makes no improved view unless asked; a marker with it
SELECT to_regclass('bal_improved') IS NULL AS no_view;
SELECT sum(added) FROM raresynth_balance('bal', 'y', method => 'smote', target => 'b_view', seed => 1, improved => true, marker => 'synthetic');
SELECT y, synthetic, count(*) FROM b_view_improved GROUP BY 1, 2 ORDER BY 1, 2;

-------------------------------------------------------------------------------
-- GAN: one model per class raised (<source>_<label>_<class>, a version
-- each), all rows into <source>_synthetic and its improved view; heart's
-- diet is Unhealthy 2891, Average 2912, Healthy 2960
-------------------------------------------------------------------------------
SET client_min_messages = notice;
SELECT * FROM raresynth_balance('heart', 'diet', seed => 1, epochs => 1, options => :'small');
RESET client_min_messages;
SELECT diet, count(*) FROM heart_improved GROUP BY 1 ORDER BY 1;
SELECT name, version, minority, rows FROM raresynth.models WHERE name LIKE 'heart\_diet\_%' ORDER BY name, version;
SELECT target, model, version, rows, seed FROM raresynth.synthesized WHERE model LIKE 'heart\_diet\_%' ORDER BY model;
-- the class's model, seed and n make the same rows through raresynth_synthesize
SELECT raresynth_synthesize('heart_diet_Average', 48, target => 'heart_avg', seed => 2, improved => false);
SELECT count(*) AS differ FROM ((SELECT * FROM heart_synthetic WHERE diet = 'Average' EXCEPT ALL TABLE heart_avg)
                                UNION ALL (TABLE heart_avg EXCEPT ALL SELECT * FROM heart_synthetic WHERE diet = 'Average')) d;
-- counts and "minority" on another target: new versions of the models
SELECT class, added, rows_after, model, version FROM raresynth_balance('heart', 'diet', '{"Unhealthy": 2950, "Healthy": 2990}',
       target => 'heart_counts', seed => 1, epochs => 1, options => :'small', improved => false);
SELECT diet, count(*) FROM heart_counts GROUP BY 1 ORDER BY 1;
SELECT class, added, model, version FROM raresynth_balance('heart', 'diet', '"minority"',
       target => 'heart_minority', seed => 1, epochs => 1, options => :'small', improved => false) WHERE added > 0;
SELECT class, added FROM raresynth_balance('heart', 'diet', '0.99', target => 'heart_ratio', seed => 1, epochs => 1,
       options => :'small', improved => false) WHERE added > 0;

-- raresynth_help() lists it; its topic shows the training options too
SELECT count(*) FROM raresynth_help() h WHERE h LIKE '%raresynth_balance(source regclass, label name, strategy jsonb%';
SELECT h LIKE '%Options of raresynth_train%' AND h LIKE '%  embedding_dim (%' AS with_options
FROM raresynth_help('raresynth_balance') h;

-------------------------------------------------------------------------------
-- bad inputs: clear errors, nothing written
-------------------------------------------------------------------------------
\x on
SELECT * FROM pg_temp.try($$SELECT raresynth_balance(NULL, 'y')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'ctgan')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '"majority"', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '"Not Majority"', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '["a", "b"]', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', 'true', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', 'null', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '0', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '1.5', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '-0.5', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '0.1', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"z": 40}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": -1}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": 20.5}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": "20"}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": null}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"c": 20, "b": 10}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": 1e12}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', '{"b": 2000000000}', 'smote')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'nope')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', epochs => 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', options => '{"pac": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', exclude => '{g}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', k => 3)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', k => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', epochs => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', options => '{"nope": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', marker => 'synthetic')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', improved => false, marker => 'synthetic')$$);
CREATE TABLE bal_one AS SELECT x, g, 'a'::text AS y FROM bal;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal_one', 'y', method => 'smote')$$);
CREATE TABLE bal_null AS SELECT x, g, NULL::text AS y FROM bal;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal_null', 'y', method => 'smote')$$);
-- SMOTE on a class of one row: refused before the other classes are written
CREATE TABLE bal_single AS SELECT * FROM bal UNION ALL SELECT 0, '0', 'f';
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal_single', 'y', method => 'smote', target => 'single_t')$$);
SELECT to_regclass('single_t') IS NULL AS nothing_written;
-- a class whose model name would not fit in a name
CREATE TABLE bal_long AS SELECT x, g, CASE WHEN y = 'c' THEN repeat('c', 60) ELSE y END AS y FROM bal;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal_long', 'y', epochs => 1, target => 'long_t')$$);
SELECT to_regclass('long_t') IS NULL AS nothing_written;
-- a training that fails on the second class: the first class's model
-- and rows go with it (one statement, one transaction)
CREATE TABLE bal_ineq AS
  SELECT i::float8 AS lo, CASE WHEN i BETWEEN 21 AND 30 THEN i - 1 ELSE i + 1 END::float8 AS hi,
         CASE WHEN i <= 10 THEN 'p' WHEN i <= 30 THEN 'q' ELSE 'r' END AS y
  FROM generate_series(1, 80) AS i;
SET client_min_messages = warning;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal_ineq', 'y', epochs => 1, target => 'ineq_t',
    options => '{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8], "inequalities": [["lo", "hi"]]}')$$);
RESET client_min_messages;
SELECT to_regclass('ineq_t') IS NULL AS nothing_written,
       (SELECT count(*) FROM raresynth.models WHERE name LIKE 'bal_ineq%') AS models;
-- read-only transactions and another role's target
BEGIN READ ONLY;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote')$$);
ROLLBACK;
CREATE ROLE bal_other;
CREATE TABLE bal_theirs AS SELECT * FROM bal WITH NO DATA;
ALTER TABLE bal_theirs OWNER TO bal_other;
SELECT * FROM pg_temp.try($$SELECT raresynth_balance('bal', 'y', method => 'smote', target => 'bal_theirs')$$);
SELECT count(*) AS untouched FROM bal_theirs;
DROP TABLE bal_theirs;
DROP ROLE bal_other;
\x off
-- the models and provenance rows of the successful calls only
SELECT name, version FROM raresynth.models WHERE name LIKE 'heart\_diet\_%' OR name LIKE 'bal%' ORDER BY name, version;
SELECT count(*) FROM raresynth.synthesized WHERE model LIKE 'heart\_diet\_%' OR model LIKE 'bal%';

-- clean up
SELECT raresynth_drop_model(name) FROM (SELECT DISTINCT name FROM raresynth.models WHERE name LIKE 'heart\_diet\_%') m ORDER BY name;
DELETE FROM raresynth.synthesized WHERE model LIKE 'heart\_diet\_%';
DROP TABLE bal, b_default, b_auto, b_not_minority, b_all, b_minority, b_ratio, b_counts, b_one, b_again, b_d, b_d_smote,
    b_view CASCADE;
DROP TABLE bal_one, bal_null, bal_single, bal_long, bal_ineq;
DROP TABLE heart_synthetic, heart_avg, heart_counts, heart_minority, heart_ratio CASCADE;
