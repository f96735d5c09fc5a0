package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalSet writes a small real-phrasing set whose outcome the golden-set
// thresholds pin down: a question the core must answer, labelled with an
// answer string no sentence states (a lead miss); an off-topic question
// labelled answerable (a wrong abstention); and an answerable question
// labelled uncovered (an uncovered question answered).
func evalSet(t *testing.T) string {
	t.Helper()
	lines := []string{
		`{"question": "Who did Philip Hammond meet in Tokyo?", "category": "who", "document": "000_36fd46dc1482b52a", "paragraphs": [4], "answer": ["never stated in the reports"]}`,
		`{"question": "Who won the 2018 World Cup?", "category": "who", "document": "000_36fd46dc1482b52a", "paragraphs": [4], "answer": ["France"]}`,
		`{"question": "Which British foreign secretary visited Tokyo with the defence secretary?", "category": "near-miss", "abstain": true}`,
	}
	path := filepath.Join(t.TempDir(), "set.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// coopbot eval on a real-phrasing set: lead-hit, wrong abstentions,
// uncovered answered and their thresholds, the per-category breakdown,
// --failures, and several files in one call.
func TestEvalLeadAndAbstention(t *testing.T) {
	set := evalSet(t)
	code, out, errs := run(t, env(), "eval", "--failures", "--min-lead-hit", "0.5", "--max-wrong-abstain", "0.4", "--max-uncovered-answered", "0.5", set)
	if code != 1 {
		t.Fatalf("eval: exit %d; want 1 (thresholds fail)\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"lead-hit 0.000 (2 cases with answer strings)",
		"wrong abstentions 1 (0.500)  uncovered answered 1 of 1 (1.000)",
		"category", "near-miss", "who",
		`miss [who] "Who did Philip Hammond meet in Tokyo?": lead lacks "never stated in the reports"`,
		`miss [who] "Who won the 2018 World Cup?": refused`,
		`miss [near-miss] "Which British foreign secretary visited Tokyo with the defence secretary?": answered (should abstain)`,
		"first sentence: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	wantErrs := []string{
		"coopbot: eval: lead-hit 0.000 is below --min-lead-hit 0.500",
		"coopbot: eval: wrong-abstain 0.500 is above --max-wrong-abstain 0.400",
		"coopbot: eval: uncovered-answered 1.000 is above --max-uncovered-answered 0.500",
	}
	if got := strings.Split(strings.TrimSpace(errs), "\n"); len(got) < len(wantErrs) || strings.Join(got[len(got)-3:], "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("eval stderr = %q; want it to end with one line per failed threshold:\n%s", errs, strings.Join(wantErrs, "\n"))
	}

	code, out, errs = run(t, env(), "eval", "--json", "--max-wrong-abstain", "0.5", "--max-uncovered-answered", "1", set)
	if code != 0 {
		t.Fatalf("eval --json: exit %d: %s", code, errs)
	}
	var rep evalOutput
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	who, nm := rep.ByCategory["who"], rep.ByCategory["near-miss"]
	if rep.File != set || rep.WrongAbstentions != 1 || rep.UncoveredAnswered != 1 || rep.LeadCases != 2 || len(rep.Thresholds) != 1 || !rep.Thresholds[0].OK ||
		who.Cases != 2 || who.WrongAbstentions != 1 || nm.Cases != 1 || nm.UncoveredAnsweredRate != 1 || rep.Results != nil {
		t.Errorf("eval --json = %+v; want 1 wrong abstention, 1 uncovered answered, categories who (2) and near-miss (1), --max-wrong-abstain 0.5 met, no results", rep)
	}

	code, out, errs = run(t, env(), "eval", "--min-lead-hit", "0.1", "../../eval/golden.jsonl", set)
	if code != 1 || strings.Count(out, "cases (") != 2 || !strings.Contains(errs, "coopbot: eval: "+set+": lead-hit 0.000 is below") || strings.Contains(errs, "golden.jsonl:") {
		t.Errorf("eval with two files: exit %d, stdout %q, stderr %q; want two tables and a failure naming only %s", code, out, errs, set)
	}

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"question": "q?", "category": "synonyms", "document": "d"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"eval", bad}, {"eval", "--max-wrong-abstain", "1.5", set}} {
		code, _, errs := run(t, env(), args...)
		if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
			t.Errorf("coopbot %v: exit %d, stderr %q; want exit 1 with a one-line error", args, code, errs)
		}
	}
	if _, _, errs := run(t, env(), "eval", bad); !strings.Contains(errs, `line 1: unknown category "synonyms"`) {
		t.Errorf("eval of an unknown category: stderr %q; want it named with its line", errs)
	}
}
