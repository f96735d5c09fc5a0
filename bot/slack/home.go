package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
)

// HomeActionID is the action_id of the App Home's "Ask in my DM"
// buttons; their value is the index of the suggestion in bot.Suggestions.
const HomeActionID = "home_ask"

// homeDocs bounds the documents the App Home lists (a view holds at most
// 100 blocks; they share one section).
const homeDocs = 10

// publishHome publishes the App Home for user (views.publish). What the
// bot knows is read fresh each time the tab opens; if that fails the
// home says so, and the log has why.
func (a *Adapter) publishHome(ctx context.Context, user string) {
	var about *bot.About
	if a.opts.About != nil {
		got, err := a.opts.About(ctx)
		if err != nil {
			a.log.Warn("read what the bot knows for the App Home failed", "user", user, "error", err)
		} else {
			about = &got
		}
	}
	view := HomeView(about, a.bot.Command(), a.botUserID())
	if _, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		a.log.Error("views.publish failed", "user", user, "error", err)
	}
}

// HomeView is the App Home: what the bot knows (nil: it could not tell),
// how to ask (command, a mention of botUser, a DM), and bot.Suggestions,
// each with a button that asks it in the user's DM.
func HomeView(about *bot.About, command, botUser string) slack.HomeTabViewRequest {
	header := func(s string) slack.Block {
		return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, s, true, false))
	}
	section := func(s string) slack.Block { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }
	blocks := []slack.Block{header("Ask coopbot"), section(Escape(bot.Intro)), header("What I know"), section(knownText(about))}
	me := "me"
	if botUser != "" {
		me = "<@" + botUser + ">"
	}
	blocks = append(blocks, header("How to ask"), section(strings.Join([]string{
		fmt.Sprintf("• `%s <question>` in a channel: the answer is posted there.", command),
		fmt.Sprintf("• Mention %s with a question: I answer in the thread; reply there to follow up.", me),
		"• Message me in the *Messages* tab: only you see the question and the answer; reply in the thread to follow up.",
	}, "\n")), header("Try asking"))
	for i, q := range bot.Suggestions {
		b := slack.NewButtonBlockElement(HomeActionID, strconv.Itoa(i), slack.NewTextBlockObject(slack.PlainTextType, "Ask in my DM", false, false))
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(fit(q, maxAsked)), nil, slack.NewAccessory(b), slack.SectionBlockOptionBlockID(fmt.Sprintf("suggest-%d", i))))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// knownText lists the documents by title and date, with the counts and
// the last refresh.
func knownText(about *bot.About) string {
	if about == nil {
		return "I can't read my document list right now; questions may still be answered."
	}
	if about.Total == 0 {
		return "I have no documents yet, so I can't answer anything. Ask an admin to run `coopbot ingest`."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d %s*, %d passages", about.Total, plural(about.Total, "document", "documents"), about.Passages)
	if !about.Updated.IsZero() {
		fmt.Fprintf(&b, " · last refreshed %s", about.Updated.UTC().Format("2006-01-02 15:04 UTC"))
	}
	for i, d := range about.Documents {
		if i == homeDocs {
			break
		}
		title := d.Title
		if strings.TrimSpace(title) == "" {
			title = d.ID
		}
		fmt.Fprintf(&b, "\n• *%s*", fit(title, maxTitle))
		if d.Date != "" {
			b.WriteString(" — " + d.Date)
		}
	}
	if shown := min(len(about.Documents), homeDocs); about.Total > shown {
		fmt.Fprintf(&b, "\n…and %d more", about.Total-shown)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// homeAsk answers the suggestion a home button names in user's DM: the
// answer opens a conversation of its own there (its question shown in it,
// so replying in its thread is a follow-up), with progress as for any
// slow answer.
func (a *Adapter) homeAsk(user, value string) {
	i, err := strconv.Atoi(value)
	if err != nil || i < 0 || i >= len(bot.Suggestions) {
		a.log.Warn("ignored App Home button with an unknown suggestion", "user", user, "value", fit(value, 40))
		return
	}
	req := bot.Request{Platform: "slack", Surface: "home", UserID: user, ChannelID: user, Question: bot.Suggestions[i]}
	a.spawn(func(ctx context.Context) {
		out, ok := a.bot.Precheck(req)
		// Posting to a user id posts to the app's DM with them.
		p := &placeholder{a: a, channel: user, reqID: out.RequestID}
		if ok {
			out = watch(ctx, func(ctx context.Context) bot.Outcome { return a.bot.Answer(ctx, out.RequestID, req) }, p.status)
		}
		p.outcome(ctx, out)
	})
}
