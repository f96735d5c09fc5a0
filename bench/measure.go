package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// measure runs the queries: exact neighbours first (the ground truth),
// then per ef_search the dense arm's recall and the hybrid search latency,
// and at cfg.EfSearch also the concurrent run and each arm alone.
func measure(ctx context.Context, databaseURL string, store *postgres.Store, emb retrieval.Embedder, an retrieval.Analyzer, cfg Config, res *Result) error {
	warm := min(cfg.Queries, 50)
	all, err := Queries(cfg.Queries + warm)
	if err != nil {
		return err
	}
	qs, warmQs := all[:cfg.Queries], all[cfg.Queries:]
	res.WarmupQueries = warm
	vecs, err := emb.Embed(ctx, qs)
	if err != nil {
		return fmt.Errorf("embed queries: %w", err)
	}
	fmt.Fprintf(cfg.Progress, "bench: exact nearest neighbours of %d queries (sequential scans)\n", len(qs))
	exact := make([][]postgres.Neighbor, len(qs))
	bn := postgres.NewBench(store)
	var exactT []time.Duration
	for i, v := range vecs {
		t := time.Now()
		if exact[i], err = bn.Nearest(ctx, v, RecallK, postgres.NearestOptions{Exact: true}); err != nil {
			return fmt.Errorf("exact search: %w", err)
		}
		exactT = append(exactT, time.Since(t))
	}
	res.ExactP50MS = percentile(exactT, 50)
	if !cfg.NoQuality {
		fmt.Fprintf(cfg.Progress, "bench: lexical and hybrid recall against exact search\n")
		if err := measureQuality(ctx, store, emb, qs, vecs, res); err != nil {
			return err
		}
	}

	for _, ef := range cfg.Sweep {
		fmt.Fprintf(cfg.Progress, "bench: ef_search %d\n", ef)
		s, err := postgres.Open(ctx, databaseURL, postgres.Options{Analyzer: an, EfSearch: ef, LexicalBudget: cfg.LexicalBudget,
			MaxConns: int32((postgres.Shards+1)*cfg.Concurrency + 2)})
		if err != nil {
			return err
		}
		p, err := measureEf(ctx, s, emb, an, qs, warmQs, vecs, exact, ef)
		if err == nil && ef == cfg.EfSearch {
			err = measureHeadline(ctx, s, emb, an, qs, vecs, cfg, res)
		}
		s.Close()
		if err != nil {
			return err
		}
		res.Sweep = append(res.Sweep, p)
		if ef == cfg.EfSearch {
			res.HNSWRecallAt10 = p.RecallAt10
			res.QueryP50MS, res.QueryP95MS, res.QueryP99MS = p.HybridP50MS, p.HybridP95MS, p.HybridP99MS
		}
	}
	return nil
}

// measureEf measures one ef_search: warm-up searches (other questions),
// then each timed question's hybrid search and dense-only k-NN.
func measureEf(ctx context.Context, s *postgres.Store, emb retrieval.Embedder, an retrieval.Analyzer,
	qs, warmQs []string, vecs [][]float32, exact [][]postgres.Neighbor, ef int) (SweepPoint, error) {
	p := SweepPoint{EfSearch: ef}
	svc := &retrieval.Service{Store: s, Embedder: emb, Analyzer: an}
	bn := postgres.NewBench(s)
	for _, q := range warmQs {
		if _, err := svc.Search(ctx, q, searchK); err != nil {
			return p, fmt.Errorf("search %q: %w", q, err)
		}
	}
	var hybrid, dense []time.Duration
	var recall, ratio float64
	for i, q := range qs {
		t := time.Now()
		if _, err := svc.Search(ctx, q, searchK); err != nil {
			return p, fmt.Errorf("search %q: %w", q, err)
		}
		hybrid = append(hybrid, time.Since(t))
		t = time.Now()
		got, err := bn.Nearest(ctx, vecs[i], RecallK, postgres.NearestOptions{EfSearch: ef})
		if err != nil {
			return p, fmt.Errorf("hnsw search: %w", err)
		}
		dense = append(dense, time.Since(t))
		recall += Recall(got, exact[i])
		ratio += DistanceRatio(got, exact[i])
	}
	p.RecallAt10 = recall / float64(len(qs))
	p.DistanceRatio = ratio / float64(len(qs))
	p.DenseP50MS, p.DenseP95MS = percentile(dense, 50), percentile(dense, 95)
	p.HybridP50MS, p.HybridP95MS, p.HybridP99MS = percentile(hybrid, 50), percentile(hybrid, 95), percentile(hybrid, 99)
	return p, nil
}

// measureHeadline runs the questions twice over with cfg.Concurrency
// searches in flight, and times each arm alone through the store.
func measureHeadline(ctx context.Context, s *postgres.Store, emb retrieval.Embedder, an retrieval.Analyzer,
	qs []string, vecs [][]float32, cfg Config, res *Result) error {
	svc := &retrieval.Service{Store: s, Embedder: emb, Analyzer: an}
	const rounds = 2
	lat := make([]time.Duration, rounds*len(qs))
	var wg sync.WaitGroup
	errs := make([]error, cfg.Concurrency)
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Go(func() {
			for i := w; i < len(lat); i += cfg.Concurrency {
				t := time.Now()
				if _, err := svc.Search(ctx, qs[i%len(qs)], searchK); err != nil {
					errs[w] = err
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("concurrent search: %w", err)
		}
	}
	res.ConcurrentQueries = len(lat)
	res.ConcurrentQPS = float64(len(lat)) / wall.Seconds()
	res.ConcurrentP50MS, res.ConcurrentP95MS, res.ConcurrentP99MS = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)

	var lexical, dense, both []time.Duration
	for i, q := range qs {
		base := retrieval.Query{Embedder: emb.Name(), Dimensions: emb.Dimensions(), K: retrieval.DefaultCandidates, Candidates: retrieval.DefaultCandidates}
		lq, dq, bq := base, base, base
		lq.Text, dq.Vector = q, vecs[i]
		bq.Text, bq.Vector = q, vecs[i]
		t := time.Now()
		if _, err := s.Search(ctx, bq); err != nil {
			return fmt.Errorf("hybrid search: %w", err)
		}
		both = append(both, time.Since(t))
		t = time.Now()
		hits, err := s.Search(ctx, lq)
		if err != nil {
			return fmt.Errorf("lexical search: %w", err)
		}
		lexical = append(lexical, time.Since(t))
		if len(hits) > 0 {
			res.QueriesWithHits++
		}
		t = time.Now()
		if _, err := s.Search(ctx, dq); err != nil {
			return fmt.Errorf("dense search: %w", err)
		}
		dense = append(dense, time.Since(t))
	}
	res.LexicalOnlyP50MS, res.LexicalOnlyP95MS = percentile(lexical, 50), percentile(lexical, 95)
	res.DenseOnlyP50MS, res.DenseOnlyP95MS = percentile(dense, 50), percentile(dense, 95)
	res.StoreHybridP50MS, res.StoreHybridP95MS = percentile(both, 50), percentile(both, 95)
	return nil
}

// Recall is the share of exact's neighbours that got found, counting a
// found chunk at the same distance as exact's last one as a hit (with
// duplicated text, which of the tied chunks comes back is arbitrary).
func Recall(got, exact []postgres.Neighbor) float64 {
	if len(exact) == 0 {
		return 1
	}
	type key struct {
		doc string
		ord int
	}
	want := make(map[key]bool, len(exact))
	for _, n := range exact {
		want[key{n.DocumentID, n.Ordinal}] = true
	}
	last := exact[len(exact)-1].Distance
	hits := 0
	for _, n := range got {
		if want[key{n.DocumentID, n.Ordinal}] || n.Distance <= last+1e-9 {
			hits++
		}
	}
	return float64(min(hits, len(exact))) / float64(len(exact))
}

// DistanceRatio is the mean cosine distance of the found neighbours over
// that of the exact ones (1 when they are as close; 1.01 when they are 1%
// farther on average): how much a missed neighbour matters when many
// chunks are almost equally close.
func DistanceRatio(got, exact []postgres.Neighbor) float64 {
	var g, e float64
	for _, n := range got {
		g += n.Distance
	}
	for _, n := range exact {
		e += n.Distance
	}
	if len(got) == 0 || e == 0 {
		return 1
	}
	return (g / float64(len(got))) / (e / float64(len(exact)))
}

// percentile returns the p-th percentile (nearest rank) in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	i = min(max(i, 0), len(s)-1)
	return float64(s[i].Microseconds()) / 1000
}

// describeServer records the server version and the sizes on disk.
func describeServer(ctx context.Context, databaseURL string, res *Result) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("describe server: %w", err)
	}
	defer conn.Close(ctx)
	var db, idx int64
	var ver, vec string
	err = conn.QueryRow(ctx, `SELECT pg_database_size(current_database()),
		(SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0)::bigint FROM pg_index i
		 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
		 WHERE i.indrelid = to_regclass('chunks') AND a.amname = 'hnsw'),
		current_setting('server_version'),
		coalesce((SELECT extversion FROM pg_extension WHERE extname = 'vector'), '')`).Scan(&db, &idx, &ver, &vec)
	if err != nil {
		return fmt.Errorf("describe server: %w", err)
	}
	res.DatabaseMB, res.HNSWIndexMB = float64(db>>20), float64(idx>>20)
	res.Server = "PostgreSQL " + ver + ", pgvector " + vec
	return nil
}

// rss returns this process's resident set size and its peak, in MB (0 off
// Linux).
func rss() (cur, peak float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			cur = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return cur, peak
}
