package memory

import (
	"testing"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/snowball"
	"github.com/coopbot/coopbot/retrieval/storetest"
)

// TestContract runs the retrieval.Store contract suite on a new store per
// subtest.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) retrieval.Store { return New(snowball.New()) })
}
