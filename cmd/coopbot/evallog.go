package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coopbot/coopbot/eval"
	"github.com/coopbot/coopbot/feedback"
)

// exportFromLog writes the refused and down-voted questions of the last
// since of the answer log as a golden-set skeleton (JSONL, the format
// coopbot eval reads), one case per distinct question, each under a
// comment saying what happened to it: a refusal as an abstain case, a
// down-voted answer as a case naming the document it cited. A maintainer
// checks each label — a refusal the sources should cover becomes a
// document case once a document covers it — and adds the file to eval.
func exportFromLog(ctx context.Context, m *Main, since time.Duration, w io.Writer) error {
	recs, err := m.logRecords(ctx, since)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# Golden-set skeleton from the answer log since %s (coopbot eval --from-log):\n", time.Now().Add(-since).Format("2006-01-02"))
	fmt.Fprintln(w, "# refused and down-voted questions to label; check every case before use (eval/README.md).")
	seen := map[string]bool{}
	n := 0
	for _, r := range recs {
		key := strings.ToLower(r.Standalone)
		if (!r.Abstained && r.Downs <= r.Ups) || seen[key] {
			continue
		}
		seen[key] = true
		c := eval.Case{Question: r.Standalone, Abstain: true}
		note := "refused"
		if !r.Abstained && len(r.Chunks) > 0 {
			c = eval.Case{Question: r.Standalone, Document: r.Chunks[0].Document}
			note = fmt.Sprintf("answered, %d down / %d up, cited %s", r.Downs, r.Ups, chunkList(r.Chunks))
		} else if r.Downs > 0 {
			note = fmt.Sprintf("refused, %d said it should be covered", r.Downs)
		}
		for _, cm := range r.Comments {
			note += "; comment: " + strings.Join(strings.Fields(cm), " ")
		}
		line, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode case: %w", err)
		}
		fmt.Fprintf(w, "# %s %s: %s\n%s\n", r.ID, r.Time.Format("2006-01-02"), note, line)
		n++
	}
	fmt.Fprintf(m.Stderr, "coopbot: %d questions to label from %d logged\n", n, len(recs))
	return nil
}

func chunkList(cs []feedback.Chunk) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s#%d", c.Document, c.Ordinal)
	}
	return strings.Join(parts, ", ")
}
