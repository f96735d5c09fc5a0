package retrieval

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Default search parameters.
const (
	DefaultK          = 5  // snippets returned by Search when k <= 0
	MaxK              = 50 // the most snippets one Search returns
	DefaultCandidates = 40 // hits each arm fetches before fusion
)

// Service is the retrieval core every surface shares: it embeds a query,
// searches the Store with both arms, fuses, dedupes and highlights the
// results, and answers questions with cited snippets.
type Service struct {
	Store    Store
	Embedder Embedder
	Analyzer Analyzer
	// Answerer writes answers; nil means the extractive answerer. When it
	// fails, Ask falls back to the extractive answer and logs why.
	Answerer Answerer
	// Lexicon, when set, lets a question word match a passage word of
	// like meaning ("drills" and "exercise"); nil = spelling only.
	Lexicon Lexicon
	// Rewriter, when set, turns follow-up questions into standalone ones.
	Rewriter Rewriter
	// AnswererName is Answer.Answerer for answers the Answerer wrote (a
	// model's name); "" = "model".
	AnswererName string
	Logger       *slog.Logger
	// Abstain decides when evidence is too weak to answer; zero value =
	// DefaultAbstain, or ModelAbstain when an Answerer is set.
	Abstain AbstainRule
	// Description, when set, says what the sources cover in the refusal
	// ("the onboarding handbook"); otherwise it names the store's
	// documents (see Catalog).
	Description string
	// K is how many snippets Ask retrieves to answer from (DefaultK when
	// zero).
	K int
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// CleanQuestion validates a question and returns it with control
// characters replaced by spaces and surrounding space trimmed. Errors
// (code EINVALID): not valid UTF-8, empty, longer than MaxQuestionLen.
func CleanQuestion(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", Errorf(EINVALID, "The question is not valid UTF-8 text.")
	}
	if len(q) > MaxQuestionLen {
		return "", Errorf(EINVALID, "The question is too long (%d characters); the limit is %d.", utf8.RuneCountInString(q), MaxQuestionLen)
	}
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, q)
	q = strings.Join(strings.Fields(q), " ")
	if q == "" {
		return "", Errorf(EINVALID, "The question is empty: ask something like \"Which minister announced the Typhoon exercise plan?\"")
	}
	return q, nil
}

// Search returns up to k snippets for query (DefaultK when k <= 0, at most
// MaxK), best first, with overlapping chunks removed and the best-matching
// sentence of each marked. Errors: EINVALID for a bad query, EMISMATCH and
// EUNAVAILABLE from the store or embedder.
func (s *Service) Search(ctx context.Context, query string, k int) ([]Snippet, error) {
	q, err := CleanQuestion(query)
	if err != nil {
		return nil, err
	}
	snips, _, err := s.search(ctx, AnalyzeQuestion(s.Analyzer, q), k)
	return snips, err
}

// search returns the top k snippets for the analyzed question q, and q
// read with the candidates' place names (withPlaceNames).
func (s *Service) search(ctx context.Context, q Question, k int) ([]Snippet, Question, error) {
	if k <= 0 {
		k = DefaultK
	}
	if k > MaxK {
		k = MaxK
	}
	vecs, err := s.Embedder.Embed(ctx, []string{q.Text})
	if err != nil {
		return nil, q, fmt.Errorf("embed question: %w", err)
	}
	if len(vecs) != 1 {
		return nil, q, fmt.Errorf("embed question: got %d vectors for 1 text", len(vecs))
	}
	cand := DefaultCandidates
	if cand < 3*k {
		cand = 3 * k
	}
	hits, err := s.Store.Search(ctx, Query{
		Text:       q.Text,
		Vector:     vecs[0],
		Embedder:   s.Embedder.Name(),
		Dimensions: len(vecs[0]),
		K:          cand,
		Candidates: cand,
	})
	if err != nil {
		return nil, q, fmt.Errorf("search: %w", err)
	}
	hits = scope(q, s.Analyzer, dedupe(hits))
	q = withPlaceNames(q, s.Analyzer, hits)
	m := newMatcher(s.Analyzer, s.Lexicon, q)
	cands, weights := m.score(q, hits, s.Analyzer)
	cands = rerank(cands, k)
	newest := ""
	for _, c := range cands {
		newest = max(newest, c.hit.Document.Date)
	}
	out := make([]Snippet, len(cands))
	for i, c := range cands {
		// "Has it moved on?": the newest report says how things stand.
		out[i] = snippet(c, q, weights, s.Analyzer, m, c.hit.Document.Date == newest)
	}
	return out, q, nil
}

// dedupe drops hits whose chunk overlaps a better hit of the same
// document. When none does (the common case) it returns hits itself:
// a Hit is a large struct, and copying every one was a tenth of a
// search's allocations.
func dedupe(hits []Hit) []Hit {
	var out []Hit // nil until a hit is dropped: until then hits[:i] are kept
	for i := range hits {
		kept := hits[:i]
		if out != nil {
			kept = out
		}
		if overlapsAny(&hits[i], kept) {
			if out == nil {
				out = append(make([]Hit, 0, len(hits)), hits[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, hits[i])
		}
	}
	if out == nil {
		return hits
	}
	return out
}

// overlapsAny reports whether h's chunk overlaps a chunk of the same
// document in kept.
func overlapsAny(h *Hit, kept []Hit) bool {
	for j := range kept {
		o := &kept[j]
		if o.Chunk.DocumentID == h.Chunk.DocumentID && h.Chunk.Start < o.Chunk.End && o.Chunk.Start < h.Chunk.End {
			return true
		}
	}
	return false
}

// Ask answers a question: it retrieves snippets, abstains when the
// evidence is weak, and otherwise asks the Answerer (falling back to the
// extractive answer if it fails). Errors: EINVALID for a bad question;
// EMISMATCH or EUNAVAILABLE when retrieval fails.
func (s *Service) Ask(ctx context.Context, question string) (Answer, error) {
	q, err := CleanQuestion(question)
	if err != nil {
		return Answer{}, err
	}
	return s.ask(ctx, q, q)
}

// AskFollowUp answers question in the context of earlier turns of a
// thread: with a Rewriter it is first rewritten into a standalone
// question (on failure the question is used as it is). The Answer's
// Question is the one the user asked.
func (s *Service) AskFollowUp(ctx context.Context, history []Turn, question string) (Answer, error) {
	q, err := CleanQuestion(question)
	if err != nil {
		return Answer{}, err
	}
	standalone := q
	if s.Rewriter != nil && len(history) > 0 {
		r, err := s.Rewriter.Rewrite(ctx, history, q)
		switch {
		case err != nil:
			s.logger().WarnContext(ctx, "rewrite follow-up failed; asking as is", "err", err)
		default:
			if r, err = CleanQuestion(r); err == nil {
				standalone = r
			}
		}
	}
	return s.ask(ctx, q, standalone)
}

func (s *Service) ask(ctx context.Context, asked, q string) (Answer, error) {
	// Analyzed once: the overview, role and search steps all read it.
	qa := AnalyzeQuestion(s.Analyzer, q)
	if isOverview(s.Analyzer, q, qa) {
		if a, ok := s.overview(ctx, asked); ok {
			a.Standalone, a.Answerer = q, AnswererOverview
			return a, nil
		}
	}
	if a, ok := s.metadata(ctx, asked, q); ok {
		a.Standalone, a.Answerer = q, AnswererMetadata
		return a, nil
	}
	if a, ok := s.roleHolder(ctx, asked, q, qa); ok {
		a.Standalone, a.Answerer = q, AnswererRole
		return a, nil
	}
	rule := s.Abstain
	if rule == (AbstainRule{}) {
		rule = DefaultAbstain
		if s.Answerer != nil {
			// A model reads the passages and may itself say they do not
			// answer: refuse before asking it only when clearly uncovered.
			rule = ModelAbstain
		}
	}
	k := s.K
	if k <= 0 {
		k = DefaultK
	}
	// The rule reads its Top snippets even when fewer are cited.
	snips, qa, err := s.search(ctx, qa, max(k, rule.Top))
	if err != nil {
		return Answer{}, err
	}
	if rule.Weak(qa, snips) {
		a := Abstained(asked)
		a.Text = s.refusal(ctx)
		a.Standalone, a.Answerer = q, AnswererRule
		return a, nil
	}
	if len(snips) > k {
		snips = snips[:k]
	}
	reportFound(ctx, len(snips))
	s.namePeople(ctx, qa, snips)
	ext := Extractive{}
	var ans Answer
	by := AnswererExtractive
	if s.Answerer != nil {
		by = s.AnswererName
		if by == "" {
			by = "model"
		}
		ans, err = s.Answerer.Answer(ctx, q, snips)
		if err != nil {
			if ctx.Err() != nil {
				return Answer{}, WrapError(EUNAVAILABLE, ctx.Err(), "The answer took too long; please try again.")
			}
			s.logger().WarnContext(ctx, "answerer failed; using the extractive answer", "err", err)
			by = AnswererExtractive
			ans, err = ext.Answer(ctx, q, snips)
		}
	} else {
		ans, err = ext.Answer(ctx, q, snips)
	}
	if err != nil {
		return Answer{}, err
	}
	ans.Question = asked
	ans.Standalone, ans.Answerer = q, by
	if ans.Abstained {
		ans.Text = s.refusal(ctx)
	}
	if ans.Citations == nil {
		ans.Citations = []Citation{}
	}
	return ans, nil
}

// AbstainedText is the reply when the sources do not cover a question and
// the store cannot say what it holds (see Service.refusal).
const AbstainedText = "The sources don't cover this question."

// Abstained returns the answer that says the sources don't cover question.
func Abstained(question string) Answer {
	return Answer{Question: question, Text: AbstainedText, Abstained: true, Citations: []Citation{}}
}
