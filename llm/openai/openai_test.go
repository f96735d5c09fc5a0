package openai_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/llm"
	"github.com/coopbot/coopbot/llm/openai"
	"github.com/coopbot/coopbot/llm/openai/openaitest"
	"github.com/coopbot/coopbot/prompts"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

const (
	chatModel  = "test-chat"
	embedModel = "test-embed"
	apiKey     = "sk-test-secret"
	question   = "What stage has the JNAAM missile project reached?"
)

// snippets are five sources from the bundled corpus, as retrieval returns them.
var snippets = []retrieval.Snippet{
	{DocumentID: "000_36fd46dc1482b52a", Title: "UK ministers in Tokyo", Date: "2016-01-08", Paragraph: 5, ParaEnd: 5,
		Text:      "In a joint statement released at the end of the visit, the two sides said they were taking forward a project known as the Joint New Air-to-Air Missile (JNAAM) to a second feasibility stage, having successfully concluded a first phase of work.",
		Highlight: "In a joint statement released at the end of the visit, the two sides said they were taking forward a project known as the Joint New Air-to-Air Missile (JNAAM) to a second feasibility stage, having successfully concluded a first phase of work.", Score: 0.033},
	{DocumentID: "000_36fd46dc1482b52a", Title: "UK ministers in Tokyo", Date: "2016-01-08", Paragraph: 6, ParaEnd: 6,
		Text: "An MoD spokesman said no details were available on the missile program.", Highlight: "An MoD spokesman said no details were available on the missile program.", Score: 0.030},
	{DocumentID: "000_36fd46dc1482b52a", Title: "UK ministers in Tokyo", Date: "2016-01-08", Paragraph: 7, ParaEnd: 7,
		Text: "It has been widely reported though that the two sides are looking at a development of MBDA's new ramjet-powered Meteor beyond a visual range missile built for British, French, Swedish and other air forces.", Score: 0.029},
	{DocumentID: "001_daedb0dc26058390", Title: "First UK–Japan 2+2 in London", Date: "2015-01-21", Paragraph: 2, ParaEnd: 2,
		Text: "The ministers agreed to look at a joint feasibility study on an air-to-air missile.", Score: 0.028},
	{DocumentID: "001_daedb0dc26058390", Title: "First UK–Japan 2+2 in London", Date: "2015-01-21", Paragraph: 4, ParaEnd: 4,
		Text: "Japan is also interested in the P-1 maritime patrol aircraft.", Score: 0.027},
}

func newChat(t *testing.T, srv *openaitest.Server, timeout time.Duration) *openai.Chat {
	t.Helper()
	c, err := openai.NewChat(chatModel, openai.Options{
		BaseURL: srv.URL, APIKey: apiKey, Timeout: timeout, MaxRetries: 3, RetryBase: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lexicon is the core's word meanings, as coopbot wires the answerer.
func lexicon(t *testing.T) retrieval.Lexicon {
	t.Helper()
	lex, err := semantic.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

func newServer(t *testing.T) *openaitest.Server {
	srv := openaitest.NewServer(t, chatModel, embedModel, 8)
	srv.APIKey = apiKey
	return srv
}

// checkAnswerRequest verifies what the Answerer sent: the system prompt,
// every source numbered with its text, and the question.
func checkAnswerRequest(t *testing.T, req openaitest.ChatRequest, sources int) {
	t.Helper()
	sys, user := req.Content("system"), req.Content("user")
	if want, _ := prompts.System(sources); sys != want {
		t.Errorf("system message = %q; want the rendered system prompt for %d sources", sys, sources)
	}
	if got := req.Sources(); got != sources {
		t.Errorf("user message has %d sources; want %d", got, sources)
	}
	for i, s := range snippets[:sources] {
		if !strings.Contains(user, fmt.Sprintf("<source n=\"%d\" title=%q date=%q paragraph=\"%d\">\n%s\n</source>", i+1, s.Title, s.Date, s.Paragraph, s.Text)) {
			t.Errorf("user message lacks source %d (%s ¶%d)", i+1, s.DocumentID, s.Paragraph)
		}
	}
	if got := req.Question(); got != question {
		t.Errorf("question in user message = %q; want %q", got, question)
	}
	if req.Temperature == nil || *req.Temperature != 0 {
		t.Errorf("temperature = %v; want 0", req.Temperature)
	}
}

func cite(n int, s retrieval.Snippet) retrieval.Citation {
	return retrieval.Citation{N: n, DocumentID: s.DocumentID, Title: s.Title, Date: s.Date, Paragraph: s.Paragraph, Text: s.Text, Highlight: s.Highlight, Score: s.Score}
}

func TestAnswerer(t *testing.T) {
	tests := []struct {
		name     string
		script   []func(openaitest.ChatRequest) openaitest.Reply
		want     retrieval.Answer
		requests int
	}{
		{
			name:   "valid citations renumbered by first use",
			script: []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say("The JNAAM project moved to a second feasibility stage [1], possibly based on the Meteor [3]. The MoD gave no details [2][3].")},
			want: retrieval.Answer{Question: question,
				Text:      "The JNAAM project moved to a second feasibility stage [1], possibly based on the Meteor [2]. The MoD gave no details [3][2].",
				Citations: []retrieval.Citation{cite(1, snippets[0]), cite(2, snippets[2]), cite(3, snippets[1])}},
			requests: 1,
		},
		{
			name:   "out-of-range citation dropped",
			script: []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say("It reached a second feasibility stage [9]. The first phase was completed [1, 9].")},
			want: retrieval.Answer{Question: question,
				Text:      "It reached a second feasibility stage. The first phase was completed [1].",
				Citations: []retrieval.Citation{cite(1, snippets[0])}},
			requests: 1,
		},
		{
			name:     "no citation abstains",
			script:   []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say("It reached a second feasibility stage.")},
			want:     retrieval.Abstained(question),
			requests: 1,
		},
		{
			name:     "not in the sources abstains",
			script:   []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say(prompts.NotAnswered)},
			want:     retrieval.Abstained(question),
			requests: 1,
		},
		{
			name:     "says the sources do not answer, citing a source anyway",
			script:   []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say("This is not in the sources. See [2].")},
			want:     retrieval.Abstained(question),
			requests: 1,
		},
		{
			name:     "429 then success",
			script:   []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Fail(http.StatusTooManyRequests), openaitest.Say("A second stage [1].")},
			want:     retrieval.Answer{Question: question, Text: "A second stage [1].", Citations: []retrieval.Citation{cite(1, snippets[0])}},
			requests: 2,
		},
		{
			name: "5xx twice then success, without Retry-After",
			script: []func(openaitest.ChatRequest) openaitest.Reply{
				func(openaitest.ChatRequest) openaitest.Reply { return openaitest.Reply{Status: 500} },
				func(openaitest.ChatRequest) openaitest.Reply { return openaitest.Reply{Status: 503} },
				openaitest.Say("A joint feasibility study [4]."),
			},
			want:     retrieval.Answer{Question: question, Text: "A joint feasibility study [1].", Citations: []retrieval.Citation{cite(1, snippets[3])}},
			requests: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.Script(tt.script...)
			a := &llm.Answerer{Analyzer: snowball.New(), Lexicon: lexicon(t), Chat: newChat(t, srv, 10*time.Second)}
			got, err := a.Answer(context.Background(), question, snippets)
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Answer =\n%+v\nwant\n%+v", got, tt.want)
			}
			reqs := srv.ChatRequests()
			if len(reqs) != tt.requests {
				t.Errorf("server got %d requests; want %d", len(reqs), tt.requests)
			}
			for _, r := range reqs {
				checkAnswerRequest(t, r, len(snippets))
			}
		})
	}
}

func TestAnswererErrors(t *testing.T) {
	tests := []struct {
		name     string
		script   []func(openaitest.ChatRequest) openaitest.Reply
		timeout  time.Duration
		requests int
	}{
		{"hang past the timeout", []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Hang()}, 300 * time.Millisecond, 1},
		{"401 is not retried", []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Fail(http.StatusUnauthorized)}, 10 * time.Second, 1},
		{"400 is not retried", []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Fail(http.StatusBadRequest)}, 10 * time.Second, 1},
		{"429 until retries run out", []func(openaitest.ChatRequest) openaitest.Reply{
			openaitest.Fail(429), openaitest.Fail(429), openaitest.Fail(429), openaitest.Fail(429)}, 10 * time.Second, 4},
		{"empty reply", []func(openaitest.ChatRequest) openaitest.Reply{openaitest.Say("  ")}, 10 * time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.Script(tt.script...)
			a := &llm.Answerer{Analyzer: snowball.New(), Lexicon: lexicon(t), Chat: newChat(t, srv, tt.timeout)}
			start := time.Now()
			_, err := a.Answer(context.Background(), question, snippets)
			if code := retrieval.ErrorCode(err); code != retrieval.EUNAVAILABLE {
				t.Fatalf("Answer error = %v (code %q); want code %s", err, code, retrieval.EUNAVAILABLE)
			}
			if strings.Contains(retrieval.ErrorMessage(err), apiKey) || strings.Contains(err.Error(), apiKey) {
				t.Errorf("error %q leaks the API key", err)
			}
			if elapsed := time.Since(start); elapsed > tt.timeout+5*time.Second {
				t.Errorf("Answer took %v with a %v timeout", elapsed, tt.timeout)
			}
			if got := len(srv.ChatRequests()); got != tt.requests {
				t.Errorf("server got %d requests; want %d", got, tt.requests)
			}
		})
	}
}

func TestAnswererCancel(t *testing.T) {
	srv := newServer(t)
	srv.Script(openaitest.Hang())
	a := &llm.Answerer{Analyzer: snowball.New(), Lexicon: lexicon(t), Chat: newChat(t, srv, time.Minute)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.ChatRequests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := a.Answer(ctx, question, snippets)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Answer after cancel = %v; want context.Canceled in the chain", err)
	}
}

func TestAnswererBudget(t *testing.T) {
	big := make([]retrieval.Snippet, 8)
	for i := range big {
		big[i] = snippets[i%len(snippets)]
		big[i].Text = strings.Repeat(fmt.Sprintf("word%d ", i), 150) // ~ 260 tokens each
	}
	tests := []struct {
		maxSources, budget, want int
	}{
		{0, 0, llm.DefaultMaxSources},
		{8, 1000, 3},
		{3, 10000, 3},
		{8, 10, 1}, // the best source always goes, cut to fit
	}
	for _, tt := range tests {
		srv := newServer(t)
		srv.Default(func(r openaitest.ChatRequest) openaitest.Reply {
			// Source n is big[n-1], whose text repeats word<n-1>.
			return openaitest.Reply{Content: fmt.Sprintf("word%d [%d].", r.Sources()-1, r.Sources())}
		})
		a := &llm.Answerer{Analyzer: snowball.New(), Lexicon: lexicon(t), Chat: newChat(t, srv, 10*time.Second), MaxSources: tt.maxSources, TokenBudget: tt.budget}
		got, err := a.Answer(context.Background(), question, big)
		if err != nil {
			t.Fatal(err)
		}
		reqs := srv.ChatRequests()
		if len(reqs) != 1 {
			t.Fatalf("Answer(max %d, budget %d) sent %d requests; want 1", tt.maxSources, tt.budget, len(reqs))
		}
		if n := reqs[0].Sources(); n != tt.want {
			t.Fatalf("Answer(max %d, budget %d) sent %d sources; want %d", tt.maxSources, tt.budget, n, tt.want)
		}
		if len(got.Citations) != 1 || got.Citations[0].Text != big[tt.want-1].Text {
			t.Errorf("Answer(max %d, budget %d) citations = %+v; want source %d", tt.maxSources, tt.budget, got.Citations, tt.want)
		}
		if tt.budget > 0 && llm.EstimateTokens(reqs[0].Content("user")) > tt.budget+200 && tt.want > 1 {
			t.Errorf("Answer(max %d, budget %d): prompt of %d tokens", tt.maxSources, tt.budget, llm.EstimateTokens(reqs[0].Content("user")))
		}
	}
}

func TestAnswererNoSnippets(t *testing.T) {
	srv := newServer(t)
	a := &llm.Answerer{Analyzer: snowball.New(), Lexicon: lexicon(t), Chat: newChat(t, srv, time.Second)}
	got, err := a.Answer(context.Background(), question, nil)
	if err != nil || !reflect.DeepEqual(got, retrieval.Abstained(question)) {
		t.Errorf("Answer(no snippets) = %+v, %v; want the abstained answer", got, err)
	}
	if n := len(srv.ChatRequests()); n != 0 {
		t.Errorf("Answer(no snippets) made %d model calls; want 0", n)
	}
}

func TestRewriter(t *testing.T) {
	srv := newServer(t)
	history := []retrieval.Turn{
		{Question: "What missile are Britain and Japan studying?", Answer: "The Joint New Air-to-Air Missile (JNAAM) [1]."},
	}
	srv.Script(func(r openaitest.ChatRequest) openaitest.Reply {
		user := r.Content("user")
		want, _ := prompts.Rewrite([]retrieval.Turn{{Question: history[0].Question, Answer: "The Joint New Air-to-Air Missile (JNAAM) ."}}, "Who announced it?")
		if user != want {
			t.Errorf("rewrite prompt =\n%s\nwant\n%s", user, want)
		}
		return openaitest.Reply{Content: "Standalone question: \"Who announced the JNAAM missile study?\"\n"}
	})
	rw := &llm.Rewriter{Chat: newChat(t, srv, 10*time.Second)}
	got, err := rw.Rewrite(context.Background(), history, "Who announced it?")
	if err != nil || got != "Who announced the JNAAM missile study?" {
		t.Errorf("Rewrite = %q, %v; want %q", got, err, "Who announced the JNAAM missile study?")
	}
	// No history: no model call, question unchanged.
	if got, err := rw.Rewrite(context.Background(), nil, "What is JNAAM?"); err != nil || got != "What is JNAAM?" {
		t.Errorf("Rewrite(no history) = %q, %v; want the question", got, err)
	}
	// An empty reply is an error the Service can fall back from.
	srv.Script(openaitest.Say("\n\"\"\n"))
	if _, err := rw.Rewrite(context.Background(), history, "Who announced it?"); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("Rewrite(empty reply) error = %v; want code %s", err, retrieval.EUNAVAILABLE)
	}
	if n := len(srv.ChatRequests()); n != 2 {
		t.Errorf("server got %d chat requests; want 2", n)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := openai.NewChat("", openai.Options{}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("NewChat(\"\") error = %v; want code %s", err, retrieval.EINVALID)
	}
	if _, err := openai.NewEmbedder(" ", openai.Options{}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("NewEmbedder(\" \") error = %v; want code %s", err, retrieval.EINVALID)
	}
	if _, err := openai.NewChat("m", openai.Options{BaseURL: "localhost:11434"}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("NewChat(bad URL) error = %v; want code %s", err, retrieval.EINVALID)
	}
}

func TestUnreachable(t *testing.T) {
	c, err := openai.NewChat(chatModel, openai.Options{BaseURL: "http://127.0.0.1:1/v1", MaxRetries: 2, RetryBase: time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), []llm.Message{{Role: llm.RoleUser, Content: "hi"}})
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("Complete(unreachable) error = %v; want code %s", err, retrieval.EUNAVAILABLE)
	}
}
