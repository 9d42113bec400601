package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Bundle is the shareable form of a registry: cases, fact-checks and
// fingerprints, without media files.
type Bundle struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at,omitzero"`
	Cases      []Case    `json:"cases"`
	// StopFrames travel with the cases: a registry's stop-list protects
	// whoever imports it too.
	StopFrames []StopFrame `json:"stop_frames,omitempty"`
}

// Bundle format identifiers.
const (
	BundleFormat  = "provcheck-registry"
	BundleVersion = 1
)

// NewBundle wraps cases for export.
func NewBundle(cases []Case, now time.Time) Bundle {
	if cases == nil {
		cases = []Case{}
	}
	return Bundle{Format: BundleFormat, Version: BundleVersion, ExportedAt: now.UTC(), Cases: cases}
}

// WriteJSON writes the bundle as indented JSON.
func (b Bundle) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// MaxBundleBytes bounds what ReadBundle accepts.
const MaxBundleBytes = 1 << 30

// ReadBundle parses and validates a bundle. Unknown keys, syntax errors and
// invalid values are reported with where they are; nothing is returned
// unless the whole bundle is valid.
func ReadBundle(r io.Reader) (Bundle, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBundleBytes+1))
	if err != nil {
		return Bundle{}, err
	}
	if len(data) > MaxBundleBytes {
		return Bundle{}, fmt.Errorf("bundle is larger than %d bytes", MaxBundleBytes)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Bundle{}, jsonError(data, err)
	}
	if dec.More() {
		return Bundle{}, errors.New("bundle: trailing data after the JSON object")
	}
	return b, b.Validate()
}

// Validate checks the whole bundle and lists every problem with its path.
func (b *Bundle) Validate() error {
	var p problems
	if b.Format != BundleFormat {
		p.add("format", "%q is not %q", b.Format, BundleFormat)
	}
	if b.Version < 1 || b.Version > BundleVersion {
		p.add("version", "%d is not supported (this provcheck reads version %d)", b.Version, BundleVersion)
	}
	ids := map[string]int{}
	for i := range b.Cases {
		c := &b.Cases[i]
		prefix := fmt.Sprintf("cases[%d]", i)
		if j, dup := ids[c.ID]; dup {
			p.add(prefix+".id", "%q already used by cases[%d]", c.ID, j)
		}
		ids[c.ID] = i
		c.validate(&p, prefix, false)
	}
	validateStopFrames(&p, "stop_frames", b.StopFrames)
	if err := p.err(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// jsonError turns a decoding error into one that says where (line:column).
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
		if typ.Field != "" {
			return fmt.Errorf("bundle: %s: %s is not a valid %s (line %s)", typ.Field, typ.Value, typ.Type, lineCol(data, off))
		}
	}
	if off >= 0 {
		return fmt.Errorf("bundle: line %s: %v", lineCol(data, off), err)
	}
	return fmt.Errorf("bundle: %v", err)
}

func lineCol(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("%d:%d", line, col)
}
