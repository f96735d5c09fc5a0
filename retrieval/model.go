package retrieval

import (
	"encoding/json"
	"fmt"
)

// Model is the weights of a logistic model eval fits (eval/README.md),
// as its JSON file holds them.
type Model struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	// Lambda is the L2 penalty the weights were fitted with, and Cases
	// how many examples they were fitted on; both are a record.
	Lambda float64 `json:"lambda"`
	Cases  int     `json:"cases"`
}

// mustModel parses an embedded model file; a file that is not JSON is a
// build mistake, which the package's tests catch.
func mustModel(name string, b []byte) Model {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return m
}

// check reports whether m's features are names, in order: a model fitted
// before the features changed is stale (refit it, see eval/README.md). A
// stale model is not refused at start-up, so that the refit can run;
// TestModels fails on it.
func (m Model) check(name string, names []string) error {
	if len(m.Weights) != len(names) || len(m.Features) != len(names) {
		return fmt.Errorf("%s: %d weights, %d names for %d features", name, len(m.Weights), len(m.Features), len(names))
	}
	for i, n := range m.Features {
		if n != names[i] {
			return fmt.Errorf("%s: feature %d is %q; want %q", name, i, n, names[i])
		}
	}
	return nil
}
