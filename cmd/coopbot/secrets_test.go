package main

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/llm/openai/openaitest"
)

// fakeSecrets are recognisable fake values for every secret coopbot reads.
var fakeSecrets = map[string]string{
	"OPENAI_API_KEY":       "sk-FAKESECRET-openai-91c4",
	"API_TOKEN":            "tok-FAKESECRET-api-5e2d",
	"SLACK_SIGNING_SECRET": "ssec-FAKESECRET-slack-d41a",
	"SLACK_BOT_TOKEN":      "xoxb-FAKESECRET-bot-77f0",
	"SLACK_APP_TOKEN":      "xapp-FAKESECRET-app-88e1",
	"DISCORD_TOKEN":        "disc-FAKESECRET-discord-2b9c",
}

// dbPassword is the password inside the fake DATABASE_URL.
const dbPassword = "pw-FAKESECRET-db-3a7f"

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// checkNoSecrets fails t if out holds any fake secret.
func checkNoSecrets(t *testing.T, what, out string) {
	t.Helper()
	for name, v := range fakeSecrets {
		if strings.Contains(out, v) || strings.Contains(out, strings.SplitN(v, "-", 2)[1]) {
			t.Errorf("%s shows %s:\n%s", what, name, out)
		}
	}
	if strings.Contains(out, dbPassword) {
		t.Errorf("%s shows the database password:\n%s", what, out)
	}
}

// TestSecretsNeverLogged runs the real binary at debug level with every
// secret set to a fake value, the database unreachable and the model
// failing, sends it Slack commands (signed and not), API calls with and
// without the token, and checks that no secret appears in anything it
// writes. A second run with DISCORD_TOKEN fails to reach Discord and must
// not show the token either.
func TestSecretsNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCoopbot(t)
	llm := openaitest.NewServer(t, "fake-chat", "fake-embed", 32)
	llm.APIKey = fakeSecrets["OPENAI_API_KEY"]
	llm.Default(openaitest.Fail(http.StatusInternalServerError))
	base := []string{
		"LOG_LEVEL=debug", "HTTP_ADDR=127.0.0.1:0", "CHAT_MODEL=fake-chat", "OPENAI_BASE_URL=" + llm.URL,
		"RATE_PER_MINUTE=600", "RATE_BURST=100",
	}
	for _, name := range []string{"OPENAI_API_KEY", "API_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
		base = append(base, name+"="+fakeSecrets[name])
	}
	hook := serveHTTP(t, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		checkNoSecrets(t, "a Slack reply", string(b))
	})})

	exercise := func(srv string) {
		c := &http.Client{Timeout: time.Minute}
		for _, r := range []*http.Request{
			signedCommand(t, srv, fakeSecrets["SLACK_SIGNING_SECRET"], exampleQuestion, hook, time.Now()),
			signedCommand(t, srv, "wrong", exampleQuestion, hook, time.Now()),
			signedCommand(t, srv, fakeSecrets["SLACK_SIGNING_SECRET"], exampleQuestion, hook, time.Now().Add(-time.Hour)),
		} {
			if resp, err := c.Do(r); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkNoSecrets(t, "a Slack response", string(b))
			}
		}
		for _, tok := range []string{"", "Bearer wrong", "Bearer " + fakeSecrets["API_TOKEN"]} {
			r, _ := http.NewRequest(http.MethodPost, srv+"/api/ask", strings.NewReader(`{"question":"`+exampleQuestion+`"}`))
			if tok != "" {
				r.Header.Set("Authorization", tok)
			}
			if resp, err := c.Do(r); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkNoSecrets(t, "an API response", string(b))
			}
		}
		for _, p := range []string{"/readyz", "/metrics", "/?q=" + "Typhoon"} {
			if resp, err := c.Get(srv + p); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkNoSecrets(t, p, string(b))
			}
		}
		time.Sleep(2 * time.Second) // let background answers and retries log
	}

	// 1. The database is unreachable.
	dbURL := "DATABASE_URL=postgres://coopbot:" + dbPassword + "@127.0.0.1:" + closedPort(t) + "/coopbot?connect_timeout=2"
	cmd, srv, logs := startServe(t, bin, append(base, dbURL)...)
	exercise(srv)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, time.Minute)
	out := logs.String()
	checkNoSecrets(t, "serve's log (database down)", out)
	if !strings.Contains(out, "cannot reach the database") || !strings.Contains(out, "rejected unsigned or stale request") {
		t.Errorf("serve's log lacks the expected failures; the test did not exercise them:\n%s", out)
	}

	// 2. The in-process store, so questions reach the failing model.
	cmd, srv, logs = startServe(t, bin, base...)
	exercise(srv)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, time.Minute)
	out = logs.String()
	checkNoSecrets(t, "serve's log (model failing)", out)
	if !strings.Contains(out, "answerer failed") {
		t.Errorf("serve's log lacks the model failure; the test did not exercise it:\n%s", out)
	}

	// 3. Discord cannot be reached: serve keeps serving and retries;
	// the failure is logged without the token.
	run := exec.Command(bin, "serve")
	run.Env = []string{"HOME=" + t.TempDir(), "HTTP_ADDR=127.0.0.1:0", "LOG_LEVEL=debug", "DISCORD_TOKEN=" + fakeSecrets["DISCORD_TOKEN"]}
	var both logtest.Buffer
	run.Stdout, run.Stderr = &both, &both
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(both.String(), "cannot connect to Discord") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(both.String(), "coopbot: serving http://") {
		t.Errorf("serve stopped serving when Discord was unreachable:\n%s", both.String())
	}
	_ = run.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, run, time.Minute); code != 0 {
		t.Errorf("serve with Discord unreachable exited %d after SIGTERM; want 0:\n%s", code, both.String())
	}
	checkNoSecrets(t, "serve's output (Discord unreachable)", both.String())
	if !strings.Contains(both.String(), "cannot connect to Discord") {
		t.Errorf("serve's output lacks the Discord failure; the test did not exercise it:\n%s", both.String())
	}
}
