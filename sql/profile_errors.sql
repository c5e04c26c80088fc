-- raresynth_profile: every bad input gets a clear error with a specific SQLSTATE
\i test/data/setup.sql
\x on

-- the source does not exist
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('no_such_table', 'risk')$$);
-- the label is not a column
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'no_such_column')$$);
-- label names are exact: case matters
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'Risk')$$);
-- an exclude entry that is not a column
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'risk', '{age,no_such_column}')$$);
-- excluding the label
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'risk', '{risk}')$$);
-- NULL in exclude
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'risk', ARRAY[NULL]::name[])$$);
-- NULL arguments
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile(NULL, 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', NULL)$$);

-- an empty table
CREATE TABLE empty_t (a int, b text, y int);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('empty_t', 'y')$$);
-- a label with one class only
CREATE TABLE one_class AS SELECT age, sex, 1 AS y FROM heart LIMIT 50;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('one_class', 'y')$$);
-- a label with only NULLs
CREATE TABLE null_label AS SELECT age, sex, NULL::int AS y FROM heart LIMIT 50;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('null_label', 'y')$$);
-- no usable feature column left
CREATE TABLE no_features AS SELECT patient_id, 7 AS seven, NULL::text AS nothing, risk FROM heart;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('no_features', 'risk')$$);
CREATE TABLE few AS SELECT patient_id, age, sex, risk FROM heart;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('few', 'risk', '{age,sex}')$$);
-- a label that cannot be compared
CREATE TABLE json_label AS SELECT age, sex, to_json(risk) AS y FROM heart LIMIT 50;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('json_label', 'y')$$);
-- not a table
CREATE SEQUENCE a_sequence;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('a_sequence', 'last_value')$$);
CREATE INDEX heart_age_idx ON heart (age);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart_age_idx', 'age')$$);
-- the caller lacks SELECT on the table
CREATE ROLE rs_nobody;
SET ROLE rs_nobody;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_profile('heart', 'risk')$$);
RESET ROLE;
-- a role with SELECT can profile
GRANT SELECT ON heart TO rs_nobody;
SET ROLE rs_nobody;
\x off
SELECT count(*) FROM raresynth_profile('heart', 'risk');
\x on
RESET ROLE;
REVOKE SELECT ON heart FROM rs_nobody;
DROP ROLE rs_nobody;
-- the setting's range is enforced
SELECT * FROM pg_temp.try($$SET raresynth.categorical_max_distinct = 1$$);
SELECT * FROM pg_temp.try($$SET raresynth.no_such_setting = 1$$);

-- clean up for the tests that follow
DROP TABLE empty_t, one_class, null_label, no_features, few, json_label;
DROP SEQUENCE a_sequence;
