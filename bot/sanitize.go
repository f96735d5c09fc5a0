package bot

import (
	"regexp"
	"strings"
)

// zwsp is a zero-width space: inserted after "@" or "<" it stops chat
// platforms from parsing a mention while the text reads the same.
const zwsp = "\u200b"

var (
	// massMention matches @everyone, @here and @channel (Slack) as words.
	massMention = regexp.MustCompile(`(?i)@(everyone|here|channel)\b`)
	// angleMention matches Slack (<@U…>, <!here>, <!channel>, <!subteam^…>)
	// and Discord (<@123>, <@!123>, <@&123>) mention syntax.
	angleMention = regexp.MustCompile(`<([@!])`)
)

// NeutralizeMentions makes every mention in s inert — @everyone, @here,
// @channel, <@user>, <@!user>, <@&role>, <!here>, <!channel>,
// <!subteam^…> — by inserting a zero-width space after "<" or "@". Apply it
// to anything echoed back (questions, answers, corpus quotes) as defence in
// depth on top of the platforms' own mention controls.
func NeutralizeMentions(s string) string {
	s = angleMention.ReplaceAllString(s, "<"+zwsp+"$1")
	return massMention.ReplaceAllString(s, "@"+zwsp+"$1")
}

// userMention matches a leading or embedded user mention: Slack <@U123> or
// <@U123|name>, Discord <@123> or <@!123>.
var userMention = regexp.MustCompile(`<@!?[A-Za-z0-9]+(?:\|[^>]*)?>`)

// StripMention removes mentions of the user id (Slack "<@U123>", Discord
// "<@123>" or "<@!123>") from text and trims it. With id "" it removes every
// user mention.
func StripMention(text, id string) string {
	text = userMention.ReplaceAllStringFunc(text, func(m string) string {
		if id == "" {
			return " "
		}
		inner := strings.TrimPrefix(strings.TrimPrefix(strings.Trim(m, "<>"), "@"), "!")
		if i := strings.IndexByte(inner, '|'); i >= 0 {
			inner = inner[:i]
		}
		if inner == id {
			return " "
		}
		return m
	})
	return strings.Join(strings.Fields(text), " ")
}

// AllowList is a set of channel ids; the empty list allows every channel.
type AllowList struct{ ids map[string]bool }

// NewAllowList returns an allow-list of the given channel ids.
func NewAllowList(ids []string) AllowList {
	a := AllowList{ids: map[string]bool{}}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			a.ids[id] = true
		}
	}
	return a
}

// Allows reports whether the bot may answer in channel id.
func (a AllowList) Allows(id string) bool { return len(a.ids) == 0 || a.ids[id] }
