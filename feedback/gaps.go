package feedback

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Embed embeds texts as vectors (the default embedder's).
type Embed func(ctx context.Context, texts []string) ([][]float32, error)

// Nearest returns the passages that come closest to a question.
type Nearest func(ctx context.Context, question string) ([]Passage, error)

// Passage is one passage near a gap's questions.
type Passage struct {
	Document  string  `json:"document"`
	Title     string  `json:"title"`
	Paragraph int     `json:"paragraph"`
	Text      string  `json:"text"`
	Score     float64 `json:"score"`
}

// Gap is a group of refused or down-voted questions of like meaning.
type Gap struct {
	Count     int       `json:"count"`
	Refused   int       `json:"refused"`
	DownVoted int       `json:"down_voted"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Examples  []string  `json:"examples"` // up to three distinct phrasings
	Closest   []Passage `json:"closest"`  // what the sources hold nearest
	// Questions are all the group's questions, oldest first.
	Questions []string `json:"-"`
}

// Topic is a passage answers cite, with how often.
type Topic struct {
	Document string `json:"document"`
	Ordinal  int    `json:"ordinal"`
	Count    int    `json:"count"`
	Example  string `json:"example"` // a question it answered
}

// Disliked is an answer down-voted more than up.
type Disliked struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Ups      int      `json:"ups"`
	Downs    int      `json:"downs"`
	Chunks   []Chunk  `json:"citations"`
	Comments []string `json:"comments,omitempty"`
}

// Report is the coverage-gaps report.
type Report struct {
	Since     time.Time  `json:"since"`
	Questions int        `json:"questions"`
	Answered  int        `json:"answered"`
	Refused   int        `json:"refused"`
	DownVoted int        `json:"down_voted"`
	Gaps      []Gap      `json:"gaps"`
	Topics    []Topic    `json:"top_topics"`
	Disliked  []Disliked `json:"most_down_voted"`
}

// GapOptions tunes Gaps; zero values take the defaults.
type GapOptions struct {
	// Join is the least average cosine similarity at which two groups
	// of questions merge (DefaultJoin).
	Join float64
	// Max bounds the questions clustered, the most recent kept
	// (DefaultMaxGapQuestions): clustering costs the cube of it.
	Max int
	// Top bounds the topics and disliked answers listed (10).
	Top int
}

// Defaults of GapOptions; DefaultJoin is measured in docs/feedback.md.
const (
	DefaultJoin            = 0.33
	DefaultMaxGapQuestions = 1000
	defaultTop             = 10
	examples               = 3
	closest                = 3
)

// ParseWindow reads a window of time such as 30d, 2w or 36h.
func ParseWindow(s string) (time.Duration, error) {
	for unit, d := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				break
			}
			return time.Duration(v) * d, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("want a window such as 30d, 2w or 36h, got %q", s)
}

// gap reports whether r belongs in the gaps: refused, or down-voted
// more than up.
func gap(r Record) bool { return r.Abstained || r.Downs > r.Ups }

// Gaps builds the report over records (oldest first): the refused and
// down-voted questions clustered by meaning — their standalone questions
// embedded with embed — largest group first; the passages answers cite
// most; and the answers down-voted most. nearest, when set, fills each
// gap's closest passages.
func Gaps(ctx context.Context, since time.Time, records []Record, embed Embed, nearest Nearest, opts GapOptions) (Report, error) {
	opts = opts.withDefaults()
	rep := Report{Since: since, Questions: len(records), Gaps: []Gap{}, Topics: []Topic{}, Disliked: []Disliked{}}
	var missed []Record
	for _, r := range records {
		switch {
		case r.Abstained:
			rep.Refused++
		default:
			rep.Answered++
		}
		if r.Downs > r.Ups {
			rep.DownVoted++
		}
		if gap(r) {
			missed = append(missed, r)
		}
	}
	if len(missed) > opts.Max {
		missed = missed[len(missed)-opts.Max:]
	}
	groups, err := cluster(ctx, missed, embed, opts.Join)
	if err != nil {
		return Report{}, err
	}
	for _, g := range groups {
		gp := newGap(g)
		if nearest != nil {
			ps, err := nearest(ctx, g.rep.Standalone)
			if err != nil {
				return Report{}, fmt.Errorf("closest passages: %w", err)
			}
			gp.Closest = ps[:min(len(ps), closest)]
		}
		rep.Gaps = append(rep.Gaps, gp)
	}
	rep.Topics = topics(records, opts.Top)
	rep.Disliked = disliked(records, opts.Top)
	return rep, nil
}

func (o GapOptions) withDefaults() GapOptions {
	if o.Join <= 0 {
		o.Join = DefaultJoin
	}
	if o.Max <= 0 {
		o.Max = DefaultMaxGapQuestions
	}
	if o.Top <= 0 {
		o.Top = defaultTop
	}
	return o
}

// group is one cluster: its members, and the member nearest its centre.
type group struct {
	members []Record
	rep     Record
}

// cluster groups records by average-linkage agglomerative clustering of
// their embedded standalone questions: the two groups most alike on
// average merge while that average is at least join. Groups come largest
// first, then by most recent.
func cluster(ctx context.Context, records []Record, embed Embed, join float64) ([]group, error) {
	if len(records) == 0 {
		return nil, nil
	}
	texts := make([]string, len(records))
	for i, r := range records {
		texts[i] = r.Standalone
	}
	vecs, err := embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embed questions: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("embed questions: %d vectors for %d questions", len(vecs), len(texts))
	}
	n := len(records)
	for _, v := range vecs {
		normalize(v)
	}
	sim := make([][]float64, n) // average similarity between live groups
	for i := range sim {
		sim[i] = make([]float64, n)
		for j := range i {
			sim[i][j] = dot(vecs[i], vecs[j])
			sim[j][i] = sim[i][j]
		}
	}
	members := make([][]int, n)
	for i := range members {
		members[i] = []int{i}
	}
	for {
		bi, bj, best := -1, -1, join
		for i := range n {
			if members[i] == nil {
				continue
			}
			for j := i + 1; j < n; j++ {
				if members[j] != nil && sim[i][j] >= best {
					bi, bj, best = i, j, sim[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		// Lance–Williams: the merged group's average similarity to k is
		// the size-weighted mean of its parts'.
		wi, wj := float64(len(members[bi])), float64(len(members[bj]))
		for k := range n {
			if members[k] != nil && k != bi && k != bj {
				s := (wi*sim[bi][k] + wj*sim[bj][k]) / (wi + wj)
				sim[bi][k], sim[k][bi] = s, s
			}
		}
		members[bi] = append(members[bi], members[bj]...)
		members[bj] = nil
	}
	var out []group
	for _, m := range members {
		if m == nil {
			continue
		}
		slices.Sort(m)
		g := group{}
		for _, i := range m {
			g.members = append(g.members, records[i])
		}
		g.rep = records[centre(m, vecs)]
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b group) int {
		if c := cmp.Compare(len(b.members), len(a.members)); c != 0 {
			return c
		}
		return b.members[len(b.members)-1].Time.Compare(a.members[len(a.members)-1].Time)
	})
	return out, nil
}

// centre returns the member of m most alike, on average, to the others.
func centre(m []int, vecs [][]float32) int {
	best, bestSum := m[0], math.Inf(-1)
	for _, i := range m {
		var s float64
		for _, j := range m {
			s += dot(vecs[i], vecs[j])
		}
		if s > bestSum {
			best, bestSum = i, s
		}
	}
	return best
}

func newGap(g group) Gap {
	gp := Gap{Count: len(g.members), FirstSeen: g.members[0].Time, LastSeen: g.members[0].Time, Examples: []string{g.rep.Question}}
	seen := map[string]bool{strings.ToLower(g.rep.Question): true}
	for _, r := range g.members {
		if r.Abstained {
			gp.Refused++
		}
		if r.Downs > r.Ups {
			gp.DownVoted++
		}
		if r.Time.Before(gp.FirstSeen) {
			gp.FirstSeen = r.Time
		}
		if r.Time.After(gp.LastSeen) {
			gp.LastSeen = r.Time
		}
		gp.Questions = append(gp.Questions, r.Question)
		if k := strings.ToLower(r.Question); len(gp.Examples) < examples && !seen[k] {
			seen[k] = true
			gp.Examples = append(gp.Examples, r.Question)
		}
	}
	return gp
}

// topics counts the passages answers cite first, most cited first.
func topics(records []Record, top int) []Topic {
	count := map[Chunk]*Topic{}
	for _, r := range records {
		if r.Abstained || len(r.Chunks) == 0 {
			continue
		}
		c := r.Chunks[0]
		t := count[c]
		if t == nil {
			t = &Topic{Document: c.Document, Ordinal: c.Ordinal, Example: r.Question}
			count[c] = t
		}
		t.Count++
	}
	out := make([]Topic, 0, len(count))
	for _, t := range count {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Topic) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Document, b.Document), cmp.Compare(a.Ordinal, b.Ordinal))
	})
	return out[:min(len(out), top)]
}

// disliked lists the answers down-voted more than up, most down first.
func disliked(records []Record, top int) []Disliked {
	out := []Disliked{}
	for _, r := range records {
		if !r.Abstained && r.Downs > r.Ups {
			out = append(out, Disliked{ID: r.ID, Question: r.Question, Ups: r.Ups, Downs: r.Downs, Chunks: r.Chunks, Comments: r.Comments})
		}
	}
	slices.SortStableFunc(out, func(a, b Disliked) int { return cmp.Compare(b.Downs-b.Ups, a.Downs-a.Ups) })
	return out[:min(len(out), top)]
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
