package retrieval

import "testing"

// TestModels checks the embedded models were fitted on the features the
// code computes (eval TestAbstainModel and TestLeadModel check the
// weights themselves).
func TestModels(t *testing.T) {
	if err := CalibratedAbstain.check("abstain.json", AbstainFeatureNames); err != nil {
		t.Error(err)
	}
	if err := Lead.check("lead.json", LeadFeatureNames); err != nil {
		t.Error(err)
	}
}
