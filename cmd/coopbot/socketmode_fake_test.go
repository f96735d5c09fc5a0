package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// fakeSocketMode is Slack's Socket Mode side of a fakeSlackAPI:
// apps.connections.open hands out a websocket URL on the same server,
// each connection gets hello and a ping every few seconds (slack-go
// reconnects after 30s without one), and Deliver sends an envelope to
// one connection of the test's choosing, as Slack sends each envelope to
// one connection of the app.
type fakeSocketMode struct {
	t     *testing.T
	mu    sync.Mutex
	conns []*socketConn
	more  chan struct{} // signalled on every new connection
	acks  chan string   // envelope ids acknowledged
}

type socketConn struct {
	mu sync.Mutex // serialises writes
	ws *websocket.Conn
}

func (c *socketConn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteJSON(v)
}

// handle registers the Socket Mode endpoints on a slacktest server whose
// base URL base returns (known only once it has started).
func (f *fakeSocketMode) handle(c slacktest.Customize, base func() string) {
	c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		u := "ws" + strings.TrimPrefix(strings.TrimSuffix(base(), "/"), "http") + "/socket"
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": u})
	})
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c.Handle("/socket", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		sc := &socketConn{ws: ws}
		if err := sc.write(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}}); err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, sc)
		f.mu.Unlock()
		f.more <- struct{}{}
		done := make(chan struct{})
		defer close(done)
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					sc.mu.Lock()
					_ = ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
					sc.mu.Unlock()
				}
			}
		}()
		for {
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := ws.ReadJSON(&ack); err != nil {
				f.forget(sc)
				return
			}
			f.acks <- ack.EnvelopeID
		}
	})
}

func (f *fakeSocketMode) forget(sc *socketConn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.conns {
		if c == sc {
			f.conns = append(f.conns[:i], f.conns[i+1:]...)
			return
		}
	}
}

// waitConnections waits until n connections are open.
func (f *fakeSocketMode) waitConnections(n int) {
	f.t.Helper()
	waitCount(f.t, "Socket Mode connections", n, f.more, func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.conns)
	})
}

// Deliver sends an events_api envelope carrying event (an event_callback)
// to connection i (modulo those open), with retry as its retry_attempt.
func (f *fakeSocketMode) Deliver(i int, envelopeID, event string, retry int) {
	f.t.Helper()
	f.mu.Lock()
	c := f.conns[i%len(f.conns)]
	f.mu.Unlock()
	env := map[string]any{"envelope_id": envelopeID, "type": "events_api", "payload": json.RawMessage(event),
		"accepts_response_payload": false, "retry_attempt": retry}
	if retry > 0 {
		env["retry_reason"] = "timeout"
	}
	if err := c.write(env); err != nil {
		f.t.Errorf("deliver %s: %v", envelopeID, err)
	}
}
