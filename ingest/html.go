package ingest

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// droppedElements hold no article text: their whole subtree is skipped.
var droppedElements = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Form: true, atom.Template: true, atom.Iframe: true, atom.Svg: true,
	atom.Math: true, atom.Button: true, atom.Select: true, atom.Textarea: true,
	atom.Object: true, atom.Embed: true, atom.Canvas: true, atom.Dialog: true,
}

// droppedRoles are ARIA landmark roles of page chrome.
var droppedRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true,
}

// blockElements start and end a paragraph.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Blockquote: true, atom.Body: true,
	atom.Center: true, atom.Dd: true, atom.Details: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Figcaption: true, atom.Figure: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Hgroup: true, atom.Hr: true, atom.Li: true, atom.Main: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true,
	atom.Summary: true, atom.Table: true, atom.Tr: true, atom.Ul: true,
	atom.Caption: true,
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}

// dropped reports whether n's subtree is page chrome or hidden.
func dropped(n *html.Node) bool {
	return n.Type == html.ElementNode && (droppedElements[n.DataAtom] ||
		hasAttr(n, "hidden") ||
		strings.EqualFold(attr(n, "aria-hidden"), "true") ||
		droppedRoles[strings.ToLower(attr(n, "role"))])
}

// parseHTML extracts the main text of a page: the <article> with the most
// text, else <main>, else <body>, minus dropped elements; block elements
// become paragraphs. The title is og:title, else <title>, else the first
// <h1> (of the main element, else of the page); the date comes from
// article:published_time, else the first <time datetime> (likewise); the
// outlet from og:site_name; the author from <meta name="author">.
func parseHTML(s string) (meta, string, error) {
	root, err := html.Parse(strings.NewReader(s))
	if err != nil { // elements nested more than 512 deep
		return meta{}, "", fmt.Errorf("cannot parse HTML: %w", err)
	}
	var m meta
	var titleTag, published string
	var articles []*html.Node
	var mainNode, bodyNode *html.Node
	var visit func(n *html.Node, inDropped bool)
	visit = func(n *html.Node, inDropped bool) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Title:
				if titleTag == "" {
					titleTag = nodeText(n)
				}
			case atom.Meta:
				key := strings.ToLower(attr(n, "property"))
				if key == "" {
					key = strings.ToLower(attr(n, "name"))
				}
				setOnce := func(dst *string) {
					if *dst == "" {
						*dst = attr(n, "content")
					}
				}
				switch key {
				case "og:title":
					setOnce(&m.Title)
				case "article:published_time":
					setOnce(&published)
				case "og:site_name":
					setOnce(&m.Outlet)
				case "author":
					setOnce(&m.Author)
				}
			case atom.Body:
				bodyNode = n
			}
			inDropped = inDropped || dropped(n)
			if !inDropped && n.DataAtom == atom.Article {
				articles = append(articles, n)
			}
			if !inDropped && n.DataAtom == atom.Main && mainNode == nil {
				mainNode = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, inDropped)
		}
	}
	visit(root, false)

	var top *html.Node
	var text string
	switch {
	case len(articles) > 0:
		for _, a := range articles {
			if t := extractText(a); top == nil || len(strings.TrimSpace(t)) > len(strings.TrimSpace(text)) {
				top, text = a, t
			}
		}
	case mainNode != nil:
		top = mainNode
	case bodyNode != nil:
		top = bodyNode
	default:
		top = root
	}
	if text == "" {
		text = extractText(top)
	}

	isH1 := func(n *html.Node) bool { return n.DataAtom == atom.H1 }
	isTime := func(n *html.Node) bool { return n.DataAtom == atom.Time && attr(n, "datetime") != "" }
	if strings.TrimSpace(m.Title) == "" {
		m.Title = titleTag
	}
	if strings.TrimSpace(m.Title) == "" {
		if h := findElement(top, root, isH1); h != nil {
			m.Title = nodeText(h)
		}
	}
	if date, ok := parseDate(published); ok && date != "" {
		m.Date = date
	} else if t := findElement(top, root, isTime); t != nil {
		m.Date, _ = parseDate(attr(t, "datetime"))
	}
	return m, text, nil
}

// findElement returns the first element matching match inside top, else
// the first one in the page outside dropped elements. Within an <article>
// or <main>, page chrome counts: an article's <header> holds its headline
// and date.
func findElement(top, root *html.Node, match func(*html.Node) bool) *html.Node {
	var find func(n *html.Node, skipDropped bool) *html.Node
	find = func(n *html.Node, skipDropped bool) *html.Node {
		if n.Type == html.ElementNode {
			if skipDropped && dropped(n) {
				return nil
			}
			if match(n) {
				return n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f := find(c, skipDropped); f != nil {
				return f
			}
		}
		return nil
	}
	inMain := top.DataAtom == atom.Article || top.DataAtom == atom.Main
	if f := find(top, !inMain); f != nil {
		return f
	}
	return find(root, true)
}

// nodeText is the text inside n, white space collapsed.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// extractText renders n as plain text: blocks separated by blank lines,
// <br> as a line break, white space in text collapsed (kept inside <pre>).
func extractText(n *html.Node) string {
	var b strings.Builder
	pre := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if pre > 0 {
				b.WriteString(n.Data)
			} else {
				b.WriteString(collapseSpace(n.Data))
			}
			return
		case html.ElementNode:
			if dropped(n) {
				return
			}
			switch n.DataAtom {
			case atom.Br:
				b.WriteByte('\n')
				return
			case atom.Td, atom.Th:
				b.WriteByte(' ')
			}
		case html.DocumentNode:
		default:
			return // comments, doctype
		}
		block := n.Type == html.ElementNode && blockElements[n.DataAtom]
		if block {
			b.WriteString("\n\n")
		}
		if n.DataAtom == atom.Pre {
			pre++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.DataAtom == atom.Pre {
			pre--
		}
		if block {
			b.WriteString("\n\n")
		}
	}
	walk(n)
	return b.String()
}

// collapseSpace replaces each run of white space in s with one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}
