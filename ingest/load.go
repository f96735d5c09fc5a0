package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// MaxFileSize is the largest file a loader accepts, in bytes.
const MaxFileSize = 32 << 20

// hashVersion is mixed into every Document.Hash. Bump it whenever loading
// or cleaning changes what a file turns into, so that the next ingest run
// re-indexes every document instead of skipping it as unchanged.
const hashVersion = "coopbot-ingest-v1"

// Supported reports whether name has an extension the loaders read:
// .txt, .md, .markdown, .html or .htm (any case).
func Supported(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".md", ".markdown", ".html", ".htm":
		return true
	}
	return false
}

// FileError is a file that could not be ingested, and why.
type FileError struct {
	Path string // the file, as shown to the user
	Err  error  // a *retrieval.Error whose message names the file
}

func (e FileError) Error() string { return e.Err.Error() }
func (e FileError) Unwrap() error { return e.Err }

// fileError returns an EINVALID error whose message names the file.
func fileError(src, reason string, cause error) error {
	return &retrieval.Error{Code: retrieval.EINVALID, Message: src + ": " + reason, Err: cause}
}

func tooLarge(src string, size int64) error {
	return fileError(src, fmt.Sprintf("file too large (%d bytes, limit %d)", size, MaxFileSize), nil)
}

// meta is the metadata a loader finds in a file.
type meta struct {
	Title, Date, Outlet, Author string
}

// Parse turns the raw bytes of a file into a Document. The extension of
// source picks the loader (.md/.markdown, .html/.htm, anything else as
// plain text); id becomes Document.ID and source Document.Source. Errors
// are EINVALID and name source: "binary file", "not valid UTF-8", "no
// text", a front matter problem, or a file larger than MaxFileSize.
func Parse(id, source string, raw []byte) (retrieval.Document, error) {
	return parseAs(strings.ToLower(path.Ext(source)), id, source, raw)
}

// ParseHTML is Parse for an HTML page whatever source's extension (a
// fetched URL): its main text and metadata, normalized.
func ParseHTML(id, source string, raw []byte) (retrieval.Document, error) {
	return parseAs(".html", id, source, raw)
}

// parseAs parses raw with the loader of extension ext.
func parseAs(ext, id, source string, raw []byte) (retrieval.Document, error) {
	if len(raw) > MaxFileSize {
		return retrieval.Document{}, tooLarge(source, int64(len(raw)))
	}
	if looksBinary(raw) {
		return retrieval.Document{}, fileError(source, "binary file", nil)
	}
	if !utf8.Valid(raw) {
		return retrieval.Document{}, fileError(source, "not valid UTF-8", nil)
	}
	s := strings.TrimPrefix(string(raw), "\ufeff")
	var m meta
	body := s
	var err error
	switch ext {
	case ".md", ".markdown":
		m, body, err = parseMarkdown(s)
	case ".html", ".htm":
		m, body, err = parseHTML(s)
	}
	if err != nil { // the message says it all; the cause would repeat it
		return retrieval.Document{}, fileError(source, err.Error(), nil)
	}
	m.Title, m.Outlet, m.Author = cleanInline(m.Title), cleanInline(m.Outlet), cleanInline(m.Author)
	text := cleanBody(body, m.Title)
	if text == "" {
		return retrieval.Document{}, fileError(source, "no text", nil)
	}
	if m.Title == "" {
		m.Title = fallbackTitle(id, text)
	}
	doc := retrieval.Document{
		ID: id, Title: m.Title, Date: m.Date, Outlet: m.Outlet, Author: m.Author,
		Source: source, Text: text,
	}
	doc.Hash = documentHash(raw, doc)
	return doc, nil
}

// documentHash is the hex SHA-256 of the raw bytes and the metadata.
func documentHash(raw []byte, d retrieval.Document) string {
	h := sha256.New()
	for _, s := range []string{hashVersion, d.ID, d.Title, d.Date, d.Outlet, d.Author} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

// parseDate accepts "YYYY-MM-DD" or an RFC 3339 timestamp and returns the
// date part; ok is false for anything else.
func parseDate(s string) (date string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s, true
	}
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return s[:len(time.DateOnly)], true
	}
	return "", false
}

// fallbackTitle names a document that carries no title: from its file name
// when that has at least two words ("uk-japan_talks" → "Uk japan talks"),
// else from the first words of its text.
func fallbackTitle(id, text string) string {
	var words []string
	for _, w := range strings.FieldsFunc(path.Base(id), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if isWord(w) {
			words = append(words, strings.ToLower(w))
		}
	}
	if len(words) >= 2 {
		t := strings.Join(words, " ")
		r, n := utf8.DecodeRuneInString(t)
		return string(unicode.ToUpper(r)) + t[n:]
	}
	const maxWords, maxLen = 12, 80
	first, _, _ := strings.Cut(text, "\n")
	var b strings.Builder
	for i, w := range strings.Fields(first) {
		if i == maxWords || b.Len()+1+len(w) > maxLen {
			if b.Len() == 0 { // one very long word
				w = truncateRunes(w, maxLen)
				b.WriteString(w)
			}
			b.WriteString("…")
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 {
		return id
	}
	return b.String()
}

// isWord reports whether a file-name part reads as a word: it has a letter
// and does not look like a hash or a number.
func isWord(w string) bool {
	letter, hex := false, true
	for _, r := range w {
		if unicode.IsLetter(r) {
			letter = true
		}
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			hex = false
		}
	}
	return letter && !(hex && len(w) >= 6)
}

// truncateRunes cuts s to at most n bytes at a rune boundary.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// checkName refuses a file whose name cannot become a document ID: one
// that is not valid UTF-8 (the store holds IDs as text) or that holds
// control characters (a newline or a terminal escape sequence would reach
// every citation of the document).
func checkName(name, src string) error {
	if !utf8.ValidString(name) {
		return fileError(src, "file name is not valid UTF-8", nil)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return fileError(src, "file name has control characters", nil)
	}
	return nil
}

// docID is Document.ID for a file at rel (slash-separated, relative to the
// walked root): rel without its extension.
func docID(rel string) string {
	return strings.TrimSuffix(rel, path.Ext(rel))
}

// fileRef is one file to ingest: where to read it and what to call it.
type fileRef struct {
	fsys   fs.FS
	name   string // path within fsys
	osPath string // the file in the operating system's file system; "" for other fs.FS sources
	id     string
	source string // as shown to the user and stored in Document.Source
	err    error  // set when the walk already found the file unusable
	// root, when set, is the absolute, symlink-free directory an
	// operating-system file must resolve within (see confine).
	root string
}

// load reads and parses the file: with the Extractor formats has for its
// extension, else with the built-in text loaders. pages is where each
// page begins in a paged document (see FromExtracted).
func (f fileRef) load(ctx context.Context, formats Formats) (doc retrieval.Document, pages []int, err error) {
	if f.err != nil {
		return doc, nil, f.err
	}
	raw, err := f.read()
	if err != nil {
		return doc, nil, err
	}
	if x, ok := formats[strings.ToLower(path.Ext(f.name))]; ok {
		got, err := x.Extract(ctx, raw)
		if err != nil {
			if ctx.Err() != nil {
				return doc, nil, ctx.Err()
			}
			return doc, nil, fileError(f.source, err.Error(), nil)
		}
		return FromExtracted(f.id, f.source, raw, got)
	}
	doc, err = Parse(f.id, f.source, raw)
	return doc, nil, err
}

// read returns the file's bytes. Only regular files are read (following
// symlinks): a FIFO, a device (a symlink to /dev/zero), a socket or a
// directory is refused without reading it, so nothing can block or feed
// the loader forever. An operating-system file is opened non-blocking so
// that a file swapped for a FIFO after the walk cannot block the open
// either, and the type is checked on the open file. At most MaxFileSize+1
// bytes are read, whatever the file claims or grows to.
func (f fileRef) read() ([]byte, error) {
	var file fs.File
	var err error
	if f.osPath != "" {
		path, cerr := f.confine()
		if cerr != nil {
			return nil, cerr
		}
		file, err = os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	} else {
		file, err = f.fsys.Open(f.name)
	}
	if err != nil {
		return nil, readError(f.source, err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, readError(f.source, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fileError(f.source, "not a regular file ("+fileKind(info.Mode())+")", nil)
	}
	if info.Size() > MaxFileSize {
		return nil, tooLarge(f.source, info.Size())
	}
	raw, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, readError(f.source, err)
	}
	if len(raw) > MaxFileSize {
		return nil, tooLarge(f.source, int64(len(raw)))
	}
	return raw, nil
}

// outsideRoot is the reason a file is refused when it resolves outside
// the folder being ingested.
const outsideRoot = "symbolic link to a file outside the folder being ingested (--follow-symlinks ingests it)"

// confine returns the path to open for an operating-system file: with a
// root, the file's resolved path, refused (before anything is opened)
// when it lies outside the root — a symlink in a corpus folder must not
// publish /etc/passwd or a private key as citations. Without a root, the
// path as given.
func (f fileRef) confine() (string, error) {
	if f.root == "" {
		return f.osPath, nil
	}
	resolved, err := filepath.EvalSymlinks(f.osPath)
	if err != nil {
		// Dangling links and loops: report the system's reason, as an
		// open would ("no such file or directory", "too many levels of
		// symbolic links").
		if _, serr := os.Stat(f.osPath); serr != nil {
			err = serr
		}
		return "", readError(f.source, err)
	}
	if resolved, err = filepath.Abs(resolved); err != nil {
		return "", readError(f.source, err)
	}
	if !within(f.root, resolved) {
		return "", fileError(f.source, outsideRoot, nil)
	}
	return resolved, nil
}

// within reports whether path is root or lies below it (both absolute
// and clean).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realDir returns dir as an absolute path without symlinks.
func realDir(dir string) (string, error) {
	r, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	return filepath.Abs(r)
}

// readError is a file that cannot be opened or read: "cannot read"
// followed by the system's reason ("no such file or directory",
// "permission denied", "too many levels of symbolic links"), without the
// internal path the operation used.
func readError(src string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fileError(src, "cannot read", err)
}

// fileKind names the type of a file that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "type " + m.Type().String()
}

// walk is what walkFS found.
type walk struct {
	refs        []fileRef
	errs        []FileError // problems reading a directory
	unsupported []string    // files with an extension nothing reads, as shown to the user
}

// walkFS lists the files under root in fsys that formats (or a built-in
// loader) reads, in lexical order, skipping hidden files and directories
// (names starting with "."); other files are listed as unsupported. source
// maps a path within fsys to the name shown to the user.
func walkFS(fsys fs.FS, root string, source func(string) string, osFiles bool, formats Formats) walk {
	var w walk
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			src := source(p)
			w.errs = append(w.errs, FileError{Path: src, Err: readError(src, err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if info, err := fs.Stat(fsys, p); err == nil && info.IsDir() {
				return nil // symlinked directories are not followed
			}
		}
		if !formats.Supported(p) {
			w.unsupported = append(w.unsupported, source(p))
			return nil
		}
		rel := p
		if root != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		}
		if rel == "" { // root is the file itself
			rel = path.Base(p)
		}
		ref := fileRef{fsys: fsys, name: p, id: docID(rel), source: source(p)}
		if osFiles {
			ref.osPath = ref.source
		}
		ref.err = checkName(p, ref.source)
		w.refs = append(w.refs, ref)
		return nil
	})
	if err != nil {
		src := source(root)
		w.errs = append(w.errs, FileError{Path: src, Err: readError(src, err)})
	}
	return w
}

// LoadFS loads every supported file under root in fsys (for example
// corpus.FS with root "."), walking it recursively and skipping hidden
// files. Document IDs are paths relative to root without extension;
// Source is the path within fsys. Files that fail to load are returned as
// FileErrors, and the others still load. Documents come in ID order.
func LoadFS(fsys fs.FS, root string) ([]retrieval.Document, []FileError) {
	w := walkFS(fsys, root, func(p string) string { return p }, false, nil)
	refs, errs := w.refs, w.errs
	docs := make([]retrieval.Document, 0, len(refs))
	for _, ref := range refs {
		doc, _, err := ref.load(context.Background(), nil)
		if err != nil {
			errs = append(errs, FileError{Path: ref.source, Err: err})
			continue
		}
		docs = append(docs, doc)
	}
	return docs, errs
}

// osFile refers to a file of the operating system named directly: its ID
// is its base name without extension.
func osFile(name string, formats Formats) (fileRef, error) {
	if !formats.Supported(name) {
		return fileRef{}, fileError(name, "unsupported file type (want "+strings.Join(formats.Extensions(), ", ")+")", nil)
	}
	base := filepath.Base(name)
	ref := fileRef{fsys: os.DirFS(filepath.Dir(name)), name: base, osPath: name, id: docID(base), source: name}
	ref.err = checkName(base, name)
	return ref, nil
}
