package postgres

// LexicalSQL, SampleRows and DenseSQL let the external tests look at the
// arms' query plans.
const (
	LexicalSQL = lexicalSQL
	SampleRows = sampleRows
)

// DenseSQL is the dense arm's query for the limit nearest chunks of
// shard j.
func DenseSQL(j, limit int) string { return denseSQL(j, limit) }
