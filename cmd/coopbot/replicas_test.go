package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/coopbot/coopbot/internal/pgtest"
)

const replicaBotUser = "UBOT"

// fakeSlackAPI is slacktest with the calls coopbot makes answered and
// every chat.postMessage recorded (slacktest's own records nothing).
type fakeSlackAPI struct {
	*slacktest.Server
	mu    sync.Mutex
	posts []url.Values
	more  chan struct{} // signalled on every post
	sock  *fakeSocketMode
}

func newFakeSlackAPI(t *testing.T) *fakeSlackAPI {
	f := &fakeSlackAPI{more: make(chan struct{}, 1000)}
	f.sock = &fakeSocketMode{t: t, more: make(chan struct{}, 10), acks: make(chan string, 1000)}
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		f.sock.handle(c, func() string { return f.GetAPIURL() })
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"user_id":%q,"bot_id":"BBOT","team_id":"T1"}`, replicaBotUser)
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				t.Errorf("chat.postMessage: %v", err)
			}
			f.mu.Lock()
			f.posts = append(f.posts, r.PostForm)
			f.mu.Unlock()
			f.more <- struct{}{}
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000100.000100"}`, r.PostForm.Get("channel"))
		})
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"ok":true,"messages":[],"has_more":false}`)
		})
	})
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// waitPosts waits until n posts have arrived in all (or 60 s pass), then
// settle longer for any duplicate on its way, and returns them all.
func (f *fakeSlackAPI) waitPosts(t *testing.T, n int, settle time.Duration) []url.Values {
	t.Helper()
	waitCount(t, "chat.postMessage calls", n, f.more, func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.posts)
	})
	time.Sleep(settle)
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...)
}

// waitCount waits up to 60 s until count() reaches n, looking again
// whenever more is signalled.
func waitCount(t *testing.T, what string, n int, more <-chan struct{}, count func() int) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for got := count(); got < n; got = count() {
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("%d %s; want %d", got, what, n)
		}
	}
}

// replicaMention is a signed-to-be app_mention event from user in C1 at ts.
func replicaMention(eventID, user, ts, question string) string {
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": eventID, "event_time": 1700000000,
		"event": map[string]any{"type": "app_mention", "user": user, "text": "<@" + replicaBotUser + "> " + question, "ts": ts, "channel": "C1", "event_ts": ts},
	})
	return string(b)
}

// sendEvent posts body, signed now, to base's /slack/events (with
// X-Slack-Retry-Num when retry > 0, as Slack's retries carry).
func sendEvent(t *testing.T, base, body string, retry int) {
	r := signedBody(t, base+"/slack/events", replicaSecret, body)
	r.Header.Set("Content-Type", "application/json")
	if retry > 0 {
		r.Header.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
		r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Errorf("POST /slack/events: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /slack/events = %d; want 200", resp.StatusCode)
	}
}

const replicaSecret = "replica-signing-secret"

// TestServeReplicasAnswerOnce runs two coopbot serve processes on one
// PostgreSQL behind no balancer but the test: an event and its retry sent
// to both get one reply; 40 distinct events split across them get 40; 20
// Socket Mode envelopes split across their two connections get 20, one
// delivered to both gets one; a user's 7th question within a minute is
// refused by whichever replica gets it.
func TestServeReplicasAnswerOnce(t *testing.T) {
	dbURL := pgtest.NewDB(t, "coopbot_replicas")
	bin := buildCoopbot(t)
	if out, err := coopbotCmd(bin, dbURL, "ingest").CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	api := newFakeSlackAPI(t)
	env := []string{"DATABASE_URL=" + dbURL, "HTTP_ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"SLACK_SIGNING_SECRET=" + replicaSecret, "SLACK_BOT_TOKEN=xoxb-replicas", "SLACK_APP_TOKEN=xapp-replicas", "SLACK_API_URL=" + api.GetAPIURL(),
		"RATE_PER_MINUTE=6", "RATE_BURST=6"}
	var bases [2]string
	for i := range bases {
		_, base, logs := startServe(t, bin, env...)
		bases[i] = "http://" + strings.TrimPrefix(base, "http://")
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replica %d log:\n%s", i, logs.String())
			}
		})
	}
	question := "Which minister announced the Typhoon exercise plan?"

	// One event, delivered to both replicas at once (a retry reaching the
	// other replica while the first is still answering).
	start := time.Now()
	var wg sync.WaitGroup
	for i, base := range bases {
		wg.Go(func() { sendEvent(t, base, replicaMention("EvDup", "U1", "1700000000.000001", question), i) })
	}
	wg.Wait()
	if posts := api.waitPosts(t, 1, time.Second); len(posts) != 1 {
		t.Fatalf("one event sent to both replicas got %d replies; want 1", len(posts))
	}
	t.Logf("duplicate event: one reply in %s", time.Since(start))

	// 40 distinct events from 40 users, alternately to each replica.
	start = time.Now()
	for i := range 40 {
		wg.Go(func() {
			ts := fmt.Sprintf("1700000001.%06d", i)
			sendEvent(t, bases[i%2], replicaMention(fmt.Sprintf("Ev%02d", i), fmt.Sprintf("U1%02d", i), ts, question), 0)
		})
	}
	wg.Wait()
	posts := api.waitPosts(t, 41, time.Second)
	threads := map[string]int{}
	for _, p := range posts[1:] {
		threads[p.Get("thread_ts")]++
	}
	for i := range 40 {
		if ts := fmt.Sprintf("1700000001.%06d", i); threads[ts] != 1 {
			t.Errorf("event %d got %d replies; want 1", i, threads[ts])
		}
	}
	if len(posts) != 41 {
		t.Errorf("40 distinct events got %d replies; want 40", len(posts)-1)
	}
	t.Logf("40 distinct events over 2 replicas: 40 replies in %s", time.Since(start))

	// Socket Mode: each replica holds one connection, and Slack sends each
	// envelope to one of them; 20 envelopes split across both get 20
	// replies, and one redelivered to the other connection (its ack was
	// late) gets none.
	start = time.Now()
	api.sock.waitConnections(2)
	t.Logf("both Socket Mode connections open after %s more", time.Since(start))
	start = time.Now()
	for i := range 20 {
		ts := fmt.Sprintf("1700000003.%06d", i)
		api.sock.Deliver(i, fmt.Sprintf("env%02d", i), replicaMention(fmt.Sprintf("EvSock%02d", i), fmt.Sprintf("U2%02d", i), ts, question), 0)
	}
	posts = api.waitPosts(t, 61, time.Second)
	if len(posts) != 61 {
		t.Errorf("20 Socket Mode envelopes over 2 connections got %d replies; want 20", len(posts)-41)
	}
	t.Logf("20 Socket Mode envelopes over 2 connections: %d replies in %s", len(posts)-41, time.Since(start))
	dup := replicaMention("EvSockDup", "U1", "1700000003.100000", question)
	api.sock.Deliver(0, "envDup", dup, 0)
	api.sock.Deliver(1, "envDup", dup, 1)
	if posts = api.waitPosts(t, 62, time.Second); len(posts) != 62 {
		t.Errorf("an envelope delivered to both connections got %d replies; want 1", len(posts)-61)
	}

	// One user's questions, alternately to each replica: six answered,
	// the 7th and 8th refused whichever replica they reach.
	for i := range 8 {
		sendEvent(t, bases[i%2], replicaMention(fmt.Sprintf("EvRate%d", i), "U7", fmt.Sprintf("1700000002.%06d", i), question), 0)
		posts = api.waitPosts(t, 63+i, 0)
		text := posts[len(posts)-1].Get("text")
		refused := strings.Contains(text, "asking faster than I can keep up")
		if want := i >= 6; refused != want {
			t.Errorf("question %d of one user (replica %d): refused %v; want %v: %q", i+1, i%2, refused, want, text)
		}
	}
	if posts = api.waitPosts(t, 70, time.Second); len(posts) != 70 {
		t.Errorf("8 questions of one user got %d replies; want 8", len(posts)-62)
	}
}
