package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func parseTemplates() (*template.Template, error) {
	return template.New("page").ParseFS(templateFS, "templates/*.html")
}

// staticHandler serves the embedded stylesheet and script, and nothing
// else: a directory (/static/ itself) is 404, never a listing.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(filesOnly{sub}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// filesOnly is an fs.FS that opens files but no directories, so that
// http.FileServerFS has no listing to serve.
type filesOnly struct{ fsys fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}

// pageView is what templates/page.html renders.
type pageView struct {
	Question    string
	About       string // what the documents are; "" for the bundled corpus
	Suggestions []string
	Result      *resultView
}

// resultView is one answer (or error) as the page shows it.
type resultView struct {
	Question  string
	Error     string // user-facing error message; the rest is empty
	Abstained bool
	Answer    []segment
	Citations []citationView
	// AnswerID is the answer's id in the answer log, for the vote form;
	// "" when the log is off.
	AnswerID string
}

// segment is a piece of answer text, or a citation marker when Ref > 0.
type segment struct {
	Text string
	Ref  int
}

// citationView is a citation with its passage split around the
// highlighted sentence.
type citationView struct {
	N                   int
	Title, Date         string
	Document            string
	Paragraph, Page     int
	URL                 string // the web page the document came from, or ""
	Before, Mark, After string
}

// citeMarker matches the [n] markers in an answer's text.
var citeMarker = regexp.MustCompile(`\[(\d+)\]`)

// newResultView turns an Answer or an error (shown by its code's text,
// with the request id id) into what the page shows.
func newResultView(question string, a retrieval.Answer, err error, id string) *resultView {
	v := &resultView{Question: question}
	if err != nil {
		v.Error = edge.Text(err, id)
		return v
	}
	v.AnswerID = id
	v.Abstained = a.Abstained
	v.Answer = splitAnswer(a.Text, len(a.Citations))
	for _, c := range a.Citations {
		cv := citationView{N: c.N, Title: c.Title, Date: c.Date, Document: c.DocumentID, Paragraph: c.Paragraph, Page: c.Page, URL: c.URL, Before: c.Text}
		if h := strings.TrimSpace(c.Highlight); h != "" {
			if i := strings.Index(c.Text, h); i >= 0 {
				cv.Before, cv.Mark, cv.After = c.Text[:i], h, c.Text[i+len(h):]
			}
		}
		v.Citations = append(v.Citations, cv)
	}
	return v
}

// splitAnswer splits text at [n] markers that refer to one of the n
// citations; other bracketed numbers stay text.
func splitAnswer(text string, n int) []segment {
	var out []segment
	last := 0
	for _, m := range citeMarker.FindAllStringSubmatchIndex(text, -1) {
		ref, err := strconv.Atoi(text[m[2]:m[3]])
		if err != nil || ref < 1 || ref > n {
			continue
		}
		if m[0] > last {
			out = append(out, segment{Text: text[last:m[0]]})
		}
		out = append(out, segment{Ref: ref})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}

// handlePage renders the page; with ?q= it asks the question server-side,
// so the form works without JavaScript.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	v := pageView{Question: q, Suggestions: s.suggs}
	if s.opts.About != nil {
		v.About = s.opts.About()
	}
	st := http.StatusOK
	if r.URL.Query().Has("q") {
		ans, err := s.ask(r.Context(), edge.SurfaceWeb, q)
		v.Result = s.resultView(q, ans, err, requestID(r.Context()))
		st = status(err)
	}
	s.render(w, st, "page.html", v)
}

// handleFragment renders only the result, for the page's script.
func (s *Server) handleFragment(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	ans, err := s.ask(r.Context(), edge.SurfaceWeb, q)
	s.render(w, status(err), "result", s.resultView(q, ans, err, requestID(r.Context())))
}

// resultView is newResultView with the vote form only when votes are
// taken.
func (s *Server) resultView(q string, a retrieval.Answer, err error, id string) *resultView {
	v := newResultView(q, a, err, id)
	if !s.front.Feedback() {
		v.AnswerID = ""
	}
	return v
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v any) {
	var buf bytes.Buffer
	if err := s.page.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("render template", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
