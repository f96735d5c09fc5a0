// Package discord is coopbot's Discord adapter: it answers messages that
// @mention the bot in guild channels and every message of a direct message
// with it (replying with a message reference and an embed), and the /ask
// application command in both (with a deferred response), with 👍/👎
// buttons under each answer (message components, feedback.go),
// using github.com/bwmarrin/discordgo. No reply can ping anyone: every
// message carries AllowedMentions with an explicit empty parse list.
package discord

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/internal/redact"
	"github.com/coopbot/coopbot/retrieval"
)

// Options configures an Adapter. The token is never logged.
type Options struct {
	Token    string   // bot token (without the "Bot " prefix)
	GuildID  string   // register /ask in this guild only; "" = globally
	Channels []string // allow-list of channel ids; empty = all
	// ShardID and ShardCount are sent in IDENTIFY: with ShardCount > 1
	// Discord delivers a guild's events only to the session whose
	// ShardID is (guild_id >> 22) % ShardCount, so each replica takes
	// its own ShardID (docs/deploy.md). ShardCount 0 or 1 is unsharded.
	ShardID, ShardCount int
}

// Adapter answers Discord questions through a bot.Bot.
type Adapter struct {
	bot   *bot.Bot
	opts  Options
	log   *slog.Logger
	s     *discordgo.Session
	allow bot.AllowList

	tasks *bot.Tasks
}

// maxHistory bounds the earlier turns read from a reply chain.
const maxHistory = 6

// New returns an Adapter; Open connects it.
func New(b *bot.Bot, opts Options) (*Adapter, error) {
	s, err := discordgo.New("Bot " + strings.TrimPrefix(opts.Token, "Bot "))
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	// Direct messages carry their content without the privileged
	// message content intent, as mentions of the bot do.
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	if opts.ShardCount > 1 {
		if opts.ShardID < 0 || opts.ShardID >= opts.ShardCount {
			return nil, fmt.Errorf("discord shard %d of %d: want 0 <= id < count", opts.ShardID, opts.ShardCount)
		}
		s.ShardID, s.ShardCount = opts.ShardID, opts.ShardCount
	}
	s.SyncEvents = true // handlers only hand work to tracked goroutines
	s.LogLevel = discordgo.LogError
	a := &Adapter{bot: b, opts: opts, log: slog.New(redact.Handler(b.Logger().Handler())).With("platform", "discord"), s: s,
		allow: bot.NewAllowList(opts.Channels), tasks: bot.NewTasks()}
	s.AddHandler(a.onMessageCreate)
	s.AddHandler(a.onInteractionCreate)
	return a, nil
}

// Open connects to the gateway and registers the /ask command (globally,
// or in Options.GuildID). A failed registration is logged, not fatal.
func (a *Adapter) Open(ctx context.Context) error {
	if err := a.s.Open(); err != nil {
		return fmt.Errorf("discord gateway: %w", err)
	}
	appID := a.appID()
	cmds := []*discordgo.ApplicationCommand{AskCommand()}
	if _, err := a.s.ApplicationCommandBulkOverwrite(appID, a.opts.GuildID, cmds, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("register /ask command failed", "guild", a.opts.GuildID, "error", err)
	} else {
		a.log.Info("discord connected; /ask registered", "guild", a.opts.GuildID, "bot_user", a.botID())
	}
	return nil
}

// AskCommand is the /ask application command definition, usable in
// servers and in DMs with the bot (a command registered in one guild only,
// DISCORD_GUILD_ID, never shows in DMs).
func AskCommand() *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name:             "ask",
		Contexts:         &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM},
		IntegrationTypes: &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall},
		Description:      "Ask about UK–Japan defence cooperation; answers cite news reports",
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionString, Name: "question",
			Description: "Your question, e.g. Which minister announced the Typhoon exercise plan?",
			Required:    true, MaxLength: retrieval.MaxQuestionLen,
		}},
	}
}

// Close waits for answers in flight until ctx is done, cancels the rest
// and closes the gateway connection.
func (a *Adapter) Close(ctx context.Context) error {
	err := a.s.Close()
	a.tasks.Close(ctx)
	return err
}

func (a *Adapter) spawn(f func(ctx context.Context)) { a.tasks.Go(f) }

func (a *Adapter) botID() string {
	if st := a.s.State; st != nil && st.User != nil {
		return st.User.ID
	}
	return ""
}

func (a *Adapter) appID() string {
	if st := a.s.State; st != nil && st.Application != nil && st.Application.ID != "" {
		return st.Application.ID
	}
	return a.botID()
}

// mentions reports whether m mentions the user id.
func mentions(m *discordgo.Message, id string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == id {
			return true
		}
	}
	return strings.Contains(m.Content, "<@"+id+">") || strings.Contains(m.Content, "<@!"+id+">")
}

// onMessageCreate answers a guild message that mentions the bot, or any
// message from a person in a DM with it (no guild id).
func (a *Adapter) onMessageCreate(s *discordgo.Session, mc *discordgo.MessageCreate) {
	m := mc.Message
	id := a.botID()
	if m == nil || m.Author == nil || m.Author.Bot || id == "" || m.Author.ID == id || m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	dm := m.GuildID == ""
	if !dm && !mentions(m, id) {
		return
	}
	// The allow-list names the channels the bot may answer in where
	// others read along; a DM is read by the asker alone.
	if !dm && !a.allow.Allows(m.ChannelID) {
		a.log.Info("ignored mention outside allowed channels", "channel", m.ChannelID, "user", m.Author.ID)
		return
	}
	a.spawn(func(ctx context.Context) {
		// Claimed here, not in the handler: handlers run in the gateway's
		// event loop, which a slow database must not hold up.
		if a.bot.Claim(ctx, "discord:msg:"+m.ID) {
			a.answerMessage(ctx, m, id)
		}
	})
}

// answerMessage answers a mention: typing, history from the reply chain,
// then a reply referencing m.
func (a *Adapter) answerMessage(ctx context.Context, m *discordgo.Message, botID string) {
	surface := "mention"
	if m.GuildID == "" {
		surface = "dm"
	}
	req := bot.Request{Platform: "discord", Surface: surface, UserID: m.Author.ID, ChannelID: m.ChannelID, Question: bot.StripMention(m.Content, botID)}
	out, ok := a.bot.Precheck(req)
	if ok {
		if err := a.s.ChannelTyping(m.ChannelID, discordgo.WithContext(ctx)); err != nil {
			a.log.Debug("typing indicator failed", "channel", m.ChannelID, "error", err)
		}
		req.History = a.history(ctx, m, botID)
		out = a.bot.Answer(ctx, out.RequestID, req)
	}
	send := &discordgo.MessageSend{Reference: m.SoftReference(), AllowedMentions: NoMentions()}
	if out.Kind == bot.KindAnswer {
		send.Embeds = []*discordgo.MessageEmbed{Embed(bot.FromAnswer(out.Answer))}
		if out.Votable {
			send.Components = Buttons(out.RequestID, out.Answer.Abstained)
		}
	} else {
		send.Content = Content(out.Text)
	}
	if _, err := a.s.ChannelMessageSendComplex(m.ChannelID, send, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("send reply failed", "request_id", out.RequestID, "channel", m.ChannelID, "error", err)
	}
}

// history follows the reply chain above m: each bot reply (its embed
// description is the answer) and the question it replied to become a
// Turn, oldest first.
func (a *Adapter) history(ctx context.Context, m *discordgo.Message, botID string) []retrieval.Turn {
	var turns []retrieval.Turn
	cur := a.referenced(ctx, m)
	for i := 0; cur != nil && i < maxHistory; i++ {
		if cur.Author == nil || cur.Author.ID != botID {
			break
		}
		answer := cur.Content
		if len(cur.Embeds) > 0 && cur.Embeds[0] != nil {
			answer = cur.Embeds[0].Description
		}
		q := a.referenced(ctx, cur)
		if q == nil {
			break
		}
		turns = append([]retrieval.Turn{{Question: bot.StripMention(q.Content, botID), Answer: answer}}, turns...)
		cur = a.referenced(ctx, q)
	}
	return turns
}

// referenced returns the message m replies to, or nil.
func (a *Adapter) referenced(ctx context.Context, m *discordgo.Message) *discordgo.Message {
	if m.ReferencedMessage != nil {
		return m.ReferencedMessage
	}
	ref := m.MessageReference
	if ref == nil || ref.MessageID == "" {
		return nil
	}
	ch := ref.ChannelID
	if ch == "" {
		ch = m.ChannelID
	}
	got, err := a.s.ChannelMessage(ch, ref.MessageID, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Debug("read referenced message failed", "channel", ch, "message", ref.MessageID, "error", err)
		return nil
	}
	return got
}

func (a *Adapter) onInteractionCreate(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	if i == nil {
		return
	}
	user := interactionUser(i)
	if id := a.botID(); id != "" && user == id {
		a.log.Info("ignored interaction from the bot's own user", "channel", i.ChannelID)
		return
	}
	switch i.Type {
	case discordgo.InteractionMessageComponent:
		a.spawn(func(ctx context.Context) {
			if a.bot.Claim(ctx, "discord:interaction:"+i.ID) {
				a.answerComponent(ctx, i, user)
			}
		})
	case discordgo.InteractionApplicationCommand:
		a.onCommand(i, user)
	}
}

// interactionUser is the id of the user behind i: the member in a guild,
// the user in a DM.
func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// onCommand answers the /ask application command.
func (a *Adapter) onCommand(i *discordgo.Interaction, user string) {
	data := i.ApplicationCommandData()
	if data.Name != "ask" {
		return
	}
	var q string
	for _, o := range data.Options {
		if o.Name == "question" && o.Type == discordgo.ApplicationCommandOptionString {
			q = o.StringValue()
		}
	}
	a.spawn(func(ctx context.Context) {
		if a.bot.Claim(ctx, "discord:interaction:"+i.ID) {
			a.answerInteraction(ctx, i, user, q)
		}
	})
}

// answerInteraction answers /ask: refusals and help at once (ephemeral),
// otherwise a deferred response edited with the answer.
func (a *Adapter) answerInteraction(ctx context.Context, i *discordgo.Interaction, user, q string) {
	immediate := func(text string) {
		err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: Content(text), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: NoMentions()},
		}, discordgo.WithContext(ctx))
		if err != nil {
			a.log.Error("interaction response failed", "channel", i.ChannelID, "error", err)
		}
	}
	if i.GuildID != "" && !a.allow.Allows(i.ChannelID) {
		immediate("I'm not enabled in this channel. Ask a server admin to add it to DISCORD_CHANNELS.")
		return
	}
	req := bot.Request{Platform: "discord", Surface: "command", UserID: user, ChannelID: i.ChannelID, Question: q}
	out, ok := a.bot.Precheck(req)
	if !ok {
		immediate(out.Text)
		return
	}
	if err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("defer interaction failed", "request_id", out.RequestID, "channel", i.ChannelID, "error", err)
		return
	}
	out = a.bot.Answer(ctx, out.RequestID, req)
	edit := &discordgo.WebhookEdit{AllowedMentions: NoMentions()}
	if out.Kind == bot.KindAnswer {
		embeds := []*discordgo.MessageEmbed{Embed(bot.FromAnswer(out.Answer))}
		edit.Embeds = &embeds
		if out.Votable {
			buttons := Buttons(out.RequestID, out.Answer.Abstained)
			edit.Components = &buttons
		}
	} else {
		text := Content(out.Text)
		edit.Content = &text
	}
	if _, err := a.s.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("edit interaction response failed", "request_id", out.RequestID, "channel", i.ChannelID, "error", err)
	}
}
