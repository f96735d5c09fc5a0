package retrieval

import "testing"

func TestWithYears(t *testing.T) {
	tests := []struct {
		years      []string
		date, text string
		want       bool // the set gains the year
	}{
		{[]string{"2016"}, "2016-01-08", "a joint research project this year", true},
		{[]string{"2015"}, "2016-01-08", "a meeting in London early last year", true},
		{[]string{"2015"}, "2016-01-08", "described in last November's review", true},
		{[]string{"2016"}, "2016-01-08", "a meeting in London early last year", false},
		{[]string{"2016"}, "2016-01-08", "a joint research project", false},
		{[]string{"2016"}, "", "a joint research project this year", false},
		{nil, "2016-01-08", "a joint research project this year", false},
	}
	for _, tt := range tests {
		m := &matcher{years: tt.years}
		set := m.withYears(termSet{"research": {}}, tt.date, tt.text)
		got := false
		for _, y := range tt.years {
			_, ok := set[y]
			got = got || ok
		}
		if got != tt.want {
			t.Errorf("withYears(%q, %q, %q) holds the year = %v; want %v", tt.years, tt.date, tt.text, got, tt.want)
		}
	}
}
