-- Training and evaluation checks that come first: memory from the real
-- encoded widths (before any row is read), a read-only transaction, a label
-- with too many classes, domains the generator cannot satisfy, array and
-- NULL arguments.
\set VERBOSITY default
\set SHOW_CONTEXT never
\i test/data/try.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}'

-------------------------------------------------------------------------------
-- memory: a categorical column is one float per category, for the GAN and the
-- classifier; the estimate comes before reading and names the column
-------------------------------------------------------------------------------
CREATE TABLE wide (code text, x float8, y int);
INSERT INTO wide SELECT 'c' || g % 1000, g % 97, (g <= 1200)::int FROM generate_series(1, 2600) g;
SET maintenance_work_mem = '16MB';
\x on
-- (by default every code, held by one or two rows, is rare: nothing to learn)
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1)$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1, options => '{"rare_category_k": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_score('wide', 'wide', 'y')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('wide', 'y', methods => '{none}', runs => 1)$$);
-- an integer column is categorical below raresynth.categorical_max_distinct: the hint says so
CREATE TABLE wide_int AS SELECT (substr(code, 2))::int AS k, code, x, y FROM wide;
SET raresynth.categorical_max_distinct = 1000;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_train('wide_int', 'y', epochs => 1, exclude => '{code}', options => '{"rare_category_k": 1}')$$);
RESET raresynth.categorical_max_distinct;
-- large layers are counted too
CREATE TABLE narrow AS SELECT x, y FROM wide;
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_train('narrow', 'y', epochs => 1,
    options => '{"generator_dims": [4096, 4096, 4096], "discriminator_dims": [4096, 4096]}')$$);
\x off
-- what the hint says works: without the wide column the model fits
SELECT model, rows, columns FROM raresynth_train('wide', 'y', epochs => 1, seed => 1,
    exclude => '{code}', options => :'small');
-- the table's statistics only bound the categories of a class: the minority
-- here holds 2 of the 3000 values, which the exact count finds (the
-- values held by one row make code an identifier: include keeps it)
CREATE TABLE skewed AS
SELECT CASE WHEN g <= 1500 THEN 'ab'::text || g % 2 ELSE 'c' || g END AS code, g % 97 AS x,
       (g <= 1500)::int AS y
FROM generate_series(1, 4500) g;
SELECT column_name, kind, distinct_count FROM raresynth_profile('skewed', 'y', include => '{code}')
WHERE column_name = 'code';
SELECT model, rows, columns FROM raresynth_train('skewed', 'y', epochs => 1, seed => 1,
    include => '{code}', options => :'small');
RESET maintenance_work_mem;
SELECT name FROM raresynth.models ORDER BY name;

-------------------------------------------------------------------------------
-- a read-only transaction is refused before anything is read (the label
-- does not even exist here)
-------------------------------------------------------------------------------
BEGIN READ ONLY;
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'nope', epochs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('narrow', 'y', epochs => 1)$$);
ROLLBACK;
SET default_transaction_read_only = on;
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('narrow', 'y', epochs => 1)$$);
RESET default_transaction_read_only;

-------------------------------------------------------------------------------
-- a label with too many distinct values is refused (the rarest of 400
-- classes has one row)
-------------------------------------------------------------------------------
CREATE TABLE float_label AS SELECT g % 13 AS a, g % 7 AS b, (g % 400) / 10.0 + 0.05 AS y
FROM generate_series(1, 2000) g;
\x on
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_train('float_label', 'y', epochs => 1)$$);
\x off
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_profile('float_label', 'y')$$);
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('float_label', 'y', methods => '{none}', runs => 1)$$);
-- 100 classes are still a label
CREATE TABLE hundred AS SELECT g % 13 AS a, g % 100 AS y FROM generate_series(1, 1000) g;
SELECT count(*) FROM raresynth_profile('hundred', 'y');
SELECT name FROM raresynth.models ORDER BY name;

-------------------------------------------------------------------------------
-- domains: a continuous column whose domain has a CHECK is excluded (new
-- values cannot be promised to pass it); a categorical one is kept (only
-- values seen are generated); a domain over a date works
-------------------------------------------------------------------------------
CREATE DOMAIN even AS int CHECK (VALUE % 2 = 0);
CREATE DOMAIN even_small AS even CHECK (VALUE < 10);
CREATE DOMAIN day AS date;
CREATE DOMAIN cents AS numeric(8,2);
CREATE TABLE dom (e even, s even_small, d day, c cents, y int);
INSERT INTO dom SELECT 2 * (g % 90), 2 * (g % 5), date '2024-01-01' + g % 300, g * 1.37, (g % 3 = 0)::int
FROM generate_series(1, 300) g;
SELECT column_name, type, kind, reason FROM raresynth_profile('dom', 'y');
SELECT model, columns FROM raresynth_train('dom', 'y', epochs => 1, seed => 1, options => :'small');
SELECT count(*) AS n, count(e) AS e, bool_and(s IN (0, 2, 4, 6, 8)) AS s_seen,
       bool_and(d BETWEEN '2024-01-01' AND '2024-10-27') AS d_in_range,
       bool_and(c = round(c, 2)) AS c_cents, bool_and(y = 1) AS y
FROM raresynth_sample('dom_y', 200, NULL::dom, seed => 1);

-------------------------------------------------------------------------------
-- array arguments: one dimension, no NULL element, known names
-------------------------------------------------------------------------------
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{{none},{smote}}', runs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none,NULL}', runs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{}', runs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none,none}', runs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{NONE}', runs => 1)$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, sizes => '{{500},{1000}}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, sizes => '{}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1, exclude => '{{code},{x}}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1, exclude => '{code,NULL}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1, exclude => '{nope}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_train('wide', 'y', epochs => 1, exclude => '{y}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_profile('wide', 'y', exclude => '{{code}}')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_profile('wide', 'y', exclude => '{NULL}')$$);
-- a NULL size means the whole table
SELECT method, size FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, sizes => '{NULL,1000}', seed => 1);

-------------------------------------------------------------------------------
-- bad values
-------------------------------------------------------------------------------
SELECT v, code, message FROM unnest(array['0', '-1', '10001']) v,
    pg_temp.try(format($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => %s)$$, v));
SELECT v, code, message FROM unnest(array['0', '1', '-0.5', '1.5', 'NaN', 'Infinity']) v,
    pg_temp.try(format($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, test_fraction => %L)$$, v));
SELECT v, code, message FROM unnest(array['{0}', '{-3}', '{100000}', '{3}']) v,
    pg_temp.try(format($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, sizes => %L)$$, v));
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, classifier => 'xgboost')$$);
SELECT code, message FROM pg_temp.try($$SELECT * FROM raresynth_score('narrow', 'narrow', 'y', classifier => '')$$);
SELECT v, code, message FROM unnest(array['[]', '"x"', 'null', '{"k": 0}', '{"C": 0}', '{"C": -1}',
                                          '{"epochs": 0}', '{"batch_size": 1}', '{"lr": 1e400}',
                                          '{"generator_dims": []}', '{"discriminator_dims": []}',
                                          '{"generator_dims": [1, 1, 1, 1, 1, 1, 1, 1, 1]}', '{"generator_dims": [0]}']) v,
    pg_temp.try(format($$SELECT * FROM raresynth_evaluate('narrow', 'y', methods => '{none}', runs => 1, options => %L)$$, v));
SELECT v, code, message FROM unnest(array['{"epochs": 5}', '{"k": 3}', '{"pac": 0}', '{"tau": 0}']) v,
    pg_temp.try(format($$SELECT * FROM raresynth_train('narrow', 'y', epochs => 1, options => %L)$$, v));
SELECT code, message, hint FROM pg_temp.try($$SELECT * FROM raresynth_train('narrow', 'y', model => '', epochs => 1)$$);

-------------------------------------------------------------------------------
-- NULL for every argument: a clear error (22004) or the documented default
-------------------------------------------------------------------------------
CREATE TABLE tiny AS SELECT g % 7 AS a, g % 11 AS b, (g % 3 = 0)::int AS y FROM generate_series(1, 180) g;
SELECT arg, code, message FROM (VALUES
    ('source', $$SELECT * FROM raresynth_train(NULL, 'y', epochs => 1)$$),
    ('label', $$SELECT * FROM raresynth_train('tiny', NULL, epochs => 1)$$),
    ('minority', $$SELECT * FROM raresynth_train('tiny', 'y', NULL, epochs => 1, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('model', $$SELECT * FROM raresynth_train('tiny', 'y', model => NULL, epochs => 1, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('epochs', $$SELECT * FROM raresynth_train('tiny', 'y', epochs => NULL, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('batch_size', $$SELECT * FROM raresynth_train('tiny', 'y', epochs => 1, batch_size => NULL, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('seed', $$SELECT * FROM raresynth_train('tiny', 'y', epochs => 1, seed => NULL, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('exclude', $$SELECT * FROM raresynth_train('tiny', 'y', epochs => 1, exclude => NULL, options => '{"embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "pac": 1}')$$),
    ('options', $$SELECT * FROM raresynth_train('tiny', 'y', epochs => 1, options => NULL)$$)) a(arg, q),
    pg_temp.try(q);
SELECT arg, code, message FROM (VALUES
    ('source', $$SELECT * FROM raresynth_profile(NULL, 'y')$$),
    ('label', $$SELECT * FROM raresynth_profile('tiny', NULL)$$),
    ('exclude', $$SELECT * FROM raresynth_profile('tiny', 'y', NULL)$$)) a(arg, q),
    pg_temp.try(q);
SELECT arg, code, message FROM (VALUES
    ('train', $$SELECT * FROM raresynth_score(NULL, 'tiny', 'y')$$),
    ('test', $$SELECT * FROM raresynth_score('tiny', NULL, 'y')$$),
    ('label', $$SELECT * FROM raresynth_score('tiny', 'tiny', NULL)$$),
    ('classifier', $$SELECT * FROM raresynth_score('tiny', 'tiny', 'y', NULL)$$)) a(arg, q),
    pg_temp.try(q);
CREATE TABLE tiny_copy AS SELECT * FROM tiny;
SELECT arg, code, message FROM (VALUES
    ('real', $$SELECT * FROM raresynth_quality(NULL, 'tiny_copy', 'y')$$),
    ('synthetic', $$SELECT * FROM raresynth_quality('tiny', NULL, 'y')$$),
    ('label', $$SELECT * FROM raresynth_quality('tiny', 'tiny_copy', NULL)$$),
    ('minority', $$SELECT * FROM raresynth_quality('tiny', 'tiny_copy', 'y', NULL)$$)) a(arg, q),
    pg_temp.try(q);
SELECT arg, code, message FROM (VALUES
    ('source', $$SELECT * FROM raresynth_evaluate(NULL, 'y', methods => '{none}', runs => 1)$$),
    ('label', $$SELECT * FROM raresynth_evaluate('tiny', NULL, methods => '{none}', runs => 1)$$),
    ('methods', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => NULL, runs => 1)$$),
    ('runs', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => NULL)$$),
    ('sizes', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => 1, sizes => NULL)$$),
    ('test_fraction', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => 1, test_fraction => NULL)$$),
    ('classifier', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => 1, classifier => NULL)$$),
    ('seed', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => 1, seed => NULL)$$),
    ('options', $$SELECT * FROM raresynth_evaluate('tiny', 'y', methods => '{none}', runs => 1, options => NULL)$$)) a(arg, q),
    pg_temp.try(q);
SELECT name, rows, epochs FROM raresynth.models WHERE deployed ORDER BY name;
