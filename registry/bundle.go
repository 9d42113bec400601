package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/provcheck/provcheck/internal/jsonlist"
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

// fill passes the bundle's cases to put and returns its stop frames (for
// Store.ImportStream).
func (b Bundle) fill(put func(Case) error) ([]StopFrame, error) {
	for _, c := range b.Cases {
		if err := put(c); err != nil {
			return nil, err
		}
	}
	return b.StopFrames, nil
}

// WriteJSON writes the bundle as indented JSON.
func (b Bundle) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// MaxBundleBytes bounds what ReadBundle accepts.
const MaxBundleBytes = 1 << 30

// ReadBundle parses and validates a bundle of at most MaxBundleBytes.
// Unknown keys, syntax errors and invalid values are reported with where
// they are; the bundle is valid only if no error is returned. The bundle
// is read as a stream (see bundleReader): memory grows with the cases it
// holds, not with its whitespace or with one oversized value.
func ReadBundle(r io.Reader) (Bundle, error) {
	b := Bundle{Cases: []Case{}}
	head, err := ReadBundleStream(r, MaxBundleBytes, func(c Case) error {
		b.Cases = append(b.Cases, c)
		return nil
	})
	cases := b.Cases
	b, b.Cases = head, cases
	return b, err
}

// ReadBundleStream parses and validates a bundle of at most max bytes (no
// limit when max <= 0) as ReadBundle does, passing each case to put as
// soon as it is read and found valid, and keeping none: the Bundle
// returned holds everything but the cases. After the first invalid case
// put is no longer called, but the rest is still read and validated, so
// the error lists every problem of the bundle, exactly as ReadBundle's.
//
// The error is the first of: a syntax or reading error; the bundle's
// problems (a *ValidationError, all of them, in the order Validate lists
// them); an error of put. A put error that is a *ValidationError (a case
// that would be invalid once merged) lets the reading go on, so that a
// problem of the bundle itself is reported first; any other put error
// stops it. The caller writes what put receives in one transaction and
// commits it only when no error is returned.
func ReadBundleStream(r io.Reader, max int64, put func(Case) error) (Bundle, error) {
	br := newBundleReader(r, max)
	var v bundleCheck
	var putErr error
	b, err := br.bundle(func(i int, c Case) error {
		ok := v.addCase(i, &c)
		if !ok || putErr != nil || v.failed() {
			return nil
		}
		if err := put(c); err != nil {
			putErr = err
			if !IsValidation(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Bundle{}, err
	}
	if err := v.err(&b); err != nil {
		return b, err
	}
	return b, putErr
}

// IsBundle tells a provcheck bundle (a JSON object whose "format" is
// BundleFormat) from anything else, reading r only up to its "format" key
// (the first key of an exported bundle): the values before it are skipped
// a token at a time, so a large file costs little memory.
func IsBundle(r io.Reader) bool {
	br := newBundleReader(r, 0)
	found := errors.New("format found")
	err := br.object("", func(key, path string) (bool, error) {
		if key != "format" {
			return true, br.skip(path)
		}
		var f string
		if err := br.value(path, &f, maxKeyJSON); err != nil {
			return true, err
		}
		if f != BundleFormat {
			return true, errors.New("not a bundle")
		}
		return true, found
	})
	return errors.Is(err, found)
}

// Validate checks the whole bundle and lists every problem with its path.
func (b *Bundle) Validate() error {
	var v bundleCheck
	for i := range b.Cases {
		v.addCase(i, &b.Cases[i])
	}
	return v.err(b)
}

// bundleCheck validates a bundle a case at a time: its cases' problems,
// with the ids seen, then the rest of the bundle at the end.
type bundleCheck struct {
	ids   map[string]int
	cases problems
}

// addCase validates cases[i] and reports whether it had no problem.
func (v *bundleCheck) addCase(i int, c *Case) bool {
	if v.ids == nil {
		v.ids = map[string]int{}
	}
	before := len(v.cases)
	prefix := fmt.Sprintf("cases[%d]", i)
	if j, dup := v.ids[c.ID]; dup {
		v.cases.add(prefix+".id", "%q already used by cases[%d]", c.ID, j)
	}
	v.ids[c.ID] = i
	c.validate(&v.cases, prefix, false)
	return len(v.cases) == before
}

// failed reports whether a case had a problem.
func (v *bundleCheck) failed() bool { return len(v.cases) > 0 }

// err lists every problem: the bundle's format and version, the cases',
// then the stop frames'.
func (v *bundleCheck) err(b *Bundle) error {
	var p problems
	if b.Format != BundleFormat {
		p.add("format", "%q is not %q", b.Format, BundleFormat)
	}
	if b.Version < 1 || b.Version > BundleVersion {
		p.add("version", "%d is not supported (this provcheck reads version %d)", b.Version, BundleVersion)
	}
	p = append(p, v.cases...)
	validateStopFrames(&p, "stop_frames", b.StopFrames)
	if err := p.err(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// WriteBundle writes every case of st, with its thumbnails when st keeps
// them, and st's stop frames, as one bundle exported at now: the same
// bytes as NewBundle(cases, now) with the stop frames would write through
// WriteJSON, but read from the store and written one case at a time
// (Store.Each), so memory does not grow with the registry.
func WriteBundle(ctx context.Context, w io.Writer, st Store, now time.Time) error {
	b := NewBundle(nil, now)
	var err error
	if b.StopFrames, err = st.StopFrames(ctx); err != nil {
		return err
	}
	// The bundle without its cases, indented as WriteJSON indents it;
	// the cases go where its empty list is.
	head, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	l, err := jsonlist.Into(w, append(head, '\n'), `"cases": []`, 2)
	if err != nil {
		return err
	}
	thumbs, _ := st.(Thumbnails)
	err = st.Each(ctx, func(c Case) error {
		if thumbs != nil {
			one := []Case{c}
			if err := thumbs.FillThumbnails(ctx, one); err != nil {
				return err
			}
			c = one[0]
		}
		js, err := json.MarshalIndent(c, l.Prefix(), "  ")
		if err != nil {
			return err
		}
		return l.Add(js)
	})
	if err != nil {
		return err
	}
	return l.Close()
}
