package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

// voterCookie holds a random id for the browser that votes, so that its
// votes count once per answer; only the id's keyed hash is stored.
const voterCookie = "coopbot_voter"

// feedbackShape is the JSON POST /api/feedback wants, quoted in refusals.
const feedbackShape = `{"answer_id": "...", "vote": "up" or "down", "comment": "..."}`

// feedbackView is what the page shows after a vote sent without script.
type feedbackView struct {
	Message string
	Error   bool
}

// handleFeedback serves POST /api/feedback: a vote on an answer, from the
// page's form (answer_id, vote, comment; answered with a page, or with
// JSON when the script asks for it) or as JSON (answered with JSON). It
// is not behind API_TOKEN, which the page's form cannot send: a vote
// needs the answer's id, which only whoever saw the answer has.
func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	asJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	v := edge.Vote{Surface: edge.SurfaceWeb}
	var err error
	if asJSON {
		v.Surface = edge.SurfaceAPI
		err = decodeVote(r, &v)
	} else if err = r.ParseForm(); err != nil {
		err = retrieval.Errorf(retrieval.EINVALID, "the vote could not be read: send the form again")
	} else {
		v.AnswerID, v.Value, v.Comment = r.PostForm.Get("answer_id"), r.PostForm.Get("vote"), strings.TrimSpace(r.PostForm.Get("comment"))
	}
	if err == nil {
		v.User = s.voter(w, r)
		var res feedback.Result
		if res, err = s.front.Vote(r.Context(), v); err == nil {
			msg := edge.VoteText(v.Value, res)
			if asJSON || wantsJSON(r) {
				writeJSON(w, http.StatusOK, map[string]string{"result": resultName(res), "message": msg, "answer_id": v.AnswerID})
				return
			}
			s.render(w, http.StatusOK, "feedback.html", feedbackView{Message: msg})
			return
		}
	}
	if asJSON || wantsJSON(r) {
		s.writeError(w, r, err)
		return
	}
	s.render(w, status(err), "feedback.html", feedbackView{Message: edge.Text(err, requestID(r.Context())), Error: true})
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func resultName(r feedback.Result) string {
	switch r {
	case feedback.Changed:
		return "changed"
	case feedback.Unchanged:
		return "unchanged"
	}
	return "recorded"
}

// decodeVote reads a JSON vote, with a plain EINVALID sentence for
// anything but one object of the known fields.
func decodeVote(r *http.Request, v *edge.Vote) error {
	var body struct {
		AnswerID string `json:"answer_id"`
		Vote     string `json:"vote"`
		Comment  string `json:"comment"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || dec.More() {
		return retrieval.Errorf(retrieval.EINVALID, "the request body must be one JSON object: want %s", feedbackShape)
	}
	v.AnswerID, v.Value, v.Comment = body.AnswerID, body.Vote, strings.TrimSpace(body.Comment)
	return nil
}

// voter returns the browser's voter id, setting a new one when it has
// none.
func (s *Server) voter(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(voterCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: voterCookie, Value: id, Path: "/api/feedback", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return id
}
