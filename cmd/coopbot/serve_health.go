package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

func init() {
	register(command{name: "healthcheck", summary: "check a running coopbot serve (/readyz); for container health checks", run: runHealthcheck})
}

// runHealthcheck asks the local server's /readyz and fails unless it
// answers 200. Container images without a shell or curl use it as their
// HEALTHCHECK.
func runHealthcheck(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	target := fs.String("url", "", "URL to check (default http://127.0.0.1:<HTTP_ADDR port>/readyz)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: coopbot healthcheck [--url URL] [--timeout D]\n\nExits 0 when the server's /readyz answers 200.")
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return err
	}
	u := *target
	if u == "" {
		_, port, err := net.SplitHostPort(m.Config.HTTPAddr)
		if err != nil || port == "0" {
			return retrieval.Errorf(retrieval.EINVALID, "cannot tell the server's port from HTTP_ADDR %q: pass --url", m.Config.HTTPAddr)
		}
		u = "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "bad --url %q", u)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "%s is not answering", u)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s: %s %s", u, resp.Status, body)
	}
	fmt.Fprintf(m.Stdout, "%s: %s", u, body)
	return nil
}
