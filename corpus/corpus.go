// Package corpus is coopbot's bundled default corpus: two Defense News
// reports on UK–Japan defence cooperation, as Markdown files with YAML
// front matter (title, date, outlet, author). The article bodies are kept
// exactly as published, slips included; the ingest loaders clean them
// (for example, the trailing "More In …" navigation line is removed).
//
// The files are embedded in the binary, so it works from any directory.
package corpus

import "embed"

// FS holds the corpus files at its root ("000_36fd46dc1482b52a.md", …).
// Walk it from "." with ingest.LoadFS or the ingest pipeline.
//
//go:embed *.md
var FS embed.FS
