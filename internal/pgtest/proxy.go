package pgtest

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP relay on 127.0.0.1 in front of a PostgreSQL server, so
// that a test can take the database away from a client without touching
// a server other tests share:
//   - Down, as when the server stops: open connections cut, new ones
//     refused;
//   - Freeze, as when it is stopped with SIGSTOP (or the network path
//     drops packets): connections are accepted and what clients send is
//     read, but nothing is forwarded either way until Thaw, which
//     forwards what was held.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	thawed *sync.Cond // broadcast on Thaw and Down
	frozen bool
	down   bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewProxy starts a Proxy to the server of databaseURL and returns it with
// databaseURL rewritten to go through it. It is closed when tb finishes.
func NewProxy(tb testing.TB, databaseURL string) (*Proxy, string) {
	tb.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil || u.Host == "" {
		tb.Fatalf("pgtest.NewProxy: want a postgres:// URL with a host, got an unparsable one")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("pgtest.NewProxy: listen: %v", err)
	}
	p := &Proxy{ln: ln, target: u.Host, conns: map[net.Conn]struct{}{}}
	p.thawed = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Down)
	u.Host = ln.Addr().String()
	return p, u.String()
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Freeze stops all forwarding, on open connections and new ones alike.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// Thaw resumes forwarding, first of the bytes held while frozen.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	p.frozen = false
	p.mu.Unlock()
	p.thawed.Broadcast()
}

// Down takes the database away: the port stops accepting and every open
// connection is closed. It is idempotent.
func (p *Proxy) Down() {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		return
	}
	p.down = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.thawed.Broadcast()
	p.wg.Wait()
}

// wait blocks while the proxy is frozen; it reports false once it is down.
func (p *Proxy) wait() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.frozen && !p.down {
		p.thawed.Wait()
	}
	return !p.down
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.relay(c)
	}
}

// relay connects c to the server once the proxy is not frozen (a stopped
// postmaster leaves new connections in its listen queue) and pipes both
// ways.
func (p *Proxy) relay(c net.Conn) {
	defer p.wg.Done()
	if !p.wait() {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(s) {
		c.Close()
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.pipe(c, s)
	}()
	p.pipe(s, c)
}

// track registers a relayed connection, or closes it when the proxy is
// down.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// pipe copies src to dst, holding each read while the proxy is frozen. A
// cut connection ends the copy with an error; there is nothing to report,
// the client sees the cut.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer func() {
		dst.Close()
		src.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
