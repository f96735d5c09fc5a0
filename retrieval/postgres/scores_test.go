package postgres

import "testing"

// TestScores checks that candidates keep their own scores across pages,
// and that a recycled page starts at zero.
func TestScores(t *testing.T) {
	for _, nt := range []int{1, 7, 12} {
		s := newScores(nt)
		n := 3*s.per + 5 // four pages, the last one partly used
		for i := range n {
			if got := s.add(); got != int32(i) {
				t.Fatalf("nt %d: add() = %d; want %d", nt, got, i)
			}
			for j, v := range s.of(int32(i)) {
				if v != 0 {
					t.Fatalf("nt %d: new candidate %d score %d = %v; want 0", nt, i, j, v)
				}
				s.of(int32(i))[j] = float64(i*nt + j + 1)
			}
		}
		for i := range n {
			for j, v := range s.of(int32(i)) {
				if want := float64(i*nt + j + 1); v != want {
					t.Fatalf("nt %d: of(%d)[%d] = %v; want %v", nt, i, j, v, want)
				}
			}
		}
		if len(s.pages) != 4 {
			t.Errorf("nt %d: %d candidates on %d pages; want 4", nt, n, len(s.pages))
		}
		s.release()
		if s.n != 0 || len(s.pages) != 0 {
			t.Errorf("nt %d: after release n = %d, %d pages; want 0, 0", nt, s.n, len(s.pages))
		}
	}
}
