-- The PDF page a chunk starts on (retrieval.Chunk.Page), for citations
-- "p. N, ¶M"; 0 for a document without pages, which is every chunk
-- written before this column. IF [NOT] EXISTS: a store migrated back
-- below this version migrates again, and a rebuild's schema (coopbot
-- ingest --reindex) gets the column from this same migration.

-- +goose Up
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS page integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE chunks DROP COLUMN IF EXISTS page;
