-- The sources of the SOURCES setting that coopbot serve refreshes: what
-- the last refresh of each found, for the next conditional request
-- (etag, last_modified), for coopbot sources (fetched_at, status) and to
-- remove the documents a source no longer holds (documents).

-- +goose Up
CREATE TABLE IF NOT EXISTS sources (
    location      text PRIMARY KEY,
    kind          text NOT NULL,
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    fetched_at    timestamptz NOT NULL,
    status        text NOT NULL,
    documents     text[] NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE IF EXISTS sources;
