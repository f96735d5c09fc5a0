package retrieval

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Catalog is implemented by stores that can say what they hold; the
// refusal names it, so a user learns what the bot can answer instead of
// a fixed sentence.
type Catalog interface {
	// Catalog returns the metadata (no text) of at most limit documents,
	// newest first, and the number of documents stored. Errors: as for
	// the store's other reads (EUNAVAILABLE when the database cannot be
	// reached).
	Catalog(ctx context.Context, limit int) (docs []Document, total int, err error)
}

// Freshness is implemented by stores that know when their documents last
// changed (the Slack App Home shows it as the last refresh).
type Freshness interface {
	// Updated returns when a document was last stored or replaced; zero
	// for an empty store. Errors: as for the store's other reads.
	Updated(ctx context.Context) (time.Time, error)
}

// EmptyIndexText is the refusal of a store that holds no documents.
const EmptyIndexText = "The index is empty: there are no documents to answer from yet. Run coopbot ingest to load some."

// catalogShown is how many titles a refusal names.
const catalogShown = 3

// refusal returns the text of an abstention: the sources don't cover the
// question, then what they do cover — Description when set, otherwise the
// store's documents by title and date.
func (s *Service) refusal(ctx context.Context) string {
	if s.Description != "" {
		return "The sources don't cover this question. I can only answer from " + strings.TrimSuffix(s.Description, ".") + "."
	}
	c, ok := s.Store.(Catalog)
	if !ok {
		return AbstainedText
	}
	docs, total, err := c.Catalog(ctx, catalogShown)
	switch {
	case err != nil:
		s.logger().WarnContext(ctx, "catalog for the refusal failed", "err", err)
		return AbstainedText
	case total == 0:
		return EmptyIndexText
	}
	return "The sources don't cover this question. I can only answer from " + describeDocs(docs, total) + "."
}

// describeDocs names documents by title and date: `"A" (2016-01-08) and
// "B" (2015-01-21)`, or `12 documents, among them "A", "B" and "C"`.
func describeDocs(docs []Document, total int) string {
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		n := quoteTitle(d)
		if d.Date != "" {
			n += " (" + d.Date + ")"
		}
		names = append(names, n)
	}
	list := joinAnd(names)
	if total > len(docs) {
		return fmt.Sprintf("%d documents, among them %s", total, list)
	}
	if total == 1 {
		return "one document: " + list
	}
	return list
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
