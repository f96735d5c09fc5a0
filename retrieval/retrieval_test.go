package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func hit(doc string, ord, start, end int) Hit {
	return Hit{Chunk: Chunk{DocumentID: doc, Ordinal: ord, Start: start, End: end}}
}

func TestFuse(t *testing.T) {
	dense := []Hit{hit("a", 0, 0, 10), hit("a", 1, 10, 20), hit("b", 0, 0, 5)}
	lexical := []Hit{hit("b", 0, 0, 5), hit("a", 0, 0, 10)}
	got := Fuse(dense, lexical, 10)
	want := []struct {
		doc        string
		ord, d, l  int
		scoreAbove float64
	}{
		{"a", 0, 1, 2, 0},
		{"b", 0, 3, 1, 0},
		{"a", 1, 2, 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("Fuse returned %d hits; want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Chunk.DocumentID != w.doc || g.Chunk.Ordinal != w.ord || g.DenseRank != w.d || g.LexicalRank != w.l {
			t.Errorf("Fuse()[%d] = %s/%d ranks %d/%d; want %s/%d ranks %d/%d", i, g.Chunk.DocumentID, g.Chunk.Ordinal, g.DenseRank, g.LexicalRank, w.doc, w.ord, w.d, w.l)
		}
	}
	if s := 1.0/61 + 1.0/62; math.Abs(got[0].Score-s) > 1e-12 {
		t.Errorf("Fuse()[0].Score = %v; want %v", got[0].Score, s)
	}
	if n := len(Fuse(dense, lexical, 1)); n != 1 {
		t.Errorf("Fuse(k=1) returned %d hits; want 1", n)
	}
}

func TestDedupe(t *testing.T) {
	hits := []Hit{hit("a", 1, 100, 200), hit("a", 2, 180, 300), hit("b", 0, 100, 200), hit("a", 3, 200, 250)}
	got := dedupe(hits)
	var ords []int
	for _, h := range got {
		ords = append(ords, h.Chunk.Ordinal)
	}
	if len(got) != 3 || got[1].Chunk.DocumentID != "b" || got[2].Chunk.Ordinal != 3 {
		t.Errorf("dedupe kept ordinals %v; want a/1, b/0, a/3", ords)
	}
}

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"michael", "micheal", true},
		{"fallon", "falon", true},
		{"kawasaki", "kawaski", true},
		{"typhoon", "typhoon", true},
		{"typhoon", "tycoon", false},
		{"nakatani", "nakatanu", true},
		{"abc", "abcde", false},
	}
	for _, tt := range tests {
		if got := withinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNearSpelling(t *testing.T) {
	tests := []struct {
		t, u string
		want bool
	}{
		{"falon", "fallon", true},
		{"typhon", "typhoon", true},
		{"japan", "japanes", true},
		{"cyber", "cybersecur", true},
		{"spend", "send", false}, // "spending" is no typo of "sending"
		{"typhon", "python", false},
	}
	for _, tt := range tests {
		if got := nearSpelling(tt.t, tt.u); got != tt.want {
			t.Errorf("nearSpelling(%q, %q) = %v; want %v", tt.t, tt.u, got, tt.want)
		}
	}
}

func TestCleanQuestion(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"  Who?\t\n", "Who?", ""},
		{"a\x00b\x07c", "a b c", ""},
		{"", "", "empty"},
		{" \n\t ", "", "empty"},
		{"bad \xff", "", "UTF-8"},
		{strings.Repeat("x", MaxQuestionLen+1), "", "too long"},
	}
	for _, tt := range tests {
		got, err := CleanQuestion(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || ErrorCode(err) != EINVALID {
				t.Errorf("CleanQuestion(%.20q) error = %v; want EINVALID containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CleanQuestion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	inner := errors.New("dial tcp 10.0.0.1:5432: password=hunter2")
	tests := []struct {
		err  error
		code string
		msg  string
	}{
		{Errorf(EINVALID, "The question is empty."), EINVALID, "The question is empty."},
		{Errorf(ERATELIMIT, "Please wait 3 seconds."), ERATELIMIT, "Please wait 3 seconds."},
		{WrapError(EUNAVAILABLE, inner, "cannot reach the database at 10.0.0.1:5432"), EUNAVAILABLE, "The document store is not answering"},
		{Detailf(EUNAVAILABLE, inner, "cannot reach the database at 10.0.0.1:5432"), EUNAVAILABLE, "The document store is not answering"},
		{Detailf(EMISMATCH, nil, "run coopbot ingest --reindex"), EMISMATCH, "The document store needs maintenance"},
		{Errorf(EBUSY, "too many in flight"), EBUSY, "coopbot is busy"},
		{Errorf("weird", "x at /etc/passwd"), "weird", "Sorry, something went wrong"},
		{fmt.Errorf("ask: %w", Errorf(EINVALID, "The question is empty.")), EINVALID, "The question is empty."},
		{inner, EINTERNAL, "Sorry, something went wrong"},
		{nil, "", ""},
	}
	for _, tt := range tests {
		if c := ErrorCode(tt.err); c != tt.code {
			t.Errorf("ErrorCode(%v) = %q; want %q", tt.err, c, tt.code)
		}
		if m := ErrorMessage(tt.err); !strings.HasPrefix(m, tt.msg) || strings.Contains(m, "hunter2") || strings.Contains(m, "10.0.0.1") || strings.Contains(m, "/etc") {
			t.Errorf("ErrorMessage(%v) = %q; want prefix %q and no internals", tt.err, m, tt.msg)
		}
	}
}

func TestErrorDetail(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	tests := []struct {
		err       error
		detail    string
		errorText string
	}{
		{Detailf(EUNAVAILABLE, cause, "cannot reach the database at 10.0.0.1:5432"), "cannot reach the database at 10.0.0.1:5432", "cannot reach the database at 10.0.0.1:5432: dial tcp: connection refused"},
		{WrapError(EINVALID, cause, "The question is empty."), "The question is empty.", "The question is empty.: dial tcp: connection refused"},
		{&Error{Code: EUNAVAILABLE, Message: "m", Detail: "d"}, "d", "m: d"},
		{cause, "dial tcp: connection refused", "dial tcp: connection refused"},
		{nil, "", ""},
	}
	for _, tt := range tests {
		if got := ErrorDetail(tt.err); got != tt.detail {
			t.Errorf("ErrorDetail(%v) = %q; want %q", tt.err, got, tt.detail)
		}
		if tt.err != nil && tt.err.Error() != tt.errorText {
			t.Errorf("Error() = %q; want %q", tt.err.Error(), tt.errorText)
		}
	}
}

func TestAbstainRule(t *testing.T) {
	r := AbstainRule{MinCoverage: 0.35, MaxGap: 0.4, MaxMissing: 2, NeedFact: true, Top: 2}
	snips := func(cov ...float64) []Snippet {
		var s []Snippet
		for _, c := range cov {
			s = append(s, Snippet{Evidence: c, Fact: true})
		}
		return s
	}
	what := Question{Terms: []string{"typhoon"}, Intent: IntentWhat}
	when := Question{Terms: []string{"typhoon"}, Intent: IntentWhen}
	tests := []struct {
		name  string
		q     Question
		snips []Snippet
		want  bool
	}{
		{"strong first", what, snips(0.9, 0.1), false},
		{"strong second", what, snips(0.1, 0.5), false},
		{"strong only below top", what, snips(0.1, 0.1, 0.9), true},
		{"no terms", Question{}, snips(0.9), true},
		{"no snippets", what, nil, true},
		{"when without a date", when, []Snippet{{Evidence: 0.9}}, true},
		{"when with a date", when, []Snippet{{Evidence: 0.9, Fact: true}}, false},
		{"one term left out", what, []Snippet{{Evidence: 0.9, Fact: true, Gap: 0.5}}, true},
		{"two terms left out", what, []Snippet{{Evidence: 0.9, Fact: true, Gap: 0.2, Missing: 2}}, true},
		{"small gap", what, []Snippet{{Evidence: 0.9, Fact: true, Gap: 0.2, Missing: 1}}, false},
	}
	for _, tt := range tests {
		if got := r.Weak(tt.q, tt.snips); got != tt.want {
			t.Errorf("%s: Weak = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestExtractive(t *testing.T) {
	snips := []Snippet{
		{DocumentID: "a", Title: "A", Paragraph: 3, Text: "One. Two typhoon.", Highlight: "Two typhoon.", Coverage: 0.7, LeadScore: 0.75},
		{DocumentID: "b", Title: "B", Paragraph: 1, Text: "Typhoon jets.", Highlight: "Typhoon jets.", Coverage: 0.9, LeadScore: 0.9},
		{DocumentID: "c", Title: "C", Paragraph: 7, Text: "Unrelated.", Highlight: "Unrelated.", Coverage: 0.1, LeadScore: 0.1},
	}
	ans, err := Extractive{}.Answer(context.Background(), "q", snips)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Citations) != 2 {
		t.Fatalf("Extractive cited %d snippets; want 2 (the weak one dropped): %+v", len(ans.Citations), ans.Citations)
	}
	// The best lead comes first and is cited [1]; the runner-up from the
	// other source is the second sentence.
	if want := "Typhoon jets. [1] Two typhoon. [2]"; ans.Text != want {
		t.Errorf("Extractive text = %q; want %q", ans.Text, want)
	}
	for i, want := range []string{"b", "a"} {
		if c := ans.Citations[i]; c.N != i+1 || c.DocumentID != want {
			t.Errorf("citation %d = %+v; want n=%d doc %s", i, c, i+1, want)
		}
	}
	if a, _ := (Extractive{}).Answer(context.Background(), "q", nil); !a.Abstained || len(a.Citations) != 0 {
		t.Errorf("Extractive with no snippets = %+v; want abstained", a)
	}
}
