// Package fakediscord is a local stand-in for Discord's gateway (websocket:
// HELLO → IDENTIFY → READY, then dispatched events) and the REST endpoints
// coopbot uses, for driving real discordgo code paths in tests. Several
// sessions may connect; like Discord, it sends an event with a guild_id
// only to the session whose IDENTIFY shard [id, count] has
// id == (guild_id >> 22) % count. New points
// discordgo's endpoint variables at it and restores them on cleanup, so
// tests using it must not run in parallel.
package fakediscord

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// IDs the fake uses for the bot.
const (
	BotID = "900000000000000001"
	AppID = "900000000000000002"
)

// Request is one REST call the fake received.
type Request struct {
	Method string
	Path   string // without the /api/v9 prefix
	Body   []byte
}

// JSON decodes the request body into v.
func (r Request) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s %s: decode body %q: %v", r.Method, r.Path, r.Body, err)
	}
}

// Server is the fake Discord.
type Server struct {
	*httptest.Server
	// Identify receives each IDENTIFY payload a session sent.
	Identify chan json.RawMessage

	t        testing.TB
	requests chan Request
	mu       sync.Mutex
	messages map[string]*discordgo.Message // by id, for GET channel message
	nextID   int
	wsMu     sync.Mutex // guards sessions and each session's writes
	sessions []*session
	ready    chan struct{}
	once     sync.Once
	drop     []string // path suffixes whose connections are closed unanswered
}

// Drop makes REST calls whose path ends in suffix fail at the transport:
// the connection is closed without a response, so the client's error
// carries the request URL (and any token in it).
func (s *Server) Drop(suffix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = append(s.drop, suffix)
}

// dropped reports whether path is to be dropped.
func (s *Server) dropped(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.drop {
		if strings.HasSuffix(path, d) {
			return true
		}
	}
	return false
}

// New starts a fake Discord and points discordgo at it.
func New(t testing.TB) *Server {
	s := &Server{
		t: t, requests: make(chan Request, 100), messages: map[string]*discordgo.Message{},
		Identify: make(chan json.RawMessage, 4), ready: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/", s.gateway)
	mux.HandleFunc("/api/v"+discordgo.APIVersion+"/", s.rest)
	s.Server = httptest.NewServer(mux)
	s.pointDiscordgo(t)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) pointDiscordgo(t testing.TB) {
	saved := []*string{
		&discordgo.EndpointDiscord, &discordgo.EndpointAPI, &discordgo.EndpointGuilds, &discordgo.EndpointChannels,
		&discordgo.EndpointUsers, &discordgo.EndpointGateway, &discordgo.EndpointGatewayBot, &discordgo.EndpointWebhooks,
		&discordgo.EndpointApplications,
	}
	old := make([]string, len(saved))
	for i, p := range saved {
		old[i] = *p
	}
	t.Cleanup(func() {
		for i, p := range saved {
			*p = old[i]
		}
	})
	discordgo.EndpointDiscord = s.URL + "/"
	discordgo.EndpointAPI = discordgo.EndpointDiscord + "api/v" + discordgo.APIVersion + "/"
	discordgo.EndpointGuilds = discordgo.EndpointAPI + "guilds/"
	discordgo.EndpointChannels = discordgo.EndpointAPI + "channels/"
	discordgo.EndpointUsers = discordgo.EndpointAPI + "users/"
	discordgo.EndpointGateway = discordgo.EndpointAPI + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = discordgo.EndpointAPI + "webhooks/"
	discordgo.EndpointApplications = discordgo.EndpointAPI + "applications"
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// session is one gateway connection and the shard it identified as.
type session struct {
	ws                *websocket.Conn
	seq               int
	identified        bool
	shardID, shardCnt int
}

// receives reports whether the session gets an event for guild ("" or
// unparsable: every session, as for events outside any guild).
func (ss *session) receives(guild string) bool {
	if !ss.identified {
		return false
	}
	id, err := strconv.ParseUint(guild, 10, 64)
	if ss.shardCnt <= 1 || err != nil {
		return true
	}
	return int((id>>22)%uint64(ss.shardCnt)) == ss.shardID
}

// gateway speaks the gateway protocol: HELLO, wait for IDENTIFY, READY,
// then acknowledge heartbeats until the bot disconnects.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	ss := &session{ws: c}
	s.wsMu.Lock()
	s.sessions = append(s.sessions, ss)
	err = c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
	s.wsMu.Unlock()
	defer s.forget(ss)
	if err != nil {
		return
	}
	for {
		var msg struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := c.ReadJSON(&msg); err != nil {
			return
		}
		switch msg.Op {
		case 1: // heartbeat
			s.wsMu.Lock()
			_ = c.WriteJSON(map[string]any{"op": 11})
			s.wsMu.Unlock()
		case 2: // identify
			var id struct {
				Shard *[2]int `json:"shard"`
			}
			_ = json.Unmarshal(msg.D, &id)
			select {
			case s.Identify <- msg.D:
			default:
			}
			s.wsMu.Lock()
			ss.identified = true
			if id.Shard != nil {
				ss.shardID, ss.shardCnt = id.Shard[0], id.Shard[1]
			}
			s.send(ss, "READY", map[string]any{
				"v": 10, "session_id": "fake-session",
				"user":        map[string]any{"id": BotID, "username": "coopbot", "bot": true},
				"application": map[string]any{"id": AppID},
				"guilds":      []any{},
			})
			s.wsMu.Unlock()
			s.once.Do(func() { close(s.ready) })
		}
	}
}

// forget drops a closed session.
func (s *Server) forget(ss *session) {
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	for i, o := range s.sessions {
		if o == ss {
			s.sessions = append(s.sessions[:i], s.sessions[i+1:]...)
			return
		}
	}
}

// send writes one dispatch to ss. Called with wsMu held.
func (s *Server) send(ss *session, event string, data any) {
	ss.seq++
	if err := ss.ws.WriteJSON(map[string]any{"op": 0, "t": event, "s": ss.seq, "d": data}); err != nil {
		s.t.Errorf("gateway dispatch %s: %v", event, err)
	}
}

// dispatch sends event to every identified session whose shard holds the
// event's guild.
func (s *Server) dispatch(event string, data any) {
	raw, _ := json.Marshal(data)
	var g struct {
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(raw, &g)
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	for _, ss := range s.sessions {
		if ss.receives(g.GuildID) {
			s.send(ss, event, json.RawMessage(raw))
		}
	}
}

// Dispatch sends a gateway event (e.g. "MESSAGE_CREATE") to the bot once it
// is READY.
func (s *Server) Dispatch(event string, data any) {
	select {
	case <-s.ready:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("bot never identified with the gateway")
	}
	s.dispatch(event, data)
}

// AddMessage stores m so the bot can fetch it (GET channel message).
func (s *Server) AddMessage(m *discordgo.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages[m.ID] = m
}

// rest records every REST call and answers the ones coopbot makes.
func (s *Server) rest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v"+discordgo.APIVersion)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case path == "/gateway" || path == "/gateway/bot":
		fmt.Fprintf(w, `{"url":%q,"shards":1}`, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws")
		return
	case r.Method == http.MethodGet && strings.Contains(path, "/messages/"):
		id := path[strings.LastIndex(path, "/")+1:]
		s.mu.Lock()
		m, ok := s.messages[id]
		s.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Unknown Message","code":10008}`)
			return
		}
		_ = json.NewEncoder(w).Encode(m)
		return
	}
	s.requests <- Request{Method: r.Method, Path: path, Body: body}
	if s.dropped(path) {
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
		return
	}
	switch {
	case strings.HasSuffix(path, "/typing") || strings.HasSuffix(path, "/callback"):
		w.WriteHeader(http.StatusNoContent)
	case strings.HasSuffix(path, "/commands"):
		_, _ = w.Write(body)
	default: // a message create or edit: echo it back as a message
		s.mu.Lock()
		s.nextID++
		id := fmt.Sprintf("8%017d", s.nextID)
		s.mu.Unlock()
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if m == nil {
			m = map[string]any{}
		}
		m["id"] = id
		m["author"] = map[string]any{"id": BotID, "username": "coopbot", "bot": true}
		_ = json.NewEncoder(w).Encode(m)
	}
}

// Next returns the next REST call the bot made (other than gateway
// lookups and message fetches).
func (s *Server) Next(t testing.TB) Request {
	t.Helper()
	select {
	case r := <-s.requests:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the bot made no REST call")
		return Request{}
	}
}

// NextTo returns the next REST call whose method and path suffix match,
// skipping (and returning) others.
func (s *Server) NextTo(t testing.TB, method, suffix string) (Request, []Request) {
	t.Helper()
	var skipped []Request
	for {
		r := s.Next(t)
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			return r, skipped
		}
		skipped = append(skipped, r)
	}
}

// None asserts the bot makes no REST call for a short while.
func (s *Server) None(t testing.TB) {
	t.Helper()
	select {
	case r := <-s.requests:
		t.Errorf("unexpected REST call %s %s: %s", r.Method, r.Path, r.Body)
	case <-time.After(300 * time.Millisecond):
	}
}
