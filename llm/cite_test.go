package llm

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseMarkers(t *testing.T) {
	tests := []struct {
		in   string
		want [][]int
	}{
		{"no markers", nil},
		{"claim [1].", [][]int{{1}}},
		{"claim [1][2].", [][]int{{1}, {2}}},
		{"claim [1, 2] and [3;4]", [][]int{{1, 2}, {3, 4}}},
		{"claim [ 2 ,3 ]", [][]int{{2, 3}}},
		{"range [1-3] and [4–5]", [][]int{{1, 2, 3}, {4, 5}}},
		{"[Source 2] and [sources 1 and 3] and [source: 4]", [][]int{{2}, {1, 3}, {4}}},
		{"[1, and 2]", [][]int{{1, 2}}},
		{"[sic] [the ministers] [1a] [] [,] [1,] [-1] [3-1]", nil},
		{"[12345] is not a marker but [9999] is", [][]int{{9999}}},
		{"[0]", [][]int{{0}}},
		{"unclosed [1", nil},
		{"[[1]]", [][]int{{1}}},
		{"[1-99] too long a range", nil},
	}
	for _, tt := range tests {
		var got [][]int
		for _, m := range ParseMarkers(tt.in) {
			got = append(got, m.Refs)
			if tt.in[m.Start] != '[' || tt.in[m.End-1] != ']' {
				t.Errorf("ParseMarkers(%q): marker %d:%d = %q is not bracketed", tt.in, m.Start, m.End, tt.in[m.Start:m.End])
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMarkers(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		in      string
		n       int
		want    string
		cited   []int
		dropped []int
	}{
		{"A [1]. B [2].", 5, "A [1]. B [2].", []int{1, 2}, nil},
		{"A [3]. B [1]. C [3].", 5, "A [1]. B [2]. C [1].", []int{3, 1}, nil},
		{"A [2, 4]. B [4][2].", 5, "A [1][2]. B [2][1].", []int{2, 4}, nil},
		{"A [9]. B [2].", 5, "A. B [1].", []int{2}, []int{9}},
		{"A [9][1]. B [0, 2].", 5, "A [1]. B [2].", []int{1, 2}, []int{9, 0}},
		{"A [1][1] [1].", 5, "A [1] [1].", []int{1}, nil},
		{"A [1, 1, 2].", 5, "A [1][2].", []int{1, 2}, nil},
		{"A [6] word.", 5, "A word.", nil, []int{6}},
		{"[7]A.", 5, "A.", nil, []int{7}},
		{"Nothing cited.", 5, "Nothing cited.", nil, nil},
		{"A [Source 3].", 3, "A [1].", []int{3}, nil},
		{"A [1-3].", 2, "A [1][2].", []int{1, 2}, []int{3}},
	}
	for _, tt := range tests {
		v := Verify(tt.in, tt.n)
		if v.Text != tt.want || !reflect.DeepEqual(v.Cited, tt.cited) || !reflect.DeepEqual(v.Dropped, tt.dropped) {
			t.Errorf("Verify(%q, %d) = %q cited %v dropped %v; want %q cited %v dropped %v",
				tt.in, tt.n, v.Text, v.Cited, v.Dropped, tt.want, tt.cited, tt.dropped)
		}
	}
}

// FuzzVerify checks Verify's guarantees on any reply: the output cites
// only 1..m, numbered in order of first use, m is the number of distinct
// valid sources cited, every cited source exists, and verifying the
// output again changes nothing. Seeds: testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	f.Add("The study moved to a second stage [1]. Typhoons may visit [3][9].", 5)
	f.Add("[1, 2] [2-4] [source 5] [sic]", 3)
	f.Fuzz(func(t *testing.T, reply string, n int) {
		if n < 0 || n > 60 {
			n = 5
		}
		for _, m := range ParseMarkers(reply) {
			if m.Start < 0 || m.End > len(reply) || m.Start >= m.End || len(m.Refs) == 0 {
				t.Fatalf("ParseMarkers(%q): bad marker %+v", reply, m)
			}
		}
		v := Verify(reply, n)
		seen := map[int]bool{}
		for _, c := range v.Cited {
			if c < 1 || c > n || seen[c] {
				t.Fatalf("Verify(%q, %d).Cited = %v: invalid or repeated source", reply, n, v.Cited)
			}
			seen[c] = true
		}
		next := 1
		for _, m := range ParseMarkers(v.Text) {
			for _, r := range m.Refs {
				if r < 1 || r > len(v.Cited) {
					t.Fatalf("Verify(%q, %d) = %q cites [%d] of %d", reply, n, v.Text, r, len(v.Cited))
				}
				if r > next {
					t.Fatalf("Verify(%q, %d) = %q: [%d] used before [%d]", reply, n, v.Text, r, next)
				}
				if r == next {
					next++
				}
			}
		}
		if next-1 != len(v.Cited) {
			t.Fatalf("Verify(%q, %d) = %q uses %d numbers; Cited = %v", reply, n, v.Text, next-1, v.Cited)
		}
		if utf8.ValidString(reply) && !utf8.ValidString(v.Text) {
			t.Fatalf("Verify(%q, %d) = %q: invalid UTF-8", reply, n, v.Text)
		}
		again := Verify(v.Text, len(v.Cited))
		if again.Text != v.Text || len(again.Dropped) != 0 {
			t.Fatalf("Verify is not idempotent: %q → %q → %q", reply, v.Text, again.Text)
		}
	})
}

func TestSaysNotAnswered(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"The sources do not answer this question.", true},
		{"The sources don’t say who will lead the exercise.", true},
		{"This information is not in the sources.", true},
		{"I cannot answer that from the provided sources.", true},
		{"None of the sources mentions a date.", true},
		{"The JNAAM project moved to a second feasibility stage [1].", false},
		{"The JNAAM project moved to a second stage [1]. The sources do not say when it ends.", false},
		{"The study moved on.\n[1] The sources do not say more.", false},
		{"The project moved to a second stage.", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := SaysNotAnswered(tt.in); got != tt.want {
			t.Errorf("SaysNotAnswered(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestCleanRewrite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"When will the JNAAM second stage start?", "When will the JNAAM second stage start?"},
		{"\n  Standalone question: \"Who announced the JNAAM study?\"\nExtra line", "Who announced the JNAAM study?"},
		{"“What is the P-1?”", "What is the P-1?"},
		{"   \n", ""},
	}
	for _, tt := range tests {
		if got := CleanRewrite(tt.in); got != tt.want {
			t.Errorf("CleanRewrite(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripMarkers(t *testing.T) {
	if got, want := StripMarkers("They study JNAAM [1][2] and P-1 [3, 4]."), "They study JNAAM and P-1 ."; got != want {
		t.Errorf("StripMarkers = %q; want %q", got, want)
	}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abcd", 1},
		{"abcde", 2},
		{"a b c d e f", 6},
		{strings.Repeat("x", 400), 100},
	}
	for _, tt := range tests {
		if got := EstimateTokens(tt.in); got != tt.want {
			t.Errorf("EstimateTokens(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	s := "Britain and Japan — closest partners — agreed a study"
	for n := 1; n < len(s)+2; n++ {
		got := truncate(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("truncate(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		if n >= len(s) && got != s {
			t.Errorf("truncate(%q, %d) = %q; want unchanged", s, n, got)
		}
		if n < len(s) && len(got) > n+len(" …") {
			t.Errorf("truncate(%q, %d) = %q: %d bytes", s, n, got, len(got))
		}
	}
}
