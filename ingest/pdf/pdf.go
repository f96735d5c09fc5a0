// Package pdf reads PDF files for ingest with PDFium, compiled to
// WebAssembly and run by wazero (github.com/klippa-app/go-pdfium), so no C
// toolchain or shared library is needed at build or run time. It takes
// the text with its positions from PDFium and puts it in reading order
// itself (see layout.go): columns, running headers and footers, page
// numbers and hyphenated line ends.
package pdf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/coopbot/coopbot/ingest"
)

// MaxPages bounds the pages read from one file.
const MaxPages = 2000

// Extractor reads PDFs. The WebAssembly engine starts on the first
// Extract (compiling it takes seconds, so a run without PDFs never pays
// for it) and serves one file at a time. Close releases it.
type Extractor struct {
	// CacheDir, when set, keeps the engine's compiled code between runs
	// (wazero's compilation cache), which cuts the start from seconds to
	// well under one.
	CacheDir string

	mu   sync.Mutex
	pool pdfium.Pool
	inst pdfium.Pdfium
}

// start starts the engine once. The engine sees no file system: files are
// handed to it as bytes.
func (e *Extractor) start() error {
	if e.inst != nil {
		return nil
	}
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	if e.CacheDir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(e.CacheDir); err == nil {
			rc = rc.WithCompilationCache(cache)
		}
	}
	pool, err := webassembly.Init(webassembly.Config{MinIdle: 1, MaxIdle: 1, MaxTotal: 1, RuntimeConfig: rc, FSConfig: wazero.NewFSConfig()})
	if err != nil {
		return fmt.Errorf("start the PDF engine: %w", err)
	}
	inst, err := pool.GetInstance(time.Minute)
	if err != nil {
		pool.Close()
		return fmt.Errorf("start the PDF engine: %w", err)
	}
	e.pool, e.inst = pool, inst
	return nil
}

// Close stops the engine, if it started.
func (e *Extractor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pool == nil {
		return nil
	}
	e.inst.Close()
	err := e.pool.Close()
	e.pool, e.inst = nil, nil
	return err
}

// Extract returns the text of each page in reading order and the
// document's title, author and creation date. A PDF without any text
// (a scan) is refused: coopbot does no OCR.
func (e *Extractor) Extract(ctx context.Context, raw []byte) (ingest.Extracted, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(); err != nil {
		return ingest.Extracted{}, err
	}
	doc, err := e.inst.OpenDocument(&requests.OpenDocument{File: &raw})
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "password") {
			return ingest.Extracted{}, errors.New("password-protected PDF")
		}
		return ingest.Extracted{}, errors.New("not a readable PDF")
	}
	defer e.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document}) //nolint:errcheck // nothing to do about a failed close
	x := ingest.Extracted{Paged: true}
	e.readMeta(doc.Document, &x)
	count, err := e.inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return ingest.Extracted{}, fmt.Errorf("cannot count pages: %w", err)
	}
	if count.PageCount > MaxPages {
		return ingest.Extracted{}, fmt.Errorf("too many pages (%d, limit %d)", count.PageCount, MaxPages)
	}
	pages := make([]page, count.PageCount)
	for i := range pages {
		if err := ctx.Err(); err != nil {
			return ingest.Extracted{}, err
		}
		if pages[i], err = e.readPage(doc.Document, i); err != nil {
			return ingest.Extracted{}, fmt.Errorf("cannot read page %d: %w", i+1, err)
		}
	}
	x.Pages = layout(pages)
	if strings.TrimSpace(strings.Join(x.Pages, "")) == "" {
		return ingest.Extracted{}, errors.New("scanned PDF with no text layer (coopbot does no OCR; export it with text, or OCR it first)")
	}
	return x, nil
}

// readPage returns the text runs of page i with their positions.
func (e *Extractor) readPage(doc references.FPDF_DOCUMENT, i int) (page, error) {
	ref := requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: i}}
	size, err := e.inst.GetPageSize(&requests.GetPageSize{Page: ref})
	if err != nil {
		return page{}, err
	}
	st, err := e.inst.GetPageTextStructured(&requests.GetPageTextStructured{Page: ref, Mode: requests.GetPageTextStructuredModeRects})
	if err != nil {
		return page{}, err
	}
	p := page{width: size.Width, height: size.Height}
	for _, r := range st.Rects {
		pos := r.PointPosition
		p.runs = append(p.runs, run{text: r.Text, left: pos.Left, right: pos.Right, top: pos.Top, bottom: pos.Bottom})
	}
	return p, nil
}

// readMeta fills in the title, author and date from the document
// information dictionary.
func (e *Extractor) readMeta(doc references.FPDF_DOCUMENT, x *ingest.Extracted) {
	md, err := e.inst.GetMetaData(&requests.GetMetaData{Document: doc})
	if err != nil {
		return // metadata is optional
	}
	for _, t := range md.Tags {
		switch t.Tag {
		case "Title":
			x.Title = t.Value
		case "Author":
			x.Author = t.Value
		case "CreationDate":
			x.Date = pdfDate(t.Value)
		}
	}
}

// pdfDate turns a PDF date ("D:20240102093000+01'00'") into YYYY-MM-DD,
// or "" when it is not one.
func pdfDate(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 8 {
		return ""
	}
	t, err := time.Parse("20060102", s[:8])
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}
