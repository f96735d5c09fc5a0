-- The lexical arm's postings name chunks by a number of their own
-- (lex_id) instead of their document ID and ordinal. A block's postings
-- were 128 text keys, each decoded into a Go string and hashed into the
-- walk's candidate map: about 1 µs a posting, most of a question's time
-- when its words are common (docs/performance.md). Numbers are read as
-- three int arrays in their binary form and looked up as integers.
--
-- lex_id is assigned by the identity on every insert (PutDocument, COPY),
-- so a replaced chunk gets a new number, like a new key: its old postings
-- are stale, as before, until BuildIndex recuts the blocks.
--
-- Every statement may run again (a test re-applies the migrations).

-- +goose Up
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS lex_id bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX IF NOT EXISTS chunks_lex_id ON chunks (lex_id);

-- The blocks are recut below from the chunks, with the new keys.
TRUNCATE bm25_blocks;
ALTER TABLE bm25_blocks DROP COLUMN IF EXISTS docs, DROP COLUMN IF EXISTS ords, ADD COLUMN IF NOT EXISTS ids bigint[] NOT NULL;
-- lz4 decompresses several times faster than pglz; a full block's arrays
-- (2 kB) are just over the size PostgreSQL compresses. A server built
-- without lz4 keeps pglz.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE bm25_blocks ALTER COLUMN ids SET COMPRESSION lz4, ALTER COLUMN tfs SET COMPRESSION lz4, ALTER COLUMN lens SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: the lexical blocks stay pglz-compressed';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bm25_build_blocks() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ref float8;
BEGIN
    SELECT CASE WHEN chunks > 0 AND terms > 0 THEN terms::float8 / chunks END INTO ref FROM bm25_corpus;
    UPDATE bm25_corpus SET ref_avg = ref, removed = 0;
    TRUNCATE bm25_blocks;
    INSERT INTO bm25_blocks (term, bound, ids, tfs, lens)
    SELECT term, max(s0), array_agg(lex_id ORDER BY r), array_agg(tf ORDER BY r), array_agg(lex_len ORDER BY r)
    FROM (SELECT u.term, c.lex_id, u.tf, c.lex_len, x.s0,
              row_number() OVER (PARTITION BY u.term ORDER BY x.s0 DESC, c.lex_id) - 1 AS r
          FROM chunks c, unnest(c.lex_terms, c.lex_tfs) AS u(term, tf),
          LATERAL (SELECT u.tf / (u.tf + 1.2 * (1 - 0.75 + 0.75 * c.lex_len / ref)) AS s0) x) p
    GROUP BY term, r / 128;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bm25_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref float8;
BEGIN
    IF coalesce(current_setting('coopbot.bm25_defer', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM bm25_count(CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END,
        (SELECT count(*) FROM changed), (SELECT coalesce(sum(lex_len), 0) FROM changed),
        w.words, w.dfs)
    FROM (SELECT array_agg(term) AS words, array_agg(n) AS dfs
          FROM (SELECT u.term, count(*) AS n FROM changed, unnest(changed.lex_terms) AS u(term) GROUP BY u.term) x) w;
    IF TG_OP <> 'INSERT' THEN
        RETURN NULL;
    END IF;
    -- The new chunks' postings, in blocks as bm25_build_blocks cuts them.
    SELECT ref_avg INTO ref FROM bm25_corpus;
    INSERT INTO bm25_blocks (term, bound, ids, tfs, lens)
    SELECT term, max(s0), array_agg(lex_id ORDER BY r), array_agg(tf ORDER BY r), array_agg(lex_len ORDER BY r)
    FROM (SELECT u.term, c.lex_id, u.tf, c.lex_len, x.s0,
              row_number() OVER (PARTITION BY u.term ORDER BY x.s0 DESC, c.lex_id) - 1 AS r
          FROM changed c, unnest(c.lex_terms, c.lex_tfs) AS u(term, tf),
          LATERAL (SELECT u.tf / (u.tf + 1.2 * (1 - 0.75 + 0.75 * c.lex_len / ref)) AS s0) x) p
    GROUP BY term, r / 128;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Stores with chunks get their blocks back (a first bulk load before
-- BuildIndex has none to get: BuildIndex cuts them).
SELECT bm25_build_blocks() FROM bm25_corpus WHERE ref_avg IS NOT NULL;

-- +goose Down
-- Going down leaves the blocks empty and every later insert failing until
-- migration 00007 is applied again (its functions name docs and ords).
TRUNCATE bm25_blocks;
ALTER TABLE bm25_blocks DROP COLUMN ids, ADD COLUMN docs text[] NOT NULL, ADD COLUMN ords integer[] NOT NULL;
DROP INDEX chunks_lex_id;
ALTER TABLE chunks DROP COLUMN lex_id;
