-- raresynth_profile: the encoder's view of a table
\i test/data/setup.sql

-- the bundled data: 27 columns, patient_id an identifier, risk the label
SELECT column_name, type, kind, reason, null_fraction, distinct_count, min, max, class_counts
FROM raresynth_profile('heart', 'risk');

SELECT kind, count(*) FROM raresynth_profile('heart', 'risk') GROUP BY kind ORDER BY kind;

-- caller's exclusions
SELECT column_name, kind, reason FROM raresynth_profile('heart', 'risk', '{income,country}')
WHERE kind = 'excluded' ORDER BY column_name;

-- NULL is a state, never dropped; identifiers, constants, all-NULL, unsupported types
CREATE TABLE mixed (
    id        serial PRIMARY KEY,
    code      text UNIQUE,
    note      text,
    flag      boolean,
    mood      text,
    weight    numeric(6,2),
    score     int,
    born      date,
    seen      timestamptz,
    constant  int,
    empty     text,
    payload   jsonb,
    "Label"   text
);
CREATE TYPE feeling AS ENUM ('low', 'mid', 'high');
ALTER TABLE mixed ALTER COLUMN mood TYPE feeling USING mood::feeling;
INSERT INTO mixed (code, note, flag, mood, weight, score, born, seen, constant, empty, payload, "Label")
SELECT 'c' || g,
       'note ' || g,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
       (ARRAY['low','mid','high'])[1 + g % 3]::feeling,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 50 + (g * 37 % 100) / 3.0 END,
       g % 4,
       date '1990-01-01' + g * 11,
       timestamptz '2024-01-01 00:00+00' + g * interval '7 hours',
       42,
       NULL,
       jsonb_build_object('g', g),
       CASE WHEN g % 4 = 0 THEN 'sick' ELSE 'well' END
FROM generate_series(1, 40) g;
SELECT column_name, type, kind, reason, round(null_fraction::numeric, 3) AS null_fraction,
       distinct_count, min, max, class_counts
FROM raresynth_profile('mixed', 'Label');

-- views, materialized views, partitioned tables, schemas, quoted names, search_path
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Patients ""2024""" (
    "Patient Name" text,
    "Âge" int,
    "Blood Sugar" float8,
    "Risk Level" text);
INSERT INTO "Odd Schema"."Patients ""2024"""
SELECT 'p' || g, 20 + g % 60, g * 1.7, CASE WHEN g % 3 = 0 THEN 'high' ELSE 'low' END
FROM generate_series(1, 30) g;
SELECT column_name, kind, reason, class_counts
FROM raresynth_profile('"Odd Schema"."Patients ""2024"""', 'Risk Level');
SET search_path = "Odd Schema", public;
SELECT count(*) FROM raresynth_profile('"Patients ""2024"""', 'Risk Level');
RESET search_path;

CREATE VIEW heart_view AS SELECT age, sex, cholesterol, risk FROM heart WHERE age > 30;
SELECT column_name, kind, class_counts FROM raresynth_profile('heart_view', 'risk');
CREATE MATERIALIZED VIEW heart_mv AS SELECT age, diet, bmi, risk FROM heart;
SELECT column_name, kind, class_counts FROM raresynth_profile('heart_mv', 'risk');
CREATE TABLE heart_part (age int, sex text, bmi float8, risk int) PARTITION BY LIST (sex);
CREATE TABLE heart_part_m PARTITION OF heart_part FOR VALUES IN ('Male');
CREATE TABLE heart_part_f PARTITION OF heart_part FOR VALUES IN ('Female');
INSERT INTO heart_part SELECT age, sex, bmi, risk FROM heart;
SELECT column_name, kind, class_counts FROM raresynth_profile('heart_part', 'risk');

-- the categorical threshold is a setting
SET raresynth.categorical_max_distinct = 5;
SELECT column_name, kind FROM raresynth_profile('heart', 'risk')
WHERE column_name IN ('stress_level', 'sleep_hours_per_day', 'diabetes');
RESET raresynth.categorical_max_distinct;

-- clean up for the tests that follow
DROP TABLE mixed, heart_part, "Odd Schema"."Patients ""2024""" CASCADE;
DROP SCHEMA "Odd Schema";
DROP TYPE feeling;
DROP VIEW heart_view;
DROP MATERIALIZED VIEW heart_mv;
