-- raresynth_version() and raresynth_help(topic): discoverable from SQL, for
-- any role; the help lists every function of the extension (compared with
-- pg_depend here, so a function left out fails), each topic gives the
-- function's signature and comment, the options and the settings.
\i test/data/try.sql

-- the version: installed version, then the build (machine-dependent parts
-- matched, not printed)
SELECT raresynth_version() ~ '^raresynth [0-9]+\.[0-9]+\.[0-9]+( \(library [0-9.]+\))? \(PostgreSQL 15\.[0-9]+, OpenBLAS [0-9][0-9.]* [A-Za-z0-9_]+ \((chosen by raresynth from cpuid|set by OPENBLAS_CORETYPE=[^ ;()]* in the environment|chosen by OpenBLAS itself|chosen when OpenBLAS was loaded, before raresynth)(; a fallback: this CPU supports [A-Za-z0-9_]+(; sgemm on raresynth''s [A-Z0-9-]+ kernel)?)?\), bf16 sampler: (yes|no), bf16 training: (yes|no)\)$' AS version_ok;
-- raresynth_version() names the OpenBLAS core that runs (src/core/blas.h)
SELECT position('OpenBLAS 0.3' IN raresynth_version()) > 0 AS blas_core_named;
SELECT split_part(raresynth_version(), ' ', 2) = extversion AS installed_version
FROM pg_catalog.pg_extension WHERE extname = 'raresynth';

-- the extension's functions, from the catalog
CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.proname,
       CASE WHEN p.pronamespace = e.extnamespace THEN p.proname::text
            ELSE n.nspname || '.' || p.proname END AS shown,
       pg_catalog.pg_get_function_arguments(p.oid) AS args,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'raresynth'
JOIN pg_catalog.pg_proc p ON p.oid = d.objid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE d.classid = 'pg_catalog.pg_proc'::regclass
  AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e';
GRANT SELECT ON ext_functions TO PUBLIC;

-- as superuser and as a role without any privilege
CREATE ROLE rs_help_user;
\set checks 'SELECT count(*) > 10 AS has_functions, count(*) FILTER (WHERE position(E''\n  '' || shown || ''('' || args || ''): '' IN raresynth_help()) = 0) AS missing_from_overview, count(*) FILTER (WHERE comment IS NULL) AS without_comment, count(*) FILTER (WHERE position(shown || ''('' || args || '')'' IN raresynth_help(shown)) <> 1 OR position(comment IN raresynth_help(shown)) = 0 OR position(comment IN raresynth_help(proname)) = 0) AS topic_incomplete FROM ext_functions'
:checks;
-- one overview line per function, beside the header, the settings and blank lines
SELECT (SELECT count(*) FROM regexp_split_to_table(raresynth_help(), E'\n') l WHERE l ~ '^  [a-z_.]+\(')
     = (SELECT count(*) FROM ext_functions) AS one_line_each;
SET ROLE rs_help_user;
:checks;
SELECT raresynth_version() ~ '^raresynth ' AS version_as_user;
SELECT * FROM pg_temp.try($$SELECT raresynth_help('raresynth_drop_model')$$);
RESET ROLE;

-- options only where a function takes them
SELECT proname, position('Options of raresynth_train' IN raresynth_help(proname)) > 0 AS train_options,
       position('Options of raresynth_evaluate' IN raresynth_help(proname)) > 0 AS evaluate_options,
       position('Settings (' IN raresynth_help(proname)) > 0 AS settings
FROM ext_functions WHERE proname IN ('raresynth_train', 'raresynth_evaluate', 'raresynth_sample')
ORDER BY proname;
-- evaluate's options include the evaluation-only ones; train's do not
SELECT position(E'\n  k (' IN raresynth_help('raresynth_evaluate')) > 0 AS evaluate_k,
       position(E'\n  k (' IN raresynth_help('raresynth_train')) > 0 AS train_k;

-- the topics in full (these depend only on the options table and the GUCs)
\pset format unaligned
\pset tuples_only on
SELECT raresynth_help('options');
SELECT raresynth_help('settings');
-- a setting's current value is the session's
SET raresynth.threads = 1;
SET raresynth.progress = off;
SELECT raresynth_help('settings');
RESET raresynth.threads;
RESET raresynth.progress;
SELECT raresynth_help('raresynth_model_info');
\pset format aligned
\pset tuples_only off

-- NULL is the overview; bad topics are 22023 with the topics in the hint
SELECT raresynth_help(NULL) = raresynth_help() AS null_is_overview;
\x on
SELECT code, message, hint ~ '^Topics: .*raresynth_train, .*options, settings; or NULL for an overview\.$' AS hint_lists_topics
FROM pg_temp.try($$SELECT raresynth_help('nope')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help('')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help('RARESYNTH_TRAIN')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help('raresynth_train()')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help('raresynth_train''; DROP TABLE x; --')$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help('pg_catalog.now')$$);
SELECT code, length(message) FROM pg_temp.try($$SELECT raresynth_help(repeat('x', 100000))$$);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_help(repeat('é', 60))$$);
\x off
-- every topic the hint lists is a topic
SELECT count(*) > 10 AS topics, count(*) FILTER (WHERE (pg_temp.try(format('SELECT raresynth_help(%L)', t))).code <> 'ok') AS failing
FROM regexp_split_to_table(
       substring((pg_temp.try($$SELECT raresynth_help('nope')$$)).hint FROM '^Topics: (.*); or NULL'), ', ') t;

-- the list is the extension's members: a function added to the extension
-- appears (without a comment, it says so); dropped from it, it is gone
CREATE FUNCTION help_probe(x integer DEFAULT 1) RETURNS integer LANGUAGE sql AS 'SELECT x';
ALTER EXTENSION raresynth ADD FUNCTION help_probe(integer);
SELECT position(E'\n  help_probe(x integer DEFAULT 1): (no comment)\n' IN raresynth_help()) > 0 AS probe_listed;
\pset format unaligned
\pset tuples_only on
SELECT split_part(raresynth_help('help_probe'), E'\n\n', 1) || E'\n' || split_part(raresynth_help('help_probe'), E'\n\n', 2);
\pset format aligned
\pset tuples_only off
ALTER EXTENSION raresynth DROP FUNCTION help_probe(integer);
SELECT position('help_probe' IN raresynth_help()) = 0 AS probe_gone;
DROP FUNCTION help_probe(integer);

DROP ROLE rs_help_user;
