package ingest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress draws a one-line progress bar when its writer is a terminal;
// otherwise it does nothing (the pipeline logs a line per file instead).
type progress struct {
	w     io.Writer
	tty   bool
	width int // terminal columns
	total int
	drawn bool
}

func newProgress(w io.Writer) *progress {
	pr := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		pr.tty = true
		pr.width = 80
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			pr.width = cols
		}
	}
	return pr
}

// show draws "[####......] done/total name" over the current line.
func (pr *progress) show(done int, name string) {
	if !pr.tty {
		return
	}
	const barWidth = 24
	filled := barWidth
	if pr.total > 0 {
		filled = barWidth * done / pr.total
	}
	line := fmt.Sprintf("[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), done, pr.total)
	if name != "" {
		line += " " + name
	}
	// Keep to one line: never reach the last column.
	if room := pr.width - 1; utf8.RuneCountInString(line) > room {
		r := []rune(line)
		line = string(r[:room-1]) + "…"
	}
	fmt.Fprint(pr.w, "\r\x1b[K"+line)
	pr.drawn = true
}

// clear erases the bar so that a log line can be printed.
func (pr *progress) clear() {
	if pr.tty && pr.drawn {
		fmt.Fprint(pr.w, "\r\x1b[K")
		pr.drawn = false
	}
}

// finish ends the bar's line.
func (pr *progress) finish() {
	if pr.tty && pr.drawn {
		fmt.Fprintln(pr.w)
		pr.drawn = false
	}
}
