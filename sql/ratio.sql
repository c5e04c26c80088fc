-- ratio: raresynth_synthesize() and raresynth_smote() fill a class up to a
-- share of the largest class, as imbalanced-learn's float
-- sampling_strategy: int(ratio * largest - have) new rows, have counting
-- the class's rows in the source and already in the target, refused
-- (22023) when that is not positive, as imbalanced-learn refuses it.  The
-- largest class is the most frequent label value, whatever the number of
-- classes.  Bad ratios are 22023 and write nothing; the 0.1.0
-- declarations (without ratio) still work with this library.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET raresynth.progress = off;
\i test/data/try.sql
DROP TABLE IF EXISTS ratio_src CASCADE;
-- three classes: a 90 rows (the largest), b 50, c 20 (the rarest: the model's)
CREATE TABLE ratio_src AS
  SELECT i::float8 AS x, (i % 3)::text AS c,
         CASE WHEN i <= 90 THEN 'a' WHEN i <= 140 THEN 'b' ELSE 'c' END AS y
  FROM generate_series(1, 160) AS i;
\set small '{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8]}'
RESET client_min_messages;
SELECT model, minority, rows FROM raresynth_train('ratio_src', 'y', model => 'ratio_m', epochs => 1, seed => 1, options => :'small');

-- imbalanced-learn's count, from the tables: int(ratio * largest class -
-- rows of cls in the source and in target), truncated toward zero
CREATE FUNCTION pg_temp.expected(target text, ratio float8, cls text DEFAULT 'c') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    largest bigint;
    have bigint;
    t bigint := 0;
BEGIN
    SELECT max(n) INTO largest FROM (SELECT count(*) AS n FROM ratio_src WHERE y IS NOT NULL GROUP BY y) s;
    SELECT count(*) INTO have FROM ratio_src WHERE y = cls;
    IF to_regclass(target) IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %s WHERE y = $1', to_regclass(target)) INTO t USING cls;
    END IF;
    RETURN trunc(ratio * largest - (have + t));
END $$;
-- the class's share of the largest class in the source and a target
CREATE FUNCTION pg_temp.share(target regclass, cls text DEFAULT 'c') RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    largest bigint;
    have bigint;
    t bigint;
BEGIN
    SELECT max(n) INTO largest FROM (SELECT count(*) AS n FROM ratio_src GROUP BY y) s;
    SELECT count(*) INTO have FROM ratio_src WHERE y = cls;
    EXECUTE format('SELECT count(*) FROM %s WHERE y = $1', target) INTO t USING cls;
    RETURN round((have + t)::numeric / largest, 4);
END $$;

-------------------------------------------------------------------------------
-- synthesize: 0.5, then 1 on the same target (counting the rows the first
-- call wrote), then nothing more to add
-------------------------------------------------------------------------------
SELECT pg_temp.expected('ratio_syn', 0.5) AS expected \gset
SELECT raresynth_synthesize('ratio_m', target => 'ratio_syn', seed => 1, ratio => 0.5) = :expected AS half_as_expected, :expected AS rows;
SELECT pg_temp.share('ratio_syn') AS share;
SELECT y, count(*) FROM ratio_syn_improved GROUP BY y ORDER BY y;
SELECT pg_temp.expected('ratio_syn', 1.0) AS expected \gset
SELECT raresynth_synthesize('ratio_m', target => 'ratio_syn', seed => 2, ratio => 1.0) = :expected AS one_as_expected, :expected AS rows;
SELECT pg_temp.share('ratio_syn') AS share;
-- balanced: a ratio has nothing to add and is refused (imbalanced-learn's
-- ValueError); the default 1:1 adds 0 rows, as before
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_syn', ratio => 1)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_syn', ratio => 0.5)$$);
SELECT raresynth_synthesize('ratio_m', target => 'ratio_syn') AS default_rows;
-- provenance: one row per call that wrote rows, with the seeds
SELECT version, seed, rows FROM raresynth.synthesized
WHERE target = 'ratio_syn'::regclass ORDER BY seed;
-- truncation toward zero: 0.33 * 90 - 20 = 9.7 gives 9
SELECT pg_temp.expected('ratio_trunc', 0.33) AS expected \gset
SELECT raresynth_synthesize('ratio_m', target => 'ratio_trunc', improved => false, seed => 3, ratio => 0.33) = :expected AS trunc_as_expected, :expected AS rows;
-- 0.23 * 90 - 20 = 0.7: int() gives 0, refused as imbalanced-learn does
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_none', improved => false, ratio => 0.23)$$);
-- the default target and its view, positional arguments up to version
SELECT pg_temp.expected('ratio_src_synthetic', 0.25) AS expected \gset
SELECT raresynth_synthesize('ratio_m', NULL, NULL, 4, true, NULL, NULL, 0.25) = :expected AS default_target_as_expected, :expected AS rows;
SELECT raresynth_synthesize('ratio_m', 2, 'ratio_positional', 5, false, NULL, 1) AS positional;

-------------------------------------------------------------------------------
-- SMOTE: the same counts; minority names another class, still against the
-- largest class (b: int(0.75 * 90 - 50) = 17), not against the rest
-------------------------------------------------------------------------------
SELECT pg_temp.expected('ratio_smote', 0.5) AS expected \gset
SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote', seed => 1, ratio => 0.5) = :expected AS half_as_expected, :expected AS rows;
SELECT pg_temp.expected('ratio_smote', 1) AS expected \gset
SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote', seed => 2, ratio => 1) = :expected AS one_as_expected, :expected AS rows;
SELECT pg_temp.share('ratio_smote') AS share;
SELECT pg_temp.expected('ratio_smote', 0.75, 'b') AS expected \gset
SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote', seed => 3, minority => 'b', ratio => 0.75) = :expected AS b_as_expected, :expected AS rows;
SELECT pg_temp.share('ratio_smote', 'b') AS share_b;
SELECT y, count(*) FROM ratio_smote GROUP BY y ORDER BY y;
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote', ratio => 1)$$);
SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote') AS default_rows;
SELECT raresynth_smote('ratio_src', 'y', 3, 5, 'ratio_smote_positional', 6, NULL) AS positional;

-------------------------------------------------------------------------------
-- bad ratios, and a ratio beside n: 22023 from both functions, before any
-- row is written or any target created
-------------------------------------------------------------------------------
CREATE TEMP TABLE bad (r text);
INSERT INTO bad VALUES ('0'), ('-0.5'), ('1.5'), ('1.0000001'), ('-0'), ('1e-400'),
    ('NaN'), ('Infinity'), ('-Infinity');
SELECT r, s.code, s.message
FROM bad, pg_temp.try(format($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_bad', ratio => %L)$$, r)) s;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_bad', ratio => 'NaN')$$);
SELECT r, s.code, s.message
FROM bad, pg_temp.try(format($$SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_bad', ratio => %L)$$, r)) s;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', 5, target => 'ratio_bad', ratio => 0.5)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', 0, target => 'ratio_bad', ratio => 0.5)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('ratio_src', 'y', 5, target => 'ratio_bad', ratio => 0.5)$$);
-- below the current share (20 of 90 is 0.22): refused, the new target is
-- not left behind, the existing one keeps its rows, no provenance row
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('ratio_m', target => 'ratio_bad', ratio => 0.2)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_bad', ratio => 0.2)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_smote('ratio_src', 'y', target => 'ratio_smote', minority => 'b', ratio => 0.5)$$);
SELECT to_regclass('ratio_bad') AS ratio_bad, to_regclass('ratio_bad_improved') AS ratio_bad_improved,
       to_regclass('ratio_none') AS ratio_none,
       (SELECT count(*) FROM ratio_syn) AS syn_rows, (SELECT count(*) FROM ratio_smote) AS smote_rows,
       (SELECT count(*) FROM raresynth.synthesized WHERE model = 'ratio_m') AS provenance_rows;
-- NULL is the default, 1:1 (ratio_bad is created by this one)
SELECT pg_temp.expected('ratio_bad', 1) AS expected \gset
SELECT raresynth_synthesize('ratio_m', target => 'ratio_bad', improved => false, seed => 7, ratio => NULL) = :expected AS null_is_one_to_one;

-------------------------------------------------------------------------------
-- the library under the 0.1.0 declarations (no ratio, synthesize without
-- version): a missing ratio is NULL
-------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.old_synthesize(name, bigint DEFAULT NULL, text DEFAULT NULL, bigint DEFAULT NULL,
                                       boolean DEFAULT true, text DEFAULT NULL)
    RETURNS bigint AS '$libdir/raresynth', 'raresynth_synthesize' LANGUAGE C VOLATILE;
CREATE FUNCTION pg_temp.old_smote(regclass, name, bigint DEFAULT NULL, integer DEFAULT 5, text DEFAULT NULL,
                                  bigint DEFAULT NULL, text DEFAULT NULL)
    RETURNS bigint AS '$libdir/raresynth', 'raresynth_smote' LANGUAGE C VOLATILE;
SELECT pg_temp.expected('ratio_old_syn', 1) AS expected \gset
SELECT pg_temp.old_synthesize('ratio_m', NULL, 'ratio_old_syn', 8, false) = :expected AS old_synthesize_one_to_one;
SELECT pg_temp.expected('ratio_old_smote', 1) AS expected \gset
SELECT pg_temp.old_smote('ratio_src', 'y', NULL, 5, 'ratio_old_smote', 8) = :expected AS old_smote_one_to_one;

-- clean up
SELECT raresynth_drop_model('ratio_m');
DROP TABLE ratio_src CASCADE;
DROP TABLE ratio_syn, ratio_trunc, ratio_positional, ratio_smote, ratio_smote_positional,
    ratio_bad, ratio_old_syn, ratio_old_smote, ratio_src_synthetic;
