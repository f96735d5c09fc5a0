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
	// angleMention matches Slack (<@U…>, <!here>, <!channel>, <!subteam^…>,
	// <#C…>) and Discord (<@123>, <@!123>, <@&123>, <#123>) mention syntax.
	angleMention = regexp.MustCompile(`<([@!#])`)
)

// NeutralizeMentions makes every mention in s inert — @everyone, @here,
// @channel, <@user>, <@!user>, <@&role>, <!here>, <!channel>,
// <!subteam^…>, <#channel> — by inserting a zero-width space after "<" or "@". Apply it
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

// chatMarkup matches what addresses people or places in a chat message
// rather than asking anything: Slack and Discord user, role, group and
// channel tokens (<@U1>, <@U1|name>, <@!1>, <@&1>, <!channel>, <!here>,
// <!everyone>, <!subteam^S1|@team>, <!date^…|…>, <#C1>, <#C1|general>),
// Discord custom emoji (<:name:1>, <a:name:1>) and the mass mentions
// @everyone, @here and @channel typed as words.
var chatMarkup = regexp.MustCompile(`<(?:[@#][!&]?[A-Za-z0-9]+|![^<>|]*|a?:\w+:\d+)(?:\|[^<>]*)?>|(?i:(?:^|\B)@(?:everyone|here|channel)\b)`)

// slackLink matches a Slack link token <https://x|label> or <mailto:x>.
var slackLink = regexp.MustCompile(`<((?:https?|mailto|tel):[^<>|\s]*)(?:\|([^<>]*))?>`)

// StripChatMarkup removes from a chat question the tokens that address
// people, groups or channels (see chatMarkup) — they are not part of the
// question and, as unknown terms, would only make the core less sure of
// its sources — and reduces Slack link tokens to their label (or URL). It
// collapses the whitespace left behind. Everything else is kept verbatim.
func StripChatMarkup(q string) string {
	if strings.ContainsAny(q, "<@") {
		q = chatMarkup.ReplaceAllString(q, " ")
		q = slackLink.ReplaceAllStringFunc(q, func(m string) string {
			p := slackLink.FindStringSubmatch(m)
			if strings.TrimSpace(p[2]) != "" {
				return p[2]
			}
			return p[1]
		})
	}
	return strings.Join(strings.Fields(q), " ")
}
