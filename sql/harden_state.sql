-- Crafted model states.  A role that can write a model's state (today any
-- role, its own model's; always a superuser or a restored dump) gets an
-- error for every state whose sections disagree, never an access out of
-- bounds; strings from a state must be valid text; sampling memory is
-- bounded by work_mem whatever the state.
\i test/data/try.sql
-- Helpers: write a model state as a role with UPDATE on raresynth.models
-- could (docs/model-state.md): little-endian integers and floats,
-- sections, the section table, the total length and the CRC-32C trailer.
CREATE FUNCTION pg_temp.crc32c(b bytea) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    tab bigint[];
    crc bigint;
BEGIN
    FOR n IN 0 .. 255 LOOP
        crc := n;
        FOR k IN 1 .. 8 LOOP
            crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
        END LOOP;
        tab[n] := crc;
    END LOOP;
    crc := 4294967295;
    FOR i IN 0 .. length(b) - 1 LOOP
        crc := tab[(crc # get_byte(b, i)) & 255] # (crc >> 8);
    END LOOP;
    RETURN crc # 4294967295;
END $$;
CREATE FUNCTION pg_temp.le(v bigint, n int) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(set_byte('\x00'::bytea, 0, ((v >> (8 * i)) & 255)::int), ''::bytea ORDER BY i)
    FROM generate_series(0, n - 1) i $$;
CREATE FUNCTION pg_temp.f64(x float8) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(substring(float8send(x) FROM 9 - i FOR 1), ''::bytea ORDER BY i)
    FROM generate_series(1, 8) i $$;
CREATE FUNCTION pg_temp.str(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_temp.le(octet_length(t), 4) || convert_to(t, 'UTF8') $$;
CREATE FUNCTION pg_temp.u32(b bytea, o int) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT get_byte(b, o)::bigint + get_byte(b, o + 1) * 256 + get_byte(b, o + 2) * 65536
           + get_byte(b, o + 3) * 16777216::bigint $$;
-- a state of these sections, in this order
CREATE FUNCTION pg_temp.container(tags int[], bodies bytea[]) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    n int := cardinality(tags);
    pos bigint := 24 + 24 * n;
    tab bytea := '';
    pay bytea := '';
    res bytea;
BEGIN
    FOR i IN 1 .. n LOOP
        tab := tab || pg_temp.le(tags[i], 4) || pg_temp.le(0, 4) || pg_temp.le(pos, 8)
               || pg_temp.le(length(bodies[i]), 8);
        pay := pay || bodies[i];
        pos := pos + length(bodies[i]);
    END LOOP;
    res := convert_to('RSYNSTAT', 'UTF8') || pg_temp.le(1, 4) || pg_temp.le(n, 4)
           || pg_temp.le(pos + 4, 8) || tab || pay;
    RETURN res || pg_temp.le(pg_temp.crc32c(res), 4);
END $$;
-- the payload of section tag of s
CREATE FUNCTION pg_temp.section(s bytea, tag int) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT substring(s FROM pg_temp.u32(s, 24 + 24 * i + 8)::int + 1
                     FOR pg_temp.u32(s, 24 + 24 * i + 16)::int)
    FROM generate_series(0, pg_temp.u32(s, 12)::int - 1) i
    WHERE pg_temp.u32(s, 24 + 24 * i) = tag $$;
-- s with the payload of section tag replaced by body (added if new)
CREATE FUNCTION pg_temp.with_section(s bytea, tag int, body bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT pg_temp.container(array_agg(t ORDER BY i) || CASE WHEN bool_or(t = tag) THEN '{}'::int[] ELSE ARRAY[tag] END,
                             array_agg(CASE WHEN t = tag THEN body ELSE pg_temp.section(s, t) END ORDER BY i)
                             || CASE WHEN bool_or(t = tag) THEN '{}'::bytea[] ELSE ARRAY[body] END)
    FROM (SELECT i, pg_temp.u32(s, 24 + 24 * i)::int AS t
          FROM generate_series(0, pg_temp.u32(s, 12)::int - 1) i) sec $$;
-- the generator section g with its condition flags cleared and its
-- weights resized to match (zeros): the crafted state of issue 8
CREATE FUNCTION pg_temp.clear_conditions(g bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    d int := pg_temp.u32(g, 4);
    ns int := pg_temp.u32(g, 8);
    p int := 12 + 20 * ns;
    w bigint := pg_temp.u32(g, p);
    ng int := pg_temp.u32(g, p + 4);
    n bigint := 0;
    nrun bigint := 0;
    res bytea := substring(g FROM 1 FOR 12);
BEGIN
    FOR i IN 0 .. ns - 1 LOOP
        res := res || substring(g FROM 13 + 20 * i FOR 16) || pg_temp.le(0, 4);
    END LOOP;
    res := res || substring(g FROM p + 1 FOR 8 + 4 * ng);
    FOR l IN 0 .. ng - 1 LOOP
        n := n + pg_temp.u32(g, p + 8 + 4 * l) * (w + 3);
        nrun := nrun + 2 * pg_temp.u32(g, p + 8 + 4 * l);
        w := w + pg_temp.u32(g, p + 8 + 4 * l);
    END LOOP;
    n := n + d * w + d;
    RETURN res || pg_temp.le(0, 4) || pg_temp.le(n, 8) || decode(repeat('00', (4 * n)::int), 'hex')
           || pg_temp.le(nrun, 8) || decode(repeat('00', (4 * nrun)::int), 'hex');
END $$;
-- a whole state, consistent in every section, for a table of ncols float8
-- columns c1.. and the label y: each column with nmodes modes, a generator
-- of noise width 1 and one block of width 1 (zero weights): few bytes for
-- encoded rows of ncols * (nmodes + 1) floats
CREATE FUNCTION pg_temp.wide_state(ncols int, nmodes int) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    meta bytea := pg_temp.le(1, 4) || pg_temp.le(1, 8) || pg_temp.str('1') || pg_temp.le(ncols + 1, 4);
    cols bytea := pg_temp.le(1, 4) || pg_temp.le(ncols, 4);
    d int := ncols * (nmodes + 1);
    enc bytea := pg_temp.le(1, 4) || pg_temp.le(ncols, 4) || pg_temp.le(d, 4) || pg_temp.le(2 * ncols, 4);
    gen bytea := pg_temp.le(1, 4) || pg_temp.le(d, 4) || pg_temp.le(2 * ncols, 4);
    modes bytea := '';
    n bigint := 1 * 1 + 3 + d * 2 + d;
BEGIN
    FOR k IN 0 .. nmodes - 1 LOOP
        modes := modes || pg_temp.f64(k) || pg_temp.f64(1) || pg_temp.f64(1.0 / nmodes);
    END LOOP;
    FOR c IN 1 .. ncols LOOP
        meta := meta || pg_temp.str('c' || c) || pg_temp.str('double precision') || pg_temp.le(c - 1, 4);
        cols := cols || pg_temp.le(1, 4) || pg_temp.str('c' || c) || pg_temp.le(1, 4) || pg_temp.le(0, 4)
                || pg_temp.f64(0) || pg_temp.f64(nmodes) || pg_temp.le(0, 4);
        enc := enc || pg_temp.le(1, 4) || pg_temp.le(0, 4) || pg_temp.le(0, 4)
               || pg_temp.f64(0) || pg_temp.f64(nmodes) || pg_temp.le(nmodes, 4) || modes;
        gen := gen || pg_temp.le((c - 1) * (nmodes + 1), 4) || pg_temp.le(1, 4) || pg_temp.le(1, 4)
               || pg_temp.le(c - 1, 4) || pg_temp.le(0, 4)
               || pg_temp.le((c - 1) * (nmodes + 1) + 1, 4) || pg_temp.le(nmodes, 4) || pg_temp.le(2, 4)
               || pg_temp.le(c - 1, 4) || pg_temp.le(0, 4);
    END LOOP;
    meta := meta || pg_temp.str('y') || pg_temp.str('integer') || pg_temp.le(-1, 4);
    gen := gen || pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(0, 4)
           || pg_temp.le(n, 8) || decode(repeat('00', (4 * n)::int), 'hex')
           || pg_temp.le(2, 8) || decode(repeat('00', 8), 'hex');
    RETURN pg_temp.container(ARRAY[1, 2, 3, 4], ARRAY[meta, cols, enc, gen]);
END $$;
SET raresynth.progress = off;
CREATE TABLE hs (k12 text, x float8, flag boolean, code char(3), y int);
INSERT INTO hs SELECT chr(97 + i % 12), (i % 7)::float8 + 0.5, i % 3 = 0,
    CASE WHEN i % 4 = 0 THEN 'ab' ELSE 'xyz' END, CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END
FROM generate_series(1, 200) i;
SELECT model FROM raresynth_train('hs', 'y', epochs => 1, seed => 1,
    options => '{"embedding_dim": 4, "generator_dims": [8], "discriminator_dims": [8], "rare_category_k": 1, "dependencies": 0}');
CREATE TABLE saved AS SELECT state FROM raresynth.models WHERE name = 'hs_y';
-- the helpers write back what raresynth wrote
SELECT pg_temp.with_section(state, 4, pg_temp.section(state, 4)) = state AS same FROM saved;
CREATE FUNCTION pg_temp.craft(tag int, body bytea) RETURNS boolean LANGUAGE sql AS $$
    UPDATE raresynth.models SET state = pg_temp.with_section((SELECT state FROM saved), tag, body)
    WHERE name = 'hs_y' RETURNING true $$;
CREATE FUNCTION pg_temp.sec(tag int) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.section(state, tag) FROM saved $$;
\x on

-- the generator's condition flags cleared and its weights resized to match
-- (issue 8: loaded, then a given category wrote past the cond vector)
SELECT pg_temp.craft(4, pg_temp.clear_conditions(pg_temp.sec(4))) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs, given => '{"flag": "t"}')$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('hs_y', 10)$$);
-- a generator span of another column
SELECT pg_temp.craft(4, overlay(pg_temp.sec(4) PLACING pg_temp.le(1, 4) FROM 25 FOR 4)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a feature named unlike its source column (k12 in the meta, k13 in the specs)
SELECT pg_temp.craft(2, overlay(pg_temp.sec(2) PLACING convert_to('k13', 'UTF8') FROM 17 FOR 3)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs, given => '{"k12": "c"}')$$);
-- a feature without a name (crashed the backend when given was compared with it)
SELECT pg_temp.craft(2, substring(pg_temp.sec(2) FROM 1 FOR 8) || pg_temp.le(0, 4) || substring(pg_temp.sec(2) FROM 20)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs, given => '{"x": 1}')$$);
-- a category twice (b written as a)
SELECT pg_temp.craft(2, overlay(pg_temp.sec(2) PLACING convert_to('a', 'UTF8') FROM 57 FOR 1)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a category, or the minority, that is not valid UTF-8 (was written into tables)
SELECT pg_temp.craft(2, overlay(pg_temp.sec(2) PLACING '\xff'::bytea FROM 52 FOR 1)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('hs_y', 10)$$);
SELECT pg_temp.craft(1, overlay(pg_temp.sec(1) PLACING '\xc3'::bytea FROM 17 FOR 1)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a section no version writes
SELECT pg_temp.craft(9, '\x00000000') AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- nothing was written by the failures, and the real state still works
SELECT count(*) AS synthetic_tables FROM pg_class WHERE relname = 'hs_synthetic';

-- the rules section (RS_SEC_RULES, tag 6): k12 | x | flag | code are
-- features 0..3; each crafted section is refused on load, never used
CREATE FUNCTION pg_temp.rules(pooled bytea, groups bytea, ineq bytea, rare_k int DEFAULT 1)
RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.le(1, 4) || pg_temp.le(4, 4) || pg_temp.le(rare_k, 4) || pg_temp.le(5, 4)
           || pooled || groups || ineq $$;
\set nopool 'pg_temp.le(-1, 4) || pg_temp.le(0, 4) || pg_temp.le(-1, 4) || pg_temp.le(0, 4) || pg_temp.le(-1, 4) || pg_temp.le(0, 4) || pg_temp.le(-1, 4) || pg_temp.le(0, 4)'
SELECT pg_temp.sec(6) = pg_temp.rules(:nopool, pg_temp.le(0, 4), pg_temp.le(0, 4)) AS layout_as_documented;
-- truncated
SELECT pg_temp.craft(6, substring(pg_temp.sec(6) FROM 1 FOR 21)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a pooled slot that is not k12's last category (12 categories: slot 11)
SELECT pg_temp.craft(6, pg_temp.rules(pg_temp.le(40, 4) || pg_temp.le(3, 4) || substring(:nopool FROM 9),
                                      pg_temp.le(0, 4), pg_temp.le(0, 4), 5)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a group of k12 and flag claiming 2^31 combinations in a few bytes
SELECT pg_temp.craft(6, pg_temp.rules(:nopool, pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(2, 4)
                                      || pg_temp.le(0, 4) || pg_temp.le(2, 4) || pg_temp.le(2147483648, 4),
                                      pg_temp.le(0, 4))) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a combination holding category 99 of k12
SELECT pg_temp.craft(6, pg_temp.rules(:nopool, pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(2, 4)
                                      || pg_temp.le(0, 4) || pg_temp.le(2, 4) || pg_temp.le(1, 4)
                                      || pg_temp.le(99, 4) || pg_temp.le(0, 4),
                                      pg_temp.le(0, 4))) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a group on the continuous column x
SELECT pg_temp.craft(6, pg_temp.rules(:nopool, pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(2, 4)
                                      || pg_temp.le(0, 4) || pg_temp.le(1, 4) || pg_temp.le(1, 4)
                                      || pg_temp.le(0, 4) || pg_temp.le(0, 4),
                                      pg_temp.le(0, 4))) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- an inequality between x and the categorical column flag
SELECT pg_temp.craft(6, pg_temp.rules(:nopool, pg_temp.le(0, 4),
                                      pg_temp.le(1, 4) || pg_temp.le(1, 4) || pg_temp.le(2, 4)
                                      || pg_temp.f64(0) || pg_temp.f64(1))) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- a newer rules format
SELECT pg_temp.craft(6, pg_temp.le(2, 4) || substring(pg_temp.sec(6) FROM 5)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
-- an unknown section tag
SELECT pg_temp.craft(7, pg_temp.le(0, 4)) AS crafted;
SELECT * FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs)$$);
UPDATE raresynth.models SET state = (SELECT state FROM saved) WHERE name = 'hs_y';
SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::hs, given => '{"flag": "t"}');
\x off

-- Sampling memory is bounded by work_mem: a crafted state, consistent in
-- every section, for 400 float8 columns of 10 modes (206 kB, rows of 4,400
-- encoded values; before, 5000 rows took 85 MB whatever work_mem)
DO $$ BEGIN
    EXECUTE (SELECT format('CREATE TABLE wide (%s, y int)', string_agg(format('c%s float8', i), ', ' ORDER BY i))
             FROM generate_series(1, 400) i);
END $$;
UPDATE raresynth.models SET state = pg_temp.wide_state(400, 10) WHERE name = 'hs_y';
SET work_mem = '64kB';
SELECT code, message, regexp_replace(detail, '[0-9]+ kB', '# kB') AS detail,
       regexp_replace(hint, '[0-9]+ kB', '# kB') AS hint
FROM pg_temp.try($$SELECT count(*) FROM raresynth_sample('hs_y', 10, NULL::wide)$$);
SET work_mem = '1MB';
SELECT count(*), count(DISTINCT c1) > 1 AS varied FROM raresynth_sample('hs_y', 5000, NULL::wide, seed => 1);
-- the peak memory of a new backend grows by far less than the 85 MB
\c
SET work_mem = '1MB';
SELECT count(*) FROM raresynth_sample('hs_y', 1, NULL::wide);
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::int AS hwm0 \gset
SELECT count(*) FROM raresynth_sample('hs_y', 5000, NULL::wide, seed => 1);
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::int
       - :hwm0 < 8192 AS peak_grew_under_8_mb;
RESET work_mem;
DROP TABLE wide, hs, saved;
SELECT raresynth_drop_model('hs_y');
