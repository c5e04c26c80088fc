-- Reading one relation like another (raresynth_score's test table,
-- raresynth_quality's synthetic table): every column the first relation
-- reads must exist in the second with the same base type (and, where the
-- text is compared, the same modifier), or the call fails with a clear
-- error.  Columns are matched by name: extra columns, another order and
-- dropped columns change nothing.
\set VERBOSITY default
\set SHOW_CONTEXT never
\i test/data/try.sql

CREATE TABLE t (age int, sex text, bmi float8, grade numeric(4,1), amount numeric(6,2),
                code char(3), y int);
INSERT INTO t
SELECT 20 + g % 50, CASE g % 3 WHEN 0 THEN 'Male' WHEN 1 THEN 'Female' ELSE 'Other' END,
       18 + (g * 7 % 100) / 10.0, g % 4, (g * 137 % 1000) / 10.0, 'c' || g % 5,
       CASE WHEN g % 4 = 0 OR g % 7 = 0 THEN 1 ELSE 0 END
FROM generate_series(1, 400) g;
SELECT column_name, type, kind FROM raresynth_profile('t', 'y');

-- the same rows in relations that differ only in what does not matter
CREATE TABLE t_copy AS SELECT * FROM t;
CREATE TABLE t_extra AS SELECT 'x' || age AS note, *, 42 AS extra FROM t;
CREATE TABLE t_order AS SELECT y, code, amount, grade, bmi, sex, age FROM t;
CREATE TABLE t_dropped AS SELECT 1 AS gone, * FROM t;
ALTER TABLE t_dropped DROP COLUMN gone;
CREATE DOMAIN years AS int CHECK (VALUE >= 0);
CREATE TABLE t_domain (age years, sex text, bmi float8, grade numeric(4,1), amount numeric(6,2),
                       code char(3), y int);
INSERT INTO t_domain SELECT * FROM t;
CREATE VIEW t_view AS SELECT * FROM t;
-- a continuous numeric column is read as a number: its modifier does not matter
CREATE TABLE t_amount_mod AS SELECT age, sex, bmi, grade, amount::numeric(9,3) AS amount, code, y FROM t;

SELECT * INTO ref_score FROM raresynth_score('t', 't_copy', 'y');
SELECT other, (SELECT row(s.*) FROM raresynth_score('t', other::regclass, 'y') s)
              = (SELECT row(r.*) FROM ref_score r) AS same_score
FROM unnest(array['t_extra', 't_order', 't_dropped', 't_domain', 't_view', 't_amount_mod']) other;
SELECT * INTO ref_quality FROM raresynth_quality('t', 't_copy', 'y');
SELECT other, (SELECT array_agg(row(q.*) ORDER BY q.metric, q.column_name, q.column_name_2)
               FROM raresynth_quality('t', other::regclass, 'y') q)
              = (SELECT array_agg(row(r.*) ORDER BY r.metric, r.column_name, r.column_name_2) FROM ref_quality r) AS same_quality
FROM unnest(array['t_extra', 't_order', 't_dropped', 't_domain', 't_view']) other;

-- relations whose columns differ in type: text where the source has int
-- (this read a text datum as an int, or an int as a text pointer: a crash)
CREATE TABLE bad_sex_int AS SELECT age, (sex = 'Male')::int AS sex, bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_age_text AS SELECT age::text AS age, sex, bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_bmi_numeric AS SELECT age, sex, bmi::numeric AS bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_age_bigint AS SELECT age::bigint AS age, sex, bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_age_float AS SELECT age::float8 AS age, sex, bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_grade_scale AS SELECT age, sex, bmi, grade::numeric(4,2) AS grade, amount, code, y FROM t;
CREATE TABLE bad_code_width AS SELECT age, sex, bmi, grade, amount, code::char(5) AS code, y FROM t;
CREATE TABLE bad_code_text AS SELECT age, sex, bmi, grade, amount, code::text AS code, y FROM t;
CREATE TYPE sex_enum AS ENUM ('Male', 'Female', 'Other');
CREATE TABLE bad_sex_enum AS SELECT age, sex::sex_enum AS sex, bmi, grade, amount, code, y FROM t;
CREATE TABLE bad_label_text AS SELECT age, sex, bmi, grade, amount, code, y::text AS y FROM t;
CREATE TABLE bad_label_bool AS SELECT age, sex, bmi, grade, amount, code, y::boolean AS y FROM t;
CREATE TABLE bad_no_bmi AS SELECT age, sex, grade, amount, code, y FROM t;
CREATE TABLE bad_no_label AS SELECT age, sex, bmi, grade, amount, code FROM t;
CREATE TABLE bad_sex_dropped AS SELECT * FROM t;
ALTER TABLE bad_sex_dropped DROP COLUMN sex;
CREATE VIEW bad_view AS SELECT age, sex::varchar AS sex, bmi, grade, amount, code, y FROM t;

\x on
SELECT other, e.*
FROM unnest(array['bad_sex_int', 'bad_age_text', 'bad_bmi_numeric', 'bad_age_bigint',
                  'bad_age_float', 'bad_grade_scale', 'bad_code_width', 'bad_code_text',
                  'bad_sex_enum', 'bad_label_text', 'bad_label_bool', 'bad_no_bmi',
                  'bad_no_label', 'bad_sex_dropped', 'bad_view']) other,
     pg_temp.try(format($$SELECT * FROM raresynth_score('t', %L, 'y')$$, other)) e;
-- raresynth_quality reads its synthetic table the same way
SELECT other, e.code, e.message
FROM unnest(array['bad_sex_int', 'bad_age_text', 'bad_bmi_numeric', 'bad_age_bigint',
                  'bad_age_float', 'bad_grade_scale', 'bad_code_width', 'bad_code_text',
                  'bad_sex_enum', 'bad_label_text', 'bad_label_bool', 'bad_no_bmi',
                  'bad_no_label', 'bad_sex_dropped', 'bad_view']) other,
     pg_temp.try(format($$SELECT * FROM raresynth_quality('t', %L, 'y')$$, other)) e;
\x off

-- a column the first relation excludes is not read, whatever its type
CREATE TABLE t_id (id text PRIMARY KEY, age int, sex text, y int);
INSERT INTO t_id SELECT 'p' || g, 20 + g % 50, CASE g % 3 WHEN 0 THEN 'Male' ELSE 'Female' END,
       CASE WHEN g % 4 = 0 THEN 1 ELSE 0 END FROM generate_series(1, 200) g;
CREATE TABLE t_id_int AS SELECT row_number() OVER () AS id, age, sex, y FROM t_id;
SELECT round(accuracy::numeric, 6) = (SELECT round(accuracy::numeric, 6) FROM raresynth_score('t_id', 't_id', 'y')) AS same
FROM raresynth_score('t_id', 't_id_int', 'y');

-- a type changed since the last call is seen, whichever side it is on
ALTER TABLE t_copy ALTER sex TYPE varchar;
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_score('t', 't_copy', 'y')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_score('t_copy', 't', 'y')$$);

-- the server is still up, and score is right where it reads the same table
SELECT round(accuracy::numeric, 6) AS accuracy FROM raresynth_score('t', 't', 'y');
