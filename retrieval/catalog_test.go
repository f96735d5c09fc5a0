package retrieval_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/memory"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// The refusal names what the store holds, a configured description
// instead when set, and says so plainly when the store is empty.
func TestRefusalNamesTheSources(t *testing.T) {
	ctx := context.Background()
	svc := testcore.Service(t)
	const offTopic = "Who won the 2018 World Cup?"
	ans, err := svc.Ask(ctx, offTopic)
	if err != nil || !ans.Abstained {
		t.Fatalf("Ask(%q) = %+v, %v; want abstained", offTopic, ans, err)
	}
	for _, want := range []string{"don't cover", "UK ministers visit Tokyo", "(2016-01-08)", "(2015-01-21)"} {
		if !strings.Contains(ans.Text, want) {
			t.Errorf("refusal %q lacks %q", ans.Text, want)
		}
	}

	desc := *svc
	desc.Description = "the onboarding handbook"
	if ans, _ := desc.Ask(ctx, offTopic); !strings.HasSuffix(ans.Text, "I can only answer from the onboarding handbook.") {
		t.Errorf("refusal with a description = %q; want it named", ans.Text)
	}

	empty := *svc
	empty.Store = memory.New(snowball.New())
	ans, err = empty.Ask(ctx, "Which minister announced the Typhoon exercise plan?")
	if err != nil || !ans.Abstained || ans.Text != retrieval.EmptyIndexText {
		t.Errorf("Ask on an empty store = %+v, %v; want %q", ans, err, retrieval.EmptyIndexText)
	}
}
