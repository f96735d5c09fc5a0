package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

func init() {
	register(command{name: "ask", summary: "answer a question with cited paragraphs", run: runAsk})
	register(command{name: "search", summary: "list the passages that best match a query", run: runSearch})
}

// queryCmd is what ask and search share: flags and one question.
type queryCmd struct {
	q      string
	k      int
	asJSON bool
}

// parseQuery parses the command line of ask or search (name; kHelp
// describes -k) and joins the remaining arguments into one question. The
// question itself is validated by the Front, like on every surface.
func parseQuery(m *Main, name, kHelp string, args []string) (queryCmd, error) {
	var c queryCmd
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object")
	fs.IntVar(&c.k, "k", retrieval.DefaultK, fmt.Sprintf("%s (1-%d)", kHelp, retrieval.MaxK))
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: coopbot %s [--json] [-k N] \"question\"\n\nThe question is the rest of the command line: one quoted argument, or words\njoined with spaces. Flags go before it.\n", name)
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return c, err
	}
	if fs.NArg() == 0 {
		return c, usageError{name, fmt.Sprintf("no question given: try coopbot %s \"Which minister announced the Typhoon exercise plan?\"", name)}
	}
	if c.k < 1 || c.k > retrieval.MaxK {
		return c, usageError{name, fmt.Sprintf("-k must be between 1 and %d, got %d", retrieval.MaxK, c.k)}
	}
	c.q = strings.Join(fs.Args(), " ")
	return c, nil
}

// cliCore is the core as ask and search reach it: opened on first use, so
// that the Front refuses a bad question before the store is opened, and a
// store that cannot be opened is reported like any other failure.
type cliCore struct {
	m *Main
	k int
}

func (c cliCore) open(ctx context.Context) (*retrieval.Service, error) {
	if err := c.m.Open(ctx); err != nil {
		return nil, err
	}
	c.m.Service.K = c.k
	return c.m.Service, nil
}

func (c cliCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	s, err := c.open(ctx)
	if err != nil {
		return retrieval.Answer{}, err
	}
	return s.Ask(ctx, q)
}

func (c cliCore) AskFollowUp(ctx context.Context, h []retrieval.Turn, q string) (retrieval.Answer, error) {
	s, err := c.open(ctx)
	if err != nil {
		return retrieval.Answer{}, err
	}
	return s.AskFollowUp(ctx, h, q)
}

func (c cliCore) Search(ctx context.Context, q string, k int) ([]retrieval.Snippet, error) {
	s, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	return s.Search(ctx, q, k)
}

// cliFront is the path ask and search take to the core, the one every
// surface takes; it logs with LOG_LEVEL=debug only (questionLogger).
func (m *Main) cliFront(k int) *edge.Front {
	return edge.New(cliCore{m: m, k: k}, edge.Options{Timeout: m.Config.AnswerTimeout, Logger: m.questionLogger(), AnswerLog: m.AnswerLog})
}

// shownError is an error reduced to the one line its user reads.
type shownError struct{ text string }

func (e shownError) Error() string { return e.text }

// shown is what ask and search print for err: its text (edge.Text) and,
// for a failure of the service, where the operator finds the detail.
func (m *Main) shown(err error, id string) error {
	text := edge.Text(err, id)
	if code := retrieval.ErrorCode(err); !retrieval.UserCode(code) && code != retrieval.EBUSY && m.Config.level() > slog.LevelDebug {
		text += " Run with LOG_LEVEL=debug to see the cause."
	}
	return shownError{text}
}

func runAsk(ctx context.Context, m *Main, args []string) error {
	c, err := parseQuery(m, "ask", "passages retrieved to answer from", args)
	if err != nil {
		return err
	}
	defer m.startAnswerLog(ctx, m.questionLogger())() // written before Run closes the pool
	q := edge.Question{Surface: edge.SurfaceCLI, ID: edge.NewRequestID(), Text: c.q}
	ans, err := m.cliFront(c.k).Ask(ctx, q)
	if err != nil {
		return m.shown(err, q.ID)
	}
	if c.asJSON {
		return writeJSON(m.Stdout, ans)
	}
	printAnswer(m.Stdout, ans)
	return nil
}

func runSearch(ctx context.Context, m *Main, args []string) error {
	c, err := parseQuery(m, "search", "number of passages", args)
	if err != nil {
		return err
	}
	q := edge.Question{Surface: edge.SurfaceCLI, ID: edge.NewRequestID(), Text: c.q}
	res, err := m.cliFront(c.k).Search(ctx, q, c.k)
	if err != nil {
		return m.shown(err, q.ID)
	}
	if c.asJSON {
		return writeJSON(m.Stdout, res)
	}
	for _, r := range res.Citations {
		printCitation(m.Stdout, r)
	}
	if len(res.Citations) == 0 {
		fmt.Fprintln(m.Stdout, "No passages found.")
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func printAnswer(w io.Writer, a retrieval.Answer) {
	fmt.Fprintln(w, a.Text)
	if len(a.Citations) > 0 {
		fmt.Fprintln(w, "\nSources:")
	}
	for _, c := range a.Citations {
		printCitation(w, c)
	}
}

func printCitation(w io.Writer, c retrieval.Citation) {
	date := c.Date
	if date == "" {
		date = "undated"
	}
	page := ""
	if c.Page > 0 {
		page = fmt.Sprintf("p. %d, ", c.Page)
	}
	fmt.Fprintf(w, "[%d] %s (%s), %s¶%d\n", c.N, c.Title, date, page, c.Paragraph)
	if c.URL != "" {
		fmt.Fprintf(w, "    %s\n", c.URL)
	}
	for _, line := range strings.Split(c.Text, "\n") {
		fmt.Fprintf(w, "    > %s\n", line)
	}
}
