package bench

import (
	"testing"
	"time"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

func nb(doc string, ord int, d float64) postgres.Neighbor {
	return postgres.Neighbor{DocumentID: doc, Ordinal: ord, Distance: d}
}

func TestRecall(t *testing.T) {
	exact := []postgres.Neighbor{nb("a", 0, 0.1), nb("b", 0, 0.2), nb("c", 0, 0.3), nb("d", 0, 0.4)}
	for _, tc := range []struct {
		name string
		got  []postgres.Neighbor
		want float64
	}{
		{"all found", exact, 1},
		{"none", []postgres.Neighbor{nb("x", 0, 0.5), nb("y", 0, 0.6)}, 0},
		{"half", []postgres.Neighbor{nb("a", 0, 0.1), nb("c", 0, 0.3), nb("x", 0, 0.5), nb("y", 0, 0.6)}, 0.5},
		{"tie with the last counts", []postgres.Neighbor{nb("a", 0, 0.1), nb("b", 0, 0.2), nb("c", 0, 0.3), nb("z", 9, 0.4)}, 1},
		{"same document, other chunk", []postgres.Neighbor{nb("a", 1, 0.45)}, 0},
	} {
		if got := Recall(tc.got, exact); got != tc.want {
			t.Errorf("Recall(%s) = %v; want %v", tc.name, got, tc.want)
		}
	}
	if got := Recall(nil, nil); got != 1 {
		t.Errorf("Recall(nothing to find) = %v; want 1", got)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct{ p, want float64 }{{50, 50}, {95, 95}, {99, 99}, {100, 100}, {0, 1}} {
		if got := percentile(ds, tc.p); got != tc.want {
			t.Errorf("percentile(1..100 ms, %v) = %v; want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil) = %v; want 0", got)
	}
}

func TestTruncate(t *testing.T) {
	mk := func(n int) []retrieval.Chunk { return make([]retrieval.Chunk, n) }
	b := batch{docs: []postgres.BulkDocument{{Chunks: mk(3)}, {Chunks: mk(4)}, {Chunks: mk(2)}}, chunks: 9}
	got := truncate(b, 5)
	if len(got.docs) != 2 || len(got.docs[1].Chunks) != 2 || got.chunks != 5 {
		t.Errorf("truncate(3+4+2 chunks, 5) = %d documents, last with %d chunks, %d in all; want 2, 2, 5", len(got.docs), len(got.docs[len(got.docs)-1].Chunks), got.chunks)
	}
}

func TestIndexMemory(t *testing.T) {
	for _, tc := range []struct {
		chunks, dims int
		want         string
	}{{1000, 512, "64MB"}, {1_000_000, 512, "2679MB"}} {
		if got := IndexMemory(tc.chunks, tc.dims); got != tc.want {
			t.Errorf("IndexMemory(%d, %d) = %q; want %q", tc.chunks, tc.dims, got, tc.want)
		}
	}
}
