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

-- red team (sql/harden_redteam.sql has the tests that failed before)
-- mallory's enum with a cast to text WITH FUNCTION that copies the
-- caller's table: raresynth must never call it (rt_log stays empty)
CREATE TABLE rt_private (s text);
ALTER TABLE rt_private OWNER TO rs_bad_alice;
INSERT INTO rt_private VALUES ('alice''s secret');
CREATE TABLE rt_log (who name, what text);
ALTER TABLE rt_log OWNER TO rs_bad_mallory;
GRANT INSERT, SELECT ON rt_log TO PUBLIC;
SET ROLE rs_bad_mallory;
CREATE TYPE rt_lvl AS ENUM ('lo', 'hi');
CREATE FUNCTION rt_lvl_text(rt_lvl) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.rt_log SELECT current_user, (SELECT pg_catalog.string_agg(s, ',') FROM public.rt_private);
    RETURN pg_catalog.textin(pg_catalog.enum_out($1));
EXCEPTION WHEN OTHERS THEN
    INSERT INTO public.rt_log VALUES (current_user, SQLERRM);
    RETURN pg_catalog.textin(pg_catalog.enum_out($1));
END $$;
CREATE CAST (rt_lvl AS text) WITH FUNCTION rt_lvl_text(rt_lvl);
RESET ROLE;
CREATE TABLE rt_cast AS
    SELECT age, sex, CASE WHEN risk = 1 THEN 'hi' ELSE 'lo' END::rt_lvl AS y FROM heart LIMIT 300;
ALTER TABLE rt_cast OWNER TO rs_bad_mallory;
GRANT SELECT ON rt_cast TO PUBLIC;
-- columns of every kind of type, labels of exotic types
CREATE TYPE rt_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE rt_pair AS (a int, b text);
CREATE DOMAIN rt_d1 AS text;
CREATE DOMAIN rt_d2 AS rt_d1 CHECK (VALUE <> 'zzz');
CREATE DOMAIN rt_dint AS int;
CREATE DOMAIN rt_ddint AS rt_dint;
CREATE TABLE rt_ex AS SELECT
  ARRAY[age, cholesterol] AS arr, int4range(age, age + 10) AS rng, ROW(age, sex)::rt_pair AS comp,
  (income::numeric)::money AS cash, make_interval(days => age) AS iv, ('10.0.0.' || (age % 250))::inet AS ip,
  (age % 16)::bit(4) AS bits, xmlparse(content '<a/>') AS x, (ARRAY['sad','ok','happy']::rt_mood[])[1 + age % 3] AS m,
  sex::rt_d2 AS dsex, age::rt_ddint AS dage, (CASE WHEN sex = 'Male' THEN 'ÄÖÜ' ELSE 'ß' END)::char(5) AS mb,
  to_timestamp(age::float8 * 86400 * 365) AS ts, make_date(1950 + age % 50, 1, 1) AS dt, risk
  FROM heart LIMIT 600;
SELECT model FROM raresynth_train('rt_ex', 'risk', model => 'rt_ex_m', epochs => 1, seed => 1, options => :'small');
CREATE TABLE rt_two AS SELECT * FROM (VALUES (1, 'a', 0), (2, 'b', 1)) v(age, sex, risk);
CREATE TABLE rt_allnull AS SELECT NULL::int AS a, NULL::text AS b, risk FROM heart LIMIT 300;
CREATE TABLE rt_lbl_mood AS SELECT age, sex, (ARRAY['sad','ok','happy']::rt_mood[])[1 + risk + (age % 20 = 0)::int] AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_comp AS SELECT age, sex, ROW(risk, 'x')::rt_pair AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_arr AS SELECT age, sex, ARRAY[risk] AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_rng AS SELECT age, sex, int4range(risk, risk + 1) AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_iv AS SELECT age, sex, make_interval(days => risk) AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_bytea AS SELECT age, sex, CASE WHEN risk = 1 THEN '\x01'::bytea ELSE '\x00'::bytea END AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_mb AS SELECT age, sex, (CASE WHEN risk = 1 THEN 'ÄÖ' ELSE 'ß' END)::char(4) AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_num AS SELECT age, sex, CASE WHEN risk = 1 THEN (CASE WHEN age % 2 = 0 THEN 1.0 ELSE 1.00 END) ELSE 0 END::numeric AS y FROM heart LIMIT 400;
CREATE TABLE rt_lbl_zero AS SELECT age, sex, CASE WHEN risk = 1 THEN 1 WHEN age % 2 = 0 THEN 0::float8 ELSE '-0'::float8 END AS y FROM heart LIMIT 400;
CREATE TABLE "rt_we""ird.na
me" AS SELECT age AS "a""ge", sex AS "se.x", risk AS "ri
sk" FROM heart LIMIT 400;
CREATE TABLE rt_pt (age int, sex text, risk int) PARTITION BY LIST (risk);
CREATE TABLE rt_pt0 PARTITION OF rt_pt FOR VALUES IN (0);
CREATE TABLE rt_pt1 PARTITION OF rt_pt FOR VALUES IN (1);
INSERT INTO rt_pt SELECT age, sex, risk FROM heart LIMIT 500;
CREATE TABLE rt_inh (age int, sex text, risk int);
CREATE TABLE rt_inh_c () INHERITS (rt_inh);
INSERT INTO rt_inh SELECT age, sex, risk FROM heart LIMIT 200;
INSERT INTO rt_inh_c SELECT age, sex, risk FROM heart OFFSET 200 LIMIT 200;
CREATE UNLOGGED TABLE rt_unl AS SELECT age, sex, risk FROM heart LIMIT 300;
CREATE VIEW rt_sb_v WITH (security_barrier) AS SELECT age, sex, risk FROM heart WHERE age > 30;
CREATE FUNCTION rt_boom(int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN IF $1 > 80 THEN RAISE EXCEPTION 'boom' USING ERRCODE = 'P0001'; END IF; RETURN $1; END $$;
CREATE VIEW rt_raise_v AS SELECT rt_boom(age) AS age, sex, risk FROM heart;
CREATE TABLE rt_trig AS SELECT age, sex, risk FROM heart LIMIT 300;
CREATE FUNCTION rt_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trigger fired'; END $$;
CREATE TRIGGER t BEFORE INSERT ON rt_trig FOR EACH ROW EXECUTE FUNCTION rt_trg();
CREATE TABLE rt_rls AS SELECT age, sex, risk FROM heart LIMIT 300;
ALTER TABLE rt_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON rt_rls USING (risk = 1 OR age > 50);
GRANT SELECT ON rt_rls, rt_ex, rt_lbl_mood, rt_pt TO rs_bad_mallory, rs_bad_alice;
CREATE TABLE rt_long AS
    SELECT g % 2 AS y, g % 7 AS age, repeat(CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END, 200000) AS note
    FROM generate_series(1, 40) g;
-- models whose source or target changed after training
CREATE TABLE rt_recre AS SELECT age, sex, risk FROM heart LIMIT 300;
SELECT model FROM raresynth_train('rt_recre', 'risk', model => 'rt_recre_m', epochs => 1, seed => 1, options => :'small');
DROP TABLE rt_recre;
CREATE TABLE rt_recre AS SELECT age::text AS age, sex, risk FROM heart LIMIT 300;
CREATE TABLE rt_reord AS SELECT age, sex, risk FROM heart LIMIT 300;
SELECT model FROM raresynth_train('rt_reord', 'risk', model => 'rt_reord_m', epochs => 1, seed => 1, options => :'small');
DROP TABLE rt_reord;
CREATE TABLE rt_reord AS SELECT sex, age, risk FROM heart LIMIT 300;
CREATE SCHEMA rt_s1;
CREATE TABLE rt_s1.s AS SELECT age, sex, risk FROM heart LIMIT 300;
SELECT model FROM raresynth_train('rt_s1.s', 'risk', model => 'rt_s1_m', epochs => 1, seed => 1, options => :'small');
ALTER SCHEMA rt_s1 RENAME TO rt_s2;
CREATE TABLE rt_alt AS SELECT age, sex, risk FROM heart LIMIT 300;
SELECT model FROM raresynth_train('rt_alt', 'risk', model => 'rt_alt_m', epochs => 1, seed => 1, options => :'small');
SELECT raresynth_synthesize('rt_alt_m', 10);
ALTER TABLE rt_alt_synthetic ADD COLUMN extra int;
CREATE TABLE rt_alt2 AS SELECT age, sex, risk FROM heart LIMIT 300;
SELECT model FROM raresynth_train('rt_alt2', 'risk', model => 'rt_alt2_m', epochs => 1, seed => 1, options => :'small');
SELECT raresynth_synthesize('rt_alt2_m', 10);
DROP VIEW rt_alt2_improved;
ALTER TABLE rt_alt2_synthetic ALTER COLUMN age TYPE bigint;
