package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/metrics"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRecorderCountsOutcomes(t *testing.T) {
	mt := metrics.New()
	b := New(edge.New(testcore.Service(t), edge.Options{Recorder: mt}), nil, Options{RatePerMinute: 1, Burst: 2})
	ask := func(q string) {
		req := Request{Platform: "slack", UserID: "U1", ChannelID: "C1", Question: q}
		if out, ok := b.Precheck(req); ok {
			b.Answer(context.Background(), out.RequestID, req)
		}
	}
	ask("Which minister announced the Typhoon exercise plan?")
	ask("How do I reset my password?")
	ask("Is the RAF sending Typhoon jets to Japan?") // over the burst of 2
	want := `
# HELP coopbot_questions_total Questions asked, by surface (cli, web, api, slack, discord) and outcome (answered, abstained, invalid, rate_limited, error).
# TYPE coopbot_questions_total counter
coopbot_questions_total{outcome="abstained",surface="slack"} 1
coopbot_questions_total{outcome="answered",surface="slack"} 1
coopbot_questions_total{outcome="rate_limited",surface="slack"} 1
`
	if err := testutil.GatherAndCompare(mt.Registry(), strings.NewReader(want), "coopbot_questions_total"); err != nil {
		t.Error(err)
	}
}
