-- harden_target: what raresynth_synthesize and raresynth_smote may write.
-- A target is a table the caller owns (an ordinary or partitioned table,
-- every partition the caller's too), never a view, materialized view,
-- system catalog, or a table the source reads; a hostile role's planted
-- tables, views and functions are never written or called; names are
-- qualified or in the source's schema and never truncated; a read-only
-- transaction is refused first.
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'

CREATE ROLE rs_victim;
CREATE ROLE rs_mallory;
GRANT CREATE ON SCHEMA public TO rs_victim, rs_mallory;
GRANT SELECT ON heart TO rs_victim;
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');

SET ROLE rs_victim;
CREATE TABLE vsrc AS SELECT * FROM heart;
CREATE TABLE victim_secret (secret text);
INSERT INTO victim_secret VALUES ('the victim''s secret');
SELECT model FROM raresynth_train('vsrc', 'risk', model => 'victim_model', epochs => 1, seed => 1,
                                  options => :'small');
RESET ROLE;

-- 1. a target planted by another role, with a trigger that would run as the
-- caller and read the caller's tables: refused (for a superuser too),
-- nothing stolen, nothing written
SET ROLE rs_mallory;
CREATE TABLE stolen (who name, secret text);
GRANT INSERT ON stolen TO PUBLIC;
CREATE FUNCTION steal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.stolen SELECT current_user, secret FROM public.victim_secret;
    RETURN NULL;
EXCEPTION WHEN insufficient_privilege THEN
    INSERT INTO public.stolen VALUES (current_user, NULL);
    RETURN NULL;
END $$;
CREATE TABLE vsrc_synthetic AS SELECT * FROM heart WITH NO DATA;
CREATE TRIGGER steal AFTER INSERT ON vsrc_synthetic FOR EACH STATEMENT EXECUTE FUNCTION steal();
CREATE TABLE vsrc_smote AS SELECT * FROM heart WITH NO DATA;
CREATE TRIGGER steal AFTER INSERT ON vsrc_smote FOR EACH STATEMENT EXECUTE FUNCTION steal();
CREATE TABLE heart_synthetic AS SELECT * FROM heart WITH NO DATA;
CREATE TRIGGER steal AFTER INSERT ON heart_synthetic FOR EACH STATEMENT EXECUTE FUNCTION steal();
GRANT INSERT ON vsrc_synthetic, vsrc_smote, heart_synthetic TO PUBLIC;
RESET ROLE;
SET ROLE rs_victim;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_smote('vsrc', 'risk', 5, seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'public.vsrc_synthetic', seed => 1)$$);
RESET ROLE;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 5, seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_smote('heart', 'risk', 5, target => 'vsrc_smote', seed => 1)$$);
SELECT count(*) AS stolen FROM stolen;
SELECT (SELECT count(*) FROM vsrc_synthetic) + (SELECT count(*) FROM vsrc_smote)
       + (SELECT count(*) FROM heart_synthetic) AS written;

-- a partition owned by another role, whose trigger would fire on rows
-- routed there: refused too
SET ROLE rs_victim;
CREATE TABLE victim_parted (LIKE vsrc) PARTITION BY LIST (risk);
CREATE TABLE victim_parted_0 PARTITION OF victim_parted FOR VALUES IN (0);
RESET ROLE;
CREATE TABLE victim_parted_1 PARTITION OF victim_parted FOR VALUES IN (1);
ALTER TABLE victim_parted_1 OWNER TO rs_mallory;
SET ROLE rs_mallory;
CREATE TRIGGER steal AFTER INSERT ON victim_parted_1 FOR EACH STATEMENT EXECUTE FUNCTION steal();
RESET ROLE;
SET ROLE rs_victim;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'victim_parted', seed => 1)$$);
RESET ROLE;
SELECT count(*) AS stolen FROM stolen;
SELECT count(*) AS written FROM victim_parted;
DROP TABLE victim_parted;

-- 2. an overload of raresynth_sample in a schema the hostile role can
-- write, with exact argument types: the INSERT path (a target with an
-- index) never calls it; the rows are the model's, as raresynth_sample
-- gave them before the overload existed
SET ROLE rs_victim;
CREATE TABLE expected_rows AS SELECT * FROM raresynth_sample('victim_model', 20, NULL::vsrc, seed => 5);
CREATE TABLE victim_indexed AS SELECT * FROM vsrc WITH NO DATA;
CREATE INDEX ON victim_indexed (age);
RESET ROLE;
SET ROLE rs_mallory;
CREATE FUNCTION public.raresynth_sample(model name, n bigint, r vsrc, seed bigint)
RETURNS SETOF vsrc LANGUAGE sql AS $$
    INSERT INTO public.stolen VALUES (current_user, 'called');
    SELECT jsonb_populate_record(NULL::vsrc, '{"patient_id": "pwned", "risk": 1}')
    FROM generate_series(1, n)
$$;
RESET ROLE;
SET ROLE rs_victim;
SELECT raresynth_synthesize('victim_model', 20, 'victim_indexed', seed => 5);
SELECT count(*) FILTER (WHERE patient_id = 'pwned') AS pwned, count(*) FROM victim_indexed;
SELECT count(*) AS differing FROM (
    (SELECT * FROM victim_indexed EXCEPT ALL SELECT * FROM expected_rows)
    UNION ALL (SELECT * FROM expected_rows EXCEPT ALL SELECT * FROM victim_indexed)) d;
-- SMOTE takes the same writer
SELECT raresynth_smote('vsrc', 'risk', 7, target => 'victim_indexed', seed => 5);
SELECT count(*) FROM victim_indexed;
RESET ROLE;
SELECT count(*) AS stolen FROM stolen;
DROP FUNCTION public.raresynth_sample(name, bigint, vsrc, bigint);
DROP VIEW victim_indexed_improved;

-- 3. the improved view (<target>_improved; <source>_improved for the
-- default target): another role's view is never replaced (for a
-- superuser either), a table of that name is not a view, and the target
-- cannot be a view
SET ROLE rs_mallory;
CREATE VIEW victim_syn_improved AS SELECT (jsonb_populate_record(NULL::vsrc, '{"patient_id": "planted"}')).*;
CREATE VIEW heart_syn_improved AS SELECT (jsonb_populate_record(NULL::heart, '{"patient_id": "planted"}')).*;
RESET ROLE;
SET ROLE rs_victim;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'victim_syn', seed => 1)$$);
RESET ROLE;
SELECT code, message, hint FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 5, 'heart_syn', seed => 1)$$);
SELECT pg_get_viewdef('heart_syn_improved') LIKE '%planted%' AS still_planted;
DROP VIEW victim_syn_improved, heart_syn_improved;
SET ROLE rs_victim;
CREATE TABLE victim_syn_improved (x int);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'victim_syn', seed => 1)$$);
DROP TABLE victim_syn_improved;
SELECT raresynth_synthesize('victim_model', 5, 'victim_syn', seed => 1);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'victim_syn_improved', seed => 1)$$);
SELECT to_regclass('victim_syn_improved_improved') AS improved_of_view, (SELECT count(*) FROM victim_syn) AS syn;

-- 4. what a target must be: a table, not the source, not read by the
-- source (a view over the source would append to it)
CREATE VIEW vsrc_view AS SELECT * FROM vsrc;
CREATE MATERIALIZED VIEW vsrc_matview AS SELECT * FROM vsrc WITH NO DATA;
CREATE SEQUENCE vsrc_seq;
CREATE TYPE vsrc_type AS (a int);
CREATE TABLE vsrc_child () INHERITS (vsrc);
SELECT t AS target, code, message
FROM unnest(ARRAY['vsrc_view', 'vsrc_matview', 'vsrc_seq', 'vsrc_type', 'vsrc', 'vsrc_child',
                  'pg_catalog.pg_class', 'pg_catalog.newtable', 'information_schema.sql_features']) t,
     pg_temp.try(format('SELECT raresynth_synthesize(%L, 5, %L, seed => 1)', 'victim_model', t));
SELECT code, message FROM pg_temp.try($$SELECT raresynth_smote('vsrc', 'risk', 5, target => 'vsrc_view', seed => 1)$$);
SELECT count(*) AS vsrc_rows FROM vsrc;
DROP TABLE vsrc_child;
RESET ROLE;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 5, 'pg_catalog.pg_class', seed => 1)$$);
SELECT count(*) AS dotted_tables FROM pg_class WHERE relname LIKE '%.%';
-- a source that is a view reads its base tables, partitions and children
CREATE TABLE base_parted (LIKE heart) PARTITION BY LIST (sex);
CREATE TABLE base_parted_m PARTITION OF base_parted FOR VALUES IN ('Male');
CREATE TABLE base_parted_f PARTITION OF base_parted FOR VALUES IN ('Female');
INSERT INTO base_parted SELECT * FROM heart;
CREATE VIEW over_parted AS SELECT * FROM (SELECT * FROM base_parted) s WHERE true;
SELECT t AS target, code, message, detail
FROM unnest(ARRAY['base_parted', 'base_parted_f']) t,
     pg_temp.try(format('SELECT raresynth_smote(%L, %L, 5, target => %L, seed => 1)', 'over_parted', 'risk', t));
-- and a partition's parent routes rows into the partition
SELECT code, message, detail
FROM pg_temp.try($$SELECT raresynth_smote('base_parted_m', 'risk', 5, target => 'base_parted', seed => 1)$$);
SELECT count(*) FROM base_parted;
DROP VIEW over_parted;
DROP TABLE base_parted;

-- 5. qualified target names: created in the named schema (with CREATE
-- there, PostgreSQL's own check), never a table literally named
-- "schema.name"
CREATE SCHEMA rs_open;
GRANT CREATE, USAGE ON SCHEMA rs_open TO rs_victim;
CREATE SCHEMA rs_closed;
GRANT USAGE ON SCHEMA rs_closed TO rs_victim;
SET ROLE rs_victim;
SELECT raresynth_synthesize('victim_model', 5, 'rs_open.syn', seed => 1);
SELECT raresynth_smote('vsrc', 'risk', 5, target => 'rs_open."Smote Rows"', seed => 1);
SELECT raresynth_smote('vsrc', 'risk', 5, target => 'pg_temp.smote_temp', seed => 1);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('victim_model', 5, 'pg_temp.syn_temp', seed => 1)$$);
SELECT c.oid::regclass AS target, c.relpersistence
FROM pg_class c WHERE relname IN ('syn', 'Smote Rows', 'smote_temp', 'syn_temp') ORDER BY relname;
SELECT count(*) FROM rs_open.syn;
SELECT t AS target, code, message
FROM unnest(ARRAY['rs_closed.syn', 'nosuch.syn', 'a.b.c.d', 'otherdb.public.syn',
                  '"unterminated', '', 'rs_open.', 'heart_locked'' OR 1=1']) t,
     pg_temp.try(format('SELECT raresynth_synthesize(%L, 5, %L, seed => 1)', 'victim_model', t));
SELECT count(*) AS dotted_tables FROM pg_class WHERE relname LIKE '%.%' OR relname LIKE '%''%';
DROP TABLE rs_open.syn, rs_open."Smote Rows", pg_temp.smote_temp, victim_indexed, expected_rows CASCADE;
DROP VIEW vsrc_view;
DROP MATERIALIZED VIEW vsrc_matview;
DROP SEQUENCE vsrc_seq;
DROP TYPE vsrc_type;
RESET ROLE;

-- 6. long source names: a default name that would be truncated is refused
-- (two such sources would share one target and one view); an explicit
-- target works while the view's name fits
CREATE TABLE source_with_a_rather_long_name_for_testing_targets_0000000_a AS SELECT * FROM heart;
CREATE TABLE source_with_a_rather_long_name_for_testing_targets_0000000_b AS SELECT * FROM heart;
CREATE TABLE source_with_a_long_name_for_testing_target_names_abcde AS SELECT * FROM heart;
SELECT code, message, detail, hint
FROM pg_temp.try($$SELECT raresynth_smote('source_with_a_rather_long_name_for_testing_targets_0000000_a', 'risk', 5, seed => 1)$$);
SELECT code, message
FROM pg_temp.try($$SELECT raresynth_smote('source_with_a_rather_long_name_for_testing_targets_0000000_b', 'risk', 5, seed => 1)$$);
SELECT raresynth_smote('source_with_a_rather_long_name_for_testing_targets_0000000_a', 'risk', 5,
                       target => 'long_a_smote', seed => 1);
SELECT model FROM raresynth_train('source_with_a_long_name_for_testing_target_names_abcde', 'risk',
                                  model => 'long_model', epochs => 1, seed => 1, options => :'small');
SELECT code, message, hint FROM pg_temp.try($$SELECT raresynth_synthesize('long_model', 5, seed => 1)$$);
SELECT raresynth_synthesize('long_model', 5, 'long_syn', seed => 1);
SELECT count(*) FROM long_syn_improved;
SELECT model FROM raresynth_train('source_with_a_rather_long_name_for_testing_targets_0000000_b', 'risk', model => 'long_b_model',
                                  epochs => 1, seed => 1, options => :'small');
SELECT code, message, hint FROM pg_temp.try($$SELECT raresynth_synthesize('long_b_model', 5, 'long_b_syn_with_a_name_that_fits_a_table_but_not_its_view_', seed => 1)$$);
SELECT raresynth_synthesize('long_b_model', 5, 'long_b_syn_with_a_name_that_fits_a_table_but_not_its_view_', seed => 1, improved => false);
SELECT count(*) FROM long_b_syn_with_a_name_that_fits_a_table_but_not_its_view_;
SELECT relname FROM pg_class WHERE relname LIKE 'source_with_a_%' ORDER BY relname;

-- 7. a read-only transaction: refused before any generation, whatever the
-- target
BEGIN READ ONLY;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1000000000, 'long_syn', seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_smote('heart', 'risk', 5, target => 'long_a_smote', seed => 1)$$);
ROLLBACK;

-- clean up
DROP TABLE source_with_a_rather_long_name_for_testing_targets_0000000_a,
    source_with_a_rather_long_name_for_testing_targets_0000000_b,
    source_with_a_long_name_for_testing_target_names_abcde, long_a_smote, long_syn, long_b_syn_with_a_name_that_fits_a_table_but_not_its_view_ CASCADE;
DROP SCHEMA rs_open, rs_closed CASCADE;
DELETE FROM raresynth.models;
DROP OWNED BY rs_victim, rs_mallory;
REVOKE CREATE ON SCHEMA public FROM rs_victim, rs_mallory;
DROP ROLE rs_victim, rs_mallory;
