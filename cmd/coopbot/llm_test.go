package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/llm/openai/openaitest"
	"github.com/coopbot/coopbot/prompts"
	"github.com/coopbot/coopbot/retrieval"
)

const (
	testChatModel  = "fake-chat"
	testEmbedModel = "fake-embed"
	testAPIKey     = "sk-fake-key"
)

func llmServer(t *testing.T) *openaitest.Server {
	srv := openaitest.NewServer(t, testChatModel, testEmbedModel, 32)
	srv.APIKey = testAPIKey
	return srv
}

// llmEnv is the environment for generated answers from srv, plus pairs.
func llmEnv(srv *openaitest.Server, pairs ...string) func(string) string {
	return env(append([]string{"CHAT_MODEL", testChatModel, "OPENAI_BASE_URL", srv.URL, "OPENAI_API_KEY", testAPIKey, "LLM_TIMEOUT", "5s"}, pairs...)...)
}

var sourceBlock = regexp.MustCompile(`(?s)<source n="(\d+)"[^>]*>\n(.*?)\n</source>`)

// sentSources returns the passages of a chat request's numbered sources.
func sentSources(r openaitest.ChatRequest) []string {
	var out []string
	for _, m := range sourceBlock.FindAllStringSubmatch(r.Content("user"), -1) {
		out = append(out, m[2])
	}
	return out
}

// The "done when": with CHAT_MODEL and OPENAI_BASE_URL pointing
// at an OpenAI-compatible server, ask --json returns the model's answer
// with only valid citations numbered from 1; [9] of 5 sources is gone.
func TestAskGenerated(t *testing.T) {
	srv := llmServer(t)
	// Two supported sentences, the one citing the higher-numbered source
	// first (so renumbering by first use shows), and one citing [9].
	claims := map[string]string{
		"Eurofighter Typhoon":           "The British are considering sending RAF Typhoon jets to Japan for an exercise",
		"senior UK ministers announced": "Senior UK ministers announced further steps in defence cooperation during a visit to Tokyo",
	}
	var first, second int // source numbers, first > second
	var want string
	srv.Script(func(r openaitest.ChatRequest) openaitest.Reply {
		if n := r.Sources(); n != 5 {
			t.Errorf("request has %d sources; want 5", n)
		}
		if q := r.Question(); q != exampleQuestion {
			t.Errorf("request question = %q; want %q", q, exampleQuestion)
		}
		if want, _ := prompts.System(r.Sources()); r.Content("system") != want {
			t.Errorf("system message is not the system prompt:\n%s", r.Content("system"))
		}
		num := map[string]int{}
		for phrase := range claims {
			for i, text := range r.SourceTexts() {
				if strings.Contains(text, phrase) {
					num[phrase] = i + 1
				}
			}
			if num[phrase] == 0 {
				t.Fatalf("no source sent contains %q", phrase)
			}
		}
		hi, lo := "Eurofighter Typhoon", "senior UK ministers announced"
		if num[hi] < num[lo] {
			hi, lo = lo, hi
		}
		first, second = num[hi], num[lo]
		if first == second {
			t.Fatalf("both claims come from source %d; the test needs two", first)
		}
		want = fmt.Sprintf("%s [1]. The RAF may send Typhoons. %s [2][1].", claims[hi], claims[lo])
		return openaitest.Reply{Content: fmt.Sprintf("%s [%d]. The RAF may send Typhoons [9]. %s [%d][%d].", claims[hi], first, claims[lo], second, first)}
	})
	ans := askJSON(t, llmEnv(srv), exampleQuestion)
	reqs := srv.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d chat requests; want 1", len(reqs))
	}
	sent := sentSources(reqs[0])
	if ans.Text != want {
		t.Errorf("answer = %q; want %q", ans.Text, want)
	}
	if ans.Abstained || len(ans.Citations) != 2 {
		t.Fatalf("answer = %+v; want 2 citations", ans)
	}
	for i, want := range []int{first, second} {
		c := ans.Citations[i]
		if c.N != i+1 || c.Text != sent[want-1] {
			t.Errorf("citation %d = [%d] %q; want [%d] source %d of the request %q", i, c.N, c.Text, i+1, want, sent[want-1])
		}
		if !verbatimInCorpus(t, c.DocumentID, c.Text) || c.Title == "" || c.Paragraph < 1 {
			t.Errorf("citation %d is not a verbatim, titled corpus passage: %+v", c.N, c)
		}
	}
	if strings.Contains(ans.Text, "[9]") || strings.Contains(ans.Text, "[3]") {
		t.Errorf("answer %q keeps an invalid or unrenumbered marker", ans.Text)
	}
}

// A model that hangs past LLM_TIMEOUT: the extractive answer comes back,
// and the log says why.
func TestAskGeneratedFallback(t *testing.T) {
	srv := llmServer(t)
	srv.Script(openaitest.Hang())
	code, out, errs := run(t, llmEnv(srv, "LLM_TIMEOUT", "300ms"), "ask", "--json", exampleQuestion)
	if code != 0 {
		t.Fatalf("ask: exit %d: %s", code, errs)
	}
	var got retrieval.Answer
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := askJSON(t, env(), exampleQuestion)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fallback answer = %+v; want the extractive answer %+v", got, want)
	}
	if !strings.Contains(errs, "using the extractive answer") {
		t.Errorf("stderr does not log the fallback:\n%s", errs)
	}
	if strings.Contains(errs, testAPIKey) {
		t.Errorf("stderr leaks the API key:\n%s", errs)
	}
}

func TestAskGeneratedAbstains(t *testing.T) {
	for _, reply := range []string{prompts.NotAnswered, "The ministers met in Tokyo."} {
		srv := llmServer(t)
		srv.Script(openaitest.Say(reply))
		ans := askJSON(t, llmEnv(srv), exampleQuestion)
		want := retrieval.Abstained(exampleQuestion)
		want.Text = "The sources don't cover this question. I can only answer from “UK ministers visit Tokyo: missile study, Typhoon exercise and cyber research” (2016-01-08) and “First UK–Japan \"2+2\" meeting of foreign and defence ministers, London: missile study, P-1 aircraft and cyber dialogue” (2015-01-21)."
		if !reflect.DeepEqual(ans, want) {
			t.Errorf("reply %q: answer = %+v; want the abstained answer %+v", reply, ans, want)
		}
	}
}

// Follow-ups are rewritten with the rewrite prompt before retrieval when
// CHAT_MODEL is set.
func TestFollowUpRewritten(t *testing.T) {
	srv := llmServer(t)
	standalone := "Which minister announced the Typhoon exercise plan in Japan?"
	srv.Script(
		func(r openaitest.ChatRequest) openaitest.Reply {
			if !strings.Contains(r.Content("user"), "<conversation>") || !strings.Contains(r.Content("user"), "Who announced it?") {
				t.Errorf("first request is not the rewrite prompt:\n%s", r.Content("user"))
			}
			return openaitest.Reply{Content: standalone}
		},
		func(r openaitest.ChatRequest) openaitest.Reply {
			if r.Question() != standalone {
				t.Errorf("answer request question = %q; want the rewritten %q", r.Question(), standalone)
			}
			return openaitest.Reply{Content: "Senior UK ministers announced it during their visit to Tokyo [1]."}
		},
	)
	cfg, err := LoadConfig(llmEnv(srv))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, &bytes.Buffer{}, &bytes.Buffer{})
	defer m.Close()
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.Service.Rewriter == nil {
		t.Fatal("Service.Rewriter is nil with CHAT_MODEL set")
	}
	history := []retrieval.Turn{{Question: "Is the RAF sending Typhoons to Japan?", Answer: "The British are considering it [1]."}}
	ans, err := m.Service.AskFollowUp(context.Background(), history, "Who announced it?")
	if err != nil {
		t.Fatal(err)
	}
	if ans.Question != "Who announced it?" || ans.Text != "Senior UK ministers announced it during their visit to Tokyo [1]." || len(ans.Citations) != 1 {
		t.Errorf("AskFollowUp = %+v; want the generated answer to the asked question", ans)
	}
	if n := len(srv.ChatRequests()); n != 2 {
		t.Errorf("server got %d chat requests; want 2 (rewrite, answer)", n)
	}
}

func TestNoChatModelNoRewriter(t *testing.T) {
	m := NewMain(Config{Embedder: "semantic", LogLevel: "info", LogFormat: "text"}, &bytes.Buffer{}, &bytes.Buffer{})
	defer m.Close()
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.Service.Rewriter != nil || m.Service.Answerer != nil {
		t.Errorf("without CHAT_MODEL: Rewriter %v, Answerer %v; want both nil", m.Service.Rewriter, m.Service.Answerer)
	}
}

func TestLLMConfigErrors(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"CHAT_MODEL", "gpt-4o-mini"}, "OPENAI_API_KEY"},
		{[]string{"EMBEDDER", "openai", "EMBEDDING_MODEL", "text-embedding-3-small"}, "OPENAI_API_KEY"},
		{[]string{"CHAT_MODEL", "m", "OPENAI_BASE_URL", "localhost:11434"}, "OPENAI_BASE_URL: want"},
	}
	for _, tt := range tests {
		code, _, errs := run(t, env(tt.env...), "ask", exampleQuestion)
		if code == 0 || !strings.Contains(errs, tt.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("ask with %v: exit %d, stderr %q; want a failure and one line containing %q", tt.env, code, errs, tt.want)
		}
	}
}

// EMBEDDER=openai over the in-process store: the bundled corpus and the
// question are embedded by the server.
func TestOpenAIEmbedderInProcess(t *testing.T) {
	srv := llmServer(t)
	getenv := env("EMBEDDER", "openai", "EMBEDDING_MODEL", testEmbedModel, "OPENAI_BASE_URL", srv.URL, "OPENAI_API_KEY", testAPIKey)
	ans := askJSON(t, getenv, exampleQuestion)
	if ans.Abstained || len(ans.Citations) == 0 {
		t.Errorf("answer with the openai embedder = %+v; want citations", ans)
	}
	if n := srv.EmbeddingRequests(); n < 2 {
		t.Errorf("server got %d embedding requests; want the corpus and the question", n)
	}
}

// Switching embedder on PostgreSQL needs ingest --reindex; before it, a
// clear EMISMATCH: the plain sentence for the user, and, with
// LOG_LEVEL=debug, a detail naming both embedders for the operator.
func TestOpenAIEmbedderPostgres(t *testing.T) {
	url := pgtest.NewDB(t, "coopbot_llm")
	srv := llmServer(t)
	hashEnv := env("DATABASE_URL", url)
	openaiEnv := env("DATABASE_URL", url, "EMBEDDER", "openai", "EMBEDDING_MODEL", testEmbedModel, "OPENAI_BASE_URL", srv.URL, "OPENAI_API_KEY", testAPIKey)
	if code, _, errs := run(t, hashEnv, "ingest"); code != 0 {
		t.Fatalf("ingest (hash): exit %d: %s", code, errs)
	}
	code, _, errs := run(t, openaiEnv, "ask", exampleQuestion)
	if code == 0 || !strings.Contains(errs, "needs maintenance") || strings.Contains(errs, "hash") {
		t.Errorf("ask with another embedder: exit %d, stderr %q; want the plain sentence", code, errs)
	}
	debugEnv := env("DATABASE_URL", url, "EMBEDDER", "openai", "EMBEDDING_MODEL", testEmbedModel, "OPENAI_BASE_URL", srv.URL, "OPENAI_API_KEY", testAPIKey, "LOG_LEVEL", "debug")
	code, _, errs = run(t, debugEnv, "ask", exampleQuestion)
	if code == 0 || !strings.Contains(errs, "openai:"+testEmbedModel) || !strings.Contains(errs, "hash") {
		t.Errorf("ask with another embedder, LOG_LEVEL=debug: exit %d, stderr %q; want a detail naming both embedders", code, errs)
	}
	t.Logf("ask before reindex: %s", strings.TrimSpace(errs))
	if code, _, errs := run(t, openaiEnv, "ingest", "--reindex"); code != 0 {
		t.Fatalf("ingest --reindex (openai): exit %d: %s", code, errs)
	}
	ans := askJSON(t, openaiEnv, exampleQuestion)
	if ans.Abstained || len(ans.Citations) == 0 {
		t.Errorf("answer after reindex = %+v; want citations", ans)
	}
	m := NewMain(Config{DatabaseURL: url, Embedder: "semantic", LogLevel: "info", LogFormat: "text"}, &bytes.Buffer{}, &bytes.Buffer{})
	defer m.Close()
	if err := m.OpenStore(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	st, err := m.Store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Embedder != "openai:"+testEmbedModel || st.Dimensions != 32 {
		t.Errorf("store after reindex = %+v; want embedder openai:%s with 32 dimensions", st, testEmbedModel)
	}
}

// coopbot eval: the table, --json, thresholds and the generated-answer
// citation metric.
func TestEvalCommand(t *testing.T) {
	const golden = "../../eval/golden.jsonl"
	code, out, errs := run(t, env(), "eval", golden)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	for _, want := range []string{"recall@1", "recall@5", "MRR", "abstention precision", "valid citations", "in-process store, extractive answers"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}

	code, out, errs = run(t, env(), "eval", "--json", "--min-recall5", "0.9", "--min-recall1", "1", golden)
	if code != 1 || !strings.Contains(errs, "below --min-recall1 1.000") {
		t.Errorf("eval --min-recall1 1: exit %d, stderr %q; want exit 1 naming the threshold", code, errs)
	}
	var rep evalOutput
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	if rep.Cases < 30 || rep.Store != "in-process" || rep.Answerer != "extractive" || len(rep.Thresholds) != 2 || !rep.Thresholds[1].OK || rep.Thresholds[0].OK {
		t.Errorf("eval --json = %+v; want ≥30 cases, recall5 met and recall1 missed", rep)
	}

	for _, args := range [][]string{{"eval"}, {"eval", "missing.jsonl"}, {"eval", "--min-mrr", "2", golden}} {
		if code, _, errs := run(t, env(), args...); code != 1 || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
			t.Errorf("coopbot %v: exit %d, stderr %q; want exit 1 with a one-line error", args, code, errs)
		}
	}
}

// With a model, eval reports the share of answers whose every citation is
// valid: a model citing only real sources scores 1, one that cites
// sources it was not given scores lower only when they survive (they
// never do).
func TestEvalGenerated(t *testing.T) {
	srv := llmServer(t)
	srv.Default(func(r openaitest.ChatRequest) openaitest.Reply {
		return openaitest.Reply{Content: fmt.Sprintf("First [1]. Second [%d]. Bogus [%d].", r.Sources(), r.Sources()+3)}
	})
	code, out, errs := run(t, llmEnv(srv), "eval", "--json", "--min-valid-citations", "1", "../../eval/golden.jsonl")
	if code != 0 {
		t.Fatalf("eval with a model: exit %d: %s\n%s", code, errs, out)
	}
	var rep evalOutput
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Answerer != "llm:"+testChatModel || rep.ValidCitations != 1 {
		t.Errorf("eval with a model: answerer %q, valid citations %.3f; want llm:%s and 1", rep.Answerer, rep.ValidCitations, testChatModel)
	}
	if n := len(srv.ChatRequests()); n == 0 || n > rep.Cases {
		t.Errorf("server got %d chat requests for %d cases", n, rep.Cases)
	}
}
