package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// About is what the bot knows, for a welcome such as the Slack App Home.
type About struct {
	Documents []retrieval.Document // newest first, metadata only; at most the limit asked for
	Total     int                  // documents stored
	Passages  int                  // chunks searched
	Updated   time.Time            // when a document last changed; zero when unknown
}

// Describe reads About from store: counts always, the documents when the
// store is a retrieval.Catalog and the last change when it is a
// retrieval.Freshness. Errors are the store's, for the operator's log.
func Describe(ctx context.Context, store retrieval.Store, limit int) (About, error) {
	st, err := store.Stats(ctx)
	if err != nil {
		return About{}, fmt.Errorf("stats: %w", err)
	}
	a := About{Total: st.Documents, Passages: st.Chunks}
	if c, ok := store.(retrieval.Catalog); ok {
		if a.Documents, a.Total, err = c.Catalog(ctx, limit); err != nil {
			return About{}, fmt.Errorf("catalog: %w", err)
		}
	}
	if f, ok := store.(retrieval.Freshness); ok {
		if a.Updated, err = f.Updated(ctx); err != nil {
			return About{}, fmt.Errorf("updated: %w", err)
		}
	}
	return a, nil
}
