-- The answer log (feedback.Entry) and the votes on its answers
-- (feedback.Vote); docs/feedback.md says what is kept and for how long.
-- Users and channels are keyed hashes, never the platforms' raw ids. A
-- vote is keyed by answer and voter, so a second vote replaces the first,
-- and goes with its answer when the answer is purged. IF NOT EXISTS: a
-- store migrated back below this version (a test does) migrates again.

-- +goose Up
CREATE TABLE IF NOT EXISTS answer_log (
    id          text PRIMARY KEY,
    at          timestamptz NOT NULL,
    surface     text NOT NULL,
    channel     text NOT NULL DEFAULT '',
    asker       text NOT NULL DEFAULT '',
    question    text NOT NULL,
    standalone  text NOT NULL,
    abstained   boolean NOT NULL,
    chunks      jsonb NOT NULL DEFAULT '[]',
    answerer    text NOT NULL DEFAULT '',
    latency_ms  double precision NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answer_log_at ON answer_log (at);

CREATE TABLE IF NOT EXISTS answer_votes (
    answer_id  text NOT NULL REFERENCES answer_log (id) ON DELETE CASCADE,
    voter      text NOT NULL,
    surface    text NOT NULL,
    vote       text NOT NULL CHECK (vote IN ('up', 'down')),
    comment    text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    PRIMARY KEY (answer_id, voter)
);

-- +goose Down
DROP TABLE IF EXISTS answer_votes;
DROP TABLE IF EXISTS answer_log;
