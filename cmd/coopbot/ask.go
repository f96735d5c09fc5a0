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

// questionArgs parses flags and joins the remaining arguments into one
// question.
func questionArgs(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", exitError{0}
		}
		return "", exitError{2}
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return "", retrieval.Errorf(retrieval.EINVALID, "no question given: try coopbot %s \"Which minister announced the Typhoon exercise plan?\"", fs.Name())
	}
	return q, nil
}

func runAsk(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	k := fs.Int("k", retrieval.DefaultK, fmt.Sprintf("passages retrieved to answer from (1-%d)", retrieval.MaxK))
	q, err := questionArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkK(*k); err != nil {
		return err
	}
	if _, err := retrieval.CleanQuestion(q); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	m.Service.K = *k
	ans, err := m.Service.Ask(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, ans)
	}
	printAnswer(m.Stdout, ans)
	return nil
}

func runSearch(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	k := fs.Int("k", retrieval.DefaultK, fmt.Sprintf("number of passages (1-%d)", retrieval.MaxK))
	q, err := questionArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkK(*k); err != nil {
		return err
	}
	if _, err := retrieval.CleanQuestion(q); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	snips, err := m.Service.Search(ctx, q, *k)
	if err != nil {
		return err
	}
	res := SearchResult(q, snips)
	if *asJSON {
		return writeJSON(m.Stdout, res)
	}
	for _, c := range res.Citations {
		printCitation(m.Stdout, c)
	}
	if len(res.Citations) == 0 {
		fmt.Fprintln(m.Stdout, "No passages found.")
	}
	return nil
}

func checkK(k int) error {
	if k < 1 || k > retrieval.MaxK {
		return retrieval.Errorf(retrieval.EINVALID, "-k must be between 1 and %d", retrieval.MaxK)
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
