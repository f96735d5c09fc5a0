package edge_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

func TestOutcome(t *testing.T) {
	tests := []struct {
		ans  retrieval.Answer
		err  error
		want string
	}{
		{retrieval.Answer{Citations: []retrieval.Citation{{N: 1}}}, nil, edge.OutcomeAnswered},
		{retrieval.Abstained("q"), nil, edge.OutcomeAbstained},
		{retrieval.Answer{}, retrieval.Errorf(retrieval.EINVALID, "empty"), edge.OutcomeInvalid},
		{retrieval.Answer{}, retrieval.Errorf(retrieval.ERATELIMIT, "slow down"), edge.OutcomeRateLimited},
		{retrieval.Answer{}, gate.ErrBusy, edge.OutcomeRateLimited},
		{retrieval.Answer{}, retrieval.Detailf(retrieval.EUNAVAILABLE, nil, "down"), edge.OutcomeError},
		{retrieval.Answer{}, retrieval.Errorf(retrieval.EMISMATCH, "other embedder"), edge.OutcomeError},
		{retrieval.Answer{}, errors.New("bug"), edge.OutcomeError},
	}
	for _, tt := range tests {
		if got := edge.Outcome(tt.ans, tt.err); got != tt.want {
			t.Errorf("Outcome(abstained=%v, %v) = %q; want %q", tt.ans.Abstained, tt.err, got, tt.want)
		}
	}
}

// TestText: users read the code's text for failures of the service,
// whatever an adapter wrote, with the request id; their own mistakes in
// the error's own words, without one.
func TestText(t *testing.T) {
	cause := errors.New("dial tcp 10.9.8.7:5432: connect: connection refused")
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{retrieval.Errorf(retrieval.EINVALID, "The question is empty."), "The question is empty."},
		{retrieval.Errorf(retrieval.ENOTFOUND, "No such document."), "No such document."},
		{retrieval.Errorf(retrieval.ERATELIMIT, "Please wait 3 seconds."), "Please wait 3 seconds."},
		{gate.ErrBusy, "coopbot is busy answering other questions; please try again in a moment."},
		{retrieval.Detailf(retrieval.EUNAVAILABLE, cause, "cannot reach the database at 10.9.8.7:5432"),
			"The document store is not answering right now; please try again in a minute (request id r42)."},
		{retrieval.WrapError(retrieval.EUNAVAILABLE, cause, "cannot reach the database at 10.9.8.7:5432"),
			"The document store is not answering right now; please try again in a minute (request id r42)."},
		{retrieval.Errorf(retrieval.EMISMATCH, "store built by x: run coopbot ingest --reindex"),
			"The document store needs maintenance before it can answer; please try again later (request id r42)."},
		{errors.New("runtime error: invalid memory address at /src/x.go:12"),
			"Sorry, something went wrong while answering. Please try again in a moment (request id r42)."},
	}
	for _, tt := range tests {
		if got := edge.Text(tt.err, "r42"); got != tt.want {
			t.Errorf("Text(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

// heldCore blocks every call until release is closed; entered receives
// once per call started.
type heldCore struct {
	entered chan string
	release chan struct{}
	panics  bool
}

func (h *heldCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	h.entered <- q
	if h.panics {
		panic("boom at /src/core.go:12")
	}
	select {
	case <-h.release:
		return retrieval.Answer{Question: q, Text: "yes [1]", Citations: []retrieval.Citation{{N: 1}}}, nil
	case <-ctx.Done():
		return retrieval.Answer{}, ctx.Err()
	}
}

func (h *heldCore) AskFollowUp(ctx context.Context, _ []retrieval.Turn, q string) (retrieval.Answer, error) {
	return h.Ask(ctx, q)
}

func (h *heldCore) Search(ctx context.Context, q string, _ int) ([]retrieval.Snippet, error) {
	_, err := h.Ask(ctx, q)
	return nil, err
}

// recorder counts ObserveQuestion calls by surface and outcome.
type recorder struct {
	mu  sync.Mutex
	got map[string]int
}

func (r *recorder) ObserveQuestion(surface, outcome string, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[surface+"/"+outcome]++
}

// TestFrontPath: an invalid question is refused before the gate, busy
// beyond the gate's capacity, a deadline reported as EUNAVAILABLE and a
// panic as EINTERNAL; every question is recorded once under its surface
// and logged with the request id, failures with their detail.
func TestFrontPath(t *testing.T) {
	h := &heldCore{entered: make(chan string, 4), release: make(chan struct{})}
	rec := &recorder{got: map[string]int{}}
	// slog handlers serialize their writes; logs is read once every
	// question has returned.
	var logs bytes.Buffer
	f := edge.New(h, edge.Options{
		Gate:     gate.Options{MaxInFlight: 1, MaxQueue: -1},
		Timeout:  time.Minute,
		Recorder: rec,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	ctx := context.Background()

	done := make(chan error, 1)
	go func() {
		_, err := f.Ask(ctx, edge.Question{Surface: edge.SurfaceAPI, ID: "r1", Text: "  first\tquestion "})
		done <- err
	}()
	if q := <-h.entered; q != "first question" {
		t.Errorf("the core got %q; want the cleaned question", q)
	}
	if _, err := f.Ask(ctx, edge.Question{Surface: edge.SurfaceAPI, ID: "r2", Text: strings.Repeat("x", retrieval.MaxQuestionLen+1)}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("too long a question while the gate is full = %v; want EINVALID, before the gate", err)
	}
	if _, err := f.Ask(ctx, edge.Question{Surface: edge.SurfaceSlack, ID: "r3", Text: "second"}); retrieval.ErrorCode(err) != retrieval.EBUSY {
		t.Errorf("question beyond capacity = %v; want EBUSY", err)
	}
	close(h.release)
	if err := <-done; err != nil {
		t.Errorf("first question: %v", err)
	}

	slow := edge.New(&heldCore{entered: make(chan string, 1), release: make(chan struct{})}, edge.Options{Timeout: 20 * time.Millisecond, Recorder: rec, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := slow.Ask(ctx, edge.Question{Surface: edge.SurfaceDiscord, ID: "r4", Text: "slow"}); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("question past the timeout = %v; want EUNAVAILABLE", err)
	}
	bad := edge.New(&heldCore{entered: make(chan string, 1), panics: true}, edge.Options{Recorder: rec, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := bad.Ask(ctx, edge.Question{Surface: edge.SurfaceWeb, ID: "r5", Text: "crash"}); retrieval.ErrorCode(err) != retrieval.EINTERNAL || strings.Contains(edge.Text(err, "r5"), "boom") {
		t.Errorf("question that panics the core = %v (%q); want EINTERNAL without the panic", err, edge.Text(err, "r5"))
	}

	want := map[string]int{"api/answered": 1, "api/invalid": 1, "slack/rate_limited": 1, "discord/error": 1, "web/error": 1}
	for k, n := range want {
		if rec.got[k] != n {
			t.Errorf("recorded %s %d times; want %d (all: %v)", k, rec.got[k], n, rec.got)
		}
	}
	if len(rec.got) != len(want) {
		t.Errorf("recorded %v; want exactly %v", rec.got, want)
	}
	log := logs.String()
	for _, line := range []string{
		`level=INFO msg=question request_id=r1 surface=api outcome=answered`,
		`level=INFO msg="question refused" request_id=r2 surface=api outcome=invalid`,
		`level=INFO msg="question refused" request_id=r3 surface=slack outcome=rate_limited`,
		`level=ERROR msg="question failed" request_id=r4 surface=discord outcome=error`,
		`level=ERROR msg="question failed" request_id=r5 surface=web outcome=error`,
		"boom at /src/core.go:12", // the panic, for the operator
	} {
		if !strings.Contains(log, line) {
			t.Errorf("log lacks %q:\n%s", line, log)
		}
	}
}

// TestSearchAndValidate: search results come back as an Answer numbered
// from 1, Abstained when nothing matched, and are not counted as
// questions; Validate and Refuse record refusals made by a surface.
func TestSearchAndValidate(t *testing.T) {
	rec := &recorder{got: map[string]int{}}
	f := edge.New(testcore.Service(t), edge.Options{Recorder: rec})
	ctx := context.Background()
	a, err := f.Search(ctx, edge.Question{Surface: edge.SurfaceAPI, Text: "Typhoon exercise"}, 3)
	if err != nil || a.Abstained || len(a.Citations) != 3 || a.Citations[0].N != 1 || a.Citations[2].N != 3 || a.Question != "Typhoon exercise" {
		t.Errorf("Search(Typhoon exercise, 3) = %+v, %v; want 3 citations numbered from 1", a, err)
	}
	if got := edge.SearchAnswer("nothing", nil); !got.Abstained || got.Citations == nil || len(got.Citations) != 0 {
		t.Errorf("SearchAnswer(no snippets) = %+v; want abstained with an empty citation list", got)
	}
	if _, err := f.Search(ctx, edge.Question{Surface: edge.SurfaceAPI, Text: " "}, 3); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("Search(blank) = %v; want EINVALID", err)
	}
	if err := f.Validate(ctx, edge.Question{Surface: edge.SurfaceSlack, Text: "ok \xff"}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("Validate(invalid UTF-8) = %v; want EINVALID", err)
	}
	if err := f.Validate(ctx, edge.Question{Surface: edge.SurfaceSlack, Text: "What is JNAAM?"}); err != nil {
		t.Errorf("Validate(a question) = %v; want nil", err)
	}
	f.Refuse(ctx, edge.Question{Surface: edge.SurfaceDiscord, Text: "x"}, retrieval.Errorf(retrieval.ERATELIMIT, "wait"))
	want := map[string]int{"slack/invalid": 1, "discord/rate_limited": 1}
	if len(rec.got) != len(want) || rec.got["slack/invalid"] != 1 || rec.got["discord/rate_limited"] != 1 {
		t.Errorf("recorded %v; want %v (searches are not questions)", rec.got, want)
	}
}

func TestRequestID(t *testing.T) {
	a, b := edge.NewRequestID(), edge.NewRequestID()
	if a == b || len(a) != 13 || a[0] != 'r' {
		t.Errorf("NewRequestID() = %q, %q; want two distinct r + 12 hex digits", a, b)
	}
	ctx := edge.WithRequestID(context.Background(), a)
	if got := edge.RequestID(ctx); got != a {
		t.Errorf("RequestID(WithRequestID(%q)) = %q", a, got)
	}
	if got := edge.RequestID(context.Background()); got != "" {
		t.Errorf("RequestID(no id) = %q; want empty", got)
	}
}
