package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/coopbot/coopbot/retrieval"
)

func init() {
	register(command{name: "ask", summary: "answer a question with cited paragraphs", run: runAsk})
	register(command{name: "search", summary: "list the passages that best match a query", run: runSearch})
}

// queryCmd is what ask and search share: flags, one validated question,
// and an open core.
type queryCmd struct {
	q      string
	k      int
	asJSON bool
}

// parseQuery parses the flags of command name (kHelp describes -k), joins
// the remaining arguments into one question, validates both and opens the
// core.
func parseQuery(ctx context.Context, m *Main, name, kHelp string, args []string) (queryCmd, error) {
	var c queryCmd
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object")
	fs.IntVar(&c.k, "k", retrieval.DefaultK, fmt.Sprintf("%s (1-%d)", kHelp, retrieval.MaxK))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, exitError{0}
		}
		return c, exitError{2}
	}
	c.q = strings.Join(fs.Args(), " ")
	if strings.TrimSpace(c.q) == "" {
		return c, retrieval.Errorf(retrieval.EINVALID, "no question given: try coopbot %s \"Which minister announced the Typhoon exercise plan?\"", name)
	}
	if c.k < 1 || c.k > retrieval.MaxK {
		return c, retrieval.Errorf(retrieval.EINVALID, "-k must be between 1 and %d", retrieval.MaxK)
	}
	if _, err := retrieval.CleanQuestion(c.q); err != nil {
		return c, err
	}
	return c, m.Open(ctx)
}

func runAsk(ctx context.Context, m *Main, args []string) error {
	c, err := parseQuery(ctx, m, "ask", "passages retrieved to answer from", args)
	if err != nil {
		return err
	}
	m.Service.K = c.k
	ans, err := m.Service.Ask(ctx, c.q)
	if err != nil {
		return err
	}
	if c.asJSON {
		return writeJSON(m.Stdout, ans)
	}
	printAnswer(m.Stdout, ans)
	return nil
}

func runSearch(ctx context.Context, m *Main, args []string) error {
	c, err := parseQuery(ctx, m, "search", "number of passages", args)
	if err != nil {
		return err
	}
	snips, err := m.Service.Search(ctx, c.q, c.k)
	if err != nil {
		return err
	}
	res := SearchResult(c.q, snips)
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

// SearchResult presents search results in the ask --json shape: no answer
// text, one citation per snippet.
func SearchResult(q string, snips []retrieval.Snippet) retrieval.Answer {
	res := retrieval.Answer{Question: q, Citations: []retrieval.Citation{}}
	for i, s := range snips {
		res.Citations = append(res.Citations, retrieval.CitationOf(i+1, s))
	}
	return res
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
	fmt.Fprintf(w, "[%d] %s (%s), ¶%d\n", c.N, c.Title, date, c.Paragraph)
	for _, line := range strings.Split(c.Text, "\n") {
		fmt.Fprintf(w, "    > %s\n", line)
	}
}
