-- raresynth.losses: one row per model and epoch, under the caller's
-- row-level security on raresynth.models (the view is security_invoker)
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET raresynth.progress = off;
\i test/data/try.sql
DROP TABLE IF EXISTS tiny;  -- catalog.sql, earlier in the run, leaves its own
\i test/data/tiny.sql
CREATE ROLE rs_loss_alice;
CREATE ROLE rs_loss_mallory;
RESET client_min_messages;

\d+ raresynth.losses
SELECT obj_description('raresynth.losses'::regclass, 'pg_class') IS NOT NULL AS commented;
SELECT reloptions FROM pg_class WHERE oid = 'raresynth.losses'::regclass;

-- the superuser's model, 3 epochs
SELECT model, epochs FROM raresynth_train('tiny', 'y', model => 'loss_su', epochs => 3, seed => 1, options => :'small');
-- the shape of models.losses: two arrays of one number per epoch
SELECT jsonb_typeof(losses) AS shape,
       ARRAY(SELECT jsonb_object_keys(losses) ORDER BY 1) AS keys,
       jsonb_array_length(losses -> 'generator') AS generator_epochs,
       jsonb_array_length(losses -> 'critic') AS critic_epochs
FROM raresynth.models WHERE name = 'loss_su';
-- the view agrees with the arrays, epoch 1 first
SELECT l.model, l.epoch,
       l.generator = (m.losses -> 'generator' ->> (l.epoch - 1))::float8 AS generator_ok,
       l.critic = (m.losses -> 'critic' ->> (l.epoch - 1))::float8 AS critic_ok,
       pg_typeof(l.epoch) AS epoch_type, pg_typeof(l.generator) AS loss_type
FROM raresynth.losses l JOIN raresynth.models m ON m.name = l.model AND m.version = l.version
WHERE l.model = 'loss_su' ORDER BY l.epoch;

-- alice trains two models: she sees their losses and nothing else
SET ROLE rs_loss_alice;
SELECT model, epochs FROM raresynth_train('tiny', 'y', model => 'loss_alice_1', epochs => 2, seed => 1, options => :'small');
SELECT model, epochs FROM raresynth_train('tiny', 'y', model => 'loss_alice_2', epochs => 1, seed => 2, options => :'small');
SELECT model, count(*) AS epochs, min(epoch), max(epoch) FROM raresynth.losses GROUP BY model ORDER BY model;
-- not even by naming the superuser's model
SELECT count(*) FROM raresynth.losses WHERE model = 'loss_su';
RESET ROLE;

-- mallory sees none of alice's (nor the superuser's) losses, however she asks
SET ROLE rs_loss_mallory;
SELECT count(*) FROM raresynth.losses;
SELECT count(*) FROM raresynth.losses WHERE model = 'loss_alice_1';
SELECT count(*) FROM raresynth.losses WHERE model::text LIKE '%' OR true;
-- nor can she write or redefine it
SELECT code, message FROM pg_temp.try($$DELETE FROM raresynth.losses$$);
SELECT code, message FROM pg_temp.try($$UPDATE raresynth.losses SET generator = 0$$);
SELECT code, message FROM pg_temp.try($$INSERT INTO raresynth.losses VALUES ('x', 1, 0, 0)$$);
SELECT code, message FROM pg_temp.try($$CREATE OR REPLACE VIEW raresynth.losses AS SELECT 'x'::name AS model, 1 AS epoch, 0::float8 AS generator, 0::float8 AS critic$$);
SELECT code, message FROM pg_temp.try($$ALTER VIEW raresynth.losses SET (security_invoker = false)$$);
SELECT code, message FROM pg_temp.try($$DROP VIEW raresynth.losses$$);
RESET ROLE;

-- the superuser (who bypasses row-level security, as on raresynth.models) sees all
SELECT model, count(*) AS epochs FROM raresynth.losses
WHERE model IN ('loss_su', 'loss_alice_1', 'loss_alice_2') GROUP BY model ORDER BY model;
-- a dropped model's losses go with it
SET ROLE rs_loss_alice;
SELECT raresynth_drop_model('loss_alice_2');
SELECT model, count(*) FROM raresynth.losses GROUP BY model ORDER BY model;
RESET ROLE;

SELECT raresynth_drop_model('loss_alice_1');
SELECT raresynth_drop_model('loss_su');
DROP TABLE tiny;
DROP ROLE rs_loss_alice;
DROP ROLE rs_loss_mallory;
