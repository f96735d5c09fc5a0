package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// TestShards checks the dense arm's shards: every shard holds chunks and
// has its own HNSW index, which its query uses; the merged result is the
// exact nearest chunks in order; and a store with the single index of
// before shards is migrated to them.
func TestShards(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres_shards")
	ctx := context.Background()
	s := open(t, url)
	bn := postgres.NewBench(s)
	r := rand.New(rand.NewPCG(11, 12))
	if err := bn.BulkLoad(ctx, bulkDocs(r, 0, 400), embName, embDims); err != nil {
		t.Fatalf("BulkLoad() = %v", err)
	}
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{}); err != nil {
		t.Fatalf("BuildIndex() = %v", err)
	}
	conn := connect(t, url)

	vec := []float32{0.3, 0.9, 0.1, 0.4}
	for j := range postgres.Shards {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM chunks WHERE (hashtext(document_id) & $1) = $2`, postgres.Shards-1, j).Scan(&n); err != nil || n < 300 {
			t.Errorf("chunks in shard %d = %d, %v; want about 800 / %d", j, n, err, postgres.Shards)
		}
		if plan := genericPlan(t, conn, postgres.DenseSQL(j, 40), vec); !strings.Contains(plan, fmt.Sprintf("Index Scan using chunks_embedding_hnsw_%d on chunks", j)) {
			t.Errorf("generic plan of shard %d's dense query; want its own HNSW index:\n%s", j, plan)
		}
	}

	exact, err := bn.Nearest(ctx, vec, 40, postgres.NearestOptions{Exact: true})
	if err != nil || len(exact) != 40 {
		t.Fatalf("Nearest(exact) = %d, %v; want 40", len(exact), err)
	}
	shards := map[int]bool{}
	for _, n := range exact {
		var j int
		if err := conn.QueryRow(ctx, `SELECT hashtext($1) & $2`, n.DocumentID, postgres.Shards-1).Scan(&j); err != nil {
			t.Fatal(err)
		}
		shards[j] = true
	}
	if len(shards) != postgres.Shards {
		t.Fatalf("the exact 40 come from shards %v; want every shard, to test the merge", shards)
	}
	approx, err := bn.Nearest(ctx, vec, 40, postgres.NearestOptions{})
	if err != nil || fmt.Sprint(approx) != fmt.Sprint(exact) {
		t.Errorf("Nearest(HNSW) = %v, %v;\nwant the exact %v", approx, err, exact)
	}
	hits, err := s.Search(ctx, retrieval.Query{Vector: vec, Embedder: embName, Dimensions: embDims, K: 40, Candidates: 40})
	if err != nil || len(hits) != 40 {
		t.Fatalf("Search(dense only) = %d hits, %v; want 40", len(hits), err)
	}
	for i, h := range hits {
		if e := exact[i]; h.Chunk.DocumentID != e.DocumentID || h.Chunk.Ordinal != e.Ordinal || h.DenseRank != i+1 {
			t.Errorf("Search(dense only) hit %d = %s/%d (dense rank %d); want %s/%d", i, h.Chunk.DocumentID, h.Chunk.Ordinal, h.DenseRank, e.DocumentID, e.Ordinal)
		}
	}

	// A store from before shards: one HNSW index over all chunks, at
	// migration 2. Opening it migrates it to the shard indexes.
	for _, stmt := range []string{
		`DROP INDEX chunks_embedding_hnsw_0`, `DROP INDEX chunks_embedding_hnsw_1`,
		`CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 256)`,
		`DELETE FROM goose_db_version WHERE version_id > 2`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	s2 := open(t, url)
	var indexes []string
	if err := conn.QueryRow(ctx, `SELECT array_agg(indexname || ' ' || indexdef ORDER BY indexname) FROM pg_indexes
		WHERE tablename = 'chunks' AND indexdef LIKE '%USING hnsw%'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"chunks_embedding_hnsw_0 CREATE INDEX chunks_embedding_hnsw_0 ON public.chunks USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='256') WHERE ((hashtext(document_id) & 1) = 0)",
		"chunks_embedding_hnsw_1 CREATE INDEX chunks_embedding_hnsw_1 ON public.chunks USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='256') WHERE ((hashtext(document_id) & 1) = 1)",
	}
	if fmt.Sprint(indexes) != fmt.Sprint(want) {
		t.Errorf("HNSW indexes after migrating a store from before shards =\n%q\nwant\n%q", indexes, want)
	}
	if approx, err := postgres.NewBench(s2).Nearest(ctx, vec, 40, postgres.NearestOptions{}); err != nil || fmt.Sprint(approx) != fmt.Sprint(exact) {
		t.Errorf("Nearest(HNSW) after the migration = %v, %v;\nwant the exact %v", approx, err, exact)
	}
}

// genericPlan returns EXPLAIN of the generic plan of query, which takes
// one vector parameter, executed with vec.
func genericPlan(t *testing.T, conn *pgx.Conn, query string, vec []float32) string {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{`SET plan_cache_mode = force_generic_plan`, `PREPARE generic_plan(vector) AS ` + query} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	defer conn.Exec(ctx, `DEALLOCATE generic_plan; RESET plan_cache_mode`) //nolint:errcheck // best effort
	return explain(t, conn, `EXPLAIN (COSTS OFF) EXECUTE generic_plan('`+pgvector.NewVector(vec).String()+`')`, pgx.QueryExecModeSimpleProtocol)
}
