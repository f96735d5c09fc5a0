package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/compose-spec/compose-go/v2/dotenv"

	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web/webtest"
)

// buildCoopbot builds the coopbot binary as the Dockerfile does (static,
// CGO_ENABLED=0) into a temporary directory every user can enter, so a
// child may run it as nobody.
func buildCoopbot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(publicTempDir(t), "coopbot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe starts `coopbot serve` with exactly the given environment and
// returns its base URL, once it listens.
func startServe(t *testing.T, bin string, environ ...string) (*exec.Cmd, string, *logtest.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append([]string{"HOME=" + t.TempDir()}, environ...)
	// cmd.Stderr is a plain writer, not a pipe read by a goroutine of
	// ours: then Wait returns only after the last line ("stopped") has
	// been copied into logs.
	logs := &logtest.Buffer{}
	addr := make(chan string, 1)
	cmd.Stderr = &lineWriter{each: func(line string) {
		logs.Write([]byte(line + "\n"))
		if a, ok := strings.CutPrefix(line, "coopbot: serving "); ok {
			select {
			case addr <- a:
			default:
			}
		}
	}}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start coopbot serve: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	select {
	case u := <-addr:
		return cmd, u, logs
	case <-time.After(2 * time.Minute):
		t.Fatalf("coopbot serve did not start listening; stderr:\n%s", logs.String())
	}
	return nil, "", nil
}

// lineWriter calls each with every complete line written to it (without
// the newline). exec copies a command's output into it from one
// goroutine.
type lineWriter struct {
	buf  []byte
	each func(line string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.each(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitExit waits for cmd to exit and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(within):
		_ = cmd.Process.Kill()
		t.Fatalf("coopbot did not exit within %s", within)
	}
	return -1
}

// TestServeEndToEnd is issue 7's "Done when": coopbot serve with no
// configuration serves the page, answers the example question in a real
// headless Chromium, /metrics shows the question with latency buckets, and
// SIGTERM exits 0.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	browser := webtest.Browser(t, 3*time.Minute) // fails early without Chromium when required
	bin := buildCoopbot(t)
	if f, err := elf.Open(bin); err == nil {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("the CGO_ENABLED=0 binary is dynamically linked; the distroless/static image needs a static one")
			}
		}
		f.Close()
	}

	const token = "tok-very-secret-42"
	cmd, base, logs := startServe(t, bin, "HTTP_ADDR=127.0.0.1:0", "API_TOKEN="+token)

	if code, body := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d %s; want 200", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s; want 200 (bundled corpus indexed)", code, body)
	}

	r, err := webtest.Ask(browser, base, webtest.ExampleQuestion)
	if err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, logs.String())
	}
	webtest.Screenshot(t, browser, "serve-answer.png")
	if r.State != "answered" || !r.HasCitation(webtest.TyphoonPassage) || len(r.Marks) == 0 {
		t.Errorf("page result = %+v; want an answer citing the Typhoon paragraph with a highlighted sentence", r)
	}

	voteFromPage(t, browser, base, token, logs)

	// The API needs the token; the page did not.
	if code, _ := httpGet(t, base+"/api/search?q=Typhoon"); code != http.StatusUnauthorized {
		t.Errorf("/api/search without the token = %d; want 401", code)
	}

	code, m := httpGet(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`coopbot_questions_total{outcome="answered",surface="web"} 1`,
		`coopbot_answer_seconds_bucket{surface="web",le="+Inf"} 1`,
		`coopbot_answer_seconds_count{surface="web"} 1`,
		`coopbot_embed_seconds_count 1`,
		// the question, then the people its lead's "senior UK ministers" are
		`coopbot_search_seconds_count 2`,
		`coopbot_ingest_documents_total{result="stored"} 2`,
		`coopbot_index_documents 2`,
		`coopbot_feedback_total{surface="web",vote="up"} 1`,
		`coopbot_answer_log_failures_total 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^coopbot_answer_seconds_bucket\{surface="web",le="[^"]+"\} `).FindAllString(m, -1)); n < 10 {
		t.Errorf("/metrics has %d latency buckets for the web question; want the histogram's buckets", n)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 20*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM = %d; want 0\n%s", code, logs.String())
	}
	out := logs.String()
	if !strings.Contains(out, "stopped") {
		t.Errorf("no clean stop in the log:\n%s", out)
	}
	if strings.Contains(out, token) {
		t.Errorf("the log shows the API token:\n%s", out)
	}
	// After exit nothing listens.
	u, _ := url.Parse(base)
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after exit", u.Host)
	}
}

// voteFromPage votes on the answer the browser shows, which lands in
// serve's in-memory answer log, and reads /gaps with the token.
func voteFromPage(t *testing.T, browser context.Context, base, token string, logs *logtest.Buffer) {
	t.Helper()
	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS("form.feedback .vote-up"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(browser, chromedp.Poll[bool](`document.querySelector("form.feedback").dataset.voted === "recorded"`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the page's vote was not recorded: %v\nserver log:\n%s", err, logs.String())
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/gaps", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("/gaps with the token = %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestServeConfigErrors(t *testing.T) {
	code, _, errs := run(t, env("HTTP_ADDR", "nope", "MAX_IN_FLIGHT", "2.5", "LOG_LEVEL", "loud",
		"DATABASE_URL", "mysql://root:hunter2@db/x", "SHUTDOWN_TIMEOUT", "soon"), "serve")
	if code != 2 {
		t.Errorf("exit code = %d; want 2", code)
	}
	if strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("errors span several lines:\n%s", errs)
	}
	for _, want := range []string{"HTTP_ADDR", "MAX_IN_FLIGHT", "LOG_LEVEL", "DATABASE_URL", "SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error %q does not name %s", errs, want)
		}
	}
	if strings.Contains(errs, "hunter2") {
		t.Errorf("error shows the database password: %s", errs)
	}

	for _, args := range [][]string{{"serve", "extra"}, {"serve", "--addr", "nope"}, {"serve", "--shutdown-timeout", "0s"}} {
		if code, _, errs := run(t, env(), args...); code == 0 || !strings.Contains(errs, "coopbot:") {
			t.Errorf("coopbot %q = %d %q; want a one-line error", args, code, errs)
		}
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errs := run(t, env(), "serve", "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(errs, "cannot listen on "+ln.Addr().String()) {
		t.Errorf("serve on a busy port = %d %q; want 1 and a clear message", code, errs)
	}
}

// TestEnvExampleIsValidConfig loads .env.example (as it is, and with its
// Ollama lines uncommented) through LoadConfig.
func TestEnvExampleIsValidConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	ollama := regexp.MustCompile(`(?m)^# ((EMBEDDER|EMBEDDING_MODEL|OPENAI_BASE_URL|CHAT_MODEL)=)`).ReplaceAll(b, []byte("$1"))
	for name, text := range map[string][]byte{"as shipped": b, "ollama": ollama} {
		vars, err := dotenv.UnmarshalBytesWithLookup(text, nil)
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		cfg, err := LoadConfig(func(k string) string { return vars[k] })
		if err != nil {
			t.Errorf(".env.example %s: %v", name, err)
		}
		if name == "ollama" && (cfg.Embedder != "openai" || cfg.OpenAIBaseURL != "http://ollama:11434/v1") {
			t.Errorf(".env.example ollama: config %+v", cfg)
		}
	}
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	cfg, err := LoadConfig(env("API_TOKEN", "tok-123", "OPENAI_API_KEY", "sk-abc", "DATABASE_URL", "postgres://u:pw-xyz@h/db",
		"SLACK_BOT_TOKEN", "xoxb-1", "DISCORD_TOKEN", "disc-1"))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.LogValue().String()
	for _, secret := range []string{"tok-123", "sk-abc", "pw-xyz", "xoxb-1", "disc-1"} {
		if strings.Contains(s, secret) {
			t.Errorf("Config.LogValue shows a secret: %s", s)
		}
	}
	if !strings.Contains(s, "api_token=set") || !strings.Contains(s, "database=postgres") {
		t.Errorf("Config.LogValue = %s; want which secrets are set", s)
	}
}

// gatedAnswerer is the real extractive answerer held until release is
// closed, to have an answer in flight at shutdown.
type gatedAnswerer struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gatedAnswerer) Answer(ctx context.Context, q string, snips []retrieval.Snippet) (retrieval.Answer, error) {
	close(g.entered)
	<-g.release
	return retrieval.Extractive{}.Answer(ctx, q, snips)
}

// TestServeFinishesInFlightAnswers cancels serve's context (as SIGTERM
// does) while an answer is in flight: the answer is delivered, new
// connections are refused, and serve returns nil.
func TestServeFinishesInFlightAnswers(t *testing.T) {
	cfg, err := LoadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	stderr := &logtest.Buffer{}
	m := NewMain(cfg, io.Discard, stderr)
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	g := &gatedAnswerer{entered: make(chan struct{}), release: make(chan struct{})}
	m.Service.Answerer = g

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, m, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "20s"}) }()
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if i := strings.Index(stderr.String(), "coopbot: serving "); i >= 0 {
			base = strings.Fields(stderr.String()[i+len("coopbot: serving "):])[0]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", stderr.String())
	}

	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Post(base+"/api/ask", "application/json", strings.NewReader(`{"question": "`+exampleQuestion+`"}`))
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-g.entered
	cancel() // SIGTERM
	u, _ := url.Parse(base)
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", u.Host, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Errorf("serve still accepts connections after shutdown began")
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) before the in-flight answer finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(g.release)
	r := <-res
	if r.err != nil || r.code != http.StatusOK || !strings.Contains(r.body, "Typhoon") {
		t.Errorf("in-flight answer = %d %q %v; want 200 with the answer", r.code, r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe = %v; want nil after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not return after the in-flight answer finished")
	}
}
