package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
)

// scrape returns the text the /metrics handler serves.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("metrics lack %q", l)
		}
	}
}

// TestDecoratorsOverRealCore instruments the real core and checks every
// metric the issue names.
func TestDecoratorsOverRealCore(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	svc := testcore.Service(t)
	raw := svc.Store
	svc.Embedder = m.Embedder(svc.Embedder)
	svc.Store = m.Store(svc.Store)
	if err := m.RegisterIndexGauges(raw.Stats); err != nil {
		t.Fatal(err)
	}
	front := edge.New(svc, edge.Options{Recorder: m})
	slack := func(q string) (retrieval.Answer, error) {
		return front.Ask(ctx, edge.Question{Surface: edge.SurfaceSlack, Text: q})
	}

	ans, err := slack("Which minister announced the Typhoon exercise plan?")
	if err != nil || ans.Abstained {
		t.Fatalf("Ask = %+v, %v; want an answer", ans, err)
	}
	refusal, err := slack("Who won the 2015 Rugby World Cup?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slack("   "); err == nil {
		t.Fatal("empty question accepted")
	}
	testcore.Add(t, svc, retrieval.Document{ID: "extra", Title: "Extra", Date: "2020-01-01",
		Text: "A third report about a naval exercise.\n\nIt has two paragraphs."})
	if err := svc.Store.DeleteDocument(ctx, "extra"); err != nil {
		t.Fatal(err)
	}
	st, err := raw.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	text := scrape(t, m)
	wantLines(t, text,
		`coopbot_questions_total{outcome="answered",surface="slack"} 1`,
		`coopbot_questions_total{outcome="abstained",surface="slack"} 1`,
		`coopbot_questions_total{outcome="invalid",surface="slack"} 1`,
		`coopbot_answer_seconds_bucket{surface="slack",le="+Inf"} 3`,
		`coopbot_answer_seconds_bucket{surface="slack",le="0.001"}`,
		`coopbot_embed_seconds_bucket{le="+Inf"} 3`, // two questions and the extra document's chunks
		`coopbot_search_seconds_count 3`,            // the refusal, the answer and the people its "senior UK ministers" are
		`coopbot_ingest_documents_total{result="stored"} 1`,
		`coopbot_ingest_documents_total{result="deleted"} 1`,
		`coopbot_ingest_documents_total{result="failed"} 0`,
		"coopbot_store_up 1",
		"coopbot_index_chunks "+strconv.Itoa(st.Chunks),
		"coopbot_index_documents "+strconv.Itoa(st.Documents),
		"go_goroutines",
	)
	if strings.Contains(text, "coopbot_ingest_chunks_total 0") {
		t.Errorf("the extra document's chunks were not counted")
	}
	// The decorated store is still a Catalog: the refusal names the
	// documents, and an overview question opens them.
	if !refusal.Abstained || !strings.Contains(refusal.Text, "UK ministers visit Tokyo") {
		t.Errorf("refusal through the decorated store = %q; want it to name the documents", refusal.Text)
	}
	if ov, err := slack("what are these reports about"); err != nil || len(ov.Citations) != 2 {
		t.Errorf("overview through the decorated store = %+v, %v; want both documents cited", ov, err)
	}
}

// TestIndexGaugesWhenStoreDown: while the store cannot be read,
// coopbot_store_up is 0 and the index gauges are absent, never a fake 0;
// they come back with the store.
func TestIndexGaugesWhenStoreDown(t *testing.T) {
	m := metrics.New()
	var down atomic.Bool
	down.Store(true)
	stats := func(ctx context.Context) (retrieval.Stats, error) {
		if down.Load() {
			return retrieval.Stats{}, retrieval.Errorf(retrieval.EUNAVAILABLE, "the database is not answering")
		}
		return retrieval.Stats{Documents: 2, Chunks: 31}, nil
	}
	if err := m.RegisterIndexGauges(stats); err != nil {
		t.Fatal(err)
	}
	text := scrape(t, m)
	wantLines(t, text, "coopbot_store_up 0")
	for _, name := range []string{"coopbot_index_chunks ", "coopbot_index_documents "} {
		if strings.Contains(text, "\n"+name) {
			t.Errorf("scrape with the store down reports %s:\n%s", strings.TrimSpace(name), text)
		}
	}
	down.Store(false)
	wantLines(t, scrape(t, m), "coopbot_store_up 1", "coopbot_index_chunks 31", "coopbot_index_documents 2")
}

func TestPrivateRegistries(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.ObserveQuestion("web", edge.OutcomeAnswered, 20*time.Millisecond)
	a.ObserveIngest(2, 0, 1, 7)
	if text := scrape(t, b); strings.Contains(text, `surface="web"`) {
		t.Errorf("a question recorded on one Metrics shows on another")
	}
	wantLines(t, scrape(t, a),
		`coopbot_questions_total{outcome="answered",surface="web"} 1`,
		`coopbot_answer_seconds_bucket{surface="web",le="0.025"} 1`,
		`coopbot_answer_seconds_bucket{surface="web",le="0.01"} 0`,
		`coopbot_ingest_documents_total{result="stored"} 2`,
		`coopbot_ingest_documents_total{result="failed"} 1`,
		`coopbot_ingest_chunks_total 7`,
	)
}

func TestNilMetricsIsANoOp(t *testing.T) {
	var m *metrics.Metrics
	svc := testcore.Service(t)
	if got := m.Store(svc.Store); got != svc.Store {
		t.Errorf("nil Metrics wrapped the Store")
	}
	m.ObserveQuestion("web", edge.OutcomeAnswered, time.Second) // must not panic
}
