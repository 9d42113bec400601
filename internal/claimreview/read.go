// Package claimreview reads and writes schema.org ClaimReview and
// MediaReview, the JSON-LD fact-checkers publish with every debunk (in the
// article page, and in feeds such as Google Fact Check Tools and the
// DataCommons fact-check feed), and maps them to registry cases.
//
// Read accepts a JSON-LD document — one object, an array, or an @graph —
// or an HTML page with <script type="application/ld+json"> blocks. Nodes
// referenced by @id are resolved within the document. Properties provcheck
// has no field for are kept (registry.FactCheck.Extra) and written back by
// Write.
package claimreview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/provcheck/provcheck/registry"
)

// MaxBytes bounds a document Read accepts.
const MaxBytes = 64 << 20

// Party is an author, publisher or claimant.
type Party struct {
	Name, URL string
}

// Review is one ClaimReview or MediaReview as published.
type Review struct {
	Type     string // "ClaimReview" or "MediaReview"
	Where    string // where it is in the input, for messages ("script block 2: @graph[1]")
	Document int    // which JSON-LD document (script block) it came from

	URL, Headline, Date, Language string
	Author                        Party

	// ClaimReview.
	ClaimReviewed                        string
	RatingText, RatingValue, Best, Worst string
	CaseID                               string // itemReviewed.identifier written by Write
	ClaimName                            string
	Claimant                             Party
	ClaimDate                            string
	Keywords                             []string
	Appearances                          []registry.Appearance

	// MediaReview.
	Category        registry.Category
	OriginalContext string
	Media           []registry.MediaAppearance

	// Extra holds the properties not read above, by "Type.path".
	Extra map[string]json.RawMessage
}

// Read parses a JSON-LD document or an HTML page and returns every
// ClaimReview and MediaReview in it. Errors say where: the script block
// and line for syntax, the JSON path for structure
// (`script block 2: @graph[1].reviewRating: want an object`).
func Read(r io.Reader) ([]Review, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	var blocks []block
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		blocks = []block{{data: data, line: 1}}
	} else {
		if blocks = scriptBlocks(data); len(blocks) == 0 {
			return nil, errors.New(`neither JSON-LD nor an HTML page with <script type="application/ld+json"> blocks`)
		}
		for i := range blocks {
			blocks[i].name = fmt.Sprintf("script block %d (line %d)", i+1, blocks[i].line)
		}
	}
	var out []Review
	for i, b := range blocks {
		rs, err := readBlock(b, i)
		if err != nil {
			if b.name != "" {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			return nil, err
		}
		out = append(out, rs...)
	}
	if len(out) == 0 {
		return nil, errors.New("no ClaimReview or MediaReview found")
	}
	return out, nil
}

type block struct {
	data []byte
	line int    // of its first byte in the input
	name string // "" for a plain JSON-LD file
}

func readBlock(b block, doc int) ([]Review, error) {
	dec := json.NewDecoder(bytes.NewReader(b.data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(b, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	p := &parser{doc: doc, prefix: b.name, ids: map[string]map[string]any{}}
	p.index(v)
	if err := p.walk(v, "", true); err != nil {
		return nil, err
	}
	return p.reviews, nil
}

func syntaxError(b block, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	line, col := b.line, 1
	for _, c := range b.data[:min(off, int64(len(b.data)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d:%d: invalid JSON: %v", line, col, err)
}

// parser walks one JSON-LD document.
type parser struct {
	doc     int
	prefix  string
	ids     map[string]map[string]any // nodes by @id
	reviews []Review
}

// index records every node that has an @id and more than that, so
// references ({"@id": "#org"}) can be resolved.
func (p *parser) index(v any) {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["@id"].(string); ok && len(v) > 1 {
			if _, dup := p.ids[id]; !dup {
				p.ids[id] = v
			}
		}
		for _, x := range v {
			p.index(x)
		}
	case []any:
		for _, x := range v {
			p.index(x)
		}
	}
}

// deref resolves a node reference.
func (p *parser) deref(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if id, ok := m["@id"].(string); ok {
			if n, ok := p.ids[id]; ok {
				return n
			}
		}
	}
	return v
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk finds reviews anywhere in the document (top level, @graph, or
// nested in another node such as an article's "review").
func (p *parser) walk(v any, path string, top bool) error {
	switch v := v.(type) {
	case []any:
		for i, x := range v {
			if err := p.walk(x, fmt.Sprintf("%s[%d]", path, i), top); err != nil {
				return err
			}
		}
	case map[string]any:
		if ctx, ok := v["@context"]; ok {
			if !schemaContext(ctx) {
				return fmt.Errorf("%s: %s is not the schema.org vocabulary", join(path, "@context"), compact(ctx))
			}
		}
		if g, ok := v["@graph"]; ok {
			arr, ok := g.([]any)
			if !ok {
				if _, obj := g.(map[string]any); !obj {
					return fmt.Errorf("%s: want an array of nodes, got %s", join(path, "@graph"), kind(g))
				}
				arr = []any{g}
			}
			if err := p.walk(arr, join(path, "@graph"), false); err != nil {
				return err
			}
		}
		switch t := typeOf(v); t {
		case "ClaimReview", "MediaReview":
			r, err := p.review(v, t, path)
			if err != nil {
				return err
			}
			p.reviews = append(p.reviews, r)
			return nil
		}
		for _, k := range sortedKeys(v) {
			if k == "@graph" || k == "@context" {
				continue
			}
			if err := p.walk(v[k], join(path, k), false); err != nil {
				return err
			}
		}
	default:
		if top {
			return fmt.Errorf("want a JSON-LD object or array, got %s", kind(v))
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// schemaContext reports whether an @context is (or includes) schema.org.
func schemaContext(v any) bool {
	switch v := v.(type) {
	case string:
		s := strings.TrimSuffix(strings.ToLower(v), "/")
		return s == "https://schema.org" || s == "http://schema.org" || strings.HasPrefix(s, "https://schema.org/") || strings.HasPrefix(s, "http://schema.org/")
	case []any:
		return slices.ContainsFunc(v, schemaContext)
	case map[string]any:
		if vocab, ok := v["@vocab"]; ok {
			return schemaContext(vocab)
		}
		return true // a local context (prefixes) around a schema.org document
	}
	return false
}

// typeOf is a node's schema.org type without prefix ("ClaimReview"); of
// several types, a review type wins.
func typeOf(m map[string]any) string {
	var types []string
	switch t := m["@type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				types = append(types, s)
			}
		}
	}
	out := ""
	for _, t := range types {
		t = stripVocab(t)
		if t == "ClaimReview" || t == "MediaReview" {
			return t
		}
		if out == "" {
			out = t
		}
	}
	return out
}

func stripVocab(s string) string {
	for _, p := range []string{"https://schema.org/", "http://schema.org/", "schema:"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case json.Number:
		return "a number"
	case bool:
		return "true/false"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:77]) + "…"
	}
	return string(b)
}
