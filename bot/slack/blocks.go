package slack

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
)

// Slack's Block Kit limits.
const (
	MaxTextLen = 3000 // characters in one text object
	MaxBlocks  = 50   // blocks in one message
	maxCites   = 40   // citation blocks kept (more is never expected)
	maxTitle   = 200
	maxAsked   = 300
)

// Escape escapes text for Slack mrkdwn (&, <, >) and neutralizes mass and
// user mentions, so echoed text can never ping anyone.
func Escape(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return bot.NeutralizeMentions(s)
}

// Unescape decodes the three entities Slack escapes in message and command
// text (&lt;, &gt;, &amp;), giving the text the user typed.
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// fit shortens raw text so that, escaped, it has at most max characters.
func fit(raw string, max int) string {
	limit := max
	for {
		out := Escape(bot.Shorten(raw, limit))
		over := bot.Len(out) - max
		if over <= 0 || limit <= 1 {
			return out
		}
		limit -= over
	}
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Blocks lays a Reply out as Block Kit: the question in a context block,
// the answer in one or more sections, then one section per citation
// (title, date, ¶ paragraph, quoted passage) with block id "cite-<n>". No
// text object exceeds MaxTextLen characters and there are at most MaxBlocks
// blocks: quotes are shortened with an ellipsis, never the citation header,
// and the answer is split rather than dropped.
func Blocks(r bot.Reply) []slack.Block { return blocksWithin(r, MaxBlocks) }

// blocksWithin is Blocks in at most max blocks.
func blocksWithin(r bot.Reply, max int) []slack.Block {
	var blocks []slack.Block
	if q := strings.TrimSpace(r.Question); q != "" {
		blocks = append(blocks, slack.NewContextBlock("question", mrkdwn("*Q:* "+fit(q, maxAsked-5))))
	}
	cites := r.Citations
	more := 0
	if len(cites) > maxCites {
		more, cites = len(cites)-maxCites, cites[:maxCites]
	}
	budget := max - len(blocks) - len(cites)
	if more > 0 {
		budget--
	}
	pieces := splitEscaped(r.Text, MaxTextLen)
	if len(pieces) > budget {
		pieces = pieces[:budget]
		last := pieces[budget-1]
		pieces[budget-1] = bot.Shorten(last, MaxTextLen-1)
		if !strings.HasSuffix(pieces[budget-1], "…") {
			pieces[budget-1] += "…"
		}
	}
	for i, p := range pieces {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(p), nil, nil, slack.SectionBlockOptionBlockID(fmt.Sprintf("answer-%d", i+1))))
	}
	for _, c := range cites {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(CiteText(c)), nil, nil, slack.SectionBlockOptionBlockID(fmt.Sprintf("cite-%d", c.N))))
	}
	if more > 0 {
		blocks = append(blocks, slack.NewContextBlock("more", mrkdwn(fmt.Sprintf("…and %d more sources", more))))
	}
	return blocks
}

// CiteText is a citation's mrkdwn: "*[n] Title*", then date · ¶paragraph,
// then the quote shortened to fit MaxTextLen.
func CiteText(c bot.Cite) string {
	head := "*" + fit(c.Label(), maxTitle) + "*"
	if w := c.Where(); w != "" {
		head += "\n" + w
	}
	if c.Quote == "" {
		return head
	}
	return head + "\n> " + fit(c.Quote, MaxTextLen-bot.Len(head)-3)
}

// splitEscaped escapes s and splits it into pieces of at most max
// characters each, without cutting an escape sequence.
func splitEscaped(s string, max int) []string {
	var out []string
	for _, p := range bot.Split(s, max-max/10) {
		for _, q := range bot.Split(Escape(p), max) {
			out = append(out, q)
		}
	}
	return out
}

// Fallback is the plain text sent with the blocks (notifications, and the
// answer as thread history): the answer, shortened.
func Fallback(r bot.Reply) string { return fit(r.Text, MaxTextLen) }

// ReplyMessage is the response_url message for an outcome: blocks for an
// answer, plain text for help and errors. Errors and help are always
// ephemeral; answers are ephemeral only when ephemeral is set.
func ReplyMessage(out bot.Outcome, ephemeral bool) *slack.WebhookMessage {
	if out.Kind != bot.KindAnswer {
		return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: Escape(out.Text), ReplaceOriginal: true}
	}
	r := bot.FromAnswer(out.Answer)
	blocks := AnswerBlocks(out)
	msg := &slack.WebhookMessage{
		ResponseType: slack.ResponseTypeInChannel,
		Text:         Fallback(r),
		Blocks:       &slack.Blocks{BlockSet: blocks},
	}
	if ephemeral {
		msg.ResponseType = slack.ResponseTypeEphemeral
		msg.ReplaceOriginal = true
	}
	return msg
}
