-- raresynth_synthesize's improved view: one per target, never redefined,
-- improved => false skips it, marker adds a boolean column of synthetic rows
\i test/data/setup.sql
SET raresynth.progress = off;
SET client_min_messages = warning;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');

-- the default call keeps its names: heart_synthetic and heart_improved,
-- security_invoker
SELECT raresynth_synthesize('heart_risk', 10, seed => 1);
SELECT count(*) FROM heart_improved;
SELECT reloptions FROM pg_class WHERE oid = 'heart_improved'::regclass;
-- another target gets its own view and leaves heart_improved alone
SELECT raresynth_synthesize('heart_risk', 7, 'heart_syn_py', seed => 2);
SELECT (SELECT count(*) FROM heart_improved) - (SELECT count(*) FROM heart) AS in_heart_improved,
       (SELECT count(*) FROM heart_syn_py_improved) - (SELECT count(*) FROM heart) AS in_syn_py_improved;
-- a second call into the same target keeps the view (the same one)
SELECT oid AS v1 FROM pg_class WHERE relname = 'heart_syn_py_improved' \gset
SELECT raresynth_synthesize('heart_risk', 3, 'heart_syn_py', seed => 3);
SELECT oid = :v1 AS same_view, (SELECT count(*) FROM heart_syn_py_improved) - (SELECT count(*) FROM heart) AS synthetic
FROM pg_class WHERE relname = 'heart_syn_py_improved';
-- naming the default target explicitly is the default call
SELECT raresynth_synthesize('heart_risk', 1, 'public.heart_synthetic', seed => 4);
SELECT to_regclass('heart_synthetic_improved') AS none, (SELECT count(*) FROM heart_improved) - (SELECT count(*) FROM heart) AS synthetic;

-- improved => false: no view
SELECT raresynth_synthesize('heart_risk', 5, 'heart_noview', seed => 5, improved => false);
SELECT to_regclass('heart_noview_improved') AS none, (SELECT count(*) FROM heart_noview) AS rows;

-- the marker column: false for the source's rows, true for the target's
SELECT raresynth_synthesize('heart_risk', 6, 'heart_marked', seed => 6, marker => 'is_synthetic');
SELECT is_synthetic, count(*) FROM heart_marked_improved GROUP BY is_synthetic ORDER BY is_synthetic;
SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'heart_marked_improved'::regclass AND attname = 'is_synthetic';
SELECT raresynth_synthesize('heart_risk', 1, 'heart_marked', seed => 7, marker => 'is_synthetic');
SELECT count(*) FILTER (WHERE is_synthetic) AS synthetic FROM heart_marked_improved;
-- a name that needs quoting is quoted
SELECT raresynth_synthesize('heart_risk', 2, '"heart ""odd"""', seed => 8, marker => 'Synthetic?"; DROP TABLE heart; --');
SELECT "Synthetic?""; DROP TABLE heart; --", count(*) FROM "heart ""odd""_improved" GROUP BY 1 ORDER BY 1;

-- an existing view that is not exactly the improved view of source and
-- target is never redefined (42P07), before any row is written
SELECT code, message, detail, hint FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_marked', seed => 9)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_marked', seed => 9, marker => 'other')$$);
SELECT count(*) FROM heart_marked;
CREATE TABLE heart_mine AS SELECT * FROM heart WITH NO DATA;
CREATE VIEW heart_mine_improved AS SELECT * FROM heart UNION ALL SELECT * FROM heart_synthetic;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_mine', seed => 9)$$);
CREATE OR REPLACE VIEW heart_mine_improved AS SELECT * FROM heart UNION ALL SELECT * FROM heart_mine;
SELECT code, message, detail FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_mine', seed => 9)$$);
CREATE OR REPLACE VIEW heart_mine_improved WITH (security_invoker = true) AS SELECT * FROM heart WHERE risk = 1 UNION ALL SELECT * FROM heart_mine;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_mine', seed => 9)$$);
SELECT count(*) FROM heart_mine;
-- with improved => false the rows go in and the view stays as it is
SELECT raresynth_synthesize('heart_risk', 4, 'heart_mine', seed => 9, improved => false);
SELECT pg_get_viewdef('heart_mine_improved') LIKE '%risk = 1%' AS untouched;
DROP VIEW heart_mine_improved;
-- a table of that name is not a view (42809)
CREATE TABLE heart_mine_improved (x int);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 4, 'heart_mine', seed => 9)$$);
DROP TABLE heart_mine_improved;

-- bad arguments
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, improved => NULL)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, improved => false, marker => 'm')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, marker => '')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, marker => repeat('m', 64))$$);
SELECT code, message, hint FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, marker => 'risk')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 1, 'heart_x', marker => 'patient_id')$$);
SELECT to_regclass('heart_x') AS none;

-- another role: its own target gets its own view (no "must be owner of
-- view heart_improved"); another role's view of that name is never
-- replaced (42501); the view is security_invoker, so granting it shows
-- nothing of the source to a role that cannot read the source
CREATE ROLE rs_imp_other;
CREATE ROLE rs_imp_reader;
GRANT SELECT ON heart TO rs_imp_other;
GRANT CREATE ON SCHEMA public TO rs_imp_other;
SET ROLE rs_imp_other;
SELECT model FROM raresynth_train('heart', 'risk', model => 'other_model', epochs => 1, seed => 1, options => :'small');
SELECT raresynth_synthesize('other_model', 3, 'other_syn', seed => 1);
SELECT (SELECT count(*) FROM other_syn_improved) - (SELECT count(*) FROM heart) AS synthetic;
GRANT SELECT ON other_syn_improved, other_syn TO rs_imp_reader;
SET ROLE rs_imp_reader;
SELECT code, message FROM pg_temp.try($$SELECT count(*) FROM other_syn_improved$$);
SET ROLE rs_imp_other;
CREATE TABLE other2 AS SELECT * FROM heart WITH NO DATA;
RESET ROLE;
CREATE VIEW other2_improved AS SELECT * FROM heart UNION ALL SELECT * FROM heart_synthetic;
SET ROLE rs_imp_other;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('other_model', 3, 'other2', seed => 1)$$);
SELECT count(*) FROM other2;
RESET ROLE;
SELECT pg_get_viewdef('other2_improved') LIKE '%heart_synthetic%' AS untouched;
DROP VIEW other2_improved;
SELECT raresynth_drop_model('other_model');
DROP OWNED BY rs_imp_other, rs_imp_reader;
DROP ROLE rs_imp_other, rs_imp_reader;
DROP VIEW heart_improved, heart_syn_py_improved, heart_marked_improved, "heart ""odd""_improved";
DROP TABLE heart_synthetic, heart_syn_py, heart_noview, heart_marked, "heart ""odd""", heart_mine;
SELECT raresynth_drop_model('heart_risk');
