-- setup.sql: the fixtures of the bad-input catalogue (test/bad_inputs/catalogue.tsv),
-- run once as the superuser in a fresh database that has the heart table.
SET client_min_messages = warning;
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
DROP ROLE IF EXISTS rs_bad_alice;
DROP ROLE IF EXISTS rs_bad_mallory;
CREATE ROLE rs_bad_alice;
CREATE ROLE rs_bad_mallory;
GRANT CREATE ON SCHEMA public TO rs_bad_alice, rs_bad_mallory;
GRANT SELECT ON heart TO rs_bad_alice;

-- models: the superuser's heart_risk, alice's alice_m
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');
SET ROLE rs_bad_alice;
CREATE TABLE alice_t AS SELECT * FROM heart;
SELECT model FROM raresynth_train('alice_t', 'risk', model => 'alice_m', epochs => 1, seed => 1, options => :'small');
RESET ROLE;
-- mallory plants a table and a function where alice's rows would go
CREATE TABLE public.planted (LIKE heart);
CREATE TABLE public.alice_t_synthetic (LIKE heart);
ALTER TABLE planted OWNER TO rs_bad_mallory;
ALTER TABLE alice_t_synthetic OWNER TO rs_bad_mallory;
GRANT INSERT, SELECT ON planted, alice_t_synthetic TO PUBLIC;
CREATE TABLE mallory_t AS SELECT sex, age, risk FROM heart;
ALTER TABLE mallory_t OWNER TO rs_bad_mallory;

-- tables read "like" another: the same names, other types or shapes
CREATE TABLE mm_a AS SELECT sex, age, cholesterol::float8 AS chol, risk FROM heart;
CREATE TABLE mm_sex_int AS SELECT (sex = 'Male')::int AS sex, age, cholesterol::float8 AS chol, risk FROM heart LIMIT 500;
CREATE TABLE mm_age_text AS SELECT sex, age::text AS age, cholesterol::float8 AS chol, risk FROM heart LIMIT 500;
CREATE TABLE mm_chol_num AS SELECT sex, age, cholesterol::numeric AS chol, risk FROM heart LIMIT 500;
CREATE TABLE mm_missing AS SELECT sex, age, risk FROM heart LIMIT 500;
CREATE TABLE mm_extra AS SELECT sex, age, cholesterol::float8 AS chol, risk, 1 AS extra FROM heart LIMIT 500;
CREATE TABLE mm_order AS SELECT age, sex, cholesterol::float8 AS chol, risk FROM heart LIMIT 500;
CREATE TABLE mm_label_text AS SELECT sex, age, cholesterol::float8 AS chol, risk::text AS risk FROM heart LIMIT 500;
CREATE TABLE mm_label_bool AS SELECT sex, age, cholesterol::float8 AS chol, risk = 1 AS risk FROM heart LIMIT 500;
CREATE TABLE mm_empty (LIKE mm_a);
CREATE TABLE mm_dropped AS SELECT 1 AS gone, sex, age, cholesterol::float8 AS chol, risk FROM heart LIMIT 500;
ALTER TABLE mm_dropped DROP COLUMN gone;

-- sources a model should refuse or handle
CREATE DOMAIN even_int AS int CHECK (VALUE % 2 = 0);
CREATE TABLE dom AS SELECT (age / 2 * 2)::even_int AS age, sex, risk FROM heart;
CREATE TABLE flabel AS SELECT age, sex, ((age * 7 + cholesterol) % 400)::float8 + 0.5 AS y FROM heart;
CREATE TABLE wide AS SELECT g % 2 AS y, 'c' || (g / 2)::text AS code, g::float8 AS x FROM generate_series(1, 40000) g;
CREATE TABLE one_class AS SELECT age, sex, 1 AS y FROM heart LIMIT 50;
CREATE TABLE only_label AS SELECT risk FROM heart;
CREATE TABLE null_label AS SELECT age, sex, NULL::int AS risk FROM heart LIMIT 50;
CREATE TABLE jlabel AS SELECT age, '{}'::jsonb AS y FROM heart LIMIT 10;
CREATE TABLE empty_t (age int, sex text, risk int);
CREATE TABLE cb AS SELECT sex::char(6) AS sex, (diabetes = 1) AS diabetic, age, risk FROM heart;
SELECT model FROM raresynth_train('cb', 'risk', epochs => 1, seed => 1, options => :'small');

-- targets that must not be written
CREATE VIEW heart_v AS SELECT * FROM heart;
CREATE MATERIALIZED VIEW heart_mv AS SELECT * FROM heart WITH NO DATA;
CREATE TABLE other (a int, b text);
