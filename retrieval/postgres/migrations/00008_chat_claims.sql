-- State that the replicas of coopbot serve share (docs/deploy.md,
-- "Replicas"): which replica answers a chat event, and each chat user's
-- rate-limit bucket.
--
-- chat_claims: one row per Slack event id, (channel, ts), signed command
-- or Socket Mode envelope, Discord message or interaction id; the first
-- INSERT … ON CONFLICT DO NOTHING to land answers, the others ignore the
-- event. Rows older than the claim TTL are swept.
--
-- chat_rate: a token bucket per user ("slack:U…", "discord:…"), refilled
-- by elapsed time and taken from in one atomic upsert; a bucket that has
-- refilled is swept, which changes nothing about whom it admits.
--
-- IF NOT EXISTS: a store rewound to an earlier version (the shard test
-- does) replays this migration over its tables.

-- +goose Up
CREATE TABLE IF NOT EXISTS chat_claims (
    key        text PRIMARY KEY,
    claimed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS chat_claims_claimed_at ON chat_claims (claimed_at);

CREATE TABLE IF NOT EXISTS chat_rate (
    user_key   text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_rate_updated_at ON chat_rate (updated_at);

-- +goose Down
DROP TABLE IF EXISTS chat_rate;
DROP TABLE IF EXISTS chat_claims;
