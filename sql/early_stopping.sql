-- early_stopping: training ends before `epochs` once both losses have
-- settled (rs_gan_converged); the result, raresynth.models and the losses
-- show the epochs run, and the model is the one `epochs` = that many gives
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "rare_category_k": 1, "extreme_value_k": 1, "early_stopping": 0}'
\set small_on '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "rare_category_k": 1, "extreme_value_k": 1, "early_stopping": 5}'
CREATE TABLE es_heart AS SELECT * FROM heart ORDER BY patient_id LIMIT 300;

-- bad values: 22023 naming the option and its range
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": -1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": 1001}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": 2.5}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": "25"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": true}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": null}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": [5]}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stopping": 1e10}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('es_heart', 'risk', options => '{"early_stop": 5}')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('es_heart', 'risk', '{gan}', runs => 1, sizes => '{100}', options => '{"early_stopping": -5}')$$);
-- nothing was written
SELECT count(*) FROM raresynth.models;

-- a window that does not fit twice in the epochs never stops: all 9 run
SELECT epochs FROM raresynth_train('es_heart', 'risk', model => 'es_short', epochs => 9, batch_size => 50, seed => 7,
                                   options => :'small_on');

-- on: fewer epochs than the maximum, at least two windows
SELECT model, epochs < 300 AS stopped, epochs >= 10 AS two_windows
FROM raresynth_train('es_heart', 'risk', model => 'es_on', epochs => 300, batch_size => 50, seed => 7,
                     options => :'small_on');
-- the catalog, the losses and the view agree with the result; options keep the maximum
SELECT m.epochs < 300 AS stopped,
       jsonb_array_length(m.losses -> 'generator') = m.epochs AS generator_losses,
       jsonb_array_length(m.losses -> 'critic') = m.epochs AS critic_losses,
       (SELECT count(*) FROM raresynth.losses l WHERE l.model = m.name) = m.epochs AS view_rows,
       m.options -> 'epochs' AS max_epochs, m.options -> 'early_stopping' AS early_stopping
FROM raresynth.models m WHERE m.name = 'es_on';
-- the same seed with epochs = the epochs run and no early stopping: the same model, byte for byte
SELECT format($$SELECT raresynth_train('es_heart', 'risk', model => 'es_same', epochs => %s, batch_size => 50, seed => 7,
                     options => %L)$$, epochs, :'small') AS q
FROM raresynth.models WHERE name = 'es_on' \gset
SELECT count(*) FROM (:q) t;
SELECT a.state = b.state AS same_state, a.losses = b.losses AS same_losses,
       b.options -> 'early_stopping' AS early_stopping
FROM raresynth.models a, raresynth.models b WHERE a.name = 'es_on' AND b.name = 'es_same';
-- off: exactly `epochs`
SELECT epochs FROM raresynth_train('es_heart', 'risk', model => 'es_off', epochs => 60, batch_size => 50, seed => 7,
                                   options => :'small');
-- the default (25): a 200-epoch training of this model stops early
SELECT epochs < 200 AS stopped FROM raresynth_train('es_heart', 'risk', model => 'es_default', epochs => 200, batch_size => 50, seed => 7,
                                   options => :'small'::jsonb - 'early_stopping');
SELECT options -> 'early_stopping' AS early_stopping FROM raresynth.models WHERE name = 'es_default';
-- the evaluation takes it too: its GAN stops early, so its rows and scores differ from 200 epochs'
SELECT (SELECT array[f1, pr_auc, roc_auc] FROM raresynth_evaluate('es_heart', 'risk', '{gan}', runs => 1, sizes => '{200}', seed => 1,
            options => :'small_on'::jsonb || '{"epochs": 200, "batch_size": 50}') WHERE method = 'gan')
       IS DISTINCT FROM
       (SELECT array[f1, pr_auc, roc_auc] FROM raresynth_evaluate('es_heart', 'risk', '{gan}', runs => 1, sizes => '{200}', seed => 1,
            options => :'small'::jsonb || '{"epochs": 200, "batch_size": 50}') WHERE method = 'gan') AS evaluation_stopped;
SELECT raresynth_drop_model(name) FROM raresynth.models WHERE name LIKE 'es\_%' ORDER BY name;
