package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web"
)

func init() {
	register(command{name: "gaps", summary: "list what users ask that the sources don't answer (from the answer log)", run: runGaps})
}

// defaultSince is how far back gaps and eval --from-log read the log.
const defaultSince = 30 * 24 * time.Hour

// sinceFlag is a --since flag.
type sinceFlag struct{ d time.Duration }

func (f *sinceFlag) String() string { return fmt.Sprintf("%dd", int(f.d/(24*time.Hour))) }
func (f *sinceFlag) Set(s string) error {
	d, err := feedback.ParseWindow(s)
	f.d = d
	return err
}

func runGaps(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("gaps", flag.ContinueOnError)
	since := &sinceFlag{defaultSince}
	fs.Var(since, "since", "read the questions of this window (30d, 2w, 36h)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: coopbot gaps [--since 30d] [--json]\n\nGroups the refused and down-voted questions of the answer log (PostgreSQL,\nDATABASE_URL) by meaning, largest group first, with the passages that came\nclosest; then the passages answers cite most and the answers down-voted most.\nSee docs/feedback.md.")
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"gaps", fmt.Sprintf("gaps takes no arguments, got %q", fs.Arg(0))}
	}
	records, err := m.logRecords(ctx, since.d)
	if err != nil {
		return err
	}
	rep, err := gapsReport(ctx, m.Service, time.Now().Add(-since.d), records)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, rep)
	}
	printGaps(m.Stdout, rep)
	return nil
}

// logRecords opens the core and reads the answer log of the last d from
// PostgreSQL: a command's own in-memory log would be empty (serve's
// /gaps page reads serve's).
func (m *Main) logRecords(ctx context.Context, d time.Duration) ([]feedback.Record, error) {
	if m.Config.DatabaseURL == "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "the answer log this command reads is in PostgreSQL: set DATABASE_URL (without it, serve keeps the log in memory: open its /gaps page)")
	}
	if err := m.Open(ctx); err != nil {
		return nil, err
	}
	recs, err := m.Postgres.AnswerLog().Since(ctx, time.Now().Add(-d))
	if err != nil {
		return nil, retrieval.Detailf(retrieval.EUNAVAILABLE, err, "read the answer log")
	}
	return recs, nil
}

// gapsReport builds the report over records with the open core svc: its
// embedder (the default one) clusters the questions, its search finds
// each gap's closest passages.
func gapsReport(ctx context.Context, svc *retrieval.Service, since time.Time, records []feedback.Record) (feedback.Report, error) {
	nearest := func(ctx context.Context, q string) ([]feedback.Passage, error) {
		snips, err := svc.Search(ctx, q, 3)
		if err != nil {
			return nil, err
		}
		out := make([]feedback.Passage, len(snips))
		for i, s := range snips {
			out[i] = feedback.Passage{Document: s.DocumentID, Title: s.Title, Paragraph: s.HighlightParagraph, Text: s.Highlight, Score: s.Score}
		}
		return out, nil
	}
	rep, err := feedback.Gaps(ctx, since, records, svc.Embedder.Embed, nearest, feedback.GapOptions{})
	if err != nil {
		return feedback.Report{}, retrieval.Detailf(retrieval.EUNAVAILABLE, err, "build the gaps report")
	}
	return rep, nil
}

// printGaps writes the report as text.
func printGaps(w io.Writer, rep feedback.Report) {
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	fmt.Fprintf(w, "Coverage gaps since %s: %d questions, %d answered, %d refused, %d down-voted.\n",
		day(rep.Since), rep.Questions, rep.Answered, rep.Refused, rep.DownVoted)
	if len(rep.Gaps) == 0 {
		fmt.Fprintln(w, "\nNo refused or down-voted questions in this window.")
	}
	for i, g := range rep.Gaps {
		fmt.Fprintf(w, "\n%d. %d question(s): %d refused, %d down-voted; first %s, last %s\n", i+1, g.Count, g.Refused, g.DownVoted, day(g.FirstSeen), day(g.LastSeen))
		for _, ex := range g.Examples {
			fmt.Fprintf(w, "   • %s\n", ex)
		}
		for _, p := range g.Closest {
			fmt.Fprintf(w, "   closest: %s ¶%d (%.2f) %q\n", p.Title, p.Paragraph, p.Score, bot.Shorten(p.Text, 100))
		}
	}
	if len(rep.Topics) > 0 {
		fmt.Fprintln(w, "\nPassages answers cite most:")
		for _, t := range rep.Topics {
			fmt.Fprintf(w, "  %3d× %s chunk %d, e.g. %q\n", t.Count, t.Document, t.Ordinal, t.Example)
		}
	}
	if len(rep.Disliked) > 0 {
		fmt.Fprintln(w, "\nAnswers down-voted most:")
		for _, d := range rep.Disliked {
			var cites []string
			for _, c := range d.Chunks {
				cites = append(cites, fmt.Sprintf("%s#%d", c.Document, c.Ordinal))
			}
			fmt.Fprintf(w, "  %d down, %d up: %q (%s) cites %s\n", d.Downs, d.Ups, d.Question, d.ID, strings.Join(cites, ", "))
		}
	}
}

// gapsPage is what serve's /gaps page reports from: its own answer log
// (in memory, or PostgreSQL) over the core once open; nil with
// ANSWER_LOG=off.
func (m *Main) gapsPage(lc *lazyCore) web.GapsFunc {
	alog := m.AnswerLog
	if alog == nil {
		return nil
	}
	return func(ctx context.Context, d time.Duration) (feedback.Report, error) {
		svc, err := lc.service()
		if err != nil {
			return feedback.Report{}, err
		}
		since := time.Now().Add(-d)
		recs, err := alog.Since(ctx, since)
		if err != nil {
			return feedback.Report{}, retrieval.Detailf(retrieval.EUNAVAILABLE, err, "read the answer log")
		}
		return gapsReport(ctx, svc, since, recs)
	}
}
