package retrieval

import (
	"slices"
	"testing"
)

func TestScope(t *testing.T) {
	a := wordsAnalyzer{}
	hits := []Hit{
		{Chunk: Chunk{DocumentID: "tokyo"}, Document: Document{Title: "UK ministers visit Tokyo, missile study", Date: "2016-01-08"}},
		{Chunk: Chunk{DocumentID: "london"}, Document: Document{Title: "First 2+2 meeting of foreign and defence ministers, London, missile study", Date: "2015-01-21"}},
		{Chunk: Chunk{DocumentID: "tokyo", Ordinal: 1}, Document: Document{Title: "UK ministers visit Tokyo, missile study", Date: "2016-01-08"}},
	}
	tests := []struct {
		q    string
		want []string // the documents of the hits kept
	}{
		{"whats the cyber stuff in the london report", []string{"london"}},
		{"what projects did the 2015 joint statement kick off", []string{"london"}},
		{"who went on the tokyo trip", []string{"tokyo", "tokyo"}},
		{"what did the missile study find", []string{"tokyo", "london", "tokyo"}},                    // both titles have it
		{"has the research moved on since the london meeting", []string{"tokyo", "london", "tokyo"}}, // a point in time
		{"compare the two reports", []string{"tokyo", "london", "tokyo"}},
		{"did the pitch pay off by the time of the tokyo trip", []string{"tokyo", "london", "tokyo"}}, // a point in time
		{"recap of the london foreign/defence ministers talks", []string{"london"}},
		{"what about London?", []string{"tokyo", "london", "tokyo"}}, // a topic, not a report
	}
	for _, tt := range tests {
		q := Question{Scope: scopeTerms(a, tt.q)}
		var got []string
		for _, h := range scope(q, a, hits) {
			got = append(got, h.Chunk.DocumentID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("scope(%q) keeps %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestGroupNation(t *testing.T) {
	tests := []struct {
		lead, q             string
		wantNation, wantLab string
	}{
		{"senior UK ministers announced", "Which minister announced it?", "uk", "UK ministers"},
		{"a meeting of the nations' foreign and defense ministers", "who represented japan", "japan", "Japan's ministers"},
		{"a meeting of the nations' foreign and defense ministers", "who was at the meeting", "", ""},
		{"industry executives said Treasury ministers were interested", "who in the uk liked it", "", ""},
	}
	for _, tt := range tests {
		g := groupRef.FindStringSubmatch(tt.lead)
		if g == nil {
			if tt.wantNation != "" {
				t.Errorf("groupRef misses %q", tt.lead)
			}
			continue
		}
		q := Question{Words: map[string]bool{}}
		for _, w := range words(tt.q) {
			q.Words[w] = true
		}
		if n, l := groupNation(g, q); n != tt.wantNation || l != tt.wantLab {
			t.Errorf("groupNation(%q, %q) = %q, %q; want %q, %q", tt.lead, tt.q, n, l, tt.wantNation, tt.wantLab)
		}
	}
}
