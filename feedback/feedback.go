// Package feedback is coopbot's answer log and the votes on its answers:
// every question answered or refused on any surface is recorded (Entry),
// users vote 👍/👎 on the answers (Vote), and the report of coverage gaps
// (Gaps) groups the refused and down-voted questions by meaning so a
// maintainer knows which document to add. Users and channels are stored
// only as keyed hashes (Hasher), never as the platform's raw ids.
//
// A Log stands in front of a Store (Memory in process, PostgreSQL in
// retrieval/postgres): it records without ever blocking an answer, and
// purges old entries on a schedule. It imports the standard library only.
package feedback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Vote values.
const (
	Up   = "up"
	Down = "down"
)

// Chunk is one cited passage: its document and the chunk's ordinal in it.
type Chunk struct {
	Document string `json:"document"`
	Ordinal  int    `json:"ordinal"`
}

// Entry is one answered or refused question.
type Entry struct {
	ID      string // the request id, quoted to users and carried by the vote buttons
	Time    time.Time
	Surface string // an edge.Surface* value
	// Channel and User are keyed hashes (Hasher), "" when the surface
	// has none (the CLI, the web page).
	Channel, User string
	Question      string // as the user asked it
	Standalone    string // as retrieval searched for it (a follow-up rewritten)
	Abstained     bool
	Chunks        []Chunk
	Answerer      string // "extractive", a model's name, "abstain-rule"
	Latency       time.Duration
}

// Vote is one user's verdict on an answer.
type Vote struct {
	AnswerID string
	Surface  string
	Voter    string // keyed hash of the voter
	Value    string // Up or Down
	Comment  string
	Time     time.Time
}

// Result says what a vote did.
type Result int

// Vote results.
const (
	Recorded  Result = iota // the voter's first vote on this answer
	Changed                 // it replaced the voter's other vote
	Unchanged               // the voter had already cast this vote
)

// Record is an Entry with the votes cast on it.
type Record struct {
	Entry
	Ups, Downs int
	Comments   []string
}

// ErrUnknownAnswer is Store.Vote's error for an answer id not in the log
// (never logged, or purged).
var ErrUnknownAnswer = errors.New("no such answer in the log")

// Store keeps entries and votes. Implementations are safe for concurrent
// use.
type Store interface {
	// Append stores entries; an id already stored is left as it is.
	Append(ctx context.Context, entries []Entry) error
	// Vote stores v, replacing the voter's earlier vote on the same
	// answer. Errors: ErrUnknownAnswer.
	Vote(ctx context.Context, v Vote) (Result, error)
	// Since returns the entries logged at or after t, oldest first, with
	// their votes.
	Since(ctx context.Context, t time.Time) ([]Record, error)
	// Purge deletes the entries (and their votes) logged before t and
	// returns how many entries went. A store shared by replicas lets one
	// purge at a time; the others return 0.
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Hasher turns raw platform ids into keyed hashes: HMAC-SHA-256 under a
// secret, so the log can tell two users apart without being able to name
// either, and a leaked table cannot be joined back to a workspace.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher keyed by key.
func NewHasher(key []byte) Hasher { return Hasher{key: append([]byte(nil), key...)} }

// Hash returns the hash of raw in namespace kind ("user", "channel"), or
// "" for an empty raw.
func (h Hasher) Hash(kind, raw string) string {
	if raw == "" {
		return ""
	}
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(raw))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
