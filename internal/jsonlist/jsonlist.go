// Package jsonlist writes a JSON document whose one list may be too long
// to hold in memory: the document is encoded with the list empty, and the
// list's elements are written into it one at a time, in the layout that
// encoding/json's two-space indentation gives the whole document.
package jsonlist

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// Writer writes the elements of one indented JSON list into its document.
type Writer struct {
	w      *bufio.Writer
	prefix string // the indentation of the list's elements
	tail   []byte // the document from the list's closing bracket on
	n      int
}

// Into writes doc — the whole document encoded with a two-space indent
// and the list empty, as empty (`"cases": []`, or `[]` for a document
// that is the list) — up to the list's elements, which are at depth (1
// for the document's own list, 2 for a list in a field of the top-level
// object). Add then writes each element and Close the rest of doc.
func Into(w io.Writer, doc []byte, empty string, depth int) (*Writer, error) {
	at := bytes.Index(doc, []byte(empty))
	if at < 0 || !strings.HasSuffix(empty, "[]") || depth < 1 {
		return nil, errors.New("jsonlist: no empty list " + empty + " in the document")
	}
	end := at + len(empty) - 1 // the closing bracket
	l := &Writer{w: bufio.NewWriterSize(w, 1<<20), prefix: strings.Repeat("  ", depth), tail: doc[end:]}
	_, err := l.w.Write(doc[:end])
	return l, err
}

// Prefix is the indentation an element's JSON must be encoded with
// (json.MarshalIndent(v, l.Prefix(), "  ")).
func (l *Writer) Prefix() string { return l.prefix }

// Add writes one element: js, encoded with Prefix and a two-space indent
// (a trailing newline, as json.Encoder writes, is dropped).
func (l *Writer) Add(js []byte) error {
	if l.n > 0 {
		l.w.WriteByte(',')
	}
	l.n++
	l.w.WriteString("\n" + l.prefix)
	_, err := l.w.Write(bytes.TrimSuffix(js, []byte("\n")))
	return err
}

// Close writes the rest of the document and flushes it.
func (l *Writer) Close() error {
	if l.n > 0 {
		l.w.WriteString("\n" + l.prefix[2:])
	}
	l.w.Write(l.tail)
	return l.w.Flush()
}
