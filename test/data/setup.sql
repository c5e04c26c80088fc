-- setup.sql: what every pg_regress script starts with: error display
-- without source locations, the bundled heart data as table "heart", and
-- pg_temp.try() to show an error's SQLSTATE, message, detail and hint.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
\i test/data/heart.sql
RESET client_min_messages;
\i test/data/try.sql
