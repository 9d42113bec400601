package registry

import (
	"encoding/json"
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
// unless the whole bundle is valid. The bundle is read as a stream (see
// bundleReader): memory grows with the cases it holds, not with its
// whitespace or with one oversized value.
func ReadBundle(r io.Reader) (Bundle, error) {
	br := newBundleReader(r)
	b, err := br.bundle()
	if err != nil {
		return Bundle{}, err
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
