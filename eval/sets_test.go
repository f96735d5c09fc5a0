package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
)

// loadFile reads one of the committed sets.
func loadFile(t *testing.T, name string) []Case {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := Load(f)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return cases
}

// TestSplit checks dev.jsonl and test.jsonl against the split rule of
// README.md: per category and batch (the first split, then each Added
// date), the first floor(0.45n+0.5) questions by SHA-256 are in dev.
func TestSplit(t *testing.T) {
	dev, test := loadFile(t, "dev.jsonl"), loadFile(t, "test.jsonl")
	type group struct{ category, added string }
	inDev := map[string]bool{}
	byCat := map[group][]string{}
	for _, c := range dev {
		inDev[c.Question] = true
		byCat[group{c.Category, c.Added}] = append(byCat[group{c.Category, c.Added}], c.Question)
	}
	for _, c := range test {
		if inDev[c.Question] {
			t.Errorf("%q is in both dev and test", c.Question)
		}
		byCat[group{c.Category, c.Added}] = append(byCat[group{c.Category, c.Added}], c.Question)
	}
	hash := func(q string) string { s := sha256.Sum256([]byte(q)); return hex.EncodeToString(s[:]) }
	// Validation batches were written to decide which changes to keep,
	// so all of them is dev: none of it may be in test.
	validation := map[string]bool{"2026-12-01l": true, "2026-12-01m": true}
	for g, qs := range byCat {
		if validation[g.added] {
			for _, q := range qs {
				if !inDev[q] {
					t.Errorf("%q of validation batch %s is in test; want dev", q, g.added)
				}
			}
			continue
		}
		cat := g.category
		if g.added != "" {
			cat += " (added " + g.added + ")"
		}
		if g.category == "" {
			t.Errorf("%d questions have no category", len(qs))
			continue
		}
		slices.SortFunc(qs, func(a, b string) int { return strings.Compare(hash(a), hash(b)) })
		k := int(math.Floor(0.45*float64(len(qs)) + 0.5))
		for i, q := range qs {
			if want := i < k; inDev[q] != want {
				t.Errorf("category %s: %q in dev = %v; want %v (rank %d of %d, %d go to dev)", cat, q, inDev[q], want, i+1, len(qs), k)
			}
		}
	}
}

// TestLabels checks the real-phrasing sets against the bundled corpus:
// every case has a category, every evidence phrase is in a cited
// paragraph, and some single sentence of a cited paragraph holds every
// answer string, so that a verbatim extractive lead can hit it.
func TestLabels(t *testing.T) {
	docs, errs := ingest.LoadFS(corpus.FS, ".")
	if len(errs) > 0 {
		t.Fatalf("load corpus: %v", errs)
	}
	paras := map[string][]string{}
	for _, d := range docs {
		paras[d.ID] = strings.Split(d.Text, "\n\n")
	}
	for _, name := range []string{"dev.jsonl", "test.jsonl"} {
		for _, c := range loadFile(t, name) {
			if c.Category == "" {
				t.Errorf("%s: %q has no category", name, c.Question)
			}
			if c.Abstain != (c.Category == "near-miss" || c.Category == "off-topic") {
				t.Errorf("%s: %q: abstain %v does not fit category %s", name, c.Question, c.Abstain, c.Category)
			}
			if c.Abstain {
				continue
			}
			if len(c.Answer) == 0 {
				t.Errorf("%s: %q has no answer strings", name, c.Question)
			}
			hit := false
			for _, r := range append([]Ref{{Document: c.Document, Paragraphs: c.Paragraphs, Evidence: c.Evidence}}, c.Also...) {
				ps, ok := paras[r.Document]
				if !ok || len(r.Paragraphs) == 0 {
					t.Errorf("%s: %q cites %q paragraphs %v: want a bundled document and paragraphs", name, c.Question, r.Document, r.Paragraphs)
					continue
				}
				for _, e := range r.Evidence {
					if !slices.ContainsFunc(r.Paragraphs, func(p int) bool { return p <= len(ps) && strings.Contains(Normalize(ps[p-1]), Normalize(e)) }) {
						t.Errorf("%s: %q: evidence %q is not in %s paragraphs %v", name, c.Question, e, r.Document, r.Paragraphs)
					}
				}
				for _, p := range r.Paragraphs {
					if p < 1 || p > len(ps) {
						t.Errorf("%s: %q: %s has no paragraph %d", name, c.Question, r.Document, p)
						continue
					}
					for _, sp := range ingest.SplitSentences(ps[p-1]) {
						hit = hit || LeadHit(ps[p-1][sp.Start:sp.End], c.Answer)
					}
				}
			}
			if !hit {
				t.Errorf("%s: %q: no sentence of a cited paragraph contains all of %q", name, c.Question, c.Answer)
			}
		}
	}
}
