-- raresynth_evaluate's (size, run) units on workers (raresynth.threads):
-- the same numbers for any thread count, no thread left behind, a cancel
-- while workers train stops the statement and the session goes on
\i test/data/setup.sql
SET raresynth.progress = off;
CREATE TEMP TABLE opts AS SELECT '{"epochs": 2, "embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'::jsonb AS o;
SET raresynth.threads = 1;
CREATE TEMP TABLE one AS
SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan,random,threshold,weighted}', runs => 2,
                                 sizes => '{300,600}', seed => 3, options => (SELECT o FROM opts));
SELECT count(*) AS tasks FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task') \gset
-- 2 threads: a unit per worker (on a machine with 2 CPUs or more), each
-- worker single-threaded inside; every column but the clock is the same
SET raresynth.threads = 2;
CREATE TEMP TABLE two AS
SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,smote,gan,random,threshold,weighted}', runs => 2,
                                 sizes => '{300,600}', seed => 3, options => (SELECT o FROM opts));
SELECT count(*) AS rows, bool_and(to_jsonb(one) - 'seconds' = to_jsonb(two) - 'seconds') AS identical
FROM one JOIN two USING (method, size);
SELECT count(*) <= :tasks AS no_thread_left FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
-- the boosted trees run one unit at a time (XGBoost is not safe on
-- several threads at once), with the same numbers
SET raresynth.threads = 1;
CREATE TEMP TABLE b1 AS
SELECT * FROM raresynth_evaluate('heart', 'risk', '{none,random}', runs => 2, sizes => '{300,600}',
                                 classifier => 'boosted', seed => 4);
SET raresynth.threads = 2;
SELECT count(*) AS rows, bool_and(to_jsonb(b1) - 'seconds' = to_jsonb(b2) - 'seconds') AS identical
FROM b1 JOIN raresynth_evaluate('heart', 'risk', '{none,random}', runs => 2, sizes => '{300,600}',
                                classifier => 'boosted', seed => 4) b2 USING (method, size);
-- a cancel (statement_timeout) while two workers train: the error, no
-- thread left, and the next evaluation gives the same numbers
SET statement_timeout = '400ms';
SELECT count(*) FROM raresynth_evaluate('heart', 'risk', '{none,gan}', runs => 4, sizes => '{2000}', seed => 5,
                                        options => '{"epochs": 300}');
RESET statement_timeout;
SELECT count(*) <= :tasks AS no_thread_left FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
SELECT count(*) AS rows, bool_and(to_jsonb(one) - 'seconds' = to_jsonb(again) - 'seconds') AS identical
FROM one JOIN raresynth_evaluate('heart', 'risk', '{none,smote,gan,random,threshold,weighted}', runs => 2,
                                 sizes => '{300,600}', seed => 3, options => (SELECT o FROM opts)) again
     USING (method, size);
RESET raresynth.threads;
