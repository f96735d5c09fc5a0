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
	DefaultMinSupport = 0.48
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
	Claim   bool     // it has content terms
	Support float64  // retrieval.Support from the passages it is checked against
	Missing []string // its terms those passages do not cover (retrieval.Unsupported)
	Reason  string   // why it was dropped; "" = kept
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
//     cites of at least MinSupport, or to leave just one of its terms
//     uncovered while they cover two or more (see oneWordOff);
//   - a sentence without markers that claims something is held to the
//     same bar against the one passage sent that supports it best (a
//     model states a summary without a marker; a claim no source makes
//     is dropped), except a note that the sources do not say something
//     ("The sources do not say when."), which claims only a gap: it is
//     kept when what it names besides the phrasing has at most
//     maxGapTerms content terms;
//   - a sentence with a link (http://…, www.…, host.tld/path) that no
//     passage it is checked against contains is dropped, and so is one
//     phrased as an instruction to a model ("ignore previous
//     instructions");
//   - in passages, text from the first such instruction on is not
//     evidence, and a sentence using a word that only such text holds
//     repeats the instruction and is dropped: an injected document
//     cannot vouch for what it asks a model to say.
//
// Sentences with no content terms besides discourse words ("Yes.", "In
// short:") are kept. Dropped sentences are cut from the text, which is
// otherwise left as written, and markers are renumbered so that the
// result cites 1..m in order of first use.
func (r SupportRule) Check(a retrieval.Analyzer, lex retrieval.Lexicon, v Verified, sources []retrieval.Snippet) Checked {
	k := newChecker(a, lex, r.MinSupport, v, sources)
	var c Checked
	var b strings.Builder
	last := 0
	for _, sp := range sentenceSpans(v.Text) {
		sc := k.judge(v.Text[sp.start:sp.end])
		c.Sentences = append(c.Sentences, sc)
		if sc.Claim {
			c.Claims++
		}
		if sc.Reason != "" {
			b.WriteString(v.Text[last:sp.start])
			last = skipDropped(v.Text, sp)
			continue
		}
		if sc.Claim {
			c.Kept++
		}
	}
	b.WriteString(v.Text[last:])
	w := Verify(b.String(), len(v.Cited))
	c.Text = w.Text
	for _, n := range w.Cited {
		c.Cited = append(c.Cited, v.Cited[n-1])
	}
	return c
}

// oneWordOff reports whether a claim leaves exactly one of its topic
// terms uncovered while its sources cover at least two: a short
// paraphrase ("The MoD gave no details" of "no details were available")
// whose weighted support is low only because it is short. One uncovered
// word cannot tell a paraphrase from a reversal anyway (docs/llm.md).
func oneWordOff(a retrieval.Analyzer, claim string, missing []string) bool {
	return len(missing) == 1 && len(retrieval.ClaimTerms(a, claim))-1 >= 2
}

// skipDropped returns where the text resumes after the dropped sentence
// sp: past the spaces that follow it, and past its line break when it
// filled a line, so that no gap or empty line is left.
func skipDropped(text string, sp span) int {
	end := sp.end
	for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
		end++
	}
	lineStart := sp.start == 0 || text[sp.start-1] == '\n'
	if lineStart && end < len(text) && text[end] == '\n' {
		end++
	}
	return end
}

// checker judges the sentences of one reply.
type checker struct {
	a          retrieval.Analyzer
	lex        retrieval.Lexicon
	minSupport float64
	sent       []string // the evidence of each source sent, instructions cut
	evidence   []string // by marker number - 1
	taint      map[string]bool
	discourse  map[string]bool
}

func newChecker(a retrieval.Analyzer, lex retrieval.Lexicon, minSupport float64, v Verified, sources []retrieval.Snippet) *checker {
	if minSupport <= 0 {
		minSupport = DefaultMinSupport
	}
	k := &checker{a: a, lex: lex, minSupport: minSupport, sent: make([]string, len(sources)), discourse: map[string]bool{}}
	tails := make([]string, len(sources))
	for i, s := range sources {
		k.sent[i], tails[i] = splitInstructions(s.Title + ".\n" + s.Text)
	}
	k.taint = tainted(a, k.sent, tails)
	for _, n := range v.Cited {
		k.evidence = append(k.evidence, k.sent[n-1])
	}
	for _, t := range a.Terms(discourseWords) {
		k.discourse[t] = true
	}
	return k
}

// judge checks one sentence.
func (k *checker) judge(text string) Sentence {
	claim := claimText(text)
	sc := Sentence{Text: text, Claim: claims(k.a, claim, k.discourse)}
	refs := sentenceRefs(text)
	passages := k.sent
	if len(refs) == 0 {
		if rest, ok := gapNote(claim); ok && len(k.a.Terms(rest)) <= maxGapTerms {
			sc.Claim = false // "The sources do not say when exactly." claims only a gap
		}
		var best string
		sc.Support, best = k.bestSupport(claim)
		sc.Missing = retrieval.Unsupported(k.a, k.lex, claim, best)
	} else {
		passages = make([]string, 0, len(refs))
		for _, n := range refs {
			passages = append(passages, k.evidence[n-1])
		}
		sc.Support = retrieval.Support(k.a, k.lex, claim, passages...)
		sc.Missing = retrieval.Unsupported(k.a, k.lex, claim, passages...)
	}
	switch {
	case hasForeignLink(text, passages):
		sc.Reason = ReasonLink
	case isInjection(text):
		sc.Reason = ReasonInstruction
	case repeats(k.a, claim, k.taint):
		sc.Reason = ReasonRepeats
	case sc.Claim && sc.Support < k.minSupport && !oneWordOff(k.a, claim, sc.Missing):
		sc.Reason = ReasonUnsupported
	}
	return sc
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

// span is a byte range [start, end) of a text.
type span struct{ start, end int }

// sentenceSpans splits text at sentence ends (". ", "! ", "? ",
// newlines), keeping with each sentence the markers that follow its full
// stop ("… ends. [1]"); spans exclude surrounding space.
func sentenceSpans(text string) []span {
	var out []span
	for p := 0; p < len(text); {
		rest := text[p:]
		trimmed := strings.TrimLeft(rest, " \t\n\r")
		p += len(rest) - len(trimmed)
		if trimmed == "" {
			break
		}
		s := firstSentence(trimmed)
		if s == "" { // cannot happen after trimming newlines; guard the loop
			p++
			continue
		}
		// "1. Claim." is one sentence, not a number and a claim.
		if listMarker.MatchString(s) && len(s) < len(trimmed) && trimmed[len(s)] == ' ' {
			s += firstSentence(trimmed[len(s):])
		}
		end := p + len(strings.TrimRight(s, " \t\r"))
		out = append(out, span{p, end})
		p += len(s)
	}
	return out
}

// listMarker matches the number of a numbered list item ("1.", "12.").
var listMarker = regexp.MustCompile(`^\d{1,3}\.$`)

// sentences returns the sentences of text (see sentenceSpans).
func sentences(text string) []string {
	var out []string
	for _, sp := range sentenceSpans(text) {
		out = append(out, text[sp.start:sp.end])
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

// bestSupport is the support of claim from the one passage sent that supports
// it best: an uncited sentence is held to the bar of a sentence citing
// that passage, not to the pooled words of every source.
func (k *checker) bestSupport(claim string) (float64, string) {
	best, from := 0.0, ""
	for _, p := range k.sent {
		if s := retrieval.Support(k.a, k.lex, claim, p); s > best {
			best, from = s, p
		}
	}
	return best, from
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
