package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/coopbot/coopbot/eval"
	"github.com/coopbot/coopbot/retrieval"
)

func init() {
	register(command{name: "eval", summary: "measure retrieval and answers on a golden set (JSONL)", run: runEval})
}

// threshold is one --min-… flag and the metric it bounds.
type threshold struct {
	Flag  string  `json:"flag"`
	Min   float64 `json:"min"`
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
}

// evalOutput is what `coopbot eval --json` prints: the report plus what
// produced it and the thresholds checked.
type evalOutput struct {
	Store    string `json:"store"`    // "postgres" or "in-process"
	Answerer string `json:"answerer"` // "extractive" or "llm:<CHAT_MODEL>"
	eval.Report
	Thresholds []threshold `json:"thresholds"`
}

func runEval(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	verbose := fs.Bool("v", false, "list the misses (with --json: include every case's result)")
	mins := []struct {
		flag, usage string
		min         *float64
		value       func(eval.Report) float64
	}{
		{"min-recall1", "fail below this recall@1", new(float64), func(r eval.Report) float64 { return r.RecallAt1 }},
		{"min-recall5", "fail below this recall@5", new(float64), func(r eval.Report) float64 { return r.RecallAt5 }},
		{"min-mrr", "fail below this mean reciprocal rank", new(float64), func(r eval.Report) float64 { return r.MRR }},
		{"min-abstain-precision", "fail below this abstention precision", new(float64), func(r eval.Report) float64 { return r.AbstainPrecision }},
		{"min-abstain-recall", "fail below this abstention recall", new(float64), func(r eval.Report) float64 { return r.AbstainRecall }},
		{"min-valid-citations", "fail below this share of answers whose every citation is valid", new(float64), func(r eval.Report) float64 { return r.ValidCitations }},
	}
	for _, t := range mins {
		fs.Float64Var(t.min, t.flag, 0, t.usage+" (0-1; 0 = no check)")
	}
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: coopbot eval [flags] FILE\n\nFILE is a golden set in JSONL: one object per line with \"question\" and\n\"document\" + \"paragraphs\", or \"evidence\" phrases, or \"abstain\": true.\nExits 1 when a metric is below its --min-… threshold.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if fs.NArg() != 1 {
		return retrieval.Errorf(retrieval.EINVALID, "eval takes one golden-set file, e.g. coopbot eval eval/golden.jsonl")
	}
	for _, t := range mins {
		if *t.min < 0 || *t.min > 1 {
			return retrieval.Errorf(retrieval.EINVALID, "--%s must be between 0 and 1, got %g", t.flag, *t.min)
		}
	}
	cases, err := loadGolden(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	rep, err := eval.Run(ctx, m.Service, cases)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	out := evalOutput{Store: "in-process", Answerer: "extractive", Report: rep, Thresholds: []threshold{}}
	if m.Postgres != nil {
		out.Store = "postgres"
	}
	if m.Config.ChatModel != "" {
		out.Answerer = "llm:" + m.Config.ChatModel
	}
	failed := false
	for _, t := range mins {
		if *t.min == 0 {
			continue
		}
		v := t.value(rep)
		th := threshold{Flag: t.flag, Min: *t.min, Value: v, OK: v >= *t.min}
		out.Thresholds = append(out.Thresholds, th)
		failed = failed || !th.OK
	}
	if *asJSON {
		if !*verbose {
			out.Results = nil
		}
		if err := writeJSON(m.Stdout, out); err != nil {
			return err
		}
	} else {
		rep.WriteTable(m.Stdout, fmt.Sprintf("%s (%s store, %s answers)", fs.Arg(0), out.Store, out.Answerer))
		if *verbose {
			for _, f := range rep.Failures() {
				fmt.Fprintf(m.Stdout, "  miss: %q rank %d abstained %v (want abstain %v)\n", f.Case.Question, f.Rank, f.Abstained, f.Case.Abstain)
			}
			for _, r := range rep.Results {
				if !r.Abstained && !r.CitationsValid {
					fmt.Fprintf(m.Stdout, "  invalid citations: %q\n", r.Case.Question)
				}
			}
		}
	}
	for _, t := range out.Thresholds {
		if !t.OK {
			fmt.Fprintf(m.Stderr, "coopbot: eval: %s %.3f is below --%s %.3f\n", t.Flag[len("min-"):], t.Value, t.Flag, t.Min)
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// loadGolden reads a golden set. Errors (EINVALID) name the file and, for
// a malformed line, its number.
func loadGolden(path string) ([]eval.Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, retrieval.Errorf(retrieval.EINVALID, "cannot read golden set %s: %v", path, errorsCause(err))
	}
	defer f.Close()
	cases, err := eval.Load(f)
	if err != nil {
		return nil, retrieval.Errorf(retrieval.EINVALID, "golden set %s: %v", path, err)
	}
	return cases, nil
}

// errorsCause returns the innermost message of a *os.PathError ("no such
// file or directory") without repeating the path.
func errorsCause(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
