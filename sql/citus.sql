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
