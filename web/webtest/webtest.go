// Package webtest drives coopbot's web page in a real headless Chromium
// (Debian's chromium package) through chromedp, for the tests of web and
// of `coopbot serve`.
package webtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ExampleQuestion is the question the browser tests ask.
const ExampleQuestion = "Which minister announced the Typhoon exercise plan?"

// TyphoonPassage is a phrase of the corpus paragraph that answers
// ExampleQuestion's Typhoon part.
const TyphoonPassage = "Eurofighter Typhoon combat jets"

// Chromium returns the path of a Chromium binary: $CHROMIUM, or chromium
// (or chromium-browser) on PATH. Without one it skips the test, or fails
// it when COOPBOT_REQUIRE_BROWSER=1 (as scripts/test.sh sets).
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("COOPBOT_REQUIRE_BROWSER") == "1" {
		tb.Fatal("chromium not found and COOPBOT_REQUIRE_BROWSER=1: install it (apt-get install chromium)")
	}
	tb.Skip("chromium not found; install it (apt-get install chromium) or set COOPBOT_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// Browser starts a fresh headless Chromium (its own temporary profile) and
// returns a chromedp context for one tab, bounded by timeout. The browser
// is stopped when the test ends.
func Browser(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	path := Chromium(tb)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(tb.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now so a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// Result is what the page shows after a question.
type Result struct {
	State     string   // data-state of the result: answered, abstained or error
	Answer    string   // the answer's visible text
	Citations []string // each citation's visible text, in order
	Marks     []string // the highlighted sentences
}

// Ask loads baseURL in the browser, types question into the box, submits
// the form and waits for the result.
func Ask(ctx context.Context, baseURL, question string) (Result, error) {
	var r Result
	err := chromedp.Do(ctx,
		chromedp.Navigate(baseURL),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), question),
		chromedp.Click(chromedp.CSS("#ask-button")),
		chromedp.WaitVisible(chromedp.CSS("#result article[data-state]")),
	)
	if err != nil {
		return r, fmt.Errorf("ask %q in the page: %w", question, err)
	}
	return ReadResult(ctx)
}

// ReadResult reads the result currently shown on the page.
func ReadResult(ctx context.Context) (Result, error) {
	type raw struct {
		State     string   `json:"state"`
		Answer    string   `json:"answer"`
		Citations []string `json:"citations"`
		Marks     []string `json:"marks"`
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[raw](`(() => {
		const a = document.querySelector("#result article[data-state]");
		const t = (sel) => Array.from(a.querySelectorAll(sel), e => e.innerText.trim());
		return {
			state: a.dataset.state,
			answer: (a.querySelector(".answer-text") || {innerText: ""}).innerText.trim(),
			citations: t("li.citation"),
			marks: t("mark"),
		};
	})()`))
	if err != nil {
		return Result{}, fmt.Errorf("read the result: %w", err)
	}
	return Result{State: v.State, Answer: v.Answer, Citations: v.Citations, Marks: v.Marks}, nil
}

// Screenshot saves a full-page PNG named name into ArtifactDir and
// returns its path.
func Screenshot(tb testing.TB, ctx context.Context, name string) string {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(ArtifactDir(tb), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatalf("save screenshot: %v", err)
	}
	tb.Logf("screenshot: %s", path)
	return path
}

// ArtifactDir is where tests leave artifacts: $TEST_ARTIFACTS when set
// (created if needed), else a directory kept under os.TempDir.
func ArtifactDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "coopbot-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("artifact dir: %v", err)
	}
	return dir
}

// HasCitation reports whether some citation contains phrase.
func (r Result) HasCitation(phrase string) bool {
	for _, c := range r.Citations {
		if strings.Contains(c, phrase) {
			return true
		}
	}
	return false
}
