package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/web"
	"github.com/coopbot/coopbot/web/webtest"
)

// newVotingServer serves the bundled corpus through a Front with a
// running in-memory answer log.
func newVotingServer(t *testing.T) (string, *feedback.Log) {
	t.Helper()
	l := feedbacktest.NewLog(t)
	srv, _ := newServerOver(t, testcore.Service(t), edge.Options{AnswerLog: l}, web.Options{})
	return srv.URL, l
}

var answerIDField = regexp.MustCompile(`name="answer_id" value="([^"]+)"`)

// TestFeedbackForm: the server-rendered answer carries the vote form;
// posting it (as the page does without script) records the vote once,
// a changed vote replaces it, and an unknown answer gets a plain
// sentence; the JSON API does the same.
func TestFeedbackForm(t *testing.T) {
	base, l := newVotingServer(t)
	_, page := get(t, base+"/?q="+url.QueryEscape(webtest.ExampleQuestion))
	m := answerIDField.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `value="up"`) {
		t.Fatalf("answer page has no vote form:\n%s", page)
	}
	id := m[1]
	jar := &http.Cookie{}
	post := func(form url.Values) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/feedback", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if jar.Name != "" {
			req.AddCookie(jar)
		}
		resp, body := do(t, req)
		for _, c := range resp.Cookies() {
			jar = c
		}
		return resp.StatusCode, body
	}
	tests := []struct {
		form url.Values
		code int
		want string
	}{
		{url.Values{"answer_id": {id}, "vote": {"up"}, "comment": {"spot on"}}, 200, "👍 recorded"},
		{url.Values{"answer_id": {id}, "vote": {"up"}}, 200, "already recorded"},
		{url.Values{"answer_id": {id}, "vote": {"down"}}, 200, "changed to 👎"},
		{url.Values{"answer_id": {"r000000000000"}, "vote": {"up"}}, 404, "no longer in the log"},
		{url.Values{"answer_id": {id}, "vote": {"maybe"}}, 400, "must be"},
	}
	for _, tt := range tests {
		code, body := post(tt.form)
		if code != tt.code || !strings.Contains(body, tt.want) || strings.Contains(body, "r000000000000 ") {
			t.Errorf("POST /api/feedback %v = %d %q; want %d with %q", tt.form, code, body, tt.code, tt.want)
		}
	}
	// JSON, from another client (no cookie: another voter).
	resp, body := postJSON(t, base+"/api/feedback", `{"answer_id": "`+id+`", "vote": "up"}`)
	var got struct{ Result, Message string }
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || got.Result != "recorded" {
		t.Errorf("POST /api/feedback JSON = %d %s; want 200 recorded", resp.StatusCode, body)
	}
	if resp, body := postJSON(t, base+"/api/feedback", `{"answer": "x"}`); resp.StatusCode != 400 || !strings.Contains(body, "answer_id") {
		t.Errorf("POST /api/feedback with a wrong field = %d %s; want 400 naming the shape", resp.StatusCode, body)
	}
	recs, _ := l.Since(context.Background(), time.Time{})
	if len(recs) != 1 || recs[0].Ups != 1 || recs[0].Downs != 1 || len(recs[0].Comments) != 0 {
		t.Errorf("log = %+v; want one 👍 (JSON) and one 👎 (the form, its comment replaced)", recs)
	}
}

// TestFeedbackOff: with no answer log the page offers no vote form.
func TestFeedbackOff(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	if _, page := get(t, srv.URL+"/?q="+url.QueryEscape(webtest.ExampleQuestion)); strings.Contains(page, "answer_id") {
		t.Errorf("page offers a vote form with the answer log off")
	}
}

// TestBrowserVotes clicks the vote buttons in headless Chromium: with the
// script the vote is posted in place and can be changed; without it the
// form posts to a page of its own.
func TestBrowserVotes(t *testing.T) {
	base, l := newVotingServer(t)
	ctx := webtest.Browser(t, 90*time.Second)
	if _, err := webtest.Ask(ctx, base, webtest.ExampleQuestion); err != nil {
		t.Fatal(err)
	}
	waitNote := func(want string) string {
		text, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.querySelector("form.feedback .feedback-result"); return e && e.textContent.includes(`+jsString(want)+`) ? e.textContent : false; })()`, chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("wait for the vote note %q: %v", want, err)
		}
		return text
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form.feedback .vote-up"))); err != nil {
		t.Fatal(err)
	}
	waitNote("👍 recorded")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`form.feedback input[name="comment"]`), "cites the right paragraph"),
		chromedp.Click(chromedp.CSS("form.feedback .vote-down"))); err != nil {
		t.Fatal(err)
	}
	waitNote("changed to 👎")
	webtest.Screenshot(t, ctx, "web-feedback.png")

	// Without script: a refusal's "This should be covered", posted as a form.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/?q="+url.QueryEscape("Who won the 2015 Rugby World Cup?")),
		chromedp.Click(chromedp.CSS("form.feedback .vote-down")),
		chromedp.WaitVisible(chromedp.CSS(`article[data-state="voted"]`)),
	)
	if err != nil {
		t.Fatalf("vote without script: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".feedback-result")))
	if err != nil || !strings.Contains(msg, "👎 recorded") {
		t.Fatalf("vote without script: %q, %v; want the thank-you page", msg, err)
	}
	recs, _ := l.Since(context.Background(), time.Time{})
	if len(recs) != 2 || recs[0].Downs != 1 || len(recs[0].Comments) != 1 || !recs[1].Abstained || recs[1].Downs != 1 {
		t.Errorf("log = %+v; want the answer with one 👎 and its comment, the refusal with one", recs)
	}
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }
