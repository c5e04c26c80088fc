-- model versions: every training adds a version and deploys it, older
-- versions stay usable by number, raresynth_deploy() moves the deployed
-- one, raresynth_drop_version() drops one; raresynth.synthesized records
-- which version and seed wrote which rows; another role can neither see
-- nor change any of it
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET raresynth.progress = off;
\i test/data/try.sql
DROP TABLE IF EXISTS tiny;
\i test/data/tiny.sql
CREATE ROLE rs_ver_alice;
CREATE ROLE rs_ver_mallory;
CREATE SCHEMA ver AUTHORIZATION rs_ver_alice;
GRANT USAGE ON SCHEMA ver TO rs_ver_mallory;
RESET client_min_messages;

\d raresynth.synthesized

SET ROLE rs_ver_alice;
-------------------------------------------------------------------------------
-- Retraining keeps version 1 and deploys version 2, with a NOTICE
-------------------------------------------------------------------------------
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1, seed => 1, options => :'small');
CREATE TABLE ver.before_retrain AS SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7);
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 2, seed => 2, options => :'small');
SELECT name, version, deployed, seed, epochs FROM raresynth.models ORDER BY version;
-- each version keeps its losses
SELECT model, version, count(*) AS epochs FROM raresynth.losses GROUP BY 1, 2 ORDER BY 2;

-------------------------------------------------------------------------------
-- Sampling by version: version 1 gives the rows it gave before the
-- retraining (same seed); the default is the deployed version 2
-------------------------------------------------------------------------------
SELECT (SELECT count(*) FROM (SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7, version => 1)
                              EXCEPT ALL SELECT * FROM ver.before_retrain) d) AS v1_differing,
       (SELECT count(*) FROM (SELECT * FROM ver.before_retrain
                              EXCEPT ALL SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7, version => 1)) d) AS v1_missing,
       (SELECT count(*) FROM (SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7)
                              EXCEPT ALL SELECT * FROM ver.before_retrain) d) > 0 AS deployed_differs,
       (SELECT count(*) FROM (SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7)
                              EXCEPT ALL SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7, version => 2)) d) AS deployed_is_v2;
-- the info of a version
SELECT i ->> 'version' AS version, i ->> 'deployed' AS deployed, i -> 'versions' AS versions, i ->> 'seed' AS seed
FROM (VALUES (raresynth_model_info('ver_m')), (raresynth_model_info('ver_m', 1)), (raresynth_model_info('ver_m', version => 2))) v(i);

-------------------------------------------------------------------------------
-- Provenance: raresynth_synthesize records model, version, rows and seed
-- (the drawn one when seed is NULL), in its transaction; the target keeps
-- the source's shape
-------------------------------------------------------------------------------
SELECT raresynth_synthesize('ver_m', 10, target => 'ver.syn', seed => 3, improved => false, version => 1);
SELECT raresynth_synthesize('ver_m', 5, target => 'ver.syn', improved => false);
SELECT raresynth_synthesize('ver_m', 0, target => 'ver.syn', seed => 4, improved => false);  -- no rows, no record
BEGIN;
SELECT raresynth_synthesize('ver_m', 5, target => 'ver.syn', seed => 4, improved => false);
ROLLBACK;
SELECT s.target, s.model, s.version, s.rows, s.owner, s.trained = m.created AS trained_is_the_version,
       s.written >= s.trained AS written_after_training
FROM raresynth.synthesized s JOIN raresynth.models m ON m.name = s.model AND m.version = s.version
ORDER BY s.version;
SELECT array_agg(attname ORDER BY attnum) AS syn_columns
FROM pg_attribute WHERE attrelid = 'ver.syn'::regclass AND attnum > 0 AND NOT attisdropped;
-- the rows are exactly what each recorded version and seed make
SELECT count(*) AS unexplained FROM (
    SELECT * FROM ver.syn
    EXCEPT ALL
    SELECT r.* FROM raresynth.synthesized s,
                LATERAL raresynth_sample(s.model, s.rows, NULL::tiny, seed => s.seed, version => s.version) r) d;
SELECT count(*) AS not_written FROM (
    SELECT r.* FROM raresynth.synthesized s,
                LATERAL raresynth_sample(s.model, s.rows, NULL::tiny, seed => s.seed, version => s.version) r
    EXCEPT ALL
    SELECT * FROM ver.syn) d;
-- the target is an OID: a rename follows
ALTER TABLE ver.syn RENAME TO syn2;
SELECT DISTINCT target FROM raresynth.synthesized;
ALTER TABLE ver.syn2 RENAME TO syn;

-------------------------------------------------------------------------------
-- Results stored with a version: raresynth_store_metrics merges a jsonb
-- object into models.metrics (deployed version unless one is named)
-------------------------------------------------------------------------------
SELECT raresynth_store_metrics('ver_m', jsonb_build_object('quality',
    (SELECT jsonb_build_object('rows', count(*), 'classes', count(DISTINCT y)) FROM ver.syn)));
SELECT raresynth_store_metrics('ver_m', '{"evaluation": {"runs": 3}}', version => 1);
SELECT raresynth_store_metrics('ver_m', '{"evaluation": {"runs": 5}, "note": "kept"}', 1);
SELECT version, metrics FROM raresynth.models ORDER BY version;
SELECT raresynth_model_info('ver_m', 1) -> 'metrics' AS info_metrics;
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '[1, 2]')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '3')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '{}', version => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '{}', version => 9)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('no_such_model', '{}')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', jsonb_build_object('big', repeat('x', 1100000)))$$);

-------------------------------------------------------------------------------
-- Deploy an older version; drop a version; the deployed one cannot be
-- dropped alone
-------------------------------------------------------------------------------
SELECT raresynth_deploy('ver_m', 1);
SELECT name, version, deployed FROM raresynth.models ORDER BY version;
SELECT count(*) AS differing_from_before_retrain FROM (
    SELECT * FROM raresynth_sample('ver_m', 20, NULL::tiny, seed => 7)
    EXCEPT ALL SELECT * FROM ver.before_retrain) d;
SELECT raresynth_deploy('ver_m', 1);  -- already: a NOTICE, nothing changes
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 1)$$);
SELECT raresynth_drop_version('ver_m', 2);
SELECT name, version, deployed FROM raresynth.models ORDER BY version;
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 2)$$);
SELECT raresynth_drop_version('ver_m', 2, missing_ok => true);
SELECT raresynth_drop_version('no_such_model', 1, missing_ok => true);
-- the provenance rows stay, so version 2 is not given again: the next
-- training is version 3
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1, seed => 3, options => :'small');
SELECT name, version, deployed FROM raresynth.models ORDER BY version;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => 2)$$);

-------------------------------------------------------------------------------
-- Bad inputs
-------------------------------------------------------------------------------
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => 0)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => -1)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => 99)$$);
SELECT count(*) AS null_is_deployed FROM raresynth_sample('ver_m', 3, NULL::tiny, version => NULL);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ver_m', 1, target => 'ver.syn', version => 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ver_m', 1, target => 'ver.syn', version => 99)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info('ver_m', -5)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info('ver_m', 2)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', -2147483648)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 2)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 2147483648)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', '1.5')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy(NULL, 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('', 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('no_such_model', 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 0)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 0, missing_ok => true)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 1, NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version(NULL, 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('', 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('no_such_model', 1)$$);
-- read-only transactions are refused first
BEGIN READ ONLY;
SELECT * FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '{}')$$);
COMMIT;
-- the setting's range
SELECT * FROM pg_temp.try($$SET raresynth.keep_versions = -1$$);
SELECT * FROM pg_temp.try($$SET raresynth.keep_versions = 1001$$);
RESET ROLE;

-------------------------------------------------------------------------------
-- Another role sees none of it and changes none of it, not even by guessing
-- a version (the error does not say which versions exist)
-------------------------------------------------------------------------------
SET ROLE rs_ver_mallory;
SELECT count(*) AS models FROM raresynth.models;
SELECT count(*) AS provenance FROM raresynth.synthesized;
SELECT count(*) AS provenance_any FROM raresynth.synthesized WHERE model = 'ver_m' OR true;
SELECT count(*) AS losses FROM raresynth.losses;
SELECT code, message, detail FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 3)$$);
SELECT code, message, detail FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 99)$$);
SELECT code, message, detail FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 1)$$);
SELECT code, message, detail FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 99, missing_ok => true)$$);
SELECT code, message FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('ver_m', 1, NULL::tiny, version => 99)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('ver_m', 1, target => 'pg_temp.t', improved => false, version => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_model_info('ver_m', 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_model_info('ver_m', 99)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '{"forged": true}')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_store_metrics('ver_m', '{"forged": true}', version => 99)$$);
-- no direct writes to either table
SELECT code, message FROM pg_temp.try($$UPDATE raresynth.models SET deployed = NOT deployed$$);
SELECT code, message FROM pg_temp.try($$INSERT INTO raresynth.synthesized (target, model, version, trained, rows, seed) VALUES ('tiny', 'ver_m', 1, now(), 1, 1)$$);
SELECT code, message FROM pg_temp.try($$UPDATE raresynth.synthesized SET version = 2$$);
SELECT code, message FROM pg_temp.try($$DELETE FROM raresynth.synthesized$$);
SELECT code, message FROM pg_temp.try($$TRUNCATE raresynth.synthesized$$);
RESET ROLE;
-- nothing changed
SELECT name, version, deployed, owner, metrics ? 'forged' AS forged FROM raresynth.models WHERE name = 'ver_m' ORDER BY version;
SELECT count(*) AS provenance FROM raresynth.synthesized WHERE model = 'ver_m';
-- a superuser may deploy (and drop) another role's versions, as it may drop
-- another role's model
SELECT raresynth_deploy('ver_m', 1);
SELECT raresynth_deploy('ver_m', 3);

-------------------------------------------------------------------------------
-- Deploy and drop write as the catalog's owner in a restricted context (a
-- superuser's trigger shows who writes); so does the provenance insert
-------------------------------------------------------------------------------
CREATE FUNCTION public.ver_writer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    restricted boolean := false;
BEGIN
    BEGIN
        CREATE TEMP TABLE rs_probe (a int);
    EXCEPTION WHEN insufficient_privilege THEN
        restricted := true;
    END;
    RAISE EXCEPTION '% of % as the catalog owner: %, in a restricted context: %', TG_OP, TG_TABLE_NAME,
        current_user = (SELECT relowner::regrole::name FROM pg_class
                        WHERE oid = 'raresynth.models'::regclass), restricted;
END $$;
CREATE TRIGGER ver_writer BEFORE UPDATE OR DELETE ON raresynth.models
    FOR EACH ROW EXECUTE FUNCTION public.ver_writer();
CREATE TRIGGER ver_writer BEFORE INSERT ON raresynth.synthesized
    FOR EACH ROW EXECUTE FUNCTION public.ver_writer();
SET ROLE rs_ver_alice;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_deploy('ver_m', 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_drop_version('ver_m', 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('ver_m', 1, target => 'ver.syn', improved => false)$$);
SELECT current_user;
RESET ROLE;
DROP TRIGGER ver_writer ON raresynth.models;
DROP TRIGGER ver_writer ON raresynth.synthesized;
DROP FUNCTION public.ver_writer();

-------------------------------------------------------------------------------
-- raresynth.keep_versions: a training drops the oldest versions beyond it,
-- never the new one nor the one it replaced as deployed
-------------------------------------------------------------------------------
SET ROLE rs_ver_alice;
SET raresynth.keep_versions = 3;
SELECT raresynth_deploy('ver_m', 1);
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1, seed => 4, options => :'small');
SELECT string_agg(version || CASE WHEN deployed THEN '*' ELSE '' END, ' ' ORDER BY version) AS versions
FROM raresynth.models;
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1, seed => 5, options => :'small');
SELECT string_agg(version || CASE WHEN deployed THEN '*' ELSE '' END, ' ' ORDER BY version) AS versions
FROM raresynth.models;
SET raresynth.keep_versions = 0;
SELECT model FROM raresynth_train('tiny', 'y', model => 'ver_m', epochs => 1, seed => 6, options => :'small');
SELECT string_agg(version || CASE WHEN deployed THEN '*' ELSE '' END, ' ' ORDER BY version) AS versions
FROM raresynth.models;
RESET raresynth.keep_versions;

-- two trainings in one statement: versions one after the other
SET client_min_messages = warning;
SELECT count(*) FROM (SELECT raresynth_train('tiny', 'y', model => 'ver_two', epochs => 1, seed => g, options => :'small')
                      FROM generate_series(1, 2) g) t;
RESET client_min_messages;
SELECT name, version, deployed FROM raresynth.models WHERE name = 'ver_two' ORDER BY version;

-- dropping the model drops every version; its provenance stays
SELECT raresynth_drop_model('ver_m');
SELECT raresynth_drop_model('ver_two');
SELECT count(*) AS versions_left FROM raresynth.models;
SELECT count(*) AS provenance_left FROM raresynth.synthesized;
RESET ROLE;

DROP SCHEMA ver CASCADE;
DELETE FROM raresynth.synthesized;
DROP TABLE tiny;
DROP ROLE rs_ver_alice;
DROP ROLE rs_ver_mallory;
