-- raresynth_synthesize: rows go straight into the heap of a plain target
-- (table_multi_insert), through INSERT ... SELECT into anything else
\i test/data/setup.sql
SET raresynth.progress = off;
\set small '{"embedding_dim": 16, "generator_dims": [32], "discriminator_dims": [32]}'
SELECT model FROM raresynth_train('heart', 'risk', epochs => 1, seed => 1, options => :'small');

-- the companion table we create takes the direct path: n NULL is enough
-- for 1:1, the rows land, the count is exact, and they are the rows
-- raresynth_sample gives for the seed
SELECT (SELECT count(*) FROM heart WHERE risk = 0) - (SELECT count(*) FROM heart WHERE risk = 1) AS to_balance;
SELECT raresynth_synthesize('heart_risk', seed => 11);
SELECT count(*), count(patient_id) AS ids, min(risk), max(risk) FROM heart_synthetic;
SELECT count(*) AS differing FROM (
    (SELECT * FROM heart_synthetic
     EXCEPT ALL SELECT * FROM raresynth_sample('heart_risk', 2485, NULL::heart, seed => 11))
    UNION ALL
    (SELECT * FROM raresynth_sample('heart_risk', 2485, NULL::heart, seed => 11)
     EXCEPT ALL SELECT * FROM heart_synthetic)) d;
SELECT risk, count(*) FROM heart_improved GROUP BY risk ORDER BY risk;
-- balanced: nothing more by default; n = 0 writes nothing; an explicit n
-- appends
SELECT raresynth_synthesize('heart_risk');
SELECT raresynth_synthesize('heart_risk', 0);
SELECT raresynth_synthesize('heart_risk', 1500, seed => 12);
SELECT count(*) FROM heart_synthetic;
SELECT risk, count(*) FROM heart_improved GROUP BY risk ORDER BY risk;

-- inside a transaction: the rows are visible and counted at once, and a
-- rollback takes them and the table away
BEGIN;
SELECT raresynth_synthesize('heart_risk', 1234, 'in_xact', seed => 1);
SELECT count(*) FROM in_xact;
SELECT n_tup_ins FROM pg_stat_xact_user_tables WHERE relname = 'in_xact';
ROLLBACK;
SELECT to_regclass('in_xact') AS in_xact;

-- a target of the user's with a dropped column: still the direct path,
-- each value in its column (and rows straddle the buffers of 1000)
CREATE TABLE heart_holey AS SELECT 1 AS gone, * FROM heart WITH NO DATA;
ALTER TABLE heart_holey DROP COLUMN gone;
SELECT raresynth_synthesize('heart_risk', 2500, 'heart_holey', seed => 11);
SELECT count(*) AS differing FROM (
    (SELECT * FROM heart_holey
     EXCEPT ALL SELECT * FROM raresynth_sample('heart_risk', 2500, NULL::heart, seed => 11))
    UNION ALL
    (SELECT * FROM raresynth_sample('heart_risk', 2500, NULL::heart, seed => 11)
     EXCEPT ALL SELECT * FROM heart_holey)) d;

-- targets that need more than storing rows go through INSERT (1000 rows
-- per statement): an index is maintained, triggers fire (statement
-- triggers once per statement), rows are routed to partitions; same rows
CREATE TABLE heart_indexed AS SELECT * FROM heart WITH NO DATA;
CREATE INDEX heart_indexed_age ON heart_indexed (age);
SELECT raresynth_synthesize('heart_risk', 2500, 'heart_indexed', seed => 11);
SET enable_seqscan = off;
SELECT count(*) AS through_index FROM heart_indexed WHERE age > -1000;
RESET enable_seqscan;
SELECT count(*) AS differing FROM (
    (SELECT * FROM heart_indexed EXCEPT ALL SELECT * FROM heart_holey)
    UNION ALL (SELECT * FROM heart_holey EXCEPT ALL SELECT * FROM heart_indexed)) d;

CREATE TABLE heart_triggered AS SELECT * FROM heart WITH NO DATA;
CREATE TABLE trigger_log (statements int, rows bigint);
INSERT INTO trigger_log VALUES (0, 0);
CREATE FUNCTION rs_test_name_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.patient_id := 'synthetic';
    UPDATE trigger_log SET rows = rows + 1;
    RETURN NEW;
END $$;
CREATE FUNCTION rs_test_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE trigger_log SET statements = statements + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER name_row BEFORE INSERT ON heart_triggered
    FOR EACH ROW EXECUTE FUNCTION rs_test_name_row();
CREATE TRIGGER count_statement AFTER INSERT ON heart_triggered
    FOR EACH STATEMENT EXECUTE FUNCTION rs_test_count_statement();
SELECT raresynth_synthesize('heart_risk', 2500, 'heart_triggered', seed => 2);
SELECT count(*), count(*) FILTER (WHERE patient_id = 'synthetic') AS named FROM heart_triggered;
SELECT * FROM trigger_log;

CREATE TABLE heart_parted (LIKE heart_holey) PARTITION BY LIST (risk);
CREATE TABLE heart_parted_1 PARTITION OF heart_parted FOR VALUES IN (1);
SELECT raresynth_synthesize('heart_risk', 300, 'heart_parted', seed => 2);
SELECT count(*) FROM heart_parted_1;

-- NOT NULL in a target of the user's: the INSERT's own error when a NULL
-- comes (patient_id is excluded, so always NULL), rows when none does
\x on
CREATE TABLE heart_strict (LIKE heart);
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 10, 'heart_strict', seed => 1)$$);
\x off
ALTER TABLE heart_strict ALTER patient_id DROP NOT NULL, ALTER risk SET NOT NULL;
SELECT raresynth_synthesize('heart_risk', 10, 'heart_strict', seed => 1);
SELECT count(*) FROM heart_strict;

-- which path each target takes (DEBUG1 says): a plain table straight into
-- the heap, the others through INSERT (no views here: only the write path)
SET client_min_messages = debug1;
BEGIN;
SELECT raresynth_synthesize('heart_risk', 10, 'heart_holey', seed => 3, improved => false);
SELECT raresynth_synthesize('heart_risk', 10, 'heart_indexed', seed => 3, improved => false),
       raresynth_synthesize('heart_risk', 10, 'heart_triggered', seed => 3, improved => false),
       raresynth_synthesize('heart_risk', 10, 'heart_parted', seed => 3, improved => false),
       raresynth_synthesize('heart_risk', 10, 'heart_strict', seed => 3, improved => false);
ROLLBACK;
RESET client_min_messages;

-- a target must be the caller's own: another role's table is refused even
-- with INSERT on it.  In a table of one's own, PostgreSQL's INSERT
-- privilege check comes before any row is made; INSERT on every column is
-- enough
CREATE ROLE rs_writer;
GRANT SELECT ON heart TO rs_writer;
GRANT CREATE ON SCHEMA public TO rs_writer;
CREATE TABLE heart_locked AS SELECT * FROM heart WITH NO DATA;
GRANT SELECT, INSERT ON heart_locked TO rs_writer;
DROP VIEW heart_improved;
SET ROLE rs_writer;
SELECT model FROM raresynth_train('heart', 'risk', model => 'writer_model', epochs => 1, seed => 1,
                                  options => :'small');
\x on
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('writer_model', 10, 'heart_locked', seed => 1)$$);
CREATE TABLE writer_own AS SELECT * FROM heart WITH NO DATA;
REVOKE INSERT ON writer_own FROM rs_writer;
SELECT * FROM pg_temp.try($$SELECT raresynth_synthesize('writer_model', 10, 'writer_own', seed => 1)$$);
\x off
DO $$ BEGIN
    EXECUTE (SELECT format('GRANT INSERT (%s) ON writer_own TO rs_writer',
                           string_agg(quote_ident(attname), ', '))
             FROM pg_attribute WHERE attrelid = 'writer_own'::regclass AND attnum > 0);
END $$;
SELECT raresynth_synthesize('writer_model', 10, 'writer_own', seed => 1);
SELECT count(*) FROM writer_own;
RESET ROLE;
SELECT count(*) FROM heart_locked;
DELETE FROM raresynth.models WHERE name = 'writer_model';
REVOKE CREATE ON SCHEMA public FROM rs_writer;
DROP OWNED BY rs_writer;
DROP ROLE rs_writer;

-- a read-only transaction: refused before anything is generated
CREATE TABLE heart_ro AS SELECT * FROM heart WITH NO DATA;
BEGIN READ ONLY;
SELECT code, message FROM pg_temp.try($$SELECT raresynth_synthesize('heart_risk', 10, 'heart_ro', seed => 1)$$);
ROLLBACK;

-- a cancelled synthesis leaves no row behind, and the table takes rows again
CREATE TABLE heart_cancelled AS SELECT * FROM heart WITH NO DATA;
SET statement_timeout = '1s';
SELECT raresynth_synthesize('heart_risk', 100000000, 'heart_cancelled', seed => 1);
RESET statement_timeout;
SELECT count(*) FROM heart_cancelled;
SELECT raresynth_synthesize('heart_risk', 5, 'heart_cancelled', seed => 1);

-- clean up for the tests that follow
DROP TABLE heart_synthetic, heart_holey, heart_indexed, heart_triggered, trigger_log, heart_parted,
    heart_strict, heart_locked, heart_ro, heart_cancelled CASCADE;
DROP FUNCTION rs_test_name_row(), rs_test_count_statement();
DELETE FROM raresynth.models;
