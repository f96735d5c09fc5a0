package postgres

import "testing"

func TestSlots(t *testing.T) {
	s := slotPool.Get().(*slots)
	ids := []int64{0, 1, 4095, 4096, 1 << 20, 3<<20 + 7, 1 << 40, -5}
	for i, id := range ids {
		if got := s.get(id); got != unseen {
			t.Fatalf("get(%d) of a fresh slots = %d; want %d", id, got, unseen)
		}
		s.set(id, int32(i+1))
	}
	for i, id := range ids {
		if got := s.get(id); got != int32(i+1) {
			t.Errorf("get(%d) = %d; want %d", id, got, i+1)
		}
	}
	for _, id := range []int64{-6, 2, 4097, 1<<20 + 1, 1<<40 + 1} {
		if got := s.get(id); got != unseen {
			t.Errorf("get(%d), never set = %d; want %d", id, got, unseen)
		}
	}
	s.set(1, pruned)
	if got := s.get(1); got != pruned {
		t.Errorf("get(1) after set(1, pruned) = %d; want %d", got, pruned)
	}
	s.release()
	// A released slots is clean for the next walk, pages kept or not.
	s = slotPool.Get().(*slots)
	defer s.release()
	for _, id := range ids {
		if got := s.get(id); got != unseen {
			t.Errorf("get(%d) after release = %d; want %d", id, got, unseen)
		}
	}
}
