package snowball

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestTerms(t *testing.T) {
	a := New()
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"   \n\n ", nil},
		{"Who did what, and when?", nil},
		{"Which aircraft is the P-1?", []string{"aircraft", "1", "p1"}},
		{"P1", []string{"p1"}},
		{"counter-IED capabilities", []string{"counter", "ied", "counteri", "capabl"}},
		{"Boeing P-8s", []string{"boe", "8", "p8"}},
		{"the 2+2 meeting", []string{"2", "2", "2+2", "meet"}},
		{"UK-Japan co-operation", []string{"uk", "japan", "ukjapan", "co", "oper", "cooper"}},
		{"Cooperating on cooperation", []string{"cooper", "cooper"}},
		{"Japan’s Kawaski's ministers' plans", []string{"japan", "kawaski", "minist", "plan"}},
		{"It's what they don't say", []string{"say"}},
		{"ＪＡＰＡＮ", []string{"japan"}},
		{"STRAßE", []string{"strass"}},
		{"1,000 troops and 3.5 billion", []string{"1000", "troop", "3.5", "billion"}},
		{"on 6–8 January 2016.", []string{"6", "8", "januari", "2016"}},
		{"Micheal Fallon", []string{"micheal", "fallon"}},
		{"日本の防衛", []string{"日", "本", "の", "防", "衛"}},
		{"Café résumé", []string{"café", "résumé"}},
		{"a - b -- c", []string{}},
	}
	for _, tt := range tests {
		got := a.Terms(tt.text)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestTokensOffsets(t *testing.T) {
	text := "The Kawasaki P-1, Japan’s “patrol” jet; 2+2 talks."
	toks := Tokens(text)
	var got []string
	for _, tok := range toks {
		got = append(got, text[tok.Start:tok.End]+"="+tok.Text)
	}
	want := []string{
		"The=the", "Kawasaki=kawasaki", "P=p", "1=1", "P-1=p1",
		"Japan’s=japan's", "patrol=patrol", "jet=jet", "2=2", "2=2", "2+2=2+2", "talks=talks",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tokens(%q) =\n%q\nwant\n%q", text, got, want)
	}
	for _, tok := range toks {
		if tok.Compound != strings.ContainsAny(text[tok.Start:tok.End], "-+") {
			t.Errorf("token %q: Compound = %v", text[tok.Start:tok.End], tok.Compound)
		}
	}
}

func TestTokensInvalidUTF8(t *testing.T) {
	text := "bad \xff\xfe bytes\xc3"
	toks := Tokens(text)
	var got []string
	for _, tok := range toks {
		got = append(got, tok.Text)
	}
	if want := []string{"bad", "bytes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tokens(%q) = %q; want %q", text, got, want)
	}
}

func TestStopWord(t *testing.T) {
	for _, w := range []string{"who", "what", "which", "when", "where", "how", "why", "did", "does", "do", "is", "are", "was", "were", "the", "a", "of", "p", "don't"} {
		if !StopWord(w) {
			t.Errorf("StopWord(%q) = false; want true", w)
		}
	}
	for _, w := range []string{"japan", "missile", "may", "1", "p1", "uk", "2+2", "日"} {
		if StopWord(w) {
			t.Errorf("StopWord(%q) = true; want false", w)
		}
	}
}

func TestStem(t *testing.T) {
	tests := map[string]string{
		"cooperation": "cooper", "exercises": "exercis", "exercise": "exercis",
		"missiles": "missil", "2016": "2016", "uk": "uk", "japan's": "japan",
		// Acronyms and codes keep their letters: English suffix rules
		// would make "IEDs" "i" and "IED" "ie".
		"ieds": "ied", "ied": "ied", "8s": "8", "p8s": "p8", "f35s": "f35", "gas": "gas", "uk's": "uk",
	}
	for w, want := range tests {
		for range 2 { // second call is served by the cache
			if got := Stem(w); got != want {
				t.Errorf("Stem(%q) = %q; want %q", w, got, want)
			}
		}
	}
}

func TestTermsConcurrent(t *testing.T) {
	a := New()
	text := "Britain and Japan agreed to jointly research a new air-to-air missile, the JNAAM."
	want := a.Terms(text)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := a.Terms(text); !reflect.DeepEqual(got, want) {
					t.Errorf("Terms(%q) = %q; want %q", text, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkTerms(b *testing.B) {
	a := New()
	text := strings.Repeat("Britain and Japan have agreed to jointly research a new air-to-air missile and to hold the first joint Typhoon exercise, the UK Defence Secretary Michael Fallon said in Tokyo on 8 January. ", 4)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		a.Terms(text)
	}
}
