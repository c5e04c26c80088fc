-- hardening the model catalog: owned by role OID, no direct writes, writers
-- of a name serialized, clear errors for empty names, NULLs and another
-- role's model
\set VERBOSITY default
\set SHOW_CONTEXT never
\i test/data/try.sql
SET raresynth.progress = off;
SET client_min_messages = warning;
\i test/data/tiny.sql
-- an owner is a role OID
SELECT atttypid::regtype FROM pg_attribute
WHERE attrelid = 'raresynth.models'::regclass AND attname = 'owner';

-------------------------------------------------------------------------------
-- DROP ROLE: a new role of the same name does not get the old role's models
-------------------------------------------------------------------------------
CREATE ROLE rs_dave;
SET ROLE rs_dave;
SELECT model FROM raresynth_train('tiny', 'y', model => 'dave_model', epochs => 1, seed => 1, options => :'small');
SELECT name, owner FROM raresynth.models;
RESET ROLE;
DROP ROLE rs_dave;
CREATE ROLE rs_dave;
SET ROLE rs_dave;
-- sees nothing, uses nothing, cannot take the name or drop the model
SELECT count(*) FROM raresynth.models;
SELECT code, message, detail ~ '^The model is owned by a role that was dropped \(OID \d+\); only a superuser can see or drop it\.$' AS dropped_owner
FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('dave_model', 5, NULL::tiny)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('dave_model', 5)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_model_info('dave_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'dave_model', epochs => 1, seed => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_drop_model('dave_model')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_drop_model('dave_model', missing_ok => true)$$);
RESET ROLE;
-- a superuser sees the model, its owner as the dropped role's OID, and drops it
SELECT name, owner::text ~ '^\d+$' AS owner_is_oid,
       raresynth_model_info(name) ->> 'owner' = owner::text AS info_shows_it
FROM raresynth.models;
SELECT count(*) FROM raresynth_sample('dave_model', 5, NULL::tiny);
SELECT raresynth_drop_model('dave_model');
DROP ROLE rs_dave;

-------------------------------------------------------------------------------
-- ALTER ROLE RENAME: the models follow the role
-------------------------------------------------------------------------------
CREATE ROLE rs_erin;
SET ROLE rs_erin;
SELECT model FROM raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1, seed => 1, options => :'small');
RESET ROLE;
ALTER ROLE rs_erin RENAME TO rs_erin2;
CREATE ROLE rs_erin;
SET ROLE rs_erin2;
SELECT name, owner FROM raresynth.models;
SELECT raresynth_model_info('erin_model') ->> 'owner' AS owner;
SELECT count(*) FROM raresynth_sample('erin_model', 5, NULL::tiny);
-- retraining its own model under the new name works (a second version)
SELECT model FROM raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1, seed => 2, options => :'small');
SELECT name, version, deployed, owner, seed FROM raresynth.models ORDER BY version;
RESET ROLE;
SET ROLE rs_erin;
SELECT count(*) FROM raresynth.models;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_model_info('erin_model')$$);
RESET ROLE;
-- role names are compared as OIDs, never parsed: mixed case, dots, digits
CREATE ROLE "Rs.Mixed Case";
CREATE ROLE "12345";
SET ROLE "Rs.Mixed Case";
SELECT model FROM raresynth_train('tiny', 'y', model => 'mixed_model', epochs => 1, seed => 1, options => :'small');
SELECT name, owner FROM raresynth.models;
SELECT raresynth_drop_model('mixed_model');
RESET ROLE;
SET ROLE "12345";
SELECT count(*) FROM raresynth.models;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_model_info('erin_model')$$);
RESET ROLE;

-------------------------------------------------------------------------------
-- No direct writes: a role cannot make the catalog hold bytes train did not
-- produce, nor change an owner, nor take or drop another role's model
-------------------------------------------------------------------------------
SELECT p.priv, has_table_privilege('rs_erin2', 'raresynth.models', p.priv) AS granted
FROM unnest('{SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER}'::text[]) AS p(priv);
SELECT has_any_column_privilege('rs_erin2', 'raresynth.models', 'INSERT, UPDATE') AS column_writes;
SET ROLE rs_erin2;
SELECT * FROM pg_temp.try($$UPDATE raresynth.models SET state = '\x00' WHERE name = 'erin_model'$$);
SELECT * FROM pg_temp.try($$UPDATE raresynth.models SET owner = 'rs_erin' WHERE name = 'erin_model'$$);
SELECT * FROM pg_temp.try($$INSERT INTO raresynth.models (name, source, label, minority, rows, epochs, seed, state)
VALUES ('forged', 'public.tiny', 'y', '1', 1, 1, 1, '\x00')$$);
SELECT * FROM pg_temp.try($$DELETE FROM raresynth.models$$);
SELECT * FROM pg_temp.try($$TRUNCATE raresynth.models$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth.models FOR UPDATE$$);
RESET ROLE;
-- even a write privilege granted by mistake meets row-level security:
-- there is no policy for INSERT, UPDATE or DELETE
GRANT INSERT, UPDATE, DELETE ON raresynth.models TO rs_erin2;
SET ROLE rs_erin2;
SELECT * FROM pg_temp.try($$INSERT INTO raresynth.models (name, source, label, minority, rows, epochs, seed, state)
VALUES ('forged', 'public.tiny', 'y', '1', 1, 1, 1, '\x00')$$);
UPDATE raresynth.models SET state = '\x00';
DELETE FROM raresynth.models;
RESET ROLE;
REVOKE INSERT, UPDATE, DELETE ON raresynth.models FROM rs_erin2;
SELECT name, owner, octet_length(state) > 1000 AS trained_state FROM raresynth.models;
-- another role cannot take, replace or drop the model (missing_ok or not)
SET ROLE rs_erin;
SELECT * FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('erin_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('erin_model', missing_ok => true)$$);
RESET ROLE;
-- a superuser cannot take it by training either (it may drop it first)
SELECT * FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1)$$);
SELECT name, owner FROM raresynth.models;
-- who owns a name: a SECURITY DEFINER function with a fixed search_path
SELECT p.prosecdef, p.proconfig, p.prorettype::regtype
FROM pg_proc p WHERE p.oid = 'raresynth.model_owner(name)'::regprocedure;
SET ROLE rs_erin;
SELECT raresynth.model_owner('erin_model'), raresynth.model_owner('nope');
RESET ROLE;
-- dumps leave out models whose owner was dropped (their bare OID would name
-- an unrelated role in the restored cluster)
SELECT extcondition FROM pg_extension WHERE extname = 'raresynth';

-------------------------------------------------------------------------------
-- Catalog writes run as the table's owner, and the caller's identity comes
-- back after an error inside one (a superuser's trigger shows who writes)
-------------------------------------------------------------------------------
CREATE FUNCTION public.models_writer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    restricted boolean := false;
BEGIN
    BEGIN
        CREATE TEMP TABLE rs_probe (a int);
    EXCEPTION WHEN insufficient_privilege THEN
        restricted := true;
    END;
    RAISE EXCEPTION '% written as the catalog owner: %, in a restricted context: %', TG_OP,
        current_user = (SELECT relowner::regrole::name FROM pg_class
                        WHERE oid = 'raresynth.models'::regclass), restricted;
END $$;
CREATE TRIGGER models_writer BEFORE INSERT OR DELETE ON raresynth.models
    FOR EACH ROW EXECUTE FUNCTION public.models_writer();
SET ROLE rs_erin2;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_drop_model('erin_model')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1, seed => 1, options => '{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8]}')$$);
SELECT current_user;
-- and after an error that aborts the transaction
BEGIN;
SELECT raresynth_drop_model('erin_model');
ROLLBACK;
SELECT current_user;
-- not left in a restricted security context either: SET ROLE still works
SET ROLE rs_erin2;
SELECT current_user;
RESET ROLE;
DROP TRIGGER models_writer ON raresynth.models;
DROP FUNCTION public.models_writer();
-- a read-only transaction fails before any work (train: before training)
SET ROLE rs_erin2;
BEGIN READ ONLY;
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('erin_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => 'erin_model', epochs => 1)$$);
COMMIT;
RESET ROLE;

-------------------------------------------------------------------------------
-- Writers of a model name take a lock on it (test/scripts/concurrency_models.sh
-- runs four sessions at once); it is not a lock users' advisory keys can take
-------------------------------------------------------------------------------
BEGIN;
SELECT raresynth_drop_model('some_name', missing_ok => true);
SELECT locktype, mode, objsubid FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'advisory';
COMMIT;

-------------------------------------------------------------------------------
-- Empty model names (42602) and NULL arguments (22004), one check for all
-------------------------------------------------------------------------------
SELECT * FROM pg_temp.try($$SELECT raresynth_train('tiny', 'y', model => '', epochs => 1)$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('', 5, NULL::tiny)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info('')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('', missing_ok => true)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info(NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model(NULL)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model(NULL, missing_ok => true)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('erin_model', NULL)$$);
SELECT raresynth.model_owner(NULL), raresynth.model_owner('');
-- nothing was written or dropped by the failures
SELECT name, owner FROM raresynth.models;

SET ROLE rs_erin2;
SELECT raresynth_drop_model('erin_model');
RESET ROLE;
DROP TABLE tiny;
DROP ROLE rs_erin;
DROP ROLE rs_erin2;
DROP ROLE "Rs.Mixed Case";
DROP ROLE "12345";
