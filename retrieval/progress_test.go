package retrieval_test

import (
	"context"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// countingAnswerer is the extractive answerer noting how many passages
// it was given and what progress had been reported by then.
type countingAnswerer struct {
	got, reported *int
}

func (c countingAnswerer) Answer(ctx context.Context, q string, snips []retrieval.Snippet) (retrieval.Answer, error) {
	*c.got = len(snips)
	if *c.reported < 0 {
		*c.got = -2 // the answerer ran before progress was reported
	}
	return retrieval.Extractive{}.Answer(ctx, q, snips)
}

// TestProgressReportsPassagesBeforeAnswering: the count WithProgress
// receives is the number of passages the Answerer is then given; a
// question refused as not covered reports nothing.
func TestProgressReportsPassagesBeforeAnswering(t *testing.T) {
	for _, tc := range []struct {
		question string
		covered  bool
	}{
		{"Which minister announced the Typhoon exercise plan?", true},
		{"What is the recipe for a chocolate soufflé?", false},
	} {
		svc := testcore.Service(t)
		reported, got, calls := -1, -1, 0
		svc.Answerer = countingAnswerer{got: &got, reported: &reported}
		ctx := retrieval.WithProgress(context.Background(), func(n int) { reported, calls = n, calls+1 })
		ans, err := svc.Ask(ctx, tc.question)
		if err != nil {
			t.Fatalf("Ask(%q): %v", tc.question, err)
		}
		switch {
		case tc.covered && (calls != 1 || reported != got || got < 1):
			t.Errorf("Ask(%q) reported %d passages in %d calls; want 1 call with the %d the answerer got", tc.question, reported, calls, got)
		case !tc.covered && (calls != 0 || !ans.Abstained):
			t.Errorf("Ask(%q) reported %d calls, abstained %v; want 0 calls and an abstention", tc.question, calls, ans.Abstained)
		}
	}
}
