// Package fetch gets web pages and feeds for ingest, refusing what a
// shared bot must not fetch: only http and https; never an address on
// the loopback, private, link-local or other internal ranges (checked on
// the resolved address as the connection is made, so DNS answers and
// redirects are covered) unless AllowPrivate; a timeout, a size cap and a
// bound on redirects per fetch; robots.txt honoured; one request at a time
// per host with a delay between them; and conditional requests (ETag,
// Last-Modified) so an unchanged source costs a 304.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for Options' zero fields.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 32 << 20
	DefaultMaxRedirects = 5
	DefaultDelay        = time.Second
	UserAgent           = "coopbot (+https://github.com/coopbot/coopbot)"
)

// Options bound a Client's fetches. Zero fields take the defaults.
type Options struct {
	Timeout      time.Duration // per fetch, including redirects and the body
	MaxBytes     int64         // largest body read
	MaxRedirects int
	Delay        time.Duration // between two requests to one host; negative: none
	// AllowPrivate lets fetches reach loopback and private addresses
	// (SOURCES_ALLOW_PRIVATE): an intranet wiki, or a test's server.
	AllowPrivate bool
	// AllowAddrs are "ip:port" addresses reachable despite the guard:
	// one intranet service, or a test's own server, without opening
	// every internal address.
	AllowAddrs []string
}

// Client fetches with the guards of Options. Use New.
type Client struct {
	opts  Options
	http  *http.Client
	mu    sync.Mutex
	hosts map[string]*host
}

// host serializes the requests to one host and remembers its robots.txt.
type host struct {
	mu     sync.Mutex
	last   time.Time
	robots *robots // nil until fetched
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.Delay == 0 {
		opts.Delay = DefaultDelay
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: guard(opts.AllowPrivate, opts.AllowAddrs)}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would dial for us, past the guard
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConnsPerHost:   1,
	}
	c := &Client{opts: opts, hosts: map[string]*host{}}
	c.http = &http.Client{Transport: tr, Timeout: opts.Timeout, CheckRedirect: c.checkRedirect}
	return c
}

// Error is a fetch that was refused or failed, with a plain reason.
type Error struct {
	URL    string
	Reason string
}

func (e *Error) Error() string { return e.URL + ": " + e.Reason }

// Response is a fetched body, or NotModified.
type Response struct {
	URL          string // after redirects
	Body         []byte
	ContentType  string // media type, lower case, without parameters
	ETag         string
	LastModified string
	NotModified  bool // a 304 to the conditional request: Body is empty
}

// Get fetches rawURL. etag and lastModified, from an earlier Response,
// make the request conditional. accept lists the media types the caller
// reads (a prefix such as "text/html" matches); anything else is refused.
func (c *Client) Get(ctx context.Context, rawURL, etag, lastModified string, accept ...string) (Response, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return Response{}, err
	}
	h := c.host(u.Host)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := c.allowed(ctx, h, u); err != nil {
		return Response{}, err
	}
	resp, err := c.do(ctx, h, u.String(), etag, lastModified)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	out := Response{URL: resp.Request.URL.String(), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode != http.StatusOK:
		return Response{}, &Error{rawURL, fmt.Sprintf("HTTP status %d", resp.StatusCode)}
	}
	out.ContentType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !acceptable(out.ContentType, accept) {
		return Response{}, &Error{rawURL, fmt.Sprintf("content type %q is not one coopbot reads here (want %s)", out.ContentType, strings.Join(accept, ", "))}
	}
	if resp.ContentLength > c.opts.MaxBytes {
		return Response{}, &Error{rawURL, fmt.Sprintf("too large (%d bytes, limit %d)", resp.ContentLength, c.opts.MaxBytes)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBytes+1))
	if err != nil {
		return Response{}, c.reason(rawURL, err)
	}
	if int64(len(body)) > c.opts.MaxBytes {
		return Response{}, &Error{rawURL, fmt.Sprintf("too large (over %d bytes)", c.opts.MaxBytes)}
	}
	out.Body = body
	return out, nil
}

// do sends one GET, after the host's delay.
func (c *Client) do(ctx context.Context, h *host, u, etag, lastModified string) (*http.Response, error) {
	if wait := c.opts.Delay - time.Since(h.last); c.opts.Delay > 0 && !h.last.IsZero() && wait > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	defer func() { h.last = time.Now() }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{u, "not a URL coopbot can fetch"}
	}
	req.Header.Set("User-Agent", UserAgent)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.reason(u, err)
	}
	return resp, nil
}

func (c *Client) host(name string) *host {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hosts[name]
	if h == nil {
		h = &host{}
		c.hosts[name] = h
	}
	return h
}

// errPrivate is the guard's refusal, found again in the error chain.
var errPrivate = errors.New("private address")

// reason turns a transport error into a plain reason.
func (c *Client) reason(u string, err error) error {
	var fe *Error
	var ne net.Error
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.Is(err, errPrivate):
		return &Error{u, "refused: it resolves to a loopback or private address (SOURCES_ALLOW_PRIVATE=true allows it)"}
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return &Error{u, fmt.Sprintf("timed out (limit %s)", c.opts.Timeout)}
	}
	return &Error{u, "cannot fetch: " + err.Error()}
}

// checkRedirect bounds redirects and keeps them on http and https.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.opts.MaxRedirects {
		return &Error{via[0].URL.String(), fmt.Sprintf("too many redirects (limit %d)", c.opts.MaxRedirects)}
	}
	if _, err := CheckURL(req.URL.String()); err != nil {
		return &Error{via[0].URL.String(), "redirected to " + err.Error()}
	}
	return nil
}

// CheckURL parses u and refuses anything but an absolute http or https
// URL.
func CheckURL(u string) (*url.URL, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return nil, &Error{u, "not an http or https URL"}
	}
	return p, nil
}

func acceptable(ct string, accept []string) bool {
	if len(accept) == 0 {
		return true
	}
	for _, a := range accept {
		if strings.HasPrefix(ct, a) {
			return true
		}
	}
	return false
}

// guard returns a dialer Control func that refuses internal addresses:
// it sees the address actually dialled, after DNS.
func guard(allowPrivate bool, allowAddrs []string) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate || slices.Contains(allowAddrs, address) {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return errPrivate
		}
		ip := net.ParseIP(host)
		if ip == nil || Internal(ip) {
			return errPrivate
		}
		return nil
	}
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// Internal reports whether ip is on a range a public fetch must not
// reach: loopback, private (RFC 1918, IPv6 ULA), link-local (cloud
// metadata), unspecified, multicast or carrier-grade NAT.
func Internal(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip)
}
