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

// threshold is one --min-… or --max-… flag and the metric it bounds.
type threshold struct {
	Flag  string  `json:"flag"`
	Min   float64 `json:"min,omitempty"`
	Max   float64 `json:"max,omitempty"`
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
}

// evalOutput is what `coopbot eval --json` prints for one file: the
// report plus what produced it and the thresholds checked.
type evalOutput struct {
	File     string `json:"file"`
	Store    string `json:"store"`    // "postgres" or "in-process"
	Answerer string `json:"answerer"` // "extractive" or "llm:<CHAT_MODEL>"
	eval.Report
	Thresholds []threshold `json:"thresholds"`
}

// bound is one threshold flag: a floor (--min-…, 0 = no check) or a
// ceiling (--max-…, 1 = no check) on a metric between 0 and 1.
type bound struct {
	flag, usage string
	max         bool
	limit       *float64
	value       func(eval.Report) float64
	// applies, when set, says whether the metric is defined for a report:
	// lead-hit is not for a set without answer strings (golden.jsonl).
	applies func(eval.Report) bool
}

// off reports whether the flag is at its no-check default.
func (b bound) off() bool { return (!b.max && *b.limit == 0) || (b.max && *b.limit == 1) }

// check compares the flag's limit with the report's value.
func (b bound) check(rep eval.Report) threshold {
	v := b.value(rep)
	if b.max {
		return threshold{Flag: b.flag, Max: *b.limit, Value: v, OK: v <= *b.limit}
	}
	return threshold{Flag: b.flag, Min: *b.limit, Value: v, OK: v >= *b.limit}
}

func evalBounds() []bound {
	return []bound{
		{"min-recall1", "fail below this recall@1", false, new(float64), func(r eval.Report) float64 { return r.RecallAt1 }, nil},
		{"min-recall5", "fail below this recall@5", false, new(float64), func(r eval.Report) float64 { return r.RecallAt5 }, nil},
		{"min-mrr", "fail below this mean reciprocal rank", false, new(float64), func(r eval.Report) float64 { return r.MRR }, nil},
		{"min-abstain-precision", "fail below this abstention precision", false, new(float64), func(r eval.Report) float64 { return r.AbstainPrecision }, nil},
		{"min-abstain-recall", "fail below this abstention recall", false, new(float64), func(r eval.Report) float64 { return r.AbstainRecall }, nil},
		{"min-valid-citations", "fail below this share of answers whose every citation is valid", false, new(float64), func(r eval.Report) float64 { return r.ValidCitations }, nil},
		{"min-lead-hit", "fail below this share of answers whose first sentence holds the answer strings", false, new(float64), func(r eval.Report) float64 { return r.LeadHit }, func(r eval.Report) bool { return r.LeadCases > 0 }},
		{"max-wrong-abstain", "fail above this share of answerable questions refused", true, new(float64), func(r eval.Report) float64 { return r.WrongAbstainRate }, nil},
		{"max-uncovered-answered", "fail above this share of uncovered questions answered", true, new(float64), func(r eval.Report) float64 { return r.UncoveredAnsweredRate }, nil},
	}
}

func runEval(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	var failures bool
	fs.BoolVar(&failures, "failures", false, "list each miss with what happened and the answer's first sentence (with --json: include every case's result)")
	fs.BoolVar(&failures, "v", false, "same as --failures")
	fromLog := fs.Bool("from-log", false, "instead of evaluating, print the answer log's refused and down-voted questions as a golden-set skeleton to label")
	since := &sinceFlag{defaultSince}
	fs.Var(since, "since", "with --from-log, read the questions of this window (30d, 2w, 36h)")
	bounds := evalBounds()
	for _, b := range bounds {
		if b.max {
			fs.Float64Var(b.limit, b.flag, 1, b.usage+" (0-1; 1 = no check)")
		} else {
			fs.Float64Var(b.limit, b.flag, 0, b.usage+" (0-1; 0 = no check)")
		}
	}
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: coopbot eval [flags] FILE...\n\nEach FILE is a golden set in JSONL (eval/README.md): one object per line\nwith \"question\" and \"document\" + \"paragraphs\", or \"evidence\" phrases, or\n\"abstain\": true; optionally \"category\", \"also\" and \"answer\".\nThresholds apply to each file (--min-lead-hit only to one with \"answer\"\nstrings); exits 1 when one fails.\n\ncoopbot eval --from-log [--since 30d] > todo.jsonl prints the answer log's\nrefused and down-voted questions as cases to label (docs/feedback.md).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if *fromLog {
		if fs.NArg() > 0 {
			return usageError{"eval", "--from-log takes no file: it prints the skeleton on stdout"}
		}
		return exportFromLog(ctx, m, since.d, m.Stdout)
	}
	if fs.NArg() == 0 {
		return retrieval.Errorf(retrieval.EINVALID, "eval takes a golden-set file, e.g. coopbot eval eval/golden.jsonl")
	}
	for _, b := range bounds {
		if *b.limit < 0 || *b.limit > 1 {
			return retrieval.Errorf(retrieval.EINVALID, "--%s must be between 0 and 1, got %g", b.flag, *b.limit)
		}
	}
	sets := make([][]eval.Case, fs.NArg())
	for i, path := range fs.Args() {
		cases, err := loadGolden(path)
		if err != nil {
			return err
		}
		sets[i] = cases
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	failed := false
	for i, path := range fs.Args() {
		ok, err := evalFile(ctx, m, path, sets[i], bounds, *asJSON, failures, fs.NArg() > 1)
		if err != nil {
			return err
		}
		failed = failed || !ok
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// evalFile runs one golden set, prints its report and one line per failed
// threshold (naming the file when named is set), and reports whether every
// threshold held.
func evalFile(ctx context.Context, m *Main, path string, cases []eval.Case, bounds []bound, asJSON, failures, named bool) (bool, error) {
	rep, err := eval.Run(ctx, m.Service, cases)
	if err != nil {
		return false, fmt.Errorf("eval: %w", err)
	}
	out := evalOutput{File: path, Store: "in-process", Answerer: "extractive", Report: rep, Thresholds: []threshold{}}
	if m.Postgres != nil {
		out.Store = "postgres"
	}
	if m.Config.ChatModel != "" {
		out.Answerer = "llm:" + m.Config.ChatModel
	}
	for _, b := range bounds {
		if !b.off() && (b.applies == nil || b.applies(rep)) {
			out.Thresholds = append(out.Thresholds, b.check(rep))
		}
	}
	if asJSON {
		if !failures {
			out.Results = nil
		}
		if err := writeJSON(m.Stdout, out); err != nil {
			return false, err
		}
	} else {
		rep.WriteTable(m.Stdout, fmt.Sprintf("%s (%s store, %s answers)", path, out.Store, out.Answerer))
		if failures {
			rep.WriteFailures(m.Stdout)
		}
	}
	prefix := ""
	if named {
		prefix = path + ": "
	}
	ok := true
	for _, t := range out.Thresholds {
		switch {
		case t.OK:
		case t.Flag[:4] == "max-":
			fmt.Fprintf(m.Stderr, "coopbot: eval: %s%s %.3f is above --%s %.3f\n", prefix, t.Flag[len("max-"):], t.Value, t.Flag, t.Max)
		default:
			fmt.Fprintf(m.Stderr, "coopbot: eval: %s%s %.3f is below --%s %.3f\n", prefix, t.Flag[len("min-"):], t.Value, t.Flag, t.Min)
		}
		ok = ok && t.OK
	}
	return ok, nil
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
