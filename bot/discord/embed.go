package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coopbot/coopbot/bot"
)

// Discord's message limits, in characters.
const (
	MaxContent     = 2000
	MaxTitle       = 256
	MaxDescription = 4096
	MaxFieldName   = 256
	MaxFieldValue  = 1024
	MaxFields      = 25
	MaxEmbedTotal  = 6000
	minQuote       = 60
	minName        = 48
	embedColor     = 0x2b6cb0
)

// NoMentions allows no mention of any kind: an explicit empty parse list,
// and no ping of the replied-to user either.
func NoMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// inert neutralizes mentions (bot.NeutralizeMentions) and breaks masked
// links "[label](url)" — which embeds render as a link whose target is
// hidden — with a zero-width space, so quoted corpus text, echoed
// questions and model output can neither ping anyone nor disguise a link.
func inert(s string) string {
	return strings.ReplaceAll(bot.NeutralizeMentions(s), "](", "]\u200b(")
}

// Content makes text safe and short enough for a message's content.
func Content(text string) string {
	return bot.Shorten(inert(text), MaxContent)
}

// Embed lays a Reply out as one embed: the question as title, the answer as
// description, and one field per citation — "[n] Title" as name, date ·
// ¶paragraph and the quoted passage as value — within Discord's limits
// (title 256, description 4,096, field 1,024, 25 fields, 6,000 in all).
// Quotes are shortened first, then the answer, and never a citation's
// header; all text has its mentions neutralized.
func Embed(r bot.Reply) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Color: embedColor}
	if q := strings.TrimSpace(r.Question); q != "" {
		e.Title = bot.Shorten(inert(q), MaxTitle)
	}
	cites := r.Citations
	if len(cites) > MaxFields {
		cites = cites[:MaxFields]
	}
	answer := inert(r.Text)
	fullNames := make([]string, len(cites))
	names := make([]string, len(cites))
	heads := make([]string, len(cites))
	quotes := make([]string, len(cites))
	for i, c := range cites {
		fullNames[i] = inert(c.Label())
		heads[i] = c.Where()
		quotes[i] = inert(c.Quote)
	}
	setNames := func(max int) {
		for i := range names {
			names[i] = bot.Shorten(fullNames[i], max)
		}
	}
	value := func(i, quoteMax int) string {
		v := heads[i]
		if quotes[i] == "" {
			if v == "" {
				return "—"
			}
			return v
		}
		prefix := "> "
		if v != "" {
			prefix = v + "\n> "
		}
		max := min(quoteMax, MaxFieldValue-bot.Len(prefix))
		return prefix + bot.Shorten(quotes[i], max)
	}
	fieldsLen := func(quoteMax int) int {
		n := 0
		for i := range cites {
			n += bot.Len(names[i]) + bot.Len(value(i, quoteMax))
		}
		return n
	}
	// Leave the answer its room (at least 1,000 characters, or all of it
	// when shorter): shorten quotes first, then citation titles.
	descWant := min(bot.Len(answer), MaxDescription)
	reserve := bot.Len(e.Title) + min(descWant, 1000)
	nameMax := MaxFieldName
	setNames(nameMax)
	for nameMax > minName && fieldsLen(minQuote)+reserve > MaxEmbedTotal {
		nameMax -= 16
		setNames(nameMax)
	}
	quoteMax := MaxFieldValue
	for quoteMax > minQuote && fieldsLen(quoteMax)+reserve > MaxEmbedTotal {
		quoteMax -= 20
	}
	room := MaxEmbedTotal - bot.Len(e.Title) - fieldsLen(quoteMax)
	e.Description = bot.Shorten(answer, min(MaxDescription, room))
	// Give quotes back whatever the answer did not use.
	for quoteMax < MaxFieldValue && bot.Len(e.Title)+bot.Len(e.Description)+fieldsLen(quoteMax+20) <= MaxEmbedTotal {
		quoteMax += 20
	}
	for i := range cites {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: names[i], Value: value(i, quoteMax)})
	}
	return e
}
