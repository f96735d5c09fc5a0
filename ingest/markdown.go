package ingest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// frontMatter is the YAML block that may open a Markdown file:
//
//	---
//	title: "UK ministers visit Tokyo"
//	date: 2016-01-08
//	outlet: Defense News
//	author: Andrew Chuter
//	---
//
// Other keys are ignored.
type frontMatter struct {
	Title  string `yaml:"title"`
	Date   string `yaml:"date"`
	Outlet string `yaml:"outlet"`
	Author string `yaml:"author"`
}

// splitFrontMatter separates an opening "---" … "---" (or "...") block
// from the body. A file without one has no front matter.
func splitFrontMatter(s string) (fm, body string, found bool, err error) {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok || strings.TrimRight(first, " \t\r") != "---" {
		return "", s, false, nil
	}
	for off := 0; off < len(rest); {
		line, _, _ := strings.Cut(rest[off:], "\n")
		end := off + len(line)
		if t := strings.TrimRight(line, " \t\r"); t == "---" || t == "..." {
			body = ""
			if end < len(rest) {
				body = rest[end+1:]
			}
			return rest[:off], body, true, nil
		}
		off = end + 1
	}
	return "", "", true, errors.New("front matter: no closing ---")
}

// parseMarkdown reads the front matter and turns the body into plain
// paragraphs. The title is the front matter's, else the first "# " heading.
func parseMarkdown(s string) (meta, string, error) {
	fmText, body, found, err := splitFrontMatter(lineBreaks.Replace(s))
	if err != nil {
		return meta{}, "", err
	}
	var m meta
	if found {
		var fm frontMatter
		if err := yaml.Unmarshal([]byte(fmText), &fm); err != nil {
			return meta{}, "", fmt.Errorf("front matter: %w", err)
		}
		date, ok := parseDate(fm.Date)
		if !ok {
			return meta{}, "", fmt.Errorf("front matter: date %q is not YYYY-MM-DD", fm.Date)
		}
		m = meta{Title: fm.Title, Date: date, Outlet: fm.Outlet, Author: fm.Author}
	}
	text, h1 := markdownText(body)
	if strings.TrimSpace(m.Title) == "" {
		m.Title = h1
	}
	return m, text, nil
}

var (
	mdFence    = regexp.MustCompile("^ {0,3}(?:```|~~~)")
	mdATX      = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	mdRule     = regexp.MustCompile(`^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|={3,}[ \t]*)$`)
	mdQuote    = regexp.MustCompile(`^(?: {0,3}>[ \t]?)+`)
	mdList     = regexp.MustCompile(`^ {0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+`)
	mdLinkDef  = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:[ \t]*\S+`)
	mdComment  = regexp.MustCompile(`<!--.*?-->`)
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])`)
	mdAutolink = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdCode     = regexp.MustCompile("(`+)([^`]+?)(`+)")
	mdStrong   = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)`)
	mdEmStar   = regexp.MustCompile(`\*(\S(?:[^*]*?\S)?)\*`)
	mdEmUnder  = regexp.MustCompile(`(^|[^\p{L}\p{N}_])_(\S(?:[^_]*?\S)?)_($|[^\p{L}\p{N}_])`)
	mdEscape   = regexp.MustCompile("\\\\([\\\\`*_{}\\[\\]()#+\\-.!>~|])")
)

// escapeBase maps a backslash-escaped ASCII punctuation character to a
// private-use rune while inline markup is stripped.
const escapeBase = 0xE000

// markdownText strips Markdown markup, minimally: headings, list items,
// block quotes and code blocks become their own paragraphs without their
// markers; rules and link definitions go; links and images keep their
// text; emphasis and code markers go; backslash escapes are resolved. It
// also returns the text of the first level-1 heading.
func markdownText(body string) (text, h1 string) {
	var b strings.Builder
	para := func() { b.WriteString("\n\n") }
	inFence := false
	for _, line := range strings.Split(body, "\n") {
		if mdFence.MatchString(line) {
			inFence = !inFence
			para()
			continue
		}
		if inFence {
			b.WriteString(line)
			b.WriteByte('\n')
			continue
		}
		switch {
		case mdRule.MatchString(line), mdLinkDef.MatchString(line):
			para()
			continue
		}
		if m := mdATX.FindStringSubmatch(line); m != nil {
			heading := inlineMarkdown(m[2])
			if h1 == "" && len(m[1]) == 1 {
				h1 = heading
			}
			para()
			b.WriteString(heading)
			para()
			continue
		}
		line = mdQuote.ReplaceAllString(line, "")
		if loc := mdList.FindStringIndex(line); loc != nil {
			para()
			line = line[loc[1]:]
		}
		b.WriteString(inlineMarkdown(line))
		b.WriteByte('\n')
	}
	return b.String(), h1
}

// inlineMarkdown strips inline markup from one line.
func inlineMarkdown(s string) string {
	if !strings.ContainsAny(s, "\\<![`*_") {
		return s
	}
	// Escapes are hidden from the markup rules as private-use runes, unless
	// the line already holds such runes.
	escapes := !strings.ContainsFunc(s, isEscapeRune)
	if escapes {
		s = mdEscape.ReplaceAllStringFunc(s, func(m string) string {
			return string(rune(escapeBase + int(m[1])))
		})
	}
	s = mdComment.ReplaceAllString(s, "")
	s = mdImage.ReplaceAllString(s, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdAutolink.ReplaceAllString(s, "$1")
	s = mdCode.ReplaceAllStringFunc(s, func(m string) string {
		sub := mdCode.FindStringSubmatch(m)
		if len(sub[1]) != len(sub[3]) {
			return m
		}
		return strings.TrimSpace(sub[2])
	})
	s = mdStrong.ReplaceAllStringFunc(s, func(m string) string {
		sub := mdStrong.FindStringSubmatch(m)
		if sub[1] != sub[3] {
			return m
		}
		return sub[2]
	})
	s = mdEmStar.ReplaceAllString(s, "$1")
	for range 2 { // a match consumes the character after it: run twice for "_a_ _b_"
		s = mdEmUnder.ReplaceAllString(s, "${1}${2}${3}")
	}
	if !escapes {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isEscapeRune(r) {
			return r - escapeBase
		}
		return r
	}, s)
}

func isEscapeRune(r rune) bool { return r >= escapeBase && r < escapeBase+128 }
