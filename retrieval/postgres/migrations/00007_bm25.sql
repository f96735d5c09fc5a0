-- The lexical arm ranks by BM25 over the terms coopbot's own analyzer
-- (retrieval.Analyzer) makes of each chunk, the same terms the in-process
-- store indexes, so both stores rank a corpus identically. Each chunk
-- keeps its distinct terms (lex_terms, GIN-indexed: the postings), their
-- counts (lex_tfs, same order) and its length in terms (lex_len); the
-- Store writes them with the chunk. bm25_terms (document frequency per
-- term) and bm25_corpus (chunks and terms in all) are kept by statement
-- triggers on chunks, in the writing transaction, for every path that
-- adds or removes chunks (PutDocument, DeleteDocument's cascade, bulk
-- loads). The PostgreSQL tsvector column and its index go: nothing reads
-- them any more, and to_tsvector cost about 50 µs of ingest per chunk.
--
-- Every statement may run again (a test re-applies the migrations).
--
-- Chunks written before this migration have no terms yet: Open computes
-- them (backfillTerms) and then the statistics.

-- +goose Up
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS lex_terms text[], ADD COLUMN IF NOT EXISTS lex_tfs integer[], ADD COLUMN IF NOT EXISTS lex_len integer;
DROP INDEX IF EXISTS chunks_tsv_gin;
ALTER TABLE chunks DROP COLUMN IF EXISTS tsv;
CREATE INDEX IF NOT EXISTS chunks_lex_gin ON chunks USING gin (lex_terms);

CREATE TABLE IF NOT EXISTS bm25_terms (
    term text   PRIMARY KEY,
    df   bigint NOT NULL
);

-- bm25_corpus has exactly one row.
-- ref_avg is the average chunk length the blocks' bounds were computed
-- with (NULL until the first chunk); removed counts the chunks deleted
-- since the blocks were cut, whose postings are stale.
CREATE TABLE IF NOT EXISTS bm25_corpus (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    chunks  bigint  NOT NULL,
    terms   bigint  NOT NULL,
    ref_avg float8,
    removed bigint  NOT NULL DEFAULT 0
);
ALTER TABLE bm25_corpus ADD COLUMN IF NOT EXISTS ref_avg float8, ADD COLUMN IF NOT EXISTS removed bigint NOT NULL DEFAULT 0;
INSERT INTO bm25_corpus VALUES (true, 0, 0, NULL, 0) ON CONFLICT DO NOTHING;

-- bm25_blocks are the impact-ordered postings the lexical arm walks
-- (walk.go): each row holds up to 128 of one term's postings, the
-- chunks' keys, term counts and lengths, and bound, the best of their
-- tf-components tf / (tf + k1 × (1 - b + b × len / ref_avg)), k1 and b
-- written in as retrieval.BM25K1 and BM25B (1.2, 0.75). BuildIndex
-- (bm25_build_blocks) cuts each term's postings, best first, into blocks,
-- so that a term's blocks read by bound descending read its postings best
-- first; every later INSERT of chunks adds blocks of its own chunks
-- (bm25_changed). A deleted or replaced chunk's postings stay until the
-- next BuildIndex (bm25_corpus.removed counts them): until then the arm
-- checks its candidates against chunks.
CREATE TABLE IF NOT EXISTS bm25_blocks (
    id    bigint    GENERATED ALWAYS AS IDENTITY,
    term  text      NOT NULL,
    bound float8    NOT NULL,
    docs  text[]    NOT NULL,
    ords  integer[] NOT NULL,
    tfs   integer[] NOT NULL,
    lens  integer[] NOT NULL
);
CREATE INDEX IF NOT EXISTS bm25_blocks_walk ON bm25_blocks (term, bound, id);

-- bm25_build_blocks recomputes every block from the chunks, with the
-- current average length as ref_avg.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bm25_build_blocks() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ref float8;
BEGIN
    SELECT CASE WHEN chunks > 0 AND terms > 0 THEN terms::float8 / chunks END INTO ref FROM bm25_corpus;
    UPDATE bm25_corpus SET ref_avg = ref, removed = 0;
    TRUNCATE bm25_blocks;
    INSERT INTO bm25_blocks (term, bound, docs, ords, tfs, lens)
    SELECT term, max(s0), array_agg(document_id ORDER BY r), array_agg(ordinal ORDER BY r),
        array_agg(tf ORDER BY r), array_agg(lex_len ORDER BY r)
    FROM (SELECT u.term, c.document_id, c.ordinal, u.tf, c.lex_len, x.s0,
              row_number() OVER (PARTITION BY u.term ORDER BY x.s0 DESC, c.document_id, c.ordinal) - 1 AS r
          FROM chunks c, unnest(c.lex_terms, c.lex_tfs) AS u(term, tf),
          LATERAL (SELECT u.tf / (u.tf + 1.2 * (1 - 0.75 + 0.75 * c.lex_len / ref)) AS s0) x) p
    GROUP BY term, r / 128;
END
$$;
-- +goose StatementEnd

-- bm25_count adds (sign 1) or removes (sign -1) the statement's chunks'
-- terms. Every writer locks the bm25_corpus row first, so writers of
-- chunks serialize there before touching any term row and cannot
-- deadlock on the terms. A bulk load into an empty store sets
-- coopbot.bm25_defer for its transactions and BuildIndex counts once
-- (postgres.countTerms). Terms whose count falls to 0 stay (df 0 matches
-- nothing).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bm25_count(sign integer, rows_changed bigint, terms_changed bigint, words text[], dfs bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- The first chunks fix ref_avg: bounds stay bounds at any average
    -- (lexical.go), and BuildIndex recomputes them.
    UPDATE bm25_corpus SET chunks = chunks + sign * rows_changed, terms = terms + sign * terms_changed,
        ref_avg = coalesce(ref_avg, CASE WHEN sign > 0 AND rows_changed > 0 AND terms_changed > 0
                                         THEN terms_changed::float8 / rows_changed END),
        removed = removed + CASE WHEN sign < 0 THEN rows_changed ELSE 0 END;
    INSERT INTO bm25_terms AS t (term, df)
        SELECT w, sign * n FROM unnest(words, dfs) AS u(w, n) ORDER BY w COLLATE "C"
        ON CONFLICT (term) DO UPDATE SET df = t.df + excluded.df;
END
$$;
-- +goose StatementEnd

-- bm25_changed counts the chunks a statement added (INSERT) or removed
-- (DELETE), both triggers naming their transition table "changed".
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
    INSERT INTO bm25_blocks (term, bound, docs, ords, tfs, lens)
    SELECT term, max(s0), array_agg(document_id ORDER BY r), array_agg(ordinal ORDER BY r),
        array_agg(tf ORDER BY r), array_agg(lex_len ORDER BY r)
    FROM (SELECT u.term, c.document_id, c.ordinal, u.tf, c.lex_len, x.s0,
              row_number() OVER (PARTITION BY u.term ORDER BY x.s0 DESC, c.document_id, c.ordinal) - 1 AS r
          FROM changed c, unnest(c.lex_terms, c.lex_tfs) AS u(term, tf),
          LATERAL (SELECT u.tf / (u.tf + 1.2 * (1 - 0.75 + 0.75 * c.lex_len / ref)) AS s0) x) p
    GROUP BY term, r / 128;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE OR REPLACE TRIGGER chunks_bm25_added AFTER INSERT ON chunks REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION bm25_changed();
CREATE OR REPLACE TRIGGER chunks_bm25_removed AFTER DELETE ON chunks REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION bm25_changed();

-- +goose Down
DROP TRIGGER chunks_bm25_removed ON chunks;
DROP TRIGGER chunks_bm25_added ON chunks;
DROP FUNCTION bm25_changed();
DROP FUNCTION bm25_count(integer, bigint, bigint, text[], bigint[]);
DROP FUNCTION bm25_build_blocks();
DROP TABLE bm25_blocks;
DROP TABLE bm25_corpus;
DROP TABLE bm25_terms;
DROP INDEX chunks_lex_gin;
ALTER TABLE chunks DROP COLUMN lex_terms, DROP COLUMN lex_tfs, DROP COLUMN lex_len;
ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX chunks_tsv_gin ON chunks USING gin (tsv);
