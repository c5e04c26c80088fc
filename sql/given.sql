-- given on several columns at once, ranges of continuous columns, every
-- column type users have (bool, char(n), an enum, int, numeric(p,s), real,
-- date, float8 with NULLs), dependencies kept, and every bad given with
-- its SQLSTATE.  By conditioning: every row satisfies every given.
\i test/data/try.sql
SET raresynth.progress = off;
CREATE TYPE gv_mood AS ENUM ('calm', 'happy', 'tense');
CREATE TABLE gv AS SELECT
    (g % 3 = 0) AS flag,
    (ARRAY['A', 'BB', 'CCC', 'D'])[1 + g % 5 % 4]::char(4) AS code,
    (ARRAY['calm', 'happy', 'tense'])[1 + g % 7 % 3]::gv_mood AS mood,
    1 + g % 11 % 4 AS grade,
    'city' || g % 9 AS city, 'region' || g % 9 / 3 AS region,
    20 + (g * 37) % 61 AS age,
    (1 + (g * 17) % 500 / 100.0)::numeric(5,2) AS dose,
    ((g * 7919) % 1000 / 1000.0)::real AS ratio,
    date '2020-01-01' + (g * 13) % 700 AS visit,
    timestamp '2021-01-01' + (g * 7919 % 10000) * interval '1 minute' AS seen,
    CASE WHEN g % 10 = 0 THEN NULL ELSE (g * 29 % 300)::float8 END AS score,
    60 + (g * 11) % 40 AS lo, 60 + (g * 11) % 40 + 10 + (g * 7) % 50 AS hi,
    (g % 4 = 0) AS y
FROM generate_series(1, 1600) g;
SELECT column_name, kind, reason FROM raresynth_profile('gv', 'y') ORDER BY column_name;
SELECT model FROM raresynth_train('gv', 'y', epochs => 3, seed => 1,
    options => '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32], "inequalities": [["lo", "hi"]]}');
\set n 600
CREATE FUNCTION pg_temp.s(g jsonb, seed int DEFAULT 2) RETURNS SETOF gv LANGUAGE sql AS
$$ SELECT * FROM raresynth_sample('gv_y', 600, NULL::gv, seed => seed, given => g) $$;

-- one categorical column of each type: every row has it (bool as JSON or
-- as any boolean spelling, char(n) padded, an enum by label, an integer
-- category from a numeric string)
SELECT g, count(*) AS rows, count(*) FILTER (WHERE ok) AS rows_with_it FROM (VALUES
    ('{"flag": true}', 'flag'), ('{"flag": "t"}', 'flag'), ('{"flag": "false"}', 'flag'),
    ('{"flag": "f"}', 'flag'), ('{"code": "A"}', 'code'), ('{"code": "BB  "}', 'code'),
    ('{"mood": "tense"}', 'mood'), ('{"grade": "3"}', 'grade'), ('{"grade": 2}', 'grade')) v(g, col),
  LATERAL (SELECT CASE col WHEN 'flag' THEN s.flag = (g::jsonb ->> 'flag')::boolean
                           WHEN 'code' THEN s.code = (g::jsonb ->> 'code')::char(4)
                           WHEN 'mood' THEN s.mood = (g::jsonb ->> 'mood')::gv_mood
                           ELSE s.grade = (g::jsonb ->> 'grade')::int END AS ok
           FROM pg_temp.s(g::jsonb) s) q
GROUP BY g ORDER BY g;
-- the padded char(4) value and the enum come back as the type writes them
SELECT DISTINCT code, code = 'A' AS is_a, length(code::text) FROM pg_temp.s('{"code": "A"}');

-- several columns at once, of every kind: all of them on every row
SELECT count(*) AS rows,
       count(*) FILTER (WHERE flag AND code = 'CCC' AND mood = 'happy' AND grade = 4) AS with_all_four
FROM pg_temp.s('{"flag": true, "code": "CCC", "mood": "happy", "grade": 4}');
-- the other columns still vary
SELECT count(DISTINCT city) >= 3 AS cities_vary, count(DISTINCT age) >= 20 AS ages_vary
FROM pg_temp.s('{"flag": true, "code": "CCC", "mood": "happy", "grade": 4}');

-- ranges: every value inside, both ends included; not piled at the ends
SELECT g, count(*) AS rows, count(*) FILTER (WHERE age BETWEEN 40 AND 60) AS inside,
       min(age) >= 40 AND max(age) <= 60 AS bounds_kept,
       count(DISTINCT age) >= 12 AS spread,
       count(*) FILTER (WHERE age IN (40, 60)) < 0.25 * count(*) AS not_piled_at_ends,
       avg(age) BETWEEN 44 AND 56 AS centred
FROM (VALUES ('{"age": {"min": 40, "max": 60}}'), ('{"age": [40, 60]}'), ('{"age": ["40", "60"]}'),
             ('{"age": {"min": 39.5, "max": 60.9}}')) v(g), LATERAL pg_temp.s(g::jsonb) s
GROUP BY g ORDER BY g;
-- open ends, a single value, and a range inside one end of the column
SELECT g, min(age), max(age), count(*) AS rows FROM (VALUES
    ('{"age": {"min": 70}}'), ('{"age": {"max": 25}}'), ('{"age": [null, 22]}'),
    ('{"age": {"min": 45, "max": 45}}'), ('{"age": {"min": 0, "max": 21}}')) v(g),
  LATERAL pg_temp.s(g::jsonb) s
GROUP BY g ORDER BY g;
-- numeric(5,2), real, date, float8: the bounds are the values' own type's,
-- kept after rounding to it (1.005 is not a numeric(5,2): 1.01 is the
-- first value inside; 0.1 is not a real: the rows stay <= 0.1 as reals)
SELECT count(*) FILTER (WHERE dose >= 1.005 AND dose <= 2.333) AS dose_inside,
       min(dose) >= 1.01 AND max(dose) <= 2.33 AS dose_on_grid, count(DISTINCT dose) >= 20 AS dose_spread
FROM pg_temp.s('{"dose": {"min": 1.005, "max": 2.333}}');
SELECT count(*) FILTER (WHERE ratio <= 0.1::real AND ratio::float8 <= 0.1) AS ratio_inside
FROM pg_temp.s('{"ratio": {"max": 0.1}}');
SELECT count(*) FILTER (WHERE visit BETWEEN '2020-03-01' AND '2020-04-30') AS visit_inside,
       count(DISTINCT visit) >= 20 AS visit_spread
FROM pg_temp.s('{"visit": {"min": "2020-03-01", "max": "2020-04-30"}}');
-- a single value: every row has it (score holds whole numbers only, so
-- 123.25 is refused below)
SELECT count(*) FILTER (WHERE seen >= '2021-01-02 06:30' AND seen < '2021-01-03') AS seen_inside,
       count(DISTINCT seen) >= 20 AS seen_spread
FROM pg_temp.s('{"seen": {"min": "2021-01-02 06:30", "max": "2021-01-02 23:59:59.999999"}}');
SELECT count(*) FILTER (WHERE visit >= '2021-06-01') AS visit_open_end FROM pg_temp.s('{"visit": ["2021-06-01", "infinity"]}');
SELECT count(*) FILTER (WHERE score = 123) AS score_123 FROM pg_temp.s('{"score": [123, 123]}');
SELECT count(*) FILTER (WHERE ratio = 0.25) AS ratio_quarter FROM pg_temp.s('{"ratio": [0.25, 0.25]}');
SELECT count(*) FILTER (WHERE score IS NULL) AS score_null FROM pg_temp.s('{"score": null}');
-- infinities are open ends
SELECT count(*) FILTER (WHERE score >= 250) AS score_inside FROM pg_temp.s('{"score": {"min": 250, "max": "Infinity"}}');
-- the low column of an inequality: the high one is still above it
SELECT count(*) FILTER (WHERE lo BETWEEN 90 AND 95 AND hi > lo) AS lo_inside_hi_above
FROM pg_temp.s('{"lo": {"min": 90, "max": 95}}');

-- ranges and categories together
SELECT count(*) FILTER (WHERE age BETWEEN 30 AND 35 AND dose <= 2 AND NOT flag AND mood = 'calm') AS all_inside
FROM pg_temp.s('{"age": [30, 35], "dose": {"max": 2}, "flag": "no", "mood": "calm"}');

-- a dependency (city determines region and flag): a given region draws
-- its cities, a given city fixes its region, both may be given when they
-- agree (and refused when they do not, below)
SELECT count(*) FILTER (WHERE region = 'region1' AND city IN ('city3', 'city4', 'city5')) AS cities_of_region1
FROM pg_temp.s('{"region": "region1"}');
SELECT count(*) FILTER (WHERE region = 'region2') AS region_of_city7 FROM pg_temp.s('{"city": "city7"}');
SELECT count(*) FILTER (WHERE city = 'city7' AND region = 'region2' AND NOT flag) AS agreeing
FROM pg_temp.s('{"city": "city7", "region": "region2", "flag": false}');
SELECT count(*) FILTER (WHERE city IN ('city0', 'city3', 'city6')) AS cities_of_flag
FROM pg_temp.s('{"flag": true}');

-- deterministic; {} and NULL give the rows of no given
SELECT md5(string_agg(s::text, ';')) = (SELECT md5(string_agg(t::text, ';')) FROM pg_temp.s('{"age": [40, 60], "mood": "calm"}') t) AS same_rows
FROM pg_temp.s('{"age": [40, 60], "mood": "calm"}') s;
SELECT (SELECT md5(string_agg(s::text, ';')) FROM pg_temp.s('{}') s) =
       (SELECT md5(string_agg(s::text, ';')) FROM raresynth_sample('gv_y', 600, NULL::gv, seed => 2) s) AS empty_is_none;

-- every bad given, with its SQLSTATE
\x on
SELECT g, (pg_temp.try(format('SELECT count(*) FROM raresynth_sample(''gv_y'', 3, NULL::gv, given => %L)', g))).*
FROM (VALUES ('{"nope": 1}'), ('{"y": true}'), ('{"flag": "maybe"}'), ('{"code": "ABCDE"}'),
             ('{"mood": "sad"}'), ('{"mood": {"min": "calm"}}'), ('{"grade": [1, 2]}'), ('{"grade": 9}'),
             ('{"age": 40}'), ('{"age": "40"}'), ('{"age": true}'),
             ('{"age": {"min": 60, "max": 40}}'), ('{"age": {"min": 40.2, "max": 40.8}}'),
             ('{"age": {"min": 200, "max": 300}}'), ('{"age": {"max": 5}}'), ('{"age": {}}'),
             ('{"age": {"low": 40}}'), ('{"age": [40]}'), ('{"age": [40, 50, 60]}'),
             ('{"age": [true, 50]}'), ('{"age": [{"a": 1}, 50]}'), ('{"age": ["forty", 50]}'),
             ('{"age": null}'), ('{"score": {"min": "NaN"}}'), ('{"visit": {"min": 1}}'),
             ('{"visit": ["2020-02-30", null]}'), ('{"visit": ["-infinity", "-infinity"]}'),
             ('{"seen": ["2021-02-01", "2021-01-01"]}'), ('{"hi": [100, 120]}'),
             ('{"score": [123.25, 123.25]}'), ('{"city": "city7", "region": "region0"}'),
             ('{"city": "city7", "flag": true}'), ('{"region": "region2", "city": "city1", "flag": false}'),
             ('{"city": "atlantis"}'),
             ('{"flag": null}'), ('[{"age": 40}]'), ('"age"')) v(g);
\x off
SELECT raresynth_drop_model('gv_y');
DROP FUNCTION pg_temp.s;
DROP TABLE gv;
DROP TYPE gv_mood;
