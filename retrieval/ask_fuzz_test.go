package retrieval_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// citeMarker matches an answer's [n] markers.
var citeMarker = regexp.MustCompile(`\[(\d+)\]`)

// FuzzAsk checks Ask's guarantees on any question the edge accepts: no
// panic, no error but EINVALID for a question CleanQuestion refuses, and
// an answer that either abstains with no citations or cites only
// passages it lists, each quoting its own text. The question readers
// (chat noise, idioms, intents, codes, places, overview, roles) all run
// on the fuzzed text. Seeds: chat-style questions that reach each reader.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{
		"Which minister announced the Typhoon exercise plan?",
		"hey team!! 🎉 first week here — JNAAM in one line? ty",
		"rn who's japan's pm in these articles",
		"one line each on what the two articles are about?",
		"how many kinds of non-combat missions are they training for",
		"who came after kishida as japan's foreign minister",
		"did japan do a cooperation deal with the philippines as well",
		"is the EF-2000 going to japan", "what came after the 2013 framework",
		"how much is a flight to tokyo rn", "- — – the the", "EF-", "-2000", "how many such as and",
	} {
		f.Add(s)
	}
	svc := testcore.Service(f)
	f.Fuzz(func(t *testing.T, q string) {
		a, err := svc.Ask(context.Background(), q)
		if err != nil {
			if _, cerr := retrieval.CleanQuestion(q); cerr == nil || retrieval.ErrorCode(err) != retrieval.EINVALID {
				t.Fatalf("Ask(%q): %v", q, err)
			}
			return
		}
		if a.Abstained {
			if len(a.Citations) != 0 {
				t.Fatalf("Ask(%q) abstains with %d citations", q, len(a.Citations))
			}
			return
		}
		for _, m := range citeMarker.FindAllStringSubmatch(a.Text, -1) {
			var n int
			fmt.Sscan(m[1], &n)
			if n < 1 || n > len(a.Citations) {
				t.Fatalf("Ask(%q) = %q cites [%d] of %d citations", q, a.Text, n, len(a.Citations))
			}
		}
		for _, c := range a.Citations {
			if !strings.Contains(c.Text, c.Highlight) {
				t.Fatalf("Ask(%q) citation [%d] quotes %q, not in its passage", q, c.N, c.Highlight)
			}
		}
	})
}
