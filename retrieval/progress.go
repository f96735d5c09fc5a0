package retrieval

import "context"

type progressKey struct{}

// WithProgress returns ctx carrying found, which Ask and AskFollowUp call
// once retrieval has chosen the passages to answer from, with how many
// there are, and before the Answerer (a model, possibly slow) writes the
// answer: a surface can then say truthfully what a slow answer is doing
// without searching a second time. found is not called for a question
// refused as not covered, nor when retrieval fails.
func WithProgress(ctx context.Context, found func(passages int)) context.Context {
	return context.WithValue(ctx, progressKey{}, found)
}

// reportFound calls the WithProgress function of ctx, if any.
func reportFound(ctx context.Context, passages int) {
	if f, ok := ctx.Value(progressKey{}).(func(int)); ok && f != nil {
		f(passages)
	}
}
