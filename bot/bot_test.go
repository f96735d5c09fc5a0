package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"the quick brown fox jumps", 12, "the quick…"},
		{"the quick, brown fox", 12, "the quick…"},
		{"Typhoon–exercise–plan", 8, "Typhoon…"},
		{"abc", 0, ""},
		{"abcdef", 1, "…"},
	}
	for _, tt := range tests {
		got := Shorten(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
		}
		if Len(got) > tt.max && tt.max >= 0 {
			t.Errorf("Shorten(%q, %d) has %d characters; want at most %d", tt.in, tt.max, Len(got), tt.max)
		}
	}
}

func TestSplitKeepsEveryWord(t *testing.T) {
	words := make([]string, 2000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	s := strings.Join(words, " ")
	parts := Split(s, 300)
	for i, p := range parts {
		if Len(p) > 300 {
			t.Errorf("part %d has %d characters; want at most 300", i, Len(p))
		}
	}
	if got := strings.Join(parts, " "); got != s {
		t.Errorf("Split lost text: joined parts differ from the input")
	}
}

func TestNeutralizeMentions(t *testing.T) {
	tests := []string{
		"hello @everyone", "@here now", "ping @channel", "<@U123ABC> hi", "<@!1234>", "<@&987>",
		"<!channel>", "<!here>", "<!subteam^S123>", "@EVERYONE loud",
	}
	for _, in := range tests {
		got := NeutralizeMentions(in)
		for _, bad := range []string{"@everyone", "@here", "@channel", "<@", "<!"} {
			if strings.Contains(strings.ToLower(got), strings.ToLower(bad)) {
				t.Errorf("NeutralizeMentions(%q) = %q; still contains %q", in, got, bad)
			}
		}
		if strings.ReplaceAll(got, zwsp, "") != in {
			t.Errorf("NeutralizeMentions(%q) = %q; want the same text with only zero-width spaces added", in, got)
		}
	}
	if got := NeutralizeMentions("mail me at a@heref.org"); got != "mail me at a@heref.org" {
		t.Errorf("NeutralizeMentions changed a non-mention: %q", got)
	}
}

func TestStripMention(t *testing.T) {
	tests := []struct{ text, id, want string }{
		{"<@U1> what is JNAAM?", "U1", "what is JNAAM?"},
		{"<@!42> hi there", "42", "hi there"},
		{"hey <@42>  when was 2+2?", "42", "hey when was 2+2?"},
		{"<@U1|coopbot> q", "U1", "q"},
		{"<@U2> said <@U1> q", "U1", "<@U2> said q"},
		{"<@U2> q", "", "q"},
	}
	for _, tt := range tests {
		if got := StripMention(tt.text, tt.id); got != tt.want {
			t.Errorf("StripMention(%q, %q) = %q; want %q", tt.text, tt.id, got, tt.want)
		}
	}
}

func TestAllowList(t *testing.T) {
	if !NewAllowList(nil).Allows("C1") {
		t.Errorf("empty allow-list refused C1; want every channel allowed")
	}
	a := NewAllowList([]string{"C1", " C2 "})
	for id, want := range map[string]bool{"C1": true, "C2": true, "C3": false} {
		if got := a.Allows(id); got != want {
			t.Errorf("Allows(%q) = %v; want %v", id, got, want)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(6, 2) // one every 10s, bursts of 2
	l.Now = func() time.Time { return now }
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.Allow("u1"); ok != want {
			t.Fatalf("Allow(u1) #%d = %v; want %v", i+1, ok, want)
		}
	}
	if ok, wait := l.Allow("u1"); ok || wait <= 0 || wait > 10*time.Second {
		t.Errorf("Allow(u1) = %v, %v; want false and a wait in (0, 10s]", ok, wait)
	}
	if ok, _ := l.Allow("u2"); !ok {
		t.Errorf("Allow(u2) = false; want users limited independently")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.Allow("u1"); !ok {
		t.Errorf("Allow(u1) after 10s = false; want a refilled token")
	}
	// Idle users are forgotten once their buckets are full again.
	for i := range 1000 {
		l.Allow(fmt.Sprintf("user%d", i))
	}
	if n := l.Users(); n < 1000 {
		t.Fatalf("Users() = %d; want the 1000 recent users kept", n)
	}
	now = now.Add(time.Hour)
	l.Allow("late")
	if n := l.Users(); n != 1 {
		t.Errorf("Users() after an idle hour = %d; want 1", n)
	}
	l.MaxUsers = 10
	for i := range 50 {
		l.Allow(fmt.Sprintf("burst%d", i))
	}
	if n := l.Users(); n > 10 {
		t.Errorf("Users() = %d; want at most MaxUsers=10", n)
	}
}

func TestDedupe(t *testing.T) {
	now := time.Unix(0, 0)
	d := NewDedupe(time.Minute, 3)
	d.Now = func() time.Time { return now }
	if d.Seen("a") {
		t.Fatal("Seen(a) first time = true; want false")
	}
	if !d.Seen("a") {
		t.Fatal("Seen(a) again = false; want true")
	}
	if d.Seen("") || d.Seen("") {
		t.Error("Seen(\"\") = true; want empty keys never duplicates")
	}
	now = now.Add(2 * time.Minute)
	if d.Seen("a") {
		t.Error("Seen(a) after the TTL = true; want false")
	}
	for _, k := range []string{"b", "c", "d", "e"} {
		d.Seen(k)
	}
	if n := d.Len(); n > 3 {
		t.Errorf("Len() = %d; want at most 3", n)
	}
}

// TestRateLimitText: the rate-limit refusal is written for the user, and
// is what the user reads (chosen by its code, not by matching its text).
func TestRateLimitText(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want string
	}{{3 * time.Second, "wait 3 seconds"}, {time.Millisecond, "wait 1 second "}} {
		if got := edge.Text(rateLimitError(tt.wait), "r42"); !strings.Contains(got, tt.want) || strings.Contains(got, "r42") {
			t.Errorf("edge.Text(rateLimitError(%s)) = %q; want %q and no request id", tt.wait, got, tt.want)
		}
	}
}

func TestUsageHasThreeExamples(t *testing.T) {
	u := Usage("/ask")
	n := strings.Count(u, "• /ask ")
	if n != 3 {
		t.Errorf("Usage has %d examples; want 3:\n%s", n, u)
	}
	for _, q := range []string{"", " help ", "HELP", "?"} {
		if !IsHelp(q) {
			t.Errorf("IsHelp(%q) = false; want true", q)
		}
	}
	if IsHelp("help me with the Typhoon plan") {
		t.Error("IsHelp(a real question) = true; want false")
	}
}

// failingCore is a Core whose backing store is down: every call fails
// with the error the real Service returns then.
type failingCore struct{ err error }

func (f failingCore) Ask(context.Context, string) (retrieval.Answer, error) {
	return retrieval.Answer{}, f.err
}

func (f failingCore) AskFollowUp(context.Context, []retrieval.Turn, string) (retrieval.Answer, error) {
	return retrieval.Answer{}, f.err
}

func (f failingCore) Search(context.Context, string, int) ([]retrieval.Snippet, error) {
	return nil, f.err
}

func TestPrecheckAndFailures(t *testing.T) {
	down := retrieval.Detailf(retrieval.EUNAVAILABLE, errors.New("connect: connection refused"), "cannot reach the database at 10.0.0.1:5432")
	b := New(edge.New(failingCore{down}, edge.Options{}), nil, Options{RatePerMinute: 60, Burst: 1})
	req := Request{Platform: "slack", UserID: "U1", Question: "What is JNAAM?"}

	if out, ok := b.Precheck(Request{Question: "help"}); ok || out.Kind != KindHelp {
		t.Errorf("Precheck(help) = %v, %v; want usage", out.Kind, ok)
	}
	long := Request{UserID: "U9", Question: strings.Repeat("why ", retrieval.MaxQuestionLen)}
	if out, ok := b.Precheck(long); ok || out.Kind != KindError || !strings.Contains(out.Text, "too long") {
		t.Errorf("Precheck(long question) = %q, %v; want a 'too long' reply", out.Text, ok)
	}
	out, ok := b.Precheck(req)
	if !ok {
		t.Fatalf("Precheck(first question) refused: %q", out.Text)
	}
	res := b.Answer(context.Background(), out.RequestID, req)
	if res.Kind != KindError || !strings.Contains(res.Text, out.RequestID) || strings.Contains(res.Text, "refused") || strings.Contains(res.Text, "10.0.0.1") {
		t.Errorf("Answer with the database down = %q; want an apology quoting %s and no internals", res.Text, out.RequestID)
	}
	if out, ok := b.Precheck(req); ok || !strings.Contains(out.Text, "wait") {
		t.Errorf("Precheck(second question at once) = %q, %v; want a polite rate-limit reply", out.Text, ok)
	}
}
