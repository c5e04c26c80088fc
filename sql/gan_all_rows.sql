-- raresynth_evaluate's GAN trained on every row of the training part,
-- conditioned on the label ("all_rows": 1), sampling the minority
\i test/data/setup.sql
SET raresynth.progress = off;
\set tiny '"epochs": 2, "embedding_dim": 8, "generator_dims": [16], "discriminator_dims": [16]'
CREATE TEMP TABLE e AS
SELECT r.all_rows, m.method, m.f1, m.recall, m.accuracy
FROM (VALUES (0), (1), (1)) r(all_rows),
     LATERAL raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 2, sizes => '{1000}', seed => 1,
                                options => format('{%s, "all_rows": %s}', :'tiny', r.all_rows)::jsonb) m;
-- in range; none untouched by the setting; the GAN's rows differ from the
-- minority-only GAN's; the same seed gives the same numbers
SELECT method, bool_and(f1 BETWEEN 0 AND 1 AND recall BETWEEN 0 AND 1) AS in_range,
       count(DISTINCT (f1, recall, accuracy)) FILTER (WHERE all_rows = 1) AS distinct_all_rows,
       count(DISTINCT (f1, recall, accuracy)) AS distinct_both
FROM e GROUP BY method ORDER BY method;
-- six minority rows in the training part: the minority alone has too few
-- for rare_category_k 5, with the majority the categories are common
CREATE TEMP TABLE few AS (SELECT * FROM heart WHERE risk = 0 ORDER BY patient_id LIMIT 200)
    UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 8);
\x on
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('few', 'risk', '{none,gan}', runs => 1, seed => 1, options => '{"epochs": 1, "all_rows": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('few', 'risk', '{none,gan}', runs => 1, seed => 1, options => '{"epochs": 1, "all_rows": 1}')$$);
-- three: the label's minority itself is rarer than rare_category_k
CREATE TEMP TABLE fewer AS (SELECT * FROM heart WHERE risk = 0 ORDER BY patient_id LIMIT 200)
    UNION ALL (SELECT * FROM heart WHERE risk = 1 ORDER BY patient_id LIMIT 4);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('fewer', 'risk', '{none,gan}', runs => 1, seed => 1, options => '{"epochs": 1, "all_rows": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('fewer', 'risk', '{none,gan}', runs => 1, seed => 1, options => '{"epochs": 1, "all_rows": 1, "rare_category_k": 1}')$$);

-- bad values
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": 2}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": -1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": 0.5}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": "all"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": true}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": null}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', options => '{"all_rows": 1e400}')$$);
-- an evaluation setting: raresynth_train does not take it
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', options => '{"all_rows": 1}')$$);
