package web

import (
	"context"
	"net/http"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/retrieval"
)

// defaultGapsWindow is how far back /gaps reads without ?since=.
const defaultGapsWindow = 30 * 24 * time.Hour

// GapsFunc builds the coverage-gaps report over the last since of the
// answer log.
type GapsFunc func(ctx context.Context, since time.Duration) (feedback.Report, error)

// gapsView is what templates/page.html's gaps.html renders.
type gapsView struct {
	Window string
	feedback.Report
}

// handleGaps serves GET /gaps[?since=30d]: the coverage-gaps report as a
// page, or as JSON for Accept: application/json. It is behind API_TOKEN
// when one is set: the questions are the team's.
func (s *Server) handleGaps(w http.ResponseWriter, r *http.Request) {
	window := r.URL.Query().Get("since")
	d := defaultGapsWindow
	if window != "" {
		var err error
		if d, err = feedback.ParseWindow(window); err != nil {
			s.writeError(w, r, retrieval.Errorf(retrieval.EINVALID, "since: %v", err))
			return
		}
	} else {
		window = "30d"
	}
	if s.opts.Gaps == nil {
		s.writeError(w, r, retrieval.Errorf(retrieval.ENOTFOUND, "there is no answer log to report on: ANSWER_LOG is off"))
		return
	}
	rep, err := s.opts.Gaps(r.Context(), d)
	if err != nil {
		s.log.ErrorContext(r.Context(), "gaps report failed", "request_id", requestID(r.Context()), "err", err)
		s.writeError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	s.render(w, http.StatusOK, "gaps.html", gapsView{Window: window, Report: rep})
}
