-- raresynth_evaluate's progress: a NOTICE naming the work comes before any
-- of it (here the memory check stops the work right after it, so no
-- progress line with timings follows); raresynth.progress = off silences it
\i test/data/setup.sql
SET raresynth.progress = on;
SET maintenance_work_mem = '1MB';
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', runs => 5, sizes => '{1000,NULL}')$$);
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', methods => '{gan}', runs => 1, sizes => '{500}')$$);
-- bad arguments are refused before it
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', runs => 0)$$);
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', sizes => '{1000,100000}')$$);
SET raresynth.progress = off;
SELECT code FROM pg_temp.try($$SELECT * FROM raresynth_evaluate('heart', 'risk', runs => 5, sizes => '{1000,NULL}')$$);
RESET maintenance_work_mem;
RESET raresynth.progress;
