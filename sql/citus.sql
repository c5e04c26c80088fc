-- citus.sql: without Citus (test/scripts/citus.sh runs the checks on a
-- Citus cluster, docs/citus.md).  raresynth_citus_setup() refuses with
-- 55000; a table or schema that only looks like Citus's catalog changes
-- nothing: the companion tables are plain tables, the rows go straight
-- into their heap, the improved view is an ordinary view.
\i test/data/try.sql
\i test/data/tiny.sql
SET raresynth.progress = off;
SELECT * FROM pg_temp.try('SELECT raresynth_citus_setup()');

-- a look-alike of Citus's catalog in a schema on the search path
CREATE SCHEMA citus_fake;
CREATE TABLE citus_fake.pg_dist_partition (logicalrelid regclass, partmethod "char", repmodel "char", partkey text);
INSERT INTO citus_fake.pg_dist_partition VALUES ('tiny', 'h', 's', '{VAR :varno 1 :varattno 1}');
SET search_path = citus_fake, public;
SELECT model, rows FROM raresynth_train('tiny', 'y', model => 'citus_m', epochs => 1, seed => 1, options => :'small');
CREATE TABLE public.tiny_synthetic (LIKE tiny);
SET client_min_messages = debug1;
SELECT raresynth_synthesize('citus_m', 12, seed => 2);
RESET client_min_messages;
SELECT count(*) FROM tiny_synthetic;
SELECT relkind FROM pg_class WHERE oid = 'tiny_improved'::regclass;
SELECT count(*) FROM tiny_improved;
RESET search_path;
DROP VIEW tiny_improved;
DROP TABLE tiny_synthetic, tiny;
DROP SCHEMA citus_fake CASCADE;
SELECT raresynth_drop_model('citus_m');

-- keys: values for excluded columns (an identifier here), from
-- gen_random_uuid() or a sequence; only through INSERT, never half-written
CREATE TABLE tid AS SELECT 'r' || i AS id, i::float8 AS x, (i % 3)::text AS c, (i % 4 = 0)::int AS y
  FROM generate_series(1, 80) AS i;
SELECT column_name, kind FROM raresynth_profile('tid', 'y') ORDER BY column_name;
SELECT model FROM raresynth_train('tid', 'y', model => 'tid_m', epochs => 1, seed => 1, options => :'small');
CREATE SEQUENCE tid_seq START 1000;
SELECT raresynth_synthesize('tid_m', 5, seed => 2, keys => '{"id": "uuid"}');
SELECT count(*), count(DISTINCT id), bool_and(id ~ '^[0-9a-f-]{36}$') FROM tid_synthetic;
SELECT raresynth_smote('tid', 'y', n => 4, seed => 3, keys => '{"id": "public.tid_seq"}');
SELECT string_agg(id, ',' ORDER BY id) FROM tid_smote;
SELECT raresynth_smote('tid', 'y', n => 2, seed => 3, target => 'tid_smote2');
SELECT count(*) FILTER (WHERE id IS NULL) FROM tid_smote2;
-- bad keys: nothing written, no table left behind
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '["id"]')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"nope": "uuid"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"x": "uuid"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"y": "uuid"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"id": 7}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"id": "no_such_seq"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k1', keys => '{"id": "tid"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('tid', 'y', n => 2, target => 'k1', keys => '{"id": "uuid", "c": "uuid"}')$$);
CREATE TABLE k2 (id int, x float8, c text, y int);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_m', 5, target => 'k2', keys => '{"id": "uuid"}')$$);
SELECT count(*) FROM k2;
SELECT to_regclass('k1') IS NULL AS k1_absent;
-- another role: nextval's own check on the sequence
CREATE ROLE rs_keys_user;
GRANT SELECT ON tid TO rs_keys_user;
GRANT CREATE ON SCHEMA public TO rs_keys_user;
SET ROLE rs_keys_user;
SELECT model FROM raresynth_train('tid', 'y', model => 'tid_k', epochs => 1, seed => 1, options => :'small');
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('tid_k', 3, target => 'k3', keys => '{"id": "tid_seq"}')$$);
SELECT raresynth_drop_model('tid_k');
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM rs_keys_user;
REVOKE SELECT ON tid FROM rs_keys_user;
DROP ROLE rs_keys_user;
DROP VIEW tid_improved;
DROP TABLE tid, tid_synthetic, tid_smote, tid_smote2, k2;
DROP SEQUENCE tid_seq;
SELECT raresynth_drop_model('tid_m');
