-- raresynth_sample: given on every kind of categorical column, and every bad
-- given with its own SQLSTATE; the threads of raresynth.threads given back;
-- a call in FROM that would exceed temp_file_limit refused while the
-- select-list form streams.
\i test/data/try.sql
SET raresynth.progress = off;
CREATE TABLE gs (k text, x float8, flag boolean, code char(3), n int, y int, note text);
INSERT INTO gs SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE chr(97 + i % 3) END, i % 7 + 0.5, i % 3 = 0,
    CASE WHEN i % 4 = 0 THEN 'ab' ELSE 'xyz' END, i % 4, CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END, 'z'
FROM generate_series(1, 400) i;
SELECT model FROM raresynth_train('gs', 'y', epochs => 1, seed => 1, exclude => '{note}',
    options => '{"embedding_dim": 4, "generator_dims": [8], "discriminator_dims": [8]}');
CREATE FUNCTION pg_temp.given(g jsonb, col text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SELECT string_agg(DISTINCT coalesce(%I::text, ''NULL''), '','') '
                   'FROM raresynth_sample(''gs_y'', 60, NULL::gs, seed => 1, given => $1)', col)
    INTO r USING g;
    RETURN r;
END $$;

-- given is read by the column's type: char(n) pads, boolean and integer
-- take their input spellings and JSON's, null is the column's NULL
SELECT g, pg_temp.given(g::jsonb, col) AS values_sampled FROM (VALUES
    ('{"flag": true}', 'flag'), ('{"flag": "true"}', 'flag'), ('{"flag": "t"}', 'flag'),
    ('{"flag": "yes"}', 'flag'), ('{"flag": false}', 'flag'), ('{"code": "ab"}', 'code'),
    ('{"code": "ab "}', 'code'), ('{"code": "xyz"}', 'code'), ('{"n": 2}', 'n'), ('{"n": "02"}', 'n'),
    ('{"k": "b"}', 'k'), ('{"k": null}', 'k'), ('{}', 'k')) v(g, col);
SELECT count(*) FROM raresynth_sample('gs_y', 5, NULL::gs, given => NULL);

-- every bad given, with its SQLSTATE
\x on
SELECT g, (pg_temp.try(format('SELECT count(*) FROM raresynth_sample(''gs_y'', 3, NULL::gs, given => %L)', g))).*
FROM (VALUES ('{"nope": 1}'), ('{"": 1}'), ('{"x": 1}'), ('{"y": 1}'), ('{"note": "z"}'),
             ('{"k": "zz"}'), ('{"flag": null}'), ('{"flag": "maybe"}'), ('{"code": "abcd"}'),
             ('{"n": "two"}'), ('{"n": 2.5}'), ('{"n": 7}'), ('{"k": {"a": 1}}'), ('{"k": ["a"]}'),
             ('"a"'), ('[1]'), ('1'), ('null'), ('{"k": "a", "flag": true}')) v(g);
\x off

-- raresynth.threads: workers live for one step or one pass, and OpenBLAS is
-- never given more threads than it started with, so the backend keeps no
-- thread of a high setting (before: 64 threads for good)
SELECT count(*) FROM raresynth_sample('gs_y', 1, NULL::gs);
SELECT count(*) AS tasks FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task') \gset
SET raresynth.threads = 64;
SELECT count(*) FROM raresynth_sample('gs_y', 20000, NULL::gs, seed => 1);
SELECT model FROM raresynth_train('gs', 'y', model => 'gs_t', epochs => 2, seed => 1, exclude => '{note}',
    options => '{"embedding_dim": 4, "generator_dims": [8], "discriminator_dims": [8]}');
SELECT count(*) <= :tasks AS no_thread_left FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
SET raresynth.threads = 1;
SELECT count(*) FROM raresynth_sample('gs_y', 20000, NULL::gs, seed => 1);
SELECT count(*) <= :tasks AS no_thread_left FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
-- the same rows whatever the setting
SELECT md5(string_agg(s::text, ';')) AS rows_1 FROM raresynth_sample('gs_y', 3000, NULL::gs, seed => 5) s \gset
SET raresynth.threads = 64;
SELECT md5(string_agg(s::text, ';')) = :'rows_1' AS same_rows_with_64
FROM raresynth_sample('gs_y', 3000, NULL::gs, seed => 5) s;
RESET raresynth.threads;
SELECT * FROM pg_temp.try($$SET raresynth.threads = 65$$);
SELECT raresynth_drop_model('gs_t');

-- In FROM the function scan stores every row before the query reads one,
-- so with temp_file_limit set an n whose rows would exceed it is refused;
-- the select list streams and stops at the LIMIT
SET temp_file_limit = '1MB';
SELECT code, regexp_replace(message, 'about [0-9]+', 'about #') AS message, detail, hint
FROM pg_temp.try($$SELECT * FROM raresynth_sample('gs_y', 5000000, NULL::gs) LIMIT 3$$);
SELECT count(*) FROM (SELECT (raresynth_sample('gs_y', 5000000, NULL::gs, seed => 1)).* LIMIT 3) q;
SELECT count(*) FROM raresynth_sample('gs_y', 1000, NULL::gs, seed => 1);
RESET temp_file_limit;
SELECT count(*) FROM raresynth_sample('gs_y', 30000, NULL::gs, seed => 1);
SELECT raresynth_drop_model('gs_y');
DROP TABLE gs;
