package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/web"
)

// TestGapsPage: /gaps reports the refusals the page's own questions
// left in the answer log, behind API_TOKEN.
func TestGapsPage(t *testing.T) {
	svc := testcore.Service(t)
	l := feedbacktest.NewLog(t)
	gaps := func(ctx context.Context, d time.Duration) (feedback.Report, error) {
		if err := l.Flush(ctx); err != nil {
			return feedback.Report{}, err
		}
		recs, err := l.Since(ctx, time.Now().Add(-d))
		if err != nil {
			return feedback.Report{}, err
		}
		return feedback.Gaps(ctx, time.Now().Add(-d), recs, svc.Embedder.Embed, nil, feedback.GapOptions{})
	}
	srv, _ := newServerOver(t, svc, edge.Options{AnswerLog: l}, web.Options{APIToken: "tok", Gaps: gaps})
	for _, q := range []string{"Who won the 2015 Rugby World Cup?", "Which team won the 2015 Rugby World Cup?", "Which minister announced the Typhoon exercise plan?"} {
		get(t, srv.URL+"/?q="+url.QueryEscape(q))
	}
	if resp, _ := get(t, srv.URL+"/gaps"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /gaps without the token = %d; want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/gaps?since=7d", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, page := do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(page, `data-count="2"`) || !strings.Contains(page, "Rugby World Cup") || !strings.Contains(page, "3 questions, 1 answered, 2 refused") {
		t.Errorf("GET /gaps = %d:\n%s\nwant one group of the two Rugby refusals", resp.StatusCode, page)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/gaps?since=soon", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if resp, body := do(t, req); resp.StatusCode != 400 || !strings.Contains(body, "30d") {
		t.Errorf("GET /gaps?since=soon = %d %s; want 400 with an example window", resp.StatusCode, body)
	}
}
