-- coopbot's PostgreSQL schema. The embedding column starts untyped; the
-- first PutDocument into an empty store fixes its dimension
-- (ALTER ... TYPE vector(N)) and builds the HNSW index, because the
-- dimension is known only once an embedder has produced a vector.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS vector;

-- store_meta has at most one row: the embedder that built the store.
CREATE TABLE store_meta (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    embedder   text    NOT NULL,
    dimensions integer NOT NULL CHECK (dimensions > 0)
);

CREATE TABLE documents (
    id         text        PRIMARY KEY,
    title      text        NOT NULL DEFAULT '',
    date       text        NOT NULL DEFAULT '', -- YYYY-MM-DD or ''
    outlet     text        NOT NULL DEFAULT '',
    author     text        NOT NULL DEFAULT '',
    source     text        NOT NULL DEFAULT '',
    hash       text        NOT NULL DEFAULT '',
    text       text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chunks (
    document_id text      NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal     integer   NOT NULL CHECK (ordinal >= 0),
    para_start  integer   NOT NULL,
    para_end    integer   NOT NULL,
    start_off   integer   NOT NULL,
    end_off     integer   NOT NULL,
    text        text      NOT NULL,
    -- sentence spans relative to text, flattened: {start0,end0,start1,end1,...}
    sentences   integer[] NOT NULL DEFAULT '{}',
    embedding   vector    NOT NULL,
    tsv         tsvector  GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    PRIMARY KEY (document_id, ordinal)
);

CREATE INDEX chunks_tsv_gin ON chunks USING gin (tsv);

-- +goose Down
DROP TABLE chunks;
DROP TABLE documents;
DROP TABLE store_meta;
