package retrieval

import "testing"

// TestModels checks the embedded models were fitted on the features the
// code computes (eval TestAbstainModel and TestLeadModel check the
// weights themselves).
func TestModels(t *testing.T) {
	if err := CalibratedAbstain.check(); err != nil {
		t.Error(err)
	}
	if err := Lead.check(); err != nil {
		t.Error(err)
	}
}
