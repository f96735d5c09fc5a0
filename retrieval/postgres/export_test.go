package postgres

// LexicalSQL and SampleRows let the external tests look at the lexical
// arm's plan.
const (
	LexicalSQL = lexicalSQL
	SampleRows = sampleRows
)
