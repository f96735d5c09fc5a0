package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopbot/coopbot/web"
	"github.com/coopbot/coopbot/web/webtest"
)

// TestBrowserAsksExample drives the page in headless Chromium: type the
// example question, submit, and see the Typhoon paragraph cited with its
// best sentence highlighted; then the "not in the sources" state.
func TestBrowserAsksExample(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	ctx := webtest.Browser(t, 90*time.Second)

	r, err := webtest.Ask(ctx, srv.URL, webtest.ExampleQuestion)
	if err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, ctx, "web-answer.png")
	if r.State != "answered" || r.Answer == "" {
		t.Fatalf("result = %+v; want an answer", r)
	}
	if !r.HasCitation(webtest.TyphoonPassage) {
		t.Errorf("citations %q; want the Typhoon paragraph", r.Citations)
	}
	if len(r.Marks) == 0 {
		t.Errorf("no highlighted sentence in the citations")
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(loc); u.Query().Get("q") != webtest.ExampleQuestion {
		t.Errorf("location = %q; want ?q= the question, so the answer can be shared", loc)
	}

	// A suggestion that the sources don't cover, clicked.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.suggestion[href*="Rugby"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result article[data-state="abstained"]`)),
	)
	if err != nil {
		t.Fatalf("click the off-topic suggestion: %v", err)
	}
	webtest.Screenshot(t, ctx, "web-not-in-sources.png")
	r, err = webtest.ReadResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Citations) != 0 {
		t.Errorf("abstained result cites %q; want none", r.Citations)
	}

	// Without JavaScript's help: the server-rendered page.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape(webtest.ExampleQuestion))); err != nil {
		t.Fatal(err)
	}
	r, err = webtest.ReadResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasCitation(webtest.TyphoonPassage) || !strings.Contains(r.Answer, "[") {
		t.Errorf("server-rendered result = %+v; want the Typhoon citation and [n] markers", r)
	}
}
