package fetch

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// robotsMax bounds the robots.txt read (Google reads 500 KiB).
const robotsMax = 512 << 10

// robots is the rules of one host's robots.txt that apply to coopbot:
// the group naming "coopbot", else the "*" group.
type robots struct {
	allow, disallow []string // path prefixes
}

// allowed fetches the host's robots.txt once and refuses u when it is
// disallowed. A robots.txt that is missing or cannot be fetched allows
// everything, as the convention has it.
func (c *Client) allowed(ctx context.Context, h *host, u *url.URL) error {
	if h.robots == nil {
		h.robots = &robots{}
		ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
		resp, err := c.do(ctx, h, ru.String(), "", "")
		if err != nil {
			if ctx.Err() != nil {
				h.robots = nil
				return ctx.Err()
			}
			if fe, ok := err.(*Error); ok && strings.HasPrefix(fe.Reason, "refused") {
				h.robots = nil
				return &Error{u.String(), fe.Reason}
			}
		} else {
			if resp.StatusCode == http.StatusOK {
				h.robots = parseRobots(io.LimitReader(resp.Body, robotsMax))
			}
			resp.Body.Close()
		}
	}
	if !h.robots.allows(u.EscapedPath()) {
		return &Error{u.String(), "disallowed by the site's robots.txt"}
	}
	return nil
}

// parseRobots reads the groups of a robots.txt.
func parseRobots(r io.Reader) *robots {
	var own, any robots
	var haveOwn bool
	var agents []string
	inRules := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, strings.ToLower(val))
		case "allow", "disallow":
			inRules = true
			for _, a := range agents {
				var g *robots
				switch {
				case strings.Contains(a, "coopbot"):
					g, haveOwn = &own, true
				case a == "*":
					g = &any
				default:
					continue
				}
				if val == "" {
					continue // "Disallow:" with no path allows everything
				}
				if key == "allow" {
					g.allow = append(g.allow, val)
				} else {
					g.disallow = append(g.disallow, val)
				}
			}
		}
	}
	if haveOwn {
		return &own
	}
	return &any
}

// allows applies the longest matching rule; Allow wins a tie.
func (r *robots) allows(path string) bool {
	if path == "" {
		path = "/"
	}
	best, allow := -1, true
	for _, p := range r.disallow {
		if strings.HasPrefix(path, p) && len(p) > best {
			best, allow = len(p), false
		}
	}
	for _, p := range r.allow {
		if strings.HasPrefix(path, p) && len(p) >= best {
			best, allow = len(p), true
		}
	}
	return allow
}
