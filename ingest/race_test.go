//go:build race

package ingest

// raceEnabled: the race detector slows the large tests about tenfold, so
// they shrink and skip their time bounds.
const raceEnabled = true
