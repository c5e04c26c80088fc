-- differential privacy options (docs/privacy.md): their bounds, what they
-- cannot be combined with, and the refusal while the preprocessing still
-- reads the rows without noise; nothing is written by any of them
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
\x on

-- bounds
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": -3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": "3"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": null}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "delta": -1e-5}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "max_grad_norm": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "weight_clip": -0.1}')$$);

-- DP settings without epsilon: not private, so refused
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"delta": 1e-6}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"max_grad_norm": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"weight_clip": 0.01}')$$);

-- options that read the rows without noise
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "pac": 10}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "gp_lambda": 10}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "moment_weight": 1}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "calibration": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "early_stopping": 25}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3, "filter_quantile": 0.1}')$$);

-- the same options at their values under DP are accepted; then training
-- refuses, since the preprocessing is not private yet
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3, "pac": 1, "gp_lambda": 0, "moment_weight": 0, "calibration": 0, "early_stopping": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 3}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_train('heart', 'risk', epochs => 1, options => '{"epsilon": 1e300, "delta": 1e-9, "max_grad_norm": 0.5, "weight_clip": 0}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_evaluate('heart', 'risk', '{gan}', runs => 1, options => '{"epsilon": 3}')$$);
-- nothing was written
SELECT count(*) FROM raresynth.models;

-- a model without epsilon stores no DP setting in its options
\x off
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');
SELECT options ? 'epsilon' AS has_epsilon, options ? 'delta' AS has_delta,
       options ? 'max_grad_norm' AS has_clip, options ? 'weight_clip' AS has_wclip
FROM raresynth.models WHERE name = 'heart_risk';
SELECT raresynth_drop_model('heart_risk');
