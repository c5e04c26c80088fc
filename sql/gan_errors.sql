-- raresynth_train / sample / synthesize: every bad input gets a clear error, and nothing is written
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');
\x on

-- training arguments
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1000000)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', batch_size => 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', batch_size => 25)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"learning_rate": 0.1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"pac": "ten"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"generator_dims": 256}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"max_modes": 11}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"lr": -1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '[1, 2]')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', minority => '2')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'nope')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', exclude => '{nope}')$$);
CREATE TABLE one_class AS SELECT age, sex, 1 AS y FROM heart LIMIT 50;
SELECT * FROM pg_temp.try($$SELECT raresynth_train('one_class', 'y')$$);
-- nothing was written by the failures
SELECT name FROM raresynth.models ORDER BY name;

-- sampling arguments
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('nope', 1, NULL::heart)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', -1, NULL::heart)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 10000000000, NULL::heart)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', NULL, NULL::heart)$$);

-- a cancel while worker threads generate rows (in FROM, and in the select
-- list, where the query stops early): the error, then the session goes on
SET statement_timeout = '300ms';
SELECT count(*) FROM raresynth_sample('heart_risk', 100000000, NULL::heart);
SELECT raresynth_sample('heart_risk', 100000000, NULL::heart) OFFSET 99999999;
RESET statement_timeout;
SELECT count(*) FROM raresynth_sample('heart_risk', 3000, NULL::heart, seed => 1) LIMIT 1;
SELECT (raresynth_sample('heart_risk', 100000000, NULL::heart)).risk LIMIT 2;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::int)$$);
CREATE TABLE other (a int, b text);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::other)$$);
CREATE TABLE heart_like AS SELECT patient_id, age::bigint AS age FROM heart LIMIT 1;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart_like)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '{"nope": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '{"age": 40}')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '{"sex": "Other"}')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '{"sex": "Male", "diet": "Average"}')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '{"sex": ["Male"]}')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart, given => '"Male"')$$);

-- synthesize arguments
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('nope')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', -5)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 5, 'heart')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 5, 'other')$$);

-- a model owned by another role
CREATE ROLE rs_mallory;
GRANT SELECT ON heart TO rs_mallory;
SET ROLE rs_mallory;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1)$$);
RESET ROLE;
REVOKE SELECT ON heart FROM rs_mallory;
DROP ROLE rs_mallory;

-- a damaged state, a state from a newer format
CREATE TEMP TABLE saved AS SELECT state FROM raresynth.models WHERE name = 'heart_risk';
UPDATE raresynth.models SET state = substring(state FROM 1 FOR 100) WHERE name = 'heart_risk';
SELECT code, message, regexp_replace(detail, '[0-9a-f]{8}|[0-9]+', '#', 'g') AS detail, hint
FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart)$$);
UPDATE raresynth.models SET state = set_byte((SELECT state FROM saved), 2000, get_byte((SELECT state FROM saved), 2000) # 1) WHERE name = 'heart_risk';
SELECT code, message, regexp_replace(detail, '[0-9a-f]{8}|[0-9]+', '#', 'g') AS detail, hint
FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart)$$);
UPDATE raresynth.models SET state = set_byte((SELECT state FROM saved), 8, 99) WHERE name = 'heart_risk';
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart)$$);
UPDATE raresynth.models SET state = (SELECT state FROM saved) WHERE name = 'heart_risk';
SELECT count(*) FROM raresynth_sample('heart_risk', 3, NULL::heart);

-- the model's rules (rare_category_k, extreme_value_k, both 5 by default):
-- a country held by one patient and the oldest patient's age never leave
-- the model, not even in its state
CREATE TABLE rarity AS SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 400;
UPDATE rarity SET country = 'Atlantis' WHERE patient_id = (SELECT min(patient_id) FROM rarity);
UPDATE rarity SET age = 131 WHERE patient_id = (SELECT max(patient_id) FROM rarity);
INSERT INTO rarity SELECT * FROM heart WHERE risk = 0 ORDER BY patient_id LIMIT 50;
SELECT model FROM raresynth_train('rarity', 'risk', minority => '1', epochs => 1, seed => 1, options => :'small');
SELECT raresynth_model_info('rarity_risk') -> 'rules' AS rules;
-- a float8 as the state writes it (little-endian)
CREATE FUNCTION pg_temp.f64le(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(substring(float8send(x) FROM 9 - i FOR 1), ''::bytea ORDER BY i)
    FROM generate_series(1, 8) i $$;
SELECT position(convert_to('Atlantis', 'UTF8') IN state) AS rare_text_at,
       position(pg_temp.f64le(131) IN state) AS real_max_at,
       position(pg_temp.f64le((SELECT age FROM rarity WHERE risk = 1 ORDER BY age DESC OFFSET 4 LIMIT 1)) IN state) > 0 AS fifth_largest_kept
FROM raresynth.models WHERE name = 'rarity_risk';
SELECT count(*) AS rows, count(*) FILTER (WHERE country = 'Atlantis') AS rare_country,
       max(age) <= (SELECT age FROM rarity WHERE risk = 1 ORDER BY age DESC OFFSET 4 LIMIT 1) AS within_5th_largest,
       min(age) >= (SELECT age FROM rarity WHERE risk = 1 ORDER BY age OFFSET 4 LIMIT 1) AS within_5th_smallest
FROM raresynth_sample('rarity_risk', 3000, NULL::rarity, seed => 1);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('rarity_risk', 10, NULL::rarity, given => '{"country": "Atlantis"}')$$);
-- every category of a column rare: refused with the column named, nothing written
SELECT * FROM pg_temp.try($$SELECT raresynth_train('rarity', 'risk', minority => '1', model => 'never', epochs => 1, options => '{"rare_category_k": 400}')$$);
SELECT count(*) FROM raresynth.models WHERE name = 'never';
-- both off: the real values are learned as they are
SELECT model FROM raresynth_train('rarity', 'risk', minority => '1', model => 'rarity_off', epochs => 1, seed => 1,
    options => '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "rare_category_k": 1, "extreme_value_k": 1}');
SELECT raresynth_model_info('rarity_off') -> 'rules' AS rules;
SELECT position(convert_to('Atlantis', 'UTF8') IN state) > 0 AS rare_text_kept,
       position(pg_temp.f64le(131) IN state) > 0 AS real_max_kept
FROM raresynth.models WHERE name = 'rarity_off';
SELECT * FROM pg_temp.try($$SELECT raresynth_train('rarity', 'risk', model => 'never', options => '{"rare_category_k": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('rarity', 'risk', model => 'never', options => '{"extreme_value_k": 1000001}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('rarity', 'risk', model => 'never', options => '{"dependencies": 2}')$$);
DROP TABLE rarity;

-- precision: the option ("auto", "fp32", "bf16") and the GUC; the option wins
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": "fp16"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": "FP32"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": ""}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": null}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', model => 'never', options => '{"precision": ["fp32"]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"precision": "half"}')$$);
SELECT * FROM pg_temp.try($$SET raresynth.precision = 'half'$$);
SELECT * FROM pg_temp.try($$SET raresynth.precision = ''$$);
SELECT count(*) FROM raresynth.models WHERE name = 'never';
SET raresynth.precision = 'fp32';
SELECT model FROM raresynth_train('heart', 'risk', model => 'prec_guc', epochs => 1, seed => 1,
    options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]}');
SELECT model FROM raresynth_train('heart', 'risk', model => 'prec_opt', epochs => 1, seed => 1,
    options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "precision": "auto"}');
RESET raresynth.precision;
SELECT name, options ->> 'precision' AS precision FROM raresynth.models
WHERE name IN ('prec_guc', 'prec_opt') ORDER BY name;
SELECT raresynth_drop_model('prec_guc'), raresynth_drop_model('prec_opt');

-- the source changed since training
ALTER TABLE heart DROP COLUMN income;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk')$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('heart_risk', 1, NULL::heart)$$);
ALTER TABLE heart RENAME TO heart_gone;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk')$$);
\x off

-- a cancelled training leaves nothing behind
SET statement_timeout = '1s';
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart_gone', 'risk', model => 'never', epochs => 100000)$$);
RESET statement_timeout;
SELECT count(*) FROM raresynth.models WHERE name = 'never';

-- clean up for the tests that follow
DROP TABLE heart_gone, one_class, other, heart_like CASCADE;
DELETE FROM raresynth.models;
