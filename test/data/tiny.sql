-- tiny.sql: an 80-row table (20 rows of class 1) readable by every role, and
-- :small, network sizes that make a training of one epoch take milliseconds;
-- for the tests of the model catalog
CREATE TABLE tiny AS
  SELECT i::float8 AS x, (i % 3)::text AS c, (i % 4 = 0)::int AS y
  FROM generate_series(1, 80) AS i;
GRANT SELECT ON tiny TO PUBLIC;
\set small '{"embedding_dim": 8, "generator_dims": [8], "discriminator_dims": [8]}'
