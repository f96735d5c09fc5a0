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
CREATE TABLE IF NOT EXISTS bm25_corpus (
    id     boolean PRIMARY KEY DEFAULT true CHECK (id),
    chunks bigint  NOT NULL,
    terms  bigint  NOT NULL
);
INSERT INTO bm25_corpus VALUES (true, 0, 0) ON CONFLICT DO NOTHING;

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
    UPDATE bm25_corpus SET chunks = chunks + sign * rows_changed, terms = terms + sign * terms_changed;
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
BEGIN
    IF coalesce(current_setting('coopbot.bm25_defer', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM bm25_count(CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END,
        (SELECT count(*) FROM changed), (SELECT coalesce(sum(lex_len), 0) FROM changed),
        w.words, w.dfs)
    FROM (SELECT array_agg(term) AS words, array_agg(n) AS dfs
          FROM (SELECT u.term, count(*) AS n FROM changed, unnest(changed.lex_terms) AS u(term) GROUP BY u.term) x) w;
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
DROP TABLE bm25_corpus;
DROP TABLE bm25_terms;
DROP INDEX chunks_lex_gin;
ALTER TABLE chunks DROP COLUMN lex_terms, DROP COLUMN lex_tfs, DROP COLUMN lex_len;
ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX chunks_tsv_gin ON chunks USING gin (tsv);
