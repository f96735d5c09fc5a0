package llm

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// Defaults of SupportRule, calibrated on honest paraphrases and obeyed
// injections over the bundled corpus (docs/llm.md).
const (
	DefaultMinSupport = 0.44
	DefaultMinKept    = 0.5
)

// SupportRule decides which sentences of a generated answer survive, and
// whether enough survive to use it.
type SupportRule struct {
	// MinSupport is the support a sentence needs (DefaultMinSupport when
	// zero).
	MinSupport float64
	// MinKept is the share of a reply's claims that must survive for the
	// reply to be used (DefaultMinKept when zero): a reply mostly made of
	// unsupported sentences is not trusted for the rest either.
	MinKept float64
}

// Enough reports whether a checked reply is worth answering with: it
// still cites a source and keeps at least MinKept of its claims.
func (r SupportRule) Enough(c Checked) bool {
	minKept := r.MinKept
	if minKept <= 0 {
		minKept = DefaultMinKept
	}
	return len(c.Cited) > 0 && c.Kept > 0 && float64(c.Kept) >= minKept*float64(c.Claims)
}

// Checked is the outcome of checking a verified reply sentence by
// sentence.
type Checked struct {
	// Text keeps the supported sentences, markers renumbered 1..m.
	Text string
	// Cited maps the new numbering to the original sources, as in
	// Verified.Cited.
	Cited []int
	// Claims is the number of sentences that make a claim (have content
	// terms) and Kept how many of them survived.
	Claims, Kept int
	// Sentences are the reply's sentences with their support.
	Sentences []Sentence
}

// Sentence is one sentence of a reply as checked.
type Sentence struct {
	Text    string
	Claim   bool    // it has content terms
	Support float64 // retrieval.Support from the passages it is checked against
	Reason  string  // why it was dropped; "" = kept
}

// Reasons a sentence is dropped.
const (
	ReasonUnsupported = "unsupported by its sources"
	ReasonLink        = "link in no cited source"
	ReasonInstruction = "instruction to the reader or model"
	ReasonRepeats     = "repeats an instruction in a source"
)

// Check keeps the sentences of v (a reply verified against sources) that
// the sources support:
//
//   - a sentence with citation markers needs Support from the passages it
//     cites of at least MinSupport;
//   - a sentence without markers that claims something is held to the
//     same bar against all the passages sent (a model states a summary
//     without a marker; a claim no source makes is dropped), except a
//     note that the sources do not say something ("The sources do not
//     say when."), which claims only a gap: it is kept when what is left
//     besides the phrasing has at most maxGapTerms content terms;
//   - a sentence with a link (http://…, www.…, host.tld/path) that no
//     passage it is checked against contains is dropped, and so is one
//     phrased as an instruction to ignore or override instructions;
//   - passage sentences phrased as such instructions are not evidence: an
//     injected document cannot vouch for the text it asks a model to say.
//
// Sentences with no content terms besides discourse words ("Yes.", "In
// short:") are kept. Markers are then
// renumbered so that the result cites 1..m in order of first use.
func (r SupportRule) Check(a retrieval.Analyzer, v Verified, sources []retrieval.Snippet) Checked {
	minSupport := r.MinSupport
	if minSupport <= 0 {
		minSupport = DefaultMinSupport
	}
	sent := make([]string, len(sources))
	var tails []string
	for i, s := range sources {
		var tail string
		sent[i], tail = splitInstructions(s.Title + ".\n" + s.Text)
		tails = append(tails, tail)
	}
	taint := tainted(a, sent, tails)
	evidence := make([]string, len(v.Cited)) // by new marker number - 1
	for k, n := range v.Cited {
		evidence[k] = sent[n-1]
	}
	discourse := map[string]bool{}
	for _, t := range a.Terms(discourseWords) {
		discourse[t] = true
	}
	var c Checked
	var kept []string
	for _, text := range sentences(v.Text) {
		refs := sentenceRefs(text)
		passages := make([]string, 0, len(refs))
		for _, k := range refs {
			passages = append(passages, evidence[k-1])
		}
		claim := claimText(text)
		sc := Sentence{Text: text, Claim: claims(a, claim, discourse)}
		if len(refs) == 0 {
			passages = sent
			if rest, ok := gapNote(claim); ok && len(a.Terms(rest)) <= maxGapTerms {
				sc.Claim = false // "The sources do not say when exactly." claims only a gap
			}
			sc.Support = bestSupport(a, claim, sent)
		} else {
			sc.Support = retrieval.Support(a, claim, passages...)
		}
		switch {
		case hasForeignLink(text, passages):
			sc.Reason = ReasonLink
		case isInjection(text):
			sc.Reason = ReasonInstruction
		case repeats(a, claim, taint):
			sc.Reason = ReasonRepeats
		case sc.Claim && sc.Support < minSupport:
			sc.Reason = ReasonUnsupported
		}
		c.Sentences = append(c.Sentences, sc)
		if sc.Claim {
			c.Claims++
		}
		if sc.Reason != "" {
			continue
		}
		if sc.Claim {
			c.Kept++
		}
		kept = append(kept, text)
	}
	w := Verify(strings.Join(kept, " "), len(v.Cited))
	c.Text = w.Text
	for _, k := range w.Cited {
		c.Cited = append(c.Cited, v.Cited[k-1])
	}
	return c
}

// discourseWords frame an answer without claiming anything ("Yes.",
// "In short:", "According to the sources,").
const discourseWords = "yes in short in summary in brief overall according to the sources"

// claims reports whether s has a content term besides discourse words.
func claims(a retrieval.Analyzer, s string, discourse map[string]bool) bool {
	for _, t := range a.Terms(s) {
		if !discourse[t] {
			return true
		}
	}
	return false
}

// maxGapTerms bounds the content terms of what a gap note names besides
// its phrasing ("when exactly"): more is a claim in disguise ("The sources
// do not mention it, but Britain has cancelled all cooperation").
const maxGapTerms = 2

// gapNote reports whether s says that the sources do not say something,
// and returns s without that phrasing.
func gapNote(s string) (string, bool) {
	n := normalize(s)
	for _, p := range notAnsweredPhrases {
		if i := strings.Index(n, p); i >= 0 {
			return n[:i] + " " + n[i+len(p):], true
		}
	}
	return "", false
}

// sentences splits text at sentence ends (". ", "! ", "? ", newlines),
// keeping with each sentence the markers that follow its full stop
// ("… ends. [1]").
func sentences(text string) []string {
	var out []string
	for rest := strings.TrimSpace(text); rest != ""; {
		s := firstSentence(rest)
		if s == "" { // a leading newline
			rest = strings.TrimSpace(rest[1:])
			continue
		}
		rest = strings.TrimSpace(rest[len(s):])
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sentenceRefs returns the distinct marker numbers in s, in order.
func sentenceRefs(s string) []int {
	var refs []int
	seen := map[int]bool{}
	for _, m := range ParseMarkers(s) {
		for _, r := range m.Refs {
			if !seen[r] {
				seen[r] = true
				refs = append(refs, r)
			}
		}
	}
	return refs
}

// claimText is s without its markers, whose numbers are not claims.
func claimText(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range ParseMarkers(s) {
		b.WriteString(s[last:m.Start])
		b.WriteByte(' ')
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// link matches what a chat client or browser would follow: a URL with a
// scheme, www.…, or a host name with a path (evil.example/x).
var link = regexp.MustCompile(`(?i)\b(?:[a-z][a-z0-9+.-]*://[^\s<>"'\])]+|www\.[^\s<>"'\])]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>"'\])]*)`)

// hasForeignLink reports whether s holds a link that none of passages
// contains (compared case-insensitively, trailing punctuation ignored).
func hasForeignLink(s string, passages []string) bool {
	for _, l := range link.FindAllString(s, -1) {
		l = strings.ToLower(strings.TrimRight(l, ".,;:!?"))
		found := false
		for _, p := range passages {
			if strings.Contains(strings.ToLower(p), l) {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// injection matches the phrasing of instructions aimed at a model or its
// reader rather than reporting: "ignore previous instructions", "you are
// now …", "reply with …", "system prompt".
var injection = regexp.MustCompile(`(?i)\b(?:` +
	`(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|these|those|system)?\s*(?:instructions|prompts?|rules|directions)` +
	`|you\s+are\s+now\b|new\s+instructions|system\s+prompt` +
	`|(?:^|\b(?:and|then|instead|please|just|only)\s+)(?:reply|respond)\s+(?:only\s+)?with\b` +
	`)`)

// isInjection reports whether s is phrased as an instruction to a model.
func isInjection(s string) bool { return injection.MatchString(s) }

// splitInstructions cuts a passage at its first sentence phrased as an
// instruction to a model: that sentence and what follows it (the text it
// asks the model to say, often quoted across several sentences) cannot
// count as evidence. It returns the evidence and the cut-off tail.
func splitInstructions(p string) (evidence, tail string) {
	ss := sentences(p)
	for i, s := range ss {
		if isInjection(s) {
			return strings.Join(ss[:i], " "), strings.Join(ss[i:], " ")
		}
	}
	return p, ""
}

// tainted returns the terms of the instruction tails that no evidence
// holds: the words an injected instruction wants said ("cancelled",
// "recalled"). A sentence using one of them repeats the instruction even
// when its other words match a real passage.
func tainted(a retrieval.Analyzer, evidence, tails []string) map[string]bool {
	t := map[string]bool{}
	for _, tail := range tails {
		for _, term := range a.Terms(tail) {
			t[term] = true
		}
	}
	if len(t) == 0 {
		return nil
	}
	for _, e := range evidence {
		for _, term := range a.Terms(e) {
			delete(t, term)
		}
	}
	return t
}

// repeats reports whether claim uses a tainted term.
func repeats(a retrieval.Analyzer, claim string, taint map[string]bool) bool {
	if len(taint) == 0 {
		return false
	}
	for _, term := range a.Terms(claim) {
		if taint[term] {
			return true
		}
	}
	return false
}

// bestSupport is the support of claim from the one passage that supports
// it best: an uncited sentence is held to the bar of a sentence citing
// that passage, not to the pooled words of every source.
func bestSupport(a retrieval.Analyzer, claim string, passages []string) float64 {
	best := 0.0
	for _, p := range passages {
		best = max(best, retrieval.Support(a, claim, p))
	}
	return best
}

// fit cuts s to at most n bytes at a rune boundary, for logs.
func fit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
