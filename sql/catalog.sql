-- the model catalog: raresynth.models, row-level security, info and drop
\set VERBOSITY default
\set SHOW_CONTEXT never
\i test/data/try.sql

\d raresynth.models
-- dumped by pg_dump
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'raresynth';
-- every object of the extension has a comment
SELECT pg_describe_object(classid, objid, objsubid) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'raresynth')
  AND deptype = 'e'
  AND obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)) IS NULL
ORDER BY 1;

CREATE ROLE rs_alice;
CREATE ROLE rs_bob;

-- models are written by raresynth_train(); here a superuser writes one for alice
INSERT INTO raresynth.models (name, owner, source, source_owner, label, minority, rows, epochs, seed, state)
VALUES ('alice_model', 'rs_alice', 'public.heart',
        (SELECT oid FROM pg_roles WHERE rolname = current_user)::regrole,
        'risk', '1', 3139, 300, 42, '\x00');

SET ROLE rs_alice;
SELECT name, owner, source, minority FROM raresynth.models;
SELECT raresynth_model_info('alice_model') - 'created' - 'source_owner';
-- a role reads its rows but writes none directly, not even its own
SELECT * FROM pg_temp.try($$INSERT INTO raresynth.models (name, source, label, minority, rows, epochs, seed, state)
VALUES ('forged', 'public.heart', 'risk', '1', 1, 1, 1, '\x00')$$);
SELECT * FROM pg_temp.try($$UPDATE raresynth.models SET state = '\x01' WHERE name = 'alice_model'$$);
SELECT * FROM pg_temp.try($$DELETE FROM raresynth.models WHERE name = 'alice_model'$$);
RESET ROLE;

SET ROLE rs_bob;
-- bob sees none of alice's models
SELECT count(*) FROM raresynth.models;
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info('alice_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('alice_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_model_info('no_such_model')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_drop_model('no_such_model')$$);
SELECT raresynth_drop_model('no_such_model', missing_ok => true);
-- who owns a name is no secret
SELECT raresynth.model_owner('alice_model'), raresynth.model_owner('no_such_model');
RESET ROLE;

-- superusers see all
SELECT name, owner FROM raresynth.models ORDER BY name;

SET ROLE rs_alice;
SELECT raresynth_drop_model('alice_model');
SELECT count(*) FROM raresynth.models;
RESET ROLE;

DROP ROLE rs_alice;
DROP ROLE rs_bob;
