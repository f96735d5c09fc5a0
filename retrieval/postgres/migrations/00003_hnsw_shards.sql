-- The dense arm searches one HNSW graph per shard (retrieval/postgres:
-- Shards, createHNSW): each chunk belongs to the shard its document ID
-- hashes to, and every shard has its own partial index. A store built
-- before shards has one index over all chunks; this replaces it with the
-- two shard indexes, which rebuilds the graphs: seconds for the bundled
-- corpus, about 20 minutes per million chunks on two cores. An empty
-- store (no HNSW index yet) gets them on its first write.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    n    bigint;
    dims integer;
BEGIN
    IF to_regclass('chunks_embedding_hnsw') IS NULL THEN
        RETURN;
    END IF;
    SELECT count(*) INTO n FROM chunks;
    SELECT coalesce(max(dimensions), 2000) INTO dims FROM store_meta;
    -- A graph builds fastest when it fits in maintenance_work_mem: about
    -- rows × (4 × dimensions + 200) bytes, half the rows per shard.
    PERFORM set_config('maintenance_work_mem',
        least(greatest(64, n * (4 * dims + 200) * 5 / 4 / 2 / 1048576 + 1), 8192)::text || 'MB', true);
    CREATE INDEX chunks_embedding_hnsw_0 ON chunks USING hnsw (embedding vector_cosine_ops)
        WITH (m = 16, ef_construction = 256) WHERE (hashtext(document_id) & 1) = 0;
    CREATE INDEX chunks_embedding_hnsw_1 ON chunks USING hnsw (embedding vector_cosine_ops)
        WITH (m = 16, ef_construction = 256) WHERE (hashtext(document_id) & 1) = 1;
    DROP INDEX chunks_embedding_hnsw;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF to_regclass('chunks_embedding_hnsw_0') IS NULL THEN
        RETURN;
    END IF;
    CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops)
        WITH (m = 16, ef_construction = 256);
    DROP INDEX chunks_embedding_hnsw_0;
    DROP INDEX IF EXISTS chunks_embedding_hnsw_1;
END
$$;
-- +goose StatementEnd
