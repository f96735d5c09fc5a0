package discord_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// countingCore is the real core, recording the questions it was asked.
type countingCore struct {
	*retrieval.Service
	mu    sync.Mutex
	asked []string
}

func (c *countingCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	c.mu.Lock()
	c.asked = append(c.asked, q)
	c.mu.Unlock()
	return c.Service.Ask(ctx, q)
}

func (c *countingCore) questions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

// guildOnShard returns a guild id Discord routes to shard of count:
// (id >> 22) % count == shard.
func guildOnShard(shard, count, n int) string {
	return fmt.Sprint(uint64(shard+count*n) << 22)
}

// Two sessions on one token, shard 0 and shard 1 of 2, each get only
// their guilds' events, so no message is answered twice and none is
// missed.
func TestShardsAnswerOnce(t *testing.T) {
	fake := fakediscord.New(t)
	svc := testcore.Service(t)
	cores := []*countingCore{{Service: svc}, {Service: svc}}
	for shard, core := range cores {
		ident := openAdapter(t, fake, edge.New(core, edge.Options{}), discord.Options{ShardID: shard, ShardCount: 2}, nil)
		if ident.Shard != [2]int{shard, 2} {
			t.Errorf("IDENTIFY shard = %v; want [%d 2]", ident.Shard, shard)
		}
		fake.NextTo(t, "PUT", "/commands")
	}

	const n = 10
	for i := range n {
		m := message(fmt.Sprint(700+i), "43", false, fmt.Sprintf("<@%s> %s #%d", fakediscord.BotID, question, i), true)
		m["guild_id"] = guildOnShard(i%2, 2, i)
		fake.Dispatch("MESSAGE_CREATE", m)
	}
	for range n {
		fake.NextTo(t, "POST", "/channels/C1/messages")
	}
	fake.None(t)
	for shard, core := range cores {
		got := core.questions()
		if len(got) != n/2 {
			t.Errorf("shard %d answered %d questions; want %d: %q", shard, len(got), n/2, got)
		}
		for _, q := range got {
			var i int
			if _, err := fmt.Sscanf(q[strings.LastIndex(q, "#"):], "#%d", &i); err != nil || i%2 != shard {
				t.Errorf("shard %d answered %q, a question from the other shard's guild", shard, q)
			}
		}
	}
}

func TestShardOptionsChecked(t *testing.T) {
	b := bot.New(edge.New(testcore.Service(t), edge.Options{}), nil, bot.Options{})
	for _, tt := range []struct {
		id, count int
		ok        bool
	}{{0, 0, true}, {0, 1, true}, {0, 2, true}, {1, 2, true}, {2, 2, false}, {-1, 2, false}} {
		_, err := discord.New(b, discord.Options{Token: "t", ShardID: tt.id, ShardCount: tt.count})
		if (err == nil) != tt.ok {
			t.Errorf("New(shard %d of %d) = %v; want ok %v", tt.id, tt.count, err, tt.ok)
		}
	}
}
