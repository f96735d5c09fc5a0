package postgres

// DenseSQL is the dense arm's query for the limit nearest chunks of
// shard j, for the external tests to look at its plan.
func DenseSQL(j, limit int) string { return denseSQL(j, limit) }
