-- raresynth_evaluate's filter of GAN rows (option filter_quantile): the
-- gan method keeps the candidates that a logistic regression fitted on
-- the real training part scores at least at that quantile of the real
-- minority rows' scores
\i test/data/setup.sql
SET raresynth.progress = off;
SET raresynth.threads = 1;
\set tiny '"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "batch_size": 100'

-- the minority at large x + z: a joint structure a GAN trained two
-- epochs misses, so some of its rows look like the majority
CREATE TABLE joint AS
SELECT g AS id, x, z, CASE WHEN x + z > 0.9 THEN 1 ELSE 0 END AS y,
       (ARRAY['a', 'b', 'c'])[1 + g % 3] AS c
FROM (SELECT g, ((g * 37) % 101) / 50.0 - 1 AS x, ((g * 53) % 89) / 44.0 - 1 AS z
      FROM generate_series(1, 1200) g) s;
SELECT count(*) AS n, sum(y) AS minority FROM joint;

-- on: a NOTICE of what passed (2.22 candidates per row added), other rows
-- than without the filter, the same for the same seed
CREATE TABLE filtered AS
SELECT * FROM raresynth_evaluate('joint', 'y', '{none,gan}', runs => 2, seed => 3,
                                 options => ('{"filter_quantile": 0.1, ' || :'tiny' || '}')::jsonb);
SET client_min_messages = warning;
CREATE TABLE unfiltered AS
SELECT * FROM raresynth_evaluate('joint', 'y', '{none,gan}', runs => 2, seed => 3,
                                 options => ('{"filter_quantile": 0, ' || :'tiny' || '}')::jsonb);
CREATE TABLE filtered_again AS
SELECT * FROM raresynth_evaluate('joint', 'y', '{none,gan}', runs => 2, seed => 3,
                                 options => ('{"filter_quantile": 0.1, ' || :'tiny' || '}')::jsonb);
-- the default is 0.1
CREATE TABLE by_default AS
SELECT * FROM raresynth_evaluate('joint', 'y', '{none,gan}', runs => 2, seed => 3,
                                 options => ('{' || :'tiny' || '}')::jsonb);
RESET client_min_messages;
SELECT f.method, f.f1 = u.f1 AND f.roc_auc = u.roc_auc AS same_as_unfiltered,
       f.f1 = a.f1 AND f.roc_auc = a.roc_auc AND f.pr_auc = a.pr_auc AS reproducible,
       d.f1 = f.f1 AND d.roc_auc = f.roc_auc AND d.pr_auc = f.pr_auc AS default_filters
FROM filtered f JOIN unfiltered u USING (method, size) JOIN filtered_again a USING (method, size)
     JOIN by_default d USING (method, size)
ORDER BY f.method;
-- too few pass: the minority is 90% category "a", which a GAN trained one
-- epoch without calibration rarely makes; the best rejected fill up to
-- 1:1, and the NOTICE counts them
CREATE TABLE cat10 AS
SELECT g AS id, ((g * 37) % 101) / 50.0 - 1 AS x,
       CASE WHEN g % 10 = 0 AND g % 200 < 180 THEN 'a' ELSE (ARRAY['b','c','d','e','f','g','h','i','j'])[1 + (g / 10) % 9] END AS c,
       (g % 10 = 0)::int AS y
FROM generate_series(1, 2000) g;
SELECT method, runs FROM raresynth_evaluate('cat10', 'y', '{gan}', runs => 2, seed => 3,
    options => '{"filter_quantile": 0.5, "calibration": 0, "epochs": 1, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16], "batch_size": 100, "rare_category_k": 1}');

-- without the gan method the setting changes nothing and says nothing
SELECT (SELECT array_agg(f1 ORDER BY method) FROM raresynth_evaluate('joint', 'y', '{none,smote}', runs => 2, seed => 3,
                                                                     options => '{"filter_quantile": 0.5}'))
     = (SELECT array_agg(f1 ORDER BY method) FROM raresynth_evaluate('joint', 'y', '{none,smote}', runs => 2, seed => 3))
       AS smote_untouched;

-- bad values: 22023 naming the option and its range
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": -0.1}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": 0.6}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": 1e400}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": "0.1"}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": true}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": null}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": [0.1]}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"filter_quantile": {"q": 0.1}}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', options => '{"Filter_Quantile": 0.1}')$$);
-- an evaluation setting: raresynth_train does not take it
SELECT * FROM pg_temp.try($$SELECT raresynth_train('joint', 'y', epochs => 1, options => '{"filter_quantile": 0.1}')$$);
-- the bounds themselves are fine; so is the smallest positive number
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', '{none}', runs => 1, options => '{"filter_quantile": 0.5}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('joint', 'y', '{none}', runs => 1, options => '{"filter_quantile": 5e-324}')$$);

-- the candidates count in the memory check: the same evaluation needs more
SET maintenance_work_mem = '1MB';
SELECT u.code, f.code,
       substring(f.message from 'about (\d+) MB')::int > substring(u.message from 'about (\d+) MB')::int AS filter_needs_more
FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 1, options => '{"epochs": 1, "filter_quantile": 0}')$$) u,
     pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 1, options => '{"epochs": 1, "filter_quantile": 0.1}')$$) f;
RESET maintenance_work_mem;

DROP TABLE joint, cat10, filtered, unfiltered, filtered_again, by_default;
