-- raresynth_quality: fidelity, validity and privacy metrics, checked on
-- cases whose answer is known
\i test/data/setup.sql

-- the real positives against themselves: perfect fidelity, every row a copy
CREATE TABLE heart_copy AS SELECT * FROM heart WHERE risk = 1;
SELECT metric, round(value::numeric, 6) AS value
FROM raresynth_quality('heart', 'heart_copy', 'risk')
WHERE column_name IS NULL AND metric NOT LIKE 'dcr_real%';

-- real negatives posing as positives: close, but not copies (the data set is
-- itself synthetic: its classes barely differ)
CREATE TABLE negatives AS SELECT * FROM heart WHERE risk = 0;
UPDATE negatives SET risk = 1;
SELECT metric, value >= 0.95 AS high
FROM raresynth_quality('heart', 'negatives', 'risk')
WHERE metric IN ('ks_complement_mean', 'tv_complement_mean', 'correlation_similarity_mean');
SELECT metric, value
FROM raresynth_quality('heart', 'negatives', 'risk')
WHERE metric IN ('rows_real', 'rows_synthetic', 'exact_matches');
-- per column: one KS or TV score for each feature, one out-of-range count
SELECT metric, count(*) FROM raresynth_quality('heart', 'negatives', 'risk')
WHERE column_name IS NOT NULL GROUP BY metric ORDER BY metric;

-- out of range and non-integral values are counted
CREATE TABLE broken AS SELECT * FROM heart WHERE risk = 1 LIMIT 100;
UPDATE broken SET age = 200 WHERE patient_id IN (SELECT patient_id FROM broken ORDER BY patient_id LIMIT 3);
UPDATE broken SET sex = 'Other' WHERE patient_id IN (SELECT patient_id FROM broken ORDER BY patient_id DESC LIMIT 2);
SELECT column_name, value FROM raresynth_quality('heart', 'broken', 'risk')
WHERE metric = 'out_of_range' AND value > 0 ORDER BY column_name;
SELECT value FROM raresynth_quality('heart', 'broken', 'risk') WHERE metric = 'out_of_range_rows';

\x on
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', 'risk', '7')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', 'risk', '0')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'no_such', 'risk')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM raresynth_quality('heart', 'heart_copy', NULL)$$);
\x off

-- clean up
DROP TABLE heart_copy, negatives, broken;
